import type {
  HealthCheck,
  HttpExchange,
  Invariant,
  Journey,
  LifecycleHooks,
  Logger,
  Plugin,
  PluginCommand,
  Reporter,
  ReporterFactory,
  RetryPolicy,
  StateBackend,
  WorkerSetup,
} from '@venomqa/core'
import type { ExchangeOrigin } from './http/origin'

/**
 * A plugin with the options it was given: the plugin alone, `[plugin, options]`, or, to have option
 * errors name where the user wrote them, `{ plugin, options, where, file }` (`where` such as `plugins[2]`
 * or `--plugin redis`; default `plugins[<index in this list>]`; `file`, the config file the entry is
 * written in, named before it: `venomqa.json: plugins[2].url: ...`).
 */
export type PluginEntry = Plugin<any> | [Plugin<any>, unknown] | PluginEntryObject

/** A plugin entry with what messages say of it. */
export interface PluginEntryObject {
  plugin: Plugin<any>
  options?: unknown
  /** Where the entry was written (`plugins[2]`, `--plugin redis`); its place in the list by default. */
  where?: string
  /** The config file it is in, as messages name it (`venomqa.json`). */
  file?: string
  /**
   * What the plugin was loaded from (a file, a package's directory): two entries from one are one plugin
   * listed twice, whatever objects they hold. Without it, one object, or objects one definePlugin call made.
   */
  from?: string
  /** How a message names where the plugin came from: `the file ./plugins/redis.mjs`, `the package x@1.0.0`. */
  source?: string
}

export interface HttpClientOptions {
  baseUrl: string
  headers?: Record<string, string>
  /**
   * Timeout of every request that has none of its own (`timeout` in its options wins), ms. Default 30 000.
   * A deadline for each attempt as a whole, from sending to the body's last byte: a body that keeps
   * trickling in is cut at it too.
   */
  timeout?: number
  /** Default retry policy for idempotent methods. */
  retry?: RetryPolicy | false
  /**
   * Cache GET responses (per client) until clearCache(); a request can opt in or out with `cache`. An entry
   * is kept per URL and per set of request headers (names in any case): requests that differ in any header
   * (Authorization, Cookie, X-API-Key, Accept...) never share one.
   */
  cacheGets?: boolean
  /** Keep-alive connections per origin. Default 16. */
  connections?: number
  /** Extra header or body keys to redact in history. */
  redactKeys?: string[]
  /**
   * Called with each exchange as it is recorded, and the step that made it (its journey, path and name;
   * undefined for a request made outside of a step, such as a plugin's hook).
   */
  onExchange?: (exchange: HttpExchange, origin?: ExchangeOrigin) => void
}

// Worker setups are made by plugin packages too, which see only core: the types live there.
export type { MainSystem, WorkerResources, WorkerSetup, WorkerSyncInfo } from '@venomqa/core'

/**
 * The API under test, started by the run as a process of its own (see `RunnerOptions.app`, docs/cli.md).
 */
export interface RunAppOptions {
  /** A command line, run by the shell (`'node dist/server.js'`), or the program and its arguments (`[process.execPath, 'dist/server.js']`). */
  command: string | readonly string[]
  /**
   * Added to this process's environment. `${NAME}` and `${NAME:-default}` in a value are filled in as the
   * app starts, after the plugins set up and the state backends connected: `DATABASE_URL:
   * '${VENOMQA_PG_PROXY_URL}'` takes the in-process proxy's address. `$${` is the text `${`.
   */
  env?: Record<string, string>
  /** Where it runs, relative to `root`. Default: `root`. */
  cwd?: string
  /** Where it answers HTTP (any status) once it listens: the run waits for that. Default: `baseUrl`. */
  url?: string
  /** How long it may take to answer at `url`, in ms. Default 60000. */
  timeoutMs?: number
}

export interface RunnerOptions {
  /**
   * Start the API under test once the plugins are set up and the state backends connected, before the first
   * journey; stop it (SIGTERM, then SIGKILL) when the runner closes, before the backends disconnect. An app
   * that does not answer in time fails the run with nothing run; one that ends during the run stops the
   * journey that was running, saying so, and the journeys after it are not run.
   */
  app?: RunAppOptions
  /** Run up to N paths of a branch at once, each on its own worker. Default 1. */
  parallelPaths?: number
  /** Run up to N journeys at once, each on its own worker. Default 1. */
  workers?: number
  /** Creates the workers that `parallelPaths` and `workers` need. Without it, N > 1 is refused unless every state backend is parallel-safe. */
  workerSetup?: WorkerSetup
  baseUrl?: string
  /** Default headers on every request. */
  headers?: Record<string, string>
  /** Default step timeout, ms (a step's own `timeout` wins). */
  stepTimeout?: number
  /**
   * How long, in ms, a plugin's setup, a hook, an onClose, a state backend's connect, checkpoint, rollback,
   * release or disconnect (on the main line and on workers), and a workerSetup's create, sync or worker
   * close may take before it is abandoned with a critical issue naming it. A backend abandoned in a
   * checkpoint, rollback or release runs no more journeys in the run (see StateCalls). Default 60 000.
   */
  pluginTimeout?: number
  /**
   * Refuse to run journeys with checkpoints or branches when no state backend is registered (by default
   * they run, restoring only the context and the HTTP client's headers, with a warning and an info issue).
   */
  requireState?: boolean
  /**
   * Said after the usual advice when journeys require a port no plugin added (`requires: ['webhooks']`):
   * what is likely to add it. The CLI names a plugin package installed but not loaded whose name is the
   * port's (`venomqa-plugin-webhooks is installed but not loaded: ...`). Asked only then.
   */
  portHint?(port: string): string | undefined
  /** Default journey timeout, ms (a journey's own `timeout` wins). */
  journeyTimeout?: number
  /** Default retries for every step (a step's own `retries` wins). */
  retries?: number
  /**
   * Default retries of a whole journey that fails (a journey's own `retries` wins): it runs again from a
   * fresh context, with the state backends rolled back to where they stood before its first attempt.
   */
  journeyRetries?: number
  /**
   * Put the system back after every journey (a journey's own `restore` wins): the state backends take a
   * checkpoint before it and roll back to it when it ends, so that a suite run again and again against
   * one database leaves nothing behind. Needs a state backend. Default false.
   */
  restoreAfterJourney?: boolean
  /** Run every journey this many times (a whole number of 1 or more); each run is its own result. Default 1. */
  repeatEach?: number
  /** A flaky journey (failed, then passed on a retry) fails the run. Default false: it counts as passed. */
  failOnFlaky?: boolean
  /** Stop a journey's line at its first failed step. */
  failFast?: boolean
  http?: Omit<HttpClientOptions, 'baseUrl' | 'headers'>
  plugins?: PluginEntry[]
  hooks?: Partial<LifecycleHooks>
  stateBackends?: StateBackend[]
  /** Ports by name, in addition to those plugins add. */
  ports?: Record<string, unknown>
  /** Reporters that follow the run live (their hooks fire) and render at the end via `writeReports`. */
  reporters?: Reporter[]
  /** Interrupt the run: the current request is aborted, open checkpoints are rolled back, results say interrupted. */
  signal?: AbortSignal
  /** Keep stacks in error info. */
  debug?: boolean
  logger?: Logger
  /** Project root and profile, handed to plugins. */
  root?: string
  profile?: string
  /** Version written in results. */
  toolVersion?: string
}

/** A command a plugin added, with the plugin it came from. */
export interface RegisteredCommand {
  plugin: string
  command: PluginCommand
}

/** What plugins registered, for the CLI to look up reporters by name and for `doctor`. */
export interface Registry {
  reporters: Map<string, ReporterFactory>
  ports: Map<string, unknown>
  stateBackends: StateBackend[]
  healthChecks: Map<string, HealthCheck>
  plugins: { name: string; version: string }[]
  /** Invariants plugins add (`api.addInvariant`): every exploration checks them. */
  invariants: Invariant[]
}

export interface SourcedJourney {
  journey: Journey
  /** The file it came from, for reports. */
  file?: string
}

/**
 * A journey being put back, told as it goes (see Runner.onPutBack): a stopped journey to its oldest open
 * checkpoint (Ctrl-C: `interrupt`, its timeout, its workers failed: `stopped`), or a restored one to where
 * it stood before it (`restore`). Told as the rollback starts (`done` empty), after each state backend
 * that put its part back (the backends go one after another), and once more if one failed (`failed`: the
 * backends after it were not tried). A finished rollback is the `rollback` hook's.
 */
export interface PutBackProgress {
  journey: string
  checkpoint: string
  reason: 'interrupt' | 'timeout' | 'stopped' | 'restore'
  /** The state backends that have put their part back so far, by name, in the order they went. */
  done: readonly string[]
  /** A backend's rollback failed: `done` is all that was put back. */
  failed?: true
  /** The worker running the journey, when journeys run in parallel (0, the main line, is left out). */
  worker?: number
}
