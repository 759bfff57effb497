import type { ExploreAction, Rng, TakenAction } from '@venomqa/core'
import type { SequenceRun, ShrinkFn } from '../contracts'
import { simplerInputs } from './complexity'
import { ddmin } from './ddmin'
import { type Trial, Trials } from './trials'
import { viewAt } from './view'
import type { ActionNames } from '../view'

type ShrinkInput = Parameters<ShrinkFn>[0]

/** Why a sequence was not shrunk, by what its first replay from the root showed (or that none was made). */
const NOT_SHRUNK = {
  holds: 'the first replay from the root did not reproduce it',
  other: 'the first replay from the root broke the invariant with another kind of message',
  otherAction: 'the sequence does not end with the action the violation was met after',
  unknown: 'the first replay from the root could not tell (a request got no answer)',
  timedOut: "the first replay from the root could not tell (the invariant's check ran past its deadline)",
  noReplay: 'a limit of the shrinker ran out before the first replay from the root',
} as const

/** The smallest sequence known to break the invariant, with the replay that showed it. */
interface Best {
  sequence: TakenAction[]
  run: SequenceRun
}

/**
 * Shrink a failing sequence (EXPLORATION.md section 4). Every attempt is a replay from the root through
 * the sequence runner. Like fast-check's model-based shrinking, first drop what never ran, then remove
 * parts of the sequence, then simplify each step's input; unlike it, inputs are not shrunk by a
 * generator but chosen among those the action itself offers, so every candidate is an edge the search
 * could have taken. The phases repeat as long as one of them makes progress; when a limit keeps a
 * candidate from being tried, the best sequence found so far is kept, and the result names that limit
 * (`shrinkLimit`): the sequence may not be minimal.
 */
export async function shrink(input: ShrinkInput, clock: () => number = Date.now): Promise<Awaited<ReturnType<ShrinkFn>>> {
  const trials = new Trials(input.runner, input.invariant, input.limits, clock, input.failure, input.met)
  const done = (sequence: readonly TakenAction[]) => ({ sequence: [...sequence], attempts: trials.attempts, ...(trials.appStopped ? { noAnswer: trials.appStopped } : {}) })
  const first = await trials.verdict(input.sequence)
  // Not failing again from the root as it was met: nothing to shrink from, as every candidate is judged
  // by one replay and an accepted one must have broken the invariant as the violation met did. The
  // confirmation reports it as flaky, and the reports say the sequence is the one met, not a minimal one.
  if (first && first.verdict !== 'fails') return { ...done(input.sequence), notShrunk: notShrunkBy(first) }
  if (!first && trials.limitReached) return { ...done(input.sequence), notShrunk: NOT_SHRUNK.noReplay }
  if (first?.verdict !== 'fails') return done(input.sequence)
  const best: Best = { sequence: [...input.sequence], run: first.run }
  let progress = true
  // Until no phase makes progress, or a candidate could not be tried: a limit that runs out just as the
  // last candidate was tried cuts nothing short.
  while (progress && !trials.appStopped && !trials.limitReached) {
    progress = false
    for (const phase of [dropDisabled, deltaDebug, simplifyInputs]) if (await repeat(() => phase(best, trials, input))) progress = true
  }
  const cut = trials.limitReached && !trials.appStopped ? { shrinkLimit: trials.limitReached } : {}
  return { ...done(best.sequence), ...cut }
}

/** Why a first replay that did not break the invariant again as it was met leaves the sequence unshrunk. */
function notShrunkBy(first: Exclude<Trial, { verdict: 'fails' }>): string {
  if (first.verdict === 'holds') return NOT_SHRUNK.holds
  // Said with the message, since the user sees only the one the search met. Not replayed: it ends with
  // another action than the one given for the violation met.
  if (first.verdict === 'other') return first.run?.violation !== undefined ? `${NOT_SHRUNK.other}: "${first.run.violation}"` : NOT_SHRUNK.otherAction
  // A probe still waiting at the deadline is a request that got no answer, and said as one.
  return first.run?.checkTimedOut && !first.run.noAnswer ? NOT_SHRUNK.timedOut : NOT_SHRUNK.unknown
}

/** Run a phase until it makes no more progress; true if it made any. */
async function repeat(phase: () => Promise<boolean>): Promise<boolean> {
  let any = false
  while (await phase()) any = true
  return any
}

/**
 * Replay `candidate`; if it still breaks the invariant as the violation met did, it becomes the best. A
 * replay that breaks it as another violation does, or cannot tell (see `trialVerdict`), is no
 * reproduction. Undefined: a limit was reached, or the app stopped answering.
 */
async function attempt(candidate: TakenAction[], best: Best, trials: Trials): Promise<boolean | undefined> {
  const trial = await trials.verdict(candidate)
  if (!trial) return undefined
  if (trial.verdict !== 'fails') return false
  best.sequence = candidate
  best.run = trial.run
  return true
}

/** Phase 1: edges whose `when` was false in the replay did nothing; the sequence without them is tried. */
async function dropDisabled(best: Best, trials: Trials): Promise<boolean> {
  const kept = best.sequence.filter((_, i) => best.run.steps[i]?.enabled !== false)
  if (kept.length === best.sequence.length || kept.length === 0) return false
  return (await attempt(kept, best, trials)) === true
}

/** Phase 2: delta debugging over the steps. */
async function deltaDebug(best: Best, trials: Trials): Promise<boolean> {
  const before = best.sequence.length
  await ddmin(best.sequence, (candidate) => attempt(candidate, best, trials))
  return best.sequence.length < before
}

/**
 * Phase 3: for each step, the inputs its action offers in the state the replay reached there, simplest
 * first (see `complexityOf`), strictly simpler than the step's input: the first that still breaks the
 * invariant replaces it.
 */
async function simplifyInputs(best: Best, trials: Trials, input: ShrinkInput): Promise<boolean> {
  let progress = false
  for (let i = 0; i < best.sequence.length; i++) {
    const step = best.sequence[i]!
    for (const simpler of offeredInputs(input.actions.get(step.action), best, i, input.rng, input.actions)) {
      const candidate = best.sequence.map((s, j) => (j === i ? { action: s.action, input: simpler } : s))
      const verdict = await attempt(candidate, best, trials)
      if (verdict === undefined) return progress
      if (verdict) {
        progress = true
        break
      }
    }
  }
  return progress
}

function offeredInputs(action: ExploreAction<any> | undefined, best: Best, index: number, rng: Rng, actionNames: ActionNames): unknown[] {
  const inputs = action?.options.inputs
  if (!inputs) return []
  const ctxBefore = best.run.steps[index]?.ctxBefore ?? best.run.steps[index - 1]?.ctxAfter ?? {}
  try {
    return simplerInputs(best.sequence[index]!.input, inputs(viewAt(best.sequence, index, ctxBefore, actionNames), rng))
  } catch {
    // An `inputs` that throws out of the state it was written for offers nothing here.
    return []
  }
}
