import type { ActionCoverage, HttpExchange } from '@venomqa/core'

/** Per action: states where `when` allowed it, edges taken with it, edges the API refused. */
export class Coverage {
  readonly #byAction = new Map<string, ActionCoverage>()
  /**
   * Actions allowed in some state this explorer stood in, counted or not: a shard also passes through
   * states another shard counts, on its way to its own part, and an action allowed there was enabled.
   */
  readonly #seenEnabled = new Set<string>()

  constructor(actions: readonly string[]) {
    for (const action of actions) this.#byAction.set(action, { action, taken: 0, enabled: 0, refused: 0 })
  }

  /** `action` is allowed in a state; `counts` when the state is this explorer's to count. */
  enabled(action: string, counts = true): void {
    this.#seenEnabled.add(action)
    if (counts) this.#of(action).enabled++
  }

  taken(action: string): void {
    this.#of(action).taken++
  }

  /** An edge counted as taken that turned out to be none (see Explorer.take). */
  untaken(action: string): void {
    this.#of(action).taken--
  }

  /**
   * An edge the API refused; `shown` its request. The least of them in text order is kept as what the
   * refusals looked like: the same one whichever worker met it first, so the workers' result is one worker's.
   */
  refused(action: string, shown?: HttpExchange): void {
    const c = this.#of(action)
    c.refused++
    if (shown?.response) keepLeast(c, `${shown.request.method} ${pathOf(shown.request.url)} answered ${shown.response.status}`)
  }

  /** Its `when` or `inputs` threw (`what`: which, where, the error): it is not said to be never enabled. */
  threw(action: string, what: string): void {
    this.#of(action).threw ??= what
  }

  /** Add what another explorer of the same exploration counted. */
  addAll(other: Coverage): void {
    for (const c of other.result()) {
      const mine = this.#of(c.action)
      mine.taken += c.taken
      mine.enabled += c.enabled
      mine.refused += c.refused
      if (c.threw !== undefined) mine.threw ??= c.threw
      if (c.refusedExample !== undefined) keepLeast(mine, c.refusedExample)
    }
    for (const action of other.#seenEnabled) this.#seenEnabled.add(action)
  }

  result(): ActionCoverage[] {
    return [...this.#byAction.values()].map((c) => ({ ...c }))
  }

  /** Actions whose `when` never allowed them anywhere the search went. */
  neverEnabled(): string[] {
    return [...this.#byAction.values()].filter((c) => c.enabled === 0 && c.threw === undefined && !this.#seenEnabled.has(c.action)).map((c) => c.action)
  }

  #of(action: string): ActionCoverage {
    const c = this.#byAction.get(action)
    if (!c) throw new Error(`coverage of an unknown action "${action}"`)
    return c
  }
}

/** A URL's path, without its query: a query may carry a secret, and the path is what a mistake is in. */
function pathOf(url: string): string {
  const start = url.indexOf('://') < 0 ? 0 : url.indexOf('/', url.indexOf('://') + 3)
  if (start < 0) return '/'
  const end = url.search(/[?#]/)
  return url.slice(start, end < 0 ? undefined : end)
}

function keepLeast(c: ActionCoverage, refusal: string): void {
  if (c.refusedExample === undefined || refusal < c.refusedExample) c.refusedExample = refusal
}
