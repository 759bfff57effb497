import type { Plugin } from '@venomqa/core'
import type { RunAppOptions, RunnerOptions, WorkerSetup } from '@venomqa/runner'

/**
 * A plugin in config: a name or path resolved from the project root (`'redis'`, `'./plugins/audit.ts'`),
 * a `[name, options]` pair, or, in a TypeScript/JavaScript config, the plugin object itself.
 */
export type PluginSpec = string | Plugin<any> | [string | Plugin<any>, Record<string, unknown>]

/** A reporter in config: `'junit'`, `'junit:reports/junit.xml'`, `{ name, output, options }` or `[name, options]`. */
export type ReporterSpec = string | { name: string; output?: string; options?: Record<string, unknown> } | [string, Record<string, unknown>]

export interface VenomConfigBase {
  /** For editors: the JSON schema of this file. Ignored at run time. */
  $schema?: string
  /** The API under test, e.g. http://localhost:3000. */
  baseUrl?: string
  /** Journey files, as globs relative to the project root. Default `journeys/**\/*.journey.{ts,js,mts,mjs}`. */
  journeys?: string | string[]
  /** Exploration files (`venomqa explore`), as globs relative to the project root. Default `**\/*.explore.{ts,js,mts,mjs}`. */
  explore?: string | string[]
  /** `venomqa explore --openapi`: which operations to explore, and how to authenticate. */
  openapi?: OpenApiConfig
  plugins?: PluginSpec[]
  /** Default `['console']`. */
  reporters?: ReporterSpec[]
  /** Headers sent with every request. */
  headers?: Record<string, string>
  /** Default step timeout, ms. */
  timeout?: number
  /** Default journey timeout, ms. */
  journeyTimeout?: number
  /** Default retries for a failed step. */
  retries?: number
  /** Default retries of a whole journey that fails, run from scratch (a journey's own `retries` wins). */
  journeyRetries?: number
  /** Exit 1 when a journey is flaky (failed, then passed on a retry). Default false. */
  failOnFlaky?: boolean
  /** Put the system back after every journey (a journey's own `restore` wins). Needs a state backend. Default false. */
  restoreAfterJourney?: boolean
  /** Stop a journey's line at its first failed step. */
  failFast?: boolean
  /** Save the results model (JSON) here after every run. */
  save?: string
  /** Paths of a branch that may run at once (passed to the runner). */
  parallelPaths?: number
  /** Journeys that may run at once (passed to the runner). */
  workers?: number
  /**
   * How long a plugin's setup, a hook, a backend's connect or disconnect, or an onClose may take, in ms,
   * before it is abandoned with a critical issue naming it. Default 60000.
   */
  pluginTimeout?: number
  /**
   * The HTTP client of every journey, as createRunner's `http` takes it: `timeout` (ms, each request that
   * gives none of its own; default 30000), `retry` (the policy of idempotent requests, or false), `cacheGets`,
   * `connections` (per origin; default 16).
   */
  http?: HttpConfig
  /**
   * The API under test, started by the run once the plugins set up and the state backends connected, and
   * stopped (SIGTERM, then SIGKILL) when it ends, before they disconnect. `${NAME}` in `env` is filled in
   * as it starts: `DATABASE_URL: '${VENOMQA_PG_PROXY_URL}'`. `cwd` is relative to the config file.
   */
  app?: AppConfig
  /** Refuse to run journeys with checkpoints when no state backend is registered. */
  requireState?: boolean
  /** More header names or body keys to redact in reports. */
  redactKeys?: string[]
  /** Creates the workers `parallelPaths` and `workers` need (docs/parallel.md). TS/JS config only. */
  workerSetup?: WorkerSetup
}

export interface VenomConfig extends VenomConfigBase {
  /** Named overrides, deep-merged over the rest: `--profile ci` or VENOMQA_PROFILE=ci. */
  profiles?: Record<string, VenomConfigBase>
}

/** The `openapi` key: operations by operationId, tag or `METHOD /path` glob; auth by bearer token or a login operation. */
export interface OpenApiConfig {
  include?: string[]
  exclude?: string[]
  auth?: { bearer: string } | { login: string; signUp?: string; credentials?: Record<string, unknown>; token?: string }
}

/** The `app` key: createRunner's `app` (see RunAppOptions). */
export type AppConfig = RunAppOptions

/** The `http` key: the runner's own HTTP client options, but those a config cannot hold (a function) or has elsewhere (`redactKeys`). */
export type HttpConfig = Pick<NonNullable<RunnerOptions['http']>, 'timeout' | 'retry' | 'cacheGets' | 'connections'>
