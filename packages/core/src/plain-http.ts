import type * as Http from 'node:http'
import type * as Https from 'node:https'
import type * as Zlib from 'node:zlib'
import { lazyBuiltin } from './lazy-builtin'

/**
 * A small HTTP client on Node's own http and https, for the requests VenomQA makes besides a journey's
 * (an OpenAPI document, "does the app answer", a service's admin API). Not the global fetch: that one
 * refuses the fetch standard's "bad ports" (6000, 6665-6669, 10080, 5060, 2049, ...) without connecting,
 * a browser's rule, while a user's own service may run on any port. The runner's client reaches them.
 *
 * What fetch did and callers relied on is kept: redirects followed (bounded, `follow: 0` for none), an
 * Authorization header dropped when a redirect leaves the origin, gzip, deflate and br bodies decoded,
 * a body read as UTF-8 without its byte order mark, the signal aborting the body's read as well, and a
 * failed connection thrown as an Error whose `cause` is the system's error (with its `code`). TLS is
 * Node's, with its root certificates and NODE_EXTRA_CA_CERTS, as fetch's. Each request has a connection
 * of its own: these are few, and none is worth a pool that outlives it.
 */

const http = lazyBuiltin<typeof Http>('node:http')
const https = lazyBuiltin<typeof Https>('node:https')
const zlib = lazyBuiltin<typeof Zlib>('node:zlib')

export interface PlainRequestOptions {
  /** Default GET. */
  method?: string
  headers?: Record<string, string>
  body?: string | Uint8Array
  /** Aborts the request and the reading of its answer: it rejects with the signal's reason, as fetch does. */
  signal?: AbortSignal
  /** How many redirects are followed; 0 returns the redirect itself. Default 20, as fetch. */
  follow?: number
}

export interface PlainResponse {
  status: number
  /** The URL that answered, after the redirects followed. */
  url: string
  headers: Http.IncomingHttpHeaders
  /** Whether the status is 2xx. */
  ok: boolean
  bytes(): Promise<Buffer>
  text(): Promise<string>
  /** Read and thrown away: the connection is done with. */
  discard(): Promise<void>
}

/** A request that got no answer: its `cause` is the system's error (`ECONNREFUSED`, `ENOTFOUND`, ...). */
export class PlainRequestError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options)
    this.name = 'PlainRequestError'
  }
}

const REDIRECTS = new Set([301, 302, 303, 307, 308])
const DEFAULT_FOLLOW = 20

/**
 * One HTTP request to `url` (http or https), its redirects followed. A URL's user:password is not sent:
 * the caller says how to log in, in `headers`.
 */
export async function plainRequest(url: string | URL, options: PlainRequestOptions = {}): Promise<PlainResponse> {
  let at = new URL(url)
  let method = (options.method ?? 'GET').toUpperCase()
  let body = options.body
  let headers = { ...options.headers }
  const follow = options.follow ?? DEFAULT_FOLLOW
  for (let redirects = 0; ; redirects++) {
    const res = await once(at, method, headers, body, options.signal)
    const location = res.headers.location
    if (!REDIRECTS.has(res.statusCode ?? 0) || location === undefined || follow === 0) return response(res, at, options.signal)
    res.resume()
    if (redirects >= follow) throw new PlainRequestError(`more than ${follow} redirects`)
    const next = new URL(location, at)
    if (next.protocol !== 'http:' && next.protocol !== 'https:') throw new PlainRequestError(`a redirect to a ${next.protocol} URL, which is not HTTP`)
    // As fetch: a 303, or a 301 or 302 of a POST, is followed with a GET and no body.
    if (res.statusCode === 303 ? method !== 'HEAD' : (res.statusCode === 301 || res.statusCode === 302) && method === 'POST') {
      method = 'GET'
      body = undefined
      headers = withoutHeaders(headers, ['content-type', 'content-length', 'content-encoding', 'content-language', 'content-location'])
    }
    if (next.origin !== at.origin) headers = withoutHeaders(headers, ['authorization', 'cookie', 'proxy-authorization'])
    at = next
  }
}

function withoutHeaders(headers: Record<string, string>, names: string[]): Record<string, string> {
  return Object.fromEntries(Object.entries(headers).filter(([k]) => !names.includes(k.toLowerCase())))
}

function once(url: URL, method: string, headers: Record<string, string>, body: string | Uint8Array | undefined, signal: AbortSignal | undefined): Promise<Http.IncomingMessage> {
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return Promise.reject(new TypeError(`not an http(s) URL: ${url.protocol}`))
  signal?.throwIfAborted()
  const sent: Record<string, string> = { 'accept-encoding': 'gzip, deflate, br', ...headers }
  if (body !== undefined) sent['content-length'] = String(Buffer.byteLength(body))
  return new Promise((resolve, reject) => {
    const req = (url.protocol === 'https:' ? https() : http()).request({
      protocol: url.protocol,
      // `[::1]` names an address by itself; Node's http takes it without the brackets.
      hostname: url.hostname.replace(/^\[(.*)\]$/, '$1'),
      port: url.port || undefined,
      path: `${url.pathname}${url.search}`,
      method,
      headers: sent,
      // A connection of its own, closed after the answer: nothing pooled stays to keep the process alive,
      // and no kept-alive connection the server has closed meanwhile is tried again.
      agent: false,
    })
    const onAbort = () => {
      req.destroy()
      reject(signal!.reason)
    }
    signal?.addEventListener('abort', onAbort, { once: true })
    req.once('response', (res) => {
      signal?.removeEventListener('abort', onAbort)
      resolve(res)
    })
    req.once('error', (err) => {
      signal?.removeEventListener('abort', onAbort)
      reject(signal?.aborted ? signal.reason : new PlainRequestError(`${method} ${url.origin}: no answer`, { cause: err }))
    })
    req.end(body)
  })
}

function response(res: Http.IncomingMessage, url: URL, signal: AbortSignal | undefined): PlainResponse {
  let read: Promise<Buffer> | undefined
  const bytes = () => (read ??= readBody(res, signal))
  const status = res.statusCode ?? 0
  return {
    status,
    url: url.href,
    headers: res.headers,
    ok: status >= 200 && status < 300,
    bytes,
    text: async () => (await bytes()).toString('utf8').replace(/^\uFEFF/, ''),
    discard: async () => {
      await bytes().catch(() => {})
    },
  }
}

function readBody(res: Http.IncomingMessage, signal: AbortSignal | undefined): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = []
    const encoding = String(res.headers['content-encoding'] ?? '').trim().toLowerCase()
    const z = zlib()
    const decoder =
      encoding === 'gzip' || encoding === 'x-gzip'
        ? z.createGunzip({ finishFlush: z.constants.Z_SYNC_FLUSH })
        : encoding === 'deflate'
          ? z.createInflate({ finishFlush: z.constants.Z_SYNC_FLUSH })
          : encoding === 'br'
            ? z.createBrotliDecompress({ finishFlush: z.constants.BROTLI_OPERATION_FLUSH })
            : undefined
    const stream = decoder ? res.pipe(decoder) : res
    const onAbort = () => {
      res.destroy()
      decoder?.destroy()
      reject(signal!.reason)
    }
    if (signal?.aborted) return onAbort()
    signal?.addEventListener('abort', onAbort, { once: true })
    const fail = (err: Error) => {
      signal?.removeEventListener('abort', onAbort)
      reject(signal?.aborted ? signal.reason : new PlainRequestError(`reading the answer of ${url(res)} failed`, { cause: err }))
    }
    res.once('error', fail)
    if (decoder) decoder.once('error', fail)
    stream.on('data', (chunk: Buffer) => chunks.push(chunk))
    stream.once('end', () => {
      signal?.removeEventListener('abort', onAbort)
      resolve(Buffer.concat(chunks))
    })
  })
}

function url(res: Http.IncomingMessage): string {
  const req = (res as { req?: { host?: string; path?: string } }).req
  return req?.host ? `${req.host}` : 'the server'
}
