import http from 'node:http'
import { AbortedError, AssertionFailed, Context, type StepNode, TimeoutError, TransportError } from '@venomqa/core'
import { type LocalServer, listenLocally } from '@venomqa/test-utils'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type Lane, attemptStep, runOnLanes } from '../src/executor'
import { RunnerHttpClient, createConnectionPool } from '../src/http-client'
import { World } from '../src/world'

// One attempt of a step, as a journey and an exploration both run it, against a real local server.
let server: LocalServer
let baseUrl: string
let slowRequestClosed: Promise<void>
let markSlowClosed: () => void
const pool = createConnectionPool()
/** Never defined: a step that calls it throws a ReferenceError, as a typo in a step's code does. */
declare const undefinedName: unknown

beforeAll(async () => {
  slowRequestClosed = new Promise((resolve) => (markSlowClosed = resolve))
  const app = http.createServer((req, res) => {
    if (req.url === '/slow') {
      req.socket.on('close', () => markSlowClosed())
      return // never answers: only an abort ends it
    }
    if (req.url === '/hang') return // never answers either, for a request's own timeout
    res.statusCode = req.url === '/missing' ? 404 : 200
    res.setHeader('content-type', 'application/json')
    res.end(JSON.stringify({ url: req.url }))
  })
  server = await listenLocally(app)
  baseUrl = server.url
})
afterAll(async () => {
  await server.close()
  await pool.close()
})

function lane(): Lane {
  return { index: 0, world: new World([], new Context(), []), http: new RunnerHttpClient({ baseUrl }, { pool }), ports: {} as Lane['ports'] }
}

function node(action: StepNode['action'], options: StepNode['options'] = {}): Pick<StepNode, 'name' | 'options' | 'action'> {
  return { name: 'the_step', action, options }
}

const attempt = (n: ReturnType<typeof node>, l: Lane, extra: { signal?: AbortSignal; timeoutMs?: number } = {}) =>
  attemptStep({ node: n, lane: l, signal: extra.signal ?? new AbortController().signal, timeoutMs: extra.timeoutMs, label: 'step "the_step"', args: (http, signal) => ({ http, signal, ctx: l.world.ctx }) as never })

describe('attemptStep', () => {
  it('passes on a 2xx answer, shown by the exchange it returned, keeping only this attempt\'s exchanges', async () => {
    const l = lane()
    await l.http.get('/before') // not this attempt's
    const r = await attempt(node(async ({ http }) => { await http.get('/one'); return http.get('/two') }), l)
    expect(r.outcome).toEqual({ passed: true })
    expect(r.exchanges.map((e) => e.request.url)).toEqual([`${baseUrl}/one`, `${baseUrl}/two`])
    expect(r.shown?.request.url).toBe(`${baseUrl}/two`)
  })

  it('fails on a status >= 400, and expectFailure inverts both ways', async () => {
    const l = lane()
    expect((await attempt(node(({ http }) => http.get('/missing')), l)).outcome).toMatchObject({ passed: false, kind: 'http-status', message: `HTTP 404 from GET ${baseUrl}/missing` })
    expect((await attempt(node(({ http }) => http.get('/missing'), { expectFailure: true }), l)).outcome).toEqual({ passed: true })
    expect((await attempt(node(({ http }) => http.get('/ok'), { expectFailure: true }), l)).outcome).toMatchObject({ passed: false, kind: 'expected-failure-missing' })
  })

  it('a thrown error is the failure, with its kind; with expectFailure it is the expected one', async () => {
    const l = lane()
    const failing = node(() => {
      throw new AssertionFailed('total: expected 3, got 2')
    })
    expect((await attempt(failing, l)).outcome).toEqual({ passed: false, kind: 'assertion', message: 'total: expected 3, got 2' })
    expect((await attempt({ ...failing, options: { expectFailure: true } }, l)).outcome).toEqual({ passed: true })
  })

  it("an error thrown after the API accepted every request of the step is not the refusal it expected", async () => {
    const l = lane()
    const expected = { expectFailure: true }
    // The API took the request (200), and the step's check of the answer threw: a green here hid an API
    // that had stopped refusing.
    const accepted = await attempt(node(async ({ http }) => {
      const res = await http.get('/accepted')
      throw new AssertionFailed(`field: expected "title", got ${JSON.stringify(res.json().field)}`)
    }, expected), l)
    expect(accepted.outcome).toEqual({
      passed: false,
      kind: 'assertion',
      message: `field: expected "title", got undefined; the step expects the API to answer with a failure, and the API accepted every request the step sent (HTTP 200 to GET ${baseUrl}/accepted): the error came from the step's own checks of a success`,
    })
    // A refusal among the step's requests is the failure it expected, wherever the step's check threw.
    const refusedThenChecked = await attempt(node(async ({ http }) => {
      await http.get('/ok')
      const res = await http.get('/missing')
      throw new AssertionFailed(`status: expected 422, got ${res.status}`)
    }, expected), l)
    expect(refusedThenChecked.outcome).toEqual({ passed: true })
    // A step that sent nothing (a mail that must not come, waited for) keeps its own error as the failure.
    expect((await attempt(node(() => { throw new AssertionFailed('a mail came') }, expected), l)).outcome).toEqual({ passed: true })
  })

  it('a request the API never answered is never the expected failure: refused, reset, a request timeout; another timeout is', async () => {
    const l = lane()
    const expected = { expectFailure: true }
    const refused = await attempt(node(({ http }) => http.get('http://127.0.0.1:1/nothing', { retry: false }), expected), l)
    expect(refused.outcome).toMatchObject({
      passed: false,
      kind: 'connection-refused',
      message: 'GET http://127.0.0.1:1/nothing: connection refused (ECONNREFUSED); the step expects the API to answer with a failure, and it never answered',
    })
    const reset = node(() => {
      throw new TransportError('connection-reset', 'POST', `${baseUrl}/x`, 'connection reset: other side closed')
    }, expected)
    expect((await attempt(reset, l)).outcome).toMatchObject({ passed: false, kind: 'connection-reset' })
    const timedOut = await attempt(node(({ http }) => http.get('/hang', { timeout: 100, retry: false }), expected), l)
    expect(timedOut.outcome).toMatchObject({ passed: false, kind: 'timeout', message: `GET ${baseUrl}/hang timed out after 100 ms; the step expects the API to answer with a failure, and it never answered` })
    // A timeout of the step's own waiting (a mail that must not come) is the failure it expects.
    const waited = node(() => {
      throw new TimeoutError('waiting for a mail to nobody@example.test', 100)
    }, expected)
    expect((await attempt(waited, l)).outcome).toEqual({ passed: true })
  })

  it("a request the test could not send, or its own code's mistake, is never the expected failure either", async () => {
    const expected = { expectFailure: true }
    const said = "; the step expects the API to answer with a failure, and the step's own code failed before it asked the API anything"
    // No base URL: the request never left, where it used to pass, green, with the API never asked.
    const homeless: Lane = { ...lane(), http: new RunnerHttpClient({ baseUrl: '' }, { pool }) }
    const noBase = await attempt(node(({ http }) => http.post('/api/todos', { json: {} }), expected), homeless)
    expect(noBase.outcome).toMatchObject({ passed: false, kind: 'crash' })
    expect(noBase.outcome.passed === false && noBase.outcome.message).toMatch(/^request to "\/api\/todos" needs a base URL: .*; the step expects the API to answer with a failure, and the step's own code failed before it asked the API anything$/)
    expect(noBase.exchanges).toEqual([])
    // A header HTTP cannot carry: refused by the client, never sent.
    const unsendable = await attempt(node(({ http }) => http.get('/ok', { headers: { 'x-bad': 'a\r\nb' }, retry: false }), expected), lane())
    expect(unsendable.outcome).toMatchObject({ passed: false })
    expect(unsendable.outcome.passed === false && unsendable.outcome.message).toMatch(/cannot be sent: .*; the step expects the API to answer with a failure, and the step's own code failed/)
    // A context key no earlier step set, and a name the step's code does not define.
    const l = lane()
    const missing = await attempt(node(({ http, ctx }) => http.delete(`/items/${ctx.require('id')}`), expected), l)
    expect(missing.outcome).toMatchObject({ passed: false, kind: 'crash' })
    expect(missing.outcome.passed === false && missing.outcome.message.endsWith(said)).toBe(true)
    const typo = await attempt(node(() => (undefinedName as () => unknown)(), expected), l)
    expect(typo.outcome).toMatchObject({ passed: false, message: `undefinedName is not defined${said}` })
    // An error the API's refusal makes the step's code throw is still the expected failure.
    expect((await attempt(node(() => { throw new Error('card declined') }, expected), l)).outcome).toEqual({ passed: true })
  })

  it('moves on at its deadline even when the action ignores its signal, and cancels the request in flight', async () => {
    const l = lane()
    let sawAbort = false
    const r = await attempt(
      node(async ({ http, signal }) => {
        signal.addEventListener('abort', () => (sawAbort = true))
        await Promise.all([http.get('/slow').catch(() => {}), new Promise(() => {})])
      }),
      l,
      { timeoutMs: 150 },
    )
    expect(r.outcome).toEqual({ passed: false, kind: 'timeout', message: 'step "the_step" timed out after 150 ms', timedOut: true })
    expect(sawAbort).toBe(true)
    await slowRequestClosed // the server saw the request go away
  })

  it('an interrupt of the journey\'s signal ends it as aborted, never as an expected failure', async () => {
    const l = lane()
    const ac = new AbortController()
    setTimeout(() => ac.abort(new AbortedError('run interrupted')), 50)
    const r = await attempt(node(() => new Promise(() => {}), { expectFailure: true }), l, { signal: ac.signal, timeoutMs: 5_000 })
    expect(r.outcome).toEqual({ passed: false, kind: 'aborted', message: 'interrupted before the step finished' })
  })
})

describe('runOnLanes', () => {
  it('keeps the items\' order whatever the order they finish in, and never runs two items at once on one lane', async () => {
    const lanes = [lane(), { ...lane(), index: 1 }, { ...lane(), index: 2 }]
    const busy = new Set<number>()
    const results = await runOnLanes(lanes, [50, 10, 30, 5, 20], async (ms, l) => {
      expect(busy.has(l.index)).toBe(false)
      busy.add(l.index)
      await new Promise((r) => setTimeout(r, ms))
      busy.delete(l.index)
      return `${ms}ms`
    })
    expect(results).toEqual(['50ms', '10ms', '30ms', '5ms', '20ms'])
  })
})
