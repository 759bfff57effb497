import type { TakenAction, ViolationResult } from '@venomqa/core'
import type { InvariantRef, MetViolation, NoAnswer, SequenceRun, SequenceRunner } from '../contracts'
import { lastActionOf, sameViolation } from '../violations'
import { canonicalJson } from './canonical'

export interface ShrinkLimits {
  /** Replays through the sequence runner, in all. */
  attempts: number
  /** Wall time, ms. */
  timeMs: number
}

/** A limit of the shrinker that ran out: replays (`attempts`) or wall time (`time`, ms). */
export type ShrinkLimitReached = NonNullable<ViolationResult['shrinkLimit']>

/**
 * What a replay says of the invariant: it broke it again as the violation met (`fails`), it broke it as
 * another violation does (`other`: after another last action, or with another kind of message), it held,
 * or the replay cannot tell.
 */
export type TrialVerdict = 'fails' | 'other' | 'holds' | 'unknown'

/** A verdict, with the replay it was given on: none when the candidate could be judged without one. */
export type Trial = { verdict: 'fails'; run: SequenceRun } | { verdict: Exclude<TrialVerdict, 'fails'>; run?: SequenceRun }

/**
 * The trial rule of the shrinker and the confirmation. A replay in which a request got no answer (the
 * connection refused or reset, a timeout) reached an unknown state, or none: its verdict is no
 * reproduction of the invariant's failure, and no proof that it holds either. Without this, an app that
 * died mid-exploration "reproduces" every violation with any sequence, since every probe then fails.
 *
 * A replay whose invariant check ran past its deadline (`checkTimedOut`) cannot tell either, even when no
 * request of it was waiting: the check gave no verdict, and a slow check would otherwise reproduce its
 * own deadline every time.
 *
 * `request_error` is the one invariant that a request with no answer breaks. A replay reproduces it when
 * the last action's request fails in the same way as the one the search met (`failure`), and the app
 * still answers other requests: not when an earlier request failed, nor when the app is down for all.
 *
 * Given the violation as the search met it (`met`), a replay that breaks the invariant reproduces it only
 * when it breaks it as that one did (see `sameViolation`); otherwise it is `other`, no reproduction.
 */
export function trialVerdict(run: SequenceRun, invariant: InvariantRef, failure?: string, met?: MetViolation): TrialVerdict {
  if (run.checkTimedOut) return 'unknown'
  const miss = run.noAnswer
  if (!miss) return run.violation === undefined ? 'holds' : brokenAs(run.violation, run, met)
  const sameFailure = failure === undefined || miss.failure === failure
  if (invariant === 'request_error' && run.violation !== undefined && miss.at === 'last' && miss.appAnswers && sameFailure) return brokenAs(run.violation, run, met)
  return 'unknown'
}

/** A replay that broke the invariant (with `message`): as the violation met, or as another one. */
function brokenAs(message: string, run: SequenceRun, met: MetViolation | undefined): 'fails' | 'other' {
  // The invariant is judged only after the last step ran: it is the last action of the replay.
  return !met || sameViolation(met, { action: lastActionOf(run.steps), message }) ? 'fails' : 'other'
}

/**
 * The shrinker's only way to learn anything: replay a candidate from the root through the sequence
 * runner. Counts the replays against the limits and remembers every verdict, since delta debugging and
 * the input phase often propose a sequence that was already tried.
 */
export class Trials {
  attempts = 0
  readonly #runner: SequenceRunner
  readonly #invariant: InvariantRef
  readonly #limits: ShrinkLimits
  readonly #clock: () => number
  readonly #startedAt: number
  /** The app stopped answering during a replay: no later replay can tell anything, so none is made. */
  appStopped?: NoAnswer
  /**
   * The limit that kept a candidate from being replayed, once one did: the shrinking was cut short there,
   * with candidates left untried. Unset when the limit ran out with no candidate left to try.
   */
  limitReached?: ShrinkLimitReached
  readonly #failure: string | undefined
  readonly #met: MetViolation | undefined
  readonly #seen = new Map<string, SequenceRun>()

  constructor(runner: SequenceRunner, invariant: InvariantRef, limits: ShrinkLimits, clock: () => number, failure?: string, met?: MetViolation) {
    this.#runner = runner
    this.#invariant = invariant
    this.#limits = limits
    this.#clock = clock
    this.#startedAt = clock()
    this.#failure = failure
    this.#met = met
  }

  #spentLimit(): ShrinkLimitReached | undefined {
    if (this.attempts >= this.#limits.attempts) return { reason: 'attempts', limit: this.#limits.attempts }
    if (this.#clock() - this.#startedAt >= this.#limits.timeMs) return { reason: 'time', limit: this.#limits.timeMs }
    return undefined
  }

  /** The trial rule (see `trialVerdict`) applied to a replay of `sequence`; undefined when a limit was reached or the app stopped answering. */
  async verdict(sequence: readonly TakenAction[]): Promise<Trial | undefined> {
    // A replay is judged after its last step: one that ends with another action than the violation met
    // cannot break the invariant as that one did, whatever it says, and is not replayed (many candidates of
    // delta debugging drop the last step).
    if (this.#met && lastActionOf(sequence) !== this.#met.action) return { verdict: 'other' }
    const run = await this.run(sequence)
    if (!run) return undefined
    const verdict = trialVerdict(run, this.#invariant, this.#failure, this.#met)
    if (verdict === 'unknown' && run.noAnswer && !run.noAnswer.appAnswers) {
      this.appStopped = run.noAnswer
      return undefined
    }
    return { verdict, run }
  }

  /** What replaying `sequence` showed, or undefined when a limit was reached before it could be tried. */
  async run(sequence: readonly TakenAction[]): Promise<SequenceRun | undefined> {
    const key = sequenceKey(sequence)
    const known = this.#seen.get(key)
    if (known) return known
    if (this.appStopped) return undefined
    const spent = this.#spentLimit()
    if (spent) {
      this.limitReached ??= spent
      return undefined
    }
    this.attempts++
    const run = await this.#runner.run(sequence, this.#invariant)
    this.#seen.set(key, run)
    return run
  }
}

export function sequenceKey(sequence: readonly TakenAction[]): string {
  return canonicalJson(sequence.map((s) => [s.action, s.input ?? null]))
}
