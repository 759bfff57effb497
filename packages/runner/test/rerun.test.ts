/**
 * Reruns in the runner: journey retries (each attempt from scratch, the state rolled back), flaky
 * journeys, `--repeat-each`, and journeys and steps skipped or focused with `only`. The journeys keep
 * their state in a MemoryState backend, so what a retry starts from is seen directly.
 */
import { type JourneyEndEvent, type JourneyResult, type JourneyStartEvent, branch, checkpoint, journey, path, step } from '@venomqa/core'
import { describe, expect, it } from 'vitest'
import { BEFORE_JOURNEY_CHECKPOINT } from '../src/execution/retries'
import { MemoryState, createRunner } from '../src/index'

type Store = { orders: string[] }

/** A journey that places an order, then fails on its first `failures` attempts (counted outside the state). */
function orderJourney(state: MemoryState<Store>, failures: number, options: { retries?: number; name?: string } = {}) {
  const seen: { attempt: number; ordersAtStart: string[]; ctxAtStart: unknown }[] = []
  let calls = 0
  const j = journey(options.name ?? 'order', {
    ...(options.retries !== undefined ? { retries: options.retries } : {}),
    steps: [
      step('place', ({ ctx, attempt }) => {
        seen.push({ attempt, ordersAtStart: [...state.data.orders], ctxAtStart: ctx.get('order') })
        state.data.orders.push(`order-${seen.length}`)
        ctx.set('order', `order-${seen.length}`)
      }),
      checkpoint('placed'),
      step('confirm', () => {
        calls++
        if (calls <= failures) throw new Error(`confirmation service down (call ${calls})`)
      }),
    ],
  })
  return { journey: j, seen }
}

/**
 * The order journey, failing once, with `retries`, beside a second backend whose `method` fails for the
 * state saved before a journey (and only for that one); journey hooks logged.
 */
async function runWithBrokenState(method: 'checkpoint' | 'rollback', message: string, retries: number) {
  const state = new MemoryState<Store>({ orders: [] })
  const broken = Object.assign(new MemoryState({}, 'broken'), {
    [method]: async (name: string) => {
      if (name === BEFORE_JOURNEY_CHECKPOINT) throw new Error(message)
    },
  })
  const { journey: j, seen } = orderJourney(state, 1, { retries })
  const log = hooksLog()
  const runner = createRunner({ stateBackends: [state, broken], plugins: [{ name: 'log', version: '1.0.0', apiVersion: 1, hooks: log.hooks }] })
  try {
    return { run: await runner.run(j), seen, log }
  } finally {
    await runner.close()
  }
}

function hooksLog() {
  const events: string[] = []
  const ends: JourneyEndEvent[] = []
  return {
    events,
    ends,
    hooks: {
      journeyStart: (e: JourneyStartEvent) => {
        events.push(`start ${e.journey.name}${e.journey.attempt ? ` ${e.journey.attempt}/${e.journey.maxAttempts}` : ''}${e.journey.skipped ? ' skipped' : ''}`)
      },
      journeyEnd: (e: JourneyEndEvent) => {
        ends.push(e)
        events.push(`end ${e.journey.name} ${e.result.status}${e.willRetry ? ' (retry)' : ''}`)
      },
    },
  }
}

describe('journey retries', () => {
  it('a journey that fails, then passes on a retry, is flaky; the retry starts from the state and context before the first attempt', async () => {
    const state = new MemoryState<Store>({ orders: ['existing'] })
    const { journey: j, seen } = orderJourney(state, 1, { retries: 2 })
    const log = hooksLog()
    const runner = createRunner({ stateBackends: [state], hooks: log.hooks })
    const run = await runner.run(j)
    await runner.close()

    const r = run.journeys[0]!
    expect(r.status).toBe('flaky')
    expect(r.attempt).toBe(2)
    expect(r.earlierAttempts!.map((a) => [a.attempt, a.status])).toEqual([[1, 'failed']])
    expect(r.earlierAttempts![0]!.issues[0]!.error).toContain('confirmation service down (call 1)')
    // The first attempt's order was rolled back: the retry saw only what was there before the journey.
    expect(seen).toEqual([
      { attempt: 1, ordersAtStart: ['existing'], ctxAtStart: undefined },
      { attempt: 1, ordersAtStart: ['existing'], ctxAtStart: undefined },
    ])
    expect(state.data.orders).toEqual(['existing', 'order-2'])
    expect(state.checkpoints).toEqual([])
    // Flaky counts as passed by default, and is counted apart.
    expect(run.status).toBe('passed')
    expect(run.summary.journeys).toEqual({ total: 1, passed: 0, failed: 0, skipped: 0, flaky: 1 })
    expect(log.events).toEqual(['start order 1/3', 'end order failed (retry)', 'start order 2/3', 'end order flaky'])
  })

  it('a journey that fails every attempt is failed, with every attempt kept; retries stop at the first pass', async () => {
    const state = new MemoryState<Store>({ orders: [] })
    const always = orderJourney(state, 99, { retries: 2, name: 'always' })
    const never = orderJourney(state, 0, { retries: 2, name: 'never' })
    const runner = createRunner({ stateBackends: [state] })
    const run = await runner.run([always.journey, never.journey])
    await runner.close()
    const [a, b] = run.journeys
    expect(a).toMatchObject({ status: 'failed', attempt: 3 })
    expect(a!.earlierAttempts!.map((x) => x.attempt)).toEqual([1, 2])
    expect(always.seen.map((s) => s.ordersAtStart)).toEqual([[], [], []])
    expect(b!.status).toBe('passed')
    expect(b).not.toHaveProperty('attempt')
    expect(b).not.toHaveProperty('earlierAttempts')
    expect(never.seen).toHaveLength(1)
    expect(run.status).toBe('failed')
    expect(state.checkpoints).toEqual([])
  })

  it('the run default (journeyRetries) applies; a journey\'s own retries win; failOnFlaky fails the run', async () => {
    const state = new MemoryState<Store>({ orders: [] })
    const byDefault = orderJourney(state, 1, { name: 'by_default' })
    const ownZero = orderJourney(state, 1, { name: 'own_zero', retries: 0 })
    const runner = createRunner({ stateBackends: [state], journeyRetries: 1, failOnFlaky: true })
    const run = await runner.run([byDefault.journey, ownZero.journey])
    await runner.close()
    expect(run.journeys.map((j) => j.status)).toEqual(['flaky', 'failed'])
    expect(ownZero.seen).toHaveLength(1)
    expect(run.status).toBe('failed')
  })

  it('when the state cannot be put back for a retry, the journey ends there, and journeyEnd says so', async () => {
    const { run, seen, log } = await runWithBrokenState('rollback', 'snapshot lost', 2)
    expect(seen).toHaveLength(1)
    expect(run.journeys[0]!.status).toBe('failed')
    expect(run.journeys[0]!.issues.some((i) => i.severity === 'critical' && i.error.includes('snapshot lost'))).toBe(true)
    // The attempt said a retry would follow; the last word is the journey's final result.
    expect(log.events).toEqual(['start order 1/3', 'end order failed (retry)', 'end order failed'])
    expect(log.ends.at(-1)!.result).toEqual(run.journeys[0])
  })

  it('a state backend that cannot save the state before the journey: not run, a critical issue, no attempt; live reporters told', async () => {
    const { run, seen, log } = await runWithBrokenState('checkpoint', 'disk full', 1)
    expect(seen).toEqual([])
    expect(log.events).toEqual(['start order', 'end order failed'])
    expect(log.ends[0]!.result).toEqual(run.journeys[0])
    expect(run.journeys[0]!.status).toBe('failed')
    expect(run.journeys[0]!.issues[0]).toMatchObject({ severity: 'critical', kind: 'state' })
    expect(run.journeys[0]!.issues[0]!.error).toContain('disk full')
  })
})

describe('journeys that never run are told to live reporters', () => {
  it('a state backend that cannot connect: every journey not run, each with its start and end', async () => {
    const unreachable = Object.assign(new MemoryState({}, 'unreachable'), { connect: async () => { throw new Error('connection refused') } })
    const log = hooksLog()
    const runner = createRunner({ stateBackends: [unreachable], hooks: log.hooks })
    const run = await runner.run([journey('a', { steps: [step('s', () => {})] }), journey('b', { steps: [step('s', () => {})] })])
    await runner.close()
    expect(log.events).toEqual(['start a', 'end a failed', 'start b', 'end b failed'])
    expect(log.ends.map((e) => e.result)).toEqual(run.journeys)
    expect(run.journeys[0]!.issues[0]!.error).toContain('not run: state backend "unreachable" could not connect: connection refused')
  })

  it('a state backend that cannot connect after another did: close() still disconnects the one that connected', async () => {
    // The first has set up its triggers or tables in the app's database: left connected, they stay there.
    const calls: string[] = []
    const first = Object.assign(new MemoryState({}, 'first'), { connect: async () => void calls.push('connect first'), disconnect: async () => void calls.push('disconnect first') })
    const second = Object.assign(new MemoryState({}, 'second'), { connect: async () => { throw new Error('connection refused') }, disconnect: async () => void calls.push('disconnect second') })
    const runner = createRunner({ stateBackends: [first, second] })
    const run = await runner.run(journey('a', { steps: [step('s', () => {})] }))
    expect(run.journeys[0]!.issues[0]!.error).toContain('not run: state backend "second" could not connect')
    await runner.close()
    expect(calls).toEqual(['connect first', 'disconnect first'])
    expect(runner.closeIssues).toEqual([])
  })

  it('fail-fast: the journeys after the failure are skipped, each with its start and end', async () => {
    const log = hooksLog()
    const runner = createRunner({ failFast: true, hooks: log.hooks })
    const run = await runner.run([journey('fails', { steps: [step('boom', () => { throw new Error('boom') })] }), journey('later', { steps: [step('s', () => {})] })])
    await runner.close()
    expect(log.events).toEqual(['start fails', 'end fails failed', 'start later', 'end later skipped'])
    expect(run.journeys[1]).toMatchObject({ name: 'later', status: 'skipped', interrupted: true })
    // Its steps are there, skipped: JUnit lists the journey's cases instead of an empty suite.
    expect(run.journeys[1]!.nodes).toMatchObject([{ kind: 'step', name: 's', status: 'skipped' }])
    expect(run.journeys[1]!.counts.steps).toMatchObject({ total: 1, skipped: 1 })
    const { renderJUnit } = await import('../src/reporters/junit')
    expect(renderJUnit(run)).toMatch(/<testsuite name="later" [^>]*tests="1" failures="0" errors="0" skipped="1"/)
  })
})

describe('JUnit of a run interrupted between journeys', () => {
  it('has an error case: the journeys it never started are only skipped, and CI would show it green', async () => {
    const controller = new AbortController()
    const runner = createRunner({ signal: controller.signal, hooks: { journeyEnd: () => controller.abort() } })
    const run = await runner.run([journey('one', { steps: [step('a', () => {})] }), journey('two', { steps: [step('b', () => {})] })])
    await runner.close()
    expect([run.interrupted, run.journeys.map((j) => [j.status, !!j.interrupted])]).toEqual([true, [['passed', false], ['skipped', true]]])
    const { renderJUnit } = await import('../src/reporters/junit')
    const xml = renderJUnit(run)
    expect(xml).toMatch(/<testsuites name="venomqa \(interrupted\)" tests="3" failures="0" errors="1"/)
    expect(xml).toMatch(/<testcase name="run interrupted" classname="venomqa.run"[^>]*>\s*<error message="the run was interrupted before it finished/)
  })
})

describe('--repeat-each', () => {
  it('runs every journey n times, the whole list again for each repetition, each its own result', async () => {
    let a = 0
    let b = 0
    const runner = createRunner({ repeatEach: 3 })
    const run = await runner.run([journey('a', { steps: [step('s', () => void a++)] }), journey('b', { steps: [step('s', () => void b++)] })])
    await runner.close()
    expect([a, b]).toEqual([3, 3])
    expect(run.journeys.map((j) => `${j.name}#${j.repeatEachIndex}`)).toEqual(['a#0', 'b#0', 'a#1', 'b#1', 'a#2', 'b#2'])
    expect(run.summary.journeys).toMatchObject({ total: 6, passed: 6 })
  })

  it('each repetition fails or passes alone', async () => {
    let calls = 0
    const runner = createRunner({ repeatEach: 2 })
    const run = await runner.run(journey('odd', { steps: [step('s', () => { if (++calls === 2) throw new Error('second call fails') })] }))
    await runner.close()
    expect(run.journeys.map((j: JourneyResult) => [j.repeatEachIndex, j.status])).toEqual([
      [0, 'passed'],
      [1, 'failed'],
    ])
  })

  it('refuses a repeat count that is not a whole number of 1 or more', async () => {
    for (const bad of [0, -1, 1.5]) {
      const runner = createRunner({ repeatEach: bad })
      await expect(runner.run(journey('x', { steps: [step('s', () => {})] }))).rejects.toThrow(/repeatEach must be a whole number of 1 or more/)
      await runner.close()
    }
  })

  it('refuses a number of HTTP connections that is not a whole number of 1 or more, naming the option, before any step runs', async () => {
    for (const bad of [0, -1, 2.5]) {
      let ran = false
      const runner = createRunner({ http: { connections: bad } })
      await expect(runner.run(journey('x', { steps: [step('s', () => { ran = true })] }))).rejects.toThrow(`http.connections must be a whole number of 1 or more, got ${bad}`)
      await runner.close()
      expect(ran).toBe(false)
    }
  })
})

describe('journey.skip, step.skip and journey.only', () => {
  it('a skipped journey is in the results as skipped, with its steps, never run; hooks see it; the run passes', async () => {
    let ran = false
    const log = hooksLog()
    const runner = createRunner({ hooks: log.hooks, failFast: true })
    const run = await runner.run([journey.skip('later', { steps: [step('a', () => void (ran = true)), step('b', () => {})] }), journey('now', { steps: [step('s', () => {})] })])
    await runner.close()
    expect(ran).toBe(false)
    const [skipped, now] = run.journeys
    expect(skipped).toMatchObject({ name: 'later', status: 'skipped', counts: { steps: { total: 2, skipped: 2 } } })
    expect(skipped).not.toHaveProperty('interrupted')
    // fail-fast is not set off by a journey skipped on purpose.
    expect(now!.status).toBe('passed')
    expect(run.status).toBe('passed')
    expect(run.summary.journeys).toEqual({ total: 2, passed: 1, failed: 0, skipped: 1, flaky: 0 })
    expect(log.events).toEqual(['start later skipped', 'end later skipped', 'start now', 'end now passed'])
  })

  it('a skipped step is reported as skipped and its action never runs; the rest of the line runs', async () => {
    const ran: string[] = []
    const ended: string[] = []
    const runner = createRunner({ hooks: { stepEnd: (e) => void ended.push(`${e.step}:${e.result.status}`) } })
    const run = await runner.run(
      journey('j', { steps: [step('a', () => void ran.push('a')), step.skip('b', () => void ran.push('b')), step('c', () => void ran.push('c'))] }),
    )
    await runner.close()
    expect(ran).toEqual(['a', 'c'])
    expect(ended).toEqual(['a:passed', 'b:skipped', 'c:passed'])
    expect(run.journeys[0]).toMatchObject({ status: 'passed', counts: { steps: { total: 3, passed: 2, skipped: 1 } } })
  })

  it('a journey whose every step is skipped tested nothing: it is skipped, not passed, and the run passes', async () => {
    const runner = createRunner()
    const run = await runner.run([
      journey('all_skipped', { steps: [step.skip('a', () => {}), step.skip('b', () => {})] }),
      journey('some_skipped', { steps: [step('a', () => {}), step.skip('b', () => {})] }),
    ])
    await runner.close()
    expect(run.journeys.map((j) => [j.name, j.status])).toEqual([
      ['all_skipped', 'skipped'],
      ['some_skipped', 'passed'],
    ])
    expect(run.summary.journeys).toEqual({ total: 2, passed: 1, failed: 0, skipped: 1, flaky: 0 })
    expect(run.status).toBe('passed')
  })

  it('a path whose every step is skipped is skipped too, in its result and in the counts', async () => {
    const runner = createRunner({ stateBackends: [new MemoryState()] })
    const run = await runner.run([
      journey('only_skipped', { steps: [step.skip('a', () => {}), checkpoint('c'), branch('c', [path('p', [step.skip('x', () => {})])])] }),
      journey('one_path_skipped', {
        steps: [step('a', () => {}), checkpoint('c'), branch('c', [path('p', [step.skip('x', () => {})]), path('q', [step('y', () => {})])])],
      }),
    ])
    await runner.close()
    const paths = (j: JourneyResult) => j.nodes.flatMap((n) => (n.kind === 'branch' ? n.paths.map((p) => [p.name, p.status]) : []))
    expect(paths(run.journeys[0]!)).toEqual([['p', 'skipped']])
    expect(run.journeys[0]!.status).toBe('skipped')
    expect(paths(run.journeys[1]!)).toEqual([
      ['p', 'skipped'],
      ['q', 'passed'],
    ])
    expect(run.journeys[1]!.status).toBe('passed')
    expect(run.summary.paths).toEqual({ total: 3, passed: 1, failed: 0, skipped: 2 })
  })

  it('a context value a checkpoint cannot copy fails the checkpoint with advice about the context, not the backends', async () => {
    class Money {
      constructor(readonly cents: number) {}
    }
    const runner = createRunner({ stateBackends: [new MemoryState()] })
    const run = await runner.run([
      journey('keeps_a_class', { steps: [step('price', ({ ctx }) => void ctx.set('price', new Money(150))), checkpoint('c'), step('after', () => {})] }),
      journey('keeps_a_function', { steps: [step('fn', ({ ctx }) => void ctx.set('fn', () => 1)), checkpoint('c'), step('after', () => {})] }),
    ])
    await runner.close()
    const [money, fn] = run.journeys.map((j) => j.issues[0]!)
    expect(money).toMatchObject({ severity: 'critical', step: 'checkpoint c', error: expect.stringContaining('context value "price" holds an instance of Money') })
    expect(fn).toMatchObject({ severity: 'critical', error: expect.stringContaining('context value "fn" is a function') })
    for (const issue of [money!, fn!]) {
      expect(issue.suggestion).toContain('a copy keeps plain data only')
      expect(issue.suggestion).not.toMatch(/connection|permission/)
    }
  })

  it('when a journey uses only, only the journeys that use it run; the others are not in the results', async () => {
    const ran: string[] = []
    const runner = createRunner()
    const run = await runner.run([
      journey('a', { steps: [step('s', () => void ran.push('a'))] }),
      journey.only('b', { steps: [step('s', () => void ran.push('b'))] }),
      journey.only('c', { steps: [step('s', () => void ran.push('c'))] }),
    ])
    await runner.close()
    expect(ran).toEqual(['b', 'c'])
    expect(run.journeys.map((j) => j.name)).toEqual(['b', 'c'])
  })
})
