import type { HttpExchange, ReporterFactory } from '@venomqa/core'
import { ConfigError, declaredReporters, escapeControlChars, nameOnOneLine, redactText } from '@venomqa/core'
import type { ExchangeOrigin, Runner, RunnerOptions, StepAwareLogger } from '@venomqa/runner'
import { misspeltVariables } from '../config/env'
import { type LoadConfigOptions, type ResolvedConfig, fileProblemsError, loadConfig, shownConfigFile } from '../config/load'
import type { PluginSpec, VenomConfigBase } from '../config/types'
import { type Io, warn } from '../exit'
import { keepsTyped, withRefusedTyped } from '../config/typed-variables'
import { type LoadedPlugin, loadPlugins, pluginLoadContext, runnerPluginEntries } from '../plugins/load'
import { findPackage, installedPlugins } from '../plugins/resolve'
import { BUILTIN_REPORTERS, type ReporterLookup, type ReporterRequest, instantiateReporters, refuseUndeclaredReporters, reporterRequests } from '../reporters'
import { cliVersion } from '../version'

/** The options every command that reads config shares. */
export interface ConfigFlags {
  config?: string
  profile?: string
  plugin?: string[]
  debug?: boolean
}

/** The misspelt variables told to each command's output: `run --watch` loads the config again at every change. */
const misspeltTold = new WeakMap<Io, Set<string>>()

/**
 * Warn of each VENOMQA_* variable that is a near miss of one venomqa reads (`VENOMQA_RETRYS`), once per
 * command. Told, not refused: the prefix is shared with variables set for other readers (a curl line's
 * headers), but a near miss of one VenomQA reads is almost surely meant as it, and was otherwise ignored unsaid.
 */
export function warnMisspeltVariables(io: Io): void {
  const told = misspeltTold.get(io) ?? new Set<string>()
  misspeltTold.set(io, told)
  for (const { name, meant } of misspeltVariables(io.env)) {
    if (told.has(name)) continue
    told.add(name)
    warn(io, `${name} is not a variable venomqa reads, and is ignored (did you mean ${meant}?)`)
  }
}

export async function resolveConfig(io: Io, flags: ConfigFlags, values: Partial<VenomConfigBase> = {}, extra: Pick<LoadConfigOptions, 'deferPluginVariables' | 'readsOpenapi'> = {}): Promise<ResolvedConfig> {
  warnMisspeltVariables(io)
  return loadConfig({ cwd: io.cwd, configPath: flags.config, profile: flags.profile, env: io.env, flags: values, extraPlugins: flags.plugin, ...extra })
}

/**
 * The config a command that only renders a saved run works with. It needs no plugin but those that make
 * its reporters: the config's plugins are set up only when a reporter asked for is neither built in nor an
 * installed `@venomqa/reporter-<name>`, and then only those whose declared reporters (Plugin.reporters)
 * include it, and those that declare none when no plugin declares it. Their setup may connect to a
 * database, or start a mail server, which a CI job that only renders has not got. An unset variable in the
 * entries kept is told as for `run`.
 */
export async function renderingConfig(io: Io, flags: ConfigFlags, values: Partial<VenomConfigBase>): Promise<ResolvedConfig> {
  const config = await resolveConfig(io, flags, values, { deferPluginVariables: true })
  const fromConfig = config.plugins.length - (flags.plugin?.length ?? 0)
  const needed = reporterRequests(config, io.cwd).filter((r) => !BUILTIN_REPORTERS.includes(r.name) && !findPackage(`@venomqa/reporter-${r.name}`, config.root))
  const kept = needed.length ? await entriesAdding(config, fromConfig, needed, io.cwd) : []
  // The unset variables of the entries set up: another entry's are no concern of a command that only renders.
  const unsetKept = kept.filter((i) => config.unsetInPluginEntries?.[config.pluginWhere[i]!]?.length)
  if (unsetKept.length) {
    // With the other mistakes of the entries the variables are in: all at once, not first once they are set.
    const { otherMistakes } = await import('../plugins/set-aside')
    const lines = unsetKept.flatMap((i) => config.unsetInPluginEntries![config.pluginWhere[i]!]!)
    for (const i of unsetKept) {
      const where = config.pluginWhere[i]!
      lines.push(...(await otherMistakes(config.plugins[i]!, where, config.unsetInPluginKeys?.[where] ?? [], config.root, config.pluginTypedVariables)))
    }
    // As `venomqa run` tells them: the file first (`venomqa.json has 2 problems:`). Then why a command that
    // only renders reads them: without it, `report -r html` with @venomqa/reporter-html not installed
    // told of a database URL alone, and not of the reporter the user asked for.
    const err = fileProblemsError(config.file ? shownConfigFile(config.file, io.cwd) : 'plugins', lines)
    const name = needed[0]!.name
    const why = `the config's plugins that may add reporter ${JSON.stringify(name)} are set up: it is neither built in nor an installed @venomqa/reporter-${name}`
    throw new ConfigError(`${err.message}\n  (${why})`, { where: err.where })
  }
  // --plugin given on this command line is kept: asked for here, it is wanted here.
  const keep = [...kept, ...[...config.plugins.keys()].slice(fromConfig)]
  return { ...config, plugins: keep.map((i) => config.plugins[i]!), pluginWhere: keep.map((i) => config.pluginWhere[i]!) }
}

/**
 * The places of the config's plugin entries (before `fromConfig`) that may add one of `needed`: those that
 * declare one of them, and, for a name no plugin declares, those that declare nothing (they may add any).
 * The plugins given on the command line (`--plugin`, after `fromConfig`) count as those that may add a
 * name, so that one they declare sets none of the config's up. Loading a plugin runs no setup.
 */
async function entriesAdding(config: ResolvedConfig, fromConfig: number, needed: readonly ReporterRequest[], cwd: string): Promise<number[]> {
  const context = pluginLoadContext(config, cwd)
  const loaded: LoadedPlugin[] = []
  for (const [i, spec] of config.plugins.entries()) loaded.push(...(await loadPlugins([spec], context, [config.pluginWhere[i]!])))
  // A name none of them declares, when all declare theirs, is refused here, with the names they declare.
  refuseUndeclaredReporters(needed, loaded, loadedLookup(config.root, loaded))
  const names = new Set(needed.map((r) => r.name))
  const declared = loaded.map((p) => declaredReporters(p.plugin))
  const undeclaredNeeded = [...names].some((n) => !declared.some((d) => d?.includes(n)))
  return declared.slice(0, fromConfig).flatMap((d, i) => ((d ? d.some((n) => names.has(n)) : undeclaredNeeded) ? [i] : []))
}

/**
 * Reporter names that are neither built in nor (as far as we can tell before init) from a configured
 * plugin get their conventional package, `@venomqa/reporter-<name>`, loaded when it is installed.
 */
export function reporterPluginSpecs(requests: readonly ReporterRequest[], loaded: readonly PluginSpec[], root: string): string[] {
  const out: string[] = []
  for (const r of requests) {
    if (BUILTIN_REPORTERS.includes(r.name)) continue
    const pkg = `@venomqa/reporter-${r.name}`
    const already = loaded.some((p) => (Array.isArray(p) ? p[0] : p) === pkg || (Array.isArray(p) ? p[0] : p) === `reporter-${r.name}`)
    if (!already && !out.includes(pkg) && findPackage(pkg, root)) out.push(pkg)
  }
  return out
}

export interface Session {
  config: ResolvedConfig
  plugins: LoadedPlugin[]
  runner: Runner
}

/** Load plugins and start a runner for the config (its init has run: registry filled, plugins set up). */
export async function openSession(
  io: Io,
  config: ResolvedConfig,
  extra: {
    reporters?: readonly ReporterRequest[]
    /** Doctor tells an unknown reporter as one of its checks, after setting the plugins up: not refused here. */
    reportersCheckedLater?: boolean
    signal?: AbortSignal
    debug?: boolean
    onExchange?: (exchange: HttpExchange, origin?: ExchangeOrigin) => void
    repeatEach?: number
    /**
     * A run: its refusal of parallel work with no workerSetup comes before the plugins set up when their
     * declarations tell it (Runner.refuseParallelBeforeSetup), not after they started their servers.
     */
    running?: boolean
  } = {},
): Promise<Session> {
  const reporterSpecs = reporterPluginSpecs(extra.reporters ?? [], config.plugins, config.root)
  const specs = [...config.plugins, ...reporterSpecs]
  const where = [...config.pluginWhere, ...reporterSpecs.map((pkg) => `--reporter ${pkg.replace('@venomqa/reporter-', '')}`)]
  const context = pluginLoadContext(config, io.cwd)
  const plugins = await typedPluginOptions(await loadPlugins(specs, context, where), config.pluginTypedVariables)
  if (extra.reporters && !extra.reportersCheckedLater) refuseUndeclaredReporters(extra.reporters, plugins, loadedLookup(config.root, plugins))
  const { createRunner } = await import('@venomqa/runner')
  const options: RunnerOptions = {
    baseUrl: config.baseUrl,
    headers: config.headers,
    stepTimeout: config.timeout,
    pluginTimeout: config.pluginTimeout,
    requireState: config.requireState,
    journeyTimeout: config.journeyTimeout,
    retries: config.retries,
    journeyRetries: config.journeyRetries,
    failOnFlaky: config.failOnFlaky,
    restoreAfterJourney: config.restoreAfterJourney,
    ...(extra.repeatEach !== undefined ? { repeatEach: extra.repeatEach } : {}),
    failFast: config.failFast,
    plugins: runnerPluginEntries(plugins, context.configFile),
    signal: extra.signal,
    debug: extra.debug,
    logger: stderrLogger(io, !!extra.debug),
    root: config.root,
    profile: config.profile,
    toolVersion: cliVersion(),
    http: runnerHttp(config, extra.onExchange),
    parallelPaths: config.parallelPaths,
    workers: config.workers,
    workerSetup: config.workerSetup,
    ...(config.app ? { app: config.app } : {}),
    portHint: (port) => idlePluginForPort(port, config.root, plugins),
  }
  const runner = createRunner(options)
  try {
    if (extra.running) await runner.refuseParallelBeforeSetup()
    await runner.init()
  } catch (err) {
    await runner.close().catch(() => {})
    throw err
  }
  return { config, plugins, runner }
}

/**
 * A plugin package installed but not loaded whose short name is `port`'s (`venomqa-plugin-webhooks` for
 * `requires: ['webhooks']`): most often the plugin that adds the port, left out of the config. How to load
 * it, by its full name, which no other package can stand for.
 */
function idlePluginForPort(port: string, root: string, loaded: readonly LoadedPlugin[]): string | undefined {
  const names = new Set(loaded.flatMap((p) => p.packageName ?? []))
  const idle = installedPlugins(root).find((p) => p.short === port && !names.has(p.name) && /^(@venomqa\/|venomqa-plugin-|@[^/]+\/venomqa-plugin-)/.test(p.name))
  return idle && `${idle.name} is installed but not loaded: add "${idle.name}" to plugins in the config, or give --plugin ${idle.name}`
}

/** createRunner's `http`: the config's `http` as written, with `redactKeys` and the listener to exchanges (--har). */
function runnerHttp(config: ResolvedConfig, onExchange: ((exchange: HttpExchange, origin?: ExchangeOrigin) => void) | undefined): RunnerOptions['http'] {
  const http: NonNullable<RunnerOptions['http']> = { ...config.http }
  if (config.redactKeys) http.redactKeys = config.redactKeys
  if (onExchange) http.onExchange = onExchange
  return Object.keys(http).length ? http : undefined
}

/**
 * Each plugin's options with the typed variables its schema refused as strings given as their numbers or
 * booleans (`lockWaitTimeoutMs: ${LOCK_MS}` in a YAML config; see TypedVariable). The runner checks the
 * options again, and reports what is still wrong.
 */
export async function typedPluginOptions(plugins: LoadedPlugin[], typed: ResolvedConfig['pluginTypedVariables']): Promise<LoadedPlugin[]> {
  if (!typed) return plugins
  return Promise.all(
    plugins.map(async (p) => {
      const vars = (p.where && typed[p.where]) || []
      const schema = p.plugin.options
      if (!vars.length || !schema || !p.options) return p
      const issuesOf = async (options: unknown) => (await schema['~standard'].validate(options)).issues ?? []
      const issues = await issuesOf(p.options)
      const retyped = withRefusedTyped(p.options, vars, issues)
      return retyped !== undefined && keepsTyped(issues, await issuesOf(retyped)) ? { ...p, options: retyped } : p
    }),
  )
}

export function stderrLogger(io: Io, debug: boolean): StepAwareLogger {
  // Stack traces, plugin messages and action logs quote URLs, tokens and API text: masked and escaped
  // like every report, since a terminal or a CI log keeps what it is shown.
  const safe = (text: string) => escapeControlChars(redactText(text))
  const line = (level: string, message: string) => io.stderr.write(`venomqa: ${level}${safe(String(message))}\n`)
  return {
    debug: (m) => debug && line('debug: ', m),
    info: (m) => line('', m),
    warn: (m) => warn(io, safe(String(m))),
    error: (m) => line('error: ', m),
    // A step's own lines (its action's `log`) say which step wrote them: `venomqa:` is for the tool's messages.
    forStep(place) {
      const prefix = `  [${safe(place.label).replace(/\n/g, ' ')}] `
      const stepLine = (level: string, message: string, data: unknown) =>
        io.stderr.write(`${prefix}${level}${safe(data === undefined ? String(message) : `${String(message)} ${jsonText(data)}`)}\n`)
      return {
        debug: (m, data) => debug && stepLine('debug: ', m, data),
        info: (m, data) => stepLine('', m, data),
        warn: (m, data) => stepLine('warning: ', m, data),
        error: (m, data) => stepLine('error: ', m, data),
      }
    },
  }
}

function jsonText(value: unknown): string {
  try {
    return JSON.stringify(value) ?? String(value)
  } catch {
    return String(value)
  }
}

/**
 * The reporters asked for, made from the session's registry (the built-ins underneath). An unknown name
 * is looked for among the project's plugins this session did not load, to say which one to load.
 */
export async function sessionReporters(session: Session, requests: readonly ReporterRequest[], extraOptions: (name: string) => Record<string, unknown>) {
  const lookup = loadedLookup(session.config.root, session.plugins)
  // The console masks on its own, by the built-in names only unless told the config's: told here, so
  // that no command (report and merge-reports did) prints what its files mask.
  const redact = redactOptions(session.config.redactKeys)
  const options = (name: string) => (name === 'console' ? { redact, ...extraOptions(name) } : extraOptions(name))
  return instantiateReporters(requests, await reporterFactories(session.runner.registry.reporters), options, lookup)
}

/** Where an unknown reporter name is looked for: the project's plugins installed but not among those loaded. */
function loadedLookup(root: string, plugins: readonly LoadedPlugin[]): ReporterLookup {
  return { root, loadedPackages: plugins.flatMap((p) => p.packageName ?? []) }
}

/** What reporters and writeReports are told to mask beyond the built-in names: the config's `redactKeys`. */
export function redactOptions(keys: readonly string[] | undefined): { extraKeys: string[] } | undefined {
  return keys?.length ? { extraKeys: [...keys] } : undefined
}

/** The registry's reporter factories, with the built-ins underneath in case a runner did not register them. */
async function reporterFactories(registered: ReadonlyMap<string, ReporterFactory>): Promise<Map<string, ReporterFactory>> {
  const { builtinReporters } = await import('@venomqa/runner')
  return new Map([...Object.entries(builtinReporters), ...registered])
}

/**
 * Say once, before anything runs, which journeys or explorations will fail for want of a base URL: those
 * without one of their own, when the run has none (one that uses only ports or absolute URLs needs none).
 */
export function warnWithoutBaseUrl(io: Io, baseUrl: string | undefined, items: readonly { name: string; baseUrl?: string }[]): void {
  const homeless = items.filter((x) => !x.baseUrl)
  if (!baseUrl && homeless.length)
    warn(io, `no base URL (set baseUrl in the config, VENOMQA_BASE_URL or --base-url): relative requests in ${homeless.map((x) => nameOnOneLine(x.name)).join(', ')} will fail`)
}
