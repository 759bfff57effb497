import { ConfigError, type HttpClient, errorMessage, type HttpExchange, type HttpMethod, type HttpResponse, type RequestOptions, TIMER_MS_EXPECTED, TimeoutError, VenomError, httpUrlProblem, isTimerMs } from '@venomqa/core'
import { type AttemptOptions, type ReceivedResponse, sendOnce } from './http/attempt'
import { classifyFailure } from './http/classify'
import { ConnectionPool } from './http/connection-pool'
import { DetachedRequests } from './http/detached'
import { moment } from './http/server-errors'
import { type SentRequest, prepareRequest } from './http/prepare'
import { type ExchangeOrigin, exchangeOrigin } from './http/origin'
import { ExchangeRecord, rememberSecrets } from './http/record'
import { RunnerResponse } from './http/response'
import { type ResolvedRetryPolicy, clientRetryPolicy, requestRetryPolicy, retryDelay, retryPolicyProblem } from './http/retry-policy'
import { requireCount } from './require-count'
import type { HttpClientOptions } from './types'

const DEFAULT_TIMEOUT = 30_000

/**
 * One keep-alive pool, shared by every journey's client in a run. A count that is not a whole number of 1
 * or more is refused, as the runner refuses it: a pool of 0 (or NaN) would open no connection, and every
 * request would wait for one until its timeout.
 */
export function createConnectionPool(connections = 16): ConnectionPool {
  requireCount('http.connections', connections)
  return new ConnectionPool(connections)
}

/** Told of each exchange as it is recorded, with the step that made it when a step did. */
type ExchangeHook = NonNullable<HttpClientOptions['onExchange']>

/** Tokens kept across journeys of one run, by base URL and key (see HttpClient.useAuth). */
export type TokenStore = Map<string, string>

type Headers = Readonly<Record<string, string>>

interface ClientShared {
  options: HttpClientOptions
  pool: ConnectionPool
  tokens: TokenStore
  /** Requests their steps stopped waiting for; shared by a run's clients, waited for before a rollback. */
  detached: DetachedRequests
  retry: ResolvedRetryPolicy | false
  cache: Map<string, { exchange: ExchangeRecord; received: ReceivedResponse }>
  history: HttpExchange[]
  /** Replaced, never changed: requests and their records share it (see prepareRequest). */
  headers: Headers
}

/**
 * The HTTP client actions get as `http`. One per journey (history, auth and cache belong to the journey);
 * `bind(signal)` gives a view whose requests are aborted with the step, so that an action that outlives
 * its deadline cannot send anything more.
 *
 * A request is prepared (./http/prepare), sent once or more (./http/attempt) as the retry policy says
 * (./http/retry-policy), every attempt recorded (./http/record); failures are classified in one place
 * (./http/classify).
 */
export class RunnerHttpClient implements HttpClient {
  readonly #shared: ClientShared
  readonly #signal?: AbortSignal
  readonly #onExchange?: ExchangeHook
  /** The step this view serves now (see servesStep): named when one of its requests is cut off. */
  #step?: ExchangeOrigin
  /**
   * The requests sent through this view that have not ended, each with what to call once it has (set only
   * while someone waits for it, see underWay): a step whose action returned while one still ran waits for it.
   */
  readonly #underWay = new Map<SentRequest, (() => void) | undefined>()

  constructor(options: HttpClientOptions, deps: { pool?: ConnectionPool; tokens?: TokenStore; detached?: DetachedRequests } = {}, internal?: { shared: ClientShared; signal?: AbortSignal; onExchange?: ExchangeHook }) {
    if (internal) {
      this.#shared = internal.shared
      this.#signal = internal.signal
      this.#onExchange = internal.onExchange
      return
    }
    checkBaseUrl(options.baseUrl)
    // A timeout no timer keeps (NaN, Infinity, a fraction, 0 or less, past 24.8 days) meant no limit, or cut
    // every request at once: refused, as every other duration of the runner is.
    if (options.timeout !== undefined && !isTimerMs(options.timeout)) throw new ConfigError(`http.timeout: ${TIMER_MS_EXPECTED}, got ${String(options.timeout)}`, { where: 'http.timeout' })
    const retryProblem = retryPolicyProblem(options.retry)
    if (retryProblem) throw new ConfigError(`http.retry: ${retryProblem}`, { where: 'http.retry' })
    this.#shared = {
      options: { ...options, baseUrl: options.baseUrl.replace(/\/+$/, '') },
      pool: deps.pool ?? createConnectionPool(options.connections),
      tokens: deps.tokens ?? new Map(),
      detached: deps.detached ?? new DetachedRequests(),
      retry: clientRetryPolicy(options.retry),
      cache: new Map(),
      history: [],
      headers: Object.freeze(Object.fromEntries(Object.entries(options.headers ?? {}).map(([k, v]) => [k.toLowerCase(), v]))),
    }
    const cookie = this.#shared.headers.cookie
    if (cookie !== undefined) rememberSecrets(undefined, { cookie }, undefined, options.redactKeys, 'client')
    // options.onExchange is called for every view through the shared options: not here as well, or the
    // client's own requests would be reported twice.
  }

  /** A view of this client whose requests are cancelled by `signal` and reported to `onExchange`. */
  bind(signal: AbortSignal, onExchange?: ExchangeHook): RunnerHttpClient {
    return new RunnerHttpClient(this.#shared.options, {}, { shared: this.#shared, signal, onExchange })
  }

  /**
   * The step whose action uses this view from now on: a request of it cut off after the step stopped (see
   * DetachedRequests) is told naming it. A view serves one step at a time (a step's own, or one its lane's
   * steps share, each in turn); where exchanges are recorded, the step is followed through its awaits instead
   * (exchangeOrigin), which also places a request code of an earlier step sends late.
   */
  servesStep(step: ExchangeOrigin | undefined): void {
    this.#step = step
  }

  /**
   * The requests sent through this view that have not ended yet (a promise an action dropped): `what`
   * names each (`GET <url>`), `ended` resolves once all of them have. Undefined when none runs, as usual.
   */
  underWay(): { what: string[]; ended: Promise<void> } | undefined {
    if (!this.#underWay.size) return undefined
    const what: string[] = []
    const ended: Promise<void>[] = []
    for (const [sent, told] of this.#underWay) {
      what.push(`${sent.method} ${sent.url}`)
      // Someone waits already (an earlier call): both are told.
      const both = (resolve: () => void) => () => {
        told?.()
        resolve()
      }
      ended.push(new Promise<void>((resolve) => this.#underWay.set(sent, told ? both(resolve) : resolve)))
    }
    return { what, ended: Promise.all(ended).then(() => {}) }
  }

  /** True when something listens to this client's exchanges: only then is the step of each request worth knowing. */
  get reportsExchanges(): boolean {
    return !!(this.#onExchange || this.#shared.options.onExchange)
  }

  get baseUrl(): string {
    return this.#shared.options.baseUrl
  }

  get history(): readonly HttpExchange[] {
    return this.#shared.history
  }

  lastExchange(): HttpExchange | undefined {
    return this.#shared.history[this.#shared.history.length - 1]
  }

  setAuthToken(token: string, scheme = 'Bearer'): void {
    this.setHeader('authorization', scheme ? `${scheme} ${token}` : token)
  }

  clearAuth(): void {
    this.setHeader('authorization', undefined)
  }

  setHeader(name: string, value: string | undefined): void {
    this.#refuseAfterStep()
    const headers: Record<string, string> = { ...this.#shared.headers }
    if (value === undefined) delete headers[name.toLowerCase()]
    else headers[name.toLowerCase()] = value
    this.#shared.headers = Object.freeze(headers)
    // A cookie the client is given is a session, whatever its name: a request's own is told apart by its name (see rememberSecrets).
    if (value !== undefined && name.toLowerCase() === 'cookie') rememberSecrets(undefined, { cookie: value }, undefined, this.#shared.options.redactKeys, 'client')
  }

  clearCache(): void {
    this.#refuseAfterStep()
    this.#shared.cache.clear()
  }

  /**
   * A view bound to a step whose signal aborted (its deadline, the journey's, an interrupt) belongs to an
   * action the runner no longer waits for: the headers, kept tokens and cache it would change are the next
   * step's or path's by now (the rollback before it already ran). Refused with the step's own reason, as
   * its requests are.
   */
  #refuseAfterStep(): void {
    if (this.#signal?.aborted) throw this.#signal.reason
  }

  /** The headers every request sends (auth included): part of what a checkpoint saves. */
  snapshotHeaders(): Record<string, string> {
    return { ...this.#shared.headers }
  }

  /** The tokens `useAuth` keeps for this client's API: part of what a checkpoint saves (see laneWorld), as the headers are. */
  keptTokens(): KeptTokens {
    return keptTokens(this.#shared.tokens, this.#shared.options.baseUrl)
  }

  /** Wait for the requests steps stopped waiting for (see http/detached); undefined when there are none. */
  settleDetached(): Promise<void> | undefined {
    return this.#shared.detached.settle()
  }

  /** Tell the requests cut off so far, after a rollback (see DetachedRequests#report). */
  reportDetached(cancelledBy: readonly string[]): void {
    this.#shared.detached.report(cancelledBy)
  }

  restoreHeaders(headers: Record<string, string>): void {
    this.#shared.headers = Object.freeze({ ...headers })
    // Cached GETs describe the state that was just left behind.
    this.#shared.cache.clear()
  }

  async useAuth(key: string, obtain: () => Promise<string>, options: { scheme?: string; verify?: (http: HttpClient) => Promise<boolean> } = {}): Promise<string> {
    // Kept per base URL: a token is the API's that issued it. With workers that each start their own app,
    // one kept for the run was sent by every worker, and every app but the first answered 401.
    this.#refuseAfterStep()
    const stored = tokenKey(this.#shared.options.baseUrl, key)
    const known = this.#shared.tokens.get(stored)
    if (known !== undefined) {
      this.setAuthToken(known, options.scheme)
      const ok = options.verify ? await options.verify(this).catch(() => false) : true
      if (ok) return known
      this.#shared.tokens.delete(stored)
    }
    const token = await obtain()
    if (typeof token !== 'string' || !token) throw new VenomError('E_AUTH', `useAuth("${key}"): obtain() must return a non-empty token string`)
    // obtain() may have run past the step's deadline: the token is then the state a rollback left behind.
    this.#refuseAfterStep()
    this.#shared.tokens.set(stored, token)
    this.setAuthToken(token, options.scheme)
    return token
  }

  get(path: string, options?: RequestOptions) {
    return this.request('GET', path, options)
  }
  head(path: string, options?: RequestOptions) {
    return this.request('HEAD', path, options)
  }
  options(path: string, options?: RequestOptions) {
    return this.request('OPTIONS', path, options)
  }
  post(path: string, options?: RequestOptions) {
    return this.request('POST', path, options)
  }
  put(path: string, options?: RequestOptions) {
    return this.request('PUT', path, options)
  }
  patch(path: string, options?: RequestOptions) {
    return this.request('PATCH', path, options)
  }
  delete(path: string, options?: RequestOptions) {
    return this.request('DELETE', path, options)
  }

  async request(given: HttpMethod, path: string, options: RequestOptions = {}): Promise<HttpResponse> {
    // As the transport sends it (see RequestOptions.method there): a `get` from JavaScript goes out as `GET`,
    // and is retried, cached and recorded as one.
    const method = given.toUpperCase() as HttpMethod
    const shared = this.#shared
    const { redactKeys } = shared.options
    // The step's own mistake, which a retry would only repeat.
    if (options.timeout !== undefined && !isTimerMs(options.timeout)) throw new VenomError('E_HTTP_REQUEST', `${method} ${path}: timeout: ${TIMER_MS_EXPECTED}, got ${String(options.timeout)}`)
    if (options.retry !== undefined) {
      const retryProblem = retryPolicyProblem(options.retry)
      if (retryProblem) throw new VenomError('E_HTTP_REQUEST', `${method} ${path}: retry: ${retryProblem}`)
    }
    const timeoutMs = options.timeout ?? shared.options.timeout ?? DEFAULT_TIMEOUT
    if (this.#signal?.aborted) throw classifyFailure(undefined, { method, url: path, timeoutMs, stepSignal: this.#signal }).error
    const prepared = prepareRequest(method, shared.options.baseUrl, shared.headers, path, options)
    const { sent } = prepared
    rememberSecrets(sent.url, sent.headers, sent.text, redactKeys)

    const cacheKey = method === 'GET' && (options.cache ?? shared.options.cacheGets ?? false) ? `${sent.url}\n${headersKey(sent.headers)}` : undefined
    const hit = cacheKey === undefined ? undefined : shared.cache.get(cacheKey)
    if (hit) {
      const exchange = ExchangeRecord.cached(hit.exchange)
      this.#record(exchange)
      return new RunnerResponse(method, sent.url, hit.received, 0, exchange)
    }

    const policy = requestRetryPolicy(method, options.retry, shared.retry)
    // When the request was first sent: an error answer is the step's only if the step sent it (see server-errors.ts).
    const sentAt = moment()
    // timeoutMs (the request's own, else the client's) is a deadline for each attempt as a whole (see attempt.ts).
    // The step sending it, taken now: the step's signal aborts where no step is current (see onLeft).
    const origin = this.reportsExchanges ? exchangeOrigin() : undefined
    const attemptOptions: AttemptOptions = {
      pool: shared.pool,
      timeoutMs,
      stepSignal: this.#signal,
      userSignal: options.signal,
      detached: shared.detached,
      sentBy: origin ?? this.#step,
      onLeft: undefined,
    }
    this.#underWay.set(sent, undefined)
    try {
      let attempt = 0
      let startedAtMs = 0
      /** The attempt its step stopped waiting for, recorded then (see leftByStep), and what an exchange hook threw at it. */
      let left: { hookError?: unknown } | undefined
      if (this.#signal) {
        const signal = this.#signal
        attemptOptions.onLeft = (durationMs) => {
          left = {}
          // Called from the signal's abort: a hook that throws must not stop the request's own rejection.
          try {
            this.#record(leftByStep(sent, redactKeys, signal, { durationMs, attempt, startedAtMs }), origin)
          } catch (err) {
            left.hookError = err
          }
        }
      }
      for (;;) {
        attempt++
        startedAtMs = Date.now()
        const result = await sendOnce(prepared, attemptOptions)
        if (!result.ok) {
          const { error, retryable } = result.failure
          // Recorded as the step stopped waiting; the step's signal ends the request too, so no retry follows.
          if (left) throw left.hookError ?? error
          // The deadline it ran into, kept apart from the message: a replay of the request (a regression
          // journey) must give up at the same one, or it would wait for the slow answer and pass.
          const timeoutMs = error instanceof TimeoutError ? { timeoutMs: error.timeoutMs } : {}
          this.#record(new ExchangeRecord(sent, undefined, redactKeys, { error: error.message, ...timeoutMs, durationMs: result.durationMs, attempt, startedAtMs }), origin)
          const delay = retryDelay(policy, attempt, { retryableFailure: retryable })
          if (delay === undefined) throw error
          await sleep(delay, this.#signal)
          continue
        }
        const received = result.response
        rememberSecrets(undefined, received.headers, received.bodyBytes ? undefined : received.bodyText, redactKeys)
        const exchange = new ExchangeRecord(sent, received, redactKeys, { durationMs: result.durationMs, attempt, startedAtMs })
        this.#record(exchange, origin)
        const delay = retryDelay(policy, attempt, received)
        if (delay !== undefined) {
          await sleep(delay, this.#signal)
          continue
        }
        if (cacheKey !== undefined && received.status < 400) shared.cache.set(cacheKey, { exchange, received })
        return new RunnerResponse(method, sent.url, received, result.durationMs, exchange, sentAt)
      }
    } finally {
      // Ended: a step waiting for its requests (see underWay) is told.
      const told = this.#underWay.get(sent)
      this.#underWay.delete(sent)
      told?.()
    }
  }

  /** `origin`: the step that sent the request, taken as it was sent; by default the one current now. */
  #record(exchange: HttpExchange, origin = this.reportsExchanges ? exchangeOrigin() : undefined): void {
    this.#shared.history.push(exchange)
    if (!this.reportsExchanges) return
    this.#onExchange?.(exchange, origin)
    this.#shared.options.onExchange?.(exchange, origin)
  }
}

/**
 * A request its step stopped waiting for (the step's deadline, the journey's, an interrupt), as the step's
 * result and the HAR keep it: sent, no answer, and why none came. Recorded when the step stops, before its
 * code goes on, so that it is the step's like any failed request, and every report shows it with its curl
 * command; an answer that comes later is no one's (see untilStepStops). No `timeoutMs`: the deadline was
 * the step's, not the request's, and a replay of the request (a regression journey) must not take it as one.
 */
function leftByStep(sent: SentRequest, redactKeys: string[] | undefined, signal: AbortSignal, fields: { durationMs: number; attempt: number; startedAtMs: number }): ExchangeRecord {
  const reason = signal.reason
  const why = reason instanceof TimeoutError ? reason.message : `its step stopped: ${errorMessage(reason)}`
  return new ExchangeRecord(sent, undefined, redactKeys, { error: `${sent.method} ${sent.url}: no answer before ${why}`, ...fields })
}

/** Where `useAuth` keeps the token of `key` for the API at `baseUrl`: a token is the API's that issued it. */
function tokenKey(baseUrl: string, key: string): string {
  return `${baseUrl.replace(/\/+$/, '')}\n${key}`
}

/** The kept tokens of one API, as a checkpoint saves them and a rollback puts them back. */
export interface KeptTokens {
  snapshot(): [string, string][]
  restore(saved: [string, string][]): void
}

/**
 * The tokens `useAuth` keeps for the API at `baseUrl`, to save at a checkpoint and put back at a rollback
 * (see laneWorld, and runWithRetries for a journey put back after it ran). One obtained since the
 * checkpoint came from the state rolled back (its user, its session), which the API no longer has: kept,
 * every request that sent it answered 401.
 */
export function keptTokens(tokens: TokenStore, baseUrl: string): KeptTokens {
  const mine = tokenKey(baseUrl, '')
  return {
    snapshot: () => [...tokens].filter(([stored]) => stored.startsWith(mine)),
    restore: (saved) => {
      for (const stored of [...tokens.keys()]) if (stored.startsWith(mine)) tokens.delete(stored)
      for (const [stored, token] of saved) tokens.set(stored, token)
    },
  }
}

const headerKeys = new WeakMap<Headers, string>()

/**
 * The part of a GET's cache key the request's headers make: all of them, names lowercased and sorted. Keyed
 * on the URL and Authorization alone, two users told apart by a Cookie, an X-API-Key or any other header
 * got each other's cached answer, and so did an Accept or Accept-Language asking for another one. A
 * request without headers of its own sends the client's headers object itself, so the key is kept per
 * object.
 */
function headersKey(headers: Headers): string {
  let key = headerKeys.get(headers)
  if (key === undefined) {
    const pairs = Object.keys(headers).map((name) => [name.toLowerCase(), headers[name]!])
    pairs.sort((a, b) => (a[0]! < b[0]! ? -1 : a[0]! > b[0]! ? 1 : 0))
    key = JSON.stringify(pairs)
    headerKeys.set(headers, key)
  }
  return key
}

/** No base URL is fine for journeys that only use ports or absolute URLs; a relative request says so. */
function checkBaseUrl(baseUrl: string): void {
  // The rule a journey's baseUrl is checked by (http or https, no query or fragment), its value masked.
  const problem = baseUrl ? httpUrlProblem(baseUrl) : undefined
  if (problem) throw new VenomError('E_BASE_URL', `base URL ${problem}`)
}

export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason)
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort)
      resolve()
    }, ms)
    const onAbort = () => {
      clearTimeout(timer)
      reject(signal!.reason)
    }
    signal?.addEventListener('abort', onAbort, { once: true })
  })
}

/** True for what an action may return as "the response" of a step. */
export function isHttpResponseLike(value: unknown): value is { status: number; exchange?: HttpExchange } {
  return typeof value === 'object' && value !== null && typeof (value as { status?: unknown }).status === 'number' && ('exchange' in value || 'ok' in value)
}
