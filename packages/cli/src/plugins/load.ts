import { existsSync, statSync } from 'node:fs'
import { createRequire } from 'node:module'
import path from 'node:path'
import { pathToFileURL } from 'node:url'
import { isDeepStrictEqual } from 'node:util'
import { type Plugin, PluginError, apiVersionProblem, didYouMean, isPlugin, knownSecrets, redactText, secretsOfValue } from '@venomqa/core'
import type { PluginEntry } from '@venomqa/runner'
import type { PluginSpec } from '../config/types'
import { inConfigFile, shownConfigFile } from '../config/load'
import { importUserFile, loadFailure } from '../load-module'
import { loading } from '../pending-loads'
import { FIRST_PARTY_PLUGINS, firstPartyPackageFor, installAdvice } from './first-party'
import { type FoundPackage, findPackage, findUnimportablePackage, installedPlugins, isPathSpec, packageEntry, pluginCandidates, readPackageJson, speaksVenomQA } from './resolve'

export interface LoadedPlugin {
  plugin: Plugin<any>
  options?: Record<string, unknown>
  /** What the user wrote, for messages. */
  spec: string
  /** Where the user wrote it, for option errors: `plugins[2]`, `--plugin redis?`. */
  where?: string
  source: 'built-in' | 'path' | 'package' | 'inline'
  /** The file or package directory it came from. */
  from?: string
  packageName?: string
  packageVersion?: string
}

export interface PluginLoadContext {
  /** The user's project root: names resolve from here, not from where the CLI is installed. */
  root: string
  /** The @venomqa/core version this CLI runs with. */
  coreVersion?: string
  /** The config file as messages name it: an entry of it that cannot be loaded is named in it (`venomqa.json: plugins[1]`). */
  configFile?: string
}

/** What loadPlugins needs of a resolved config: its root, and its file as seen from `cwd`, where its entries are named. */
export function pluginLoadContext(config: { root: string; file?: string }, cwd: string): PluginLoadContext {
  return { root: config.root, ...(config.file ? { configFile: shownConfigFile(config.file, cwd) } : {}) }
}

/** Names the CLI resolves without looking at node_modules: plugins the runner ships. */
export const BUILTIN_PLUGINS = ['memory', 'http-control'] as const

let cachedCoreVersion: string | undefined
export function runningCoreVersion(): string {
  if (!cachedCoreVersion) {
    const require = createRequire(import.meta.url)
    cachedCoreVersion = (require('@venomqa/core/package.json') as { version: string }).version
  }
  return cachedCoreVersion
}

function describeSpec(spec: PluginSpec): string {
  const head = Array.isArray(spec) ? spec[0] : spec
  return typeof head === 'string' ? head : `${(head as Plugin).name ?? 'inline plugin'} (inline)`
}

/** Load one plugin from config or --plugin, checking apiVersion and the core peer range. */
export async function loadPlugin(spec: PluginSpec, ctx: PluginLoadContext): Promise<LoadedPlugin> {
  const [head, options] = Array.isArray(spec) ? [spec[0], spec[1]] : [spec, undefined]
  if (typeof head !== 'string') {
    if (!isPlugin(head)) throw new PluginError(describeSpec(spec), `an inline plugin must be made with definePlugin({ name, version, apiVersion, ... })`)
    checkApiVersion(head, describeSpec(spec))
    return { plugin: head, options, spec: describeSpec(spec), source: 'inline' }
  }
  if ((BUILTIN_PLUGINS as readonly string[]).includes(head)) return loadBuiltin(head, options)
  if (isPathSpec(head)) return loadFromPath(head, options, ctx)
  return loadFromPackage(head, options, ctx)
}

/**
 * Load every plugin in order. The same plugin named again without options, or with the same ones (the
 * config's, then `--plugin` or VENOMQA_PLUGINS), loads once, with the options given. Named with other
 * options, it is another instance: each entry is set up with its own (two databases, each its own
 * state-postgres), never one dropped for the other.
 */
export async function loadPlugins(specs: readonly PluginSpec[], ctx: PluginLoadContext, where: readonly string[] = []): Promise<LoadedPlugin[]> {
  const loaded: LoadedPlugin[] = []
  for (const [i, spec] of specs.entries()) {
    const at = where[i] ?? `plugins[${i}]`
    const shown = ctx.configFile && inConfigFile(at, 'plugins') ? `${ctx.configFile}: ${at}` : at
    loaded.push({ ...(await loadPlugin(spec, ctx).catch((err: unknown) => Promise.reject(placedAt(err, shown)))), where: at })
  }
  // The runner's check, loaded here as the runner is for a run: --help and --version never load it.
  const { refusePluginNameTwins } = await import('@venomqa/runner')
  refusePluginNameTwins(runnerPluginEntries(loaded, ctx.configFile))
  return pluginInstances(loaded).map((instance) => instance.plugin)
}

/**
 * The runner's refusal of `loaded[index]` when an entry before it is another plugin of its name (see
 * refusePluginNameTwins): the same check and message as a run's, told by where each came from.
 */
export async function nameTwinError(loaded: readonly LoadedPlugin[], index: number, configFile?: string): Promise<PluginError | undefined> {
  const { pluginNameTwinError } = await import('@venomqa/runner')
  return pluginNameTwinError(runnerPluginEntries(loaded, configFile), index)
}

/** What a loaded plugin came from, which tells one plugin listed twice from two: its file or package, or the built-in it is; an inline one has none. */
function pluginOrigin(p: LoadedPlugin): string | undefined {
  return p.source === 'built-in' ? `built-in:${p.spec}` : p.from
}

/** Where a loaded plugin came from, for messages: `@venomqa/adapter-redis@1.2.0`, `the file ./plugins/redis.mjs`. */
function pluginSource(p: LoadedPlugin): string {
  if (p.source === 'package') return `the package ${p.packageName}${p.packageVersion ? `@${p.packageVersion}` : ''}`
  if (p.source === 'path') return `the file ${p.spec}`
  if (p.source === 'built-in') return `the built-in ${p.spec}`
  return 'an inline plugin'
}

/** One plugin instance of a run, and the places in the loaded list of the entries it was made from. */
export interface PluginInstance {
  plugin: LoadedPlugin
  entries: number[]
}

/**
 * The instances loaded entries make, as `loadPlugins` folds them: an entry of a plugin listed before,
 * without options or with the same ones, joins that instance, which takes the options it gives (and its
 * place, which option errors name). `venomqa doctor` checks each instance, as `run` sets it up, and not
 * an entry without options whose options come from its twin.
 */
export function pluginInstances(loaded: readonly LoadedPlugin[]): PluginInstance[] {
  const out: PluginInstance[] = []
  for (const [i, entry] of loaded.entries()) {
    const key = entry.from ?? entry.plugin
    const twin = out.find(({ plugin: p }) => (p.from ?? p.plugin) === key && p.plugin.name === entry.plugin.name && sameInstance(p.options, entry.options))
    if (!twin) {
      out.push({ plugin: entry, entries: [i] })
      continue
    }
    if (entry.options) twin.plugin = { ...twin.plugin, options: entry.options, where: entry.where }
    twin.entries.push(i)
  }
  return out
}

/** A plugin that could not be loaded, said where it was named (`plugins[1]`, `--plugin x`): two entries may name one package. */
function placedAt(err: unknown, at: string): unknown {
  if (!(err instanceof PluginError)) return err
  // `--plugin x?` names the flag's options in option errors; here the flag itself is meant.
  Object.defineProperty(err, 'where', { value: at.replace(/\?$/, ''), configurable: true, enumerable: true })
  return err
}

/** Two entries of one plugin are one instance when either gives no options, or both give the same. */
function sameInstance(a: Record<string, unknown> | undefined, b: Record<string, unknown> | undefined): boolean {
  return !a || !b || isDeepStrictEqual(a, b)
}

async function loadBuiltin(name: string, options?: Record<string, unknown>): Promise<LoadedPlugin> {
  const { memoryPorts, httpControlPlugin } = await import('@venomqa/runner')
  // memory is a factory (its options may also come from code); with none, its plugin reads api.options.
  const plugin = name === 'memory' ? memoryPorts() : httpControlPlugin
  const version = readPackageJson(createRequire(import.meta.url).resolve('@venomqa/runner/package.json')).version
  return { plugin, options, spec: name, source: 'built-in', packageName: '@venomqa/runner', packageVersion: version }
}

async function loadFromPath(spec: string, options: Record<string, unknown> | undefined, ctx: PluginLoadContext): Promise<LoadedPlugin> {
  const abs = path.resolve(ctx.root, spec)
  if (!existsSync(abs)) throw new PluginError(spec, `plugin file ${spec} does not exist (resolved from ${ctx.root} to ${abs})`)
  if (statSync(abs).isDirectory()) {
    const pkg = readPackageJson(path.join(abs, 'package.json'))
    const entry = packageEntry(abs, pkg)
    if (!entry) throw new PluginError(spec, `plugin directory ${spec} has no package.json entry (main or exports) to load`)
    return fromPackage({ name: pkg.name ?? spec, dir: abs, pkg, entry }, spec, options, ctx)
  }
  const mod = await importPluginModule(abs, ctx.root, spec)
  const plugin = await pluginFromModule(mod, spec, abs, options)
  checkApiVersion(plugin, spec)
  return { plugin, options, spec, source: 'path', from: abs }
}

/**
 * The installed package a package spec loads (`db` is `venomqa-plugin-db`), imported or not: the first
 * candidate installed, `other` when it is only the exact name's library that does not say it is made for
 * VenomQA, tried last. Undefined when none is installed.
 */
export function packageForSpec(spec: string, root: string): { found: FoundPackage; other: boolean } | undefined {
  const candidates = pluginCandidates(spec)
  // The exact name may be another library (`redis` is node-redis, `wiremock` WireMock's jar): one that
  // does not say it is made for VenomQA gives way to the VenomQA packages the name stands for.
  let other: FoundPackage | undefined
  for (const name of candidates) {
    const found = findPackage(name, root)
    if (!found) continue
    if (name === spec && candidates.length > 1 && !speaksVenomQA(found.pkg)) {
      other = found
      continue
    }
    return { found, other: false }
  }
  return other ? { found: other, other: true } : undefined
}

async function loadFromPackage(spec: string, options: Record<string, unknown> | undefined, ctx: PluginLoadContext): Promise<LoadedPlugin> {
  const candidates = pluginCandidates(spec)
  const resolved = packageForSpec(spec, ctx.root)
  if (resolved && !resolved.other) return fromPackage(resolved.found, spec, options, ctx)
  if (resolved) {
    const other = resolved.found
    const rest = candidates.filter((c) => c !== spec)
    return fromPackage(other, spec, options, ctx).catch((err: unknown) => {
      if (!(err instanceof PluginError)) throw err
      throw new PluginError(
        spec,
        `${err.message}. "${spec}" is the installed package ${other.name}, which does not say it is a VenomQA plugin, and none of these is installed: ${rest.join(', ')}. ${installAdvice(spec)}`,
        { cause: err },
      )
    })
  }
  // Installed, but with nothing to import (a CommonJS-only build): told as such, not as a package that is
  // not installed, followed by a "did you mean" naming the very spec.
  for (const name of candidates) {
    const unimportable = findUnimportablePackage(name, ctx.root)
    // The spec itself may be another library's name (a types-only package): only a plugin is told so.
    if (!unimportable || (name === spec && !speaksVenomQA(unimportable.pkg))) continue
    const why =
      unimportable.pkg.exports !== undefined
        ? 'its package.json "exports" has no "." entry for import (a CommonJS-only build has only "require")'
        : `its entry file (${unimportable.pkg.main ?? 'index.js'}) is not there`
    throw new PluginError(
      spec,
      `plugin "${spec}" is the installed package ${name}, which VenomQA cannot import: ${why}. VenomQA loads plugins as ES modules: the package needs an ESM build in "exports" under "import" (tsup's format: ['esm', 'cjs'], as \`venomqa init --plugin\` writes it); a package of yours is built and packed again, another's reported to its publisher`,
    )
  }
  // A name close to an installed plugin is a typo: "install <the typo>" would send the user to a package
  // anyone could publish under that name. So would a package name made up from the spec: only VenomQA's
  // own are named to install (see installAdvice).
  const near = didYouMean(spec, installedPluginNames(ctx.root))
  const orAPath = spec.includes('/') || firstPartyPackageFor(spec) ? '' : `, or give a path to a plugin file (./plugins/${spec}.ts)`
  throw new PluginError(
    spec,
    `unknown plugin "${spec}": none of these packages is installed in ${ctx.root}:\n${candidates.map((c) => `  - ${c}`).join('\n')}\n` +
      (near ? `Did you mean "${near}"? It is installed.` : `${installAdvice(spec)}${orAPath}.`),
  )
}

/**
 * The VenomQA plugin packages installed in the project (VenomQA's own, `venomqa-plugin-*`), by full and
 * short name. Not @venomqa/core, runner or cli, which are no plugins: `-p nope` was asked whether it meant "core".
 */
function installedPluginNames(root: string): string[] {
  const plugins = installedPlugins(root).filter((p) => !p.name.startsWith('@venomqa/') || FIRST_PARTY_PLUGINS.includes(p.name))
  return [...new Set(plugins.flatMap((p) => [p.name, p.short]))]
}

async function fromPackage(found: FoundPackage, spec: string, options: Record<string, unknown> | undefined, ctx: PluginLoadContext): Promise<LoadedPlugin> {
  const label = `${found.name}${found.pkg.version ? `@${found.pkg.version}` : ''}`
  const coreVersion = ctx.coreVersion ?? runningCoreVersion()
  const peer = found.pkg.peerDependencies?.['@venomqa/core']
  if (peer) {
    // Loaded here, not at start-up: a run without plugin packages never needs it.
    const { satisfies } = await import('./semver')
    let ok: boolean
    try {
      ok = satisfies(coreVersion, peer)
    } catch {
      throw new PluginError(spec, `plugin ${label} declares peerDependencies["@venomqa/core"] = "${peer}", which is not a version range`)
    }
    if (!ok)
      throw new PluginError(
        spec,
        `plugin ${label} needs @venomqa/core ${peer}, but this VenomQA runs @venomqa/core ${coreVersion}: install a version of ${found.name} made for ${coreVersion}, or a VenomQA that matches ${peer}`,
      )
  }
  const mod = await importPluginModule(found.entry, ctx.root, spec)
  const plugin = await pluginFromModule(mod, spec, found.entry, options)
  checkApiVersion(plugin, spec, label)
  return { plugin, options, spec, source: 'package', from: found.dir, packageName: found.name, packageVersion: found.pkg.version }
}

async function importPluginModule(file: string, root: string, spec: string): Promise<Record<string, unknown>> {
  try {
    return await loading(pluginLabel(spec, file), 'import', async () => {
      if (/\.(c|m)?ts$/.test(file)) return await importUserFile(file, root)
      return (await import(pathToFileURL(file).href)) as Record<string, unknown>
    })
  } catch (err) {
    const { place, message } = loadFailure(err, file)
    throw listedBriefly(new PluginError(spec, `plugin "${spec}" failed to load from ${file}${place}: ${message}`, { cause: err }), `plugin "${spec}" failed to load from ${shownFile(file)}${place}`, message)
  }
}

/**
 * A plugin's load failure as one line of a list of the config's mistakes (listedMessage): its module's
 * error may run to many lines (a message of its own, a stack written into it), which in the list buried
 * the other mistakes. Told alone, or under --debug with its stack, the error is whole.
 */
const briefly = new WeakMap<Error, string>()

/** `err`, listed as `head` and the first line of `message` (see listedMessage). */
function listedBriefly<E extends Error>(err: E, head: string, message: string): E {
  const [first, ...rest] = message.split('\n')
  if (rest.some((line) => line.trim())) briefly.set(err, `${head}: ${first!.trimEnd()} (the whole error: run with --debug, or fix the other mistakes)`)
  return err
}

/** A mistake's message as a line of a list of them: a plugin's load failure on one line, else the message. */
export function listedMessage(err: Error): string {
  return briefly.get(err) ?? err.message
}

/** A file as seen from where the command runs. */
function shownFile(file: string): string {
  return path.relative(process.cwd(), file) || file
}

/** A plugin as a message names it: as the user wrote it, and its file as seen from where the command runs. */
function pluginLabel(spec: string, file: string): string {
  const shown = shownFile(file)
  return shown === spec || `./${shown}` === spec ? `plugin ${spec}` : `plugin "${spec}" (${shown})`
}

/** The plugin a module exports: its default (also through a CJS `exports.default`), or a factory's result. */
async function pluginFromModule(mod: Record<string, unknown>, spec: string, file: string, options?: Record<string, unknown>): Promise<Plugin<any>> {
  const candidates = [mod.default, (mod.default as Record<string, unknown> | undefined)?.default, mod.plugin, mod]
  for (const c of candidates) if (isPlugin(c)) return c
  for (const c of candidates) {
    if (typeof c === 'function') {
      let made: unknown
      // Its options' secrets (a password, a URL's credentials) are known before it sees them: an error it
      // throws quoting one is masked, as one thrown by a setup is.
      if (options) knownSecrets.add(secretsOfValue(options))
      try {
        const make = c as (o: unknown) => unknown
        made = await loading(pluginLabel(spec, file), 'call', async () => make(options ?? {}))
      } catch (err) {
        // Its options refused, most often: the user's to fix, named like a setup that throws.
        const { place, message } = loadFailure(err, file)
        const head = `plugin "${spec}": the function it exports (${path.basename(file)}${place}) threw`
        throw listedBriefly(new PluginError(spec, `${head}: ${redactText(message)}`, { cause: err }), head, redactText(message))
      }
      if (isPlugin(made)) return made
    }
  }
  throw new PluginError(spec, `${file} does not export a VenomQA plugin: its default export must be definePlugin({ name, version, apiVersion, setup })`)
}

function checkApiVersion(plugin: Plugin<any>, spec: string, label = `${plugin.name}${plugin.version ? `@${plugin.version}` : ''}`): void {
  const problem = apiVersionProblem(label, plugin.apiVersion)
  if (problem) throw new PluginError(spec, problem)
}

/**
 * The runner's `plugins` option; the runner checks each plugin's options and names `where` in errors,
 * after `configFile` (the config file as messages name it, see shownConfigFile) for an entry written in
 * it: `venomqa.json: plugins[1].url: ...`, as every other mistake in the file. A `--plugin` flag, a
 * `--reporter`'s package or VENOMQA_PLUGINS is named by itself.
 */
export function runnerPluginEntries(loaded: readonly LoadedPlugin[], configFile?: string): PluginEntry[] {
  return loaded.map((p) => ({
    plugin: p.plugin,
    options: p.options,
    where: p.where,
    ...(configFile && p.where && inConfigFile(p.where, 'plugins') ? { file: configFile } : {}),
    // One file or package is one plugin, whatever objects its factory made for each entry.
    ...(pluginOrigin(p) ? { from: pluginOrigin(p) } : {}),
    source: pluginSource(p),
  }))
}

