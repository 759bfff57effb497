import { type ConnectOptions, type StateBackend, StateError, definePlugin, PLUGIN_API_VERSION, ConfigError, parseOptions, TIMER_MS_EXPECTED, isTimerMs } from '@venomqa/core'
import { request } from '../http/transport'
import * as z from 'zod/mini'
import en from 'zod/v4/locales/en.js'

// zod/mini, bundled into the runner tree-shaken (see tsup.config.ts): checking these options costs the runner's
// import about 3 ms, where the whole of zod cost 40 to 55 ms. Here, not in a module imported for its effect:
// the package is free of side effects, and the build drops such an import.
z.config(en())

/** The options of the `http-control` plugin; `url` defaults to the run's baseUrl there. */
export const httpControlOptions = z.strictObject({
  /** The app's base URL; the control routes are under `prefix`. */
  url: z.optional(z.string().check(z.regex(/^https?:\/\/[^/]/, { error: 'expected an http:// or https:// URL' }))),
  /** Default '/__venomqa'. */
  prefix: z.optional(z.string()),
  headers: z.optional(z.record(z.string(), z.string(), { error: 'expected an object of header names to string values' })),
  name: z.optional(z.string().check(z.minLength(1, { error: 'expected a non-empty string' }))),
  /** Per control call, ms. Default 10 000. */
  timeoutMs: z.optional(z.number({ error: TIMER_MS_EXPECTED }).check(z.refine(isTimerMs, { error: TIMER_MS_EXPECTED }))),
  timeout: z.optional(z.unknown().check(z.refine(() => false, { error: 'renamed to timeoutMs (milliseconds)' }))),
})

export type HttpControlOptions = Omit<z.input<typeof httpControlOptions>, 'url' | 'timeout'> & { url: string }

/** The backend's default name and its mechanism: the plugin declares it before setup (Plugin.stateBackends) by these too. */
const HTTP_CONTROL_STATE_NAME = 'http-control'
const HTTP_CONTROL_MECHANISM = 'http-control'

/**
 * Drives an app that implements the control protocol: POST {prefix}/checkpoint|rollback|release with
 * {"name"}, POST {prefix}/reset, GET {prefix}/state; and, for parallel paths on workers, GET {prefix}/export
 * and POST {prefix}/import of the app's whole state. The app does the work, so rollback is real for an
 * app in its own process even when it keeps its data in memory.
 */
export class HttpControlState implements StateBackend {
  readonly name: string
  readonly mechanism = HTTP_CONTROL_MECHANISM
  readonly parallelSafe = false
  readonly #base: string
  readonly #prefix: string
  readonly #opts: HttpControlOptions

  constructor(options: HttpControlOptions) {
    if (!options?.url) throw new ConfigError('http-control: option "url" is required (the app\'s base URL)', { where: 'url' })
    this.#opts = parseOptions(httpControlOptions, options, 'httpControlState()') as HttpControlOptions
    this.#prefix = options.prefix ?? '/__venomqa'
    this.#base = options.url.replace(/\/+$/, '') + this.#prefix
    this.name = options.name ?? HTTP_CONTROL_STATE_NAME
  }

  /** The same backend for another instance of the app (a worker's), under `name`. */
  forApp(url: string, name: string): HttpControlState {
    return new HttpControlState({ ...this.#opts, url, name })
  }

  /**
   * The app's whole state, from GET {prefix}/export: what {@link importState} puts into another instance
   * of the app. An optional route of the protocol, needed only by httpControlWorkers.
   */
  async exportState(): Promise<unknown> {
    return this.#call('GET', 'export', undefined, 'export')
  }

  /** Replace the app's state by one {@link exportState} returned (POST {prefix}/import); checkpoints are left as they are. */
  async importState(state: unknown): Promise<void> {
    await this.#call('POST', 'import', state ?? null, 'import')
  }

  async #call(method: 'GET' | 'POST', route: string, body?: unknown, optional?: 'export' | 'import', stop?: AbortSignal): Promise<unknown> {
    const url = `${this.#base}/${route}`
    let res
    try {
      const timeout = AbortSignal.timeout(this.#opts.timeoutMs ?? 10_000)
      res = await request(url, {
        method,
        headers: { 'content-type': 'application/json', ...this.#opts.headers },
        body: body === undefined ? undefined : JSON.stringify(body),
        signal: stop ? AbortSignal.any([stop, timeout]) : timeout,
      })
    } catch (err) {
      if (stop?.aborted) throw stop.reason
      throw new StateError(this.name, `${method} ${url} failed: ${(err as Error).message}`, { cause: err })
    }
    const text = res.bodyText
    if ((res.statusCode === 404 || res.statusCode === 405) && optional)
      throw new StateError(
        this.name,
        `${method} ${url} answered ${res.statusCode}: the app has no ${optional} route. Parallel paths with httpControlWorkers copy the main app's state ` +
          `into each worker's app through GET ${this.#prefix}/export and POST ${this.#prefix}/import; add both to the app (docs/parallel.md)`,
      )
    if (res.statusCode >= 400)
      throw new StateError(this.name, `${method} ${url} answered ${res.statusCode}: ${text.slice(0, 300)}`)
    try {
      return text ? JSON.parse(text) : undefined
    } catch {
      return text
    }
  }

  /** A GET of the state; `options.signal` ends it at once (nothing is set up by it to undo). */
  async connect(options?: ConnectOptions): Promise<void> {
    await this.#call('GET', 'state', undefined, undefined, options?.signal)
  }
  async checkpoint(name: string): Promise<void> {
    await this.#call('POST', 'checkpoint', { name })
  }
  async rollback(name: string): Promise<void> {
    await this.#call('POST', 'rollback', { name })
  }
  async release(name: string): Promise<void> {
    await this.#call('POST', 'release', { name })
  }
  async reset(): Promise<void> {
    await this.#call('POST', 'reset')
  }
  async observe(): Promise<Record<string, unknown>> {
    return (await this.#call('GET', 'state')) as Record<string, unknown>
  }
  async disconnect(): Promise<void> {}
}

export function httpControlState(options: HttpControlOptions): HttpControlState {
  return new HttpControlState(options)
}

/** The built-in `http-control` plugin: `plugins: [['http-control', { url: 'http://localhost:3000' }]]`; the url defaults to baseUrl. */
export const httpControlPlugin = definePlugin({
  name: 'http-control',
  version: __VENOMQA_PKG_VERSION__,
  apiVersion: PLUGIN_API_VERSION,
  reporters: [],
  options: httpControlOptions,
  // Declared for a refusal before setup (see Plugin.stateBackends).
  stateBackends: (options) => [{ name: options.name ?? HTTP_CONTROL_STATE_NAME, mechanism: HTTP_CONTROL_MECHANISM, parallelSafe: false }],
  setup(api) {
    // The app under test is the usual control target, so `--plugin http-control` needs no options.
    const url = api.options.url ?? api.baseUrl
    if (!url)
      throw new ConfigError(
        "http-control needs the app's URL: set baseUrl (or --base-url), or give the plugin a url option (--plugin 'http-control?url=http://127.0.0.1:3000')",
        { where: 'url' },
      )
    const backend = new HttpControlState({ ...api.options, url })
    api.addStateBackend(backend)
    // A failed observe throws an error that says what went wrong where: doctor shows it as the reason.
    api.addHealthCheck('http-control', async () => {
      await backend.observe()
      return true
    })
  },
})
