/** The HTTP client an action receives as `http`. The runner implements it on undici. */

export type HttpMethod = 'GET' | 'HEAD' | 'OPTIONS' | 'POST' | 'PUT' | 'PATCH' | 'DELETE'

export interface RetryPolicy {
  /** Attempts after the first. Default 2 for idempotent methods. */
  retries?: number
  /** First backoff in ms; doubles each attempt, with full jitter. Default 100. */
  baseDelayMs?: number
  /** Backoff ceiling in ms. Default 2000. */
  maxDelayMs?: number
  /** Statuses that are retried. Default 502, 503, 504. */
  statuses?: number[]
}

export interface RequestOptions {
  headers?: Record<string, string | undefined>
  query?: Record<string, string | number | boolean | undefined>
  /** Sent as JSON with content-type application/json. */
  json?: unknown
  /** Sent as application/x-www-form-urlencoded. */
  form?: Record<string, string>
  /** Sent as is. */
  body?: string | Uint8Array
  /** Per-request timeout in ms; the request is aborted at the deadline. */
  timeout?: number
  signal?: AbortSignal
  /**
   * Retry on transport errors and 502/503/504. Idempotent methods retry by default;
   * POST and PATCH only when this is set. `false` turns retries off.
   */
  retry?: boolean | RetryPolicy
  /** Use the GET response cache for this request (when the client has caching on, or force it here). */
  cache?: boolean
}

export interface RecordedRequest {
  method: string
  url: string
  headers: Record<string, string>
  body?: unknown
}

export interface RecordedResponse {
  status: number
  headers: Record<string, string>
  body?: unknown
}

/** One request and what came back, as kept in history and reports (secrets redacted). */
export interface HttpExchange {
  request: RecordedRequest
  response?: RecordedResponse
  error?: string
  /** The deadline a request that got no answer in time ran into, ms: its own timeout, the client's, or its step's. */
  timeoutMs?: number
  durationMs: number
  attempt: number
  startedAt: string
  fromCache?: boolean
}

export interface HttpResponse {
  readonly status: number
  readonly ok: boolean
  /** Lower-case names; a header sent more than once is joined with `, `. */
  readonly headers: Record<string, string>
  /**
   * Each `Set-Cookie` header as the server sent it, in order (none: empty). `headers['set-cookie']` joins
   * them with `, `, which a cookie's `Expires=Wed, 21 Oct 2026 ...` makes impossible to split again.
   */
  readonly setCookies: readonly string[]
  readonly method: string
  readonly url: string
  readonly durationMs: number
  /** The raw body, read once. */
  readonly bodyText: string
  text(): string
  /**
   * The body's bytes: as received for a binary media type (image/*, audio/*, video/*, font/*,
   * application/octet-stream, application/pdf, archives, protobuf...; decompressed), else its text in UTF-8.
   */
  bytes(): Uint8Array
  /** The body parsed as JSON; a clear error if it is not JSON. */
  json<T = any>(): T
  readonly exchange: HttpExchange
}

export interface HttpClient {
  readonly baseUrl: string
  request(method: HttpMethod, path: string, options?: RequestOptions): Promise<HttpResponse>
  get(path: string, options?: RequestOptions): Promise<HttpResponse>
  head(path: string, options?: RequestOptions): Promise<HttpResponse>
  options(path: string, options?: RequestOptions): Promise<HttpResponse>
  post(path: string, options?: RequestOptions): Promise<HttpResponse>
  put(path: string, options?: RequestOptions): Promise<HttpResponse>
  patch(path: string, options?: RequestOptions): Promise<HttpResponse>
  delete(path: string, options?: RequestOptions): Promise<HttpResponse>
  /** Send `Authorization: <scheme> <token>` on every later request. */
  setAuthToken(token: string, scheme?: string): void
  clearAuth(): void
  setHeader(name: string, value: string | undefined): void
  /**
   * Reuse one auth token across steps and journeys of a run: the first call runs `obtain` (e.g. a login
   * request) and keeps the token under `key`; later calls reuse it, after `verify` if given (a false or
   * a throw means: obtain a fresh one). Sets the Authorization header either way and returns the token.
   */
  useAuth(
    key: string,
    obtain: () => Promise<string>,
    options?: { scheme?: string; verify?: (http: HttpClient) => Promise<boolean> },
  ): Promise<string>
  /** Exchanges so far in this journey, secrets redacted. */
  readonly history: readonly HttpExchange[]
  lastExchange(): HttpExchange | undefined
  /** Drop every cached GET response. */
  clearCache(): void
}

/** Status codes whose requests are safe to retry for an idempotent method. */
export const RETRYABLE_STATUSES: readonly number[] = [502, 503, 504]
export const IDEMPOTENT_METHODS: readonly HttpMethod[] = ['GET', 'HEAD', 'OPTIONS', 'PUT', 'DELETE']

/**
 * A recorded body as it went over the wire: text as it is, a parsed JSON body serialised again. A JSON
 * `null` was a body too (`json: null` sends `null`); no body at all is undefined.
 */
export function wireBody(body: unknown): string | undefined {
  if (body === undefined) return undefined
  if (typeof body === 'string') return body
  try {
    return JSON.stringify(body) ?? String(body)
  } catch {
    return String(body)
  }
}
