import { type HttpExchange, type Issue, type TakenAction, makeIssue, sequenceText } from '@venomqa/core'
import { type AttemptResult, exchangeStatus } from '@venomqa/runner'

/** How an edge went, as prefix replay compares it: whether the action passed, and the status it showed. */
export interface EdgeAnswer {
  passed: boolean
  status?: number
}

export function answerOf(attempt: AttemptResult): EdgeAnswer {
  const status = attempt.shown && exchangeStatus(attempt.shown)
  return { passed: attempt.outcome.passed, ...(status !== undefined ? { status } : {}) }
}

export function sameAnswer(a: EdgeAnswer, b: EdgeAnswer): boolean {
  return a.passed === b.passed && a.status === b.status
}

/** A replayed action of a prefix that went otherwise than when the search took it. */
export interface Divergence {
  /** The path replayed. */
  path: readonly TakenAction[]
  /** The action whose answer differed, 0-based in `path`. */
  index: number
  recorded: EdgeAnswer
  replayed: EdgeAnswer
  /** Why the replayed action failed, when it did. */
  failure?: string
  /** The request it was shown with in the replay. */
  exchange?: HttpExchange
}

/**
 * Prefix replay met an action answered otherwise than the search recorded: the state the replay reached
 * is not the one the search explores below it. Every later action would run on that other state and
 * fail for it, so the search stops at the action that differed, naming it.
 */
export class PrefixReplayDiverged extends Error {
  readonly divergence: Divergence
  constructor(divergence: Divergence) {
    super(divergedMessage(divergence))
    this.name = 'PrefixReplayDiverged'
    this.divergence = divergence
  }
}

function answerText(a: EdgeAnswer): string {
  if (a.status !== undefined) return `HTTP ${a.status}${a.passed ? '' : ' (the action failed)'}`
  return a.passed ? 'a pass with no request' : 'a failure with no answer'
}

function divergedMessage(d: Divergence): string {
  const action = d.path[d.index]!.action
  const place = d.path.length > 1 ? `, action ${d.index + 1} of ${d.path.map((t) => t.action).join(' > ')}` : ''
  return (
    `prefix replay diverged at action "${action}"${place}: replayed from the root it got ${answerText(d.replayed)} where the search had recorded ${answerText(d.recorded)}` +
    `${d.failure ? ` (${d.failure})` : ''}. The search stopped there: what it would explore below this path starts from a state the replay no longer reaches`
  )
}

/** The exploration's critical issue for a divergence, with a suggestion for whether a state backend rolled back the root. */
export function divergedIssue(journey: string, d: Divergence, rollsBack: boolean): Issue {
  const suggestion = rollsBack
    ? 'The same requests from the same root got another answer: the API depends on something the state backends do not restore (the time, randomness, another store). Roll that back too, or explore by rollback instead of --prefix-replay.'
    : 'With no state backend the API keeps what earlier paths stored (a unique value taken, stock used up), so a replayed action can be answered otherwise. Add a state backend that can roll back the system under test (@venomqa/state-postgres, @venomqa/state-mysql, @venomqa/adapter-redis, http-control), or make the action send values that are new on every call.'
  return makeIssue({
    journey,
    path: sequenceText(d.path),
    step: d.path[d.index]!.action,
    severity: 'critical',
    kind: 'state',
    error: divergedMessage(d),
    suggestion,
    source: 'explore',
    request: d.exchange?.request,
    response: d.exchange?.response,
  })
}
