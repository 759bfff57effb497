/**
 * Journeys put back after they run (`restore`, `restoreAfterJourney`): the state backends roll back to the
 * checkpoint taken before the journey once it ends, whatever its end. MemoryState backends, so what a
 * journey leaves is seen directly.
 */
import { ConfigError, type RollbackEvent, checkpoint, journey, step } from '@venomqa/core'
import { PassThrough } from 'node:stream'
import { describe, expect, it } from 'vitest'
import { BEFORE_JOURNEY_CHECKPOINT } from '../src/execution/retries'
import { MemoryState, createRunner } from '../src/index'
import { createConsoleReporter } from '../src/reporters'

type Store = { users: string[] }

/** A journey that signs a user up, then passes or fails. */
function signUp(state: MemoryState<Store>, name: string, options: { fail?: boolean; restore?: boolean; retries?: number } = {}) {
  return journey(name, {
    ...(options.restore !== undefined ? { restore: options.restore } : {}),
    ...(options.retries !== undefined ? { retries: options.retries } : {}),
    steps: [
      step('sign_up', () => {
        state.data.users.push(name)
      }),
      checkpoint('signed_up'),
      step('confirm', () => {
        if (options.fail) throw new Error('confirmation failed')
      }),
    ],
  })
}

function rollbacks() {
  const seen: RollbackEvent[] = []
  return { seen, hooks: { rollback: (e: RollbackEvent) => void seen.push(e) } }
}

describe('restore after a journey', () => {
  it('says how long the restore took: its whole time, the backends\' rollbacks within it', async () => {
    // A rollback that takes 60 ms: the restore's time holds it, where it was taken before the rollback ran (0 ms).
    class SlowState extends MemoryState<Store> {
      override async rollback(name: string): Promise<void> {
        await new Promise((resolve) => setTimeout(resolve, 60))
        return super.rollback(name)
      }
    }
    const state = new SlowState({ users: [] })
    const log = rollbacks()
    const runner = createRunner({ stateBackends: [state], restoreAfterJourney: true, hooks: log.hooks })
    const run = await runner.run(signUp(state, 'alice'))
    await runner.close()
    const restored = run.journeys[0]!.restored!
    expect(restored.backends[0]!.durationMs).toBeGreaterThanOrEqual(55)
    expect(restored.durationMs).toBeGreaterThanOrEqual(restored.backends[0]!.durationMs)
    expect(log.seen.find((e) => e.reason === 'restore')).toMatchObject({ durationMs: restored.durationMs })
  })

  it('puts the system back after a passed and after a failed journey, and says how long it took', async () => {
    const state = new MemoryState<Store>({ users: ['admin'] })
    const log = rollbacks()
    const runner = createRunner({ stateBackends: [state], restoreAfterJourney: true, hooks: log.hooks })
    const seenBySecond: string[][] = []
    const second = journey('second', { steps: [step('look', () => void seenBySecond.push([...state.data.users]))] })
    const run = await runner.run([signUp(state, 'alice'), signUp(state, 'bob', { fail: true }), second])
    await runner.close()
    expect(run.journeys.map((j) => j.status)).toEqual(['passed', 'failed', 'passed'])
    // Neither sign-up stayed: the next journey, and the data after the run, have only what was there before.
    expect(seenBySecond).toEqual([['admin']])
    expect(state.data.users).toEqual(['admin'])
    expect(state.checkpoints).toEqual([])
    expect(run.journeys[0]!.restored).toMatchObject({ backends: [{ backend: 'memory', mechanism: 'memory' }] })
    expect(run.journeys[0]!.restored!.durationMs).toBeGreaterThanOrEqual(run.journeys[0]!.restored!.backends[0]!.durationMs)
    expect(log.seen.map((e) => [e.journey, e.checkpoint, e.reason])).toEqual([
      ['alice', BEFORE_JOURNEY_CHECKPOINT, 'restore'],
      ['bob', BEFORE_JOURNEY_CHECKPOINT, 'restore'],
      ['second', BEFORE_JOURNEY_CHECKPOINT, 'restore'],
    ])
    expect(run.journeys[1]!.issues.map((i) => i.error)).toEqual(['confirmation failed'])
  })

  it('off by default; a journey\'s own restore wins over the run\'s, either way', async () => {
    const state = new MemoryState<Store>({ users: [] })
    const off = createRunner({ stateBackends: [state] })
    await off.run([signUp(state, 'kept'), signUp(state, 'own_on', { restore: true })])
    await off.close()
    expect(state.data.users).toEqual(['kept'])
    const on = createRunner({ stateBackends: [state], restoreAfterJourney: true })
    const run = await on.run([signUp(state, 'restored'), signUp(state, 'own_off', { restore: false })])
    await on.close()
    expect(state.data.users).toEqual(['kept', 'own_off'])
    expect(run.journeys[1]).not.toHaveProperty('restored')
  })

  it('a retried journey is put back once, after its last attempt', async () => {
    const state = new MemoryState<Store>({ users: [] })
    const log = rollbacks()
    const runner = createRunner({ stateBackends: [state], restoreAfterJourney: true, hooks: log.hooks })
    const run = await runner.run(signUp(state, 'retried', { fail: true, retries: 2 }))
    await runner.close()
    expect(run.journeys[0]).toMatchObject({ status: 'failed', attempt: 3 })
    expect(run.journeys[0]!.restored).toBeDefined()
    expect(state.data.users).toEqual([])
    expect(state.checkpoints).toEqual([])
    expect(log.seen.map((e) => e.reason)).toEqual(['restore'])
  })

  it('with no state backend, the run is refused before anything runs, naming the option', async () => {
    let ran = 0
    const j = journey('j', { steps: [step('s', () => void ran++)] })
    const runner = createRunner({ restoreAfterJourney: true })
    const err = await runner.run(j).catch((e: unknown) => e)
    expect(err).toBeInstanceOf(ConfigError)
    expect((err as ConfigError).message).toMatch(/^restoreAfterJourney \(--restore\) is on, but no state backend is registered, so nothing would put the system back/)
    expect((err as ConfigError).where).toBe('restoreAfterJourney')
    const own = journey('own', { restore: true, steps: [step('s', () => void ran++)] })
    const plain = createRunner()
    const ownErr = await plain.run(own).catch((e: unknown) => e)
    expect((ownErr as ConfigError).message).toMatch(/^journey "own" sets restore: true, but no state backend is registered/)
    expect(ran).toBe(0)
    // A journey that opts out needs none.
    await expect(createRunner({ restoreAfterJourney: true }).run(journey('out', { restore: false, steps: [step('s', () => void ran++)] }))).resolves.toMatchObject({ status: 'passed' })
    expect(ran).toBe(1)
    await runner.close()
    await plain.close()
  })

  it('a rollback that fails is a critical issue of the journey, and no later journey runs on the unknown state', async () => {
    const state = new MemoryState<Store>({ users: [] })
    const broken = Object.assign(new MemoryState({}, 'broken'), {
      rollback: async () => {
        throw new Error('snapshot lost')
      },
    })
    const ends: string[] = []
    let laterRan = false
    const runner = createRunner({
      stateBackends: [state, broken],
      restoreAfterJourney: true,
      hooks: { journeyEnd: (e) => void ends.push(`${e.journey.name} ${e.result.status}`) },
    })
    const later = journey('later', { steps: [step('s', () => void (laterRan = true))] })
    const run = await runner.run([signUp(state, 'first'), later])
    await runner.close()
    const [first, second] = run.journeys
    expect(first!.status).toBe('failed')
    const issue = first!.issues.find((i) => i.step === 'restore')!
    expect(issue).toMatchObject({ severity: 'critical', kind: 'state', source: 'state:broken' })
    expect(issue.error).toContain('snapshot lost')
    // Live reporters were told the failure, not a pass.
    expect(ends[0]).toBe('first failed')
    expect(laterRan).toBe(false)
    expect(second!.status).toBe('failed')
    expect(second!.issues[0]!.error).toMatch(/^not run: the state could not be put back after journey "first" \(restore\): .*snapshot lost/)
    expect(run.status).toBe('failed')
  })

  it('an interrupted journey is put back once, to before it started, with no issue of its own', async () => {
    const state = new MemoryState<Store>({ users: ['admin'] })
    const log = rollbacks()
    const controller = new AbortController()
    const runner = createRunner({ stateBackends: [state], restoreAfterJourney: true, hooks: log.hooks, signal: controller.signal })
    const j = journey('interrupted', {
      steps: [
        step('sign_up', () => void state.data.users.push('eve')),
        checkpoint('signed_up'),
        step('more', () => void state.data.users.push('mallory')),
        step('waits', ({ signal }) => {
          controller.abort()
          return new Promise((_, reject) => signal.addEventListener('abort', () => reject(signal.reason), { once: true }))
        }),
      ],
    })
    const run = await runner.run(j)
    await runner.close()
    expect(run.interrupted).toBe(true)
    expect(state.data.users).toEqual(['admin'])
    expect(state.checkpoints).toEqual([])
    expect(log.seen.map((e) => [e.checkpoint, e.reason])).toEqual([[BEFORE_JOURNEY_CHECKPOINT, 'restore']])
    expect(run.journeys[0]!.issues.filter((i) => i.kind === 'state')).toEqual([])
  })

  it('journeys on workers are put back on their own worker\'s backends', async () => {
    const main = new MemoryState<Store>({ users: [] })
    const own = new Map<number, MemoryState<Store>>()
    const runner = createRunner({
      baseUrl: 'http://127.0.0.1:1',
      workers: 2,
      stateBackends: [main],
      ports: { store: main },
      restoreAfterJourney: true,
      workerSetup: {
        async create(index) {
          const state = new MemoryState<Store>({ users: [] }, 'memory')
          own.set(index, state)
          return { stateBackends: [state], ports: { store: state } }
        },
      },
    })
    const onLane = (name: string) =>
      journey(name, {
        steps: [
          step('sign_up', async ({ ports }) => {
            ports.require<MemoryState<Store>>('store').data.users.push(name)
            // Let the other worker take a journey meanwhile.
            await new Promise((r) => setTimeout(r, 20))
          }),
        ],
      })
    const run = await runner.run(['a', 'b', 'c', 'd'].map(onLane))
    await runner.close()
    expect(run.journeys.map((j) => j.status)).toEqual(['passed', 'passed', 'passed', 'passed'])
    expect(run.journeys.some((j) => j.worker === 1)).toBe(true)
    expect(own.get(1)!.data.users).toEqual([])
    expect(own.get(1)!.checkpoints).toEqual([])
    expect(main.data.users).toEqual([])
  })
})

describe('restore in the console', () => {
  it('prints the rollback after the journey live, and in the text of a saved run', async () => {
    const state = new MemoryState<Store>({ users: [] })
    const stream = new PassThrough()
    let live = ''
    stream.on('data', (d) => (live += d))
    const console = createConsoleReporter({ stream, color: false, progress: false })
    const runner = createRunner({ stateBackends: [state], restoreAfterJourney: true, reporters: [console] })
    const run = await runner.run(signUp(state, 'alice'))
    await runner.close()
    const line = /\n {2}↺ rollback to venomqa:before-journey \(restore\) \d+ ms: memory \d+ ms/
    console.render!(run, {} as never)
    await new Promise((r) => setImmediate(r))
    expect(live).toMatch(new RegExp(`${line.source}\\n✓ alice passed`))
    const saved = (await createConsoleReporter({ color: false }).render!(run, {} as never)) as string
    expect(saved).toMatch(new RegExp(`${line.source}\\n✓ alice passed`))
  })
})
