/**
 * A rollback first waits for requests that outlived their steps (a step that timed out, here in the journey
 * before): the app may still be handling them, and what they do must be undone too. That wait is no
 * backend's and no path's, and a path after another journey's timed-out step looked slow for it, in every
 * output, with nothing saying why. It is told apart: `waitedMs` in the path's rollback and in the rollback
 * event, and said so by the console and the Markdown report. Against the example todo app in its own
 * process, rolled back through its control endpoint.
 */
import { type RollbackEvent, type RunResult, branch, checkpoint, definePlugin, journey, path, step } from '@venomqa/core'
import { type RunningProcess, startTodoApp } from '@venomqa/test-utils'
import { PassThrough } from 'node:stream'
import { afterAll, beforeAll, expect, it } from 'vitest'
import { builtinReporters, createConsoleReporter, createRunner, httpControlState } from '../src/index'

let app: RunningProcess
beforeAll(async () => {
  app = await startTodoApp()
})
afterAll(async () => {
  await app?.stop()
})

const branching = journey('branching', {
  steps: [
    checkpoint('start'),
    branch('start', [path('first', [step('stats', ({ http }) => http.get('/api/stats'))]), path('second', [step('stats_again', ({ http }) => http.get('/api/stats'))])]),
  ],
})

/** The run of `journeys` with the console and Markdown reporters, and every rollback event. */
async function runOf(journeys: ReturnType<typeof journey>[]): Promise<{ run: RunResult; rollbacks: RollbackEvent[]; console: string; markdown: string }> {
  const stream = new PassThrough()
  let console = ''
  stream.on('data', (d) => (console += d))
  const rollbacks: RollbackEvent[] = []
  const watch = definePlugin({ name: 'rollbacks', version: '1.0.0', apiVersion: 1, hooks: { rollback: (e) => void rollbacks.push(e) } })
  const runner = createRunner({ baseUrl: app.url, stateBackends: [httpControlState({ url: app.url })], plugins: [watch], reporters: [createConsoleReporter({ stream, color: false, progress: false })] })
  try {
    const run = await runner.run(journeys)
    const markdown = builtinReporters.markdown({ options: {} }).render!(run, {} as never) as string
    return { run, rollbacks, console, markdown }
  } finally {
    await runner.close()
  }
}

it("a branch after a journey whose timed-out step left its request unanswered tells the wait apart from the rollback's backends", async () => {
  // The app would answer after 5 s: the request keeps its connection 1 s after its step stopped (the grace),
  // and the next rollback, well inside that second, waits until it is cut.
  const slow = journey('slow', { steps: [step('slow', ({ http }) => http.get('/api/slow?ms=5000'), { timeout: 100 })] })
  const { run, rollbacks, console, markdown } = await runOf([slow, branching])
  expect(run.journeys[0]!.status).toBe('failed')
  const [first] = (run.journeys[1]!.nodes[1] as { paths: { rollback: { durationMs: number; waitedMs?: number } | null }[] }).paths
  expect(first!.rollback?.waitedMs).toEqual(expect.any(Number))
  expect(first!.rollback!.waitedMs!).toBeLessThanOrEqual(first!.rollback!.durationMs)
  expect(rollbacks[0]).toMatchObject({ journey: 'branching', path: 'first', reason: 'before-path', waitedMs: first!.rollback!.waitedMs })
  // Only the first rollback waited: the request had ended by the next one.
  expect(rollbacks.slice(1).map((e) => e.waitedMs)).toEqual([undefined, undefined])
  expect(console).toMatch(/↺ rollback to start \(before-path\) \d+ ms: http-control \d+ ms, \d+ ms waiting for requests that outlived their steps\n/)
  expect(markdown).toMatch(/path \*\*first\*\* \(rollback \d+ ms, \d+ ms of it waiting for requests that outlived their steps\)/)
})

it('a rollback with no request left unanswered says nothing of a wait', async () => {
  const { run, rollbacks, console, markdown } = await runOf([branching])
  expect(run.status).toBe('passed')
  expect(rollbacks.map((e) => e.waitedMs)).toEqual([undefined, undefined, undefined])
  expect(console).not.toContain('waiting for requests')
  expect(markdown).not.toContain('waiting for requests')
})
