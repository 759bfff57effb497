/**
 * A violation's issue names its sequence as the reports do, each action with the input it was taken with
 * (`add {"n":2} > add {"n":2}`): by the action names alone, two sequences that differ only in their
 * inputs read as one, and the issue list did not say which input broke the invariant.
 */
import { action, exploration, invariant, sequenceStepText } from '@venomqa/core'
import { createRunner, httpControlState } from '@venomqa/runner'
import { afterAll, beforeAll, expect, it } from 'vitest'
import { explore } from '../src'
import { type ReplayApp, startReplayApp } from './replay-app'

let app: ReplayApp
beforeAll(async () => {
  app = await startReplayApp()
  app.fixed = true
})
afterAll(() => app?.stop())

const add = action<{ n: number }>('add', ({ ctx, input }) => void ctx.set('total', (ctx.get<number>('total') ?? 0) + input.n), { inputs: () => [{ n: 1 }, { n: 3 }], maxPerPath: 2 })
const small = invariant('the total stays under 5', ({ ctx }) => (ctx.get<number>('total') ?? 0) < 5)

it("names each action of a violation's sequence with its input in the issue's path", async () => {
  const runner = createRunner({ baseUrl: app.url, stateBackends: [httpControlState({ url: app.url })] })
  try {
    const r = await explore(exploration('totals', { actions: [add], invariants: [small], depth: 2, seed: 1, dedupe: false }), { runner, root: process.cwd(), emitDir: false })
    expect(r.violations).toHaveLength(1)
    const [violation] = r.violations
    const issue = r.issues.find((i) => i.step === 'the total stays under 5')!
    expect(issue.path).toBe(violation!.sequence.map((s) => sequenceStepText(s)).join(' > '))
    expect(issue.path).toMatch(/^add \{"n":\d\} > add \{"n":3\}$/)
  } finally {
    await runner.close()
  }
})
