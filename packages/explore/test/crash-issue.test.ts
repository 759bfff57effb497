/** An exploration that stopped outside any action is told so: the crash kind's own advice speaks of an action that threw. */
import { expect, it } from 'vitest'
import { crashIssue } from '../src/crash'

it("tells an exploration's crash with advice of its own, not an action's", () => {
  const issue = crashIssue('shop', new Error('worker 1: the control plugin cannot serve workers'))
  expect(issue).toMatchObject({ journey: 'shop', step: 'exploration', severity: 'critical', kind: 'crash', error: 'exploration crashed: worker 1: the control plugin cannot serve workers' })
  expect(issue.suggestion).toMatch(/^The exploration stopped on an error outside any action/)
  expect(issue.suggestion).not.toMatch(/The action threw/)
})
