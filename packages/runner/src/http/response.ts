import { type HttpExchange, type HttpResponse, VenomError } from '@venomqa/core'
import type { ReceivedResponse } from './attempt'

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
