/**
 * Every issue of an exploration names its sequence as a violation's does, each action with its input
 * (`pay {"amount":600}`): an action whose own code failed, an invariant whose check threw. By the action
 * names alone, the input that made the action fail was not said, and the sequence could not be replayed by
 * hand. Each report that prints an issue's path shows it so.
 */
import { PassThrough } from 'node:stream'
import { type ExplorationResult, RESULTS_SCHEMA_VERSION, type RunResult, action, exploration, invariant, summarize } from '@venomqa/core'
import { createConsoleReporter, createRunner, httpControlState, renderJUnit, renderMarkdown } from '@venomqa/runner'
import { afterAll, beforeAll, expect, it } from 'vitest'
import { explore } from '../src'
import { type ReplayApp, startReplayApp } from './replay-app'

let app: ReplayApp
let result: ExplorationResult
beforeAll(async () => {
  app = await startReplayApp()
  app.fixed = true
  // The action's own code fails on the large amount; the invariant's own check throws after the small one.
  const pay = action<{ amount: number }>(
    'pay',
    async ({ http, ctx, input }) => {
      const res = await http.get('/health')
      if (input.amount > 100) throw new RangeError(`no currency format for ${input.amount}`)
      ctx.set('paid', input.amount)
      return res
    },
    { inputs: () => [{ amount: 5 }, { amount: 600 }] },
  )
  const receipt = invariant('a receipt is kept', ({ ctx }) => ctx.get<number>('paid') !== 5 || (undefined as unknown as { ok: boolean }).ok)
  const runner = createRunner({ baseUrl: app.url, stateBackends: [httpControlState({ url: app.url })] })
  try {
    result = await explore(exploration('payments', { actions: [pay], invariants: [receipt], depth: 1, seed: 1 }), { runner, root: process.cwd(), emitDir: false })
  } finally {
    await runner.close()
  }
})
afterAll(() => app?.stop())

function run(): RunResult {
  return {
    schemaVersion: RESULTS_SCHEMA_VERSION,
    tool: { name: 'venomqa', version: '0.0.0' },
    startedAt: '2026-01-01T00:00:00.000Z',
    finishedAt: '2026-01-01T00:00:01.000Z',
    durationMs: 1000,
    status: 'failed',
    interrupted: false,
    backends: [],
    journeys: [],
    explorations: [result],
    issues: [],
    summary: summarize([], [], [result]),
  }
}

it('names the sequence of an action that failed, and of an invariant that threw, with their inputs', () => {
  expect(result.violations).toEqual([])
  expect(result.issues.map((i) => [i.step, i.path])).toEqual([
    ['a receipt is kept', 'pay {"amount":5}'],
    ['pay', 'pay {"amount":600}'],
  ])
  expect(result.issues[0]!.error).toContain('threw after pay {"amount":5}, so it was not checked there')
})

it('shows those paths in the console, Markdown and JUnit reports', async () => {
  const text = String(await createConsoleReporter({ stream: new PassThrough(), color: false, progress: false }).render!(run(), {} as never))
  const markdown = renderMarkdown(run())
  // JUnit escapes the quotes of an attribute or a text.
  const junit = renderJUnit(run()).replaceAll('&quot;', '"')
  for (const [name, report] of Object.entries({ text, markdown, junit })) {
    expect(report, name).toContain('pay {"amount":600}')
    expect(report, name).toContain('pay {"amount":5}')
  }
})
