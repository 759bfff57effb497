import type { Todo } from '../storage'

const TIMEOUT_MS = 5000

/**
 * Fire and forget: POST {webhookUrl}/webhooks/todo-created with the todo. A failure is logged, never
 * surfaced to the client. Calls still running at shutdown are aborted, so they cannot hold the process.
 */
export class Webhooks {
  readonly #base: string
  readonly #log: (message: string) => void
  readonly #inFlight = new Set<AbortController>()

  constructor(webhookUrl: string, log: (message: string) => void) {
    this.#base = webhookUrl.replace(/\/+$/, '')
    this.#log = log
  }

  todoCreated(todo: Todo): void {
    const url = `${this.#base}/webhooks/todo-created`
    const controller = new AbortController()
    this.#inFlight.add(controller)
    fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(todo),
      signal: AbortSignal.any([controller.signal, AbortSignal.timeout(TIMEOUT_MS)]),
    })
      .then(async (res) => {
        await res.arrayBuffer()
        if (!res.ok) this.#log(`webhook ${url} answered ${res.status}`)
      })
      .catch((err: Error) => {
        if (!controller.signal.aborted) this.#log(`webhook ${url} failed: ${err.message}${err.cause ? `: ${(err.cause as Error).message}` : ''}`)
      })
      .finally(() => this.#inFlight.delete(controller))
  }

  close(): void {
    for (const controller of this.#inFlight) controller.abort()
  }
}
