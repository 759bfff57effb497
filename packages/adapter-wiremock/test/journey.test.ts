/**
 * The plugin inside real runs. First, rollback of stubs, scenario state and journal between the paths of a
 * branch. Then the guide's "Mock Server Integration" examples as journeys: straight against the mock, and
 * against the todo app (its own process, in-memory data rolled back through its control endpoint), whose
 * POST /api/upgrade calls PAYMENT_URL/v1/charges and whose todo creation fires WEBHOOK_URL/webhooks/todo-created,
 * both pointed at WireMock.
 */
import {
  type ActionArgs,
  type JourneyResult,
  type RunResult,
  assert,
  assertEqual,
  assertStatus,
  branch,
  checkpoint,
  journey,
  path,
  step,
  walkSteps,
} from '@venomqa/core'
import { createRunner, httpControlState } from '@venomqa/runner'
import { type RunningProcess, startTodoApp } from '@venomqa/test-utils'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import wiremockPlugin, { type WireMockPort } from '../src'
import { describeWithJava, useWireMock } from './helpers'

const describeJava = describeWithJava()

describeJava('the plugin in runs', () => {
  const wiremock = useWireMock()

  /** Every step that did not pass, with its path and error, so a failure says where. */
  function failures(run: RunResult): string[] {
    return run.journeys.flatMap((j: JourneyResult) =>
      [...walkSteps(j.nodes)].filter(({ step: s }) => s.status !== 'passed').map(({ step: s, path: p }) => `${j.name} > ${p} > ${s.name}: ${s.status} ${s.error?.message ?? ''}`),
    )
  }

  /** The paths each branch ran, in order, with their status. */
  function pathsOf(j: JourneyResult): string[] {
    return j.nodes.flatMap((n) => (n.kind === 'branch' ? n.paths.map((p) => `${p.name}:${p.status}`) : []))
  }

  const mockOf = (ports: ActionArgs['ports']) => ports.require('mock') as WireMockPort

  /** Poll `read` until `ok`, for effects the app sends after it answered (the webhook is fire-and-forget). */
  async function eventually<T>(read: () => Promise<T>, ok: (v: T) => boolean, what: string, timeoutMs = 3000): Promise<T> {
    const deadline = Date.now() + timeoutMs
    for (;;) {
      const v = await read()
      if (ok(v)) return v
      if (Date.now() > deadline) throw new Error(`${what}: still ${JSON.stringify(v)} after ${timeoutMs} ms`)
      await new Promise((r) => setTimeout(r, 25))
    }
  }

  describe('rollback of WireMock inside a branch', () => {
    it('every path starts from the checkpoint: its stubs, its scenario state, an empty journal', async () => {
      const rollbacks: number[] = []
      const runner = createRunner({
        baseUrl: wiremock().baseUrl,
        plugins: [[wiremockPlugin, { url: wiremock().baseUrl }]],
        hooks: { rollback: (e) => void rollbacks.push(e.backends.find((b) => b.backend === 'wiremock')!.durationMs) },
      })
      const seesCheckpoint = step('sees_checkpoint', async ({ http, ports }) => {
        const mock = mockOf(ports)
        // Checked first: the journal must hold nothing from before the rollback.
        assertEqual((await mock.requests()).length, 0, 'requests in the journal')
        assertEqual((await mock.admin.mappings()).length, 4, 'stubs')
        const [sequence] = await mock.admin.scenarios()
        assertEqual(sequence?.state, 'response-2', 'state of the /orders sequence')
        assertEqual((await http.get('/catalog')).text(), 'v1', 'GET /catalog')
        assertEqual((await http.get('/extra', { retry: false })).status, 404, 'GET /extra')
      })
      const j = journey('mock_branch', {
        requires: ['mock'],
        steps: [
          step('seed', async ({ http, ports, ctx }) => {
            const mock = mockOf(ports)
            await mock.reset()
            ctx.set('catalog', await mock.stub({ method: 'GET', path: '/catalog', body: 'v1' }))
            await mock.stubSequence('POST', '/orders', [{ status: 201 }, { status: 201 }, { status: 429 }])
            assertStatus(await http.post('/orders'), 201)
          }),
          checkpoint('seeded'),
          branch('seeded', [
            path('adds_stubs', [
              seesCheckpoint,
              step('add', async ({ http, ports }) => {
                await mockOf(ports).stub({ method: 'GET', path: '/catalog', body: 'v2' })
                await mockOf(ports).stub({ method: 'GET', path: '/extra', body: 'extra' })
                assertEqual((await http.get('/catalog')).text(), 'v2', 'GET /catalog')
                assertEqual((await http.get('/extra')).text(), 'extra', 'GET /extra')
              }),
            ]),
            path('advances_sequence', [
              seesCheckpoint,
              step('order_until_rate_limited', async ({ http, ports }) => {
                const statuses = [(await http.post('/orders')).status, (await http.post('/orders')).status, (await http.post('/orders')).status]
                assertEqual(statuses, [201, 429, 429], 'POST /orders')
                assert(await mockOf(ports).verify('POST', '/orders', { count: 3 }), 'three orders in the journal')
              }),
            ]),
            path('removes_stub', [
              seesCheckpoint,
              step('remove', async ({ http, ports, ctx }) => {
                await mockOf(ports).removeStub(ctx.get('catalog') as string)
                assertEqual((await http.get('/catalog', { retry: false })).status, 404, 'GET /catalog')
              }),
            ]),
          ]),
          // After the branch the main line goes on from the checkpoint too.
          seesCheckpoint,
          step('sequence_goes_on_from_checkpoint', async ({ http }) => {
            assertEqual([(await http.post('/orders')).status, (await http.post('/orders')).status], [201, 429], 'POST /orders')
          }),
        ],
      })
      try {
        const run = await runner.run(j)
        expect(failures(run)).toEqual([])
        expect(pathsOf(run.journeys[0]!)).toEqual(['adds_stubs:passed', 'advances_sequence:passed', 'removes_stub:passed'])
        expect(run.backends).toEqual([{ name: 'wiremock', mechanism: 'mappings', parallelSafe: false }])
        expect(run.status).toBe('passed')
        // Three before-path rollbacks and one after the branch.
        expect(rollbacks).toHaveLength(4)
        console.log(`wiremock rollback (4 stubs, 1 scenario): ${rollbacks.map((ms) => ms.toFixed(1)).join(', ')} ms`)
      } finally {
        await runner.close()
      }
    })

    it('a failing check inside a path fails the journey (the rollback hides nothing)', async () => {
      const runner = createRunner({ baseUrl: wiremock().baseUrl, plugins: [[wiremockPlugin, { url: wiremock().baseUrl }]] })
      const j = journey('mock_branch_fails', {
        steps: [
          step('seed', async ({ ports }) => {
            await mockOf(ports).reset()
            await mockOf(ports).stub({ method: 'POST', path: '/v1/charges', status: 201 })
          }),
          checkpoint('ready'),
          branch('ready', [
            path('charges_twice', [
              step('charge_twice', async ({ http }) => {
                await http.post('/v1/charges')
                return http.post('/v1/charges')
              }),
              step('charged_once', async ({ ports }) => void (await mockOf(ports).expectRequests('POST', '/v1/charges', { count: 1 }))),
            ]),
          ]),
        ],
      })
      try {
        const run = await runner.run(j)
        expect(run.status).toBe('failed')
        expect(failures(run)).toEqual(['mock_branch_fails > charges_twice > charged_once: failed expected POST /v1/charges exactly 1 time(s), got 2, counting every POST /v1/charges the app sent, whether a stub matched it or not; the journal holds POST /v1/charges, POST /v1/charges'])
      } finally {
        await runner.close()
      }
    })
  })

  describe("the guide's Mock Server Integration examples, straight against the mock", () => {
    it('stubs a user and a 404, calls them, verifies the call; answers 201, 201 then 429', async () => {
      const runner = createRunner({ baseUrl: wiremock().baseUrl, plugins: [[wiremockPlugin, { url: wiremock().baseUrl }]] })
      const apiWithMock = journey('test_api_with_mock', {
        requires: ['mock'],
        steps: [
          step('stub', async ({ ports }) => {
            const mock = mockOf(ports)
            await mock.reset()
            await mock.stub({ method: 'GET', path: '/api/users/1', body: { id: 1, name: 'John Doe' }, status: 200 })
            await mock.stub({ method: 'GET', path: '/api/users/999', body: { error: 'Not found' }, status: 404 })
          }),
          step('get_user', async ({ http }) => {
            const res = await http.get('/api/users/1')
            assertStatus(res, 200)
            assertEqual(res.json().name, 'John Doe', 'name')
            return res
          }),
          step('get_missing_user', ({ http }) => http.get('/api/users/999', { retry: false }), { expectFailure: true }),
          step('verify', async ({ ports }) => assert(await mockOf(ports).verify('GET', '/api/users/1', { count: 1 }), 'GET /api/users/1 was made once')),
        ],
      })
      const sequential = journey('test_sequential_responses', {
        requires: ['mock'],
        steps: [
          step('stub_sequence', async ({ ports }) => {
            await mockOf(ports).reset()
            await mockOf(ports).stubSequence('POST', '/api/orders', [
              { status: 201, body: { id: 1 } },
              { status: 201, body: { id: 2 } },
              { status: 429, body: { error: 'Rate limited' } },
            ])
          }),
          step('first_call', async ({ http }) => assertEqual((await http.post('/api/orders')).json(), { id: 1 }, 'first order')),
          step('second_call', async ({ http }) => assertEqual((await http.post('/api/orders')).json(), { id: 2 }, 'second order')),
          step('third_call_rate_limited', ({ http }) => http.post('/api/orders'), { expectFailure: true }),
          step('still_rate_limited', async ({ http }) => assertStatus(await http.post('/api/orders'), 429)),
        ],
      })
      try {
        const run = await runner.run([apiWithMock, sequential])
        expect(failures(run)).toEqual([])
        expect(run.status).toBe('passed')
        const third = [...walkSteps(run.journeys[1]!.nodes)].find(({ step: s }) => s.name === 'third_call_rate_limited')!.step
        expect(third.response?.status).toBe(429)
      } finally {
        await runner.close()
      }
    })
  })

  describe('the todo app calling WireMock', () => {
    let app: RunningProcess
    beforeAll(async () => {
      app = await startTodoApp({ PAYMENT_URL: wiremock().baseUrl, WEBHOOK_URL: wiremock().baseUrl })
    })
    afterAll(async () => {
      await app?.stop()
    })

    const runnerFor = () =>
      createRunner({
        baseUrl: app.url,
        stateBackends: [httpControlState({ url: app.url })],
        plugins: [[wiremockPlugin, { url: wiremock().baseUrl }]],
      })

    /** Register and log in a fresh user; the bearer token goes on every later request. */
    const signUp = (key: string) =>
      step(`sign_up_${key}`, async ({ http, ctx }) => {
        const email = `${key}-${ctx.get('run')}@example.test`
        assertStatus(await http.post('/api/users', { json: { email, password: 'correct-horse-1', name: key } }), 201)
        const login = await http.post('/api/auth/login', { json: { email, password: 'correct-horse-1' } })
        assertStatus(login, 200)
        http.setAuthToken(login.json().token)
        ctx.set(`user_${key}`, login.json().user.id)
        return login
      })

    const upgrade = (expected: { status: number; charged?: boolean; providerStatus?: number }) => async ({ http }: ActionArgs) => {
      const res = await http.post('/api/upgrade')
      assertStatus(res, expected.status)
      if (expected.charged !== undefined) assertEqual(res.json().charged, expected.charged, 'charged')
      if (expected.providerStatus !== undefined) assertEqual(res.json().providerStatus, expected.providerStatus, 'providerStatus')
      return res
    }

    it('payment provider stubs: paid (201), declined (402), rate limited (201, 201, 429), each path from the same checkpoint', async () => {
      const runner = runnerFor()
      const seesCheckpoint = step('sees_checkpoint', async ({ http, ports }) => {
        const mock = mockOf(ports)
        assertEqual((await http.get('/api/me')).json().premium, false, 'premium before upgrading')
        assertEqual((await mock.admin.mappings()).length, 1, 'stubs at the checkpoint (the webhook receiver only)')
        assertEqual(await mock.countRequests('POST', '/v1/charges'), 0, 'charges at the checkpoint')
      })
      const j = journey('upgrade_with_payment_provider', {
        requires: ['mock'],
        steps: [
          step('start', async ({ ctx, ports }) => {
            ctx.set('run', Date.now().toString(36))
            await mockOf(ports).reset()
            await mockOf(ports).stub({ method: 'POST', path: '/webhooks/todo-created', status: 200 })
          }),
          signUp('alice'),
          checkpoint('signed_in'),
          branch('signed_in', [
            path('payment_accepted', [
              seesCheckpoint,
              step('stub_charge_201', async ({ ports }) => void (await mockOf(ports).stub({ method: 'POST', path: '/v1/charges', status: 201, body: { id: 'ch_1' } }))),
              step('upgrade', upgrade({ status: 200, charged: true })),
              step('premium_now', async ({ http }) => assertEqual((await http.get('/api/me')).json().premium, true, 'premium')),
              step('upgrade_again_charges_nothing', upgrade({ status: 200, charged: false })),
              step('charged_once_with_the_price', async ({ ports, ctx }) => {
                const mock = mockOf(ports)
                await mock.expectRequests('POST', '/v1/charges', { count: 1 })
                const [charge] = await mock.requests({ method: 'POST', path: '/v1/charges' })
                assertEqual(JSON.parse(charge!.body!), { amount: 500, currency: 'usd', userId: ctx.get('user_alice') }, 'charge request body')
                assertEqual(charge!.headers['content-type'], 'application/json', 'charge content type')
              }),
            ]),
            path('payment_declined', [
              seesCheckpoint,
              step('stub_charge_402', async ({ ports }) => void (await mockOf(ports).stub({ method: 'POST', path: '/v1/charges', status: 402, body: { error: 'card_declined' } }))),
              step('upgrade_refused', upgrade({ status: 402, providerStatus: 402 }), { expectFailure: true }),
              step('not_premium', async ({ http }) => assertEqual((await http.get('/api/me')).json().premium, false, 'premium')),
              step('charged_once', async ({ ports }) => assert(await mockOf(ports).verify('POST', '/v1/charges', { count: 1 }), 'one charge attempt')),
            ]),
            path('rate_limited', [
              seesCheckpoint,
              step('stub_201_201_429', async ({ ports }) => void (await mockOf(ports).stubSequence('POST', '/v1/charges', [{ status: 201 }, { status: 201 }, { status: 429, body: { error: 'rate_limited' } }]))),
              step('alice_upgrades', upgrade({ status: 200, charged: true })),
              signUp('bob'),
              step('bob_upgrades', upgrade({ status: 200, charged: true })),
              signUp('carol'),
              step('carol_is_rate_limited', upgrade({ status: 402, providerStatus: 429 }), { expectFailure: true }),
              step('three_charges', async ({ ports }) => {
                const mock = mockOf(ports)
                assert(await mock.verify('POST', '/v1/charges', { count: 3 }), 'three charge attempts')
                assert(await mock.verify('POST', '/v1/charges', { atLeast: 2, atMost: 3 }), 'between two and three')
                assert(!(await mock.verify('POST', '/v1/charges', { atMost: 2 })), 'not at most two')
              }),
            ]),
            path('slow_provider', [
              seesCheckpoint,
              step('stub_slow_201', async ({ ports }) => void (await mockOf(ports).stub({ method: 'POST', path: '/v1/charges', status: 201, delayMs: 300 }))),
              step('upgrade_waits_for_the_provider', async (args) => {
                const res = await upgrade({ status: 200, charged: true })(args)
                assert(res.durationMs >= 300, `the upgrade answered after ${res.durationMs} ms, before the provider's 300 ms delay`)
                return res
              }),
            ]),
            path('provider_not_stubbed', [
              seesCheckpoint,
              // No stub: WireMock answers 404, which the app reports as a failed payment.
              step('upgrade_fails', upgrade({ status: 402, providerStatus: 404 }), { expectFailure: true }),
            ]),
          ]),
          seesCheckpoint,
        ],
      })
      try {
        const run = await runner.run(j)
        expect(failures(run)).toEqual([])
        expect(pathsOf(run.journeys[0]!)).toEqual([
          'payment_accepted:passed',
          'payment_declined:passed',
          'rate_limited:passed',
          'slow_provider:passed',
          'provider_not_stubbed:passed',
        ])
        expect(run.backends.map((b) => `${b.name}:${b.mechanism}`)).toEqual(['wiremock:mappings', 'http-control:http-control'])
        expect(run.status).toBe('passed')
      } finally {
        await runner.close()
      }
    })

    it('todo creation fires the webhook (fire-and-forget, so the journal is polled)', async () => {
      const runner = runnerFor()
      const webhooks = (ports: ActionArgs['ports']) => mockOf(ports).requests({ method: 'POST', path: '/webhooks/todo-created' })
      const j = journey('todo_created_webhook', {
        requires: ['mock'],
        steps: [
          step('start', async ({ ctx, ports }) => {
            ctx.set('run', Date.now().toString(36))
            await mockOf(ports).reset()
            await mockOf(ports).stub({ method: 'POST', path: '/webhooks/todo-created', status: 204 })
          }),
          signUp('dave'),
          step('create_todo', async ({ http, ctx }) => {
            const res = await http.post('/api/todos', { json: { title: 'buy milk' } })
            assertStatus(res, 201)
            ctx.set('todo', res.json().id)
            return res
          }),
          step('webhook_received', async ({ ports, ctx }) => {
            const [hook] = await eventually(() => webhooks(ports), (r) => r.length >= 1, 'webhook requests')
            const body = JSON.parse(hook!.body!)
            assertEqual([body.id, body.title, body.userId], [ctx.get('todo'), 'buy milk', ctx.get('user_dave')], 'webhook body')
          }),
          checkpoint('one_todo'),
          branch('one_todo', [
            path('two_more_todos', [
              step('create_two', async ({ http }) => {
                assertStatus(await http.post('/api/todos', { json: { title: 'walk dog' } }), 201)
                assertStatus(await http.post('/api/todos', { json: { title: 'call mum' } }), 201)
              }),
              // The rollback emptied the journal: only this path's two calls are in it.
              step('two_webhooks', async ({ ports }) => {
                const hooks = await eventually(() => webhooks(ports), (r) => r.length >= 2, 'webhook requests')
                assertEqual(hooks.map((h) => JSON.parse(h.body!).title).sort(), ['call mum', 'walk dog'], 'webhook titles')
                assert(await mockOf(ports).verify('POST', '/webhooks/todo-created', { count: 2 }), 'exactly two webhooks')
              }),
            ]),
            path('receiver_fails', [
              step('receiver_answers_500', async ({ ports }) => void (await mockOf(ports).stub({ method: 'POST', path: '/webhooks/todo-created', status: 500 }))),
              // The app does not wait for its webhook: the client still gets its 201.
              step('create_todo_anyway', async ({ http }) => assertStatus(await http.post('/api/todos', { json: { title: 'despite the receiver' } }), 201)),
              step('webhook_was_sent', async ({ ports }) => void (await eventually(() => webhooks(ports), (r) => r.length === 1, 'webhook requests'))),
            ]),
          ]),
          step('one_todo_again', async ({ http }) => assertEqual((await http.get('/api/todos')).json().length, 1, 'todos after the branch')),
        ],
      })
      try {
        const run = await runner.run(j)
        expect(failures(run)).toEqual([])
        expect(run.status).toBe('passed')
      } finally {
        await runner.close()
      }
    })
  })
})
