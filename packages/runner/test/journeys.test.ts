/**
 * Journey semantics against the example todo app running as its own process (in-memory storage,
 * rolled back through its control endpoint by the http-control backend).
 */
import { assertStatus, branch, checkpoint, ConfigError, DefinitionError, journey, path, StateError, step, type HookName, type JourneyResult } from '@venomqa/core'
import { createRunner, httpControlState, type Runner } from '../src/index'
import { startTodoApp, waitUntil, type RunningProcess } from '@venomqa/test-utils'
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'

let app: RunningProcess

beforeAll(async () => {
  app = await startTodoApp()
})
afterAll(async () => {
  await app?.stop()
})

/** The longest wait the todo app's /api/slow takes: a request for it never ends by itself within a test. */
const SLOW_MAX_MS = 120_000

/**
 * The app's count of /api/slow requests (answered, and ended by their client before the answer) once none
 * is pending: a cancelled request counts once the app has seen its client go.
 */
async function slowStats(): Promise<{ completed: number; aborted: number }> {
  let stats = { pending: 0, completed: 0, aborted: 0 }
  await waitUntil(async () => {
    stats = await (await fetch(`${app.url}/api/slow/stats`)).json()
    return stats.pending === 0
  }, 'no /api/slow request to be pending in the app')
  return { completed: stats.completed, aborted: stats.aborted }
}

function runnerFor(extra: Parameters<typeof createRunner>[0] = {}): Runner {
  return createRunner({ baseUrl: app.url, stateBackends: [httpControlState({ url: app.url })], ...extra })
}

const signupAndLogin = (email: string) => [
  step('signup', ({ http }) => http.post('/api/users', { json: { email, password: 'pw-123456', name: 'T' } })),
  step('login', async ({ http, ctx }) => {
    const res = await http.post('/api/auth/login', { json: { email, password: 'pw-123456' } })
    ctx.set('token', res.json().token)
    http.setAuthToken(res.json().token)
    return res
  }),
]

async function todoTitles(http: { get: (p: string) => Promise<{ json(): any }> }): Promise<string[]> {
  return ((await http.get('/api/todos')).json() as { title: string }[]).map((t) => t.title).sort()
}

function allSteps(r: JourneyResult) {
  const out: { name: string; status: string; path: string }[] = []
  const walk = (nodes: JourneyResult['nodes'], p: string) => {
    for (const n of nodes) {
      if (n.kind === 'step') out.push({ name: n.name, status: n.status, path: p })
      if (n.kind === 'branch') for (const x of n.paths) walk(x.nodes, x.name)
    }
  }
  walk(r.nodes, 'main')
  return out
}

describe('checkpoints and branches against an app in its own process', () => {
  it('starts every path from the checkpoint state (app data and context), and the main line continues from it', async () => {
    const seen: Record<string, unknown> = {}
    const j = journey('branching', {
      steps: [
        ...signupAndLogin('branch@example.test'),
        step('first_todo', async ({ http, ctx }) => {
          const res = await http.post('/api/todos', { json: { title: 'first' } })
          ctx.set('firstId', res.json().id)
          ctx.set('marker', { at: 'checkpoint', list: [1] })
          return res
        }),
        checkpoint('one_todo'),
        // Between the checkpoint and the branch: every path must still start from the checkpoint.
        step('after_checkpoint', async ({ http, ctx }) => {
          ctx.set('marker', { at: 'after', list: [1, 2] })
          return http.post('/api/todos', { json: { title: 'between' } })
        }),
        branch('one_todo', [
          path('add_two', [
            step('check_start', async ({ http, ctx }) => {
              seen.add_two = structuredClone({ titles: await todoTitles(http), marker: ctx.get('marker') })
              const m = ctx.get<{ list: number[] }>('marker')!
              m.list.push(99) // a nested change must not leak to the next path
              ctx.set('from_add_two', true)
            }),
            step('add', async ({ http, ctx }) => {
              const a = await http.post('/api/todos', { json: { title: 'a' } })
              ctx.set('aId', a.json().id)
              return http.post('/api/todos', { json: { title: 'b' } })
            }),
            checkpoint('three_todos'),
            branch('three_todos', [
              path('delete_all', [
                step('delete', async ({ http }) => {
                  for (const t of (await http.get('/api/todos')).json() as { id: number }[]) {
                    const r = await http.delete(`/api/todos/${t.id}`)
                    if (r.status >= 400) return r
                  }
                  seen.deleted = await todoTitles(http)
                }),
              ]),
              path('still_three', [
                step('count', async ({ http }) => {
                  seen.still_three = await todoTitles(http)
                }),
              ]),
            ]),
          ]),
          path('sees_checkpoint', [
            step('check', async ({ http, ctx }) => {
              seen.sees_checkpoint = { titles: await todoTitles(http), marker: ctx.get('marker'), leaked: ctx.has('from_add_two') }
              const res = await http.post('/api/todos', { json: { title: 'c' } })
              seen.nextId = res.json().id
              return res
            }),
          ]),
          path('bad_input', [step('no_title', ({ http }) => http.post('/api/todos', { json: {} }), { expectFailure: true })]),
        ]),
        step('main_after_branch', async ({ http, ctx }) => {
          seen.after = { titles: await todoTitles(http), marker: ctx.get('marker'), keys: ctx.keys().sort() }
        }),
      ],
    })
    const runner = runnerFor()
    const result = await runner.run(j)
    await runner.close()
    const jr = result.journeys[0]!
    expect(jr.issues).toEqual([])
    expect(jr.status).toBe('passed')
    const cpState = { titles: ['first'], marker: { at: 'checkpoint', list: [1] } }
    expect(seen.add_two).toEqual(cpState)
    expect(seen.sees_checkpoint).toEqual({ ...cpState, leaked: false })
    expect(seen.deleted).toEqual([])
    expect(seen.still_three).toEqual(['a', 'b', 'first'])
    // Ids continue as at the checkpoint: the todo made between checkpoint and branch, and path add_two's, are gone.
    expect(seen.nextId).toBe((jr.nodes[2] as any).response.body.id + 1)
    expect(seen.after).toEqual({ ...cpState, keys: ['firstId', 'marker', 'token'] })
    expect(allSteps(jr).every((s) => s.status === 'passed')).toBe(true)
    expect(result.backends).toEqual([{ name: 'http-control', mechanism: 'http-control', parallelSafe: false }])
    const br = jr.nodes.find((n) => n.kind === 'branch')!
    expect(br.kind === 'branch' && br.paths.map((p) => p.rollback?.backends[0]?.mechanism)).toEqual(['http-control', 'http-control', 'http-control'])
  })

  it('a failing path does not stop its siblings, and fails the journey', async () => {
    const ran: string[] = []
    const j = journey('sibling_failure', {
      steps: [
        step('health', ({ http }) => http.get('/health')),
        checkpoint('start'),
        branch('start', [
          path('fails', [step('boom', () => { ran.push('fails'); throw new Error('boom') })]),
          path('passes', [step('ok', () => { ran.push('passes') })]),
        ]),
      ],
    })
    const runner = runnerFor()
    const r = (await runner.run(j)).journeys[0]!
    await runner.close()
    expect(ran).toEqual(['fails', 'passes'])
    expect(r.status).toBe('failed')
    expect(r.counts.paths).toMatchObject({ total: 2, passed: 1, failed: 1 })
    expect(r.issues).toHaveLength(1)
    expect(r.issues[0]).toMatchObject({ journey: 'sibling_failure', path: 'fails', step: 'boom', severity: 'high', error: 'boom' })
  })

  it("a journey's own failFast skips the rest of the line after its first failed step, in a path too; the next journey runs", async () => {
    const sent: string[] = []
    const j = journey('stops_early', {
      failFast: true,
      steps: [
        step('login', () => {
          throw new Error('API_TOKEN is not set')
        }),
        step('create', async ({ http }) => {
          sent.push('create')
          return http.post('/api/users', { json: { email: 'never-sent@x.test', password: 'pw-123456', name: 'T' } })
        }),
        checkpoint('cp'),
        branch('cp', [path('p', [step('in_path', () => void sent.push('in_path'))])]),
      ],
    })
    const inPath = journey('stops_in_path', {
      failFast: true,
      steps: [
        step('health', ({ http }) => http.get('/health')),
        checkpoint('start'),
        branch('start', [
          path('fails', [step('boom', () => { throw new Error('boom') }), step('after_boom', () => void sent.push('after_boom'))]),
          path('passes', [step('ok', () => void sent.push('sibling'))]),
        ]),
        step('main_after_branch', () => void sent.push('main_after_branch')),
      ],
    })
    const other = journey('goes_on', { steps: [step('fails', () => { throw new Error('no') }), step('still_runs', () => void sent.push('still_runs'))] })
    const runner = runnerFor()
    const r = await runner.run([j, inPath, other])
    await runner.close()
    // The failed path skips its own rest; its sibling runs; the main line stops at the failed branch.
    expect(sent).toEqual(['sibling', 'still_runs'])
    expect(allSteps(r.journeys[0]!).map((s) => `${s.name}:${s.status}`)).toEqual(['login:failed', 'create:skipped', 'in_path:skipped'])
    expect(r.journeys[0]!.issues).toHaveLength(1)
    expect(allSteps(r.journeys[1]!).map((s) => `${s.name}:${s.status}`)).toEqual(['health:passed', 'boom:failed', 'after_boom:skipped', 'ok:passed', 'main_after_branch:skipped'])
    expect(r.journeys[2]!.status).toBe('failed')
    expect(() => journey('bad', { failFast: 'yes' as unknown as boolean, steps: [step('s', () => {})] })).toThrow(/journey "bad": failFast: expected true or false, got "yes"/)
  })

  it('a path that reads what only its sibling set is told that each path starts from the checkpoint context', async () => {
    const j = journey('sibling_context', {
      steps: [
        step('health', ({ http }) => http.get('/health')),
        checkpoint('start'),
        branch('start', [
          path('sets', [step('set_coupon', ({ ctx }) => void ctx.set('coupon', 'SAVE10'))]),
          path('reads', [step('use_coupon', ({ ctx }) => void ctx.require('coupon'))]),
          path('throws', [step('boom', () => { throw new Error('boom') })]),
        ]),
      ],
    })
    const runner = runnerFor()
    const r = (await runner.run(j)).journeys[0]!
    await runner.close()
    expect(r.issues.map((i) => [i.path, i.kind, i.error])).toEqual([
      ['reads', 'crash', 'context has no "coupon" (it is empty)'],
      ['throws', 'crash', 'boom'],
    ])
    expect(r.issues[0]!.suggestion).toMatch(/set it with ctx\.set\(\) in an earlier step.*each path of a branch starts from the context saved at its checkpoint/)
    // An error without a code of its own keeps the suggestion of its kind.
    expect(r.issues[1]!.suggestion).toBe('The action threw an unexpected error: read the error and its stack (run with --debug).')
  })

  it('a 409 is put down to state leaked between paths only after another path ran; before that, to a value the API keeps unique', async () => {
    // No state backend: the second path meets the user the first one signed up, as a failed rollback
    // would leave it. The main line's second sign-up, before any path, meets the API's own rule.
    const signUp = (name: string, email: string) =>
      step(name, async ({ http }) => assertStatus(await http.post('/api/users', { json: { email, password: 'pw-123456', name: 'T' } }), 201))
    const j = journey('conflicts', {
      steps: [
        signUp('sign_up', `fixed-${process.pid}@example.test`),
        signUp('sign_up_again', `fixed-${process.pid}@example.test`),
        checkpoint('start'),
        branch('start', [path('first', [signUp('join', `path-${process.pid}@example.test`)]), path('second', [signUp('join', `path-${process.pid}@example.test`)])]),
      ],
    })
    const runner = createRunner({ baseUrl: app.url })
    const r = (await runner.run(j)).journeys[0]!
    await runner.close()
    expect(r.issues.filter((i) => i.source === 'step').map((i) => [i.path, i.step, i.response?.status])).toEqual([
      ['main', 'sign_up_again', 409],
      ['second', 'join', 409],
    ])
    const [unique, leaked] = r.issues.filter((i) => i.source === 'step')
    expect(unique!.suggestion).toMatch(/^Conflict: the API already holds something with a value this request sends and it requires to be unique/)
    expect(unique!.suggestion).not.toContain('leaked')
    expect(leaked!.suggestion).toMatch(/state leaked between paths/)
  })

  it('a 409 after other paths that a state backend rolled back is put down to a value kept unique, never to leaked state', async () => {
    // The main line's user is at the checkpoint: each path starts with it, rolled back or not. A path
    // signing it up again meets the API's own rule, as a second run meets what the first run's main line left.
    const email = `kept-${process.pid}@example.test`
    const signUp = (name: string) => step(name, async ({ http }) => assertStatus(await http.post('/api/users', { json: { email, password: 'pw-123456', name: 'T' } }), 201))
    const j = journey('conflict_rolled_back', {
      steps: [
        signUp('sign_up'),
        checkpoint('start'),
        branch('start', [path('first', [step('health', ({ http }) => http.get('/health'))]), path('second', [signUp('sign_up_again')])]),
      ],
    })
    const runner = runnerFor()
    const r = (await runner.run(j)).journeys[0]!
    await runner.close()
    const failed = r.issues.filter((i) => i.source === 'step')
    expect(failed.map((i) => [i.path, i.step, i.response?.status])).toEqual([['second', 'sign_up_again', 409]])
    expect(failed[0]!.suggestion).toMatch(/^Conflict: the API already holds something with a value this request sends and it requires to be unique/)
    expect(failed[0]!.suggestion).not.toContain('leaked')
  })

  it('a 404 after another path, with no state backend, says that nothing rolled that path back', async () => {
    const j = journey('deleted_by_sibling', {
      steps: [
        ...signupAndLogin(`sibling-${process.pid}@example.test`),
        step('create', async ({ http, ctx }) => {
          const res = await http.post('/api/todos', { json: { title: 'shared' } })
          ctx.set('todoId', res.json().id)
          return res
        }),
        checkpoint('one_todo'),
        branch('one_todo', [
          path('delete_it', [step('delete', ({ http, ctx }) => http.delete(`/api/todos/${ctx.require('todoId')}`))]),
          path('read_it', [step('read', ({ http, ctx }) => http.get(`/api/todos/${ctx.require('todoId')}`))]),
        ]),
      ],
    })
    const runner = createRunner({ baseUrl: app.url })
    const run = await runner.run(j)
    await runner.close()
    const failed = run.journeys[0]!.issues.filter((i) => i.source === 'step')
    expect(failed.map((i) => [i.path, i.step, i.response?.status])).toEqual([['read_it', 'read', 404]])
    expect(failed[0]!.suggestion).toMatch(/no state backend rolled back the paths before it/)
    // The run's own word on the missing backend does not claim that nothing failed: a path did.
    const told = run.issues.find((i) => i.kind === 'state' && i.severity === 'info')
    expect(told?.suggestion).toMatch(/^The checkpoints saved the context alone: each path may have started from data an earlier path left/)
  })
})

describe('the HTTP client is part of the World', () => {
  it('restores the auth header a path changed', async () => {
    const whoami: string[] = []
    const j = journey('auth_restored', {
      steps: [
        ...signupAndLogin('first@example.test'),
        checkpoint('as_first'),
        branch('as_first', [
          path('log_in_as_second', [
            ...signupAndLogin('second@example.test'),
            step('me', async ({ http }) => { whoami.push((await http.get('/api/me')).json().email) }),
          ]),
          path('still_first', [step('me', async ({ http }) => { whoami.push((await http.get('/api/me')).json().email) })]),
        ]),
        step('me_after', async ({ http }) => { whoami.push((await http.get('/api/me')).json().email) }),
      ],
    })
    const runner = runnerFor()
    const r = (await runner.run(j)).journeys[0]!
    await runner.close()
    expect(r.issues).toEqual([])
    expect(whoami).toEqual(['second@example.test', 'first@example.test', 'first@example.test'])
  })
})

describe('a server error the action did not look at', () => {
  it('passes the step, as the outcome rule says, with a high issue naming the request; one looked at or returned is none', async () => {
    const key = (name: string) => `unchecked-${name}-${process.pid}-${Date.now()}`
    // The app answers 503 to the first call per key; retry: false, or the client's own retry would hide it.
    const flaky = (name: string) => `/api/flaky?key=${key(name)}&failures=1`
    // A server that answers 500 after 150 ms, for a request a step leaves running (the todo app has none).
    const slowError = await new Promise<{ url: string; close(): void }>((resolve) => {
      const server = createServer((_req, res) => setTimeout(() => res.writeHead(500, { 'content-type': 'application/json' }).end('{"error":"late"}'), 150))
      server.listen(0, '127.0.0.1', () => resolve({ url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, close: () => server.close() }))
    })
    const runner = runnerFor()
    const running = runner.run(
      journey('server_errors', {
        steps: [
          step('ignores', async ({ http, ctx }) => {
            const res = await http.get(flaky('ignores'), { retry: false })
            ctx.set('body', res.json())
          }),
          step('checks_ok', async ({ http, ctx }) => {
            const res = await http.get(flaky('checks_ok'), { retry: false })
            ctx.set('fallback', !res.ok)
          }),
          step('asserts', async ({ http }) => assertStatus(await http.get(flaky('asserts'), { retry: false }), 503)),
          step('returns', ({ http }) => http.get(flaky('returns'), { retry: false }), { expectFailure: true }),
          // Through the exchange record, as docs/journeys.md shows it.
          step('checks_the_record', async ({ http, ctx }) => {
            const body = (await http.get(flaky('record'), { retry: false })).json()
            ctx.set('record', http.lastExchange()?.response?.status === 503 ? 'down' : body)
          }),
          // Kept for later, its body never read here: nothing went on with it.
          step('keeps_it', async ({ http, ctx }) => {
            ctx.set('kept', await http.get(flaky('kept'), { retry: false }))
          }),
          // Never touched: left for what checks the state next, as a regression journey's replayed action is.
          step('never_touches', async ({ http }) => {
            await http.get(flaky('untouched'), { retry: false })
          }),
          // Sent and left running: the step waits for it, so its 500 is its own, told with the promise it dropped, and never the next step's.
          step('fires_and_forgets', ({ http }) => {
            void http
              .get(`${slowError.url}/late`, { retry: false })
              .then((res) => res.json())
              .catch(() => {})
          }),
          step('innocent', async ({ http }) => {
            await new Promise((done) => setTimeout(done, 400))
            assertStatus(await http.get('/health'), 200)
          }),
        ],
      }),
    )
    const r = await running.finally(() => slowError.close())
    await runner.close()
    const j = r.journeys[0]!
    expect(allSteps(j).every((s) => s.status === 'passed')).toBe(true)
    expect(j.status).toBe('passed')
    expect(j.issues.map((i) => [i.step, i.severity, i.kind])).toEqual([
      ['ignores', 'high', 'http-status'],
      ['fires_and_forgets', 'high', 'http-status'],
      ['fires_and_forgets', 'medium', 'assertion'],
    ])
    expect(j.issues[0]!.error).toMatch(
      /^step "ignores" passed, but GET http:\/\/127\.0\.0\.1:\d+\/api\/flaky\?key=\[REDACTED\]&failures=1 answered HTTP 503, and the action read its body without checking its status/,
    )
    expect(j.issues[0]!.response?.status).toBe(503)
  })
})

describe('a refused request the action never looked at', () => {
  it('passes the step, as the outcome rule says, with a high issue naming the request; one returned, checked or kept is none', async () => {
    const runner = runnerFor()
    const r = await runner.run(
      journey('client_errors', {
        steps: [
          // Braces and no return: the 401 is neither returned nor looked at, the usual slip of a first journey.
          step('forgets_return', async ({ http }) => {
            await http.post('/api/todos', { json: { title: 'never made' } })
          }),
          // Its body read as if it were the answer: the id is undefined from here on.
          step('reads_the_body', async ({ http, ctx }) => {
            ctx.set('id', (await http.post('/api/todos', { json: { title: 'never made' } })).json().id)
          }),
          step('checks_status', async ({ http, ctx }) => {
            const res = await http.get('/api/todos/999999')
            ctx.set('missing', res.status === 404)
          }),
          step('asserts', async ({ http }) => assertStatus(await http.get('/api/todos/999999'), 401)),
          step('returns', ({ http }) => http.get('/api/todos'), { expectFailure: true }),
          step('keeps_it', async ({ http, ctx }) => {
            ctx.set('kept', await http.get('/api/todos'))
          }),
        ],
      }),
    )
    await runner.close()
    const j = r.journeys[0]!
    expect(j.status).toBe('passed')
    expect(j.issues.map((i) => [i.step, i.severity, i.kind, i.response?.status])).toEqual([
      ['forgets_return', 'high', 'http-status', 401],
      ['reads_the_body', 'high', 'http-status', 401],
    ])
    expect(j.issues[0]!.error).toMatch(/^step "forgets_return" passed, but POST http:\/\/127\.0\.0\.1:\d+\/api\/todos answered HTTP 401, and the action neither returned the response nor checked its status/)
    expect(j.issues[0]!.suggestion).toMatch(/an arrow function without braces/)
    expect(j.issues[1]!.error).toMatch(/answered HTTP 401, and the action read its body without checking its status/)
  })
})

describe('retries, timeouts and expected failures', () => {
  it('re-runs a failed step until it passes', async () => {
    let calls = 0
    const retried: number[] = []
    const key = `k${Date.now()}`
    const j = journey('retries', {
      steps: [step('flaky', ({ http }) => { calls++; return http.get(`/api/flaky?key=${key}&failures=2`, { retry: false }) }, { retries: 3 })],
    })
    const runner = runnerFor({ hooks: { stepRetry: (e) => { retried.push(e.attempt) } } })
    const r = (await runner.run(j)).journeys[0]!
    await runner.close()
    expect(calls).toBe(3)
    expect(retried).toEqual([1, 2])
    expect(r.status).toBe('passed')
    expect((r.nodes[0] as any).attempts).toBe(3)
  })

  it('fails after the last retry, with the attempts in the issue', async () => {
    let calls = 0
    const j = journey('retries_exhausted', { steps: [step('always', () => { calls++; throw new Error('nope') }, { retries: 2 })] })
    const runner = runnerFor()
    const r = (await runner.run(j)).journeys[0]!
    await runner.close()
    expect(calls).toBe(3)
    expect(r.issues[0]!.error).toBe('nope (after 3 attempts)')
  })

  it("never retries the test's own mistake: a request HTTP cannot carry, a missing context key, an undefined name, an input that is wrong", async () => {
    const calls = { header: 0, ctx: 0, name: 0, config: 0 }
    const retried: string[] = []
    // A failure ends a journey's main line, so each mistake has a journey of its own.
    const j = journey('own_mistakes', {
      steps: [step('bad_header', ({ http }) => { calls.header++; return http.get('/api/todos', { headers: { 'X-Bad': 'a\nb' } }) }, { retries: 2 })],
    })
    const missingKey = journey('own_mistake_ctx', { steps: [step('needs_key', ({ ctx }) => { calls.ctx++; return ctx.require('never_set') }, { retries: 2 })] })
    // @ts-expect-error: a name that is not defined, as a typo in a step makes it
    const undefinedName = journey('own_mistake_name', { steps: [step('typo', () => { calls.name++; return notDefinedAnywhere }, { retries: 2 })] })
    // A ConfigError from the step's code (a file it reads is gone, a plugin's options are wrong): the input
    // is what to fix, and it is as wrong at the next attempt.
    const wrongInput = journey('own_mistake_config', { steps: [step('reads_input', () => { calls.config++; throw new ConfigError('cannot read the OpenAPI document openapi.yaml: no such file') }, { retries: 2 })] })
    const runner = runnerFor({ hooks: { stepRetry: (e) => { retried.push(e.step) } } })
    const run = await runner.run([j, missingKey, undefinedName, wrongInput])
    await runner.close()
    expect(calls).toEqual({ header: 1, ctx: 1, name: 1, config: 1 })
    expect(retried).toEqual([])
    expect(run.journeys.map((r) => r.status)).toEqual(['failed', 'failed', 'failed', 'failed'])
    expect(run.journeys[0]!.issues[0]!.error).toMatch(/cannot be sent: .*x-bad/)
    expect(run.journeys[0]!.issues[0]!.error).not.toContain('attempts')
  })

  it("a name the step's argument does not have (`context` for `ctx`, as a .journey.mjs may write) says the one meant, never retried", async () => {
    const retried: string[] = []
    // @ts-expect-error: `context` is no property of the argument, as plain JavaScript does not tell
    const wrongName = journey('wrong_argument', { steps: [step('keeps_id', ({ context }) => context.set('id', 1), { retries: 2 })] })
    // Spreading the argument, as a helper that adds to it does, reads none of those names.
    const spread = journey('spread_argument', { steps: [step('hands_on', (args) => { const mine = { ...args, extra: 1 }; mine.ctx.set('seen', mine.extra) })] })
    const runner = runnerFor({ hooks: { stepRetry: (e) => { retried.push(e.step) } } })
    const run = await runner.run([wrongName, spread])
    await runner.close()
    expect(retried).toEqual([])
    expect(run.journeys.map((r) => r.status)).toEqual(['failed', 'passed'])
    expect(run.journeys[0]!.issues[0]!.error).toBe("the step's argument has no `context`: use `ctx` (it has http, ctx, ports, signal, log, observe, journey, path, step and attempt)")
  })

  it('puts a journey that runs out of time in a path back to its first checkpoint: the next journey sees none of the path', async () => {
    const rollbacks: string[] = []
    let atCheckpoint: unknown
    const stats = async (http: { get: (p: string) => Promise<{ json(): any }> }) => (await http.get('/api/stats')).json()
    const runner = runnerFor({ hooks: { rollback: (e) => void rollbacks.push(`${e.checkpoint} (${e.reason})`) } })
    const r = await runner.run([
      journey('runs_out', {
        timeout: 500,
        steps: [
          ...signupAndLogin(`late-${Date.now()}@example.test`),
          step('remember', async ({ http }) => {
            atCheckpoint = await stats(http)
          }),
          checkpoint('start'),
          branch('start', [path('slow', [step('add', ({ http }) => http.post('/api/todos', { json: { title: 'left behind?' } })), step('wait', ({ http }) => http.get('/api/slow?ms=3000'))])]),
        ],
      }),
      journey('next', {
        steps: [
          step('sees_the_checkpoint', async ({ http }) => {
            const now = await stats(http)
            if (JSON.stringify(now) !== JSON.stringify(atCheckpoint)) throw new Error(`the app holds ${JSON.stringify(now)}, not ${JSON.stringify(atCheckpoint)}`)
          }),
        ],
      }),
    ])
    await runner.close()
    expect(r.journeys.map((j) => j.status)).toEqual(['failed', 'passed'])
    expect(rollbacks).toEqual(['start (before-path)', 'start (timeout)'])
  })

  it('abandons an action at a 200 ms step timeout and cancels its request', async () => {
    // Neither action ends by itself while the test runs: the request asks for the longest wait the app
    // allows (2 min), and the other is held until the test lets it go. A runner that waited for either
    // would hang here and fail at the test's timeout.
    const before = await slowStats()
    let letGo = () => {}
    const held = new Promise<void>((resolve) => {
      letGo = resolve
    })
    let ignoredSignal: AbortSignal | undefined
    let finishedLate = false
    const j = journey('timeouts', {
      steps: [
        step('slow_request', ({ http }) => http.get(`/api/slow?ms=${SLOW_MAX_MS}`), { timeout: 200 }),
        step('slow_ignoring_signal', async ({ signal }) => { ignoredSignal = signal; await held; finishedLate = true }, { timeout: 200 }),
        step('next', ({ http }) => http.get('/health')),
      ],
    })
    const runner = runnerFor()
    let r: JourneyResult
    try {
      r = (await runner.run(j)).journeys[0]!
      // Cancelled by the step's deadline, before the runner closes (which would end any request still
      // open): the app saw its client go, and answered nothing.
      expect(await slowStats()).toEqual({ completed: before.completed, aborted: before.aborted + 1 })
      // The action that ignores its signal was told to stop, and left behind: the run ended while it still ran.
      expect(ignoredSignal?.aborted).toBe(true)
      expect(finishedLate).toBe(false)
    } finally {
      await runner.close()
      letGo()
    }
    const [a, b, c] = r.nodes as any[]
    expect(a.status).toBe('failed')
    expect(a.timedOut).toBe(true)
    expect(a.error.kind).toBe('timeout')
    expect(b.timedOut).toBe(true)
    expect(c.status).toBe('passed')
    expect(r.issues.map((i) => i.kind)).toEqual(['timeout', 'timeout'])
  })

  it('stops the journey at its own timeout and skips what is left', async () => {
    // The request would take the app 2 min: a journey that waited for it would fail at the test's timeout.
    const before = await slowStats()
    const j = journey('journey_timeout', {
      timeout: 300,
      steps: [step('slow', ({ http }) => http.get(`/api/slow?ms=${SLOW_MAX_MS}`)), step('never', ({ http }) => http.get('/health'))],
    })
    const runner = runnerFor()
    let r: JourneyResult
    try {
      r = (await runner.run(j)).journeys[0]!
      // Cancelled at the journey's deadline, before the runner closes.
      expect(await slowStats()).toEqual({ completed: before.completed, aborted: before.aborted + 1 })
    } finally {
      await runner.close()
    }
    expect(r.status).toBe('failed')
    expect((r.nodes[0] as any).status).toBe('failed')
    expect((r.nodes[1] as any).status).toBe('skipped')
    expect(r.issues.some((i) => i.kind === 'timeout' && i.step === 'journey')).toBe(true)
  })

  it('expectFailure passes on a 4xx and on a thrown error, and fails on a 2xx or a request never answered, never crashing', async () => {
    const j = journey('expect_failure', {
      steps: [
        step('status_4xx', ({ http }) => http.post('/api/auth/login', { json: { email: 'nobody@x.test', password: 'x' } }), { expectFailure: true }),
        step('thrown', () => { throw new TypeError('bad thing') }, { expectFailure: true }),
        step('asserted', async ({ http }) => assertStatus(await http.post('/api/todos', { json: {} }), 201), { expectFailure: true }),
        // Nothing listens there: an API that is down refuses nothing.
        step('refused', ({ http }) => http.get('http://127.0.0.1:1/nothing', { retry: false }), { expectFailure: true }),
        step('unexpected_success', ({ http }) => http.get('/health'), { expectFailure: true }),
      ],
    })
    const runner = runnerFor()
    const r = (await runner.run(j)).journeys[0]!
    await runner.close()
    expect((r.nodes as any[]).map((n) => n.status)).toEqual(['passed', 'passed', 'passed', 'failed', 'failed'])
    expect(r.issues).toMatchObject([
      {
        step: 'refused',
        kind: 'connection-refused',
        error: 'GET http://127.0.0.1:1/nothing: connection refused (ECONNREFUSED); the step expects the API to answer with a failure, and it never answered',
        suggestion: expect.stringContaining('Nothing is listening'),
      },
      { step: 'unexpected_success', kind: 'expected-failure-missing' },
    ])
  })
})

describe('expectFailure with the statuses it expects', () => {
  it('passes only on a refusal with one of them: a 401 of a missing token is not the 422 a validation test expects', async () => {
    // No login: every /api/todos request is refused with 401 before the app looks at its body.
    const noTitle = ({ http }: { http: import('@venomqa/core').HttpClient }) => http.post('/api/todos', { json: {} })
    const j = journey('expect_status', {
      steps: [
        step('wants_422', noTitle, { expectFailure: 422 }),
        step('wants_401', noTitle, { expectFailure: 401 }),
        step('wants_one_of', noTitle, { expectFailure: [401, 403] }),
        step('asserts_wants_422', async ({ http }) => assertStatus(await http.post('/api/todos', { json: {} }), 201), { expectFailure: 422 }),
        step('asserts_wants_401', async ({ http }) => assertStatus(await http.post('/api/todos', { json: {} }), 201), { expectFailure: 401 }),
        step('no_request_wants_422', () => { throw new Error('no mail came') }, { expectFailure: 422 }),
      ],
    })
    const runner = runnerFor()
    const r = (await runner.run(j)).journeys[0]!
    await runner.close()
    expect((r.nodes as any[]).map((n) => [n.name, n.status])).toEqual([
      ['wants_422', 'failed'],
      ['wants_401', 'passed'],
      ['wants_one_of', 'passed'],
      ['asserts_wants_422', 'failed'],
      ['asserts_wants_401', 'passed'],
      ['no_request_wants_422', 'failed'],
    ])
    const [returned, asserted, noRequest] = r.issues
    expect(returned).toMatchObject({ step: 'wants_422', kind: 'http-status', suggestion: expect.stringContaining('Authentication failed') })
    expect(returned!.error).toMatch(/^expected HTTP 422, but the API answered HTTP 401 to POST http:\/\/127\.0\.0\.1:\d+\/api\/todos$/)
    expect(asserted!.error).toMatch(/; the step expects the API to answer with a failure, and it answered HTTP 401 to POST http:\/\/127\.0\.0\.1:\d+\/api\/todos, not HTTP 422$/)
    expect(noRequest!.error).toBe('no mail came; the step expects the API to answer with a failure, and no request of the step was refused with HTTP 422')
    expect(r.issues).toHaveLength(3)
  })
})

describe('crashes and hooks', () => {
  it('a runner crash is a failed journey with a critical issue, never a pass', async () => {
    const runner = createRunner({ baseUrl: 'not a url' })
    const r = (await runner.run(journey('crash', { steps: [step('x', () => {})] }))).journeys[0]!
    await runner.close()
    expect(r.status).toBe('failed')
    expect(r.issues[0]).toMatchObject({ severity: 'critical', kind: 'crash' })
  })

  /** The app's http-control state, but its second rollback throws `error`. */
  const failingSecondRollback = (name: string, error: Error) => {
    const real = httpControlState({ url: app.url })
    let rollbacks = 0
    return {
      name,
      mechanism: 'http-control',
      parallelSafe: false,
      connect: () => real.connect(),
      checkpoint: (n: string) => real.checkpoint(n),
      release: (n: string) => real.release(n),
      disconnect: () => real.disconnect(),
      async rollback(n: string) {
        if (++rollbacks === 2) throw error
        return real.rollback(n)
      },
    }
  }

  it('a failed rollback stops the branch with a critical issue: no path runs on unknown state', async () => {
    const ran: string[] = []
    const flaky = failingSecondRollback('breaks-on-second-rollback', new Error('disk on fire'))
    const j = journey('rollback_fails', {
      steps: [
        checkpoint('cp'),
        branch('cp', [path('one', [step('a', () => { ran.push('one') })]), path('two', [step('b', () => { ran.push('two') })])]),
        step('after', () => { ran.push('after') }),
      ],
    })
    const runner = createRunner({ baseUrl: app.url, stateBackends: [flaky] })
    const r = (await runner.run(j)).journeys[0]!
    await runner.close()
    expect(ran).toEqual(['one'])
    expect(r.status).toBe('failed')
    expect(r.issues[0]).toMatchObject({ severity: 'critical', kind: 'state' })
    expect(r.issues[0]!.error).toContain('disk on fire')
  })

  it("a failed rollback's issue carries the backend error's own suggestion, when it has one", async () => {
    const advised = new StateError('advised', 'rollback to "cp": a path ran DDL', { suggestion: 'Run the DDL before the first checkpoint.' })
    const backend = failingSecondRollback('advised', advised)
    const j = journey('rollback_advised', {
      steps: [checkpoint('cp'), branch('cp', [path('one', [step('a', () => {})]), path('two', [step('b', () => {})])])],
    })
    const runner = createRunner({ baseUrl: app.url, stateBackends: [backend] })
    const r = (await runner.run(j)).journeys[0]!
    await runner.close()
    expect(r.issues[0]).toMatchObject({ severity: 'critical', kind: 'state', suggestion: 'Run the DDL before the first checkpoint.' })
  })

  it('a release that finds the state wrong fails the journey; one that could not release leaves it passed, with a medium issue', async () => {
    const real = httpControlState({ url: app.url })
    const releasing = (error: Error) => ({
      ...real,
      name: 'releasing',
      connect: () => real.connect(),
      checkpoint: (n: string) => real.checkpoint(n),
      rollback: (n: string) => real.rollback(n),
      disconnect: () => real.disconnect(),
      async release(n: string) {
        await real.release(n)
        throw error
      },
    })
    const j = journey('release_fails', { steps: [checkpoint('cp'), step('a', () => {})] })
    const statuses: [string, string][] = []
    for (const error of [new StateError('releasing', 'the app did what the proxy cannot keep', { stateIsWrong: true }), new Error('savepoint already gone')]) {
      const runner = createRunner({ baseUrl: app.url, stateBackends: [releasing(error)] })
      const r = (await runner.run(j)).journeys[0]!
      await runner.close()
      statuses.push([r.status, r.issues.map((i) => `${i.step} ${i.severity}`).join()])
    }
    expect(statuses).toEqual([
      ['failed', 'release critical'],
      ['passed', 'release medium'],
    ])
  })

  it('fires every hook, in order, and a throwing hook becomes an issue while the run goes on', async () => {
    const events: string[] = []
    const rec = (name: HookName) => (e: any) => { events.push(`${name}${e.step ? `:${e.step}` : e.path && name.startsWith('path') ? `:${e.path}` : e.name && name === 'checkpoint' ? `:${e.name}` : ''}`) }
    const names: HookName[] = ['runStart', 'journeyStart', 'stepStart', 'stepEnd', 'stepRetry', 'checkpoint', 'branchStart', 'pathStart', 'pathEnd', 'rollback', 'branchEnd', 'journeyEnd', 'runEnd']
    const hooks = Object.fromEntries(names.map((n) => [n, rec(n)]))
    let tries = 0
    const j = journey('hooks', {
      steps: [
        step('s1', () => { if (++tries === 1) throw new Error('first try fails') }, { retries: 1 }),
        checkpoint('cp'),
        branch('cp', [path('p1', [step('s2', () => {})]), path('p2', [step('s3', () => {})])]),
      ],
    })
    const runner = createRunner({
      baseUrl: app.url,
      plugins: [{ name: 'bad-plugin', version: '1.0.0', apiVersion: 1, hooks: { stepEnd: () => { throw new Error('hook bug') } } }],
      hooks,
    })
    const result = await runner.run(j)
    await runner.close()
    expect(events).toEqual([
      'runStart', 'journeyStart',
      'stepStart:s1', 'stepRetry:s1', 'stepStart:s1', 'stepEnd:s1',
      'checkpoint:cp', 'branchStart',
      'rollback', 'pathStart:p1', 'stepStart:s2', 'stepEnd:s2', 'pathEnd:p1',
      'rollback', 'pathStart:p2', 'stepStart:s3', 'stepEnd:s3', 'pathEnd:p2',
      'rollback', 'branchEnd', 'journeyEnd', 'runEnd',
    ])
    const jr = result.journeys[0]!
    expect(jr.status).toBe('passed') // a medium issue does not fail the journey
    expect(jr.issues.filter((i) => i.kind === 'hook')).toHaveLength(3)
    expect(jr.issues[0]).toMatchObject({ severity: 'medium', source: 'plugin:bad-plugin' })
    expect(jr.issues[0]!.error).toContain('hook bug')
  })

  it('refuses a plugin built for another API version', async () => {
    const runner = createRunner({ plugins: [{ name: 'old-plugin', version: '1.0.0', apiVersion: 0 }] })
    await expect(runner.init()).rejects.toThrow('plugin "old-plugin" is built for plugin API 0, but this VenomQA speaks plugin API 1: install a version of the plugin made for plugin API 1')
    const newer = createRunner({ plugins: [{ name: 'new-plugin', version: '2.0.0', apiVersion: 2 }] })
    await expect(newer.init()).rejects.toThrow(
      `plugin "new-plugin" is built for plugin API 2, newer than this VenomQA's (plugin API 1): upgrade @venomqa/cli and @venomqa/core to a release that speaks plugin API 2, or install a version of the plugin made for plugin API 1`,
    )
  })
})

describe('bad definitions fail before any request is sent', () => {
  it('gives one clear error each', async () => {
    const before = (await (await fetch(`${app.url}/api/stats`)).json()) as unknown
    const s = step('s', ({ http }) => http.post('/api/users', { json: { email: 'never@x.test', password: 'x', name: 'x' } }))
    expect(() => journey('j1', { steps: [branch('cp', [path('p', [s])]), checkpoint('cp')] })).toThrow(
      new DefinitionError('j1', 'branch names checkpoint "cp", which comes after it or in another path; put checkpoint("cp") before the branch', 'branch cp'),
    )
    expect(() => journey('j2', { steps: [checkpoint('cp'), s, checkpoint('cp')] })).toThrow(/journey "j2", step "checkpoint cp": duplicate checkpoint "cp"/)
    expect(() => journey('j3', { steps: [checkpoint('cp'), branch('nope', [path('p', [s])])] })).toThrow(/journey "j3", step "branch nope": branch names unknown checkpoint "nope" \(known here: cp\)/)
    expect(() => journey('j4', { steps: [checkpoint('cp'), branch('cp', [path('p', [])])] })).toThrow(/path "p" is empty/)
    expect(await (await fetch(`${app.url}/api/stats`)).json()).toEqual(before)
  })
})
