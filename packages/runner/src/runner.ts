import {
  ConfigError,
  TIMER_MS_EXPECTED,
  isTimerMs,
  didYouMean,
  Context,
  type ErrorKind,
  type HealthCheck,
  type Issue,
  type Journey,
  type JourneyResult,
  type LifecycleHooks,
  type Plugin,
  type PluginApi,
  declaredReporters,
  type DeclaredStateBackend,
  declaredStateBackends,
  type PluginLogger,
  PluginError,
  type Ports,
  TimeoutError,
  RESULTS_SCHEMA_VERSION,
  optionPath,
  StateError,
  suggestionForError,
  type Reporter,
  type RunBackend,
  type RunResult,
  type StateBackend,
  VenomError,
  countNodes,
  describeValue,
  firstFew,
  errorMessage,
  focusJourneys,
  isJourney,
  issuePlace,
  isUserError,
  type JourneyInfo,
  makeIssue,
  redactText,
  runStatusOf,
  summarize,
  validateJourney,
  repeatLabel,
} from '@venomqa/core'
import { messageWithCauses } from './error-causes'
import type { ConnectionPool } from './http/connection-pool'
import { executeJourney } from './executor'
import { FailFastStop, failFastAfterOf } from './execution/fail-fast'
import { failOnLateCritical, unreachableIssue } from './execution/journey'
import type { Lane, WorkerLane } from './execution/lanes'
import { type Restorer, type SettleAttempt, runWithRetries } from './execution/retries'
import { skipped } from './execution/skipped'
import { BaseUrlReachability } from './execution/unreachable'
import { StallError, StrayError, type FaultOrigin, faults, strayErrorIssue } from './faults'
import { DEFAULT_PLUGIN_TIMEOUT_MS, HookBus } from './hooks'
import { RunnerHttpClient, createConnectionPool, keptTokens, type TokenStore } from './http-client'
import { requireCount } from './require-count'
import { DetachedRequests, STOP_GRACE_MS, untilStepStops } from './http/detached'
import { rememberSecrets } from './http/record'
import { retryPolicyProblem } from './http/retry-policy'
import { BackendConnects, connectFailure, disconnectFailure } from './backend-connects'
import { type CheckedPlugin, checkPluginEntries } from './plugin-entries'
import type { PutBackProgress, RegisteredCommand, Registry, RunnerOptions, SourcedJourney } from './types'
import { type RunApp, checkRunAppOption, startRunApp } from './run-app'
import { EnvNotMadeError } from './env-not-made'
import { type AppWatch, WORKER_OUT_OF_USE_SUGGESTION } from './worker-app'
import { WorkerPool } from './workers'
import { StateCalls, World, laneWorld } from './world'
import { type BackendOwner, workerSetupAdvice } from './worker-setup-advice'

export const RUNNER_VERSION = __VENOMQA_PKG_VERSION__

export interface RunOptions {
  /** Interrupt this run (in addition to the runner's own signal). */
  signal?: AbortSignal
}

export type JourneyInput = Journey | SourcedJourney

/** One run of a journey: with `--repeat-each n`, each journey is n units, told apart by `repeatEachIndex`. */
interface RunUnit extends SourcedJourney {
  repeatEachIndex?: number
}

/** Which attempt of a retried journey a run of it is, and how its result is settled before `journeyEnd` (see runWithRetries). */
interface AttemptOf {
  retry: { attempt: number; maxAttempts: number }
  settle: SettleAttempt
}

/** Create a runner. Plugins are set up on `init()` (or the first `run()`). */
export function createRunner(options: RunnerOptions = {}): Runner {
  checkRunnerOptions(options)
  return new Runner(options)
}

/**
 * How long close() lets connects abandoned at a Ctrl-C settle before it warns that it waits for them: one
 * that honours its signal (state-postgres, state-mysql) rejects within milliseconds.
 */
const STOPPED_CONNECT_MS = 250

/** The owner of the built-in reporters' names, among the plugins' claims. */
const BUILT_IN: unique symbol = Symbol('built in')

/** Every option createRunner takes (checked against RunnerOptions below). */
const RUNNER_OPTIONS = [
  'parallelPaths',
  'workers',
  'workerSetup',
  'app',
  'baseUrl',
  'headers',
  'stepTimeout',
  'pluginTimeout',
  'requireState',
  'portHint',
  'journeyTimeout',
  'retries',
  'journeyRetries',
  'restoreAfterJourney',
  'repeatEach',
  'failOnFlaky',
  'failFast',
  'http',
  'plugins',
  'hooks',
  'stateBackends',
  'ports',
  'reporters',
  'signal',
  'debug',
  'logger',
  'root',
  'profile',
  'toolVersion',
] as const satisfies readonly (keyof RunnerOptions)[]
// An option added to RunnerOptions and not to the list fails to compile here.
const everyOptionListed: Exclude<keyof RunnerOptions, (typeof RUNNER_OPTIONS)[number]> extends never ? true : never = true
void everyOptionListed


/**
 * Suggestions of the issues the run's own steps with the backends and plugins raise, where the kind's
 * (`state`: "nothing ran on from a state it could not vouch for", `stall`: "give the step a timeout")
 * speaks of a branch or a step that never was.
 */
const CONNECT_SUGGESTION = connectSuggestion('No journey ran')
/** The same, for an exploration (see explorationEnv), which runs no journey. */
const EXPLORATION_CONNECT_SUGGESTION = connectSuggestion('Nothing was explored')
function connectSuggestion(what: string): string {
  return `${what}: a state backend could not connect. Check that its service is up and the plugin's connection options (URL, user, password); \`venomqa doctor\` checks the plugins' services.`
}
const DISCONNECT_SUGGESTION =
  "The backend did not disconnect cleanly: what it set up to follow the app's data (tables, triggers, a snapshot) may still be there, as the message says. Check its service; `venomqa doctor` checks the plugins' services."
/** What #pluginCall gives back for a call it abandoned (it hung) or that an interrupt stopped. */
const NOT_MADE: unique symbol = Symbol('not made')
/** The plugin entry a call into a plugin belongs to, for its messages (see #pluginCall). */
interface PluginCallOwner {
  name: string
  pluginName: string
  where: string
  file?: string
}
const SETUP_HUNG_SUGGESTION =
  "A plugin's setup never finished, so nothing ran: check the service it connects to while setting up, or raise pluginTimeout if its setup is slow on purpose."
const FACTORY_HUNG_SUGGESTION =
  "A port or state backend a plugin registered as a factory was never made (the factory never finished), so nothing ran: check the service it connects to, or raise pluginTimeout if it is slow on purpose."
/** A plugin's onClose that threw: no hook, and what it started may still be there. */
const CLOSE_FAILED_SUGGESTION =
  "A plugin's cleanup (its onClose) failed after the run: what it started (a server, a connection, a file) may still be there. Read the error, and fix or report the plugin."
const APP_START_SUGGESTION =
  "The app under test (the config's `app`) did not answer at its URL in time, or ended first: read its last lines in the error. Check its command, that it listens where `app.url` (or baseUrl) says, and what it needs (its database, its environment); raise `app.timeoutMs` if it is slow to start on purpose."
/** A request cut off after its step stopped (see DetachedRequests): what to do about what it may have done. */
const CUT_OFF_SUGGESTION =
  "The app had not answered when its step stopped (the step's timeout, or an interrupt) and the grace was over. Check the app's data for what that request did, and give the step a timeout the endpoint can answer in, or find why it is slow."

/**
 * What became of the app's work on a request cut off, as the rollback after it answered: a backend that
 * stopped the app's work under way and undid it (pg-proxy on an interrupt cancels the app's statements) makes
 * "not rolled back" untrue for that backend's part, not for what the app does after the rollback or elsewhere.
 */
function cutOffOutcome(cancelledBy: readonly string[], count: number): string {
  const it = count === 1 ? 'it' : 'them'
  if (!cancelledBy.length) return `if the app still acts on ${it}, that is not rolled back`
  const names = cancelledBy.map((n) => `"${n}"`).join(', ')
  const which = cancelledBy.length === 1 ? `state backend ${names}` : `state backends ${names}`
  return `${which} stopped the app's work on ${it} under way and rolled back what it had done; only what the app does for ${it} after the rollback is not rolled back`
}

/** A request cut off (`count` times by one step: told once), and what became of the app's work on it. */
function cutOffMessage(what: string, cancelledBy: readonly string[], count: number): string {
  const shown = redactText(what)
  const told = count === 1 ? `${shown} got no answer after its step stopped (it is given ${STOP_GRACE_MS} ms)` : `${count} requests ${shown} got no answer after their step stopped (each is given ${STOP_GRACE_MS} ms)`
  return `${told}: ${cutOffOutcome(cancelledBy, count)}`
}

/**
 * An option createRunner does not take is refused, naming it: a misspelt one (`stateBackend`) was ignored,
 * and a run whose state backend was lost that way took its checkpoints on nothing and left the database
 * dirty, with no word. So is a timeout no Node timer can keep.
 */
function checkRunnerOptions(options: RunnerOptions): void {
  const known: readonly string[] = RUNNER_OPTIONS
  const key = Object.keys(options).find((k) => !known.includes(k))
  if (key !== undefined) {
    const near = didYouMean(key, known)
    throw new ConfigError(`createRunner: unknown option "${key}" (${near ? `did you mean "${near}"?` : `the options are ${known.join(', ')}`})`, { where: key })
  }
  for (const name of ['stepTimeout', 'journeyTimeout', 'pluginTimeout'] as const) {
    const ms = options[name]
    // A timer longer than Node keeps fires at once: a huge timeout meant as "no limit" failed every step.
    // A fraction makes AbortSignal.timeout() throw when the first step starts: refused here, as everywhere.
    if (ms !== undefined && !isTimerMs(ms)) throw new ConfigError(`createRunner: ${name}: ${TIMER_MS_EXPECTED}, got ${String(ms)}`, { where: name })
  }
  const httpTimeout = options.http?.timeout
  if (httpTimeout !== undefined && !isTimerMs(httpTimeout)) throw new ConfigError(`createRunner: http.timeout: ${TIMER_MS_EXPECTED}, got ${String(httpTimeout)}`, { where: 'http.timeout' })
  const retryProblem = retryPolicyProblem(options.http?.retry)
  if (retryProblem) throw new ConfigError(`createRunner: http.retry: ${retryProblem}`, { where: 'http.retry' })
  checkRunAppOption(options.app, options.baseUrl)
}

/** `state backend "pg" (snapshot) is`, `state backends "pg" (snapshot) and "redis" (dump-restore) are`. */
function unsafeBackends(unsafe: readonly Pick<StateBackend, 'name' | 'mechanism'>[]): string {
  const each = unsafe.map((b) => `"${b.name}" (${b.mechanism})`)
  if (each.length === 1) return `state backend ${each[0]} is`
  return `state backends ${each.slice(0, -1).join(', ')} and ${each.at(-1)} are`
}

/** A state backend of the run, registered or declared, with the name of the plugin that adds it (none: given in code). */
interface DeclaredBackend {
  readonly backend: DeclaredStateBackend
  readonly plugin?: string
}

/**
 * Refuse `paths` or `workers` over more than one at a time (with no workerSetup) when a state backend of
 * `backends` is not parallel-safe: the paths would see each other's writes and rollbacks.
 */
function refuseParallel(paths: number, workers: number, backends: readonly DeclaredBackend[]): void {
  const unsafe = backends.filter((b) => !b.backend.parallelSafe)
  if (!unsafe.length) return
  const owners: BackendOwner[] = unsafe.map(({ backend, plugin }) => (plugin ? { backend: backend.name, plugin } : { backend: backend.name }))
  const asked = paths > 1 ? `parallelPaths: ${paths}` : `workers: ${workers}`
  throw new ConfigError(
    `${asked} would run ${paths > 1 ? 'paths' : 'journeys'} at the same time against one system, but ${unsafeBackends(unsafe.map((b) => b.backend))} not parallel-safe: they would see each other's writes and rollbacks. Choose one:\n` +
      `  1. run one at a time: set ${paths > 1 ? 'parallelPaths' : 'workers'} to 1 (each path still starts from its checkpoint);\n` +
      `  2. give every worker its own system: add a workerSetup (create: one app instance and database per worker; sync: copy the checkpoint state to it): ${workerSetupAdvice([], owners)}, see docs/parallel.md;\n` +
      `  3. use only state backends that are parallel-safe.`,
    { where: paths > 1 ? 'parallelPaths' : 'workers' },
  )
}

export class Runner {
  readonly options: RunnerOptions
  readonly registry: Registry = { reporters: new Map(), ports: new Map(), stateBackends: [], healthChecks: new Map(), plugins: [], invariants: [] }
  readonly bus: HookBus
  /** Issues not tied to one journey: plugin hooks outside a journey, backend connect failures. */
  readonly runIssues: Issue[] = []
  /** What went wrong in the last close(): a backend that did not disconnect, an onClose that threw. */
  readonly closeIssues: Issue[] = []
  #initialized?: Promise<void>
  #connected = false
  /** The state backends whose connect succeeded, in order: what close() disconnects. */
  readonly #connectedBackends: StateBackend[] = []
  /** How the run's backends connect: one abandoned at pluginTimeout is disconnected if it finishes, and close() waits for that. */
  readonly #connects: BackendConnects
  #closers: { plugin: string; fn: () => void | Promise<void> }[] = []
  /** Set when a plugin's setup never finished: nothing can run, every journey fails with this reason. */
  #fatal?: string
  /** What to do about #fatal, for the journeys it leaves not run: a step's advice does not fit a plugin that hung. */
  #fatalSuggestion?: string
  /** Which plugin registered each reporter, port and backend name: two plugins may not claim one name. */
  readonly #claims = new Map<string, string | typeof BUILT_IN>()
  /**
   * Each plugin entry, by its owner name: the plugin it sets up, and where it was written (`plugins[0]`,
   * `--plugin redis`). Two entries of one plugin are told apart by place.
   */
  readonly #entries = new Map<string, { plugin: string; where: string }>()
  /** The claims' owners that are backends given in code, not plugins: `createRunner's stateBackends[1]`. */
  readonly #givenBackendPlaces = new Set<string>()
  #connections?: ConnectionPool
  #tokens: TokenStore = new Map()
  /** Requests their steps stopped waiting for, on every lane: each rollback waits for them first. */
  readonly #detached = new DetachedRequests((what, sentBy, cancelledBy, count) => {
    const message = cutOffMessage(what, cancelledBy, count)
    // The step that sent it, when known, named as every issue's place is (journey › path › step): the
    // request's own words do not say which of the run's steps it was.
    const place = sentBy ? { journey: sentBy.journey, path: sentBy.path, step: sentBy.step } : { journey: '', path: '', step: 'run' }
    this.options.logger?.warn(sentBy ? `${issuePlace(place)}: ${message}` : message)
    // In the results too, not on stderr alone: a report that reads clean must not hide that the app's data
    // may hold what a request cut off here went on to do.
    this.runIssues.push(makeIssue({ ...place, severity: 'high', kind: 'state', error: message, source: 'runner', suggestion: CUT_OFF_SUGGESTION }))
  })
  #ports?: Ports
  #backendFactories: (() => Promise<StateBackend | undefined>)[] = []
  /** Ports registered as factories, made once every plugin is set up, each with the plugin that gave it. */
  #portFactories = new Map<string, { make: () => unknown; owner: PluginCallOwner }>()
  #pool?: WorkerPool
  /** The app under test the run started (the `app` option), until close() stops it. */
  #app?: RunApp
  /** The base URLs this run found nothing listening at: made anew by each run (see BaseUrlReachability). */
  #reachability = new BaseUrlReachability()
  /** How every World and worker of the runner calls state backends: bounded by pluginTimeout (see StateCalls). */
  readonly #calls: StateCalls

  constructor(options: RunnerOptions) {
    this.options = options
    // The run's own secrets (a secret header, credentials in the base URL) are known from the start: a step
    // that logged or failed before the first request printed them in clear, which every later line masked.
    rememberSecrets(options.baseUrl, options.headers ?? {}, undefined, options.http?.redactKeys, 'client')
    this.bus = new HookBus({ timeoutMs: this.pluginTimeoutMs })
    this.#calls = new StateCalls(this.pluginTimeoutMs)
    this.#connects = new BackendConnects(this.#calls)
  }

  get pluginTimeoutMs(): number {
    return this.options.pluginTimeout ?? DEFAULT_PLUGIN_TIMEOUT_MS
  }

  readonly #onRunIssue = (issue: Issue): void => {
    this.runIssues.push(issue)
  }

  /** While the runner works, stray errors and stalls become issues of this run (see faults.ts). */
  #arm(atOnce = 1): () => void {
    return faults.arm({
      concurrent: Math.max(this.options.parallelPaths ?? 1, this.options.workers ?? 1, atOnce) > 1,
      unattributed: (error: unknown, origin: FaultOrigin) =>
        this.runIssues.push(strayErrorIssue(error, origin, 'outside any step, hook or plugin call, where nothing awaited it')),
      stalled: () => {
        // Nothing guarded is waiting, yet the run has not finished: a fault in the runner itself. Never
        // let that end the process with code 0.
        this.options.logger?.error('the run stopped before it finished: nothing was left to wait for (an internal fault; run with --debug and report it)')
        process.exitCode = 1
      },
    })
  }

  init(): Promise<void> {
    this.#initialized ??= this.#armed(() => this.#init())
    return this.#initialized
  }

  #entriesChecked?: Promise<CheckedPlugin[]>

  /** The plugin entries with their checked options: checked once, for the refusal before setup and for setup. */
  #checkedEntries(): Promise<CheckedPlugin[]> {
    this.#entriesChecked ??= checkPluginEntries(this.options.plugins ?? [])
    return this.#entriesChecked
  }

  /**
   * Refuse a parallel run with no workerSetup (see #checkParallel) before any plugin is set up, when the
   * options and the plugins' declarations (Plugin.stateBackends) tell it will be refused: a setup starts
   * servers (a managed WireMock, the embedded mail catcher) and connects, all for a run that then stops.
   * Sets nothing up. What this cannot decide is decided once the plugins are set up, as before.
   */
  async refuseParallelBeforeSetup(): Promise<void> {
    // Set up already: the registry tells, and run() checks it.
    if (this.#initialized) return
    if (this.options.workerSetup) return
    const paths = this.options.parallelPaths ?? 1
    const workers = this.options.workers ?? 1
    requireCount('parallelPaths', paths)
    requireCount('workers', workers)
    if (Math.max(paths, workers) === 1) return
    const declared = await this.#declaredBackends()
    if (declared) refuseParallel(paths, workers, declared)
  }

  /**
   * The state backends the run will have once set up, as the plugins declare them and in the order init
   * registers them (the plugins' own, then those given in code), each with its plugin's name; undefined
   * when a plugin that has a setup declares none: what it adds is known only once it is set up.
   */
  async #declaredBackends(): Promise<DeclaredBackend[] | undefined> {
    const declared: DeclaredBackend[] = []
    for (const { plugin, name, options } of await this.#checkedEntries()) {
      if (typeof plugin.setup !== 'function') continue
      const own = declaredStateBackends(plugin, options)
      if (!own) return undefined
      declared.push(...own.map((backend) => ({ backend, plugin: name })))
    }
    for (const backend of this.options.stateBackends ?? []) declared.push({ backend })
    return declared
  }

  async #armed<T>(fn: () => Promise<T>): Promise<T> {
    const disarm = this.#arm()
    try {
      return await fn()
    } finally {
      disarm()
    }
  }

  /** Refuse a second plugin that registers a name another one already has. */
  #claim(kind: 'reporter' | 'port' | 'state backend' | 'health check', name: string, plugin: string): void {
    const key = `${kind}:${name}`
    const owner = this.#claims.get(key)
    if (owner === BUILT_IN)
      throw new PluginError(plugin, `plugin "${plugin}" registers a ${kind} named "${name}", the name of a built-in one, which it would replace; give it another name`)
    if (owner && owner !== plugin) {
      // Two entries of one plugin (two Redis databases) are no two plugins to remove one of: each entry is
      // named by its place, and the fix is an option of one of them.
      const entries = this.#entriesOfOnePlugin(owner, plugin)
      if (entries && kind === 'state backend')
        throw new PluginError(
          plugin,
          `${entries.first} and ${entries.second} both set up ${entries.plugin} with a state backend named "${name}": two backends of one name make every report, rollback and doctor line about it ambiguous; set \`name\` on one of them (for a plugin that names its backend by another option, such as \`state.name\`, set that one)`,
        )
      if (entries)
        throw new PluginError(
          plugin,
          `${entries.first} and ${entries.second} both set up ${entries.plugin} with a ${kind} named "${name}": the second would replace the first's; give one of them another name in its options (the plugin's README names the option, such as \`cache.port\`)`,
        )
      throw new PluginError(plugin, `plugins "${owner}" and "${plugin}" both register a ${kind} named "${name}"; remove one of them from the config, or give one of them another name in its options`)
    }
    // One entry may register a port again (the later wins: adapter-redis replaces its own ports), but never
    // two backends of one name: both would be checkpointed and rolled back, and nothing could tell their
    // lines apart. Nor two health checks: the later replaced the first, whose service nobody then checked.
    if (owner && kind === 'state backend')
      throw new PluginError(plugin, `plugin "${plugin}" registers two state backends named "${name}"; a plugin must give each of its state backends a name of its own`)
    if (owner && kind === 'health check')
      throw new PluginError(plugin, `plugin "${plugin}" registers two health checks named "${name}"; a plugin must give each of its health checks a name of its own`)
    this.#claims.set(key, plugin)
  }

  /**
   * The places of two owners that are entries of one plugin (`plugins[0]`, `--plugin pg-proxy #2`), read
   * from the owner names checkPluginEntries gives them (`name (place)`); undefined for two plugins.
   */
  #entriesOfOnePlugin(owner: string, other: string): { plugin: string; first: string; second: string } | undefined {
    const plugin = this.#entries.get(owner)?.plugin
    if (!plugin || plugin !== this.#entries.get(other)?.plugin) return undefined
    return { plugin, first: placeInOwner(owner, plugin) ?? owner, second: placeInOwner(other, plugin) ?? other }
  }

  async #init(): Promise<void> {
    const builtins = await loadBuiltinReporters()
    // Claimed as the runner's own: a plugin that registers `console` or `json` is refused, where it silently
    // took the place of the built-in (a run printed only what the plugin's reporter made of it).
    for (const [name, factory] of builtins) {
      this.registry.reporters.set(name, factory)
      this.#claims.set(`reporter:${name}`, BUILT_IN)
    }
    for (const checked of await this.#checkedEntries()) {
      // Interrupted while plugins set up (one hangs): the rest are not set up; the run then runs nothing.
      if (this.options.signal?.aborted) break
      await this.#setupPlugin(checked)
    }
    this.bus.add('hooks', this.options.hooks)
    for (const r of this.options.reporters ?? []) this.addReporter(r)
    // Plugins' backends made by factories are claimed first, so that a code-given backend that shares a
    // name with any plugin's is refused as the one that came in later, whichever plugin form it clashed with.
    const made: StateBackend[] = []
    for (const f of this.#backendFactories) {
      const backend = await f()
      if (backend) made.push(backend)
    }
    for (const [index, b] of (this.options.stateBackends ?? []).entries()) this.registry.stateBackends.push(this.#claimGivenBackend(b, index))
    this.registry.stateBackends.push(...made)
    for (const [name, port] of Object.entries(this.options.ports ?? {})) this.registry.ports.set(name, port)
    for (const [name, { make, owner }] of this.#portFactories) {
      if (this.registry.ports.has(name)) continue
      const port = await this.#pluginCall(owner, `the factory of port "${name}"`, make)
      if (port !== NOT_MADE) this.registry.ports.set(name, port)
    }
    this.#ports = makePorts(this.registry.ports)
  }

  /**
   * Follow the run live with a reporter: its hooks go through the same bus as plugins' hooks, with the
   * same failure rules and timeout. For reporters made after init (a plugin's reporter exists only then).
   */
  addReporter(reporter: Reporter): void {
    this.bus.add(`reporter:${reporter.name}`, reporter.hooks)
  }

  readonly #putBackWatchers = new Set<(progress: PutBackProgress) => void>()

  /**
   * Be told as each stopped or restored journey is put back, backend by backend (see PutBackProgress):
   * what a run quit in the middle of that rollback says is left names only the backends not put back
   * yet. Not a hook: called at once, never awaited, and what a watcher throws is dropped. Returns how to
   * stop watching.
   */
  onPutBack(watcher: (progress: PutBackProgress) => void): () => void {
    this.#putBackWatchers.add(watcher)
    return () => this.#putBackWatchers.delete(watcher)
  }

  readonly #tellPutBack = (progress: PutBackProgress): void => {
    for (const watch of this.#putBackWatchers) {
      try {
        watch(progress)
      } catch {
        // A watcher only follows the rollback: it must never fail it.
      }
    }
  }

  /**
   * The commands plugins add through their `commands` hook, by name. Nothing is set up: options are
   * checked, then only `commands` runs. Two plugins adding one command name is refused, and so is a name
   * in `reserved` (the host's own commands, which a plugin's could never be reached behind).
   */
  async commands(options: { reserved?: readonly string[] } = {}): Promise<Map<string, RegisteredCommand>> {
    const found = new Map<string, RegisteredCommand>()
    for (const { plugin, name, options: pluginOptions } of await checkPluginEntries(this.options.plugins ?? [])) {
      plugin.commands?.({
        options: pluginOptions,
        root: this.options.root ?? process.cwd(),
        log: this.#pluginLog(name),
        addCommand: (command, definition) => {
          checkCommandShape(name, command, definition)
          if (options.reserved?.includes(command))
            throw new PluginError(name, `plugin "${name}" adds a command named "${command}", which venomqa has built in: \`venomqa ${command}\` never reaches the plugin's; the plugin must give its command another name`)
          const owner = found.get(command)?.plugin
          if (owner && owner !== name) throw new PluginError(name, `plugins "${owner}" and "${name}" both add a command named "${command}"; remove one of them`)
          found.set(command, { plugin: name, command: definition })
        },
      })
    }
    return found
  }

  /**
   * A call into a plugin while the runner starts: its setup, or a factory it registered (a port's, a state
   * backend's), made once every plugin is set up. Bounded by pluginTimeout and by the run's signal: one that
   * hangs is abandoned, and every journey is then not run, naming the plugin and what hung (exit 1, reports
   * written), where a factory that never settled held the run for ever. One that throws is refused at the
   * plugin's entry (exit 2), naming the plugin and what threw, where a factory's error was an "unexpected
   * error" naming neither. NOT_MADE when it was abandoned or interrupted.
   */
  async #pluginCall<T>({ name, pluginName, where, file }: PluginCallOwner, what: string, fn: () => T | PromiseLike<T>): Promise<T | typeof NOT_MADE> {
    const signal = this.options.signal
    const label = what === 'setup' ? `plugin "${name}" setup` : `plugin "${name}": ${what}`
    try {
      const work = faults.guard(label, fn, { timeoutMs: this.pluginTimeoutMs })
      // The run's signal stops the wait as it stops a step's: a setup that hangs does not hold Ctrl-C up.
      return await (signal ? untilStepStops(work, signal, (left) => void left.catch(() => {})) : work)
    } catch (err) {
      // Ctrl-C while it set up: left to itself, as at a stall; the run that follows runs nothing, interrupted.
      if (signal?.aborted && err === signal.reason) return NOT_MADE
      if (err instanceof StallError || err instanceof TimeoutError) {
        // Abandoned, not refused: the config is fine, the plugin hung. The run goes on to fail every
        // journey with this reason, so reports get written and the exit code is 1.
        const message = `${errorMessage(err)}; nothing ran${err instanceof TimeoutError ? ` (raise pluginTimeout if its ${what === 'setup' ? 'setup' : 'factory'} is slow on purpose)` : ''}`
        const suggestion = what === 'setup' ? SETUP_HUNG_SUGGESTION : FACTORY_HUNG_SUGGESTION
        if (this.#fatal === undefined) {
          this.#fatal = message
          this.#fatalSuggestion = suggestion
        }
        const step = what === 'setup' ? `setup ${name}` : `setup ${name}: ${what}`
        this.runIssues.push(makeIssue({ journey: '', path: '', step, severity: 'critical', kind: 'stall', error: message, source: `plugin:${name}`, suggestion }))
        return NOT_MADE
      }
      // A user's mistake by name, not only by class: a plugin installed with a @venomqa/core of its own throws
      // that copy's ConfigError, which is no VenomError of this one.
      if ((err instanceof VenomError || isUserError(err)) && !(err instanceof StrayError)) throw placed(err as VenomError, where, [name, pluginName], file)
      // What the plugin threw is foreign text (a driver's message can hold a password=...): masked as such.
      // Placed at its entry, as a mistake in its options is; where in its code it threw is in its stack,
      // which --debug prints (a frame names a file and a line, never a value, but only on request).
      const debugHint = this.options.debug ? '' : ' (run with --debug for where in the plugin it was thrown)'
      const failed = what === 'setup' ? `plugin "${name}" failed in setup` : `plugin "${name}": ${what} failed`
      throw placed(new PluginError(name, `${failed}: ${redactText(messageWithCauses(err))}${debugHint}`, { cause: err }), where, [name, pluginName], file)
    }
  }

  #pluginLog(name: string): PluginLogger {
    return {
      info: (m) => this.options.logger?.info(`[${name}] ${m}`),
      warn: (m) => this.options.logger?.warn(`[${name}] ${m}`),
      debug: (m) => this.options.logger?.debug(`[${name}] ${m}`),
    }
  }

  async #setupPlugin({ plugin, name: pluginName, owner: name, options, where, file }: CheckedPlugin): Promise<void> {
    const source = `plugin:${name}`
    const owner: PluginCallOwner = { name, pluginName, where, file }
    this.#entries.set(name, { plugin: pluginName, where })
    const declared = reportersDeclared(name, plugin)
    const api: PluginApi<any> = {
      options,
      where,
      root: this.options.root ?? process.cwd(),
      profile: this.options.profile,
      baseUrl: this.options.baseUrl,
      log: this.#pluginLog(name),
      addReporter: (rname, factory) => {
        if (typeof factory !== 'function') throw new PluginError(name, `plugin "${name}": addReporter("${rname}"): the factory must be a function that makes the reporter, got ${typeof factory}`)
        refuseUndeclaredReporter(name, declared, rname)
        this.#claim('reporter', rname, name)
        this.registry.reporters.set(rname, factory)
      },
      addPort: (pname, port) => {
        this.#claim('port', pname, name)
        if (typeof port === 'function') this.#portFactories.set(pname, { make: port as () => unknown, owner })
        else this.registry.ports.set(pname, port)
      },
      addStateBackend: (b) => {
        if (typeof b !== 'function') checkBackendShape(name, b)
        // The entry's own place: two `--plugin x` flags share `where`, and their owner names tell them apart.
        // In the file it was written in (`venomqa.json: plugins[1]`), as its option errors are: a connect
        // that fails is most often a URL or a password of that entry.
        const place = shownPlace(placeInOwner(name, pluginName) ?? where)
        const entry = file && !place.startsWith(`${file}: `) ? `${file}: ${place}` : place
        if (typeof b === 'function')
          this.#backendFactories.push(async () => {
            const made = await this.#pluginCall(owner, 'the factory of its state backend', b)
            if (made === NOT_MADE) return undefined
            checkBackendShape(name, made)
            return this.#claimBackend(made, name, entry)
          })
        else this.registry.stateBackends.push(this.#claimBackend(b, name, entry))
      },
      addHook: (hook, fn) => this.bus.on(hook, source, fn as (e: unknown) => unknown),
      addHealthCheck: (hname, check) => {
        // Two instances of one plugin (two Redis databases) check two services under the plugin's one
        // name: each keeps its own, named by its place. Two plugins are refused (see #claim): one check
        // would replace the other, and a service nobody checked be reported healthy.
        // The place as the entry's owner name tells it: `where` is one for every `--plugin x` flag, the owner
        // name counts them (`--plugin x #3`), so a third flag's check does not take the second's name.
        const owner = this.#claims.get(`health check:${hname}`)
        const place = placeInOwner(name, pluginName) ?? where
        const unique = typeof owner === 'string' && owner !== name && owner.startsWith(`${pluginName} (`) ? `${hname} (${place})` : hname
        this.#claim('health check', unique, name)
        // A mistake in the options a check finds (a table the database does not have) is told at its key in
        // the entry (`plugins[1].tables[0]`), as connect's is: `venomqa doctor` exits 2 on it, as a run does.
        const placedCheck: HealthCheck = async () => {
          try {
            return await check()
          } catch (err) {
            throw isUserError(err) ? placed(err as VenomError, where, [name, pluginName], file) : err
          }
        }
        this.registry.healthChecks.set(unique, placedCheck)
      },
      onClose: (fn) => this.#closers.push({ plugin: name, fn }),
      addInvariant: (invariant) => this.registry.invariants.push(invariant),
    }
    if ((await this.#pluginCall(owner, 'setup', () => plugin.setup?.(api))) === NOT_MADE) return
    this.bus.add(source, plugin.hooks)
    this.registry.plugins.push({ name, version: plugin.version })
  }

  get ports(): Ports {
    if (!this.#ports) throw new VenomError('E_NOT_READY', 'call runner.init() before reading ports')
    return this.#ports
  }

  /** Claim `b`'s name for `plugin`, and note the entry that configured it (`venomqa.json: plugins[2]`) for its failures. */
  #claimBackend(b: StateBackend, plugin: string, where: string): StateBackend {
    this.#claim('state backend', b.name, plugin)
    this.#calls.place(b, where)
    return b
  }

  /**
   * Refuse a backend given in code (`createRunner({ stateBackends })`) whose name another code-given one
   * or a plugin's backend has: both would be checkpointed and rolled back, and nothing could tell their
   * report, rollback and doctor lines apart.
   */
  #claimGivenBackend(b: StateBackend, index: number): StateBackend {
    const place = `createRunner's stateBackends[${index}]`
    const key = `state backend:${b.name}`
    const owner = this.#claims.get(key)
    if (typeof owner === 'string') {
      const first = this.#givenBackendPlaces.has(owner) ? owner : this.#pluginPlace(owner)
      throw new ConfigError(
        `${first} and ${place} both give a state backend named "${b.name}": two backends of one name make every report, rollback and doctor line about it ambiguous; set \`name\` on one of them`,
        { where: `stateBackends[${index}]` },
      )
    }
    this.#givenBackendPlaces.add(place)
    this.#claims.set(key, place)
    return b
  }

  /** An entry's owner name said with its place first: `plugins[0] (@venomqa/state-postgres)`. */
  #pluginPlace(owner: string): string {
    const entry = this.#entries.get(owner)
    return entry ? `${entry.where} (${entry.plugin})` : `plugin "${owner}"`
  }

  /** Run journeys in order. Definition and configuration mistakes throw before any request is sent. */
  run(input: JourneyInput | readonly JourneyInput[], runOptions: RunOptions = {}): Promise<RunResult> {
    return this.#armed(() => this.#run(input, runOptions))
  }

  async #run(input: JourneyInput | readonly JourneyInput[], runOptions: RunOptions): Promise<RunResult> {
    await this.refuseParallelBeforeSetup()
    await this.init()
    // `journey.only` focuses the run on those journeys, here as in the CLI, so code that calls run() gets it too.
    const { items } = focusJourneys(normalize(input))
    for (const { journey } of items) validateJourney(journey)
    const signal = combine(this.options.signal, runOptions.signal)
    // A plugin whose setup never finished (#fatal), or a Ctrl-C during setup, left its ports and backends
    // unregistered: the journeys are then not run, for that reason and with reports, rather than refused
    // for a port that was never added (exit 2, no reports, and a message sending the user to add it).
    if (!this.#fatal && !signal?.aborted) {
      checkPorts(items, this.registry.ports, this.options.portHint)
      this.#checkState(items)
      this.#checkRestore(items)
    }
    this.#checkParallel()
    // A bad count would only fail at the first request, failing every step naming no option.
    requireCount('http.connections', this.options.http?.connections ?? 1)
    const units = repeatUnits(items, this.options.repeatEach ?? 1)
    // What an earlier run (a rerun of --watch) found refused may be listening now.
    this.#reachability = new BaseUrlReachability()
    const startedAt = new Date().toISOString()
    const t0 = performance.now()
    const atOnce = this.#atOnce(units.length)
    await this.bus.emit(
      'runStart',
      { journeys: units.map((u) => this.#info(u)), startedAt, ...(atOnce > 1 ? { workers: atOnce, parallel: (this.options.workers ?? 1) > 1 ? ('journeys' as const) : ('paths' as const) } : {}) },
      this.#onRunIssue,
    )

    let notRunBecause: { reason: string; kind: 'stall' | 'state' | 'crash'; suggestion?: string } | undefined = this.#fatal
      ? { reason: this.#fatal, kind: 'stall', suggestion: this.#fatalSuggestion }
      : await this.#connect(signal).then((failed) => (failed ? { reason: failed.message, kind: 'state' as const, suggestion: failed.suggestion } : undefined))
    // The app under test last: what the plugins and backends set up (a proxy's port) is in its environment.
    if (!notRunBecause && !signal?.aborted) {
      notRunBecause = await this.#startApp(signal)
      // The run's own issue: an exploration records it as its own instead (see explorationEnv).
      if (notRunBecause)
        this.runIssues.push(makeIssue({ journey: '', path: '', step: 'start app', severity: 'critical', kind: 'crash', error: notRunBecause.reason, source: 'app', suggestion: APP_START_SUGGESTION }))
    }
    const journeys: JourneyResult[] = new Array(units.length)
    const workers = Math.max(1, Math.min(this.options.workers ?? 1, units.length))
    // Fail-fast stops the journeys still running on other workers, cleanly: they roll back and say so.
    const failFast = new AbortController()
    const journeySignal = signal ? AbortSignal.any([signal, failFast.signal]) : failFast.signal
    /**
     * The journey whose failure stopped the run (fail-fast), as reports name it: each journey that then never
     * started says so; one cut short on another worker says it too (the abort's reason, see FailFastStop).
     */
    let failedFirst: string | undefined
    const stoppedBy = (j: JourneyResult): JourneyResult =>
      j.interrupted && failedFirst !== undefined && !signal?.aborted ? { ...j, failFastAfter: failedFirst } : j
    let next = 0
    /** Lanes that take no more journeys (see #unusable): once every lane is one, the rest are not run. */
    const stoppedLanes = new Set<number>()
    // A worker's setup may copy the main system (mysqlWorkers, postgresWorkers copy the main database's rows): made while
    // a journey ran on it, a worker started from that journey's writes (a user it signed up, a 409 for the
    // worker's own sign-up). So the main lane starts once the other workers are made, each from the state
    // the run started from; they are made at once, and the other lanes wait for theirs anyway. A worker that
    // could not be made is told on the journey its lane takes, as before.
    const othersMade =
      workers > 1 && this.options.workerSetup && !notRunBecause && !journeySignal.aborted
        ? Promise.allSettled(Array.from({ length: workers - 1 }, (_, k) => this.#workerPool().resources(k + 1, journeySignal)))
        : undefined
    await Promise.all(
      Array.from({ length: workers }, async (_, lane) => {
        // Its first journey taken at once, as every lane's is (the first on the main system, the second on
        // worker 1...), and run once the others are made.
        let waitForOthers = lane === 0
        while (next < units.length) {
          const unusable = notRunBecause ? undefined : this.#unusable(lane)
          if (unusable) {
            stoppedLanes.add(lane)
            // Another worker, with a system of its own, can still run them.
            if (stoppedLanes.size < workers) return
          }
          const i = next++
          const unit = units[i]!
          if (waitForOthers) {
            waitForOthers = false
            await othersMade
          }
          // A worker taken out of use has advice of its own: the state backends' would mislead when its app ended.
          const outOfUse = unusable && lane > 0 && this.options.workerSetup ? { suggestion: WORKER_OUT_OF_USE_SUGGESTION } : {}
          // The run's app that ended is no state backend's fault: its own kind and advice.
          const appEnded = unusable && this.#runAppGone(lane) ? { kind: 'crash' as const, suggestion: this.#app!.watch.suggestion() } : {}
          const notRunFor = notRunBecause ?? (unusable ? { reason: unusable, kind: 'state' as const, ...outOfUse, ...appEnded } : undefined)
          if (notRunFor || journeySignal.aborted) {
            // Told to live reporters too: a console that never names the journey would leave its summary's
            // counts unexplained.
            const why = notRunFor && { ...notRunFor, reason: `not run: ${notRunFor.reason}` }
            journeys[i] = await this.#announce(unit, lane, stoppedBy(notRun(unit, why, journeySignal.aborted)))
            continue
          }
          // Nothing listens at its base URL: an earlier journey met a refused connection there.
          const down = this.#reachability.known(this.#baseUrlOf(unit, lane))
          if (down && unit.journey.mode !== 'skip') {
            const { error, kind, suggestion } = unreachableIssue(down, 'not run')
            journeys[i] = await this.#announce(unit, lane, notRun(unit, { reason: error, kind, suggestion }, false))
            continue
          }
          const result = await this.#runUnit(unit, journeySignal, lane)
          journeys[i] = result
          if (result.status === 'failed' && this.options.failFast && !failFast.signal.aborted) {
            failedFirst = `${result.name}${repeatLabel(result)}`
            failFast.abort(new FailFastStop(failedFirst))
          }
        }
      }),
    )
    // Requests whose steps stopped waiting for them (a timeout, an interrupt) are given their grace before
    // the run ends: one cut off is named in a warning, which must come before the run's end and its reports
    // (docs/cli.md, Ctrl-C). A rollback waits for them too; a run with nothing to roll back did not.
    await this.#detached.settle()
    this.#detached.report()
    const interrupted = !!signal?.aborted
    const result: RunResult = {
      schemaVersion: RESULTS_SCHEMA_VERSION,
      tool: { name: 'venomqa', version: this.options.toolVersion ?? RUNNER_VERSION },
      startedAt,
      finishedAt: new Date().toISOString(),
      durationMs: performance.now() - t0,
      status: runStatusOf(journeys, this.runIssues, { failOnFlaky: this.options.failOnFlaky }),
      interrupted,
      backends: this.resultBackends(),
      journeys,
      issues: this.runIssues,
      summary: summarize(journeys, this.runIssues),
    }
    await this.bus.emit('runEnd', { result }, this.#onRunIssue)
    // runEnd hooks may add issues: keep the summary and the status true to them.
    result.summary = summarize(journeys, this.runIssues)
    result.status = runStatusOf(journeys, this.runIssues, { failOnFlaky: this.options.failOnFlaky })
    return result
  }

  /** What hooks are told about a unit before it runs. */
  #info(unit: RunUnit): JourneyInfo {
    const { journey: j, file, repeatEachIndex } = unit
    return {
      name: j.name,
      tags: j.tags,
      description: j.description,
      file,
      ...(repeatEachIndex !== undefined ? { repeatEachIndex } : {}),
      ...(j.mode === 'skip' ? { skipped: true } : {}),
    }
  }

  /**
   * The base URL a journey's requests go to on `lane`: its own, else the run's; on a worker of a
   * workerSetup, the worker's app's, known once the journey runs there (undefined here).
   */
  #baseUrlOf(unit: RunUnit, lane: number): string | undefined {
    if (unit.journey.baseUrl) return unit.journey.baseUrl
    return lane === 0 || !this.options.workerSetup ? this.options.baseUrl : undefined
  }

  /** Whether the journey is put back after it runs: its own `restore`, else the run's `restoreAfterJourney`. */
  #restores(journey: Journey): boolean {
    return journey.restore ?? this.options.restoreAfterJourney ?? false
  }

  /**
   * A journey skipped on purpose, a journey with retries or restored (`restore`), or a plain journey. Retries
   * and restore share one checkpoint taken before the journey (see runWithRetries), on the backends of the
   * lane the journey runs on.
   */
  async #runUnit(unit: RunUnit, signal: AbortSignal, laneIndex: number): Promise<JourneyResult> {
    if (unit.journey.mode === 'skip') return this.#skip(unit, laneIndex)
    const retries = unit.journey.retries ?? this.options.journeyRetries ?? 0
    const restore = this.#restores(unit.journey)
    if (!retries && !restore) return this.#runOne(unit, signal, laneIndex)
    const maxAttempts = retries + 1
    let backends: readonly StateBackend[]
    let baseUrl: string
    try {
      const made = laneIndex === 0 ? undefined : await this.#workerPool().resources(laneIndex, signal)
      backends = made ? made.backends : this.registry.stateBackends
      baseUrl = unit.journey.baseUrl ?? (made ? made.baseUrl : this.options.baseUrl) ?? ''
    } catch (err) {
      if (signal.aborted) return this.#announce(unit, laneIndex, notRun(unit, undefined, true))
      // No attempt could start: told once, as the journey itself, not as its first attempt.
      return this.#workerFailed(unit, laneIndex, err)
    }
    if (restore && !backends.length) {
      // The run has backends (see #checkRestore), this worker none of its own: nothing would put it back.
      const why = `not run: it is to be restored (restore), but worker ${laneIndex} has no state backend of its own to put back; give each worker its state backends in the workerSetup (see docs/parallel.md)`
      return this.#announce(unit, laneIndex, notRun(unit, { reason: why, kind: 'state' }, false))
    }
    const retry = (attempt: number) => (maxAttempts > 1 ? { attempt, maxAttempts } : undefined)
    return runWithRetries({
      journey: unit.journey.name,
      maxAttempts,
      restore,
      stateUnknown: (why) => this.#calls.markUnknown(backends, why),
      backends,
      extras: [keptTokens(this.#tokens, baseUrl)],
      calls: this.#calls,
      settle: () => this.#detached.settle(),
      rolledBack: (cancelledBy) => this.#detached.report(cancelledBy),
      // A journey stopped because nothing listens at its base URL would only meet the same refusal again.
      stopped: () => signal.aborted || !!this.#reachability.known(baseUrl),
      attempt: (attempt, settle, restorer) => this.#runOne(unit, signal, laneIndex, retry(attempt), settle, restorer),
      notRun: (issue) => this.#announce(unit, laneIndex, { ...notRun(unit, { reason: issue.error, kind: 'state' }, false), issues: [issue] }),
      ended: async (result) => {
        const info = { ...this.#info(unit), attempt: result.attempt ?? 1, maxAttempts }
        const issuesBeforeEnd = result.issues.length
        await this.bus.emit('journeyEnd', { journey: info, result }, (issue) => result.issues.push(issue), { journey: unit.journey.name })
        failOnLateCritical(result.issues.slice(issuesBeforeEnd), result)
      },
    })
  }

  /** `journey.skip`: every step reported as skipped; `journeyStart` and `journeyEnd` fire so live reporters show it. */
  #skip(unit: RunUnit, laneIndex: number): Promise<JourneyResult> {
    const nodes = unit.journey.steps.map(skipped)
    return this.#announce(unit, laneIndex, { ...notRun(unit, undefined, false), nodes, counts: countNodes(nodes) })
  }

  /**
   * A journey that never ran a step, told to live reporters as one that started and ended at once. As an
   * attempt of a retried journey, its events say which attempt, and its end whether another follows, as
   * an attempt that ran says them: a reporter counts the journey once, at its last end.
   */
  async #announce(unit: RunUnit, laneIndex: number, notRunResult: JourneyResult, attempt?: AttemptOf): Promise<JourneyResult> {
    const own: JourneyResult = laneIndex ? { ...notRunResult, worker: laneIndex } : notRunResult
    const neverStarted = own.interrupted && own.status === 'skipped'
    const info = { ...this.#info(unit), ...attempt?.retry, ...(own.notRun ? { notRun: true } : {}), ...(neverStarted ? { interrupted: true } : {}) }
    // The settled result shares the attempt's issues: what a hook raises is the attempt's either way.
    const onIssue = (issue: Issue) => own.issues.push(issue)
    const where = { journey: unit.journey.name }
    await this.bus.emit('journeyStart', { journey: info, ctx: new Context(), ...(laneIndex ? { worker: laneIndex } : {}) }, onIssue, where)
    const { result, willRetry } = attempt ? attempt.settle(own) : { result: own, willRetry: false }
    const issuesBeforeEnd = own.issues.length
    await this.bus.emit('journeyEnd', { journey: info, result, ...(willRetry ? { willRetry } : {}) }, onIssue, where)
    failOnLateCritical(own.issues.slice(issuesBeforeEnd), own, result)
    return result
  }

  /**
   * Why lane `lane` runs no more journeys, or undefined: a state backend of its system was abandoned (a
   * call past pluginTimeout may still land, so its state is unknown; see StateCalls), or its worker was
   * given up (see WorkerPool). Lane 0, and every lane without a workerSetup, runs on the run's own backends.
   */
  #unusable(lane: number): string | undefined {
    if (lane === 0 || !this.options.workerSetup) return this.#runAppGone(lane) ?? this.#calls.unusableAmong(this.registry.stateBackends)
    return this.#pool?.unusable(lane)
  }

  /**
   * How the app the run started (`app`) ended on its own, with its last lines, when lane `lane` runs on it
   * (lane 0, and every lane without a workerSetup); undefined while it runs.
   */
  #runAppGone(lane: number): string | undefined {
    if (lane !== 0 && this.options.workerSetup) return undefined
    const gone = this.#app?.watch.gone()
    return gone && `${gone}${this.#app!.watch.lastLines()}`
  }

  /**
   * Start the app under test (the `app` option), once, after the plugins set up and the backends connected:
   * a problem when it ends or does not answer in time (the journeys are then not run, exit 1: the config
   * may be right and the app broken), undefined when it answers or `signal` stopped the run first. An
   * unset variable in its `env` is the config's mistake, thrown as such.
   */
  async #startApp(signal?: AbortSignal): Promise<{ reason: string; why: string; kind: 'crash'; suggestion: string } | undefined> {
    const app = this.options.app
    if (!app || this.#app) return undefined
    try {
      this.#app = await startRunApp(app, { baseUrl: this.options.baseUrl, root: this.options.root ?? process.cwd(), signal })
      return undefined
    } catch (err) {
      if (signal?.aborted) return undefined
      if (isUserError(err)) throw err
      // Its last lines are the app's own text (a connection string in a stack): masked as such.
      const why = `app: ${redactText(errorMessage(err))}`
      return { reason: `${why}; nothing ran`, why, kind: 'crash', suggestion: APP_START_SUGGESTION }
    }
  }

  /**
   * For `venomqa doctor`: the state backends connected and the app under test (`app`) started as a run
   * starts them, so that what they give it (`VENOMQA_PG_PROXY_URL`) is there. What stopped it, or undefined
   * when it answers (or there is no `app`); it runs until close(). An unset variable of `app.env` throws,
   * as in a run.
   */
  async startAppAsARun(): Promise<string | undefined> {
    await this.init()
    if (!this.options.app) return undefined
    if (this.#fatal) return this.#fatal
    const failed = await this.#connect()
    if (failed) return failed.message
    return (await this.#startApp())?.why
  }

  /**
   * For `venomqa doctor`: each of the run's state backends connected, then made to take checkpoint `name`,
   * roll back to it and release it, as a journey's first checkpoint does, each call bounded by
   * pluginTimeout. One answer per backend: what failed, in the run's words (which name the backend and
   * where it was configured), or undefined when all worked. A backend that does not connect does not stop
   * the others being tried, so every one that cannot is named at once. Nothing is left open (a checkpoint that failed is released); close() disconnects what connected.
   */
  async tryStateAsARun(name: string): Promise<{ backend: StateBackend; problem?: string; mistake?: VenomError }[]> {
    await this.init()
    // All connected first, in order, as a run connects them, but past one that fails (where a run stops): a
    // check that named only the first sent the user back for each of the others in turn.
    const unconnected = new Map<StateBackend, { problem: string; mistake?: VenomError } | undefined>()
    for (const b of this.registry.stateBackends) unconnected.set(b, await this.#connectOne(b))
    const answers: { backend: StateBackend; problem?: string; mistake?: VenomError }[] = []
    for (const b of this.registry.stateBackends) {
      const failed = unconnected.get(b)
      if (failed) {
        answers.push({ backend: b, ...failed })
        continue
      }
      const world = new World([b], new Context(), [], undefined, this.#calls)
      try {
        await world.checkpoint(name)
        await world.rollback(name)
      } catch (err) {
        await world.releaseAll()
        answers.push({ backend: b, problem: errorMessage(err) })
        continue
      }
      const problems = await world.releaseAll()
      answers.push(problems.length ? { backend: b, problem: problems.map((p) => p.error).join('; ') } : { backend: b })
    }
    return answers
  }

  /**
   * Connect `b` unless it is: why it could not, or undefined once it is connected. A mistake in its options
   * that connect met (a table its database does not have) is the `mistake`, placed at its key in the entry,
   * as a run refuses it (exit 2): it connected, so "could not connect" would send the user to the service.
   */
  async #connectOne(b: StateBackend): Promise<{ problem: string; mistake?: VenomError } | undefined> {
    if (this.#connectedBackends.includes(b)) return undefined
    try {
      await this.#connects.connect(b, this.#calls.label(b))
      this.#connectedBackends.push(b)
      return undefined
    } catch (err) {
      if (!isUserError(err)) return { problem: this.#connectMessage(b, err) }
      const mistake = placed(err as VenomError, this.#calls.placeOf(b) ?? '', [b.name])
      return { problem: errorMessage(mistake), mistake }
    }
  }

  /** Why `b` could not connect; past pluginTimeout, said as a worker's is: the user learns which setting bounded it. */
  #connectMessage(b: StateBackend, err: unknown): string {
    return `${connectFailure(this.#calls.label(b), b, err)}${err instanceof TimeoutError && err.timeoutMs === this.pluginTimeoutMs ? ' (pluginTimeout; raise it if the backend is slow to connect on purpose)' : ''}`
  }

  /** Stop the run's app, if it started one: SIGTERM, then SIGKILL after a grace. Its end is no longer news. */
  async #stopApp(): Promise<void> {
    const app = this.#app
    this.#app = undefined
    if (!app) return
    app.watch.closing()
    await app.process.close()
  }

  /** How many workers may be busy at once: journeys on workers, or else the paths of a branch. */
  #atOnce(journeys: number): number {
    const workers = this.options.workers ?? 1
    return workers > 1 ? Math.min(workers, journeys) : (this.options.parallelPaths ?? 1)
  }

  /**
   * Connect every state backend not connected yet: a problem when one cannot, undefined when all did or
   * `signal` stopped the run first (its journeys are then not run, as interrupted, with no issue of their
   * own: the user stopped them).
   */
  /**
   * Connect every state backend; on the first that fails, its issue (a run issue) and what the journeys not
   * run for it say: its message, and its suggestion (a backend's own, such as a table name misspelt in its
   * options, else how to check a connection).
   */
  async #connect(signal?: AbortSignal, asRunIssue = true): Promise<{ message: string; suggestion: string; step: string; source: string } | undefined> {
    const generic = asRunIssue ? CONNECT_SUGGESTION : EXPLORATION_CONNECT_SUGGESTION
    if (this.#connected) return undefined
    for (const b of this.registry.stateBackends) {
      if (this.#connectedBackends.includes(b)) continue
      if (signal?.aborted) return undefined
      try {
        await this.#connects.connect(b, this.#calls.label(b), signal)
        // Each one as it connects: when a later one fails, close() still disconnects those before it,
        // which have set up their tables, triggers or session in the system under test.
        this.#connectedBackends.push(b)
      } catch (err) {
        if (signal?.aborted && err === signal.reason) return undefined
        // A mistake in the backend's options met only once it reads the system (a table its database does not
        // have): told at its key in the entry (`plugins[1].tables[0]`), exit 2, as every other option's is.
        if (isUserError(err)) throw placed(err as VenomError, this.#calls.placeOf(b) ?? '', [b.name])
        const message = this.#connectMessage(b, err)
        const suggestion = suggestionForError(err) ?? generic
        const step = `connect ${b.name}`
        const source = `state:${b.name}`
        // An exploration records it as its own issue instead (see explorationEnv): told once, not twice.
        if (asRunIssue) this.runIssues.push(makeIssue({ journey: '', path: '', step, severity: 'critical', kind: 'state', error: message, source, suggestion }))
        return { message, suggestion, step, source }
      }
    }
    this.#connected = true
    return undefined
  }

  #workerPool(): WorkerPool {
    this.#connections ??= createConnectionPool(this.options.http?.connections)
    this.#pool ??= new WorkerPool({
      setup: this.options.workerSetup,
      mainBaseUrl: this.options.baseUrl ?? '',
      mainPorts: this.registry.ports,
      mainBackends: this.registry.stateBackends,
      makePorts,
      pool: () => (this.#connections ??= createConnectionPool(this.options.http?.connections)),
      tokens: this.#tokens,
      detached: this.#detached,
      http: { ...this.options.http, headers: this.options.headers },
      calls: this.#calls,
    })
    return this.#pool
  }

  /**
   * Checkpoints with no state backend restore only the context and the HTTP headers, so a path may pass
   * on data an earlier path left behind. Say so loudly once per run, or refuse when rollback is required.
   */
  #checkState(items: SourcedJourney[]): void {
    if (this.registry.stateBackends.length) return
    const using = items.filter(({ journey }) => hasCheckpoint(journey.steps)).map(({ journey }) => journey.name)
    if (!using.length) return
    const names = shownJourneyNames(using)
    if (this.options.requireState) throw new ConfigError(stateRequiredProblem(items.map((i) => i.journey))!, { where: 'requireState' })
    const message = `no state backend is registered: the checkpoints of ${names} restore only the context and HTTP headers, not the system under test, so a path can see what an earlier path wrote; ${ADD_STATE_BACKEND}, or set requireState (--require-state) to make this an error`
    this.options.logger?.warn(message)
    // Its own suggestion: the kind's is for a backend that failed, and none did. Told before the journeys
    // run, it cannot say whether one of them fails: a path's failure may be an earlier path's writes.
    const suggestion =
      "The checkpoints saved the context alone: each path may have started from data an earlier path left, so a path that fails may fail on an earlier path's writes, and one that passes may pass on them. Register a state backend for the system under test to roll it back between paths."
    this.runIssues.push(makeIssue({ journey: '', path: '', step: 'state', severity: 'info', kind: 'state', error: message, source: 'runner', suggestion }))
  }

  /**
   * A journey to be put back after it runs (`restore`) needs a state backend to do it: without one the
   * run is refused before anything runs, rather than leave the data the user asked to have put back.
   */
  #checkRestore(items: SourcedJourney[]): void {
    if (this.registry.stateBackends.length) return
    const problem = restoreProblem(
      items.map(({ journey }) => journey),
      this.options.restoreAfterJourney,
    )
    if (problem) throw new ConfigError(problem.message, { where: problem.where })
  }

  /**
   * A mistake in the worker setup's config (a part without its url, a run's backend it cannot copy) thrown
   * now, before anything runs, as every config mistake is (see WorkerSetup.validate): found only when a
   * worker was made, it failed the journeys given to that worker while the others ran. What it throws
   * that is no user error (a hand-written setup's plain Error) is one, naming the workerSetup.
   */
  #validateWorkerSetup(): void {
    const setup = this.options.workerSetup
    if (typeof setup?.validate !== 'function') return
    try {
      setup.validate({ baseUrl: this.options.baseUrl ?? '', ports: this.registry.ports, stateBackends: this.registry.stateBackends })
    } catch (err) {
      if (isUserError(err)) throw err
      // Foreign text, as a plugin's setup error is: a driver's message can hold a password.
      throw new ConfigError(`workerSetup: ${redactText(errorMessage(err))}`, { where: 'workerSetup', cause: err })
    }
  }

  /**
   * The workerSetup's config checked as a run checks it before its first journey (see #validateWorkerSetup):
   * throws the ConfigError naming the key, making no worker and touching nothing. For `venomqa doctor`,
   * which asks it before it makes worker 1. Nothing to check without a workerSetup or its `validate`.
   */
  async validateWorkerSetup(): Promise<void> {
    await this.init()
    this.#validateWorkerSetup()
  }

  /**
   * Each of `backends` (default: every state backend of the run) with the package name of the plugin that
   * registered it, none for one given in code: advice on what to add names the right package.
   */
  backendOwners(backends: readonly StateBackend[] = this.registry.stateBackends): BackendOwner[] {
    return backends.map((b) => {
      const owner = this.#claims.get(`state backend:${b.name}`)
      const plugin = typeof owner === 'string' ? this.#entries.get(owner)?.plugin : undefined
      return plugin ? { backend: b.name, plugin } : { backend: b.name }
    })
  }

  /** Parallel runs are isolated or refused: never paths that silently see each other's writes. */
  #checkParallel(): void {
    const paths = this.options.parallelPaths ?? 1
    const workers = this.options.workers ?? 1
    requireCount('parallelPaths', paths)
    requireCount('workers', workers)
    if (Math.max(paths, workers) === 1) return
    if (this.options.workerSetup) return this.#validateWorkerSetup()
    // Mostly refused before setup already (refuseParallelBeforeSetup); checked again on what the plugins
    // did add, for a plugin that declares no state backends (a third party's) or declared them wrong.
    const owners = this.backendOwners()
    refuseParallel(
      paths,
      workers,
      this.registry.stateBackends.map((backend, i) => ({ backend, plugin: owners[i]!.plugin })),
    )
  }

  async #runOne(
    item: RunUnit,
    signal: AbortSignal | undefined,
    laneIndex = 0,
    retry?: { attempt: number; maxAttempts: number },
    settle?: SettleAttempt,
    restorer?: Restorer,
  ): Promise<JourneyResult> {
    const { journey, file, repeatEachIndex } = item
    try {
      this.#connections ??= createConnectionPool(this.options.http?.connections)
      let world: World
      let http: RunnerHttpClient
      let ports = this.ports
      // The run's own app (`app`), watched on every lane that runs on it.
      let app: AppWatch | undefined = this.#app?.watch
      if (laneIndex === 0) {
        http = new RunnerHttpClient(
          { ...this.options.http, baseUrl: journey.baseUrl ?? this.options.baseUrl ?? '', headers: this.options.headers },
          { pool: this.#connections, tokens: this.#tokens, detached: this.#detached },
        )
        world = laneWorld(this.registry.stateBackends, http, this.#calls)
      } else {
        let lane: Lane
        try {
          // A journey's own base URL wins on every worker, as on the main lane (worker 0).
          lane = await this.#workerPool().lane(laneIndex, journey.baseUrl, signal)
        } catch (err) {
          // Ctrl-C while its worker was being made: interrupted, as a journey not started yet.
          if (signal?.aborted) return await this.#announce(item, laneIndex, { ...notRun(item, undefined, true), ...failFastAfterOf(signal) })
          return await this.#workerFailed(item, laneIndex, err, retry && settle && { retry, settle })
        }
        ;({ world, http, ports } = lane)
        if (this.options.workerSetup) app = lane.app
      }
      const parallelPaths = (this.options.workers ?? 1) > 1 ? 1 : (this.options.parallelPaths ?? 1)
      // The journey's result says its worker itself (before journeyEnd fires): nothing to add here.
      return await executeJourney({
        journey,
        file,
        world,
        http,
        ports,
        ...(parallelPaths > 1 ? { workerLanes: (count: number) => this.#workerPool().branchLanes(count, journey.name, journey.baseUrl, signal) } : {}),
        bus: this.bus,
        settings: {
          parallelPaths,
          stepTimeout: this.options.stepTimeout,
          journeyTimeout: this.options.journeyTimeout,
          retries: this.options.retries,
          failFast: this.options.failFast,
          debug: this.options.debug,
          redactKeys: this.options.http?.redactKeys,
        },
        runSignal: signal,
        logger: this.options.logger,
        worker: laneIndex,
        reachability: this.#reachability,
        ...(app ? { app } : {}),
        ...(repeatEachIndex !== undefined || retry ? { run: { ...(repeatEachIndex !== undefined ? { repeatEachIndex } : {}), ...retry } } : {}),
        ...(settle ? { settle } : {}),
        ...(restorer ? { restorer } : {}),
        putBack: this.#tellPutBack,
      })
    } catch (err) {
      return this.#crashed(item, err)
    }
  }

  /**
   * The journey's worker could not be made: the setup's failure, not the runner's, and nothing of the
   * journey ran. Told to live reporters and hooks like every journey of the run, or a console would never
   * name it and its summary's counts would go unexplained.
   */
  #workerFailed(item: RunUnit, laneIndex: number, err: unknown, attempt?: AttemptOf): Promise<JourneyResult> {
    // Its error names the worker already when it comes from one of its backends: named once.
    const own = `worker ${laneIndex}: `
    const why = errorMessage(err)
    const reason = why.startsWith(own) ? why.slice(own.length) : why
    // A worker made, then given up (its app ended on its own, its sync timed out) was not one that could not be made.
    const made = this.#pool?.wasMade(laneIndex) ?? false
    const issue = makeIssue({
      journey: item.journey.name,
      path: 'main',
      step: 'journey',
      severity: 'critical',
      kind: 'state',
      error: made ? `the journey did not run on worker ${laneIndex}: ${reason}` : `worker ${laneIndex} could not be made, so the journey did not run: ${reason}`,
      suggestion: made ? WORKER_OUT_OF_USE_SUGGESTION : 'The worker setup failed to give this worker its own app and state: read the error, and see docs/parallel.md.',
      source: 'workers',
    })
    return this.#announce(item, laneIndex, { ...notRun(item, { reason: issue.error, kind: 'state' }, false), issues: [issue] }, attempt)
  }

  #crashed(item: RunUnit, err: unknown): JourneyResult {
    const issue = makeIssue({ journey: item.journey.name, path: 'main', step: 'journey', severity: 'critical', kind: 'crash', error: `runner crashed: ${errorMessage(err)}`, source: 'runner' })
    return { ...notRun(item, { reason: issue.error, kind: 'crash' }, false), issues: [issue] }
  }

  /**
   * Disconnect backends, run plugins' onClose (newest first), close the HTTP pool. Nothing is dropped:
   * every failure is in the returned messages and in `closeIssues` (a backend that did not disconnect
   * may have left its tracking objects behind: critical), and a close that hangs is abandoned at the
   * plugin timeout.
   */
  close(): Promise<string[]> {
    return this.#armed(() => this.#close())
  }

  async #close(): Promise<string[]> {
    this.closeIssues.length = 0
    // What a backend or a plugin threw is foreign text (a driver's message can hold a token=...): masked as such.
    const fail = (step: string, severity: 'critical' | 'medium', source: string, message: string, kind: ErrorKind = 'state', suggestion?: string) =>
      this.closeIssues.push(makeIssue({ journey: '', path: '', step, severity, kind, error: redactText(message), source, ...(suggestion ? { suggestion } : {}) }))
    // The app first: its connections close before a backend's disconnect undoes what it did (a proxy's
    // rollback of everything waits on none of them).
    await this.#stopApp()
    for (const b of this.#connectedBackends.splice(0)) {
      try {
        await this.#calls.call(`state backend "${b.name}" disconnect`, () => b.disconnect())
      } catch (err) {
        // A backend's own advice (a proxy that refused what the app did) beats the generic one for a state failure.
        fail(`disconnect ${b.name}`, 'critical', `state:${b.name}`, disconnectFailure(`state backend "${b.name}"`, b.name, err), 'state', suggestionForError(err) ?? DISCONNECT_SUGGESTION)
      }
    }
    // A connect abandoned at the timeout may finish yet: its backend is disconnected when it does, and
    // the run waits for that as long as one call may take. One still connecting then is said so. The
    // workers' are waited for as their workers close.
    // Said before the wait, which can be as long as the backend's own connect timeout (a database that
    // does not answer, then Ctrl-C): a process silent for that long looks hung.
    for (const what of await this.#connects.stillConnectingAfter(STOPPED_CONNECT_MS)) this.options.logger?.warn(`waiting for ${what} (up to ${this.pluginTimeoutMs} ms)`)
    for (const { backend, problem } of await this.#connects.settleAbandoned()) fail(`disconnect ${backend.name}`, 'critical', `state:${backend.name}`, problem, 'state', DISCONNECT_SUGGESTION)
    this.#connected = false
    for (const e of await this.#closeWorkers()) fail('close workers', 'critical', 'workers', e)
    // Disconnected, the backends a call was abandoned on start afresh at the next run's connect.
    this.#calls.clear()
    for (const { plugin, fn } of this.#closers.reverse()) {
      try {
        await faults.guard(`plugin "${plugin}" onClose`, fn, { timeoutMs: this.pluginTimeoutMs })
      } catch (err) {
        fail(`close ${plugin}`, 'medium', `plugin:${plugin}`, `plugin "${plugin}" failed to close: ${errorMessage(err)}`, 'hook', CLOSE_FAILED_SUGGESTION)
      }
    }
    this.#closers = []
    await this.#connections?.close().catch(() => {})
    this.#connections = undefined
    return this.closeIssues.map((i) => i.error)
  }

  /**
   * Worker `index` made as a run makes it when it first needs it (see WorkerPool: the workerSetup's create,
   * then the state backends it gives connected, each call bounded by pluginTimeout), and a lane on it. For
   * `venomqa doctor`, which makes worker 1 to try the workerSetup before a run depends on it: the main
   * system's backends are not connected for that, as no setup needs them connected to make a worker.
   * `signal` gives the create up, as the run's Ctrl-C does. closeWorkers() (or close()) undoes the worker.
   */
  async workerLane(index: number, signal?: AbortSignal): Promise<Lane> {
    await this.init()
    if (this.#fatal) throw new StateError('runner', this.#fatal)
    if (!this.options.workerSetup) throw new ConfigError('workerLane: the runner has no workerSetup to make a worker with', { where: 'workerSetup' })
    return this.#armed(() => this.#workerPool().lane(index, undefined, signal))
  }

  /**
   * Why worker `index` could run nothing more (its app ended on its own, a call of its setup timed out), or
   * undefined: the reason alone, without what a run does about it (for a check outside of a run).
   */
  workerUnusable(index: number): string | undefined {
    return this.#pool?.unusable(index, false)
  }

  /**
   * The state backends the workers' setups gave in this run (see WorkerPool.stateBackends): with the
   * registry's, what a quit run asks to let go.
   */
  workerStateBackends(): { worker: number; backend: StateBackend }[] {
    return this.#pool?.stateBackends() ?? []
  }

  /** The state backends a run's result lists: the run's own, then those of each worker made so far. */
  resultBackends(): RunBackend[] {
    const entry = (b: StateBackend, worker?: number): RunBackend => ({ name: b.name, mechanism: b.mechanism, parallelSafe: b.parallelSafe, ...(worker ? { worker } : {}) })
    return [...this.registry.stateBackends.map((b) => entry(b)), ...(this.#pool?.madeBackends() ?? []).map(({ worker, backend }) => entry(backend, worker))]
  }

  /**
   * Close the workers made so far, as close() does: their apps stopped, what their setups made undone,
   * creates and connects abandoned meanwhile waited for. The problems: each says what is left behind.
   */
  closeWorkers(): Promise<string[]> {
    return this.#armed(() => this.#closeWorkers())
  }

  async #closeWorkers(): Promise<string[]> {
    for (const what of this.#pool?.stillSettling() ?? []) this.options.logger?.warn(`waiting for ${what} (up to ${this.pluginTimeoutMs} ms)`)
    const problems = this.#pool ? await this.#pool.close() : []
    this.#pool = undefined
    return problems
  }

  /**
   * What an exploration (@venomqa/explore) runs on: the state backends connected, a lane with a World
   * over them (the context and the HTTP client's headers included), an HTTP client on the run's pool,
   * and the ports. While it is open, stray errors and stalls become issues of the run, as in `run()`;
   * `done()` ends that. Throws an EnvNotMadeError when a plugin's setup hung (a stall), or when a
   * backend cannot connect or the run's app does not start: not a run issue, the exploration's to record.
   * `workers`: how many lanes the exploration runs at once (see `explorationWorkerLanes`). `signal`: the
   * exploration's; aborted while the run's app starts (`app`), that start is given up and the app stopped.
   */
  async explorationEnv(options: { baseUrl?: string; workers?: number; signal?: AbortSignal } = {}): Promise<{ lane: Lane; done(): void }> {
    await this.init()
    // Told as a run tells its journeys not run: a stall, with the advice for what hung (not a state backend's).
    if (this.#fatal) throw new EnvNotMadeError(this.#fatal, { step: 'setup', kind: 'stall', source: 'runner', suggestion: this.#fatalSuggestion })
    // As a run on workers does: a mistake in the worker setup's config is refused before anything is explored.
    if ((options.workers ?? 1) > 1) this.#validateWorkerSetup()
    const disarm = this.#arm(options.workers)
    try {
      // Each failure is the exploration's issue alone ("nothing was explored: ..."), filed under the step a
      // run files it under (`connect <backend>`, `start app`), with its advice.
      const problem = await this.#connect(undefined, false)
      if (problem) throw new EnvNotMadeError(problem.message, { step: problem.step, kind: 'state', source: problem.source, suggestion: problem.suggestion })
      // Ctrl-C while the app starts stops it there, as in a run: not once it answers, or at app.timeoutMs.
      const appProblem = await this.#startApp(options.signal)
      if (appProblem) throw new EnvNotMadeError(appProblem.why, { step: 'start app', kind: 'crash', source: 'app', suggestion: appProblem.suggestion })
    } catch (err) {
      disarm()
      throw err
    }
    this.#connections ??= createConnectionPool(this.options.http?.connections)
    const http = new RunnerHttpClient(
      { ...this.options.http, baseUrl: options.baseUrl ?? this.options.baseUrl ?? '', headers: this.options.headers },
      { pool: this.#connections, tokens: this.#tokens, detached: this.#detached },
    )
    const world = laneWorld(this.registry.stateBackends, http, this.#calls)
    return { lane: { index: 0, world, http, ports: this.ports }, done: disarm }
  }

  /**
   * The lanes of workers 1..count for an exploration shared among workers, from the workerSetup (each
   * made on first use and kept until close, as for parallel paths). The caller checks there is a
   * workerSetup: without one, these lanes would have no state backend of their own.
   */
  explorationWorkerLanes(count: number, exploration: string): Promise<WorkerLane[]> {
    return this.#workerPool().workerLanes(count, exploration)
  }
}

const ADD_STATE_BACKEND =
  'add a state backend plugin for the system under test (e.g. @venomqa/state-postgres, @venomqa/state-mysql, @venomqa/adapter-redis with a prefix, or http-control for an app with a reset endpoint)'

/**
 * Why `requireState` refuses these journeys when no state backend is registered (some save a checkpoint,
 * and nothing would roll the system back), or undefined. The runner throws it; `venomqa doctor` says it.
 */
export function stateRequiredProblem(journeys: readonly Journey[]): string | undefined {
  const using = journeys.filter((j) => hasCheckpoint(j.steps)).map((j) => j.name)
  if (!using.length) return undefined
  return `${shownJourneyNames(using)} ${using.length > 1 ? 'have' : 'has'} checkpoints, but no state backend is registered and requireState is on, so nothing would be rolled back: ${ADD_STATE_BACKEND}`
}

/** The journeys of a run that are put back after they run (`restore`): their own `restore`, else the run's `restoreAfterJourney`. */
export function restoredJourneys(journeys: readonly Journey[], restoreAfterJourney: boolean | undefined): Journey[] {
  return journeys.filter((j) => j.mode !== 'skip' && (j.restore ?? restoreAfterJourney ?? false))
}

/**
 * Who asks to put the system back after a journey (`restore`): the journeys that set `restore: true`, else
 * `restoreAfterJourney`. Undefined when no journey is restored. Said by the runner and `venomqa doctor`.
 */
export function restoreAskedBy(journeys: readonly Journey[], restoreAfterJourney: boolean | undefined): { asked: string; where: 'restore' | 'restoreAfterJourney' } | undefined {
  const restored = restoredJourneys(journeys, restoreAfterJourney)
  if (!restored.length) return undefined
  const own = restored.filter((j) => j.restore === true).map((j) => j.name)
  return own.length
    ? { asked: `journey ${shownJourneyNames(own)} ${own.length > 1 ? 'set' : 'sets'} restore: true`, where: 'restore' }
    : { asked: 'restoreAfterJourney (--restore) is on', where: 'restoreAfterJourney' }
}

/**
 * Why the run refuses to put journeys back after they run (`restore`) with no state backend registered:
 * nothing would do it. Undefined when no journey is restored. The runner throws it; `venomqa doctor` says it.
 */
export function restoreProblem(journeys: readonly Journey[], restoreAfterJourney: boolean | undefined): { message: string; where: string } | undefined {
  const by = restoreAskedBy(journeys, restoreAfterJourney)
  if (!by) return undefined
  return { message: `${by.asked}, but no state backend is registered, so nothing would put the system back after the journey: ${ADD_STATE_BACKEND}`, where: by.where }
}

/**
 * Journey names as messages quote what a user wrote (describeValue): each in quotes, masked, and a long
 * one cut, and the first few of many (firstFew), so that neither a name built from data nor a suite of
 * 200 journeys fills the terminal: `"checkout", "signup_xxxx...", "login" and 197 more`.
 */
function shownJourneyNames(names: readonly string[]): string {
  return firstFew(names.map((n) => describeValue(n)))
}

function hasCheckpoint(nodes: Journey['steps']): boolean {
  return nodes.some((n) => n.kind === 'checkpoint' || (n.kind === 'branch' && n.paths.some((p) => hasCheckpoint(p.steps))))
}

function normalize(input: JourneyInput | readonly JourneyInput[]): SourcedJourney[] {
  const list = (Array.isArray(input) ? input : [input]) as JourneyInput[]
  const seen = new Set<string>()
  return list.map((item, i) => {
    const s: SourcedJourney = isJourney(item) ? { journey: item } : (item as SourcedJourney)
    if (!s || !isJourney(s.journey)) throw new ConfigError(`item ${i + 1} given to run() is not a journey (make it with journey())`)
    if (seen.has(s.journey.name))
      throw new ConfigError(`two journeys are named "${s.journey.name}"${s.file ? ` (one in ${s.file})` : ''}; journey names must be unique in a run`)
    seen.add(s.journey.name)
    return s
  })
}

function checkPorts(journeys: readonly SourcedJourney[], ports: Map<string, unknown>, hint?: (port: string) => string | undefined): void {
  const problem = portsProblem(journeys, ports, hint)
  if (problem) throw new ConfigError(problem)
}

/**
 * The ports journeys declare (`requires`) that no plugin registered, with what gives each: what a run refuses
 * before anything runs (exit 2), for `venomqa doctor` to say it too. Undefined when every one is there. Each
 * is placed in its journey's file when it came from one, and a near miss of a registered port (`mails` for
 * `mail`) is said as the typo it most likely is, not as a port some plugin would have to add.
 */
export function portsProblem(
  journeys: readonly (Journey | SourcedJourney)[],
  ports: ReadonlyMap<string, unknown>,
  hint?: (port: string) => string | undefined,
): string | undefined {
  const registered = [...ports.keys()]
  const missing: string[] = []
  const unmeant = new Set<string>()
  const need = (what: string, port: string) => {
    const near = didYouMean(port, registered)
    missing.push(`${what} needs port "${port}"${near ? ` (did you mean "${near}"?)` : ''}`)
    if (!near) unmeant.add(port)
  }
  const visit = (j: Journey, place: string, nodes: Journey['steps']) => {
    for (const n of nodes) {
      if (n.kind === 'step') for (const p of n.options.requires ?? []) if (!ports.has(p)) need(`${place}journey "${j.name}", step "${n.name}"`, p)
      if (n.kind === 'branch') for (const p of n.paths) visit(j, place, p.steps)
    }
  }
  for (const item of journeys) {
    const { journey: j, file } = isJourney(item) ? { journey: item, file: undefined } : item
    const place = file ? `${file}: ` : ''
    for (const p of j.requires) if (!ports.has(p)) need(`${place}journey "${j.name}"`, p)
    visit(j, place, j.steps)
  }
  if (!missing.length) return undefined
  const providers = [...unmeant].map((n) => portProviders(n, hint?.(n)))
  return [`${missing.join('; ')}. Registered ports: ${registered.join(', ') || 'none'}.`, ...providers].join(' ')
}

/** The plugins that give a port by its usual name: each adapter's default, and the in-memory ones. */
const PORT_PROVIDERS: Record<string, string> = {
  cache: "@venomqa/adapter-redis, or 'memory' (in-memory ports)",
  queue: "@venomqa/adapter-redis (BullMQ), or 'memory' (in-memory ports)",
  mail: "@venomqa/adapter-mailhog, or 'memory' (in-memory ports)",
  search: '@venomqa/adapter-elasticsearch',
  mock: '@venomqa/adapter-wiremock',
  storage: "'memory' (in-memory ports)",
  time: "'memory' (in-memory ports)",
  concurrency: "'memory' (in-memory ports)",
}

function portProviders(port: string, hint?: string): string {
  const from = Object.hasOwn(PORT_PROVIDERS, port) ? PORT_PROVIDERS[port] : undefined
  const said = from ? `"${port}" comes from ${from}.` : `"${port}" comes from a plugin that adds it (api.addPort("${port}", ...)), or an adapter given that port name.`
  return hint ? `${said} ${hint}.` : said
}

/**
 * Why `ports.require(name)` found no port: a typo's near miss among the registered ports (`quue`: did you
 * mean "queue"?), else among the known ones with what provides it, and the ports there are.
 */
function portMissing(name: string, registered: readonly string[]): string {
  const there = `registered: ${registered.join(', ') || 'none'}`
  const near = didYouMean(name, registered)
  if (near) return `no "${name}" port is registered: did you mean "${near}"? (${there})`
  const known = didYouMean(name, Object.keys(PORT_PROVIDERS))
  if (known) return `no "${name}" port is registered (${there}): did you mean "${known}"? ${portProviders(known)}`
  return `no "${name}" port is registered (${there}); add the adapter plugin that provides it`
}

export function makePorts(map: Map<string, unknown>): Ports {
  const ports: Record<string, unknown> = {
    require(name: string) {
      if (!map.has(name)) throw new VenomError('E_PORT_MISSING', portMissing(name, [...map.keys()]))
      return map.get(name)
    },
    has: (name: string) => map.has(name),
    names: () => [...map.keys()],
  }
  for (const [k, v] of map) if (!(k in ports)) ports[k] = v
  return ports as Ports
}

/**
 * Each journey `times` times, the whole list over again for each repetition (as Playwright's
 * --repeat-each does), so one repetition of a journey does not run right after another.
 */
function repeatUnits(items: readonly SourcedJourney[], times: number): RunUnit[] {
  requireCount('repeatEach', times)
  if (times === 1) return [...items]
  return Array.from({ length: times }, (_, repeatEachIndex) => items.map((item) => ({ ...item, repeatEachIndex }))).flat()
}

/**
 * A journey the run never started (interrupted, or stopped by fail-fast): its steps are in it as skipped,
 * so that every report still lists them (JUnit's suite for it has its cases, skipped, not none).
 */
function notRun(item: RunUnit, why: { reason: string; kind: ErrorKind; suggestion?: string } | undefined, interrupted: boolean): JourneyResult {
  const { journey, file, repeatEachIndex } = item
  const nodes = journey.steps.map(skipped)
  return {
    name: journey.name,
    ...(journey.description ? { description: journey.description } : {}),
    tags: [...journey.tags],
    ...(file ? { file } : {}),
    status: why ? 'failed' : 'skipped',
    startedAt: new Date().toISOString(),
    durationMs: 0,
    nodes,
    issues: why
      ? [makeIssue({ journey: journey.name, path: 'main', step: 'journey', severity: 'critical', kind: why.kind, error: why.reason, source: 'runner', ...(why.suggestion ? { suggestion: why.suggestion } : {}) })]
      : [],
    counts: countNodes(nodes),
    ...(interrupted ? { interrupted: true } : {}),
    ...(repeatEachIndex !== undefined ? { repeatEachIndex } : {}),
    ...(why ? { notRun: true as const } : {}),
  }
}

function combine(a?: AbortSignal, b?: AbortSignal): AbortSignal | undefined {
  if (a && b) return AbortSignal.any([a, b])
  return a ?? b
}

/** Built-in reporters live in ./reporters; loaded on init so `--help` never pays for them. */
async function loadBuiltinReporters(): Promise<Map<string, import('@venomqa/core').ReporterFactory>> {
  const mod = (await import('./reporters/index')) as { builtinReporters?: Record<string, import('@venomqa/core').ReporterFactory> }
  return new Map(Object.entries(mod.builtinReporters ?? {}))
}

export type { LifecycleHooks }

/** An option's key as a plugin names it in an error's `where`: `url`, `pool.max`, `tables[0]`. */
const OPTION_KEY = /^[A-Za-z_$][\w$-]*(\[\d+\])*(\.[A-Za-z_$][\w$-]*(\[\d+\])*)*$/

/** `tables[0]` as the parts optionPath takes: `['tables', 0]`. */
function keyPath(key: string): (string | number)[] {
  return key.split('.').flatMap((part) => {
    const [name, ...indexes] = part.split('[')
    return [name!, ...indexes.map((i) => Number(i.slice(0, -1)))]
  })
}

/**
 * A mistake its setup found (a ConfigError of the plugin's), placed at the plugin's entry: with two entries
 * of one plugin (two Redis databases), `@venomqa/adapter-redis: ...` alone does not say which is wrong. A
 * place the plugin gave as one of its option keys (`state.prefix`) goes under the entry.
 */
function placed(err: VenomError, where: string, names: readonly string[], file?: string): VenomError {
  if (!isUserError(err)) return err
  const at = err.where
  // A place the plugin made itself from api.where (`plugins[1].url`) is the entry's already.
  const own = at?.startsWith('plugins[') || at?.startsWith('--plugin')
  const key = !own && at && !names.includes(at) && OPTION_KEY.test(at) ? keyPath(at) : []
  const place = own ? at! : optionPath(where, key)
  // In the file it was written in, as the option errors of checkPluginEntries say: `venomqa.json: plugins[1].url`.
  Object.defineProperty(err, 'where', { value: file && !place.startsWith(`${file}: `) ? `${file}: ${place}` : place, configurable: true, enumerable: true })
  return err
}

/** An entry's place as a message names it: `--plugin redis #2`, without the `?` a flag's place ends its name with. */
function shownPlace(place: string): string {
  return place.replace(/\?( #\d+)?$/, '$1')
}

/** What `venomqa <name>` can be: a word of letters and digits, with `-`, `_` or `:` inside (`mail-catcher`). */
const COMMAND_NAME = /^[A-Za-z0-9][A-Za-z0-9_:-]*$/

/**
 * The place in an owner name checkPluginEntries gives an entry of a plugin listed more than once
 * (`pg-proxy (--plugin pg-proxy #2)` gives `--plugin pg-proxy #2`); undefined for a plugin listed once.
 */
function placeInOwner(owner: string, plugin: string): string | undefined {
  return owner.startsWith(`${plugin} (`) && owner.endsWith(')') ? owner.slice(plugin.length + 2, -1) : undefined
}

/**
 * A command as `addCommand` must be given it, or a PluginError naming the plugin and the argument: a name
 * with a space or a leading dash can never be typed as a command, and a `run` that is no function failed
 * only when the command ran, as "command.run is not a function".
 */
function checkCommandShape(plugin: string, name: unknown, definition: unknown): void {
  const call = `plugin "${plugin}": addCommand(${typeof name === 'string' ? JSON.stringify(name) : '...'})`
  if (typeof name !== 'string' || !COMMAND_NAME.test(name))
    throw new PluginError(
      plugin,
      `${call}: the command name must be a word of letters and digits, with - _ or : inside (such as "mail-catcher"), got ${typeof name === 'string' ? (name ? JSON.stringify(name) : 'an empty name') : typeof name}`,
    )
  if (!definition || typeof definition !== 'object')
    throw new PluginError(plugin, `${call}: the command must be an object with a description and a run function, got ${definition === null ? 'null' : typeof definition}`)
  const { description, run, options } = definition as Record<string, unknown>
  if (typeof run !== 'function') throw new PluginError(plugin, `${call}: run must be a function that does the command's work, got ${describeType(run)}`)
  if (typeof description !== 'string') throw new PluginError(plugin, `${call}: description must be a string (shown in venomqa --help), got ${describeType(description)}`)
  if (options !== undefined && (!Array.isArray(options) || options.some((o) => typeof (o as { flags?: unknown } | null)?.flags !== 'string')))
    throw new PluginError(plugin, `${call}: options must be a list of { flags, description } such as { flags: '--port <n>', description: 'the port' }`)
  const reserved = (options as { flags: string }[] | undefined)?.find((o) => /(?:^|[\s,|])(?:-c|--config|--profile)(?=$|[\s,=<[])/.test(o.flags))
  if (reserved)
    throw new PluginError(
      plugin,
      `${call}: the option "${reserved.flags}" takes a flag venomqa gives every plugin command (-c/--config and --profile choose the config the plugin and its options are read from); give it another name`,
    )
}

function describeType(value: unknown): string {
  return value === null ? 'null' : Array.isArray(value) ? 'a list' : typeof value
}

/** A state backend an entry adds must be one: found only at its first checkpoint, it would fail a run halfway. */
function checkBackendShape(plugin: string, b: unknown): void {
  const backend = b as Record<string, unknown> | null
  const missing = ['connect', 'checkpoint', 'rollback', 'release', 'disconnect'].filter((m) => typeof backend?.[m] !== 'function')
  if (!backend || typeof backend !== 'object' || typeof backend.name !== 'string' || missing.length)
    throw new PluginError(
      plugin,
      `plugin "${plugin}": addStateBackend() was given no state backend${missing.length ? `: it has no ${missing.join(', ')} method${missing.length > 1 ? 's' : ''}` : ': it has no name'} (see StateBackend in docs/plugins.md)`,
    )
}

/**
 * The reporter names a plugin declares (Plugin.reporters), checked: the CLI refuses an unknown reporter
 * name by them before any setup, so a declaration that is no list of names is refused, not ignored.
 */
function reportersDeclared(name: string, plugin: Plugin<any>): readonly string[] | undefined {
  if (plugin.reporters === undefined) return undefined
  const declared = declaredReporters(plugin)
  if (!declared) throw new PluginError(name, `plugin "${name}": reporters must be a list of the reporter names its setup adds, got ${JSON.stringify(plugin.reporters) ?? typeof plugin.reporters}`)
  return declared
}

/** A reporter added that the plugin's declaration leaves out: a run would have refused its name before setup. */
function refuseUndeclaredReporter(name: string, declared: readonly string[] | undefined, reporter: string): void {
  if (declared && !declared.includes(reporter))
    throw new PluginError(name, `plugin "${name}" adds reporter "${reporter}", which its reporters (${declared.length ? declared.join(', ') : 'none'}) do not list: add it there`)
}
