import { createRequire } from 'node:module'
import type { EventEmitter } from 'node:events'
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
  /** undici's global dispatcher when not given, as with undici's own `request`. */
  dispatcher?: Dispatcher
}

/** A response read to its end. */
export interface TextResponse {
  statusCode: number
  /** Lower-case names, as undici parses them: a repeated header is an array. */
  headers: Record<string, string | string[]>
  /** The body decoded as UTF-8, a leading byte-order mark dropped (as undici's `body.text()` does). */
  bodyText: string
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
    const handler = new TextResponseHandler(o.signal, resolve, reject)
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

  constructor(
    signal: AbortSignal | EventEmitter | undefined,
    private readonly resolve: (response: TextResponse) => void,
    private readonly reject: (error: Error) => void,
  ) {
    if (!signal) return
    if ((signal as AbortSignal).aborted) this.#reason = abortReason(signal)
    else
      this.#stopListening = undici().addAbortListener(signal, () => {
        this.#reason = abortReason(signal)
        this.#abort?.(this.#reason)
      })
  }

  onConnect(abort: (reason?: Error) => void): void {
    if (this.#reason) abort(this.#reason)
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
    return true
  }

  onComplete(): void {
    this.#stopListening?.()
    this.resolve({ statusCode: this.#statusCode, headers: this.#headers, bodyText: decodeText(this.#chunks, this.#length) })
  }

  onError(error: Error): void {
    this.#stopListening?.()
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

function abortReason(signal: AbortSignal | EventEmitter): Error {
  return (signal as AbortSignal).reason ?? new (undici().RequestAbortedError)()
}

function decodeText(chunks: Buffer[], length: number): string {
  if (length === 0) return ''
  const buffer = chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, length)
  const bom = buffer.length > 2 && buffer[0] === 0xef && buffer[1] === 0xbb && buffer[2] === 0xbf
  return buffer.toString('utf8', bom ? 3 : 0)
}
