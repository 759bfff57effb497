import type { Outcome } from './outcome'

/** A step that failed before another on its line: on its own path, or on the line its checkpoint was taken from. */
export interface EarlierFailure {
  step: string
  path: string
}

/** The most failed steps named in one message: the nearest ones, in the order they ran. */
const MOST_NAMED = 3

/**
 * A context key that is not there, read after a step of the same line failed: most often that step is the
 * one that would have set it (a create answered with another status than it asserts never reached its
 * `ctx.set`), and the key's spelling, which the error would otherwise send the user to check, is fine. The
 * failure is told as caused by the earlier one, naming it. Any other outcome is left as it is.
 */
export function afterEarlierFailure(outcome: Outcome, earlier: readonly EarlierFailure[]): Outcome {
  if (outcome.passed || !outcome.missingContext || !earlier.length) return outcome
  const named = earlier.slice(-MOST_NAMED).map(stepName)
  const steps = `${named.length === 1 ? 'step' : 'steps'} ${named.join(', ')}`
  const more = earlier.length > MOST_NAMED ? ` (and ${earlier.length - MOST_NAMED} before them)` : ''
  return {
    ...outcome,
    message: `${outcome.message}; ${steps}${more} failed before this one, so the value may never have been set`,
    suggestion: `Fix ${steps} first: a step that failed before its ctx.set() left the value out, and this failure may follow from it. failFast: true on the journey stops a line at its first failed step, so a failure like this is told once.`,
  }
}

const stepName = (f: EarlierFailure) => (f.path === 'main' ? `"${f.step}"` : `"${f.step}" (path ${f.path})`)
