/** Several journeys at once, each on its own worker (a todo app process of its own). */
import { checkpoint, definePlugin, journey, step, type JourneyResult } from '@venomqa/core'
import { createRunner, httpControlState, memoryState } from '../src/index'
import { type RunningProcess, startTodoApp, waitUntil } from '@venomqa/test-utils'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'

let main: RunningProcess
beforeAll(async () => {
  main = await startTodoApp()
})
afterAll(async () => {
  await main?.stop()
})

function workerSetup(started: RunningProcess[]) {
  return {
    async create() {
      const app = await startTodoApp()
      started.push(app)
      return { baseUrl: app.url, stateBackends: [httpControlState({ url: app.url })], close: () => app.stop() }
    },
  }
}

const whereAmI = (name: string, ms: number) =>
  journey(name, {
    steps: [
      step('slow', ({ http }) => http.get(`/api/slow?ms=${ms}`)),
      step('sign_up', ({ http }) => http.post('/api/users', { json: { email: `${name}@example.test`, password: 'a long password', name } })),
    ],
  })

/** Resolves for every caller once `n` callers are waiting: only journeys that run at the same time get past it. */
function meeting(n: number): () => Promise<void> {
  let arrived = 0
  let open!: () => void
  const all = new Promise<void>((resolve) => (open = resolve))
  return () => {
    if (++arrived === n) open()
    return all
  }
}

describe('workers', () => {
  it('runs journeys at once on separate workers and reports them in definition order', async () => {
    const started: RunningProcess[] = []
    // Which worker each step event says it ran on, by journey: it must be the worker its journey ran on.
    const stepWorkers = new Map<string, Set<number | undefined>>()
    const seen = (e: { journey: string; worker?: number }) => {
      stepWorkers.set(e.journey, (stepWorkers.get(e.journey) ?? new Set()).add(e.worker))
    }
    const listener = definePlugin({ name: 'listens', version: '1.0.0', apiVersion: 1, hooks: { stepStart: seen, stepEnd: seen } })
    const runner = createRunner({ baseUrl: main.url, stateBackends: [httpControlState({ url: main.url })], workers: 3, workerSetup: workerSetup(started), plugins: [listener] })
    // j0, j1 and j2 each wait for the other two: run one after another, they would time out and fail. This
    // shows they ran at once without a bound on the wall-clock time, which starting two apps makes vary.
    const meet = meeting(3)
    const together = (name: string) =>
      journey(name, {
        steps: [step('meet', () => meet(), { timeout: 20_000 }), ...whereAmI(name, 10).steps],
      })
    const journeys = [together('j0'), together('j1'), together('j2'), whereAmI('j3', 10), whereAmI('j4', 10), whereAmI('j5', 10)]
    const result = await runner.run(journeys)
    await runner.close()
    expect(result.journeys.map((j) => j.name)).toEqual(['j0', 'j1', 'j2', 'j3', 'j4', 'j5'])
    expect(result.journeys.every((j) => j.status === 'passed')).toBe(true)
    expect(new Set(result.journeys.map((j) => j.worker ?? 0))).toEqual(new Set([0, 1, 2]))
    expect(started).toHaveLength(2)
    expect(started.every((a) => a.child.exitCode !== null || a.child.signalCode !== null)).toBe(true)
    // Each worker talked to its own app.
    const urlOf = new Map(result.journeys.map((j) => [j.worker ?? 0, j.baseUrl]))
    expect(urlOf.get(0)).toBe(main.url)
    expect(new Set(urlOf.values()).size).toBe(3)
    expect(new Set(result.journeys.slice(0, 3).map((j) => j.worker ?? 0))).toEqual(new Set([0, 1, 2]))
    for (const j of result.journeys) expect([...stepWorkers.get(j.name)!], j.name).toEqual([j.worker])
  })

  it('fail-fast cancels the journeys running on other workers cleanly', async () => {
    const started: RunningProcess[] = []
    const runner = createRunner({ baseUrl: main.url, stateBackends: [httpControlState({ url: main.url })], workers: 2, failFast: true, workerSetup: workerSetup(started) })
    const result = await runner.run([
      // A minute: only the cancel ends it, however long the other worker's app takes to start.
      journey('slow_one', { steps: [step('slow', ({ http }) => http.get('/api/slow?ms=60000')), step('after', () => {})] }),
      journey('fails_fast', { steps: [step('boom', () => { throw new Error('boom') })] }),
      journey('never_started', { steps: [step('x', () => {})] }),
    ])
    await runner.close()
    const [slow, fails, never] = result.journeys as JourneyResult[]
    expect(fails!.status).toBe('failed')
    expect(slow!.interrupted).toBe(true)
    // Says what stopped it, as the journeys never started do: not a bare `interrupted`.
    expect(slow!.failFastAfter).toBe('fails_fast')
    expect(slow!.status).toBe('failed')
    // Cut, not answered (the app would have taken a minute): no time bound, which a loaded machine's app start could pass.
    expect((slow!.nodes as { name?: string; status: string }[]).map((n) => `${n.name} ${n.status}`)).toEqual(['slow failed', 'after skipped'])
    expect(never!.status).toBe('skipped')
    expect(result.status).toBe('failed')
  })

  it('an interrupt stops every worker: current requests aborted, each worker rolled back to its checkpoint', async () => {
    const started: RunningProcess[] = []
    const ac = new AbortController()
    const runner = createRunner({ baseUrl: main.url, stateBackends: [httpControlState({ url: main.url })], workers: 2, workerSetup: workerSetup(started), signal: ac.signal })
    const slowAfterWrite = (name: string) =>
      journey(name, {
        steps: [
          checkpoint('clean'),
          step('write', ({ http }) => http.post('/api/users', { json: { email: `${name}@example.test`, password: 'a long password', name } })),
          // A minute: only the interrupt ends it, however long the second worker's app took to start.
          step('slow', ({ http }) => http.get('/api/slow?ms=60000')),
          step('never', () => {}),
        ],
      })
    const usersOn = async (url: string) => ((await (await fetch(`${url}/api/stats`)).json()) as { users: number }).users
    const atStart = await usersOn(main.url) // earlier tests left users on the main app
    const running = runner.run([slowAfterWrite('w0'), slowAfterWrite('w1')])
    // Ctrl-C once both journeys have written and wait on their slow request (the second worker's app
    // takes a moment to start, so this is waited for, not assumed after a fixed time).
    const slowPending = async (url: string) => ((await (await fetch(`${url}/api/slow/stats`)).json()) as { pending: number }).pending
    const waiting = async (url: string, users: number) => (await usersOn(url)) === users && (await slowPending(url)) >= 1
    await waitUntil(async () => started.length === 1 && (await waiting(main.url, atStart + 1)) && (await waiting(started[0]!.url, 1)), 'both journeys to write and wait on their slow request')
    const during = await Promise.all([main.url, ...started.map((a) => a.url)].map(usersOn))
    ac.abort()
    const result = await running
    const after = await Promise.all([main.url, ...started.map((a) => a.url)].map(usersOn))
    await runner.close()
    expect(during).toEqual([atStart + 1, 1])
    expect(after).toEqual([atStart, 0]) // every worker rolled back to its checkpoint
    expect(result.interrupted).toBe(true)
    for (const j of result.journeys) {
      expect(j.interrupted).toBe(true)
      // The slow request cut, not answered: no time bound, which included the second worker's app start
      // and failed once on a loaded machine (3.2 s against 3 s).
      const nodes = j.nodes as { name?: string; status: string }[]
      expect(nodes.find((n) => n.name === 'slow')?.status).toBe('failed')
      expect(nodes.find((n) => n.name === 'never')?.status).toBe('skipped')
    }
  })

  it('closes its workers all at once, each stopping its own app', async () => {
    const started: RunningProcess[] = []
    const closes: string[] = []
    const setup = workerSetup(started)
    const logged = {
      async create(index: number) {
        const made = await setup.create()
        return {
          ...made,
          close: async () => {
            closes.push(`stop ${index}`)
            await made.close()
            closes.push(`stopped ${index}`)
          },
        }
      },
    }
    const runner = createRunner({ baseUrl: main.url, stateBackends: [httpControlState({ url: main.url })], workers: 3, workerSetup: logged })
    // Three journeys that wait for each other: one on each worker, so that both workers are made.
    const meet = meeting(3)
    const together = (name: string) => journey(name, { steps: [step('meet', () => meet(), { timeout: 20_000 })] })
    const result = await runner.run([together('a'), together('b'), together('c')])
    expect(result.journeys.map((j) => j.status)).toEqual(['passed', 'passed', 'passed'])
    await runner.close()
    // Both apps were told to stop before either had stopped.
    expect(closes.slice(0, 2)).toEqual(['stop 2', 'stop 1'])
    expect(closes.slice(2).sort()).toEqual(['stopped 1', 'stopped 2'])
    expect(started.every((a) => a.child.exitCode !== null || a.child.signalCode !== null)).toBe(true)
  })

  it("useAuth keeps a token per app: a journey on another worker, whose app issued none, obtains its own", async () => {
    const started: RunningProcess[] = []
    const runner = createRunner({ baseUrl: main.url, stateBackends: [httpControlState({ url: main.url })], workers: 2, workerSetup: workerSetup(started) })
    const user = { email: 'auth@example.test', password: 'a long password', name: 'Auth' }
    const obtainedOn: string[] = []
    let stored!: () => void
    const firstStored = new Promise<void>((resolve) => (stored = resolve))
    // Both journeys meet first, so they run at once, on the two workers; the second logs in once the first has
    // its token. Kept for the whole run, that token came from the first worker's app, which the second
    // worker's app never issued: every request of the second journey answered 401.
    const meet = meeting(2)
    const logIn = step(
      'log_in',
      async ({ http }) => {
        await http.useAuth('user', async () => {
          obtainedOn.push(http.baseUrl)
          await http.post('/api/users', { json: user })
          return (await http.post('/api/auth/login', { json: { email: user.email, password: user.password } })).json().token
        })
      },
      { timeout: 20_000 },
    )
    const me = step('me', ({ http }) => http.get('/api/me'))
    const first = journey('first', { steps: [step('meet', () => meet(), { timeout: 20_000 }), logIn, step('stored', () => stored()), me] })
    const second = journey('second', { steps: [step('meet', () => meet(), { timeout: 20_000 }), step('after_first', () => firstStored, { timeout: 20_000 }), logIn, me] })
    const result = await runner.run([first, second])
    await runner.close()
    expect(result.journeys.map((j) => [j.name, j.status])).toEqual([
      ['first', 'passed'],
      ['second', 'passed'],
    ])
    expect(new Set(result.journeys.map((j) => j.worker ?? 0)).size).toBe(2)
    // One login per app, not one per run.
    expect(new Set(obtainedOn).size).toBe(2)
  }, 60_000)

  it("a worker made by a setup that copies the main system copies the state the run started from, never a journey's writes under way", async () => {
    // As mysqlWorkers copies the main database's rows: this create reads the main app's users. It waits a
    // moment for the main lane's journey to sign one up first (as a create that is slower than a request
    // does): the main lane now starts only once the workers are made, and the wait runs out.
    let signedUp!: () => void
    const mainWrote = new Promise<void>((resolve) => (signedUp = resolve))
    const copied: number[] = []
    const started: RunningProcess[] = []
    const users = async () => ((await (await fetch(`${main.url}/api/stats`)).json()) as { users: number }).users
    // Earlier tests of this file leave users on the main app: what matters is the count the run starts from.
    const before = await users()
    const copying = {
      async create() {
        await Promise.race([mainWrote, new Promise((resolve) => setTimeout(resolve, 1000))])
        copied.push(await users())
        const app = await startTodoApp()
        started.push(app)
        return { baseUrl: app.url, stateBackends: [httpControlState({ url: app.url })], close: () => app.stop() }
      },
    }
    const runner = createRunner({ baseUrl: main.url, stateBackends: [httpControlState({ url: main.url })], workers: 2, workerSetup: copying, restoreAfterJourney: true })
    const signsUp = (name: string) =>
      journey(name, { steps: [step('sign_up', async ({ http }) => { const res = await http.post('/api/users', { json: { email: `${name}@example.test`, password: 'a long password', name } }); signedUp(); return res })] })
    const result = await runner.run([signsUp('copy_a'), signsUp('copy_b'), signsUp('copy_c')])
    await runner.close()
    expect(result.journeys.map((j) => j.status)).toEqual(['passed', 'passed', 'passed'])
    expect(copied).toEqual([before])
  })

  it('refuses workers over a backend that is not parallel-safe, explaining the choices', async () => {
    const runner = createRunner({ baseUrl: main.url, stateBackends: [memoryState()], workers: 2 })
    await expect(runner.run([whereAmI('a', 1), whereAmI('b', 1)])).rejects.toThrow(/workers: 2 would run journeys at the same time against one system, but state backend "memory" \(memory\) is not parallel-safe/)
    await runner.close()
  })

  it('names every backend that is not parallel-safe in one sentence', async () => {
    const runner = createRunner({ baseUrl: main.url, stateBackends: [memoryState({}, 'db'), memoryState({}, 'cache'), memoryState({}, 'files')], workers: 2 })
    await expect(runner.run([whereAmI('a', 1)])).rejects.toThrow(
      /but state backends "db" \(memory\), "cache" \(memory\) and "files" \(memory\) are not parallel-safe: they would see/,
    )
    await runner.close()
  })

  it('a worker setup written by hand that gives a worker none of its own state backends is refused: its journeys would share the run\'s', async () => {
    // Each journey would sign up on the run's own app and database, at the same time as the others.
    const shared = { async create() { return {} } }
    const runner = createRunner({ baseUrl: main.url, stateBackends: [httpControlState({ url: main.url })], workers: 2, workerSetup: shared })
    try {
      const result = await runner.run([whereAmI('a', 1), whereAmI('b', 1)])
      expect(result.status).toBe('failed')
      // The second journey goes to worker 1, whose setup gave it nothing of its own.
      const onWorker = result.journeys.find((j) => j.name === 'b')!
      expect(onWorker.status).toBe('failed')
      expect(onWorker.issues.map((i) => [i.severity, i.source])).toEqual([['critical', 'workers']])
      expect(onWorker.issues[0]!.error).toBe(
        'worker 1 could not be made, so the journey did not run: workerSetup.create(1) gave 0 state backends for the run\'s 1 that cannot be shared ("http-control" (http-control)): each worker needs its own copy of each, with its own app, or paths running at once would see each other\'s writes. Return them as stateBackends, or use the ready-made setups (see docs/parallel.md)',
      )
      expect(onWorker.issues[0]!.suggestion).toMatch(/^The worker setup failed to give this worker its own app and state/)
    } finally {
      await runner.close()
    }
  })
  it('a worker setup that gives workers state backends while the run has none is refused: worker 0 would run its journeys with no rollback', async () => {
    // As a ready-made setup used without the main system's state plugin: the workers roll back, worker 0 does not.
    const halfIsolated = { async create(index: number) { return { stateBackends: [memoryState({}, `w${index}`)] } } }
    const runner = createRunner({ baseUrl: main.url, workers: 2, workerSetup: halfIsolated })
    try {
      const result = await runner.run([whereAmI('a', 1), whereAmI('b', 1)])
      expect(result.status).toBe('failed')
      const onWorker = result.journeys.find((j) => j.name === 'b')!
      expect(onWorker.issues.map((i) => [i.severity, i.source, i.error])).toEqual([
        [
          'critical',
          'workers',
          'worker 1 could not be made, so the journey did not run: workerSetup.create(1) gave 1 state backend ("w1" (memory)), but the run has no state backend: worker 0 runs on the run\'s own system, and its journeys would get no rollback while the other workers\' do. Register the main system\'s state backend too (its plugin, such as @venomqa/state-postgres, or createRunner({ stateBackends })), or give the workers none',
        ],
      ])
    } finally {
      await runner.close()
    }
  })
})
