/**
 * A journey whose worker could not be made is told to live reporters and plugin hooks like every other
 * journey of the run: one journeyStart and one journeyEnd, with its worker. Everything runs in this process
 * (memory state, no app): what is under test is what the runner tells its hooks.
 */
import { PassThrough } from 'node:stream'
import { type Journey, type RunResult, definePlugin, journey, step } from '@venomqa/core'
import { describe, expect, it } from 'vitest'
import { createConsoleReporter, createRunner, memoryState } from '../src/index'

const noop = () => undefined

/** A plugin that records each journeyStart and journeyEnd it is given, as one line each. */
function listener() {
  const events: string[] = []
  const plugin = definePlugin({
    name: 'listens',
    version: '1.0.0',
    apiVersion: 1,
    hooks: {
      journeyStart: (e) => void events.push(`start ${e.journey.name} on worker ${e.worker ?? 0}`),
      journeyEnd: (e) => void events.push(`end ${e.journey.name} ${e.result.status} on worker ${e.result.worker ?? 0}`),
    },
  })
  return { plugin, events }
}

function capture() {
  const stream = new PassThrough()
  let text = ''
  stream.on('data', (d) => (text += d))
  return { stream, text: () => text }
}

/** A run on two workers whose worker 1 cannot be made: j1 runs on worker 0, j2 is given to worker 1. */
async function runWithBrokenWorker(j2: Journey) {
  const { plugin, events } = listener()
  const out = capture()
  const reporter = createConsoleReporter({ stream: out.stream, color: false, progress: false })
  const runner = createRunner({
    workers: 2,
    stateBackends: [memoryState()],
    workerSetup: {
      create: async () => {
        throw new Error('no database for it')
      },
    },
    plugins: [plugin],
    reporters: [reporter],
  })
  let result: RunResult
  try {
    result = await runner.run([journey('j1', { steps: [step('s', noop)] }), j2])
  } finally {
    await runner.close()
  }
  const summary = String(await reporter.render!(result, {} as never))
  return { result, events, live: out.text(), summary }
}

const notMade = 'worker 1 could not be made, so the journey did not run: workerSetup.create(1) failed: no database for it'

describe('a journey whose worker could not be made', () => {
  it('fires journeyStart and journeyEnd once, with its worker, so plugin hooks see every journey of the run', async () => {
    const { result, events } = await runWithBrokenWorker(journey('j2', { steps: [step('s', noop)] }))

    expect(result.journeys.map((j) => `${j.name} ${j.status} on worker ${j.worker ?? 0}`)).toEqual(['j1 passed on worker 0', 'j2 failed on worker 1'])
    expect(result.journeys[1]!.issues.map((i) => [i.severity, i.source, i.error])).toEqual([['critical', 'workers', notMade]])
    // The two workers run at once: each journey's own events are in order, whichever worker came first.
    expect(events.filter((e) => e.includes(' j1 '))).toEqual(['start j1 on worker 0', 'end j1 passed on worker 0'])
    expect(events.filter((e) => e.includes(' j2 '))).toEqual(['start j2 on worker 1', 'end j2 failed on worker 1'])
  })

  it('is made once: the worker is given up, and the journeys left run on the other worker', async () => {
    let creates = 0
    const runner = createRunner({
      workers: 2,
      stateBackends: [memoryState()],
      workerSetup: {
        create: async () => {
          creates++
          throw new Error('no database for it')
        },
      },
    })
    let result: RunResult
    try {
      result = await runner.run(['j1', 'j2', 'j3', 'j4', 'j5'].map((name) => journey(name, { steps: [step('s', noop)] })))
    } finally {
      await runner.close()
    }
    // Before, worker 1 asked its setup again for every journey it took: an app started and a database made
    // each time for nothing, and the same error told once per journey while worker 0 ran fine.
    expect(creates).toBe(1)
    expect(result.journeys.map((j) => `${j.name} ${j.status} on worker ${j.worker ?? 0}`)).toEqual([
      'j1 passed on worker 0',
      'j2 failed on worker 1',
      'j3 passed on worker 0',
      'j4 passed on worker 0',
      'j5 passed on worker 0',
    ])
    expect(result.journeys[1]!.issues.map((i) => i.error)).toEqual([notMade])
    expect(result.status).toBe('failed')
  })

  it('with retries: told once, not once per attempt, as no attempt could start', async () => {
    const { result, events } = await runWithBrokenWorker(journey('j2', { retries: 2, steps: [step('s', noop)] }))

    expect(result.journeys[1]!.status).toBe('failed')
    expect(result.journeys[1]!.issues.map((i) => i.error)).toEqual([notMade])
    expect(events.filter((e) => e.includes(' j2 '))).toEqual(['start j2 on worker 1', 'end j2 failed on worker 1'])
  })

  it('when the worker is made but no lane on it can be: each attempt of a retried journey is told as one, and only the last ends the journey', async () => {
    const { plugin, events } = listener()
    const attempts: string[] = []
    const attemptPlugin = definePlugin({
      name: 'attempts',
      version: '1.0.0',
      apiVersion: 1,
      hooks: {
        journeyStart: (e) => void attempts.push(`start ${e.journey.name} attempt ${e.journey.attempt} of ${e.journey.maxAttempts}`),
        journeyEnd: (e) => void attempts.push(`end ${e.journey.name} attempt ${e.journey.attempt}${e.willRetry ? ', will retry' : ''}`),
      },
    })
    // The worker is made, but its base URL is no HTTP one: no client, so no lane, can be made for any attempt.
    const runner = createRunner({
      workers: 2,
      stateBackends: [memoryState()],
      workerSetup: { create: async () => ({ baseUrl: 'ftp://example.test', stateBackends: [memoryState({}, 'worker')] }) },
      plugins: [plugin, attemptPlugin],
    })
    let result: RunResult
    try {
      result = await runner.run([journey('j1', { steps: [step('s', noop)] }), journey('j2', { retries: 1, steps: [step('s', noop)] })])
    } finally {
      await runner.close()
    }

    const j2 = result.journeys[1]!
    expect([j2.status, j2.worker, j2.attempt, j2.earlierAttempts?.length]).toEqual(['failed', 1, 2, 1])
    expect(events.filter((e) => e.includes(' j2 '))).toEqual(['start j2 on worker 1', 'end j2 failed on worker 1', 'start j2 on worker 1', 'end j2 failed on worker 1'])
    expect(attempts.filter((e) => e.includes(' j2 '))).toEqual(['start j2 attempt 1 of 2', 'end j2 attempt 1, will retry', 'start j2 attempt 2 of 2', 'end j2 attempt 2'])
  })

  it('is shown by the console as it ends, and counted once in its summary', async () => {
    const { live, summary } = await runWithBrokenWorker(journey('j2', { steps: [step('s', noop)] }))

    // Two journeys run at once: each line of one starts with its name.
    // It never ran: said so where it starts and ends, with no time of its own.
    expect(live).toContain('[j2] ▶ j2 (not run)\n')
    expect(live).toMatch(/^\[j2\] ✗ j2 not run$/m)
    expect(live.match(/▶ j2/g)).toHaveLength(1)
    expect(summary).toMatch(/^Journeys {2}1 passed, 1 failed of 2$/m)
    expect(summary).toContain(notMade)
  })
})
