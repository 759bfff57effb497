import type { HttpExchange } from '@venomqa/core'

/**
 * Server errors (5xx) handed to an action, and what the action did with them. A step that passed after
 * reading such an answer's body without looking at its status went on with an error body as if it were
 * the answer (`ctx.set('id', res.json().id)` on a 500), and is told (see uncheckedServerErrors). Only 5xx
 * responses are followed, so the others cost nothing.
 */
interface Followed {
  /** Its status was looked at: `status` or `ok` of the response, or the `response` of its exchange record. */
  checked: boolean
  /** Its body was read: `json()`, `text()`, `bodyText`. */
  used: boolean
  /** When the request was sent, on the `moment()` scale: a request sent before the step began is not its own. */
  sentAt: number
}

const followed = new WeakMap<HttpExchange, Followed>()

let moments = 0
/**
 * A point in the run's order of events: a step's start, a request's sending. A counter, not a clock: a
 * step that ends and the next that begins can fall in one millisecond, and a request the first left
 * running must still be told apart from the second's.
 */
export function moment(): number {
  return ++moments
}

/** Start following a 5xx answer handed to an action; the response's accessors report to what this returns. */
export function followServerError(exchange: HttpExchange, sentAt: number): Followed {
  const entry: Followed = { checked: false, used: false, sentAt }
  followed.set(exchange, entry)
  return entry
}

/** The exchange record's `response` was read (`http.lastExchange()?.response?.status`): a look at the status. */
export function noteResponseRead(exchange: HttpExchange): void {
  const entry = followed.get(exchange)
  if (entry) entry.checked = true
}

/**
 * The exchanges among `exchanges` whose 5xx answer the step's action read the body of without looking at
 * its status, other than the one it returned (the outcome rule judged that). Only requests the step sent
 * itself: a request a step left running lands in the history of whichever step is running when it ends.
 */
export function uncheckedServerErrors(exchanges: readonly HttpExchange[], returned: HttpExchange | undefined, stepStartedAt: number): HttpExchange[] {
  return exchanges.filter((x) => {
    const entry = x === returned ? undefined : followed.get(x)
    return !!entry && entry.used && !entry.checked && entry.sentAt > stepStartedAt
  })
}
