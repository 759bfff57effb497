import { type Issue, type TakenAction, errorMessage, makeIssue, redactText, sequenceText } from '@venomqa/core'
import { ActionHookThrew } from './edges'
/**
 * An exploration that stopped on an error outside any action: its setup, its workers, the tool. The kind's
 * own suggestion speaks of an action that threw, where none ran. An action's `when` or `inputs` that threw
 * is the action's code, and is said so.
 */
export function crashIssue(exploration: string, err: unknown): Issue {
  const ofAction = err instanceof ActionHookThrew
  return makeIssue({
    journey: exploration,
    path: '',
    step: 'exploration',
    severity: 'critical',
    kind: 'crash',
    error: `exploration crashed: ${ofAction ? err.message : errorMessage(err)}`,
    suggestion: ofAction
      ? "Fix the action's when() or inputs(): it runs in every state the search reaches, before the action does, and must answer in each of them."
      : 'The exploration stopped on an error outside any action (its setup, its workers, or the tool itself): read the error, and run with --debug for its stack.',
    source: 'explore',
  })
}

/** How much of a crash's message a violation reported as met quotes: its note is the message's, not the crash's report. */
const CRASH_IN_NOTE = 200

/**
 * Why a violation met before the exploration crashed is reported as met (as NOT_SETTLED_INTERRUPTED says it
 * for Ctrl-C): a bare "not confirmed" read as replays that failed to reproduce it. The crash in brief, its
 * first line (an action's hook without the advice its issue gives), redacted; the crash issue tells the rest.
 */
export function notSettledCrashed(err: unknown): string {
  const what = err instanceof ActionHookThrew ? `action "${err.action}": ${err.what}` : errorMessage(err)
  const line = what.split(/\r?\n/, 1)[0]!.trim()
  const brief = line.length > CRASH_IN_NOTE ? `${line.slice(0, CRASH_IN_NOTE - 1)}…` : line
  return `not shrunk or confirmed: the exploration crashed: ${redactText(brief)}`
}

/**
 * An invariant whose own check threw (see CheckThrew), told once with the first sequence it threw after:
 * the test's mistake, not a violation of the API, so no sequence is shrunk and no journey written for it.
 */
export function invariantThrewIssue(exploration: string, invariant: string, message: string, path: readonly TakenAction[]): Issue {
  const sequence = sequenceText(path)
  return makeIssue({
    journey: exploration,
    path: sequence,
    step: invariant,
    severity: 'critical',
    kind: 'crash',
    error: `invariant "${invariant}" threw after ${sequence}, so it was not checked there: ${message}`,
    suggestion:
      "Fix the invariant's check: it runs after every action it applies to, in every state the search reaches, and must answer in each of them (test a context key with ctx.has() before reading it). A violation is a thrown assertion, false or a string; any other error is the check's own. If the API answered a shape the check did not expect, assert it (assertStatus) or return a string, and it is a violation.",
    source: 'explore',
  })
}
