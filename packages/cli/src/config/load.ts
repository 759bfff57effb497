import { existsSync } from 'node:fs'
import { readFile } from 'node:fs/promises'
import path from 'node:path'
import { ConfigError, didYouMean, errorMessage, knownSecrets } from '@venomqa/core'
import { parseJsonText } from '../json-place'
import { importUserFile, loadFailure } from '../load-module'
import { loading } from '../pending-loads'
import { parsePluginFlag } from '../plugins/flag'
import { envOverrides, envProblemsError, problemList } from './env'
import { formatIssues, keyPath } from './issues'
import { type HiddenValue, type UnsetVariable, interpolate, isPlainObject } from './interpolate'
import { type TypedVariable, keepsTyped, withRefusedTyped } from './typed-variables'
import { deepMerge } from './merge'
import { type ConfigOutputs, outputsAsWritten } from './named-outputs'
import { DEFAULT_JOURNEYS, configSchema, keySchema } from './schema'
import type { EntryMistake, PlacedEntry } from '../plugins/entry-mistakes'
import type { PluginSpec, ReporterSpec, VenomConfig, VenomConfigBase } from './types'

/** Looked for in this order in the project directory; the first found wins. */
export const CONFIG_FILES = [
  'venomqa.config.ts',
  'venomqa.config.mts',
  'venomqa.config.js',
  'venomqa.config.mjs',
  'venomqa.yaml',
  'venomqa.yml',
  'venomqa.json',
]

export interface LoadConfigOptions {
  cwd: string
  /** --config */
  configPath?: string
  /** --profile (else VENOMQA_PROFILE) */
  profile?: string
  env?: NodeJS.ProcessEnv
  /** Values from command-line flags: they win over everything. */
  flags?: Partial<VenomConfigBase>
  /** --plugin specs, added after the config's and VENOMQA_PLUGINS'. */
  extraPlugins?: string[]
  /**
   * For commands that only render a saved run (`report`, `merge-reports`): an unset variable in a plugin's
   * entry (`${DATABASE_URL}` in a CI job that renders) is no error yet; it is kept in `unsetInPlugins`, and
   * told if the command turns out to need the config's plugins (see renderingConfig). An unset variable in
   * `baseUrl` or `headers`, which only a request reads, is no error at all: the key (the header) is left
   * out, and the job renders without the API's address and secrets.
   */
  deferPluginVariables?: boolean
  /**
   * Only `explore --openapi` reads the config's `openapi` (its bearer token, its credentials): for every
   * other command an unset variable in it is no error, and the key is left out. A CI job that runs the
   * regression journeys an exploration wrote has the variables those need, not the exploration's.
   */
  readsOpenapi?: boolean
  /** `venomqa report` and `init` work without a config file; `run` does too (flags only). */
}

/** The config a command works with: file, profile, environment and flags applied, validated. */
export interface ResolvedConfig extends Omit<VenomConfigBase, 'journeys' | 'plugins' | 'reporters' | '$schema'> {
  /** The project root: the config file's directory, else the working directory. */
  root: string
  /** The config file, if one was found. */
  file?: string
  profile?: string
  journeys: string[]
  plugins: PluginSpec[]
  /** Where each of `plugins` was written, for option errors: `plugins[0]`, `VENOMQA_PLUGINS`, `--plugin redis?`. */
  pluginWhere: string[]
  /** Empty when nothing named any: the command picks its default. */
  reporters: ReporterSpec[]
  /** Where each of `reporters` was written, for option errors: `reporters[1]`, `profiles.ci.reporters[0]`, `--reporter html`. */
  reporterWhere: string[]
  /** Where `save` was written, for errors about it: `--save`, `VENOMQA_SAVE`, `profiles.ci.save`, `save`. */
  saveWhere?: string
  /** Where `baseUrl` was given, for messages about it: `--base-url`, `VENOMQA_BASE_URL`, `profiles.ci.baseUrl`, `baseUrl`. */
  baseUrlWhere?: string
  /** With deferPluginVariables: the unset variables found in plugins' entries, not yet told. */
  unsetInPlugins?: string[]
  /** The same by the entry they are in, as `pluginWhere` names it (`plugins[0]`, `profiles.ci.plugins[1]`). */
  unsetInPluginEntries?: Record<string, string[]>
  /** By entry too: the option keys they left empty, as an option error names them (`plugins[0].url`). */
  unsetInPluginKeys?: Record<string, string[]>
  /** By `pluginWhere`: the options that were one variable whole and read as a number or a boolean (see TypedVariable). */
  pluginTypedVariables?: Record<string, TypedVariable[]>
}

/**
 * The typed variables of the plugins' options, by where the entry was written (`plugins[1]`,
 * `profiles.ci.plugins[0]`), each path from the options down: the runner checks plugin options against
 * each plugin's schema, and the session gives a refused one its number or boolean (see TypedVariable).
 * With a profile that lists plugins, the list is the profile's.
 */
function pluginTypedVariables(typed: readonly TypedVariable[], profile: string | undefined, profileListsPlugins: boolean): Record<string, TypedVariable[]> {
  const out: Record<string, TypedVariable[]> = {}
  for (const { path: p, value } of typed) {
    // An entry is `[name, options]`: its options are at 1.
    const fromBase = !profileListsPlugins && p[0] === 'plugins' && p[2] === 1
    const fromProfile = profileListsPlugins && p[0] === 'profiles' && p[1] === profile && p[2] === 'plugins' && p[4] === 1
    if (!fromBase && !fromProfile) continue
    const where = fromBase ? `plugins[${String(p[1])}]` : `profiles.${profile}.plugins[${String(p[3])}]`
    ;(out[where] ??= []).push({ path: p.slice(fromBase ? 3 : 5), value })
  }
  return out
}

/** The config file as messages name it: its path from the working directory (`venomqa.json`, `conf/venomqa.yaml`). */
export function shownConfigFile(file: string, cwd: string): string {
  return path.relative(cwd, file) || path.basename(file)
}

/**
 * Whether a place is an entry of the config file's `plugins` or `reporters` (`plugins[1]`,
 * `profiles.ci.reporters[0]`), not a flag's (`--plugin redis`) or a variable's (`VENOMQA_REPORTERS[1]`).
 */
export function inConfigFile(where: string, list: 'plugins' | 'reporters'): boolean {
  return new RegExp(`^(?:profiles\\..+\\.)?${list}\\[\\d+\\]$`).test(where)
}

/** The problems of a config file as one ConfigError: `venomqa.json: <problem>`, or `venomqa.json has 2 problems:` and a line each. */
export function fileProblemsError(source: string, lines: readonly string[]): ConfigError {
  return new ConfigError(lines.length === 1 ? `${source}: ${lines[0]}` : `${source} has ${lines.length} problems:\n${problemList(lines)}`, { where: source })
}

/** The project root: the directory of the config file (`--config`, else the one found in `cwd`), else `cwd`. */
export function projectRoot(cwd: string, configPath?: string): string {
  const file = configPath ? path.resolve(cwd, configPath) : findConfigFile(cwd)
  return file ? path.dirname(file) : cwd
}

export function findConfigFile(dir: string): string | undefined {
  for (const name of CONFIG_FILES) {
    const file = path.join(dir, name)
    if (existsSync(file)) return file
  }
  return undefined
}

/** Read a config file as it is written (before interpolation and validation). */
export async function readConfigFile(file: string, root: string, rel: string = path.basename(file)): Promise<unknown> {
  const ext = path.extname(file)
  if (ext === '.yaml' || ext === '.yml' || ext === '.json') {
    let text: string
    try {
      text = await readFile(file, 'utf8')
    } catch (err) {
      throw new ConfigError(`cannot read ${rel}: ${errorMessage(err)}`, { where: rel })
    }
    if (ext === '.json') return parseJsonText(text, (place, reason) => new ConfigError(`${rel}${place} is not valid JSON: ${reason}`, { where: `${rel}${place}` }))
    // Its own module, loaded here only: yaml is bundled into it (see tsup.config.ts), and a config written
    // in TypeScript or JSON never loads it.
    const { parseYamlConfig } = await import('./yaml')
    return parseYamlConfig(text, rel)
  }
  let mod: Record<string, unknown>
  try {
    mod = await loading(rel, 'import', () => importUserFile(file, root))
  } catch (err) {
    const { place, message } = loadFailure(err, file)
    throw new ConfigError(`could not load ${rel}${place}: ${message}`, { where: `${rel}${place}`, cause: err })
  }
  // A file that exports nothing (`const config = defineConfig(...)` without `export default`) was an
  // empty config: the run went on with no base URL, no plugins and no state backend, without a word.
  if (!('default' in mod) && !Object.keys(mod).length)
    throw new ConfigError(`${rel} exports nothing: write \`export default defineConfig({ ... })\` (or \`export default { ... }\`)`, { where: rel })
  let config = 'default' in mod ? mod.default : mod
  if (typeof config === 'function') {
    try {
      const make = config as () => unknown
      config = await loading(rel, 'call', async () => make())
    } catch (err) {
      const { place, message } = loadFailure(err, file)
      throw new ConfigError(`${rel}${place} exports a function that threw while making the config: ${message}`, { where: `${rel}${place}`, cause: err })
    }
  }
  return config
}

/**
 * Check a raw config against the schema; every problem becomes one line of one ConfigError, together
 * with the unset variables interpolation found (a key whose variable is unset is not blamed twice).
 */
export function validateConfig(
  written: unknown,
  source: string,
  unset: readonly UnsetVariable[] = [],
  hidden: readonly HiddenValue[] = [],
  typed: readonly TypedVariable[] = [],
  excused: readonly UnsetVariable[] = [],
  /** Problems found elsewhere to tell with these: the other mistakes of plugin entries an unset variable is in. */
  more: readonly string[] = [],
  /** Problems to tell after the schema's: the options of the plugins the file names, when its keys are refused. */
  after: readonly string[] = [],
): VenomConfig {
  if (!isPlainObject(written))
    throw new ConfigError(`${source}: expected an object of config keys at the top level, got ${written === null ? 'null' : Array.isArray(written) ? 'a list' : typeof written}`, {
      where: source,
    })
  // `retries: ${RETRIES}` is the string "2" until the schema refuses a string there (see TypedVariable).
  let raw: unknown = written
  let parsed = configSchema().safeParse(raw)
  const retyped = parsed.success ? undefined : withRefusedTyped(raw, typed, parsed.error.issues)
  if (retyped !== undefined && !parsed.success) {
    const again = configSchema().safeParse(retyped)
    if (keepsTyped(parsed.error.issues, again.success ? [] : again.error.issues)) {
      raw = retyped
      parsed = again
    }
  }
  // The schema only checks (no defaults, no coercion), so the value as written is returned: zod's copy
  // would drop the prototype of a plugin or workerSetup made from a class.
  if (parsed.success && !unset.length) return raw as VenomConfig
  // A key left empty by an unset variable is not blamed for being empty: told as unset, or excused.
  const unsetKeys = new Set([...unset, ...excused].map((u) => keyPath(u.path)))
  const schemaIssues = parsed.success ? [] : parsed.error.issues.filter((i) => !unsetKeys.has(keyPath(i.path)))
  const lines = [...unset.map((u) => u.message), ...more, ...formatIssues(schemaIssues, raw, hidden), ...after]
  if (!lines.length) return raw as VenomConfig
  throw fileProblemsError(source, lines)
}

/** What the config named as outputs when loading it failed, by the error it failed with (see outputsNamedBy). */
const outputsOfFailures = new WeakMap<object, ConfigOutputs>()

/**
 * The outputs the config named, as far as they could be read, when `loadConfig` failed with `err`; undefined
 * for any other error. A command stopped by the config's mistake removes what an earlier run left there.
 */
export function outputsNamedBy(err: unknown): ConfigOutputs | undefined {
  return typeof err === 'object' && err !== null ? outputsOfFailures.get(err) : undefined
}

/** The config file as read and interpolated (undefined until then, or without a file), and its unset variables. */
interface ReadSoFar {
  written?: unknown
  unset: UnsetVariable[]
}

export async function loadConfig(options: LoadConfigOptions): Promise<ResolvedConfig> {
  const read: ReadSoFar = { unset: [] }
  try {
    return await resolveLoadedConfig(options, read)
  } catch (err) {
    const env = options.env ?? process.env
    if (typeof err === 'object' && err !== null) outputsOfFailures.set(err, outputsAsWritten(read.written, read.unset, env, options.profile ?? (env.VENOMQA_PROFILE || undefined)))
    throw err
  }
}

/**
 * The outputs the config names, read leniently, for a command that stopped on a mistake in a flag before it
 * read the config (see outputsAsWritten). A config that cannot be read at all names none.
 */
export async function readConfigOutputs(options: Pick<LoadConfigOptions, 'cwd' | 'configPath' | 'profile' | 'env'>): Promise<ConfigOutputs> {
  const read = await readConfigAsWritten(options)
  return outputsAsWritten(read.written, read.unset, options.env ?? process.env, read.profile)
}

/** The config file as written and interpolated, read leniently, with where it is and the profile asked for. */
export interface ConfigAsWritten extends ReadSoFar {
  /** The config file looked for: the one given with --config (which may not exist), else the one found. */
  file?: string
  /** Whether `file` exists. */
  found: boolean
  root: string
  profile?: string
}

/**
 * The config file read without judging it, for a command that goes on after the config failed (what it
 * names as outputs, what doctor can still check): `written` is undefined when there is no file, or when
 * it could not be read at all (not YAML, a module that throws).
 */
export async function readConfigAsWritten(options: Pick<LoadConfigOptions, 'cwd' | 'configPath' | 'profile' | 'env'>): Promise<ConfigAsWritten> {
  const env = options.env ?? process.env
  const profile = options.profile ?? (env.VENOMQA_PROFILE || undefined)
  const file = options.configPath ? path.resolve(options.cwd, options.configPath) : findConfigFile(options.cwd)
  const found = !!file && existsSync(file)
  const read: ReadSoFar = { unset: [] }
  if (file && found) {
    const raw = await readConfigFile(file, path.dirname(file)).catch(() => undefined)
    read.written = interpolate(raw, env, path.basename(file), [], read.unset)
  }
  return { ...read, file, found, root: file ? path.dirname(file) : options.cwd, ...(profile ? { profile } : {}) }
}

async function resolveLoadedConfig(options: LoadConfigOptions, read: ReadSoFar): Promise<ResolvedConfig> {
  const env = options.env ?? process.env
  let file: string | undefined
  if (options.configPath) {
    file = path.resolve(options.cwd, options.configPath)
    if (!existsSync(file)) throw new ConfigError(`config file ${options.configPath} does not exist (resolved to ${file})`, { where: '--config' })
  } else file = findConfigFile(options.cwd)
  const root = file ? path.dirname(file) : options.cwd
  const source = file ? shownConfigFile(file, options.cwd) : '(no config file)'

  let config: VenomConfig = {}
  let deferred: string[] = []
  const deferredByEntry: Record<string, string[]> = {}
  let emptied: Record<string, string[]> = {}
  const typed: TypedVariable[] = []
  // Read before the file is checked, so that a wrong variable is told with the file's problems, all at once.
  const fromEnv = envOverrides(env)
  const profile = options.profile ?? (env.VENOMQA_PROFILE || undefined)
  if (file) {
    const raw = await readConfigFile(file, root, source)
    const found: UnsetVariable[] = read.unset
    const hidden: HiddenValue[] = []
    const interpolated = interpolate(raw, env, source, [], found, hidden, typed)
    // Before it is checked: what it names as outputs is known, whatever else is wrong in it.
    read.written = interpolated
    // A profile this run does not select is not this run's: `staging: { baseUrl: ${STAGING_URL} }` needs
    // STAGING_URL only under --profile staging. Its keys are still checked, but not the ones left empty.
    const inOtherProfile = (u: UnsetVariable) => !u.malformed && u.path[0] === 'profiles' && u.path[1] !== profile
    const unreadOpenapi = (u: UnsetVariable) => !options.readsOpenapi && !u.malformed && isOpenapiKey(u.path) && dropIfOnlyForRequests(interpolated, u.path)
    const unset = found.filter((u) => !inOtherProfile(u) && !unreadOpenapi(u))
    const excused = found.filter(inOtherProfile)
    // Known secrets of this process from now on: every output masks them (the console and its curl
    // lines, reports, results, error messages), as it masks a token seen in a response. By the name of
    // its variable only a value under a key that names no secret (`X-Api: ${API_SECRET}`) is one.
    knownSecrets.add(hidden.map((h) => h.value))
    // A malformed `${` is the file's mistake, told by every command.
    const inPlugins = (u: UnsetVariable) => !u.malformed && (u.path[0] === 'plugins' || (u.path[0] === 'profiles' && u.path[2] === 'plugins'))
    deferred = options.deferPluginVariables ? unset.filter(inPlugins).map((u) => u.message) : []
    if (options.deferPluginVariables)
      for (const u of unset.filter(inPlugins)) (deferredByEntry[pluginEntryOf(u.path)] ??= []).push(u.message)
    const toTell = options.deferPluginVariables ? unset.filter((u) => !inPlugins(u) && (u.malformed || !dropIfOnlyForRequests(interpolated, u.path))) : unset
    const inPluginEntries = unset.filter(inPlugins)
    let entryMistakes: string[] = []
    // The errors of entries that do not load, told on a line each: whole under --debug (see withCause).
    const entryErrors: Error[] = []
    if (inPluginEntries.length) {
      const { emptiedOptionKeys, otherMistakes } = await import('../plugins/set-aside')
      emptied = emptiedOptionKeys(inPluginEntries)
      // Told by the variable alone, an entry's other mistakes were met only once it was set: all at once.
      if (!options.deferPluginVariables) entryMistakes = await mistakesOfEntries(interpolated, emptied, root, pluginTypedVariables(typed, profile, listsPlugins(interpolated, profile)), otherMistakes, entryErrors)
    }
    try {
      config = validateConfig(interpolated, source, toTell, hidden, typed, excused, entryMistakes)
    } catch (err) {
      if (!(err instanceof ConfigError)) throw err
      // Refused for its keys, the file is refused before the plugins load: their mistakes were met only
      // one run later, once the keys were fixed. Told with them, all at once.
      const more = options.deferPluginVariables ? [] : await mistakesOfPlugins(interpolated, profile, emptied, root, typed, fromEnv.plugins, options.extraPlugins ?? [])
      const inFile = more.filter((m) => inConfigFile(m.where, 'plugins')).map((m) => m.line)
      const elsewhere = more.filter((m) => !inConfigFile(m.where, 'plugins')).map((m) => new ConfigError(m.line, { where: m.where }))
      const fileError = inFile.length ? (refusalOf(() => validateConfig(interpolated, source, toTell, hidden, typed, excused, entryMistakes, inFile)) ?? err) : err
      throw withCauses(envProblemsError([...fromEnv.problems, ...elsewhere], fileError)!, [...entryErrors, ...more.flatMap((m) => (m.error ? [m.error] : []))])
    }
  }
  const envError = envProblemsError(fromEnv.problems)
  if (envError) throw envError

  const { profiles, $schema: _schema, ...base } = config
  let merged: VenomConfigBase = base
  if (profile) {
    const selected = selectedProfile(profiles, profile, source, options.profile ? '--profile' : 'VENOMQA_PROFILE')
    const { $schema: _s, ...over } = selected
    merged = deepMerge(base as Record<string, unknown>, over) as VenomConfigBase
    // Each part was valid on its own; what they make together is checked too, as the config a run takes.
    validateConfig(merged, `${source} with profile ${profile}`)
  }

  merged = deepMerge(merged as Record<string, unknown>, fromEnv.overrides as Record<string, unknown>) as VenomConfigBase
  merged = deepMerge(merged as Record<string, unknown>, (options.flags ?? {}) as Record<string, unknown>) as VenomConfigBase

  const journeys = merged.journeys === undefined ? [DEFAULT_JOURNEYS] : Array.isArray(merged.journeys) ? merged.journeys : [merged.journeys]
  return {
    ...merged,
    root,
    file,
    profile,
    journeys,
    // VENOMQA_PLUGINS specs take options as --plugin does (`redis?url=...`): else a spec with a query would
    // be a file name, and the error quote its options, a password among them.
    plugins: [...(merged.plugins ?? []), ...fromEnv.plugins.map((p) => (typeof p === 'string' ? parsePluginFlag(p) : p)), ...(options.extraPlugins ?? []).map(parsePluginFlag)],
    pluginWhere: [
      // A list replaces the one before it whole: the profile's, when it gave one (as reporterPlaces has it).
      ...(merged.plugins ?? []).map((_, i) => `${profile && profiles?.[profile]?.plugins !== undefined ? `profiles.${profile}.` : ''}plugins[${i}]`),
      ...fromEnv.plugins.map((_, i) => `VENOMQA_PLUGINS[${i}]`),
      // `--plugin 'mysql?lockWaitTimeoutMs=x'`: the key reads as it was typed, after the "?".
      ...(options.extraPlugins ?? []).map((spec) => `--plugin ${spec.split('?')[0]}?`),
    ],
    reporters: (merged.reporters ?? []) as ReporterSpec[],
    ...(merged.save !== undefined
      ? {
          saveWhere: savePlace({
            flags: options.flags?.save !== undefined,
            env: fromEnv.overrides.save !== undefined,
            profile: profile && profiles?.[profile]?.save !== undefined ? profile : undefined,
          }),
        }
      : {}),
    ...(merged.baseUrl !== undefined
      ? {
          baseUrlWhere: baseUrlPlace({
            flags: (options.flags as { baseUrl?: unknown } | undefined)?.baseUrl !== undefined,
            env: (fromEnv.overrides as { baseUrl?: unknown }).baseUrl !== undefined,
            profile: profile && (profiles?.[profile] as { baseUrl?: unknown } | undefined)?.baseUrl !== undefined ? profile : undefined,
          }),
        }
      : {}),
    ...(deferred.length ? { unsetInPlugins: deferred, unsetInPluginEntries: deferredByEntry, unsetInPluginKeys: emptied } : {}),
    pluginTypedVariables: pluginTypedVariables(typed, profile, profile !== undefined && profiles?.[profile]?.plugins !== undefined),
    reporterWhere: reporterPlaces((merged.reporters ?? []) as ReporterSpec[], {
      flags: (options.flags as { reporters?: unknown } | undefined)?.reporters !== undefined,
      env: (fromEnv.overrides as { reporters?: unknown }).reporters !== undefined,
      profile: profile && (profiles?.[profile] as { reporters?: unknown } | undefined)?.reporters !== undefined ? profile : undefined,
    }),
  }
}

/** Whether the config's selected profile gives a plugin list of its own (which replaces the file's). */
function listsPlugins(written: unknown, profile: string | undefined): boolean {
  const profiles = isPlainObject(written) ? written.profiles : undefined
  const selected = profile && isPlainObject(profiles) && Object.hasOwn(profiles, profile) ? profiles[profile] : undefined
  return isPlainObject(selected) && selected.plugins !== undefined
}

/**
 * The other mistakes of the plugin entries an unset variable is in (see plugins/set-aside.ts), each entry
 * as written at its place (`plugins[0]`, `profiles.ci.plugins[1]`); one that is not an entry the schema
 * takes is left to the schema's own message.
 */
async function mistakesOfEntries(
  written: unknown,
  emptied: Record<string, string[]>,
  root: string,
  typed: Record<string, TypedVariable[]>,
  otherMistakes: typeof import('../plugins/set-aside').otherMistakes,
  errors: Error[],
): Promise<string[]> {
  const out: string[] = []
  for (const [where, keys] of Object.entries(emptied)) {
    const m = /^(?:profiles\.(.+)\.)?plugins\[(\d+)\]$/.exec(where)
    if (!m || !isPlainObject(written)) continue
    const scope = m[1] === undefined ? written : isPlainObject(written.profiles) ? written.profiles[m[1]] : undefined
    const list = isPlainObject(scope) ? scope.plugins : undefined
    const spec = Array.isArray(list) ? list[Number(m[2])] : undefined
    const isSpec = typeof spec === 'string' || (Array.isArray(spec) && spec.length === 2 && typeof spec[0] === 'string')
    if (isSpec) out.push(...(await otherMistakes(spec as PluginSpec, where, keys, root, typed, errors)))
  }
  return out
}

/**
 * The mistakes of the plugin entries a run of this config would set up (the file's, or the selected
 * profile's list, then VENOMQA_PLUGINS and --plugin), for a file refused for its keys. An entry the
 * schema refuses is told by the schema, one an unset variable is in by mistakesOfEntries.
 */
async function mistakesOfPlugins(
  written: unknown,
  profile: string | undefined,
  emptied: Record<string, string[]>,
  root: string,
  typed: readonly TypedVariable[],
  fromEnv: readonly string[],
  fromFlags: readonly string[],
): Promise<EntryMistake[]> {
  if (!isPlainObject(written)) return []
  const ownList = listsPlugins(written, profile)
  const scope = ownList && profile && isPlainObject(written.profiles) ? written.profiles[profile] : written
  const list = isPlainObject(scope) && Array.isArray(scope.plugins) ? scope.plugins : []
  const entries: PlacedEntry[] = [
    ...list.map((spec, i) => ({ spec: spec as PluginSpec, where: `${ownList ? `profiles.${profile}.` : ''}plugins[${i}]` })),
    ...fromEnv.map((spec, i) => ({ spec: parsePluginFlag(spec), where: `VENOMQA_PLUGINS[${i}]` })),
    ...fromFlags.map((spec) => ({ spec: parsePluginFlag(spec), where: `--plugin ${spec.split('?')[0]}?` })),
  ].filter(({ spec, where }) => !emptied[where] && keySchema('plugins').safeParse([spec]).success)
  if (!entries.length) return []
  const { entryMistakes } = await import('../plugins/entry-mistakes')
  return entryMistakes(entries, root, pluginTypedVariables(typed, profile, ownList))
}

/**
 * `err` with `causes` as its cause, unless it has one: a list of mistakes tells an entry that does not load
 * on one line (listedMessage), and --debug shows the causes of an error whole, with their stacks. Several
 * (two plugins that do not load) are one AggregateError, whose errors --debug shows each (see stacksOf):
 * with the first alone, the others' whole errors were never told.
 */
function withCauses(err: ConfigError, causes: readonly Error[]): ConfigError {
  if (!causes.length || err.cause !== undefined) return err
  const cause = causes.length === 1 ? causes[0] : new AggregateError(causes, `${causes.length} plugin entries failed to load`)
  Object.defineProperty(err, 'cause', { value: cause, configurable: true, writable: true })
  return err
}

/** The ConfigError `check` refuses with, or undefined; any other error is thrown. */
function refusalOf(check: () => unknown): ConfigError | undefined {
  try {
    check()
    return undefined
  } catch (err) {
    if (err instanceof ConfigError) return err
    throw err
  }
}

/** The entry a key path in `plugins` is in, as `pluginWhere` names it: `plugins[0]`, `profiles.ci.plugins[1]`. */
function pluginEntryOf(keys: readonly PropertyKey[]): string {
  return keys[0] === 'plugins' ? `plugins[${String(keys[1])}]` : `profiles.${String(keys[1])}.plugins[${String(keys[3])}]`
}

/**
 * The profile named `name`, one the config defines itself: `constructor` or `toString` is no profile, though
 * every object answers to it. Else a ConfigError naming the flag or variable, with the profiles there are.
 */
function selectedProfile(profiles: VenomConfig['profiles'], name: string, source: string, where: string): NonNullable<VenomConfig['profiles']>[string] {
  if (profiles && Object.hasOwn(profiles, name)) return profiles[name]!
  const known = Object.keys(profiles ?? {})
  const near = didYouMean(name, known)
  throw new ConfigError(
    `profile "${name}" is not defined in ${source}${near ? `; did you mean "${near}"?` : ''}${known.length ? ` (profiles: ${known.join(', ')})` : ' (it has no profiles)'}`,
    { where },
  )
}

/** Where the user wrote `save`: the last source that gave it wins (the flag, VENOMQA_SAVE, the profile, the file). */
function savePlace(from: { flags: boolean; env: boolean; profile?: string }): string {
  return placeOf(from, { flag: '--save', env: 'VENOMQA_SAVE', key: 'save' })
}

/** Where the user gave `baseUrl`, as savePlace says it of `save`. */
function baseUrlPlace(from: { flags: boolean; env: boolean; profile?: string }): string {
  return placeOf(from, { flag: '--base-url', env: 'VENOMQA_BASE_URL', key: 'baseUrl' })
}

/** Where a key of the config was given, by its names: the last source that gave it wins (the flag, the variable, the profile, the file). */
function placeOf(from: { flags: boolean; env: boolean; profile?: string }, names: { flag: string; env: string; key: string }): string {
  if (from.flags) return names.flag
  if (from.env) return names.env
  return from.profile ? `profiles.${from.profile}.${names.key}` : names.key
}

/**
 * Where the user wrote each reporter of the merged config. A list replaces the one before it whole, so
 * all of them come from the last source that gave one: the flags, VENOMQA_REPORTERS, the profile, the file.
 */
function reporterPlaces(reporters: readonly ReporterSpec[], from: { flags: boolean; env: boolean; profile?: string }): string[] {
  return reporters.map((spec, i) => {
    if (from.flags) return `--reporter ${typeof spec === 'string' ? spec : i}`
    if (from.env) return `VENOMQA_REPORTERS[${i}]`
    return from.profile ? `profiles.${from.profile}.reporters[${i}]` : `reporters[${i}]`
  })
}

/**
 * The keys only requests read, and how much of one goes when a variable in it is unset: a command that
 * only renders (`report`, `merge-reports`) needs none of them. The base URL, or the one header; all of
 * `openapi`, which only `explore --openapi` reads (its bearer token, its credentials).
 */
const ONLY_FOR_REQUESTS = new Map<string, 'value' | 'whole'>([
  ['baseUrl', 'value'],
  ['headers', 'value'],
  ['openapi', 'whole'],
])

/** Is `at` (the path of a value) in `openapi`, in the file or in a profile? */
function isOpenapiKey(at: readonly PropertyKey[]): boolean {
  return at[0] === 'openapi' || (at[0] === 'profiles' && at[2] === 'openapi')
}

/**
 * For a command that only renders: when `at` (the path of an unset variable) is in `baseUrl`, a header or
 * `openapi`, in the file or in a profile, leave it out of `config` and say so (true). A CI job that
 * renders a saved run has neither the API's address nor its secrets, and must not need them.
 */
function dropIfOnlyForRequests(config: unknown, at: readonly PropertyKey[]): boolean {
  const key = at[0] === 'profiles' ? 2 : 0
  const drop = ONLY_FOR_REQUESTS.get(String(at[key]))
  if (!drop || (drop === 'value' && at.length > key + 2)) return false
  const dropped = drop === 'whole' ? at.slice(0, key + 1) : at
  let holder = config as Record<PropertyKey, unknown> | undefined
  for (const k of dropped.slice(0, -1)) holder = holder?.[k] as Record<PropertyKey, unknown> | undefined
  if (!isPlainObject(holder)) return false
  delete holder[dropped[dropped.length - 1]!]
  return true
}
