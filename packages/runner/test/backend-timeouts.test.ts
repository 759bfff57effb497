/**
 * State backend calls and worker setups that never settle are abandoned at pluginTimeout: the run ends,
 * failed, with its reports, instead of hanging until CI kills it. Everything runs in this process (memory
 * state, no app): what is under test is the runner's handling of a call that never answers.
 */
import { AbortedError, type JourneyResult, type RunResult, type StateBackend, StateError, branch, checkpoint, composeWorkers, journey, path, step } from '@venomqa/core'
import { describe, expect, it } from 'vitest'
import { MemoryState, createRunner, memoryState } from '../src/index'

/** Small, so that each abandoned call costs the test little; the code path is the one of the 60 s default. */
const TIMEOUT = 200
/** Long enough for a few abandoned calls, short enough that the runner before this change (which waited forever) fails here rather than hangs. */
const TEST_TIMEOUT = 8_000

/** A promise that never settles: the backend call or worker setup under test hangs, as a wedged driver does. */
const never = <T = void>() => new Promise<T>(() => {})

type Call = 'connect' | 'checkpoint' | 'rollback' | 'release' | 'disconnect'

/**
 * A state backend over a MemoryState that records its calls and hangs on the ones in `hangs` (`{ rollback:
 * 2 }`: the second rollback never settles). `late`: the hung call settles after all, this many ms later
 * (rejecting), as a call that was only very slow does.
 */
function hanging(name: string, hangs: Partial<Record<Call, number>>, late?: number) {
  const memory = new MemoryState({}, name)
  const calls: string[] = []
  const counts: Partial<Record<Call, number>> = {}
  const call = (op: Call, real: () => Promise<void>, arg?: string) => {
    calls.push(arg === undefined ? op : `${op} ${arg}`)
    counts[op] = (counts[op] ?? 0) + 1
    if (counts[op] !== hangs[op]) return real()
    if (late === undefined) return never()
    return new Promise<void>((_, reject) => setTimeout(() => reject(new Error(`${op} gave up late`)), late))
  }
  const backend: StateBackend = {
    name,
    mechanism: 'memory',
    parallelSafe: false,
    connect: () => call('connect', () => memory.connect()),
    checkpoint: (n) => call('checkpoint', () => memory.checkpoint(n), n),
    rollback: (n) => call('rollback', () => memory.rollback(n), n),
    release: (n) => call('release', () => memory.release(n), n),
    disconnect: () => call('disconnect', () => memory.disconnect()),
  }
  return { backend, calls, memory }
}

const noop = () => undefined
const stepStatuses = (j: JourneyResult) => (j.nodes as { kind: string; name?: string; status: string }[]).map((n) => `${n.name ?? n.kind} ${n.status}`)
const issueOf = (j: JourneyResult) => j.issues.map((i) => [i.severity, i.kind, i.source, i.error])

/** What the reporters are given: runEnd fires with the run's result whatever became of it. */
function reported() {
  const seen: { result?: RunResult } = {}
  return { seen, hooks: { runEnd: ({ result }: { result: RunResult }) => void (seen.result = result) } }
}

async function eventually(check: () => boolean, ms = 2_000): Promise<void> {
  const until = Date.now() + ms
  while (!check()) {
    if (Date.now() > until) throw new Error('never happened')
    await new Promise((r) => setTimeout(r, 10))
  }
}

describe('a state backend call that never settles', () => {
  it('a checkpoint is abandoned at pluginTimeout: its journey fails naming the backend and the call, later journeys do not run, and the run ends with its reports', async () => {
    const stuck = hanging('stuck', { checkpoint: 1 })
    const ran: string[] = []
    const { seen, hooks } = reported()
    const runner = createRunner({ pluginTimeout: TIMEOUT, stateBackends: [stuck.backend], hooks })
    const result = await runner.run([
      journey('saves', { steps: [step('before', noop), checkpoint('cart'), step('after', () => void ran.push('after'))] }),
      journey('later', { steps: [step('would_run', () => void ran.push('later'))] }),
    ])
    const closeProblems = await runner.close()

    expect(result.status).toBe('failed')
    expect(seen.result).toBe(result)
    const [saves, later] = result.journeys
    expect(saves!.status).toBe('failed')
    expect(stepStatuses(saves!)).toEqual(['before passed', 'cart failed', 'after skipped'])
    expect(issueOf(saves!)).toEqual([
      [
        'critical',
        'state',
        'state',
        `state backend "stuck": checkpoint "cart" timed out after ${TIMEOUT} ms (pluginTimeout): abandoned, as its state is unknown and the call may still land (raise pluginTimeout if it is slow on purpose)`,
      ],
    ])
    // The backend may still be saving "cart" at any moment: nothing more runs on it.
    expect(later!.status).toBe('failed')
    expect(stepStatuses(later!)).toEqual(['would_run skipped'])
    expect(issueOf(later!)).toEqual([
      ['critical', 'state', 'runner', `not run: state backend "stuck" was abandoned when its checkpoint "cart" timed out after ${TIMEOUT} ms (pluginTimeout), so its state is unknown`],
    ])
    expect(ran).toEqual([])
    // Not called again (no release of the checkpoint it never confirmed), but still disconnected at the end.
    expect(stuck.calls).toEqual(['connect', 'checkpoint cart', 'disconnect'])
    expect(closeProblems).toEqual([])
  }, TEST_TIMEOUT)

  it("a rollback before a path is abandoned at pluginTimeout: the branch stops there, the backends that answered are released, and no later journey runs on the state it may not have restored", async () => {
    const other = memoryState({ n: 0 }, 'other')
    const stuck = hanging('stuck', { rollback: 2 })
    const ran: string[] = []
    const { seen, hooks } = reported()
    const runner = createRunner({ pluginTimeout: TIMEOUT, stateBackends: [other, stuck.backend], hooks })
    const result = await runner.run([
      journey('branches', {
        steps: [
          checkpoint('cart'),
          branch('cart', [path('one', [step('a', () => void ran.push('one'))]), path('two', [step('b', () => void ran.push('two'))])]),
          step('after', () => void ran.push('after')),
        ],
      }),
      journey('later', { steps: [step('would_run', () => void ran.push('later'))] }),
    ])
    await runner.close()

    expect(ran).toEqual(['one'])
    expect(result.status).toBe('failed')
    expect(seen.result).toBe(result)
    const [branches, later] = result.journeys
    expect(branches!.status).toBe('failed')
    expect(issueOf(branches!)).toEqual([
      [
        'critical',
        'state',
        'state:stuck',
        `rollback to checkpoint "cart" failed, so the branch stops here rather than run on unknown state: state backend "stuck": rollback to "cart" timed out after ${TIMEOUT} ms (pluginTimeout): abandoned, as its state is unknown and the call may still land (raise pluginTimeout if it is slow on purpose)`,
      ],
    ])
    expect(stepStatuses(branches!)).toEqual(['cart passed', 'branch failed', 'after skipped'])
    expect(later!.status).toBe('failed')
    expect(later!.issues[0]!.error).toBe(
      `not run: state backend "stuck" was abandoned when its rollback to "cart" timed out after ${TIMEOUT} ms (pluginTimeout), so its state is unknown`,
    )
    expect(stuck.calls).toEqual(['connect', 'checkpoint cart', 'rollback cart', 'rollback cart', 'disconnect'])
    // The backend that answered had its checkpoint released at the journey's end, as after any failed rollback.
    expect(other.checkpoints).toEqual([])
  }, TEST_TIMEOUT)

  it('on a worker lane, a rollback is abandoned at pluginTimeout: the branch stops, the main line is rolled back, and that worker is not used again', async () => {
    const workerBackends: ReturnType<typeof hanging>[] = []
    const main = memoryState({}, 'main')
    const runner = createRunner({
      pluginTimeout: TIMEOUT,
      parallelPaths: 2,
      stateBackends: [main],
      workerSetup: {
        async create(index) {
          const mine = hanging(`w${index}`, { rollback: 1 })
          workerBackends.push(mine)
          return { stateBackends: [mine.backend] }
        },
        async sync() {},
      },
    })
    const branching = (name: string) =>
      journey(name, { steps: [step('seed', noop), checkpoint('cart'), branch('cart', [path('p1', [step('a', noop)]), path('p2', [step('b', noop)])])] })
    const result = await runner.run([branching('first'), branching('second')])
    await runner.close()

    expect(result.status).toBe('failed')
    const [first, second] = result.journeys
    expect(first!.status).toBe('failed')
    expect(first!.issues.map((i) => i.error)).toContain(
      `worker 1: rollback to checkpoint "cart" failed, so the branch stops here rather than run on unknown state: state backend "w1": rollback to "cart" timed out after ${TIMEOUT} ms (pluginTimeout): abandoned, as its state is unknown and the call may still land (raise pluginTimeout if it is slow on purpose)`,
    )
    // The second journey's branch finds worker 1 abandoned and stops at once, without calling its backend.
    expect(second!.status).toBe('failed')
    expect(second!.issues.map((i) => i.error)).toContain(
      'could not prepare workers for the parallel paths of checkpoint "cart", so the branch stops rather than run on unknown state: ' +
        `state backend "w1": checkpoint "cart" not attempted: it was abandoned when its rollback to "cart" timed out after ${TIMEOUT} ms (pluginTimeout), so its state is unknown`,
    )
    expect(workerBackends.map((w) => w.calls)).toEqual([['connect', 'checkpoint cart', 'rollback cart', 'disconnect']])
    // The main lane's own state was known: it was rolled back and released.
    expect(main.checkpoints).toEqual([])
  }, TEST_TIMEOUT)
})

describe('a worker setup that never settles', () => {
  it('workerSetup.create is abandoned at pluginTimeout: the journey on that worker is not run, the others run on worker 0, and the run ends', async () => {
    const { seen, hooks } = reported()
    const runner = createRunner({ pluginTimeout: TIMEOUT, workers: 2, stateBackends: [memoryState()], workerSetup: { create: () => never() }, hooks })
    // j1 keeps worker 0 busy past the timeout: j3 and j4 are still waiting when worker 1 is given up, and go to worker 0.
    const busy = journey('j1', { steps: [step('s', () => new Promise((r) => setTimeout(r, TIMEOUT * 2)))] })
    const quick = (name: string) => journey(name, { steps: [step('s', noop)] })
    const result = await runner.run([busy, quick('j2'), quick('j3'), quick('j4')])
    await runner.close()

    expect(result.status).toBe('failed')
    expect(seen.result).toBe(result)
    const failed = result.journeys.filter((j) => j.status === 'failed')
    expect(failed.map(issueOf)).toEqual([
      [
        [
          'critical',
          'state',
          'workers',
          `worker 1 could not be made, so the journey did not run: workerSetup.create(1) timed out after ${TIMEOUT} ms (pluginTimeout); worker 1 is not used again in this run`,
        ],
      ],
    ])
    expect(result.journeys.map((j) => `${j.name} ${j.status}`)).toEqual(['j1 passed', 'j2 failed', 'j3 passed', 'j4 passed'])
    expect(result.journeys.filter((j) => j.status === 'passed').map((j) => j.worker ?? 0)).toEqual([0, 0, 0])
  }, TEST_TIMEOUT)

  it('what a workerSetup.create abandoned at pluginTimeout makes after all is closed, not left running', async () => {
    let closed = false
    const late = () => new Promise<{ stateBackends: StateBackend[]; close: () => void }>((resolve) => setTimeout(() => resolve({ stateBackends: [memoryState({}, 'late')], close: () => void (closed = true) }), TIMEOUT * 2))
    const runner = createRunner({ pluginTimeout: TIMEOUT, workers: 2, stateBackends: [memoryState()], workerSetup: { create: late } })
    const result = await runner.run([journey('j1', { steps: [step('s', noop)] }), journey('j2', { steps: [step('s', noop)] })])
    await runner.close()
    expect(result.status).toBe('failed')
    await eventually(() => closed)
  }, TEST_TIMEOUT)

  /**
   * A worker setup whose creates land `when` ms after they were asked for, or, given a promise (one the
   * test holds), once it settles. Each made thing's close does `close`.
   */
  function lateCreates(when: number | Promise<unknown>, close: (index: number) => void | Promise<void>) {
    const made: number[] = []
    const landing = () => (typeof when === 'number' ? new Promise((r) => setTimeout(r, when)) : when)
    return {
      made,
      setup: {
        create: async (index: number): Promise<{ stateBackends: StateBackend[]; close: () => void | Promise<void> }> => {
          await landing()
          made.push(index)
          return { stateBackends: [memoryState({}, `late${index}`)], close: () => close(index) }
        },
      },
    }
  }
  const twoJourneys = [journey('j1', { steps: [step('s', noop)] }), journey('j2', { steps: [step('s', noop)] })]

  it('close() waits for a create abandoned at pluginTimeout, saying so, and closes what it made before it returns', async () => {
    const closed: number[] = []
    const warnings: string[] = []
    const logger = { debug: noop, info: noop, error: noop, warn: (m: string) => void warnings.push(m) }
    // Lands half a timeout after it was abandoned: while close() still waits for it.
    const late = lateCreates(TIMEOUT * 1.5, (i) => void closed.push(i))
    const runner = createRunner({ pluginTimeout: TIMEOUT, workers: 2, stateBackends: [memoryState()], workerSetup: late.setup, logger })
    const result = await runner.run(twoJourneys)
    expect(result.status).toBe('failed')
    expect(late.made).toEqual([])
    expect(await runner.close()).toEqual([])
    // Closed by the time close() returns: the process may end right after it.
    expect(late.made).toEqual([1])
    expect(closed).toEqual([1])
    expect(warnings).toEqual([
      `waiting for workerSetup.create(1), abandoned at the timeout and told to stop, to undo or close what it made (its app, its database) (up to ${TIMEOUT} ms)`,
    ])
    expect(runner.closeIssues).toEqual([])
  }, TEST_TIMEOUT)

  it('a create abandoned at pluginTimeout still running when close() stops waiting is a critical close issue naming it', async () => {
    // The create lands only when the test lets it: a close() that waited for it would never return, and the
    // test would fail at its timeout. Bounded as the wait for an abandoned connect is: one pluginTimeout.
    let land = () => {}
    const landed = new Promise<void>((resolve) => {
      land = resolve
    })
    const closed: number[] = []
    const late = lateCreates(landed, (i) => void closed.push(i))
    const runner = createRunner({ pluginTimeout: TIMEOUT, workers: 2, stateBackends: [memoryState()], workerSetup: late.setup })
    await runner.run(twoJourneys)
    await runner.close()
    expect(late.made).toEqual([])
    expect(runner.closeIssues.map((i) => [i.severity, i.source, i.error])).toEqual([
      [
        'critical',
        'workers',
        'workerSetup.create(1) was still running when the run closed, after it was abandoned at the timeout and told to stop (its signal): what it makes (an app, a database) is closed if it finishes, but stays if the process ends first',
      ],
    ])
    // As the issue says: what it makes once it finishes is closed.
    land()
    await eventually(() => closed.length === 1)
    expect(late.made).toEqual([1])
    expect(closed).toEqual([1])
  }, TEST_TIMEOUT)

  it('what an abandoned create made that does not close is a critical close issue naming the create', async () => {
    const late = lateCreates(TIMEOUT * 1.5, () => {
      throw new Error('the database app_w1 could not be dropped')
    })
    const runner = createRunner({ pluginTimeout: TIMEOUT, workers: 2, stateBackends: [memoryState()], workerSetup: late.setup })
    await runner.run(twoJourneys)
    await runner.close()
    expect(runner.closeIssues.map((i) => [i.severity, i.source, i.error])).toEqual([
      [
        'critical',
        'workers',
        'workerSetup.create(1) finished after it was abandoned, and closing what it made failed, so it may still be running (an app, a database): the database app_w1 could not be dropped',
      ],
    ])
  }, TEST_TIMEOUT)

  it('an abandoned composed create that fails late and cannot undo what it made is a critical close issue saying what is left', async () => {
    const part = {
      part: 'dbWorkers',
      needsApp: true,
      covers: () => true,
      prepare: async () => ({ close: () => Promise.reject(new Error('could not drop the worker database "app_w1"')) }),
    }
    const startApp = () => new Promise<never>((_, reject) => setTimeout(() => reject(new Error('the app exited (1) before it listened')), TIMEOUT * 1.5))
    const runner = createRunner({ pluginTimeout: TIMEOUT, workers: 2, stateBackends: [memoryState()], workerSetup: composeWorkers(part, { startApp }) })
    await runner.run(twoJourneys)
    await runner.close()
    expect(runner.closeIssues.map((i) => [i.severity, i.source, i.error])).toEqual([
      [
        'critical',
        'workers',
        'workerSetup.create(1) failed after it was abandoned: the app exited (1) before it listened (and undoing worker 1 failed, so what it made is left behind: dbWorkers: could not drop the worker database "app_w1")',
      ],
    ])
  }, TEST_TIMEOUT)

  it("a worker's state backend whose connect never settles is abandoned at pluginTimeout: that worker's journey is not run, what its setup made is closed, and close() says it is still connecting", async () => {
    let closed = 0
    const runner = createRunner({
      pluginTimeout: TIMEOUT,
      workers: 2,
      stateBackends: [memoryState()],
      workerSetup: { create: async (index) => ({ stateBackends: [hanging(`w${index}`, { connect: 1 }).backend], close: () => void closed++ }) },
    })
    const result = await runner.run([journey('j1', { steps: [step('s', noop)] }), journey('j2', { steps: [step('s', noop)] })])
    const closeProblems = await runner.close()

    expect(result.status).toBe('failed')
    const failed = result.journeys.filter((j) => j.status === 'failed')
    expect(failed.map((j) => j.issues.map((i) => i.error))).toEqual([
      [`worker 1 could not be made, so the journey did not run: state backend "w1" connect timed out after ${TIMEOUT} ms (pluginTimeout); worker 1 is not used again in this run`],
    ])
    expect(result.journeys.filter((j) => j.status === 'passed').map((j) => j.worker ?? 0)).toEqual([0])
    expect(closed).toBe(1)
    expect(closeProblems).toEqual([
      'worker 1: state backend "w1" was still connecting when the run closed, after its connect was abandoned: it is disconnected if it finishes, but what it sets up in the system under test stays if the process ends first',
    ])
    expect(runner.closeIssues.map((i) => [i.severity, i.source])).toEqual([['critical', 'workers']])
  }, TEST_TIMEOUT)

  it("a worker's state backend whose disconnect never settles is abandoned at pluginTimeout: close() ends, with a critical issue naming it", async () => {
    const made: ReturnType<typeof hanging>[] = []
    const runner = createRunner({
      pluginTimeout: TIMEOUT,
      workers: 2,
      stateBackends: [memoryState()],
      workerSetup: {
        async create(index) {
          const mine = hanging(`w${index}`, { disconnect: 1 })
          made.push(mine)
          return { stateBackends: [mine.backend] }
        },
      },
    })
    const result = await runner.run([journey('j1', { steps: [step('s', noop)] }), journey('j2', { steps: [step('s', noop)] })])
    expect(result.status).toBe('passed')
    const closeProblems = await runner.close()
    expect(made.map((w) => w.calls)).toEqual([['connect', 'disconnect']])
    expect(closeProblems).toEqual([`worker 1: state backend "w1" disconnect timed out after ${TIMEOUT} ms (pluginTimeout)`])
    expect(runner.closeIssues.map((i) => [i.severity, i.source])).toEqual([['critical', 'workers']])
  }, TEST_TIMEOUT)

  /** A state backend whose connect finishes after `ms`, or never (`ms` undefined): slow, not refused. */
  function slowConnect(ms?: number, name = 'slow') {
    const memory = new MemoryState({}, name)
    const calls: string[] = []
    const backend: StateBackend = {
      name,
      mechanism: 'memory',
      parallelSafe: false,
      connect: () => {
        calls.push('connect')
        if (ms === undefined) return never()
        return new Promise<void>((resolve) =>
          setTimeout(async () => {
            await memory.connect()
            calls.push('connected')
            resolve()
          }, ms),
        )
      },
      checkpoint: (n) => memory.checkpoint(n),
      rollback: (n) => memory.rollback(n),
      release: (n) => memory.release(n),
      disconnect: async () => {
        calls.push('disconnect')
        await memory.disconnect()
      },
    }
    return { backend, calls }
  }

  it('a main state backend whose connect finishes after it was abandoned is disconnected then: nothing it set up is left behind', async () => {
    const slow = slowConnect(TIMEOUT * 2)
    const runner = createRunner({ pluginTimeout: TIMEOUT, stateBackends: [slow.backend] })
    const result = await runner.run(journey('j', { steps: [step('s', noop), checkpoint('cp')] }))
    expect(result.status).toBe('failed')
    expect(result.issues.map((i) => i.error)).toContain(`state backend "slow" could not connect: connect timed out after ${TIMEOUT} ms (pluginTimeout; raise it if the backend is slow to connect on purpose)`)
    expect(await runner.close()).toEqual([])
    // close() waited for the late connect, and undid it.
    expect(slow.calls).toEqual(['connect', 'connected', 'disconnect'])
    expect(runner.closeIssues).toEqual([])
  }, TEST_TIMEOUT)

  it('a late connect whose disconnect refuses what the app did is said as a refusal, not as a backend that may have left its setup behind', async () => {
    const slow = slowConnect(TIMEOUT * 2)
    slow.backend.disconnect = async () => {
      throw new StateError('slow', 'the app ran DDL inside a transaction the proxy cannot keep', { failure: 'refused' })
    }
    const runner = createRunner({ pluginTimeout: TIMEOUT, stateBackends: [slow.backend] })
    await runner.run(journey('j', { steps: [step('s', noop), checkpoint('cp')] }))
    await runner.close()
    expect(runner.closeIssues.map((i) => [i.severity, i.source, i.error])).toEqual([
      [
        'critical',
        'state:slow',
        'state backend "slow" connected after its connect was abandoned, and refused what the app did: the app ran DDL inside a transaction the proxy cannot keep',
      ],
    ])
  }, TEST_TIMEOUT)

  it('a late connect whose disconnect fails is said as a backend that may have left its setup behind', async () => {
    const slow = slowConnect(TIMEOUT * 2)
    slow.backend.disconnect = async () => {
      throw new Error('connection reset')
    }
    const runner = createRunner({ pluginTimeout: TIMEOUT, stateBackends: [slow.backend] })
    await runner.run(journey('j', { steps: [step('s', noop), checkpoint('cp')] }))
    await runner.close()
    expect(runner.closeIssues.map((i) => i.error)).toEqual([
      'state backend "slow" connected after its connect was abandoned, and did not disconnect cleanly, so what it set up in the system under test may still be there: connection reset',
    ])
  }, TEST_TIMEOUT)

  it('Ctrl-C while a state backend connects stops the wait at once: the journeys are not run, as interrupted, and the late connect is undone at close', async () => {
    // Its connect takes 10 pluginTimeouts: the run used to wait that out before it saw the interrupt.
    const slow = slowConnect(TIMEOUT * 10)
    const ac = new AbortController()
    const warnings: string[] = []
    const logger = { debug: noop, info: noop, error: noop, warn: (m: string) => void warnings.push(m) }
    const runner = createRunner({ pluginTimeout: TIMEOUT * 20, stateBackends: [slow.backend], signal: ac.signal, logger })
    setTimeout(() => ac.abort(new AbortedError('interrupted by the user')), TIMEOUT / 2)
    const result = await runner.run(journey('j', { steps: [step('s', noop), checkpoint('cp')] }))
    expect(result.interrupted).toBe(true)
    expect(result.journeys[0]).toMatchObject({ status: 'skipped', interrupted: true })
    // The user stopped it: no issue says the backend could not connect.
    expect(result.issues).toEqual([])
    // The run ended before the connect did.
    expect(slow.calls).toEqual(['connect'])
    // close() said what it waits for, waited for the late connect, and undid it.
    expect(await runner.close()).toEqual([])
    expect(warnings).toEqual([
      `waiting for state backend "slow" to finish the connect the run abandoned, to undo what it sets up in the system under test (up to ${TIMEOUT * 20} ms)`,
    ])
    expect(slow.calls).toEqual(['connect', 'connected', 'disconnect'])
    expect(runner.closeIssues).toEqual([])
  }, TEST_TIMEOUT)

  it('Ctrl-C while a backend that honours its signal connects: it stops a moment later, and close() says it waits for nothing', async () => {
    const calls: string[] = []
    const backend: StateBackend = {
      name: 'quick-to-stop',
      mechanism: 'memory',
      parallelSafe: false,
      // Stops 30 ms after its signal aborts, as a driver's socket closes: a moment, not the call's timeout.
      connect: ({ signal } = {}) =>
        new Promise<void>((_, reject) => {
          calls.push('connect')
          signal?.addEventListener('abort', () => setTimeout(() => reject(new Error('connect stopped')), 30), { once: true })
        }),
      checkpoint: async () => {},
      rollback: async () => {},
      release: async () => {},
      disconnect: async () => void calls.push('disconnect'),
    }
    const ac = new AbortController()
    const warnings: string[] = []
    const logger = { debug: noop, info: noop, error: noop, warn: (m: string) => void warnings.push(m) }
    const runner = createRunner({ pluginTimeout: TIMEOUT * 20, stateBackends: [backend], signal: ac.signal, logger })
    setTimeout(() => ac.abort(new AbortedError('interrupted by the user')), TIMEOUT / 2)
    const result = await runner.run(journey('j', { steps: [step('s', noop), checkpoint('cp')] }))
    expect(result.interrupted).toBe(true)
    expect(await runner.close()).toEqual([])
    // It said it would wait up to the timeout for a connect that had already stopped.
    expect(warnings).toEqual([])
    expect(calls).toEqual(['connect'])
    expect(runner.closeIssues).toEqual([])
  }, TEST_TIMEOUT)

  it('one still connecting when the run closes is a critical close issue naming it', async () => {
    const slow = slowConnect()
    const runner = createRunner({ pluginTimeout: TIMEOUT, stateBackends: [slow.backend] })
    await runner.run(journey('j', { steps: [checkpoint('cp')] }))
    await runner.close()
    expect(runner.closeIssues.map((i) => [i.severity, i.source, i.error])).toEqual([
      [
        'critical',
        'state:slow',
        'state backend "slow" was still connecting when the run closed, after its connect was abandoned: it is disconnected if it finishes, but what it sets up in the system under test stays if the process ends first',
      ],
    ])
  }, TEST_TIMEOUT)

  it("a worker's state backend whose connect finishes after it was abandoned is disconnected then, as the main line's is: nothing it set up is left behind", async () => {
    const made: ReturnType<typeof slowConnect>[] = []
    let closed = 0
    const runner = createRunner({
      pluginTimeout: TIMEOUT,
      workers: 2,
      stateBackends: [memoryState()],
      workerSetup: {
        async create(index) {
          // Lands half a timeout after it was abandoned, and half a timeout before close() stops waiting.
          const mine = slowConnect(TIMEOUT * 1.5, `w${index}`)
          made.push(mine)
          return { stateBackends: [mine.backend], close: () => void closed++ }
        },
      },
    })
    const result = await runner.run([journey('j1', { steps: [step('s', noop)] }), journey('j2', { steps: [step('s', noop)] })])
    expect(result.journeys.map((j) => `${j.name} ${j.status}`)).toEqual(['j1 passed', 'j2 failed'])
    expect(result.journeys[1]!.issues.map((i) => i.error)).toEqual([
      `worker 1 could not be made, so the journey did not run: state backend "w1" connect timed out after ${TIMEOUT} ms (pluginTimeout); worker 1 is not used again in this run`,
    ])
    expect(await runner.close()).toEqual([])
    // close() waited for the late connect, and undid it; what the setup made was closed when the worker was given up.
    expect(made.map((w) => w.calls)).toEqual([['connect', 'connected', 'disconnect']])
    expect(runner.closeIssues).toEqual([])
    expect(closed).toBe(1)
  }, TEST_TIMEOUT)
})
