/**
 * MockPort against a real WireMock 3.13 (the npm package's jar, started once for this file).
 */
import { AssertionFailed, UserError } from '@venomqa/core'
import { beforeEach, describe, expect, it } from 'vitest'
import { WireMockError, WireMockPort, freePort } from '../src'
import { startSilentServer } from '@venomqa/test-utils'
import { describeWithJava, send, useWireMock } from './helpers'

const describeJava = describeWithJava()

describeJava('the mock port', () => {
  const wiremock = useWireMock()
  let mock: WireMockPort

  beforeEach(async () => {
    mock = new WireMockPort({ url: wiremock().baseUrl })
    await mock.reset()
  })

  describe('stub', () => {
    it('answers with the status, JSON body and headers it was given, and returns the stub id', async () => {
      const id = await mock.stub({ method: 'GET', path: '/api/users/1', status: 200, body: { id: 1, name: 'John Doe' }, headers: { 'X-Trace': 'abc' } })
      expect(id).toMatch(/^[0-9a-f-]{36}$/)
      const res = await send(`${mock.baseUrl}/api/users/1`)
      expect(res.status).toBe(200)
      expect(JSON.parse(res.text)).toEqual({ id: 1, name: 'John Doe' })
      expect(res.headers.get('content-type')).toMatch(/application\/json/)
      expect(res.headers.get('x-trace')).toBe('abc')
      expect(res.headers.get('matched-stub-id')).toBe(id)
    })

    it('sends a string body as it is, bytes as bytes, and falsy JSON values as JSON', async () => {
      await mock.stub({ method: 'GET', path: '/text', body: 'plain words', headers: { 'content-type': 'text/plain' } })
      await mock.stub({ method: 'GET', path: '/bytes', body: new Uint8Array([0, 1, 254, 255]) })
      await mock.stub({ method: 'GET', path: '/zero', body: 0 })
      await mock.stub({ method: 'GET', path: '/false', body: false })
      const text = await send(`${mock.baseUrl}/text`)
      expect([text.status, text.text, text.headers.get('content-type')]).toEqual([200, 'plain words', 'text/plain'])
      const bytes = new Uint8Array(await (await fetch(`${mock.baseUrl}/bytes`)).arrayBuffer())
      expect([...bytes]).toEqual([0, 1, 254, 255])
      expect((await send(`${mock.baseUrl}/zero`)).text).toBe('0')
      expect((await send(`${mock.baseUrl}/false`)).text).toBe('false')
    })

    it('matches the path without the query, the whole URL when the path has one, and a pattern', async () => {
      await mock.stub({ method: 'GET', path: '/items', status: 200, body: 'any query' })
      await mock.stub({ method: 'GET', path: '/search?q=exact', status: 201, body: 'exact url' })
      await mock.stub({ method: 'DELETE', path: '/orders/[0-9]+', pathPattern: true, status: 204 })
      expect((await send(`${mock.baseUrl}/items?page=2`)).text).toBe('any query')
      expect((await send(`${mock.baseUrl}/search?q=exact`)).status).toBe(201)
      expect((await send(`${mock.baseUrl}/search?q=other`)).status).toBe(404)
      expect((await send(`${mock.baseUrl}/orders/42`, { method: 'DELETE' })).status).toBe(204)
      expect((await send(`${mock.baseUrl}/orders/abc`, { method: 'DELETE' })).status).toBe(404)
      expect((await send(`${mock.baseUrl}/orders/42`)).status).toBe(404)
    })

    it('delays the answer by delayMs', async () => {
      await mock.stub({ method: 'GET', path: '/slow', status: 200, delayMs: 300 })
      await mock.stub({ method: 'GET', path: '/fast', status: 200 })
      const slow = await send(`${mock.baseUrl}/slow`)
      expect(slow.status).toBe(200)
      // The delay is a lower bound of behaviour (WireMock waits before answering), not a performance claim.
      expect(slow.ms).toBeGreaterThanOrEqual(290)
      const [logged] = await mock.admin.findRequests({ method: 'GET', urlPath: '/slow' })
      expect(logged).toBeDefined()
      const journal = (await mock.admin.call<{ requests: { request: { url: string }; timing: { addedDelay: number } }[] }>('GET', 'requests')).json
      expect(journal.requests.find((e) => e.request.url === '/slow')!.timing.addedDelay).toBe(300)
    })

    it('the newest stub wins when two match; removeStub brings the older one back and is idempotent', async () => {
      const older = await mock.stub({ method: 'GET', path: '/who', body: 'older' })
      const newer = await mock.stub({ method: 'GET', path: '/who', body: 'newer' })
      expect((await send(`${mock.baseUrl}/who`)).text).toBe('newer')
      await mock.removeStub(newer)
      expect((await send(`${mock.baseUrl}/who`)).text).toBe('older')
      await mock.removeStub(newer)
      await mock.removeStub(older)
      expect((await send(`${mock.baseUrl}/who`)).status).toBe(404)
    })

    it('refuses a bad stub with a message that names the mistake', async () => {
      await expect(mock.stub({ method: 'GET', path: 'no-slash' })).rejects.toThrow(/"path" must start with "\/"/)
      await expect(mock.stub({ method: 'GET', path: '/x', status: 42 })).rejects.toThrow(/"status" must be an HTTP status/)
      await expect(mock.stub({ method: 'GE T', path: '/x' })).rejects.toThrow(UserError)
      await expect(mock.stub({ method: 'GET', path: '/x', delayMs: -1 })).rejects.toThrow(/"delayMs"/)
      await expect(mock.stub({ method: 'GET', path: '(', pathPattern: true })).rejects.toThrow(/not a valid regular expression/)
      await expect(mock.stubSequence('POST', '/x', [])).rejects.toThrow(/at least one response/)
      expect(await mock.admin.mappings()).toEqual([])
    })
  })

  describe('stubSequence', () => {
    it("answers in order and repeats the last response (the guide's rate-limit example)", async () => {
      const ids = await mock.stubSequence('POST', '/api/orders', [
        { status: 201, body: { id: 1 } },
        { status: 201, body: { id: 2 } },
        { status: 429, body: { error: 'Rate limited' } },
      ])
      expect(ids).toHaveLength(3)
      const answers = []
      for (let i = 0; i < 5; i++) answers.push(await send(`${mock.baseUrl}/api/orders`, { method: 'POST' }))
      expect(answers.map((a) => a.status)).toEqual([201, 201, 429, 429, 429])
      expect(answers.map((a) => JSON.parse(a.text))).toEqual([{ id: 1 }, { id: 2 }, { error: 'Rate limited' }, { error: 'Rate limited' }, { error: 'Rate limited' }])
      expect(answers.map((a) => a.headers.get('matched-stub-id'))).toEqual([ids[0], ids[1], ids[2], ids[2], ids[2]])
    })

    it('keeps two sequences apart, and reset() starts them over', async () => {
      await mock.stubSequence('GET', '/a', [{ status: 200 }, { status: 500 }])
      await mock.stubSequence('GET', '/b', [{ status: 202 }])
      expect((await send(`${mock.baseUrl}/a`)).status).toBe(200)
      expect((await send(`${mock.baseUrl}/b`)).status).toBe(202)
      expect((await send(`${mock.baseUrl}/a`)).status).toBe(500)
      expect((await send(`${mock.baseUrl}/b`)).status).toBe(202)
      await mock.reset()
      expect(await mock.admin.scenarios()).toEqual([])
      expect((await send(`${mock.baseUrl}/a`)).status).toBe(404)
    })
  })

  describe('journal and verification', () => {
    it('counts and verifies with count, atLeast and atMost', async () => {
      await mock.stub({ method: 'POST', path: '/v1/charges', status: 201 })
      expect(await mock.verify('POST', '/v1/charges')).toBe(false)
      expect(await mock.verify('POST', '/v1/charges', { count: 0 })).toBe(true)
      for (let i = 0; i < 3; i++) await send(`${mock.baseUrl}/v1/charges?attempt=${i}`, { method: 'POST', body: '{}' })
      await send(`${mock.baseUrl}/v1/charges`)
      expect(await mock.countRequests('POST', '/v1/charges')).toBe(3)
      expect(await mock.countRequests('get', '/v1/charges')).toBe(1)
      expect(await mock.countRequests('ANY', '/v1/charges')).toBe(4)
      expect(await mock.countRequests('POST', '/v1/charges?attempt=1')).toBe(1)
      expect(await mock.verify('POST', '/v1/charges')).toBe(true)
      expect(await mock.verify('POST', '/v1/charges', { count: 3 })).toBe(true)
      expect(await mock.verify('POST', '/v1/charges', { count: 2 })).toBe(false)
      expect(await mock.verify('POST', '/v1/charges', { atLeast: 3 })).toBe(true)
      expect(await mock.verify('POST', '/v1/charges', { atLeast: 4 })).toBe(false)
      expect(await mock.verify('POST', '/v1/charges', { atMost: 3 })).toBe(true)
      expect(await mock.verify('POST', '/v1/charges', { atMost: 2 })).toBe(false)
      expect(await mock.verify('POST', '/v1/charges', { atLeast: 2, atMost: 4 })).toBe(true)
      expect(await mock.verify('POST', '/v1/charges', { atLeast: 4, atMost: 9 })).toBe(false)
      // Unmatched requests are in the journal too: the app called, whether or not a stub answered.
      await send(`${mock.baseUrl}/nothing/here`, { method: 'PUT' })
      expect(await mock.verify('PUT', '/nothing/here', { count: 1 })).toBe(true)
    })

    it('refuses verification options that cannot make sense', async () => {
      await expect(mock.verify('GET', '/x', { count: -1 })).rejects.toThrow(/"count" must be a whole number/)
      await expect(mock.verify('GET', '/x', { atLeast: 3, atMost: 1 })).rejects.toThrow(/no count can fit/)
      await expect(mock.verify('GET', '/x', { atleast: 1 } as never)).rejects.toThrow(/unknown option "atleast"/)
    })

    it('expectRequests fails with what was expected and what arrived', async () => {
      await send(`${mock.baseUrl}/v1/charges`, { method: 'POST' })
      await send(`${mock.baseUrl}/v1/charges`, { method: 'POST' })
      expect(await mock.expectRequests('POST', '/v1/charges', { count: 2 })).toBe(2)
      const err = await mock.expectRequests('POST', '/v1/charges', { count: 1 }).catch((e: unknown) => e)
      expect(err).toBeInstanceOf(AssertionFailed)
      expect((err as Error).message).toBe(
        'expected POST /v1/charges exactly 1 time(s), got 2, counting every POST /v1/charges the app sent, whether a stub matched it or not (2 matched no stub); the journal holds POST /v1/charges (no stub matched), POST /v1/charges (no stub matched)',
      )
    })

    it('expectRequests says that it counts the requests no stub matched, how many of them it counted, and which they are', async () => {
      // The stub answers the first charge; the second comes after it is gone and gets WireMock's 404.
      const id = await mock.stub({ method: 'POST', path: '/v1/charges', status: 201 })
      expect((await send(`${mock.baseUrl}/v1/charges`, { method: 'POST' })).status).toBe(201)
      await mock.removeStub(id)
      expect((await send(`${mock.baseUrl}/v1/charges`, { method: 'POST' })).status).toBe(404)
      await send(`${mock.baseUrl}/v1/refunds`, { method: 'POST' })
      const err = await mock.expectRequests('POST', '/v1/charges', { count: 1 }).catch((e: unknown) => e)
      expect(err).toBeInstanceOf(AssertionFailed)
      expect((err as Error).message).toBe(
        'expected POST /v1/charges exactly 1 time(s), got 2, counting every POST /v1/charges the app sent, whether a stub matched it or not (1 matched no stub); ' +
          'the journal holds POST /v1/charges, POST /v1/charges (no stub matched), POST /v1/refunds (no stub matched)',
      )
      const none = await mock.expectRequests('any', '/v1/payouts', { atLeast: 1 }).catch((e: unknown) => e)
      expect((none as Error).message).toMatch(/^expected ANY \/v1\/payouts at least 1 time\(s\), got 0, counting every request to \/v1\/payouts the app sent, whether a stub matched it or not; the journal holds POST /)
    })

    it('lists requests oldest first, with method, url, headers and body, filtered by method and path', async () => {
      await send(`${mock.baseUrl}/hooks/a`, { method: 'POST', body: JSON.stringify({ n: 1 }), headers: { 'content-type': 'application/json', 'X-Sig': 's1' } })
      await send(`${mock.baseUrl}/hooks/b?x=1`)
      await send(`${mock.baseUrl}/hooks/a`, { method: 'POST', body: JSON.stringify({ n: 2 }) })
      const all = await mock.requests()
      expect(all.map((r) => `${r.method} ${r.url}`)).toEqual(['POST /hooks/a', 'GET /hooks/b?x=1', 'POST /hooks/a'])
      expect(all[0]!.headers['x-sig']).toBe('s1')
      expect(all[0]!.headers['content-type']).toBe('application/json')
      expect(JSON.parse(all[0]!.body!)).toEqual({ n: 1 })
      expect(all[1]!.body).toBeUndefined()
      expect(Date.parse(all[0]!.loggedAt!)).toBeGreaterThan(Date.now() - 60_000)
      const posts = await mock.requests({ method: 'POST', path: '/hooks/a' })
      expect(posts.map((r) => JSON.parse(r.body!).n)).toEqual([1, 2])
      expect((await mock.requests({ path: '/hooks/b' })).map((r) => r.url)).toEqual(['/hooks/b?x=1'])
      expect((await mock.requests({ method: 'GET' })).map((r) => r.url)).toEqual(['/hooks/b?x=1'])
    })

    it('reset() removes every stub and empties the journal', async () => {
      await mock.stub({ method: 'GET', path: '/r', status: 200 })
      await send(`${mock.baseUrl}/r`)
      await mock.reset()
      expect(await mock.admin.mappings()).toEqual([])
      expect(await mock.requests()).toEqual([])
      expect((await send(`${mock.baseUrl}/r`)).status).toBe(404)
    })
  })

  describe('health and errors', () => {
    it('healthCheck is true for WireMock and false, without throwing, where nothing listens', async () => {
      expect(await mock.healthCheck()).toBe(true)
      const nobody = new WireMockPort({ url: `http://127.0.0.1:${await freePort()}` })
      expect(await nobody.healthCheck()).toBe(false)
      const err = await nobody.countRequests('GET', '/x').catch((e: unknown) => e)
      expect(err).toBeInstanceOf(WireMockError)
      expect((err as Error).message).toMatch(/^WireMock at http:\/\/127\.0\.0\.1:\d+ is not reachable \(POST \/__admin\/requests\/count: connect ECONNREFUSED/)
      // What `venomqa doctor` shows: why, not only that it is unhealthy.
      expect(await mock.healthReport()).toBe(true)
      expect(await nobody.healthReport()).toMatch(/^WireMock at http:\/\/127\.0\.0\.1:\d+ is not reachable \(GET \/__admin\/health: connect ECONNREFUSED/)
    })

    it('a server that accepts and never answers: stub() and stubSequence() give up after timeoutMs, as every admin call does', async () => {
      // Not WireMock: a socket that takes the request and says nothing (a WireMock that hangs).
      const silent = await startSilentServer()
      const hung = new WireMockPort({ url: silent.url, timeoutMs: 300 })
      try {
        for (const call of [() => hung.stub({ method: 'GET', path: '/x' }), () => hung.stubSequence('GET', '/y', [{ status: 200 }, { status: 500 }])]) {
          // Before: pending for ever (a journey without a step timeout never ended), as this test would be.
          const err = await call().catch((e: unknown) => e)
          expect(err).toBeInstanceOf(WireMockError)
          expect((err as Error).message).toMatch(/is not reachable \(POST \/__admin\/mappings: no answer in time\)/)
        }
        expect(await hung.healthReport()).toMatch(/is not reachable \(GET \/__admin\/health: no answer within 2000 ms\)$/)
      } finally {
        await silent.close()
      }
    }, 15_000)

    it('says what WireMock refused', async () => {
      const err = await mock.admin.setScenarioState('no-such-scenario', 'x').catch((e: unknown) => e)
      expect(err).toBeInstanceOf(WireMockError)
      expect((err as Error).message).toContain('answered PUT /__admin/scenarios/no-such-scenario/state with 404, expected 2xx: Scenario no-such-scenario does not exist')
    })

    it('needs a URL', () => {
      expect(() => new WireMockPort({ url: 'localhost:8080' })).toThrow(/"url" must be WireMock's base URL/)
    })
  })
})
