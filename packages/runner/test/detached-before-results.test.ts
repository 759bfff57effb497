/**
 * A request its step stopped waiting for (a step's timeout, an interrupt) keeps its connection for the grace
 * (1 s), then is cut off and named in a warning. The run ends after that, so the warning comes before the
 * run's end and its reports, as docs/cli.md tells it; with no checkpoint to roll back, nothing waited for the
 * request, and the warning came after the results were saved and the reports written. It is a run issue
 * too, so that a report does not read clean while the app may hold what the request did. Against the example
 * todo app in its own process.
 */
import { definePlugin, journey, step } from '@venomqa/core'
import { type RunningProcess, startTodoApp } from '@venomqa/test-utils'
import { afterAll, beforeAll, expect, it } from 'vitest'
import { createRunner } from '../src/index'

let app: RunningProcess
beforeAll(async () => {
  app = await startTodoApp()
})
afterAll(async () => {
  await app?.stop()
})

it('a request cut off after its step stopped is told before the run ends, with no state backend', async () => {
  const order: string[] = []
  const logger = { debug() {}, info() {}, warn: (m: string) => void order.push(`warn: ${m}`), error() {} }
  const ends = definePlugin({ name: 'ends', version: '1.0.0', apiVersion: 1, hooks: { runEnd: () => void order.push('runEnd') } })
  const runner = createRunner({ baseUrl: app.url, logger, plugins: [ends] })
  try {
    // The app would answer after 5 s: the step stops at 100 ms, its request is cut off 1 s later.
    const slow = journey('slow', { steps: [step('slow', ({ http }) => http.get('/api/slow?ms=5000'), { timeout: 100 })] })
    const run = await runner.run(slow)
    order.push('run returned')
    expect(run.journeys[0]!.status).toBe('failed')
    const told = `GET ${app.url}/api/slow?ms=5000 got no answer after its step stopped (it is given 1000 ms): if the app still acts on it, that is not rolled back`
    // Naming the step that sent it, as the console's list of issues places an issue.
    expect(order).toEqual([`warn: slow › slow: ${told}`, 'runEnd', 'run returned'])
    // In the results as well, where a report reads it: not on stderr alone.
    expect(run.issues).toEqual([expect.objectContaining({ journey: 'slow', path: 'main', step: 'slow', severity: 'high', kind: 'state', source: 'runner', error: told })])
  } finally {
    await runner.close()
  }
})
