import type { CutSignal } from './detached'
import type * as Http from 'node:http'
import type * as Https from 'node:https'
import { IDEMPOTENT_METHODS, windows1252Text, lazyBuiltin } from '@venomqa/core'
import { ConnectionPool, type ConnectionUser, type HandConnection } from './connection-pool'
import type { Deadline } from './deadlines'
import type * as Zlib from 'node:zlib'

/**
 * The runner's HTTP transport: Node's own http and https modules, a keep-alive pool per run.
 *
 * Why not undici: a test run is short, and what it pays is the cold cost. undici parses HTTP with llhttp
 * compiled to WebAssembly, compiled at the first request and optimised by V8 on a background thread a few
 * requests later; its request path is also more JavaScript, all of it interpreted until it is hot. Node's
 * http runs the same llhttp compiled into Node, and its modules come from Node's code cache. Measured whole
 * process, 1,500 dependent requests to a local server on a two-core machine, in one interleaved run: a plain
 * undici loop 0.82 s and 1.03 s of CPU, the same loop on node:http 0.55 s and 0.59 s; per added request once
 * both are hot, 0.16 and 0.13 ms (bench/runner-overhead, its two `raw` lines).
 */

/**
 * Node's http and https, loaded at the first request: the commands that read results and send nothing
 * (`venomqa report`, `merge-reports`, `list`) take the runner for its reporters, and https (tls, crypto)
 * alone costs about 4 ms to load.
 */
const http = lazyBuiltin<typeof Http>('node:http')
const httpsModule = lazyBuiltin<typeof Https>('node:https')
/** zlib, loaded at the first compressed body: most test APIs send none, and loading it costs more than a request. */
const zlib = lazyBuiltin<typeof Zlib>('node:zlib')

/**
 * On the error of a request that was sent again after a kept-alive connection closed under it (see
 * Exchange#failed), and failed again: that first failure. The classifier tells both.
 */
export const CLOSED_UNDER = Symbol('venomqa.closedUnder')

let sharedPool: ConnectionPool | undefined

/** The pool of requests sent with none of their own (a state backend's control calls): its connections never keep the process alive. */
function defaultPool(): ConnectionPool {
  return (sharedPool ??= new ConnectionPool())
}

/** What the runner sends. */
export interface RequestOptions {
  /**
   * Sent upper-cased: `get` goes out as `GET`. Methods are case-sensitive in HTTP, but Node's http
   * upper-cases every method it sends and can send no other, so the transport does it itself, once, and
   * judges the request by the method the server gets (an idempotent one is sent again, see Exchange#failed).
   */
  method: string
  headers?: Record<string, string>
  body?: string | Uint8Array
  /**
   * Aborts the request, before or after its headers came: it rejects with the signal's reason. An
   * AbortSignal, or a step's CutSignal (see StepStop).
   */
  signal?: AbortSignal | CutSignal
  /**
   * A deadline for the whole request, ms from the call: connecting, waiting for the answer, reading its
   * body. Past it the connection is cut and the request rejects with a DeadlineExceeded (in a
   * FailedAfterHeaders once the answer's headers came). Kept by the pool's one timer (see Deadlines).
   */
  deadlineMs?: number
  /** The shared default pool when not given. */
  pool?: ConnectionPool
}

/** A response read to its end. */
export interface TextResponse {
  statusCode: number
  /** Lower-case names; a repeated header is an array. */
  headers: Record<string, string | string[]>
  /**
   * The body as text: decompressed as its Content-Encoding says (gzip, x-gzip, deflate, br), then decoded
   * with the content type's charset (UTF-8 when it names none or one no decoder knows), a leading
   * byte-order mark dropped.
   */
  bodyText: string
  /**
   * A binary body's bytes, decompressed (see isBinaryType): its text is not what was sent. Copied, as a
   * chunk may be a view of a larger buffer that would otherwise be kept as long as the run keeps this.
   */
  bodyBytes?: Uint8Array
}

/** A URL the transport cannot send to; `code` tells the classifier it is the step's mistake. */
export class InvalidRequestError extends Error {
  readonly code = INVALID_REQUEST
  constructor(message: string) {
    super(message)
    this.name = 'InvalidRequestError'
  }
}

export const INVALID_REQUEST = 'VENOM_INVALID_REQUEST'

/**
 * Send a request and read its whole body as text. A URL that is not http(s) throws at once; aborts,
 * timeouts and connection failures reject.
 */
export function request(url: string, o: RequestOptions): Promise<TextResponse> {
  let target: URL
  try {
    target = new URL(url)
  } catch {
    throw new InvalidRequestError(`invalid URL: ${url}`)
  }
  if (target.protocol !== 'http:' && target.protocol !== 'https:') throw new InvalidRequestError(`only http: and https: URLs can be sent, got ${target.protocol}`)
  const pool = o.pool ?? defaultPool()
  return new Promise<TextResponse>((resolve, reject) => new Exchange(target, o, pool, resolve, reject).start())
}

/**
 * Set on a connection once an answer came on it: a request that fails on it before its own answer met a
 * kept-alive connection, whether the pool took it from its idle ones or handed it straight to a request
 * waiting for it (an origin at its count) as the request before ended.
 */
const ANSWERED = Symbol('an answer came on this connection')

/** One request and its answer, settled once: with the whole body, or with the first failure. */
class Exchange implements ConnectionUser {
  #req?: Http.ClientRequest
  #settled = false
  /** Why the request was aborted, once its signal fired. */
  #reason?: Error
  #stopListening?: () => void
  #statusCode = 0
  #headers: Record<string, string | string[]> = {}
  readonly #chunks: Buffer[] = []
  #length = 0
  #deadline?: Deadline
  /** The failure of the kept-alive connection this request was first sent on, when it was sent again (see #failed). */
  #closedUnder?: Error
  /** The method as it goes out: upper-cased (see RequestOptions.method). */
  readonly #method: string

  constructor(
    private readonly target: URL,
    private readonly o: RequestOptions,
    private readonly pool: ConnectionPool,
    private readonly resolve: (response: TextResponse) => void,
    private readonly reject: (error: Error) => void,
  ) {
    this.#method = o.method.toUpperCase()
  }

  start(): void {
    const { o } = this
    this.pool.sent()
    const signal = o.signal
    if (signal && (signal as AbortSignal).aborted) return this.#fail((this.#reason = abortReason(signal)))
    if (o.deadlineMs !== undefined) {
      const ms = o.deadlineMs
      this.#deadline = this.pool.deadlines.add(ms, () => this.#fail(new DeadlineExceeded(ms)))
    }
    if (signal)
      this.#stopListening = onAbort(signal, () => {
        this.#reason = abortReason(signal)
        this.#fail(this.#reason)
      })
    this.#send()
  }

  /** Send the request on a connection of the pool: again when a kept-alive one turned out closed (see #failed). */
  #send(underWay = false): void {
    const { o, target } = this
    const https = target.protocol === 'https:'
    let req: Http.ClientRequest
    try {
      this.pool.assertOpen(underWay)
      req = (https ? httpsModule() : http()).request({
        protocol: target.protocol,
        hostname: target.hostname.startsWith('[') ? target.hostname.slice(1, -1) : target.hostname,
        port: target.port,
        // What the Host header leaves out: Node takes 80 without an agent, and would write `host:443`.
        defaultPort: https ? 443 : 80,
        path: `${target.pathname}${target.search}`,
        method: this.#method,
        headers: headersToSend(o.headers, o.body),
        createConnection: (_options: unknown, hand: HandConnection) => this.pool.connection(target, this, hand, https ? hostHeaderOf(o.headers) : undefined, underWay),
      } as Http.RequestOptions)
    } catch (err) {
      // Node refuses what cannot be sent (a header value with a line break, a method with a space) here,
      // naming the header, not its value; so does headersToSend.
      return this.#fail(err as Error)
    }
    this.#req = req
    req.on('error', (err) => this.#failed(req, err))
    req.on('response', (res) => this.#receive(res))
    // Node destroys the socket of a 101 Switching Protocols no one takes, and tells the request nothing:
    // it would wait forever. A step cannot follow a protocol switch.
    req.on('upgrade', (_res, socket) => {
      socket.destroy()
      this.#fail(Object.assign(new Error('the server answered 101 Switching Protocols, which an HTTP request cannot follow'), { code: 'VENOM_UNEXPECTED_UPGRADE' }))
    })
    try {
      req.end(o.body)
    } catch (err) {
      this.#fail(err as Error)
    }
  }

  /** Whether it settled: the pool hands no connection to a request that failed while it waited for one. */
  get settled(): boolean {
    return this.#settled
  }

  /** The pool was destroyed while this waited for a connection. */
  cutWaiting(error: Error): void {
    this.#fail(error)
  }

  /**
   * A request's connection failed. On a kept-alive connection, before any answer, that is most often the
   * server closing it as the request went out (its idle timeout, a restart, a crash between two requests),
   * a race no client can see coming: an idempotent request is sent again on another connection, as HTTP
   * allows (RFC 9112 9.3.1) and browsers do, so that it does not fail a step the API never saw. A request
   * that is not idempotent may have been acted on: it fails, saying where. Each failure destroys its
   * connection, and a failure on a new one is final, so this ends within the pool's size. A request is
   * sent again while close() waits for it (it is still under way), never once destroy() cut it: that
   * failure is the pool's own, and it keeps Node's words.
   */
  #failed(req: Http.ClientRequest, err: Error): void {
    if (this.#settled || req !== this.#req) return
    const code = (err as { code?: string }).code
    if (this.#statusCode === 0 && (req.socket as { [ANSWERED]?: true } | null)?.[ANSWERED] && !this.pool.destroyed && (code === 'ECONNRESET' || code === 'EPIPE')) {
      if ((IDEMPOTENT_METHODS as readonly string[]).includes(this.#method)) {
        this.#closedUnder = err
        return this.#send(true)
      }
      err.message += `, on a kept-alive connection the server closed as the request went out (a ${this.#method} is not sent again on its own: the server may have acted on it)`
    }
    this.#fail(err)
  }

  #receive(res: Http.IncomingMessage): void {
    ;(res.socket as { [ANSWERED]?: true })[ANSWERED] = true
    this.#statusCode = res.statusCode ?? 0
    this.#headers = parseHeaders(res.rawHeaders)
    const keepAlive = this.#headers['keep-alive']
    if (typeof keepAlive === 'string') this.pool.heedKeepAlive(res.socket, keepAlive)
    res.on('data', (chunk: Buffer) => {
      this.#chunks.push(chunk)
      this.#length += chunk.length
    })
    res.on('end', () => this.#complete())
    res.on('error', (err) => this.#fail(err))
    // Closed before its end without an error event (the server cut the connection mid-body).
    res.on('close', () => {
      if (!res.complete) this.#fail(Object.assign(new Error('the connection closed before the whole body came'), { code: 'ECONNRESET' }))
    })
  }

  #complete(): void {
    if (this.#settled) return
    this.#settled = true
    this.#cleanUp()
    this.resolve({ statusCode: this.#statusCode, headers: this.#headers, ...readBody(this.#chunks, this.#length, this.#headers) })
  }

  #fail(error: Error): void {
    if (this.#settled) return
    this.#settled = true
    this.#cleanUp()
    // Sent again and failed again: the first failure is told too, as the request may be what made the
    // server go (a crash on it reads as "refused" on the next connection).
    if (this.#closedUnder && error !== this.#reason) (error as Error & { [CLOSED_UNDER]?: Error })[CLOSED_UNDER] = this.#closedUnder
    // The connection is cut: what comes after this on it is no one's.
    this.#req?.destroy()
    // An abort keeps its reason as it is: the signal says why, whenever it came.
    this.reject(this.#statusCode >= 200 && error !== this.#reason ? new FailedAfterHeaders(this.#statusCode, error) : error)
  }

  #cleanUp(): void {
    this.#stopListening?.()
    if (this.#deadline) this.pool.deadlines.clear(this.#deadline)
    this.pool.settled()
  }
}

/** Request headers Node would send as written, where they would break the exchange (undici refused them too). */
const REFUSED_HEADERS = new Set(['transfer-encoding', 'keep-alive', 'upgrade', 'expect'])

/**
 * The headers as sent, or an InvalidRequestError for what cannot be: a hop-by-hop header the transport
 * manages itself, a `Content-Length` that is not the body's length (too long, the request would wait for
 * bytes that never come; too short, the rest would be read as the next request). A body always goes with
 * its length: Node frames one by default only for methods that usually have one, and a GET or DELETE with
 * a body would otherwise be sent with no length, its body read by the server as the next request. The
 * connection is asked to be kept alive unless the step asked for `close`: without an agent, Node would ask
 * the server to close it after every request.
 */
function headersToSend(headers: Record<string, string> | undefined, body: string | Uint8Array | undefined): Record<string, string> {
  let declaredLength: string | undefined
  let connection = false
  for (const name in headers) {
    const lower = name.toLowerCase()
    if (lower === 'content-length') declaredLength = headers[name]
    else if (REFUSED_HEADERS.has(lower)) throw new InvalidRequestError(`invalid ${lower} header: the transport manages the connection itself`)
    else if (lower === 'connection') {
      if (!/^\s*(?:keep-alive|close)\s*$/i.test(headers[name]!)) throw new InvalidRequestError('invalid connection header: only keep-alive and close can be asked for')
      connection = true
    }
  }
  const out: Record<string, string> = connection ? { ...headers } : { ...headers, Connection: 'keep-alive' }
  if (body === undefined) return out
  const length = typeof body === 'string' ? Buffer.byteLength(body) : body.byteLength
  if (declaredLength === undefined) out['content-length'] = String(length)
  else if (declaredLength.trim() !== String(length)) throw new InvalidRequestError(`content-length header says ${declaredLength.trim()} bytes, the body has ${length}`)
  return out
}

/** The request's own Host header, if it sets one (over https it names the server, see ConnectionPool#connection). */
function hostHeaderOf(headers: Record<string, string> | undefined): string | undefined {
  for (const name in headers) if (name.length === 4 && name.toLowerCase() === 'host') return String(headers[name])
  return undefined
}

/** Listen for a signal's abort, once; returns what stops listening. */
function onAbort(signal: AbortSignal | CutSignal, listener: () => void): () => void {
  if ('whenCut' in signal) return signal.whenCut(listener)
  signal.addEventListener('abort', listener, { once: true })
  return () => signal.removeEventListener('abort', listener)
}

/**
 * Response headers from Node's raw list: names lower-cased, a repeated header an array, each value as
 * Node read it (a byte a character, Latin-1, as HTTP defines header bytes).
 */
export function parseHeaders(raw: readonly string[]): Record<string, string | string[]> {
  const headers: Record<string, string | string[]> = {}
  for (let i = 0; i < raw.length; i += 2) {
    const name = raw[i]!.toLowerCase()
    const value = raw[i + 1]!
    const had = headers[name]
    if (had === undefined) headers[name] = value
    else if (typeof had === 'string') headers[name] = [had, value]
    else had.push(value)
  }
  return headers
}

/**
 * What `request` rejects with when the connection failed after the answer's final headers came (the
 * server closed it mid-body, or the body timed out): the API did answer, with this status, so the error
 * must not read as if the request never got there. `code` is the cause's, for the classifier.
 */
export class FailedAfterHeaders extends Error {
  readonly code?: string
  constructor(
    readonly statusCode: number,
    readonly error: Error,
  ) {
    super(error.message, { cause: error })
    this.name = 'FailedAfterHeaders'
    this.code = (error as { code?: string }).code
  }
}

/** What a request's own deadline (`deadlineMs`) cuts it with; `code` tells the classifier. */
export class DeadlineExceeded extends Error {
  readonly code = DEADLINE_EXCEEDED
  constructor(readonly timeoutMs: number) {
    super(`request deadline of ${timeoutMs} ms exceeded`)
    this.name = 'DeadlineExceeded'
  }
}

export const DEADLINE_EXCEEDED = 'VENOM_DEADLINE_EXCEEDED'

function abortReason(signal: AbortSignal | CutSignal): Error {
  return ((signal as AbortSignal).reason as Error | undefined) ?? new RequestAbortedError()
}

/** An abort whose signal gave no reason. */
export class RequestAbortedError extends Error {
  readonly code = 'VENOM_REQUEST_ABORTED'
  constructor() {
    super('Request aborted')
    this.name = 'RequestAbortedError'
  }
}

/**
 * The body as the response describes it. The bytes are first undone of their Content-Encoding (a server
 * may compress whatever the request's Accept-Encoding said, and a user who sends one gets it), then
 * decoded with the declared charset: reading every body as UTF-8 turned `café` in ISO-8859-1 into
 * `caf\ufffd` and gzip into garbage that `json()` refused. UTF-8, by far the most common, stays on the
 * fast path (Buffer#toString).
 */
function readBody(chunks: Buffer[], length: number, headers: Record<string, string | string[]>): { bodyText: string; bodyBytes?: Uint8Array } {
  if (length === 0) return { bodyText: '' }
  let buffer = chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, length)
  const encoding = headers['content-encoding']
  if (encoding !== undefined) buffer = decompress(buffer, Array.isArray(encoding) ? encoding.join(',') : encoding)
  const type = headers['content-type']
  // Its text too, as before: a step that reads an image with text() gets what it always got.
  if (isBinaryType(type)) return { bodyText: buffer.toString('utf8'), bodyBytes: new Uint8Array(buffer) }
  const decode = charsetDecoder(type)
  if (decode) return { bodyText: decode(buffer) }
  const bom = buffer.length > 2 && buffer[0] === 0xef && buffer[1] === 0xbb && buffer[2] === 0xbf
  return { bodyText: buffer.toString('utf8', bom ? 3 : 0) }
}

/**
 * Media types whose bodies are bytes, not text: images (but SVG), sound, video, fonts, archives, PDF,
 * octet streams, binary serialisations. A type that names a charset is text whatever it is. Any other,
 * and a body without a type, is read as text, as every body was.
 */
const BINARY_TYPE =
  /^\s*(?:(?:image\/(?!svg)|audio\/|video\/|font\/)[^;]*|application\/(?:octet-stream|pdf|zip|gzip|x-gzip|x-tar|x-bzip2|x-7z-compressed|x-rar-compressed|vnd\.rar|wasm|protobuf|x-protobuf|vnd\.google\.protobuf|grpc|msgpack|x-msgpack|cbor|vnd\.ms-excel|vnd\.openxmlformats-[^;]*|vnd\.oasis\.opendocument\.[^;]*|java-archive|x-sqlite3))\s*(?:;|$)/i

export function isBinaryType(contentType: string | string[] | undefined): boolean {
  const type = Array.isArray(contentType) ? contentType[0] : contentType
  return type !== undefined && BINARY_TYPE.test(type) && !/;\s*charset=/i.test(type)
}

/**
 * Undo the codings in the order opposite to the one they were applied in (`gzip, br` is gzip, then br).
 * A coding this client cannot undo (compress, zstd), or bytes that do not decompress, leave the body as it
 * came: the step sees what the server sent rather than a crash inside the client.
 */
function decompress(buffer: Buffer, contentEncoding: string): Buffer {
  const codings = contentEncoding.toLowerCase().split(',')
  let out = buffer
  for (let i = codings.length - 1; i >= 0; i--) {
    const coding = codings[i]!.trim()
    try {
      if (coding === 'gzip' || coding === 'x-gzip') out = zlib().gunzipSync(out)
      else if (coding === 'br') out = zlib().brotliDecompressSync(out)
      else if (coding === 'deflate') out = inflateDeflate(out)
      else if (coding !== 'identity' && coding !== '') return buffer
    } catch {
      return buffer
    }
  }
  return out
}

/** `deflate` is zlib-wrapped by the standard, raw by some servers: browsers take both, and so does this. */
function inflateDeflate(buffer: Buffer): Buffer {
  try {
    return zlib().inflateSync(buffer)
  } catch {
    return zlib().inflateRawSync(buffer)
  }
}

type Decode = (bytes: Buffer) => string

const decoders = new Map<string, Decode | undefined>()

/**
 * The decoder for the content type's charset, or undefined for UTF-8 (the fast path): when none is named,
 * when it is UTF-8, and when no decoder knows the label (a guess at UTF-8 beats failing the request).
 * TextDecoder drops a byte-order mark itself. Decoders are kept per known label (a bounded set: unknown
 * ones are not kept); `decode` without `stream` keeps no state between calls.
 */
function charsetDecoder(contentType: string | string[] | undefined): Decode | undefined {
  if (contentType === undefined) return undefined
  const match = /;\s*charset\s*=\s*(?:"([^"]*)"|([^;,\s]*))/i.exec(Array.isArray(contentType) ? contentType[0]! : contentType)
  const label = (match?.[1] ?? match?.[2] ?? '').trim().toLowerCase()
  if (!label || label === 'utf-8' || label === 'utf8') return undefined
  if (decoders.has(label)) return decoders.get(label)
  let decoder: TextDecoder
  try {
    decoder = new TextDecoder(label)
  } catch {
    return undefined
  }
  const decode = decoder.encoding === 'utf-8' ? undefined : decoder.encoding === 'windows-1252' ? decodeWindows1252 : (bytes: Buffer) => decoder.decode(bytes)
  decoders.set(label, decode)
  return decode
}

/** windows-1252, which the labels iso-8859-1, latin1 and us-ascii also mean (see windows1252Text). */
function decodeWindows1252(bytes: Buffer): string {
  return windows1252Text(bytes.toString('latin1'))
}
