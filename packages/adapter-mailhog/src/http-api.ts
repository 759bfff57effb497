import { type ErrorKind, KnownSecrets, TransportError, VenomError, answerExcerpt, errorMessage, knownSecrets, redactWholeUrl } from '@venomqa/core'
import type { Agent } from 'undici'
import { lazyRequire } from './lazy-require'
import type { BasicAuth, TlsOptions } from './types'

const undici = lazyRequire<typeof import('undici')>('undici')

/**
 * A mail server's API answered with an unexpected status. The message says the status, the one expected
 * (`expected`, default 200) and how the answer starts, never the whole of it.
 */
export class MailApiError extends VenomError {
  readonly status: number
  readonly method: string
  readonly url: string
  constructor(method: string, url: string, status: number, body: string, expected: readonly number[] = [200]) {
    const hint = status === 401 ? ' (the server wants basic auth: give `auth` or user:password in the URL)' : ''
    const start = body.trim() ? `; its answer starts ${answerExcerpt(body)}` : ''
    super('E_MAIL_API', `${method} ${url} answered ${status}, expected ${expected.join(' or ')}${hint}${start}`)
    this.status = status
    this.method = method
    this.url = url
  }
}

/**
 * Where the user wrote the URL an error blames (`plugins[0].url`), recorded on the error: a state backend
 * that wraps it names the place first, as a schema error would.
 */
const urlPlaces = new WeakMap<Error, string>()

/** The option an error of this API blames (see HttpApi's `urlWhere`), or undefined. */
export function urlPlaceOf(err: unknown): string | undefined {
  return err instanceof Error ? urlPlaces.get(err) : undefined
}

/** Put `where` before the message of an error that the URL itself explains, and record it. */
function blameUrl<E extends Error>(err: E, where: string | undefined): E {
  if (where === undefined) return err
  err.message = `${where}: ${err.message}`
  urlPlaces.set(err, where)
  return err
}

/**
 * The issue's advice for a mail API that could not be reached, about the mail server and the option of its
 * URL (`plugins[1].url`): the kind's own (see suggestionFor) is about the base URL ("start the API, or fix
 * baseUrl / --base-url"), which is not what failed. Read by suggestionForError.
 */
function withSuggestion(err: TransportError, where: string | undefined): TransportError {
  const api = where ? `${where} (the mail server's API)` : "the mail server's API URL"
  const option = where ?? 'its url'
  const suggestion =
    err.kind === 'connection-refused'
      ? `Nothing is listening at ${api}: start the mail server (or \`venomqa mail-catcher\`), or fix ${option}.`
      : err.kind === 'dns'
        ? `The host of ${api} does not resolve: fix ${option}.`
        : err.kind === 'timeout'
          ? `The mail server's API did not answer in time: check that it is up and not overloaded, or raise the plugin's requestTimeoutMs.`
          : undefined
  if (suggestion) Object.defineProperty(err, 'suggestion', { value: suggestion, enumerable: false })
  return err
}

/** Transport failures that say the URL leads nowhere (no such host, nothing listening), not that the server is slow. */
export function leadsNowhere(kind: ErrorKind): boolean {
  return kind === 'connection-refused' || kind === 'dns'
}

export interface ApiResponse {
  status: number
  bytes: Buffer
  text: string
  json<T>(): T
}

/**
 * A small JSON client for one mail server's API over undici: its own connection pool (closed by `close`,
 * so no socket outlives the run), TLS settings for https, basic auth from options or the URL.
 */
export class HttpApi {
  readonly baseUrl: string
  readonly #authHeader?: string
  readonly #secrets = new KnownSecrets()
  readonly #agent: Agent
  readonly #timeout: number
  /** Where the user wrote the URL (`plugins[0].url`), named in errors the URL explains. */
  readonly #urlWhere?: string

  constructor(url: string, options: { tls?: TlsOptions; auth?: BasicAuth; timeoutMs?: number; urlWhere?: string } = {}) {
    const u = new URL(url)
    let auth = options.auth
    if (!auth && (u.username || u.password))
      auth = { username: decodeURIComponent(u.username), password: decodeURIComponent(u.password) }
    u.username = ''
    u.password = ''
    this.baseUrl = u.toString().replace(/\/+$/, '')
    if (auth) {
      const pair = `${auth.username}:${auth.password}`
      this.#authHeader = `Basic ${Buffer.from(pair).toString('base64')}`
      // A gateway that turns the login away may quote it back (`unknown user al:pw`, the header itself):
      // masked in every answer an error quotes, and in the run's output (the base64 is in no option).
      const forms = auth.password ? [auth.password, pair, this.#authHeader.slice(6), encodeURIComponent(auth.password), encodeURIComponent(pair)] : []
      this.#secrets.add(forms)
      knownSecrets.add(forms)
    }
    this.#timeout = options.timeoutMs ?? 10_000
    this.#urlWhere = options.urlWhere
    const { Agent } = undici()
    this.#agent = new Agent({
      connect: { ca: options.tls?.ca, rejectUnauthorized: options.tls?.rejectUnauthorized ?? true },
      keepAliveTimeout: 2_000,
    })
  }

  /**
   * One request. `oneMessage`: the path names a single message, so a 404 there says the message is gone,
   * not that the URL misses the API, as a 404 on a listing does.
   */
  async call(
    method: string,
    path: string,
    options: { query?: Record<string, string | number | undefined>; json?: unknown; ok?: number[]; oneMessage?: boolean } = {},
  ): Promise<ApiResponse> {
    const url = new URL(this.baseUrl + path)
    for (const [k, v] of Object.entries(options.query ?? {})) if (v !== undefined) url.searchParams.set(k, String(v))
    const headers: Record<string, string> = { accept: 'application/json' }
    if (this.#authHeader) headers.authorization = this.#authHeader
    let body: string | undefined
    if (options.json !== undefined) {
      headers['content-type'] = 'application/json'
      body = JSON.stringify(options.json)
    }
    const shown = redactWholeUrl(url.toString())
    let status: number
    let bytes: Buffer
    let type: string | undefined
    try {
      const res = await undici().request(url, {
        method: method as 'GET',
        headers,
        body,
        dispatcher: this.#agent,
        headersTimeout: this.#timeout,
        bodyTimeout: this.#timeout,
        signal: AbortSignal.timeout(this.#timeout),
      })
      status = res.statusCode
      type = mediaType(res.headers['content-type'])
      bytes = Buffer.from(await res.body.arrayBuffer())
    } catch (err) {
      const kind = transportKind(err)
      const failure = withSuggestion(new TransportError(kind, method, shown, this.#secrets.mask(describeTransportError(err)), { cause: err }), this.#urlWhere)
      throw leadsNowhere(kind) ? blameUrl(failure, this.#urlWhere) : failure
    }
    const text = bytes.toString('utf8')
    const ok = options.ok ?? [200]
    if (!ok.includes(status)) {
      const refused = new MailApiError(method, shown, status, this.#secrets.mask(text), ok)
      throw status === 404 && !options.oneMessage ? blameUrl(refused, this.#urlWhere) : refused
    }
    const urlWhere = this.#urlWhere
    const secrets = this.#secrets
    return {
      status,
      bytes,
      text,
      json<T>() {
        try {
          return JSON.parse(text) as T
        } catch {
          // A mail API answers JSON: anything else is another server, or another path on it.
          throw blameUrl(new VenomError('E_MAIL_API', notJson(`${method} ${shown}`, status, type, secrets.mask(text))), urlWhere)
        }
      },
    }
  }

  /** GET and read the JSON answer; `oneMessage` as in `call`. */
  async getJson<T>(path: string, query?: Record<string, string | number | undefined>, options: { oneMessage?: boolean } = {}): Promise<T> {
    return (await this.call('GET', path, { query, oneMessage: options.oneMessage })).json<T>()
  }

  /**
   * Close the pool, ending any request still in flight. Those are looks a wait gave up on (waitForEmail
   * leaves them to end by themselves): a graceful close waited for each until its request timeout, so a
   * mail server that stopped answering held the run's end 10 s more.
   */
  async close(): Promise<void> {
    await this.#agent.destroy()
  }
}

/** `text/html` of `text/html; charset=utf-8`; undefined when the server gave no type. */
function mediaType(header: string | string[] | undefined): string | undefined {
  const value = Array.isArray(header) ? header[0] : header
  return value?.split(';')[0]?.trim() || undefined
}

/** An answer that is no JSON: its status and type, what was expected, and how it starts. */
function notJson(request: string, status: number, type: string | undefined, text: string): string {
  const start = text.trim() ? `; its answer starts ${answerExcerpt(text)}` : '; its answer was empty'
  return `${request} answered ${status} with ${type ?? 'no content type'}, expected JSON from the mail server's API${start}`
}

/** An error's code, when it is a string: an abort's DOMException has a number (23), which is no code of ours. */
function codeOf(err: unknown): string {
  const e = err as { code?: unknown; cause?: { code?: unknown } }
  for (const code of [e?.code, e?.cause?.code]) if (typeof code === 'string') return code
  return ''
}

const TLS_CODES = /^(ERR_TLS|ERR_SSL|CERT_|DEPTH_ZERO|SELF_SIGNED|UNABLE_TO_(GET|VERIFY)|HOSTNAME_MISMATCH)/

export function transportKind(err: unknown): ErrorKind {
  const code = codeOf(err)
  const name = (err as Error)?.name
  if (code === 'ECONNREFUSED') return 'connection-refused'
  if (code === 'ECONNRESET' || code === 'UND_ERR_SOCKET' || code === 'EPIPE') return 'connection-reset'
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN') return 'dns'
  if (TLS_CODES.test(code) || /certificate|ssl|tls/i.test(errorMessage(err))) return 'tls'
  if (code.includes('TIMEOUT') || name === 'TimeoutError') return 'timeout'
  if (name === 'AbortError') return 'aborted'
  return 'transport'
}

function describeTransportError(err: unknown): string {
  const code = codeOf(err)
  const message = errorMessage(err)
  const kind = transportKind(err)
  const hint =
    kind === 'tls'
      ? ' (for a self-signed certificate give tls.ca, or tls.rejectUnauthorized: false for a test instance you trust)'
      : kind === 'connection-refused'
        ? // The catcher VenomQA brings is the quickest mail server to start: named, as the user may not know of it.
          ' (is the mail server running? `npx venomqa mail-catcher` starts one on this machine)'
        : ''
  return `${code && !message.includes(code) ? `${code}: ` : ''}${message}${hint}`
}
