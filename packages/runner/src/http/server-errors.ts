import type { HttpExchange } from '@venomqa/core'

/**
 * Error answers (status 400 or more) handed to an action, and what the action did with them. A step that
 * passed after reading such an answer's body without looking at its status went on with an error body as
 * if it were the answer (`ctx.set('id', res.json().id)` on a 500); one that never looked at the answer at
 * all most often meant to return it (`async ({ http }) => { await http.post(...) }`, braces and no
 * `return`), and its 401 or 422 passed unseen. Both are told (see uncheckedErrorAnswers). Only error
 * answers are followed, so a passed step's 2xx costs nothing.
 */
interface Followed {
  /** Its status was looked at: `status` or `ok` of the response, or the `response` of its exchange record. */
  checked: boolean
  /** Its body was read: `json()`, `text()`, `bodyText`. */
  used: boolean
  /** When the request was sent, on the `moment()` scale: a request sent before the step began is not its own. */
  sentAt: number
  /** Handed to `ctx.set` as it is: kept for a later step to look at, not ignored. */
  kept: boolean
}

const followed = new WeakMap<HttpExchange, Followed>()
/** The same entries by the response the action got, for ctx.set to say one is kept (see noteKept). */
const byResponse = new WeakMap<object, Followed>()

let moments = 0
/**
 * A point in the run's order of events: a step's start, a request's sending. A counter, not a clock: a
 * step that ends and the next that begins can fall in one millisecond, and a request the first left
 * running must still be told apart from the second's.
 */
export function moment(): number {
  return ++moments
}

/** Start following an error answer handed to an action; the response's accessors report to what this returns. */
export function followErrorAnswer(response: object, exchange: HttpExchange, sentAt: number): Followed {
  const entry: Followed = { checked: false, used: false, sentAt, kept: false }
  followed.set(exchange, entry)
  byResponse.set(response, entry)
  return entry
}

/** A value given to `ctx.set`: an error answer kept that way is a later step's to look at. */
export function noteKept(value: unknown): void {
  const entry = typeof value === 'object' && value !== null ? byResponse.get(value) : undefined
  if (entry) entry.kept = true
}

/** The exchange record's `response` was read (`http.lastExchange()?.response?.status`): a look at the status. */
export function noteResponseRead(exchange: HttpExchange): void {
  const entry = followed.get(exchange)
  if (entry) entry.checked = true
}

/** An error answer the action did not look at the status of; `used`: it read the body all the same. */
export interface UncheckedAnswer {
  exchange: HttpExchange
  used: boolean
}

/**
 * The exchanges among `exchanges` whose error answer the step's action did not look at the status of,
 * other than the one it returned (the outcome rule judged that) and those it kept in the context: a 4xx
 * whatever the action did with it, a 5xx once its body was read. Only requests the step sent itself: a request a step left running lands in the history of whichever
 * step is running when it ends.
 */
export function uncheckedErrorAnswers(exchanges: readonly HttpExchange[], returned: HttpExchange | undefined, stepStartedAt: number): UncheckedAnswer[] {
  const unchecked: UncheckedAnswer[] = []
  for (const x of exchanges) {
    const entry = x === returned ? undefined : followed.get(x)
    if (!entry || entry.checked || entry.kept || entry.sentAt <= stepStartedAt) continue
    // A 5xx the action never touched is left to whatever checks the app's state next: a regression journey
    // replays its action's answers unread on purpose, for its invariant to judge (see explore's emit).
    if (entry.used || x.response!.status < 500) unchecked.push({ exchange: x, used: entry.used })
  }
  return unchecked
}
