/**
 * A worker's app that ends on its own while the run uses it: a real app process per worker
 * (fixtures/crashing-app.mjs), whose setup says when it ends (WorkerResources.exited). The journey on it
 * stops, saying how the app ended; no step blames the base URL; that worker takes no more journeys, and
 * the others run the journeys left.
 */
import type { ChildProcess } from 'node:child_process'
import { type AppProcess, type WorkerAppExit, assertStatus, journey, startAppProcess, step, suggestionFor } from '@venomqa/core'
import { type RunningProcess, startNodeProcess } from '@venomqa/test-utils'
import { afterEach, describe, expect, it } from 'vitest'
import { createRunner } from '../src/index'

const APP = new URL('./fixtures/crashing-app.mjs', import.meta.url).pathname

/** How `child` ended, with the stderr lines it wrote, as a setup's `exited` says it (startAppProcess gives one). */
function exitOf(app: RunningProcess): Promise<WorkerAppExit> {
  const child: ChildProcess = app.child
  const lines = () => app.output().split('\n').filter((l) => l.trim() && !l.includes('listening on'))
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve({ code: child.exitCode, signal: child.signalCode, stderr: lines() })
  return new Promise((resolve) => child.once('close', (code, signal) => resolve({ code, signal, stderr: lines() })))
}

describe('a worker whose app ends on its own', () => {
  const apps: RunningProcess[] = []
  afterEach(async () => {
    await Promise.all(apps.splice(0).map((a) => a.stop()))
  })

  it('stops the journey on it, saying how the app ended, and the journeys left run on the other worker', async () => {
    const main = await startNodeProcess(APP)
    apps.push(main)
    const workerApps: RunningProcess[] = []
    let j2Ended = () => {}
    const j2Over = new Promise<void>((resolve) => (j2Ended = resolve))
    const runner = createRunner({
      // j2's end is what j1 waits for: worker 0 is busy until then, so the journeys after j2 find worker 1 free.
      hooks: { journeyEnd: (e) => void (e.journey.name === 'j2' && j2Ended()) },
      baseUrl: main.url,
      workers: 2,
      workerSetup: {
        async create() {
          const app = await startNodeProcess(APP)
          apps.push(app)
          workerApps.push(app)
          return { baseUrl: app.url, close: () => app.stop(), exited: exitOf(app) }
        },
      },
    })
    const lists = (name: string) => journey(name, { steps: [step('list', async ({ http }) => assertStatus(await http.get('/items'), 200))] })
    // j1 runs on worker 0 and j2 on worker 1 (each lane takes the next journey as it starts); j2 crashes worker 1's app.
    // The step's own timeout only ends a wait that a runner never running j2 would never see end.
    const busy = journey('j1', { steps: [step('until_j2_ended', () => j2Over, { timeout: 30_000 })] })
    const crashes = journey('j2', {
      steps: [step('crash', ({ http }) => http.post('/crash')), step('list', async ({ http }) => assertStatus(await http.get('/items'), 200))],
    })
    let result: Awaited<ReturnType<typeof runner.run>>
    try {
      result = await runner.run([busy, crashes, lists('j3'), lists('j4'), lists('j5')])
    } finally {
      await runner.close()
    }

    expect(result.status).toBe('failed')
    expect(result.journeys.map((j) => [j.name, j.status, j.worker ?? 0])).toEqual([
      ['j1', 'passed', 0],
      ['j2', 'failed', 1],
      ['j3', 'passed', 0],
      ['j4', 'passed', 0],
      ['j5', 'passed', 0],
    ])
    expect(workerApps.map((a) => a.child.exitCode)).toEqual([3])

    const j2 = result.journeys[1]!
    const suggestion =
      "Worker 1's app process ended while the run used it (it crashed, or something stopped it): the requests failed because nothing was left to answer them, not because of the base URL. Read its last lines (stderr and stdout) in the error, and its logs; the journeys left go to the other workers (see docs/parallel.md)."
    const stopped = j2.issues.filter((i) => i.source === 'workers')
    expect(stopped.map((i) => [i.severity, i.step, i.error, i.suggestion])).toEqual([
      [
        'critical',
        'journey',
        // The password in what the app wrote is masked.
        `worker 1's app ended unexpectedly (exit code 3) while the journey ran: the journey stopped there, and worker 1 is not used again in this run; its last stderr lines: "fatal: the job queue is gone" "lost postgres://app:***@db.internal/app"`,
        suggestion,
      ],
    ])
    // The step whose request the crash cut off: its failure (when it is told as one; the journey's stop may
    // come first and end it quietly) says the app had ended, and nothing sends the user to the base URL.
    const baseUrlAdvice = ['connection-refused', 'connection-reset', 'transport'].map((k) => suggestionFor(k as never))
    for (const issue of j2.issues) expect(baseUrlAdvice).not.toContain(issue.suggestion)
    for (const issue of j2.issues.filter((i) => i.source === 'step')) {
      expect(issue.error).toMatch(/ \(worker 1's app ended unexpectedly \(exit code 3\)\)$/)
      expect(issue.suggestion).toBe(suggestion)
    }
    // Nothing ran after the crash on that worker's dead app.
    expect(j2.nodes.map((n) => (n.kind === 'step' ? `${n.name} ${n.status}` : n.kind))[1]).toBe('list skipped')
  }, 60_000)

  it('an app that logs to stdout only: the issue shows its last stdout lines, masked', async () => {
    const main = await startNodeProcess(APP)
    apps.push(main)
    const workerApps: AppProcess[] = []
    let j2Ended = () => {}
    const j2Over = new Promise<void>((resolve) => (j2Ended = resolve))
    const runner = createRunner({
      hooks: { journeyEnd: (e) => void (e.journey.name === 'j2' && j2Ended()) },
      baseUrl: main.url,
      workers: 2,
      workerSetup: {
        // The app as a user starts it: startAppProcess keeps its last lines of stderr and of stdout.
        async create(_index, _main, signal) {
          const app = await startAppProcess({ command: [process.execPath, APP], env: { PORT: '0', HOST: '127.0.0.1' }, ...(signal ? { signal } : {}) })
          workerApps.push(app)
          return { baseUrl: app.baseUrl, close: app.close, exited: app.exited }
        },
      },
    })
    // j1 keeps worker 0 busy, so j2 runs on worker 1, whose app logs its last words on stdout and exits.
    const busy = journey('j1', { steps: [step('until_j2_ended', () => j2Over, { timeout: 30_000 })] })
    const crashes = journey('j2', { steps: [step('crash', ({ http }) => http.post('/crash-quietly'))] })
    let result: Awaited<ReturnType<typeof runner.run>>
    try {
      result = await runner.run([busy, crashes])
    } finally {
      await runner.close()
    }
    expect(result.journeys.map((j) => [j.name, j.status, j.worker ?? 0])).toEqual([
      ['j1', 'passed', 0],
      ['j2', 'failed', 1],
    ])
    const port = new URL(workerApps[0]!.baseUrl).port
    expect(result.journeys[1]!.issues.filter((i) => i.source === 'workers').map((i) => i.error)).toEqual([
      // Before, nothing followed "in this run": the app wrote nothing on stderr, and stdout was not shown.
      `worker 1's app ended unexpectedly (exit code 1) while the journey ran: the journey stopped there, and worker 1 is not used again in this run; its last stdout lines: "crashing fixture listening on http://127.0.0.1:${port}" ${JSON.stringify('{"level":60,"msg":"lost redis://:***@cache.internal:6379, exiting"}')}`,
    ])
  }, 60_000)

  it('an app that cuts a connection and goes on running is not taken for ended: the step fails as usual, and the worker stays in use', async () => {
    const main = await startNodeProcess(APP)
    apps.push(main)
    let j3Ended = () => {}
    const j3Over = new Promise<void>((resolve) => (j3Ended = resolve))
    const runner = createRunner({
      baseUrl: main.url,
      workers: 2,
      hooks: { journeyEnd: (e) => void (e.journey.name === 'j3' && j3Ended()) },
      workerSetup: {
        async create() {
          const app = await startNodeProcess(APP)
          apps.push(app)
          return { baseUrl: app.url, close: () => app.stop(), exited: exitOf(app) }
        },
      },
    })
    // Worker 0 is busy until j3 ends, so j3 runs on worker 1 after j2: only if worker 1 is still in use.
    const busy = journey('j1', { steps: [step('until_j3_ended', () => j3Over, { timeout: 15_000 })] })
    const resets = journey('j2', { steps: [step('reset', ({ http }) => http.post('/reset'))] })
    const lists = journey('j3', { steps: [step('list', async ({ http }) => assertStatus(await http.get('/items'), 200))] })
    let result: Awaited<ReturnType<typeof runner.run>>
    try {
      result = await runner.run([busy, resets, lists])
    } finally {
      await runner.close()
    }
    expect(result.journeys.map((j) => [j.name, j.status, j.worker ?? 0])).toEqual([
      ['j1', 'passed', 0],
      ['j2', 'failed', 1],
      ['j3', 'passed', 1],
    ])
    expect(result.journeys[1]!.issues.map((i) => [i.kind, i.suggestion])).toEqual([['connection-reset', suggestionFor('connection-reset')]])
  }, 60_000)
})
