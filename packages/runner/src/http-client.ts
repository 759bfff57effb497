import {
  type HttpClient,
  type HttpExchange,
  type HttpMethod,
  type HttpResponse,
  IDEMPOTENT_METHODS,
  RETRYABLE_STATUSES,
  type RecordedRequest,
  type RecordedResponse,
  type RequestOptions,
  type RetryPolicy,
  TimeoutError,
  TransportError,
  VenomError,
  isSecretKey,
  knownSecrets,
  redactBody,
  redactHeaders,
  redactText,
  redactValue,
  secretsOfBodyText,
  secretsOfHeader,
  secretsOfUrl,
} from '@venomqa/core'
import { Agent, type Dispatcher, request as undiciRequest } from 'undici'
import type { HttpClientOptions } from './types'

const DEFAULT_TIMEOUT = 30_000
const DEFAULT_RETRY: Required<RetryPolicy> = { retries: 2, baseDelayMs: 100, maxDelayMs: 2000, statuses: [...RETRYABLE_STATUSES] }
/** Bodies kept in history are cut here: reports must stay small even when an API answers megabytes. */
const MAX_RECORDED_BODY = 64 * 1024

/** One keep-alive pool, shared by every journey's client in a run. */
export function createDispatcher(connections = 16): Dispatcher {
  return new Agent({ connections, pipelining: 1, keepAliveTimeout: 10_000 })
}

/** Tokens kept across journeys of one run (see HttpClient.useAuth). */
export type TokenStore = Map<string, string>

interface ClientShared {
  options: HttpClientOptions
  dispatcher: Dispatcher
  tokens: TokenStore
  cache: Map<string, CachedResponse>
  history: HttpExchange[]
  headers: Record<string, string>
}

interface CachedResponse {
  status: number
  headers: Record<string, string>
  bodyText: string
  exchange: HttpExchange
}

/**
 * The HTTP client actions get as `http`. One per journey (history, auth and cache belong to the journey);
 * `bind(signal)` gives a view whose requests are aborted with the step, so that an action that outlives
 * its deadline cannot send anything more.
 */
export class UndiciHttpClient implements HttpClient {
  readonly #shared: ClientShared
  readonly #signal?: AbortSignal
  readonly #onExchange?: (e: HttpExchange) => void

  constructor(options: HttpClientOptions, deps: { dispatcher?: Dispatcher; tokens?: TokenStore } = {}, internal?: { shared: ClientShared; signal?: AbortSignal; onExchange?: (e: HttpExchange) => void }) {
    if (internal) {
      this.#shared = internal.shared
      this.#signal = internal.signal
      this.#onExchange = internal.onExchange
      return
    }
    // No base URL is fine for journeys that only use ports or absolute URLs; a relative request says so.
    if (options.baseUrl) {
      let base: URL
      try {
        base = new URL(options.baseUrl)
      } catch {
        throw new VenomError('E_BASE_URL', `base URL "${options.baseUrl}" is not a valid URL (expected e.g. http://localhost:3000)`)
      }
      if (base.protocol !== 'http:' && base.protocol !== 'https:')
        throw new VenomError('E_BASE_URL', `base URL "${options.baseUrl}" must start with http:// or https://`)
    }
    this.#shared = {
      options: { ...options, baseUrl: options.baseUrl.replace(/\/+$/, '') },
      dispatcher: deps.dispatcher ?? createDispatcher(options.connections),
      tokens: deps.tokens ?? new Map(),
      cache: new Map(),
      history: [],
      headers: Object.fromEntries(Object.entries(options.headers ?? {}).map(([k, v]) => [k.toLowerCase(), v])),
    }
    this.#onExchange = options.onExchange
  }

  /** A view of this client whose requests are cancelled by `signal` and reported to `onExchange`. */
  bind(signal: AbortSignal, onExchange?: (e: HttpExchange) => void): UndiciHttpClient {
    return new UndiciHttpClient(this.#shared.options, {}, { shared: this.#shared, signal, onExchange })
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
    this.#shared.headers.authorization = scheme ? `${scheme} ${token}` : token
  }

  clearAuth(): void {
    delete this.#shared.headers.authorization
  }

  setHeader(name: string, value: string | undefined): void {
    if (value === undefined) delete this.#shared.headers[name.toLowerCase()]
    else this.#shared.headers[name.toLowerCase()] = value
  }

  clearCache(): void {
    this.#shared.cache.clear()
  }

  /** The headers every request sends (auth included): part of what a checkpoint saves. */
  snapshotHeaders(): Record<string, string> {
    return { ...this.#shared.headers }
  }

  restoreHeaders(headers: Record<string, string>): void {
    const h = this.#shared.headers
    for (const k of Object.keys(h)) delete h[k]
    Object.assign(h, headers)
    // Cached GETs describe the state that was just left behind.
    this.#shared.cache.clear()
  }

  async useAuth(key: string, obtain: () => Promise<string>, options: { scheme?: string; verify?: (http: HttpClient) => Promise<boolean> } = {}): Promise<string> {
    const known = this.#shared.tokens.get(key)
    if (known !== undefined) {
      this.setAuthToken(known, options.scheme)
      const ok = options.verify ? await options.verify(this).catch(() => false) : true
      if (ok) return known
      this.#shared.tokens.delete(key)
    }
    const token = await obtain()
    if (typeof token !== 'string' || !token) throw new VenomError('E_AUTH', `useAuth("${key}"): obtain() must return a non-empty token string`)
    this.#shared.tokens.set(key, token)
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

  async request(method: HttpMethod, path: string, options: RequestOptions = {}): Promise<HttpResponse> {
    const shared = this.#shared
    if (this.#signal?.aborted) throw abortReason(this.#signal, method, path)
    const url = buildUrl(shared.options.baseUrl, path, options.query)
    const headers: Record<string, string> = { ...shared.headers }
    for (const [k, v] of Object.entries(options.headers ?? {})) {
      if (v === undefined) delete headers[k.toLowerCase()]
      else headers[k.toLowerCase()] = v
    }
    let body: string | Uint8Array | undefined
    if (options.json !== undefined) {
      body = JSON.stringify(options.json)
      headers['content-type'] ??= 'application/json'
    } else if (options.form !== undefined) {
      body = new URLSearchParams(options.form).toString()
      headers['content-type'] ??= 'application/x-www-form-urlencoded'
    } else if (options.body !== undefined) {
      body = options.body
    }
    // What history shows of the body: the text that was sent (redactBody parses JSON text itself).
    const sentBody: string | undefined = body === undefined ? undefined : typeof body === 'string' ? body : `<${body.byteLength} bytes>`
    rememberSecrets(url, headers, sentBody, shared.options.redactKeys)

    const useCache = method === 'GET' && (options.cache ?? shared.options.cacheGets ?? false)
    const cacheKey = useCache ? `${url} ${headers.authorization ?? ''}` : ''
    if (useCache) {
      const hit = shared.cache.get(cacheKey)
      if (hit) {
        const exchange: HttpExchange = { request: hit.exchange.request, response: hit.exchange.response, attempt: 1, fromCache: true, durationMs: 0, startedAt: new Date().toISOString() }
        this.#record(exchange)
        return makeResponse(method, url, hit.status, hit.headers, hit.bodyText, 0, exchange)
      }
    }

    const policy = retryPolicyFor(method, options.retry, shared.options.retry)
    const timeout = options.timeout ?? shared.options.timeout ?? DEFAULT_TIMEOUT
    const maxAttempts = 1 + (policy?.retries ?? 0)
    const explicitTimeout = options.timeout
    for (let attempt = 1; ; attempt++) {
      const started = performance.now()
      const startedAt = new Date().toISOString()
      // Creating AbortSignals is the most expensive part of a request here: make one only when the
      // request has its own timeout or signal; the client-wide timeout uses undici's own timers, and
      // the step's signal is passed through as is.
      let signal = this.#signal
      let controller: AbortController | undefined
      let timer: NodeJS.Timeout | undefined
      let unlink: (() => void) | undefined
      if (explicitTimeout !== undefined || options.signal) {
        controller = new AbortController()
        const c = controller
        const sources = [this.#signal, options.signal].filter((x): x is AbortSignal => !!x)
        const onAbort = function (this: AbortSignal) {
          c.abort(this.reason)
        }
        for (const src of sources) {
          if (src.aborted) c.abort(src.reason)
          else src.addEventListener('abort', onAbort, { once: true })
        }
        unlink = () => sources.forEach((src) => src.removeEventListener('abort', onAbort))
        if (explicitTimeout !== undefined) timer = setTimeout(() => c.abort(new TimeoutError(`${method} ${url}`, explicitTimeout)), explicitTimeout)
        signal = c.signal
      }
      const redactKeys = shared.options.redactKeys
      const recordedRequest = (): RecordedRequest => ({
        method,
        url: redactText(url),
        headers: redactHeaders(headers, { extraKeys: redactKeys }),
        ...(sentBody !== undefined ? { body: parseRedacted(sentBody, headers['content-type'], redactKeys) } : {}),
      })
      try {
        const res = await undiciRequest(url, { method, headers, body, signal, dispatcher: shared.dispatcher, headersTimeout: timeout, bodyTimeout: timeout })
        const bodyText = method === 'HEAD' ? '' : await res.body.text()
        const durationMs = performance.now() - started
        const resHeaders = flattenHeaders(res.headers)
        const status = res.statusCode
        rememberSecrets(undefined, resHeaders, bodyText, shared.options.redactKeys)
        const exchange = lazyExchange({ durationMs, attempt, startedAt }, recordedRequest, () => recordResponse(status, resHeaders, bodyText, redactKeys))
        this.#record(exchange)
        if (policy && attempt < maxAttempts && policy.statuses.includes(res.statusCode)) {
          await backoff(policy, attempt, this.#signal, res.headers['retry-after'])
          continue
        }
        if (useCache && res.statusCode < 400) shared.cache.set(cacheKey, { status: res.statusCode, headers: resHeaders, bodyText, exchange })
        return makeResponse(method, url, res.statusCode, resHeaders, bodyText, durationMs, exchange)
      } catch (err) {
        const durationMs = performance.now() - started
        const failure = classify(err, method, url, { requestSignal: controller?.signal, timeout, stepSignal: this.#signal, userSignal: options.signal })
        this.#record(lazyExchange({ error: failure.message, durationMs, attempt, startedAt }, recordedRequest))
        const retryable = failure instanceof TransportError && failure.kind !== 'aborted'
        if (policy && attempt < maxAttempts && retryable) {
          await backoff(policy, attempt, this.#signal)
          continue
        }
        throw failure
      } finally {
        clearTimeout(timer)
        unlink?.()
      }
    }
  }

  #record(exchange: HttpExchange): void {
    this.#shared.history.push(exchange)
    this.#onExchange?.(exchange)
    this.#shared.options.onExchange?.(exchange)
  }
}

function buildUrl(base: string, path: string, query?: RequestOptions['query']): string {
  const absolute = /^https?:\/\//i.test(path)
  if (!absolute && !base)
    throw new VenomError('E_BASE_URL', `request to "${path}" needs a base URL: set baseUrl in the config, --base-url, or the journey's baseUrl (or use an absolute URL)`)
  let url = absolute ? path : base + (path.startsWith('/') ? path : `/${path}`)
  if (query) {
    const params = new URLSearchParams()
    for (const [k, v] of Object.entries(query)) if (v !== undefined) params.append(k, String(v))
    const qs = params.toString()
    if (qs) url += (url.includes('?') ? '&' : '?') + qs
  }
  return url
}

function retryPolicyFor(method: HttpMethod, perRequest: RequestOptions['retry'], client: RetryPolicy | false | undefined): Required<RetryPolicy> | undefined {
  if (perRequest === false) return undefined
  const idempotent = IDEMPOTENT_METHODS.includes(method)
  // POST and PATCH are not safe to resend: only an explicit opt-in on the request retries them.
  if (!idempotent && !perRequest) return undefined
  if (client === false && !perRequest) return undefined
  const base = { ...DEFAULT_RETRY, ...(client || {}) }
  return typeof perRequest === 'object' ? { ...base, ...perRequest } : base
}

async function backoff(policy: Required<RetryPolicy>, attempt: number, signal?: AbortSignal, retryAfter?: string | string[]): Promise<void> {
  const ceiling = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (attempt - 1))
  let delay = Math.random() * ceiling // full jitter
  const ra = Array.isArray(retryAfter) ? retryAfter[0] : retryAfter
  if (ra && /^\d+$/.test(ra)) delay = Math.min(Number(ra) * 1000, policy.maxDelayMs)
  await sleep(delay, signal)
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

function flattenHeaders(h: Record<string, string | string[] | undefined>): Record<string, string> {
  const out: Record<string, string> = {}
  for (const k in h) {
    const v = h[k]
    if (v !== undefined) out[k] = Array.isArray(v) ? v.join(', ') : v
  }
  return out
}

/**
 * Tell the process which values this message holds in secret places (secret headers, cookies, URL
 * credentials and query parameters, secret body fields), so they are masked wherever they turn up later:
 * an assertion comparing a token under an innocent label, a log line, a plugin's error. Read lazily,
 * like the history, since most messages hold none.
 */
function rememberSecrets(url: string | undefined, headers: Record<string, string>, bodyText: string | undefined, redactKeys?: string[]): void {
  knownSecrets.addLater(() => {
    const found: string[] = url ? secretsOfUrl(url) : []
    for (const [name, value] of Object.entries(headers)) if (isSecretKey(name, { extraKeys: redactKeys })) found.push(...secretsOfHeader(name, value))
    if (bodyText) found.push(...secretsOfBodyText(bodyText, { extraKeys: redactKeys }))
    return found
  })
}

/** The response as history keeps it: headers and body redacted, a JSON body parsed, a huge one cut. */
function recordResponse(status: number, headers: Record<string, string>, bodyText: string, redactKeys?: string[]): RecordedResponse {
  const text = bodyText.length > MAX_RECORDED_BODY ? `${bodyText.slice(0, MAX_RECORDED_BODY)}... [${bodyText.length - MAX_RECORDED_BODY} more characters]` : bodyText
  return {
    status,
    headers: redactHeaders(headers, { extraKeys: redactKeys }),
    ...(text ? { body: text.length === bodyText.length ? parseRedacted(text, headers['content-type'], redactKeys) : redactText(text) } : {}),
  }
}

/** A JSON body as a redacted value, any other text redacted as text. */
function parseRedacted(text: string, contentType: string | undefined, redactKeys?: string[]): unknown {
  if ((contentType ?? '').includes('json')) {
    try {
      return redactValue(JSON.parse(text), { extraKeys: redactKeys })
    } catch {
      /* not JSON after all: keep it as text */
    }
  }
  return redactBody(text, { extraKeys: redactKeys })
}

/**
 * An exchange whose redacted request and response are worked out when first read, then kept. Most runs
 * read few of them (a failed step's, a reporter's), and redacting every one as it happens was most of
 * the client's cost per request. The inputs are strings taken at send time, so nothing the action does
 * later can change what the record says.
 */
function lazyExchange(
  fields: Omit<HttpExchange, 'request' | 'response'>,
  request: () => RecordedRequest,
  response?: () => RecordedResponse,
): HttpExchange {
  const ex = fields as HttpExchange
  let req: RecordedRequest | undefined
  let res: RecordedResponse | undefined
  Object.defineProperty(ex, 'request', { enumerable: true, configurable: true, get: () => (req ??= request()) })
  if (response) Object.defineProperty(ex, 'response', { enumerable: true, configurable: true, get: () => (res ??= response()) })
  return ex
}

function makeResponse(method: string, url: string, status: number, headers: Record<string, string>, bodyText: string, durationMs: number, exchange: HttpExchange): HttpResponse {
  let parsed: unknown
  let parsedOnce = false
  return {
    status,
    ok: status >= 200 && status < 300,
    headers,
    method,
    url,
    durationMs,
    bodyText,
    exchange,
    text: () => bodyText,
    json<T>(): T {
      if (!parsedOnce) {
        try {
          parsed = JSON.parse(bodyText)
        } catch {
          const preview = bodyText.length > 120 ? `${bodyText.slice(0, 120)}...` : bodyText
          throw new VenomError('E_NOT_JSON', `${method} ${url} answered ${status} with a body that is not JSON: ${JSON.stringify(preview)}`)
        }
        parsedOnce = true
      }
      return parsed as T
    },
  }
}

function abortReason(signal: AbortSignal, method: string, url: string): Error {
  const r = signal.reason
  if (r instanceof Error) return r
  return new TransportError('aborted', method, url, 'request aborted')
}

function classify(
  err: unknown,
  method: string,
  url: string,
  s: { requestSignal?: AbortSignal; timeout: number; stepSignal?: AbortSignal; userSignal?: AbortSignal },
): Error {
  // The step's deadline (or the run's interrupt) wins: report that reason, not a generic abort.
  if (s.stepSignal?.aborted) return abortReason(s.stepSignal, method, url)
  if (s.userSignal?.aborted) return new TransportError('aborted', method, url, 'request aborted by its signal')
  if (s.requestSignal?.aborted) return abortReason(s.requestSignal, method, url)
  const e = err as { code?: string; message?: string; cause?: { code?: string; message?: string } }
  const code = e?.code ?? e?.cause?.code ?? ''
  const msg = e?.message ?? String(err)
  if (code === 'ECONNREFUSED') return new TransportError('connection-refused', method, url, `connection refused (${code})`, { cause: err })
  if (code === 'ECONNRESET' || code === 'UND_ERR_SOCKET' || code === 'EPIPE') return new TransportError('connection-reset', method, url, `connection reset: ${msg}`, { cause: err })
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN') return new TransportError('dns', method, url, `host not found (${code})`, { cause: err })
  if (/CERT|SSL|TLS/i.test(code) || /certificate|ssl|tls/i.test(msg)) return new TransportError('tls', method, url, msg, { cause: err })
  if (code === 'UND_ERR_HEADERS_TIMEOUT' || code === 'UND_ERR_BODY_TIMEOUT' || code === 'UND_ERR_CONNECT_TIMEOUT')
    return new TimeoutError(`${method} ${url}`, s.timeout)
  return new TransportError('transport', method, url, `${code ? `${code}: ` : ''}${msg}`, { cause: err })
}

/** True for what an action may return as "the response" of a step. */
export function isHttpResponseLike(value: unknown): value is { status: number; exchange?: HttpExchange } {
  return typeof value === 'object' && value !== null && typeof (value as { status?: unknown }).status === 'number' && ('exchange' in value || 'ok' in value)
}
