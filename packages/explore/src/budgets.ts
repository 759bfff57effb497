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

/**
 * Worker `lane`'s share (0-based, of `lanes`) of the exploration's budgets. Transitions and states are
 * dealt like the edges, the first workers one more when the budget does not divide: together they are the
 * budget, and each worker's share does not depend on how fast the others go, so the same seed explores
 * the same states. Time is not divided: the workers search at the same time, each until the deadline.
 */
export function budgetShare(limits: ExplorationBudget, lane: number, lanes: number): ExplorationBudget {
  if (lanes <= 1) return limits
  const share = (total: number | undefined) => (total === undefined ? undefined : Math.floor(total / lanes) + (lane < total % lanes ? 1 : 0))
  const out: ExplorationBudget = { ...limits }
  if (limits.transitions !== undefined) out.transitions = share(limits.transitions)
  if (limits.states !== undefined) out.states = share(limits.states)
  return out
}
