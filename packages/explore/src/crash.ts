import { type Issue, errorMessage, makeIssue } from '@venomqa/core'
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
