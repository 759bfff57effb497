import { realpathSync } from 'node:fs'
import path from 'node:path'
import { ConfigError, UserError, isUserError } from '@venomqa/core'
import type { RegisteredCommand } from '@venomqa/runner'
import { stderrLogger, typedPluginOptions, warnMisspeltVariables } from '../commands/session'
import { type ResolvedConfig, fileProblemsError, loadConfig, shownConfigFile } from '../config/load'
import type { PluginSpec } from '../config/types'
import { type Io, warn } from '../exit'
import { BUILTIN_PLUGINS, loadPlugins, packageForSpec, pluginLoadContext, runnerPluginEntries } from './load'
import { otherMistakes } from './set-aside'
import { findPackage, isPathSpec, nodeModulesDirs, pluginPackagesIn, readPackageJson } from './resolve'

/**
 * Commands of VenomQA's own packages, so that a command whose package is missing says what to install
 * instead of "unknown command". The command itself always comes from the package.
 */
export const COMMAND_PACKAGES: Readonly<Record<string, string>> = { 'mail-catcher': '@venomqa/adapter-mailhog' }

/**
 * Installed plugin packages that declare `name` in their package.json (`"venomqa": { "commands": [...] }`),
 * found from `root` the way Node finds packages: VenomQA's own (`@venomqa/*`) and third-party
 * (`venomqa-plugin-*`, `@org/venomqa-plugin-*`). Reading package.json files imports nothing.
 */
export function packagesDeclaring(name: string, root: string): string[] {
  const found: string[] = []
  for (const nm of nodeModulesDirs(root)) {
    for (const pkg of pluginPackagesIn(nm)) {
      const commands = (readPackageJson(path.join(nm, pkg, 'package.json')) as { venomqa?: { commands?: unknown } }).venomqa?.commands
      if (Array.isArray(commands) && commands.includes(name) && !found.includes(pkg)) found.push(pkg)
    }
  }
  return found
}

/**
 * The plugin command `venomqa <name>` means: from a plugin in the project's config (with its options),
 * else from an installed package that declares it. Plugins are loaded, not set up. Undefined when no
 * plugin has it; a known command whose package is missing is a UserError saying what to install, and a
 * plugin adding one of the `builtIn` commands' names a PluginError naming it. `seen` is given the names of
 * the commands the plugins looked at add, and those installed packages declare: what a misspelt name may mean.
 */
export async function findPluginCommand(
  name: string,
  io: Io,
  builtIn: readonly string[] = [],
  where: { configPath?: string; profile?: string } = {},
  seen: string[] = [],
): Promise<RegisteredCommand | undefined> {
  // A command resolves what its own plugin needs, as `venomqa list` does: a variable only another
  // plugin's entry reads (`${DATABASE_URL}` for the database) may be unset (see withoutUnsetEntries).
  warnMisspeltVariables(io)
  const config = await loadConfig({ cwd: io.cwd, env: io.env, ...where, deferPluginVariables: true })
  const configured = config.plugins.map((spec): PluginSpec => spec)
  // A package an entry already loads, by whatever name it was given (`db` for `venomqa-plugin-db`), is that
  // entry's, with its options: loaded again beside it, it would be made without them.
  const declared = packagesDeclaring(name, config.root).filter((pkg) => !configured.some((spec) => isEntryOf(spec, pkg, config.root)))
  seen.push(...declaredCommands(config.root))
  if (!configured.length && !declared.length) return missing(name)
  // An installed package no entry names is named as itself in its errors: a place in the config's list
  // (`plugins[2]`) would be another entry's, or none.
  const all = { ...config, pluginWhere: [...config.pluginWhere, ...declared] }
  const unset = config.unsetInPluginEntries ?? {}
  if (!Object.keys(unset).length)
    return named(await pluginCommands([...configured, ...declared], all, io, builtIn).catch((err: unknown) => withoutEntryHint(err, name, declared, config, io)), name, seen) ?? missing(name)
  const { specs, whereOf, setAside, declared: setAsideDeclares, mistakes } = await withoutUnsetEntries(name, [...configured, ...declared], all, io, builtIn)
  const found = named(await pluginCommands(specs, { ...config, pluginWhere: whereOf }, io, builtIn).catch((err: unknown) => withoutEntryHint(err, name, declared, config, io)), name, seen)
  if (found) {
    // Another entry's command, which runs without the ones set aside: their other mistakes are told now,
    // not first when the variable is set.
    for (const [where, lines] of Object.entries(mistakes))
      if (lines.length) warn(io, `${where} is set aside, since a variable it reads is unset (${unsetNames(unset[where] ?? [])}), and has ${lines.length === 1 ? 'another mistake' : `${lines.length} other mistakes`}, which a command that needs it will refuse: ${lines.join('; ')}`)
    return found
  }
  // Not found among the others, and an entry set aside declares it: that entry adds it, and what it lacks
  // is told, with its other mistakes, all at once.
  if (setAsideDeclares) throw unsetError(setAside.flatMap((entry) => [...(unset[entry] ?? []), ...(mistakes[entry] ?? [])]), config, io.cwd)
  // No package declares it: most likely a command mistyped (`lst`), which commander then names with its
  // suggestion. An entry set aside may still add it undeclared (an inline plugin's command), so that is said beside.
  if (setAside.length) {
    const file = config.file ? `${shownConfigFile(config.file, io.cwd)}: ` : ''
    const places = setAside.map((entry) => `${file}${entry}`).join(', ')
    const vars = unsetNames(setAside.flatMap((entry) => unset[entry] ?? []))
    warn(io, `${places} ${setAside.length === 1 ? 'is' : 'are'} not loaded, since a variable ${setAside.length === 1 ? 'it reads' : 'they read'} is unset (${vars}): a command ${setAside.length === 1 ? 'it adds' : 'they add'} is known once it is set`)
  }
  return missing(name)
}

/** Command `name` of these, every one of whose names `seen` is given. */
function named(commands: ReadonlyMap<string, RegisteredCommand>, name: string, seen: string[]): RegisteredCommand | undefined {
  seen.push(...commands.keys())
  return commands.get(name)
}

/** Every command the installed plugin packages declare in their package.json (see packagesDeclaring). */
function declaredCommands(root: string): string[] {
  const names: string[] = []
  for (const nm of nodeModulesDirs(root))
    for (const pkg of pluginPackagesIn(nm)) {
      const commands = (readPackageJson(path.join(nm, pkg, 'package.json')) as { venomqa?: { commands?: unknown } }).venomqa?.commands
      if (Array.isArray(commands)) names.push(...commands.filter((c): c is string => typeof c === 'string'))
    }
  return names
}

/**
 * A package found installed (`declared`), which no entry of the config names, is loaded with no options:
 * when its schema requires one (`dir: expected string, got nothing`), the message named only the package
 * and the key, and nothing said where the options go. Said here: in the config's plugins, with them.
 */
function withoutEntryHint(err: unknown, name: string, declared: readonly string[], config: ResolvedConfig, io: Io): never {
  const bare = isUserError(err) ? declared.filter((pkg) => err.message.includes(`${pkg}.`) || err.message.includes(`${pkg}:`)) : []
  if (!bare.length) throw err
  const pkg = bare[0]!
  const where = config.file ? `the plugins of ${shownConfigFile(config.file, io.cwd)}` : 'the plugins of a config file (venomqa.config.ts; `venomqa init` writes one)'
  throw new ConfigError(
    `${(err as Error).message}\n${pkg} is installed but not in the config, so \`venomqa ${name}\` gave it no options: add it to ${where} with the options it needs (['${pkg}', { ... }])`,
    { cause: err },
  )
}

/** The variables unset-variable messages name (`environment variable DATABASE_URL is not set`), once each. */
function unsetNames(messages: readonly string[]): string {
  return [...new Set(messages.map((m) => /environment variable (\S+) is not set/.exec(m)?.[1] ?? m))].join(', ')
}

/**
 * The plugins to look for command `name` in when some entries read unset variables: every other entry,
 * and each of those whose options still pass their schema and that do not add `name` (an entry that adds
 * it with an unset variable is refused, naming the variable: the command would run without it). An entry
 * the unset variables leave with options its schema refuses (`url: ''`) cannot tell its commands: it is
 * set aside, and named only if no other entry adds `name`, and then only among the entries whose package
 * declares `name` when one does.
 */
async function withoutUnsetEntries(
  name: string,
  specs: readonly PluginSpec[],
  config: ResolvedConfig,
  io: Io,
  builtIn: readonly string[],
): Promise<{ specs: PluginSpec[]; whereOf: string[]; setAside: string[]; declared: boolean; mistakes: Record<string, string[]> }> {
  const unset = config.unsetInPluginEntries ?? {}
  const kept: PluginSpec[] = []
  const whereOf: string[] = []
  const setAside: { where: string; declares: boolean }[] = []
  /** By entry set aside: its mistakes besides what its unset variables left empty (see set-aside.ts). */
  const mistakes: Record<string, string[]> = {}
  for (const [i, spec] of specs.entries()) {
    // Each spec kept keeps its own place: the entries set aside before it must not shift it onto theirs.
    const where = config.pluginWhere[i] ?? `plugins[${i}]`
    if (!unset[where]) {
      kept.push(spec)
      whereOf.push(where)
      continue
    }
    const [loaded] = await typedPluginOptions(await loadPlugins([spec], { root: config.root }, [where]), config.pluginTypedVariables)
    const declares = loaded?.source === 'package' && loaded.from !== undefined && declaresCommand(loaded.from, name)
    let commands: Map<string, RegisteredCommand>
    try {
      const { createRunner } = await import('@venomqa/runner')
      const runner = createRunner({ plugins: runnerPluginEntries(loaded ? [loaded] : []), root: config.root, logger: stderrLogger(io, false) })
      commands = await runner.commands({ reserved: builtIn })
    } catch (err) {
      if (!(err instanceof ConfigError)) throw err
      setAside.push({ where, declares })
      mistakes[where] = await otherMistakes(spec, where, config.unsetInPluginKeys?.[where] ?? [], config.root, config.pluginTypedVariables)
      continue
    }
    if (commands.has(name)) throw unsetError(unset[where]!, config, io.cwd)
  }
  const declaring = setAside.filter((e) => e.declares)
  return { specs: kept, whereOf, setAside: (declaring.length ? declaring : setAside).map((e) => e.where), declared: declaring.length > 0, mistakes }
}

/**
 * Whether config entry `spec` loads package `pkg`, by its name, a short name (`db`), a path to its
 * directory, or as the plugin itself (an inline plugin of that name, imported from it).
 */
function isEntryOf(spec: PluginSpec, pkg: string, root: string): boolean {
  const head = Array.isArray(spec) ? spec[0] : spec
  if (typeof head !== 'string') return (head as { name?: unknown }).name === pkg
  if (head === pkg) return true
  const dir = findPackage(pkg, root)?.dir
  if (!dir || (BUILTIN_PLUGINS as readonly string[]).includes(head)) return false
  if (!isPathSpec(head)) return packageForSpec(head, root)?.found.dir === dir
  try {
    return realpathSync(path.resolve(root, head)) === dir
  } catch {
    return false
  }
}

/** Whether the package in `dir` declares command `name` in its package.json (see packagesDeclaring). */
function declaresCommand(dir: string, name: string): boolean {
  const commands = (readPackageJson(path.join(dir, 'package.json')) as { venomqa?: { commands?: unknown } }).venomqa?.commands
  return Array.isArray(commands) && commands.includes(name)
}

/** The unset variables of entries a command needs, told as `venomqa run` tells them (see validateConfig). */
function unsetError(messages: readonly string[], config: Pick<ResolvedConfig, 'file'>, cwd: string): ConfigError {
  return fileProblemsError(config.file ? shownConfigFile(config.file, cwd) : 'plugins', messages)
}

/**
 * The commands these plugins add, by name: loaded, options checked, only their `commands` hook called (no
 * setup). A plugin adding one of the `builtIn` names, or two adding one name, is a PluginError naming it.
 */
export async function pluginCommands(
  specs: PluginSpec[],
  config: Pick<ResolvedConfig, 'root' | 'file' | 'pluginWhere' | 'pluginTypedVariables'>,
  io: Io,
  builtIn: readonly string[],
): Promise<Map<string, RegisteredCommand>> {
  // Options as `venomqa run` gives them: a variable its schema refused as a string, as its number or boolean.
  const loaded = await typedPluginOptions(await loadPlugins(specs, pluginLoadContext(config, io.cwd), config.pluginWhere), config.pluginTypedVariables)
  const { createRunner } = await import('@venomqa/runner')
  const runner = createRunner({ plugins: runnerPluginEntries(loaded, config.file && shownConfigFile(config.file, io.cwd)), root: config.root, logger: stderrLogger(io, false) })
  return runner.commands({ reserved: builtIn })
}

function missing(name: string): undefined {
  const pkg = COMMAND_PACKAGES[name]
  if (pkg) throw new UserError('E_PLUGIN', `venomqa ${name} comes with ${pkg}, which is not installed in this project: npm install -D ${pkg}`)
  return undefined
}
