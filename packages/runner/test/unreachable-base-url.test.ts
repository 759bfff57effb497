/**
 * A run whose API is not there: nothing listens at the base URL (a port found free, then closed), or the
 * app (its own process, fixtures/crashing-app.mjs) goes away mid-run. The first step refused there fails
 * with its own error; the rest of its journey is not run, nor is any later journey on that base URL, each
 * saying why; nothing more is sent to the dead address. What must not change is tested beside it: a refused
 * connection to another host, a step that checks the API is down, the retries a user asked for, failFast.
 */
import { once } from 'node:events'
import { createServer } from 'node:http'
import { type JourneyResult, type RunResult, branch, checkpoint, journey, path, step } from '@venomqa/core'
import { type LocalServer, type RunningProcess, freePort, listenLocally, startNodeProcess } from '@venomqa/test-utils'
import { afterEach, describe, expect, it } from 'vitest'
import { createRunner } from '../src/index'

const APP = new URL('./fixtures/crashing-app.mjs', import.meta.url).pathname

const get = (name: string, route = '/items') => step(name, ({ http }) => http.get(route))

/** Each step of a journey (paths included) as `name status attempts`, in order. */
function steps(j: JourneyResult): string[] {
  const out: string[] = []
  const walk = (nodes: JourneyResult['nodes']) => {
    for (const n of nodes) {
      if (n.kind === 'step') out.push(`${n.name} ${n.status} ${n.attempts}`)
      if (n.kind === 'branch') for (const p of n.paths) walk(p.nodes)
    }
  }
  walk(j.nodes)
  return out
}

/** Every request a run sent, every attempt: what reached (or was refused at) an address. */
function requestsOf(run: RunResult): string[] {
  const out: string[] = []
  const walk = (nodes: JourneyResult['nodes']) => {
    for (const n of nodes) {
      if (n.kind === 'step') for (const x of n.exchanges ?? (n.request ? [{ request: n.request }] : [])) out.push(`${x.request.method} ${new URL(x.request.url).pathname}`)
      if (n.kind === 'branch') for (const p of n.paths) walk(p.nodes)
    }
  }
  for (const j of run.journeys) walk(j.nodes)
  return out
}

const UNREACHABLE_SUGGESTION =
  'Nothing was sent to an address that refuses connections: start the API (`venomqa doctor` checks that it answers), or fix baseUrl / --base-url (or the environment variable the config reads it from, API_URL in the one `venomqa init` writes), then run again; `venomqa run --last-failed` runs only what failed or did not run.'

describe('a base URL nothing listens at', () => {
  it('fails the first step refused there, and runs nothing more against it: not the rest of the journey, not the journeys after', async () => {
    const port = await freePort()
    const base = `http://127.0.0.1:${port}`
    const runner = createRunner({ baseUrl: base })
    const first = journey('first', {
      steps: [
        get('health', '/health'),
        checkpoint('ready'),
        branch('ready', [path('a', [get('in_a')]), path('b', [get('in_b', '/nope')])]),
        step('create', ({ http }) => http.post('/items', { json: {} })),
      ],
    })
    let run: RunResult
    try {
      run = await runner.run([first, journey('second', { steps: [get('list'), get('one', '/items/1')] }), journey('third', { steps: [get('list')] })])
    } finally {
      await runner.close()
    }

    expect(run.status).toBe('failed')
    // The step refused there: its own error and the suggestion naming the variable, after the HTTP client's
    // retries of an idempotent request (documented: transport errors are retried), and nothing after it.
    expect(steps(run.journeys[0]!)).toEqual(['health failed 1', 'in_a skipped 0', 'in_b skipped 0', 'create skipped 0'])
    expect(requestsOf(run)).toEqual(['GET /health', 'GET /health', 'GET /health'])
    const [stepIssue, stopIssue] = run.journeys[0]!.issues
    expect(stepIssue).toMatchObject({
      step: 'health',
      severity: 'high',
      kind: 'connection-refused',
      error: `GET ${base}/health: connection refused (ECONNREFUSED)`,
      suggestion: expect.stringContaining('API_URL'),
    })
    expect(stopIssue).toMatchObject({
      step: 'journey',
      severity: 'critical',
      kind: 'connection-refused',
      source: 'runner',
      error: `nothing listens at the base URL ${base}: step "health" was refused a connection, and a new connection was refused too. The journey stopped there: its remaining steps were not run, nor is any later journey of this run that uses this base URL`,
      suggestion: UNREACHABLE_SUGGESTION,
    })
    expect(run.journeys[0]!.issues).toHaveLength(2)
    // The journeys after it are not run, each failed with one reason naming the address and where it was refused.
    for (const j of run.journeys.slice(1)) {
      expect(j.status).toBe('failed')
      expect(j.interrupted).toBeUndefined()
      expect(steps(j).every((s) => s.endsWith('skipped 0'))).toBe(true)
      expect(j.issues.map((i) => [i.severity, i.kind, i.step, i.error, i.suggestion])).toEqual([
        ['critical', 'connection-refused', 'journey', `not run: nothing listens at the base URL ${base}: step "health" of journey "first" was refused a connection`, UNREACHABLE_SUGGESTION],
      ])
    }
    expect(run.summary.steps).toMatchObject({ failed: 1, skipped: 6 })
  })

  it('names the host and port refused when the base URL has a path, and the path of the step', async () => {
    const base = `http://127.0.0.1:${await freePort()}/api/v1`
    const runner = createRunner({ baseUrl: base })
    const j = journey('paths', { steps: [checkpoint('c'), branch('c', [path('p', [get('in_p')])]), get('after')] })
    let run: RunResult
    try {
      run = await runner.run(j)
    } finally {
      await runner.close()
    }
    expect(steps(run.journeys[0]!)).toEqual(['in_p failed 1', 'after skipped 0'])
    expect(run.journeys[0]!.issues.find((i) => i.step === 'journey')?.error).toBe(
      `nothing listens at the base URL ${base}: step "in_p" of path "p" was refused a connection to ${new URL(base).origin}, and a new connection was refused too. The journey stopped there: its remaining steps were not run, nor is any later journey of this run that uses this base URL`,
    )
  })

  /** Journey one (steps a, b) then journey two (step a), both against `base`. */
  async function oneThenTwo(base: string): Promise<RunResult> {
    const runner = createRunner({ baseUrl: base })
    try {
      return await runner.run([journey('one', { steps: [get('a'), get('b')] }), journey('two', { steps: [get('a')] })])
    } finally {
      await runner.close()
    }
  }

  it('a base URL by host name (localhost, which may be tried on ::1 and 127.0.0.1): the same', async () => {
    const base = `http://localhost:${await freePort()}`
    const run = await oneThenTwo(base)
    expect(run.journeys.map((j) => steps(j))).toEqual([['a failed 1', 'b skipped 0'], ['a skipped 0']])
    expect(run.journeys[1]!.issues[0]!.error).toBe(`not run: nothing listens at the base URL ${base}: step "a" of journey "one" was refused a connection`)
  })

  it('a host name no lookup finds (misspelt): stopped the same way, saying the host is not found', async () => {
    // `.invalid` is reserved never to resolve (RFC 6761): the resolver answers ENOTFOUND, without a network.
    const base = 'http://venomqa-no-such-host.invalid:8080'
    const run = await oneThenTwo(base)
    expect(run.journeys.map((j) => steps(j))).toEqual([['a failed 1', 'b skipped 0'], ['a skipped 0']])
    expect(run.journeys[0]!.issues.map((i) => [i.step, i.kind])).toEqual([
      ['a', 'dns'],
      ['journey', 'dns'],
    ])
    expect(run.journeys[0]!.issues[1]!.error).toBe(
      `the host of the base URL ${base} is not found: step "a" got no address for venomqa-no-such-host.invalid (ENOTFOUND), and a new lookup found none either. The journey stopped there: its remaining steps were not run, nor is any later journey of this run that uses this base URL`,
    )
    expect(run.journeys[1]!.issues[0]!).toMatchObject({
      kind: 'dns',
      error: `not run: the host of the base URL ${base} is not found: step "a" of journey "one" got no address for venomqa-no-such-host.invalid (ENOTFOUND)`,
      suggestion: expect.stringMatching(/^Nothing was sent to a host name no lookup finds: check its spelling in baseUrl/),
    })
  })

  it('sends no retry the user did not ask for beyond the first request: a POST is sent once', async () => {
    const runner = createRunner({ baseUrl: `http://127.0.0.1:${await freePort()}` })
    let run: RunResult
    try {
      run = await runner.run([
        journey('posts', { steps: [step('create', ({ http }) => http.post('/items', { json: {} })), get('list')] }),
        journey('later', { steps: [get('list')] }),
      ])
    } finally {
      await runner.close()
    }
    expect(requestsOf(run)).toEqual(['POST /items'])
    expect(run.journeys.map((j) => j.status)).toEqual(['failed', 'failed'])
  })

  it("keeps the retries the user asked for (the HTTP client's policy, a step's retries) before it stops", async () => {
    const runner = createRunner({ baseUrl: `http://127.0.0.1:${await freePort()}`, http: { retry: { retries: 3, baseDelayMs: 1, maxDelayMs: 5 } } })
    let run: RunResult
    try {
      run = await runner.run(journey('asked', { steps: [step('waits', ({ http }) => http.get('/health'), { retries: 1, retryDelay: 1 }), get('next')] }))
    } finally {
      await runner.close()
    }
    // Two attempts of the step, each sending its GET four times (the policy's 3 retries), then no more.
    expect(steps(run.journeys[0]!)).toEqual(['waits failed 2', 'next skipped 0'])
    expect(requestsOf(run)).toHaveLength(8)
  })

  it('lets a step that waits for the API with retries see it come up: nothing is given up while it retries', async () => {
    const port = await freePort()
    let server: LocalServer | undefined
    let retries = 0
    const runner = createRunner({
      baseUrl: `http://127.0.0.1:${port}`,
      http: { retry: false },
      // The API comes up after the step's second attempt was refused.
      hooks: { stepRetry: async () => void (++retries === 2 && (server = await listenLocally(createServer((_req, res) => res.end('ok')), port))) },
    })
    let run: RunResult
    try {
      run = await runner.run(journey('waits', { steps: [step('until_up', ({ http }) => http.get('/health'), { retries: 20, retryDelay: 10 }), get('next')] }))
    } finally {
      await runner.close()
      await server?.close()
    }
    expect(steps(run.journeys[0]!)).toEqual(['until_up passed 3', 'next passed 1'])
    expect(run.status).toBe('passed')
  })

  it('a refused connection to another host (a mock server still starting) fails that step only: the run goes on', async () => {
    const api = await listenLocally(createServer((_req, res) => res.end('[]')))
    const mock = `http://127.0.0.1:${await freePort()}`
    const runner = createRunner({ baseUrl: api.url })
    let run: RunResult
    try {
      run = await runner.run([
        journey('calls_mock', { steps: [step('mock', ({ http }) => http.get(`${mock}/stub`, { retry: false })), get('list')] }),
        journey('after', { steps: [get('list')] }),
      ])
    } finally {
      await runner.close()
      await api.close()
    }
    expect(steps(run.journeys[0]!)).toEqual(['mock failed 1', 'list passed 1'])
    expect(run.journeys.map((j) => j.status)).toEqual(['failed', 'passed'])
    expect(run.journeys[0]!.issues.map((i) => i.step)).toEqual(['mock'])
  })

  it('a step that checks the API is down (it catches the refusal) passes, and the journey goes on', async () => {
    const runner = createRunner({ baseUrl: `http://127.0.0.1:${await freePort()}` })
    let run: RunResult
    try {
      run = await runner.run(
        journey('down_on_purpose', {
          steps: [
            step('is_down', async ({ http }) => {
              const err = (await http.get('/health', { retry: false }).catch((e: unknown) => e)) as { kind?: string }
              if (err?.kind !== 'connection-refused') throw new Error(`expected a refused connection, got ${String(err)}`)
            }),
            step('no_request', ({ ctx }) => void ctx.set('checked', true)),
          ],
        }),
      )
    } finally {
      await runner.close()
    }
    expect(steps(run.journeys[0]!)).toEqual(['is_down passed 1', 'no_request passed 1'])
    expect(run.status).toBe('passed')
  })

  it('a journey with a base URL of its own that answers still runs', async () => {
    const other = await listenLocally(createServer((_req, res) => res.end('[]')))
    const runner = createRunner({ baseUrl: `http://127.0.0.1:${await freePort()}` })
    let run: RunResult
    try {
      run = await runner.run([journey('dead', { steps: [get('list')] }), journey('own', { baseUrl: other.url, steps: [get('list')] }), journey('dead_too', { steps: [get('list')] })])
    } finally {
      await runner.close()
      await other.close()
    }
    expect(run.journeys.map((j) => [j.name, j.status, steps(j)])).toEqual([
      ['dead', 'failed', ['list failed 1']],
      ['own', 'passed', ['list passed 1']],
      ['dead_too', 'failed', ['list skipped 0']],
    ])
  })

  it('under failFast, the journeys after are skipped as interrupted, as failFast does', async () => {
    const runner = createRunner({ baseUrl: `http://127.0.0.1:${await freePort()}`, failFast: true })
    let run: RunResult
    try {
      run = await runner.run([journey('one', { steps: [get('a'), get('b')] }), journey('two', { steps: [get('a')] })])
    } finally {
      await runner.close()
    }
    expect(run.journeys.map((j) => [j.status, j.interrupted ?? false, steps(j), j.issues.map((i) => i.step)])).toEqual([
      ['failed', false, ['a failed 1', 'b skipped 0'], ['a', 'journey']],
      ['skipped', true, ['a skipped 0'], []],
    ])
  })

  it('a journey that stopped there is not retried (journeyRetries): the same refusal would wait for it', async () => {
    const runner = createRunner({ baseUrl: `http://127.0.0.1:${await freePort()}`, journeyRetries: 2 })
    let run: RunResult
    try {
      run = await runner.run(journey('retried', { steps: [get('a')] }))
    } finally {
      await runner.close()
    }
    expect(run.journeys[0]!.status).toBe('failed')
    expect(run.journeys[0]!.earlierAttempts ?? []).toHaveLength(0)
    expect(requestsOf(run)).toHaveLength(3)
  })

  it('journeys running at once (workers) stop at their next step, and the ones not started are not run', async () => {
    const runner = createRunner({ baseUrl: `http://127.0.0.1:${await freePort()}`, workers: 2 })
    const many = Array.from({ length: 6 }, (_, i) => journey(`j${i}`, { steps: [get('a'), get('b'), get('c')] }))
    let run: RunResult
    try {
      run = await runner.run(many)
    } finally {
      await runner.close()
    }
    expect(run.status).toBe('failed')
    // At most one failed step on each worker; every other step not run.
    const all = run.journeys.flatMap(steps)
    expect(all.filter((s) => s.includes('failed')).length).toBeLessThanOrEqual(2)
    expect(all.filter((s) => s.includes('skipped 0'))).toHaveLength(all.length - all.filter((s) => s.includes('failed')).length)
    // One journey says it met the refusal; one that ran beside it says it stopped; those after were not run.
    const stops = run.journeys.map((j) => j.issues.find((i) => i.step === 'journey')!.error)
    expect(stops.filter((e) => e.includes('The journey stopped there: its remaining steps were not run, nor is any later journey'))).toHaveLength(1)
    run.journeys.forEach((j, i) => {
      if (stops[i]!.includes('The journey stopped there')) return
      const ran = steps(j).some((s) => s.includes('failed'))
      expect(stops[i]).toMatch(ran ? /^nothing listens at the base URL .*\. The journey stopped before its next step: the rest of it was not run$/ : /^not run: nothing listens at the base URL /)
    })
    expect(stops.slice(2).every((e) => e.startsWith('not run: '))).toBe(true)
  })

  it('parallel paths: the path refused stops the branch, its sibling paths and the line after it', async () => {
    const runner = createRunner({ baseUrl: `http://127.0.0.1:${await freePort()}`, parallelPaths: 2 })
    const paths = ['p1', 'p2', 'p3', 'p4'].map((name) => path(name, [get(`${name}_a`), get(`${name}_b`)]))
    let run: RunResult
    try {
      run = await runner.run(journey('branches', { steps: [checkpoint('c'), branch('c', paths), get('after')] }))
    } finally {
      await runner.close()
    }
    const all = steps(run.journeys[0]!)
    const failed = all.filter((s) => s.includes('failed'))
    // The two paths that started at once may each have had their first step refused; nothing else ran.
    expect(failed.length).toBeGreaterThanOrEqual(1)
    expect(failed.length).toBeLessThanOrEqual(2)
    expect(failed.every((s) => /^p\d_a failed 1$/.test(s))).toBe(true)
    expect(all.filter((s) => !s.includes('failed')).every((s) => s.endsWith('skipped 0'))).toBe(true)
    expect(run.journeys[0]!.issues.filter((i) => i.step === 'journey')).toHaveLength(1)
  })

  it('a new run asks again: an API started after one run is used by the next run of the same runner', async () => {
    const port = await freePort()
    const runner = createRunner({ baseUrl: `http://127.0.0.1:${port}`, http: { retry: false } })
    let server: LocalServer | undefined
    try {
      const j = journey('j', { steps: [get('a')] })
      expect((await runner.run(j)).status).toBe('failed')
      server = await listenLocally(
        createServer((_req, res) => res.end('[]')),
        port,
      )
      expect((await runner.run(j)).status).toBe('passed')
    } finally {
      await runner.close()
      await server?.close()
    }
  })
})

describe('an API that goes away mid-run', () => {
  const apps: RunningProcess[] = []
  afterEach(async () => {
    await Promise.all(apps.splice(0).map((a) => a.stop()))
  })

  it('stops the journey at the first step refused once it is gone, and runs no later journey against it', async () => {
    const app = await startNodeProcess(APP)
    apps.push(app)
    const runner = createRunner({ baseUrl: app.url })
    let run: RunResult
    try {
      run = await runner.run([
        journey('before', { steps: [get('list')] }),
        journey('crashes', {
          steps: [
            get('list'),
            // Cut without an answer (reset, not refused): that step fails alone.
            step('crash', ({ http }) => http.post('/crash')),
            step('until_gone', async () => {
              if (app.child.exitCode === null) await once(app.child, 'exit')
            }),
            get('list_again'),
            get('never'),
          ],
        }),
        journey('after', { steps: [get('list')] }),
      ])
    } finally {
      await runner.close()
    }
    expect(run.journeys.map((j) => [j.name, j.status, steps(j)])).toEqual([
      ['before', 'passed', ['list passed 1']],
      ['crashes', 'failed', ['list passed 1', 'crash failed 1', 'until_gone passed 1', 'list_again failed 1', 'never skipped 0']],
      ['after', 'failed', ['list skipped 0']],
    ])
    const crashes = run.journeys[1]!
    expect(crashes.issues.map((i) => [i.step, i.kind])).toEqual([
      ['crash', expect.stringMatching(/^connection-reset|transport$/)],
      ['list_again', 'connection-refused'],
      ['journey', 'connection-refused'],
    ])
    expect(run.journeys[2]!.issues[0]!.error).toBe(`not run: nothing listens at the base URL ${app.url}: step "list_again" of journey "crashes" was refused a connection`)
  })
})
