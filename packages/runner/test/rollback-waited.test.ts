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

it("a branch after a step that timed out with its request unanswered tells the wait apart from the rollback's backends", async () => {
  // The app would answer after 5 s: the request keeps its connection 1 s after its step stopped (the grace),
  // and the branch's first rollback, a checkpoint later, waits until it is cut.
  const slowThenBranch = journey('slow_then_branch', {
    steps: [step('slow', ({ http }) => http.get('/api/slow?ms=5000'), { timeout: 100 }), ...branching.steps],
  })
  const { run, rollbacks, console, markdown } = await runOf([slowThenBranch])
  expect(run.journeys[0]!.status).toBe('failed')
  const [first] = (run.journeys[0]!.nodes[2] as { paths: { rollback: { durationMs: number; waitedMs?: number } | null }[] }).paths
  expect(first!.rollback?.waitedMs).toEqual(expect.any(Number))
  expect(first!.rollback!.waitedMs!).toBeLessThanOrEqual(first!.rollback!.durationMs)
  expect(rollbacks[0]).toMatchObject({ journey: 'slow_then_branch', path: 'first', reason: 'before-path', waitedMs: first!.rollback!.waitedMs })
  // Only the first rollback waited: the request had ended by the next one.
  expect(rollbacks.slice(1).map((e) => e.waitedMs)).toEqual([undefined, undefined])
  // A duration is `12 ms` or `1.02 s`: the wait ends with the grace, about a second after the step stopped.
  expect(console).toMatch(/↺ rollback to start \(before-path\) [\d.]+ m?s: http-control [\d.]+ m?s, [\d.]+ m?s waiting for requests that outlived their steps\n/)
  expect(markdown).toMatch(/path \*\*first\*\* \(rollback [\d.]+ m?s, [\d.]+ m?s waiting for requests that outlived their steps\)/)
})

it('a journey put back after it ends (restore) tells its wait apart too', async () => {
  const restored = journey('restored', { restore: true, steps: [step('slow', ({ http }) => http.get('/api/slow?ms=5000'), { timeout: 100 })] })
  const { run, rollbacks, console, markdown } = await runOf([restored])
  expect(run.journeys[0]!.restored?.waitedMs).toEqual(expect.any(Number))
  expect(rollbacks).toMatchObject([{ journey: 'restored', reason: 'restore', waitedMs: run.journeys[0]!.restored!.waitedMs }])
  expect(console).toMatch(/↺ rollback to [^\n]* \(restore\) [\d.]+ m?s: http-control [\d.]+ m?s, [\d.]+ m?s waiting for requests that outlived their steps\n/)
  expect(markdown).toMatch(/\(restore\) \|[^\n]*, [\d.]+ m?s waiting for requests that outlived their steps \|/)
})

it("a journey out of time, put back to its first checkpoint, tells the wait for its cut request apart", async () => {
  const late = journey('late', { timeout: 300, steps: [checkpoint('start'), step('slow', ({ http }) => http.get('/api/slow?ms=5000'))] })
  const { rollbacks, console } = await runOf([late])
  expect(rollbacks).toMatchObject([{ journey: 'late', reason: 'timeout', checkpoint: 'start', waitedMs: expect.any(Number) }])
  expect(console).toMatch(/↺ rollback to start \(timeout\) [\d.]+ m?s: http-control [\d.]+ m?s, [\d.]+ m?s waiting for requests that outlived their steps\n/)
})

it('a rollback with no request left unanswered says nothing of a wait', async () => {
  const { run, rollbacks, console, markdown } = await runOf([branching])
  expect(run.status).toBe('passed')
  expect(rollbacks.map((e) => e.waitedMs)).toEqual([undefined, undefined, undefined])
  expect(console).not.toContain('waiting for requests')
  expect(markdown).not.toContain('waiting for requests')
})
