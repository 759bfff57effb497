/**
 * The WireMock state backend against a real WireMock: what a rollback puts back (stubs with their ids and
 * order, scenario states) and what it clears (the journal), nested checkpoints and failures.
 */
import { StateError } from '@venomqa/core'
import { beforeEach, describe, expect, it } from 'vitest'
import { WireMockPort, WireMockState, freePort } from '../src'
import { describeWithJava, send, useWireMock } from './helpers'

const describeJava = describeWithJava()

describeJava('the WireMock state backend', () => {
  const wiremock = useWireMock()
  let mock: WireMockPort
  let state: WireMockState

  beforeEach(async () => {
    mock = new WireMockPort({ url: wiremock().baseUrl })
    state = new WireMockState(mock.admin)
    await mock.reset()
    await state.connect()
  })

  const get = async (path: string) => (await send(`${mock.baseUrl}${path}`)).text
  const post = async (path: string) => (await send(`${mock.baseUrl}${path}`, { method: 'POST' })).status
  const ids = async () => (await mock.admin.mappings()).map((m) => m.id).sort()

  describe('WireMockState', () => {
    it('describes itself', () => {
      expect([state.name, state.mechanism, state.parallelSafe, state.leftWhenQuit]).toEqual(['wiremock', 'mappings', false, false])
    })

    it('rollback removes stubs added after the checkpoint and brings back changed and removed ones, with their ids', async () => {
      const keep = await mock.stub({ method: 'GET', path: '/keep', body: 'kept' })
      const drop = await mock.stub({ method: 'GET', path: '/drop', body: 'dropped later' })
      const before = await ids()
      await state.checkpoint('cp')
      await mock.stub({ method: 'GET', path: '/added', body: 'added' })
      await mock.stub({ method: 'GET', path: '/keep', body: 'shadowed' })
      await mock.removeStub(drop)
      expect(await get('/keep')).toBe('shadowed')
      await state.rollback('cp')
      expect(await ids()).toEqual(before)
      expect(await get('/keep')).toBe('kept')
      expect(await get('/drop')).toBe('dropped later')
      expect((await send(`${mock.baseUrl}/added`)).status).toBe(404)
      // The ids the journey holds still name the same stubs.
      await mock.removeStub(keep)
      expect((await send(`${mock.baseUrl}/keep`)).status).toBe(404)
    })

    it('keeps which of two matching stubs wins', async () => {
      await mock.stub({ method: 'GET', path: '/who', body: 'older' })
      await mock.stub({ method: 'GET', path: '/who', body: 'newer' })
      await mock.stub({ method: 'GET', path: '/other', body: 'x' })
      await state.checkpoint('cp')
      await state.rollback('cp')
      expect(await get('/who')).toBe('newer')
    })

    it('rollback puts every scenario back to its state at the checkpoint', async () => {
      // One sequence advanced before the checkpoint, one at its start.
      await mock.stubSequence('POST', '/orders', [{ status: 201 }, { status: 201 }, { status: 429 }])
      await mock.stubSequence('POST', '/pay', [{ status: 200 }, { status: 402 }])
      expect(await post('/orders')).toBe(201)
      const at = Object.fromEntries((await mock.admin.scenarios()).map((s) => [s.name, s.state]))
      await state.checkpoint('cp')
      for (let i = 0; i < 3; i++) await post('/orders')
      await post('/pay')
      await state.rollback('cp')
      expect(Object.fromEntries((await mock.admin.scenarios()).map((s) => [s.name, s.state]))).toEqual(at)
      expect([await post('/orders'), await post('/orders'), await post('/orders')]).toEqual([201, 429, 429])
      expect([await post('/pay'), await post('/pay')]).toEqual([200, 402])
    })

    it("restores scenarios whose names WireMock's state route cannot take (spaces, slashes, non-ASCII)", async () => {
      const names = ['To do list', 'orders/v2', 'Zahlungsübersicht']
      for (const [i, name] of names.entries()) {
        for (const [from, to, status] of [['Started', 'second', 200], ['second', 'third', 201], ['third', undefined, 202]] as const)
          await mock.admin.call('POST', 'mappings', {
            scenarioName: name,
            requiredScenarioState: from,
            ...(to ? { newScenarioState: to } : {}),
            request: { method: 'GET', urlPath: `/scenario/${i}` },
            response: { status },
          })
        await get(`/scenario/${i}`)
      }
      const before = await ids()
      await state.checkpoint('cp')
      for (const i of names.keys()) await get(`/scenario/${i}`)
      await state.rollback('cp')
      expect(Object.fromEntries((await mock.admin.scenarios()).map((s) => [s.name, s.state]))).toEqual(Object.fromEntries(names.map((n) => [n, 'second'])))
      // The helper stubs that moved them are gone, and so are their calls.
      expect(await ids()).toEqual(before)
      expect(await mock.requests()).toEqual([])
      for (const i of names.keys()) expect((await send(`${mock.baseUrl}/scenario/${i}`)).status).toBe(201)
    })

    it('rollback empties the request journal', async () => {
      await mock.stub({ method: 'GET', path: '/j', status: 200 })
      await get('/j')
      await state.checkpoint('cp')
      await get('/j')
      await state.rollback('cp')
      expect(await mock.requests()).toEqual([])
      await get('/j')
      expect(await mock.countRequests('GET', '/j')).toBe(1)
    })

    it('rolls back to an empty WireMock', async () => {
      await state.checkpoint('empty')
      await mock.stubSequence('GET', '/s', [{ status: 200 }, { status: 500 }])
      await get('/s')
      await state.rollback('empty')
      expect(await mock.admin.mappings()).toEqual([])
      expect(await mock.admin.scenarios()).toEqual([])
    })

    it('nested checkpoints: each rollback goes to its own checkpoint, and drops the later ones', async () => {
      await mock.stub({ method: 'GET', path: '/a', body: 'a' })
      await state.checkpoint('one')
      await mock.stub({ method: 'GET', path: '/b', body: 'b' })
      await state.checkpoint('two')
      await mock.stub({ method: 'GET', path: '/c', body: 'c' })
      await state.rollback('two')
      expect((await mock.admin.mappings()).map((m) => (m.response as { body: string }).body).sort()).toEqual(['a', 'b'])
      await mock.stub({ method: 'GET', path: '/d', body: 'd' })
      await state.rollback('two')
      expect((await mock.admin.mappings()).length).toBe(2)
      await state.rollback('one')
      expect((await mock.admin.mappings()).map((m) => (m.response as { body: string }).body)).toEqual(['a'])
      expect(state.checkpoints).toEqual(['one'])
      await expect(state.rollback('two')).rejects.toThrow('state backend "wiremock": no checkpoint "two" (open: one)')
    })

    it('release forgets a checkpoint and the later ones; taking an open name again replaces it', async () => {
      await state.checkpoint('cp')
      await mock.stub({ method: 'GET', path: '/a', body: 'a' })
      await state.checkpoint('cp')
      expect(state.checkpoints).toEqual(['cp'])
      await mock.stub({ method: 'GET', path: '/b', body: 'b' })
      await state.rollback('cp')
      expect((await mock.admin.mappings()).map((m) => (m.response as { body: string }).body)).toEqual(['a'])
      await state.checkpoint('later')
      await state.release('cp')
      expect(state.checkpoints).toEqual([])
      await expect(state.rollback('cp')).rejects.toThrow(/no checkpoint "cp"/)
      await state.checkpoint('cp')
      expect(state.checkpoints).toEqual(['cp'])
      await state.disconnect()
      expect(state.checkpoints).toEqual([])
    })

    it('observe gives stubs, scenario states and journal size', async () => {
      await mock.stubSequence('GET', '/o', [{ status: 200 }, { status: 201 }])
      await get('/o')
      const seen = await state.observe()
      expect(seen.stubs).toBe(2)
      expect(Object.values(seen.scenarios as Record<string, string>)).toEqual(['response-2'])
      expect(seen.requests).toBe(1)
    })

    it('reset leaves no stub, no request and no scenario', async () => {
      await mock.stubSequence('GET', '/z', [{ status: 200 }, { status: 201 }])
      await get('/z')
      await state.reset()
      expect(await state.observe()).toEqual({ stubs: 0, scenarios: {}, requests: 0 })
    })

    it('fails with a StateError naming the server when WireMock is gone', async () => {
      const gone = new WireMockState({ url: `http://127.0.0.1:${await freePort()}`, name: 'payments-mock' })
      // Why, not only that it does not answer.
      await expect(gone.connect()).rejects.toThrow(/^state backend "payments-mock": WireMock at http:\/\/127\.0\.0\.1:\d+ is not reachable \(GET \/__admin\/health: connect ECONNREFUSED/)
      const err = await gone.checkpoint('cp').catch((e: unknown) => e)
      expect(err).toBeInstanceOf(StateError)
      expect((err as Error).message).toMatch(/checkpoint "cp" failed: WireMock at .* is not reachable/)
      expect(gone.checkpoints).toEqual([])
    })
  })
})
