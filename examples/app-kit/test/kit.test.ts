/** The pieces every example app is built from, on their own: routing, JSON answers, the server around them. */
import { once } from 'node:events'
import type { Server } from 'node:http'
import net from 'node:net'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { HttpError, Router, createJsonServer, hashPassword, listen, readJson, stopListening, verifyPassword } from '../src/index'

describe('Router', () => {
  const noop = () => undefined
  const router = new Router()
    .on('GET', '/api/items', noop)
    .on('POST', '/api/items', noop)
    .on('GET', '/api/items/:id', noop)
    .under('/_control', noop)

  it('matches exact paths, then :params, then prefixes', () => {
    expect(router.match('GET', '/api/items').params).toEqual({})
    expect(router.match('GET', '/api/items/a%20b').params).toEqual({ id: 'a b' })
    expect(router.match('DELETE', '/_control/reset/all').params).toEqual({ rest: 'reset/all' })
    expect(router.routes()).toEqual([
      { method: 'GET', path: '/api/items' },
      { method: 'POST', path: '/api/items' },
      { method: 'GET', path: '/api/items/:id' },
    ])
  })

  it('says 405 with Allow for a known path and another method, 404 for an unknown or malformed path', () => {
    const status = (method: string, path: string) => {
      try {
        router.match(method, path)
      } catch (err) {
        return [(err as HttpError).status, (err as HttpError).headers?.allow]
      }
      return [200]
    }
    expect(status('DELETE', '/api/items')).toEqual([405, 'GET, POST'])
    expect(status('PUT', '/api/items/1')).toEqual([405, 'GET'])
    expect(status('GET', '/api/nothing')).toEqual([404, undefined])
    expect(status('GET', '/api/items/%E0%A4%A')).toEqual([404, undefined])
    expect(status('GET', '/api/items/')).toEqual([404, undefined])
  })
})

describe('createJsonServer', () => {
  let server: Server | undefined
  afterEach(async () => {
    if (server) await stopListening(server)
  })

  it('answers a handler as JSON, an HttpError with its status, and a fault as a logged 500', async () => {
    const logged: string[] = []
    const router = new Router()
      .on('POST', '/echo', async ({ req, query }) => [201, { body: await readJson(req), q: query.get('q') }, { 'x-kind': 'echo' }])
      .on('GET', '/teapot', () => {
        throw new HttpError(418, { error: 'short and stout' })
      })
      .on('GET', '/fault', () => {
        throw new Error('boom')
      })
    server = createJsonServer(router, { log: (m) => logged.push(m) })
    const url = await listen(server, 0, '127.0.0.1')
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/)

    const echo = await fetch(`${url}/echo?q=1`, { method: 'POST', body: '{"a":1}' })
    expect([echo.status, echo.headers.get('x-kind'), await echo.json()]).toEqual([201, 'echo', { body: { a: 1 }, q: '1' }])
    const notJson = await fetch(`${url}/echo`, { method: 'POST', body: '{' })
    expect([notJson.status, await notJson.json()]).toEqual([400, { error: 'body is not valid JSON' }])
    const array = await fetch(`${url}/echo`, { method: 'POST', body: '[]' })
    expect([array.status, await array.json()]).toEqual([422, { error: 'body must be a JSON object', field: 'body' }])
    const teapot = await fetch(`${url}/teapot`)
    expect([teapot.status, await teapot.json()]).toEqual([418, { error: 'short and stout' }])
    const fault = await fetch(`${url}/fault`)
    expect([fault.status, await fault.json()]).toEqual([500, { error: 'internal error' }])
    expect(logged).toEqual([expect.stringMatching(/^GET \/fault failed: Error: boom\n/)])
  })

  it('stops listening once a request in flight has its answer, when it comes within the grace period', async () => {
    let arrived: () => void = () => {}
    const inHandler = new Promise<void>((resolve) => (arrived = resolve))
    const router = new Router().on('GET', '/late', async () => {
      arrived()
      // Set before stopListening's grace timer, so it always fires first.
      await new Promise((resolve) => setTimeout(resolve, 100))
      return [200, { late: true }]
    })
    server = createJsonServer(router, { log: () => {} })
    const url = await listen(server, 0, '127.0.0.1')
    const late = fetch(`${url}/late`)
    await inHandler
    await stopListening(server)
    const res = await late
    expect([res.status, await res.json()]).toEqual([200, { late: true }])
    server = undefined
  })

  it('stops listening with a request still open: the grace period over, the request is cut', async () => {
    let arrived: () => void = () => {}
    const inHandler = new Promise<void>((resolve) => (arrived = resolve))
    const router = new Router().on('GET', '/hang', () => {
      arrived()
      return new Promise(() => {})
    })
    server = createJsonServer(router, { log: () => {} })
    const url = await listen(server, 0, '127.0.0.1')
    const hanging = fetch(`${url}/hang`).catch((err: Error) => err)
    await inHandler
    await stopListening(server)
    expect(server.listening).toBe(false)
    expect(await hanging).toBeInstanceOf(Error)
    server = undefined
  })

  it('stops listening at once with a connection open that has carried no request: nothing is in flight on it', async () => {
    server = createJsonServer(new Router(), { log: () => {} })
    const { port } = new URL(await listen(server, 0, '127.0.0.1'))
    const accepted = once(server, 'connection')
    const socket = net.connect(Number(port), '127.0.0.1')
    await accepted
    // What the grace period ends with: the connection must be closed before, not cut by it.
    const cut = vi.spyOn(server, 'closeAllConnections')
    await stopListening(server)
    expect(cut).not.toHaveBeenCalled()
    expect(server.listening).toBe(false)
    await once(socket, 'close')
    server = undefined
  })
})

describe('passwords', () => {
  it('verifies the password it hashed, and no other', async () => {
    const stored = await hashPassword('a long password')
    expect(stored).toMatch(/^scrypt\$4096\$8\$1\$[0-9a-f]{32}\$[0-9a-f]{64}$/)
    expect(await verifyPassword('a long password', stored)).toBe(true)
    expect(await verifyPassword('another password', stored)).toBe(false)
    expect(await verifyPassword('a long password', 'plain')).toBe(false)
  })
})
