import { createRequire } from 'node:module'
import type { EventEmitter } from 'node:events'
import { brotliDecompressSync, gunzipSync, inflateRawSync, inflateSync } from 'node:zlib'
import type { Dispatcher, Agent as UndiciAgent } from 'undici'

/**
 * The parts of undici the runner uses, and no more. undici's index also loads fetch, WebSocket,
 * EventSource, the cache stores and the mocks: about a third of the runner's import time, for nothing the
 * runner calls. The files are required, not imported: an ES module importing CommonJS has Node scan each
 * file for its export names first. undici has no exports map and is pinned (package.json);
 * test/http/undici.test.ts checks these files against what undici's own index exports.
 *
 * Required when first needed (an agent made, a request sent), not when the runner is imported: the commands
 * that read results and send nothing (`venomqa report`, `merge-reports`, `list`, `plugins`) take the
 * runner for its reporters and types, and loaded undici for nothing, 20 to 50 ms each.
 */
interface UndiciParts {
  Agent: typeof UndiciAgent
  parseURL(url: string): URL
  parseHeaders(raw: Buffer[]): Record<string, string | string[]>
  addAbortListener(signal: AbortSignal | EventEmitter, listener: () => void): () => void
  RequestAbortedError: new () => Error
  getGlobalDispatcher(): Dispatcher
}

let parts: UndiciParts | undefined

function undici(): UndiciParts {
  if (parts) return parts
  const requireUndici = createRequire(import.meta.url)
  const { parseURL, parseHeaders, addAbortListener } = requireUndici('undici/lib/core/util.js')
  parts = {
    Agent: requireUndici('undici/lib/dispatcher/agent.js'),
    parseURL,
    parseHeaders,
    addAbortListener,
    RequestAbortedError: requireUndici('undici/lib/core/errors.js').RequestAbortedError,
    getGlobalDispatcher: requireUndici('undici/lib/global.js').getGlobalDispatcher,
  }
  return parts
}

/**
 * Load undici's parts now rather than at the first request. For a caller about to change V8's flags
 * (the CLI keeps a short run's WebAssembly on the baseline tier): a built-in module loaded after a flag
 * change is compiled from source instead of from Node's code cache, and undici's (http2, tls, perf_hooks,
 * assert and more) then cost about 12 ms more.
 */
export function loadHttpTransport(): void {
  undici()
}

/** undici's Agent class (loading undici's parts, the first time). */
export function undiciAgent(): typeof UndiciAgent {
  return undici().Agent
}

/** What the runner sends: the fields it uses of undici's request options, and no others. */
export interface RequestOptions {
  method: Dispatcher.HttpMethod
  headers?: Record<string, string>
  body?: string | Uint8Array
  /** Aborts the request, before or after its headers came: it rejects with the signal's reason. */
  signal?: AbortSignal | EventEmitter
  headersTimeout?: number
  bodyTimeout?: number
  /**
   * A deadline for the whole request, ms from the call: past it the connection is cut and the request
   * rejects with a DeadlineExceeded (in a FailedAfterHeaders once the answer's headers came). undici's
   * `bodyTimeout` is an idle timer, reset by every chunk: a body that keeps trickling in never reaches it.
   */
  deadlineMs?: number
  /**
   * The same deadline without a timer, for the client-wide timeout every request has: checked as each
   * chunk of the body arrives, so a body that trickles in is cut at its first chunk past the deadline, and
   * silence is left to undici's `headersTimeout` and `bodyTimeout`. A timer per request is a cost on every
   * request of a run for a case almost none of them meets.
   */
  checkedDeadlineMs?: number
  /** undici's global dispatcher when not given, as with undici's own `request`. */
  dispatcher?: Dispatcher
}

/** A response read to its end. */
export interface TextResponse {
  statusCode: number
  /** Lower-case names, as undici parses them: a repeated header is an array. */
  headers: Record<string, string | string[]>
  /**
   * The body as text: decompressed as its Content-Encoding says (gzip, x-gzip, deflate, br), then decoded
   * with the content type's charset (UTF-8 when it names none or one no decoder knows), a leading
   * byte-order mark dropped (as undici's `body.text()` does).
   */
  bodyText: string
  /**
   * A binary body's bytes, decompressed (see isBinaryType): its text is not what was sent. Copied, as a
   * chunk may be a view of a larger buffer that would otherwise be kept as long as the run keeps this.
   */
  bodyBytes?: Uint8Array
}

/**
 * Send a request through the dispatcher and read its whole body as text. This is undici's `request`
 * followed by `body.text()`, without the stream between them: the runner always reads the whole body, and
 * a Readable per response (with an async resource around every callback) was a fifth of the client's time
 * per request. The URL is checked and split as undici's `request` does (a bad one throws at once, with
 * undici's error); aborts and errors reject with what undici's `request` rejects with.
 */
export function request(url: string, o: RequestOptions): Promise<TextResponse> {
  const { parseURL, getGlobalDispatcher } = undici()
  const u = parseURL(url)
  const path = u.search ? `${u.pathname}${u.search}` : u.pathname
  const options: Dispatcher.DispatchOptions = { origin: u.origin, path, method: o.method, headers: o.headers, body: o.body, headersTimeout: o.headersTimeout, bodyTimeout: o.bodyTimeout }
  const dispatcher = o.dispatcher ?? getGlobalDispatcher()
  return new Promise((resolve, reject) => {
    const handler = new TextResponseHandler(o.signal, o.deadlineMs, o.checkedDeadlineMs, resolve, reject)
    // undici's own dispatchers report a refused request through onError; one of another make may throw.
    try {
      dispatcher.dispatch(options, handler)
    } catch (err) {
      handler.onError(err as Error)
    }
  })
}

/** undici's handler callbacks (its native form: no adapter between them and the connection) for one request. */
class TextResponseHandler implements Dispatcher.DispatchHandler {
  #abort?: (reason: Error) => void
  /** Why the request was aborted, once its signal fired. */
  #reason?: Error
  #stopListening?: () => void
  #statusCode = 0
  #headers: Record<string, string | string[]> = {}
  readonly #chunks: Buffer[] = []
  #length = 0
  #deadline?: ReturnType<typeof setTimeout>
  /** Set when the deadline passed before the request had a connection to cut. */
  #expired?: DeadlineExceeded
  /** The checked deadline (RequestOptions.checkedDeadlineMs): when, on performance.now()'s clock, and its length. */
  #checkedAt?: number
  #checkedMs = 0

  constructor(
    signal: AbortSignal | EventEmitter | undefined,
    deadlineMs: number | undefined,
    checkedDeadlineMs: number | undefined,
    private readonly resolve: (response: TextResponse) => void,
    private readonly reject: (error: Error) => void,
  ) {
    if (deadlineMs !== undefined) this.#deadline = setTimeout(() => this.#expire(deadlineMs), deadlineMs)
    else if (checkedDeadlineMs !== undefined) {
      this.#checkedAt = performance.now() + checkedDeadlineMs
      this.#checkedMs = checkedDeadlineMs
    }
    if (!signal) return
    if ((signal as AbortSignal).aborted) this.#reason = abortReason(signal)
    else
      this.#stopListening = undici().addAbortListener(signal, () => {
        this.#reason = abortReason(signal)
        this.#abort?.(this.#reason)
      })
  }

  /**
   * The deadline is a timer of the handler's own rather than an AbortController per request (which costs
   * more than the rest of the client, see attempt.ts): it cuts the connection like an abort, and fails the
   * request at once when it is still waiting for a connection (cut when it gets one).
   */
  #expire(ms: number): void {
    this.#deadline = undefined
    const error = new DeadlineExceeded(ms)
    if (this.#abort) this.#abort(error)
    else {
      this.#expired = error
      this.onError(error)
    }
  }

  onConnect(abort: (reason?: Error) => void): void {
    if (this.#reason) abort(this.#reason)
    else if (this.#expired) abort(this.#expired)
    else this.#abort = abort
  }

  /** Called again after an informational response (103 Early Hints): the final answer's headers are kept. */
  onHeaders(statusCode: number, rawHeaders: Buffer[]): boolean {
    this.#statusCode = statusCode
    this.#headers = undici().parseHeaders(rawHeaders)
    return true
  }

  onData(chunk: Buffer): boolean {
    this.#chunks.push(chunk)
    this.#length += chunk.length
    if (this.#checkedAt !== undefined && performance.now() > this.#checkedAt) this.#expire(this.#checkedMs)
    return true
  }

  onComplete(): void {
    this.#stopListening?.()
    clearTimeout(this.#deadline)
    this.resolve({ statusCode: this.#statusCode, headers: this.#headers, ...readBody(this.#chunks, this.#length, this.#headers) })
  }

  onError(error: Error): void {
    this.#stopListening?.()
    clearTimeout(this.#deadline)
    // An abort keeps its reason as it is: the signal says why, whenever it came.
    this.reject(this.#statusCode >= 200 && !this.#reason ? new FailedAfterHeaders(this.#statusCode, error) : error)
  }
}

/**
 * What `request` rejects with when the connection failed after the answer's final headers came (the
 * server closed it mid-body, or the body timed out): the API did answer, with this status, so the error
 * must not read as if the request never got there. `code` is undici's, for the classifier.
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

function abortReason(signal: AbortSignal | EventEmitter): Error {
  return (signal as AbortSignal).reason ?? new (undici().RequestAbortedError)()
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
      if (coding === 'gzip' || coding === 'x-gzip') out = gunzipSync(out)
      else if (coding === 'br') out = brotliDecompressSync(out)
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
    return inflateSync(buffer)
  } catch {
    return inflateRawSync(buffer)
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

/** windows-1252's characters at 0x80 to 0x9f, where it differs from ISO-8859-1 (the five holes kept as C1). */
const WINDOWS_1252_HIGH = '\u20ac\u0081\u201a\u0192\u201e\u2026\u2020\u2021\u02c6\u2030\u0160\u2039\u0152\u008d\u017d\u008f\u0090\u2018\u2019\u201c\u201d\u2022\u2013\u2014\u02dc\u2122\u0161\u203a\u0153\u009d\u017e\u0178'

/**
 * windows-1252, which the labels iso-8859-1, latin1 and us-ascii also mean (WHATWG Encoding). Node 20's
 * TextDecoder decodes it as ISO-8859-1, turning 0x80 (€) and its neighbours into control characters.
 */
function decodeWindows1252(bytes: Buffer): string {
  const latin1 = bytes.toString('latin1')
  return /[\x80-\x9f]/.test(latin1) ? latin1.replace(/[\x80-\x9f]/g, (c) => WINDOWS_1252_HIGH[c.charCodeAt(0) - 0x80]!) : latin1
}
