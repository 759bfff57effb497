import type { ActionCoverage } from '@venomqa/core'

/** Per action: states where `when` allowed it, edges taken with it, edges the API refused. */
export class Coverage {
  readonly #byAction = new Map<string, ActionCoverage>()

  constructor(actions: readonly string[]) {
    for (const action of actions) this.#byAction.set(action, { action, taken: 0, enabled: 0, refused: 0 })
  }

  enabled(action: string): void {
    this.#of(action).enabled++
  }

  taken(action: string): void {
    this.#of(action).taken++
  }

  refused(action: string): void {
    this.#of(action).refused++
  }

  /** Add what another explorer of the same exploration counted. */
  addAll(other: Coverage): void {
    for (const c of other.result()) {
      const mine = this.#of(c.action)
      mine.taken += c.taken
      mine.enabled += c.enabled
      mine.refused += c.refused
    }
  }

  result(): ActionCoverage[] {
    return [...this.#byAction.values()].map((c) => ({ ...c }))
  }

  /** Actions whose `when` never allowed them anywhere the search went. */
  neverEnabled(): string[] {
    return [...this.#byAction.values()].filter((c) => c.enabled === 0).map((c) => c.action)
  }

  #of(action: string): ActionCoverage {
    const c = this.#byAction.get(action)
    if (!c) throw new Error(`coverage of an unknown action "${action}"`)
    return c
  }
}
