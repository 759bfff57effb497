import type {
  HttpExchange,
  Journey,
  LifecycleHooks,
  Logger,
  Plugin,
  Reporter,
  ReporterFactory,
  RetryPolicy,
  StateBackend,
} from '@venomqa/core'

/** A plugin with the options it was given (`[name, options]` in config). */
export type PluginEntry = Plugin<any> | [Plugin<any>, Record<string, unknown>]

export interface HttpClientOptions {
  baseUrl: string
  headers?: Record<string, string>
  /** Per-request timeout, ms. Default 30 000. */
  timeout?: number
  /** Default retry policy for idempotent methods. */
  retry?: RetryPolicy | false
  /** Cache GET responses (per client) until clearCache(); a request can opt in or out with `cache`. */
  cacheGets?: boolean
  /** Keep-alive connections per origin. Default 16. */
  connections?: number
  /** Extra header or body keys to redact in history. */
  redactKeys?: string[]
  /** Called with each exchange as it is recorded. */
  onExchange?: (exchange: HttpExchange) => void
}

export interface RunnerOptions {
  baseUrl?: string
  /** Default headers on every request. */
  headers?: Record<string, string>
  /** Default step timeout, ms (a step's own `timeout` wins). */
  stepTimeout?: number
  /** Default journey timeout, ms (a journey's own `timeout` wins). */
  journeyTimeout?: number
  /** Default retries for every step (a step's own `retries` wins). */
  retries?: number
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

/** What plugins registered, for the CLI to look up reporters by name and for `doctor`. */
export interface Registry {
  reporters: Map<string, ReporterFactory>
  ports: Map<string, unknown>
  stateBackends: StateBackend[]
  healthChecks: Map<string, () => Promise<boolean>>
  plugins: { name: string; version: string }[]
}

export interface SourcedJourney {
  journey: Journey
  /** The file it came from, for reports. */
  file?: string
}
