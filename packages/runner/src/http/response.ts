import { type HttpExchange, type HttpResponse, VenomError } from '@venomqa/core'
import type { ReceivedResponse } from './attempt'

/**
 * Server errors (5xx) handed to an action, and whether the action looked at their status. A step that
 * passed with one it neither returned nor looked at is told (see uncheckedServerErrors): its action went
 * on with an error body as if it were the answer. Only 5xx responses are followed, so the others cost
 * nothing.
 */
const serverErrors = new WeakMap<HttpExchange, { seen: boolean }>()

/** The exchanges among `exchanges` whose 5xx answer was handed to the action and never looked at. */
export function uncheckedServerErrors(exchanges: readonly HttpExchange[], returned?: HttpExchange): HttpExchange[] {
  return exchanges.filter((x) => x !== returned && serverErrors.get(x)?.seen === false)
}

/** What an action gets back. The body is parsed on the first `json()`, once. */
export class UndiciResponse implements HttpResponse {
  readonly status: number
  readonly ok: boolean
  readonly headers: Record<string, string>
  readonly method: string
  readonly url: string
  readonly durationMs: number
  readonly bodyText: string
  readonly exchange: HttpExchange
  #parsed?: { value: unknown }

  constructor(method: string, url: string, received: ReceivedResponse, durationMs: number, exchange: HttpExchange) {
    this.status = received.status
    this.ok = received.status >= 200 && received.status < 300
    if (received.status >= 500) followStatusReads(this, exchange)
    this.headers = received.headers
    this.method = method
    this.url = url
    this.durationMs = durationMs
    this.bodyText = received.bodyText
    this.exchange = exchange
  }

  text(): string {
    return this.bodyText
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
      throw new VenomError('E_NOT_JSON', `${this.method} ${this.url} answered ${this.status} with a body that is not JSON: ${JSON.stringify(preview)}`)
    }
  }
}

/** Make reading a 5xx response's `status` or `ok` (assertStatus, `if (!res.ok)`, a destructuring) count as looking at it. */
function followStatusReads(response: UndiciResponse, exchange: HttpExchange): void {
  const followed = { seen: false }
  serverErrors.set(exchange, followed)
  for (const key of ['status', 'ok'] as const) {
    const value = response[key]
    Object.defineProperty(response, key, {
      enumerable: true,
      get() {
        followed.seen = true
        return value
      },
    })
  }
}
