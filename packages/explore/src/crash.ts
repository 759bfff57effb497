import { type Issue, errorMessage, makeIssue } from '@venomqa/core'
/**
 * An exploration that stopped on an error outside any action: its setup, its workers, the tool. The kind's
 * own suggestion speaks of an action that threw, where none ran.
 */
export function crashIssue(exploration: string, err: unknown): Issue {
  return makeIssue({
    journey: exploration,
    path: '',
    step: 'exploration',
    severity: 'critical',
    kind: 'crash',
    error: `exploration crashed: ${errorMessage(err)}`,
    suggestion: 'The exploration stopped on an error outside any action (its setup, its workers, or the tool itself): read the error, and run with --debug for its stack.',
    source: 'explore',
  })
}
