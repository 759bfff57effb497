/**
 * What the runner tells of an action's own place names its sequence as every issue of an exploration does,
 * each action with its input (core's sequenceText): a request the action sent that was cut off after the
 * action stopped at its deadline is told, in the warning and in the run's issue, after `wait {"ms":3000}`,
 * not after `wait` alone, which did not say which of the action's inputs sent it; so is it when a replay of
 * the sequence (confirming, shrinking) cuts it off, which named it `sequence`. Against the replay app,
 * whose /slow answers late.
 */
import { type Issue, action, exploration } from '@venomqa/core'
import { createRunner, httpControlState } from '@venomqa/runner'
import { afterAll, beforeAll, expect, it } from 'vitest'
import { explore } from '../src'
import { type ReplayApp, startReplayApp } from './replay-app'

let app: ReplayApp
beforeAll(async () => {
  app = await startReplayApp()
})
afterAll(() => app?.stop())

it('a request cut off after its action stopped is told naming the sequence with its inputs', async () => {
  const wait = action<{ ms: number }>('wait', ({ http, input }) => http.get(`/slow?ms=${input.ms}`), { inputs: () => [{ ms: 0 }, { ms: 3000 }], timeout: 100 })
  const warnings: string[] = []
  const logger = { debug() {}, info() {}, warn: (m: string) => void warnings.push(m), error() {} }
  const runner = createRunner({ baseUrl: app.url, logger, http: { retry: false }, stateBackends: [httpControlState({ url: app.url })] })
  try {
    const result = await explore(exploration('waits', { actions: [wait], depth: 1, seed: 1 }), { runner, root: process.cwd(), emitDir: false })
    expect(result.issues.map((i) => [i.step, i.path])).toEqual([['request_error', 'wait {"ms":3000}']])
    const cutOff = (runner as unknown as { runIssues: Issue[] }).runIssues.filter((i) => i.error.includes('got no answer after its step stopped'))
    // Once by the search, again by each replay of the sequence that confirms and shrinks it: each names it so.
    expect([...new Set(cutOff.map((i) => `${i.journey} | ${i.path} | ${i.step}`))]).toEqual(['waits | wait {"ms":3000} | wait'])
    const told = warnings.filter((w) => w.includes('got no answer'))
    expect(told.length).toBe(cutOff.length)
    for (const w of told) expect(w).toMatch(/^waits › wait \{"ms":3000\} › wait: GET \S+\/slow\?ms=3000 got no answer/)
  } finally {
    await runner.close()
  }
}, 30_000)
