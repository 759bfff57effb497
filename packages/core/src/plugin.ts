import type { Context } from './context'
import type { Journey } from './dsl'
import type { Invariant } from './explore'
import type { Issue } from './issues'
import type { PortName, StateBackend } from './ports'
import type { StandardSchemaV1 } from './options'
import type { BackendTiming, BranchResult, JourneyResult, PathResult, RunResult, StepResult } from './results'

/** The plugin API this version of core speaks. A plugin built for another is refused at load. */
export const PLUGIN_API_VERSION = 1

/**
 * Why a plugin built for another plugin API (`apiVersion`) is refused, and what to install: a plugin newer
 * than this VenomQA needs a newer VenomQA (or an older release of the plugin), an older one a newer release
 * of the plugin. `label` names the plugin (`venomqa-plugin-x@2.0.0`). Undefined when it speaks this API.
 */
export function apiVersionProblem(label: string, apiVersion: unknown): string | undefined {
  if (apiVersion === PLUGIN_API_VERSION) return undefined
  const built = `plugin ${label} is built for plugin API ${String(apiVersion)}`
  if (typeof apiVersion === 'number' && apiVersion > PLUGIN_API_VERSION)
    return `${built}, newer than this VenomQA's (plugin API ${PLUGIN_API_VERSION}): upgrade @venomqa/cli and @venomqa/core to a release that speaks plugin API ${apiVersion}, or install a version of the plugin made for plugin API ${PLUGIN_API_VERSION}`
  return `${built}, but this VenomQA speaks plugin API ${PLUGIN_API_VERSION}: install a version of the plugin made for plugin API ${PLUGIN_API_VERSION}`
}

// ---- lifecycle events ----------------------------------------------------------------------------

export interface JourneyInfo {
  name: string
  tags: readonly string[]
  description?: string
  file?: string
  /** Which repetition (0-based) when the run repeats every journey (`--repeat-each n`, n > 1). */
  repeatEachIndex?: number
  /** For a journey that may be retried (journey `retries`): this attempt's number, 1 for the first. */
  attempt?: number
  /** For a journey that may be retried: how many attempts it may take in all. */
  maxAttempts?: number
  /** Skipped on purpose (`journey.skip`): it starts and ends at once, with every step skipped. */
  skipped?: boolean
  /** Failed without running (see JourneyResult.notRun): it starts and ends at once, its issue saying why. */
  notRun?: boolean
  /**
   * Stopped before it started (Ctrl-C, or `--fail-fast` after another journey failed): it starts and ends at
   * once, skipped, every step with it, its result `interrupted`.
   */
  interrupted?: boolean
}

export interface RunStartEvent {
  journeys: JourneyInfo[]
  startedAt: string
  /** How many workers may run at once (`workers`, or `parallelPaths`), when more than one. */
  workers?: number
  /**
   * What those workers run at once, with `workers`: whole journeys (`workers`), whose lines a live reporter
   * must tell apart, or the paths of one journey's branch (`parallelPaths`).
   */
  parallel?: 'journeys' | 'paths'
}
export interface JourneyStartEvent {
  journey: JourneyInfo
  ctx: Context
  /** The worker running the journey, when journeys run in parallel (0 is left out). */
  worker?: number
}
export interface JourneyEndEvent {
  journey: JourneyInfo
  result: JourneyResult
  /** This attempt failed and the journey runs again from scratch: `result` is not its final result. */
  willRetry?: boolean
}
export interface StepStartEvent {
  journey: string
  path: string
  step: string
  attempt: number
  ctx: Context
  /** The worker the step runs on, when journeys or paths run in parallel (0, the main line, is left out). */
  worker?: number
}
export interface StepEndEvent {
  journey: string
  path: string
  step: string
  result: StepResult
  ctx: Context
  /** The worker the step runs on, when journeys or paths run in parallel (0, the main line, is left out). */
  worker?: number
}
export interface StepRetryEvent {
  journey: string
  path: string
  step: string
  attempt: number
  error: string
  /** The worker the step runs on, when journeys or paths run in parallel (0, the main line, is left out). */
  worker?: number
}
export interface BranchStartEvent {
  journey: string
  path: string
  checkpoint: string
  paths: string[]
  /** The worker it happened on, when journeys or paths run in parallel (0, the main line, is left out). */
  worker?: number
}
export interface BranchEndEvent {
  journey: string
  path: string
  result: BranchResult
  /** The worker it happened on, when journeys or paths run in parallel (0, the main line, is left out). */
  worker?: number
}
export interface PathStartEvent {
  journey: string
  checkpoint: string
  path: string
  /** The worker running the path: a parallel path's, else its journey's (0, the main line, is left out). */
  worker?: number
}
export interface PathEndEvent {
  journey: string
  checkpoint: string
  path: string
  result: PathResult
  /** The worker it happened on, when journeys or paths run in parallel (0, the main line, is left out). */
  worker?: number
}
export interface CheckpointEvent {
  journey: string
  path: string
  name: string
  durationMs: number
  backends: BackendTiming[]
  /** The worker it happened on, when journeys or paths run in parallel (0, the main line, is left out). */
  worker?: number
}
export interface RollbackEvent {
  journey: string
  path: string
  checkpoint: string
  durationMs: number
  backends: BackendTiming[]
  /** Of `durationMs`, what was spent waiting for requests that outlived their steps (see RollbackTiming). */
  waitedMs?: number
  /**
   * 'before-path' and 'after-branch' are a branch's own rollbacks. When a journey is stopped, the system
   * is put back to its oldest open checkpoint: 'interrupt' (Ctrl-C, fail-fast elsewhere), 'timeout' (the
   * journey's), 'stopped' (its workers failed). 'restore': a journey with `restore` is put back, after it
   * ended, to where the system stood before it (then no 'interrupt', 'timeout' or 'stopped' rollback).
   */
  reason: 'before-path' | 'after-branch' | 'interrupt' | 'timeout' | 'stopped' | 'restore'
  /** The worker it happened on, when journeys or paths run in parallel (0, the main line, is left out). */
  worker?: number
}
export interface IssueEvent {
  issue: Issue
}
export interface RunEndEvent {
  result: RunResult
}

export interface LifecycleHooks {
  runStart(e: RunStartEvent): void | Promise<void>
  journeyStart(e: JourneyStartEvent): void | Promise<void>
  journeyEnd(e: JourneyEndEvent): void | Promise<void>
  stepStart(e: StepStartEvent): void | Promise<void>
  stepEnd(e: StepEndEvent): void | Promise<void>
  stepRetry(e: StepRetryEvent): void | Promise<void>
  branchStart(e: BranchStartEvent): void | Promise<void>
  branchEnd(e: BranchEndEvent): void | Promise<void>
  pathStart(e: PathStartEvent): void | Promise<void>
  pathEnd(e: PathEndEvent): void | Promise<void>
  checkpoint(e: CheckpointEvent): void | Promise<void>
  rollback(e: RollbackEvent): void | Promise<void>
  issue(e: IssueEvent): void | Promise<void>
  runEnd(e: RunEndEvent): void | Promise<void>
}

export type HookName = keyof LifecycleHooks
export const HOOK_NAMES: readonly HookName[] = [
  'runStart',
  'journeyStart',
  'journeyEnd',
  'stepStart',
  'stepEnd',
  'stepRetry',
  'branchStart',
  'branchEnd',
  'pathStart',
  'pathEnd',
  'checkpoint',
  'rollback',
  'issue',
  'runEnd',
]

// ---- reporters -----------------------------------------------------------------------------------

export interface ReportContext {
  /** The file the user named (`--reporter html:out.html`), if any. */
  target?: string
  /** The reporter's options from config. */
  options: Record<string, unknown>
  /** Where the run was started. */
  cwd: string
  /** The output stream for reporters that print. */
  stdout: NodeJS.WritableStream
  /** Record a problem without failing the run (e.g. a webhook that did not answer). */
  warn(message: string): void
  /** A file the reporter wrote itself (not its `render`): listed with the reports written. */
  wrote?(file: string): void
  /** The report went out (`deliver`): `to` says where, with no secret in it (`Slack (hooks.slack.com)`). */
  delivered?(to: string): void
}

/**
 * A reporter does any of: follow the run live (`hooks`), render the finished run to a file (`render`,
 * written atomically by the caller to `target` or `defaultFile`), deliver it somewhere (`deliver`).
 */
export interface Reporter {
  readonly name: string
  /** The file `render` goes to when the user names none; without it, render output goes to stdout. */
  readonly defaultFile?: string
  hooks?: Partial<LifecycleHooks>
  render?(run: RunResult, ctx: ReportContext): string | Uint8Array | Promise<string | Uint8Array>
  deliver?(run: RunResult, ctx: ReportContext): Promise<void>
}

/**
 * Makes a reporter for one entry of the config's `reporters` (or one `--reporter`). `where` is where the
 * user wrote it (`reporters[1]`, `--reporter html:out.html`): name it in errors about its options.
 */
export type ReporterFactory = (ctx: { target?: string; options: Record<string, unknown>; where?: string }) => Reporter

// ---- plugins -------------------------------------------------------------------------------------

export interface PluginLogger {
  info(message: string): void
  warn(message: string): void
  debug(message: string): void
}

/**
 * What a health check returns for a service that works but is likely set up wrong (a proxy no client has
 * connected through): doctor shows it as a warning, which fails nothing, with what to do.
 */
export interface HealthWarning {
  warning: string
}

/**
 * A check `venomqa doctor` runs: `true` when the service is healthy. When it is not, return a string that
 * says why (`'connection refused at 127.0.0.1:6379'`) or throw: doctor shows the reason. A bare `false`
 * can only say that the check failed, so prefer a reason. `{ warning }` when it works but something about
 * it looks wrong: doctor warns, and the check passes.
 */
export type HealthCheck = () => boolean | string | HealthWarning | Promise<boolean | string | HealthWarning>

/** What a plugin's `setup` receives. */
export interface PluginApi<Options = Record<string, unknown>> {
  /**
   * The plugin's options: from `[name, options]` in the config or `--plugin 'name?key=value'`, else {}.
   * With an `options` schema, the schema's output: checked, with its defaults filled in.
   */
  readonly options: Options
  /**
   * Where the user wrote this plugin's entry (`plugins[2]`, `--plugin redis?`), for a mistake in an option
   * that shows only once the plugin is in use (a server that turns out to speak another protocol): name it
   * as `optionPath(api.where, ['url'])`, `plugins[2].url`, as a schema error would. Undefined when the
   * runner was given no place.
   */
  readonly where?: string
  /** The user's project root. */
  readonly root: string
  /** The active profile, if any. */
  readonly profile?: string
  /** The run's base URL (config `baseUrl`, `--base-url`), if one is set: the app under test. */
  readonly baseUrl?: string
  readonly log: PluginLogger
  addReporter(name: string, factory: ReporterFactory): void
  /** Register a port (cache, mail, ...). A factory is called once, lazily, when a run needs it. */
  addPort(name: PortName, port: unknown | (() => unknown | Promise<unknown>)): void
  addStateBackend(backend: StateBackend | (() => StateBackend | Promise<StateBackend>)): void
  addHook<K extends HookName>(name: K, fn: LifecycleHooks[K]): void
  /** A service `venomqa doctor` checks (see HealthCheck). */
  addHealthCheck(name: string, check: HealthCheck): void
  /**
   * Called when the run ends, before the reports are written (so a failure to close is in them), in
   * reverse order of registration: stop servers, close pools.
   */
  onClose(fn: () => void | Promise<void>): void
  /** An invariant every exploration checks, beside its own (`venomqa explore`). */
  addInvariant(invariant: Invariant): void
}

// ---- commands ------------------------------------------------------------------------------------

/** One option of a plugin command, in commander's notation: `--smtp-port <port>`, `--verbose`. */
export interface PluginCommandOption {
  readonly flags: string
  readonly description: string
  /** The value when the user gives none (a string, as if typed). */
  readonly default?: string
}

export interface PluginCommandContext {
  /** Option values by camel-cased name (`--smtp-port` is `smtpPort`): strings, or true for a flag. */
  readonly options: Record<string, string | boolean | undefined>
  /** Positional arguments after the command name. */
  readonly args: readonly string[]
  readonly stdout: NodeJS.WritableStream
  readonly stderr: NodeJS.WritableStream
  /** Where the command was started. */
  readonly cwd: string
}

/** A `venomqa <name>` command a plugin provides, such as `venomqa mail-catcher`. */
export interface PluginCommand {
  readonly description: string
  readonly options?: readonly PluginCommandOption[]
  /** Do the work; resolve with the exit code (default 0). Throw a UserError for a mistake of the user's (exit 2). */
  run(ctx: PluginCommandContext): number | void | Promise<number | void>
}

/**
 * What a plugin's `commands` receives. Commands are declared without `setup`: `venomqa <name>` must not
 * start what a run needs (servers, connections), so a command starts what it needs itself.
 */
export interface PluginCommandApi<Options = Record<string, unknown>> {
  readonly options: Options
  readonly root: string
  readonly log: PluginLogger
  addCommand(name: string, command: PluginCommand): void
}

// ---- plugins -------------------------------------------------------------------------------------

export interface Plugin<Options = Record<string, unknown>> {
  readonly name: string
  readonly version: string
  readonly apiVersion: number
  /**
   * The options' schema: any Standard Schema (zod 4, valibot, arktype). The runner checks the user's
   * options against it before any plugin is set up and reports every problem at once, naming each key
   * (`plugins[1].lockWaitTimeoutMs`); `api.options` is then the schema's output.
   */
  readonly options?: StandardSchemaV1<unknown, Options>
  /**
   * The names of every reporter `setup` adds (`['csv']`; `[]` for none). Read before any plugin is set
   * up, so that a reporter name the config misspells is refused before setups start servers or connect to
   * databases. A plugin that declares them may add no other (refused at setup). Left out, the plugin may
   * add any, and an unknown reporter name is only found once every plugin is set up.
   */
  readonly reporters?: readonly string[]
  /**
   * The state backends `setup` adds with these options (the checked ones, as `api.options` gets them):
   * `[]` for none. Read before any plugin is set up, so that a run refused for them (`workers` with no
   * `workerSetup` over a backend that is not parallel-safe) is refused before setups start servers or
   * connect. Left out, they are known only once the plugin is set up, and such a run is refused then.
   */
  readonly stateBackends?: (options: Options) => readonly DeclaredStateBackend[]
  setup?(api: PluginApi<Options>): void | Promise<void>
  /** Commands the plugin adds to `venomqa` (see PluginCommandApi). */
  commands?(api: PluginCommandApi<Options>): void
  hooks?: Partial<LifecycleHooks>
}

/** A state backend as its plugin declares it before setup (see Plugin.stateBackends). */
export type DeclaredStateBackend = Pick<StateBackend, 'name' | 'mechanism' | 'parallelSafe'>

/**
 * The state backends `plugin` declares it adds with `options` (see Plugin.stateBackends); undefined when it
 * declares none, or its declaration throws or gives something else than a list of them: then only its
 * setup tells.
 */
export function declaredStateBackends<Options>(plugin: Pick<Plugin<Options>, 'stateBackends'>, options: Options): readonly DeclaredStateBackend[] | undefined {
  if (typeof plugin.stateBackends !== 'function') return undefined
  let declared: unknown
  try {
    declared = plugin.stateBackends(options)
  } catch {
    return undefined
  }
  const isBackend = (b: unknown) =>
    !!b && typeof (b as DeclaredStateBackend).name === 'string' && typeof (b as DeclaredStateBackend).mechanism === 'string' && typeof (b as DeclaredStateBackend).parallelSafe === 'boolean'
  return Array.isArray(declared) && declared.every(isBackend) ? declared : undefined
}

/** The reporter names `plugin` declares it adds (see Plugin.reporters); undefined when it declares none, or not as a list of names. */
export function declaredReporters(plugin: Pick<Plugin<any>, 'reporters'>): readonly string[] | undefined {
  const r = plugin.reporters
  return Array.isArray(r) && r.every((n) => typeof n === 'string') ? r : undefined
}

/**
 * Make a plugin. With an `options` schema, `api.options` is typed as the schema's output:
 *
 *   definePlugin({ name, version, apiVersion: 1, options: z.object({ url: z.url() }), setup(api) { api.options.url } })
 */
export function definePlugin<Options = Record<string, unknown>>(plugin: Plugin<Options>): Plugin<Options> {
  const at = callerOf(definePlugin)
  if (at) definedAt.set(plugin, at)
  return plugin
}

/**
 * Where definePlugin made each plugin (`/app/plugins/redis.mjs:3:16`). A plugin exported as a factory makes
 * a new object for each entry of a list, so an object's identity cannot tell one plugin listed twice (two
 * instances, each with its options) from two plugins of one name: the place their definitions stand in can.
 */
const definedAt = new WeakMap<object, string>()

/** Where definePlugin made `plugin`: a file, its line and column; undefined for an object made otherwise (or with no stack to read). */
export function pluginDefinedAt(plugin: unknown): string | undefined {
  return typeof plugin === 'object' && plugin !== null ? definedAt.get(plugin) : undefined
}

/** The place of the call to `fn` (the frame just below it), as a stack writes it. Once per plugin made: no hot path. */
function callerOf(fn: (...args: never[]) => unknown): string | undefined {
  const holder: { stack?: string } = {}
  Error.captureStackTrace(holder, fn)
  const frame = holder.stack?.split('\n').find((line) => /^\s+at /.test(line))
  return frame?.match(/\(?((?:file:\/\/)?[^()\s]+:\d+:\d+)\)?$/)?.[1]
}

export function isPlugin(value: unknown): value is Plugin {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as Plugin).name === 'string' &&
    typeof (value as Plugin).apiVersion === 'number'
  )
}

/** The journeys a file exports: its default export and any named export that is a journey or list of them. */
export type JourneyModuleExports = Record<string, unknown>
export type { Journey }
