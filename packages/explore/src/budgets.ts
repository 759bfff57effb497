import type { ExplorationBudget, ExplorationResult } from '@venomqa/core'

export type Truncation = NonNullable<ExplorationResult['truncated']>

/**
 * The exploration's budgets. Asked before each transition, so a search that ends on a budget had work
 * left: that is what `truncated` says, never a search that finished by itself.
 */
export class Budget {
  readonly #limits: ExplorationBudget
  readonly #startedAt = performance.now()

  constructor(limits: ExplorationBudget) {
    this.#limits = limits
  }

  get elapsedMs(): number {
    return performance.now() - this.#startedAt
  }

  /** The budget that is used up, if one is. */
  exhausted(spent: { transitions: number; states: number }): Truncation | undefined {
    const { transitions, timeMs, states } = this.#limits
    if (transitions !== undefined && spent.transitions >= transitions) return { reason: 'transitions', limit: transitions }
    if (states !== undefined && spent.states >= states) return { reason: 'states', limit: states }
    if (timeMs !== undefined && this.elapsedMs >= timeMs) return { reason: 'time', limit: timeMs }
    return undefined
  }
}
