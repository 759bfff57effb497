import type { TakenAction } from '@venomqa/core'
import type { InvariantRef, SequenceRun, SequenceRunner } from '../contracts'
import { canonicalJson } from './canonical'

export interface ShrinkLimits {
  /** Replays through the sequence runner, in all. */
  attempts: number
  /** Wall time, ms. */
  timeMs: number
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
  readonly #seen = new Map<string, SequenceRun>()

  constructor(runner: SequenceRunner, invariant: InvariantRef, limits: ShrinkLimits, clock: () => number) {
    this.#runner = runner
    this.#invariant = invariant
    this.#limits = limits
    this.#clock = clock
    this.#startedAt = clock()
  }

  get exhausted(): boolean {
    return this.attempts >= this.#limits.attempts || this.#clock() - this.#startedAt >= this.#limits.timeMs
  }

  /** What replaying `sequence` showed, or undefined when a limit was reached before it could be tried. */
  async run(sequence: readonly TakenAction[]): Promise<SequenceRun | undefined> {
    const key = sequenceKey(sequence)
    const known = this.#seen.get(key)
    if (known) return known
    if (this.exhausted) return undefined
    this.attempts++
    const run = await this.#runner.run(sequence, this.#invariant)
    this.#seen.set(key, run)
    return run
  }
}

export function sequenceKey(sequence: readonly TakenAction[]): string {
  return canonicalJson(sequence.map((s) => [s.action, s.input ?? null]))
}
