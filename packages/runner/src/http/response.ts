import { type HttpExchange, type HttpResponse, VenomError } from '@venomqa/core'
import type { ReceivedResponse } from './attempt'
import { followErrorAnswer } from './server-errors'

const NO_COOKIES: readonly string[] = Object.freeze([])

/** What an action gets back. The body is parsed on the first `json()`, once. */
export class RunnerResponse implements HttpResponse {
  readonly status: number
  readonly ok: boolean
  readonly headers: Record<string, string>
  readonly method: string
  readonly url: string
  readonly durationMs: number
  readonly bodyText: string
  readonly exchange: HttpExchange
  readonly setCookies: readonly string[]
  readonly #bytes?: Uint8Array
  #parsed?: { value: unknown }

  constructor(method: string, url: string, received: ReceivedResponse, durationMs: number, exchange: HttpExchange, sentAt = 0) {
    this.status = received.status
    this.ok = received.status >= 200 && received.status < 300
    this.headers = received.headers
    this.method = method
    this.url = url
    this.durationMs = durationMs
    this.bodyText = received.bodyText
    this.exchange = exchange
    this.setCookies = received.setCookies ?? NO_COOKIES
    this.#bytes = received.bodyBytes
    if (received.status >= 400) followReads(this, followErrorAnswer(this, exchange, sentAt))
  }

  text(): string {
    return this.bodyText
  }

  /** The body's bytes: as received for a binary type, else its text in UTF-8. A copy: changing it changes nothing here. */
  bytes(): Uint8Array {
    // Through bodyText for a text body: on an error answer that counts as using it (see followReads).
    return this.#bytes ? this.#bytes.slice() : Buffer.from(this.bodyText, 'utf8')
  }

  json<T = any>(): T {
    this.#parsed ??= { value: this.#parse() }
    return this.#parsed.value as T
  }

  #parse(): unknown {
    try {
      return JSON.parse(this.bodyText)
    } catch {
      const preview = this.bodyText.length > 120 ? `${this.bodyText.slice(0, 120)}...` : this.bodyText
      // The URL as recorded: masked, `redactKeys` included.
      throw new VenomError('E_NOT_JSON', `${this.method} ${this.exchange.request.url} answered ${this.status} with a body that is not JSON: ${JSON.stringify(preview)}`)
    }
  }
}

/**
 * An error answer's `status` and `ok` (assertStatus, `if (!res.ok)`, a destructuring) count as looking at
 * it, its `bodyText` (and so `json()` and `text()`) as using it. Own accessors on this object alone;
 * `util.inspect` still shows the values (see inspect below), not `[Getter]`.
 */
function followReads(response: RunnerResponse, entry: { checked: boolean; used: boolean }): void {
  const values = { status: response.status, ok: response.ok, bodyText: response.bodyText }
  const accessor = (key: keyof typeof values, note: 'checked' | 'used') => ({
    enumerable: true,
    get() {
      entry[note] = true
      return values[key]
    },
  })
  Object.defineProperties(response, { status: accessor('status', 'checked'), ok: accessor('ok', 'checked'), bodyText: accessor('bodyText', 'used') })
  // A binary body read as bytes is used too, though bytes() reads no bodyText then.
  const bytes = response.bytes
  Object.defineProperty(response, 'bytes', {
    value: () => {
      entry.used = true
      return bytes.call(response)
    },
  })
  Object.defineProperty(response, Symbol.for('nodejs.util.inspect.custom'), {
    value: (_depth: number, options: object, inspect: (v: unknown, o: object) => string) => `RunnerResponse ${inspect({ ...values, method: response.method, url: response.url }, options)}`,
  })
}
