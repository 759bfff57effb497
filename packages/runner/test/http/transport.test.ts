/** The runner's HTTP transport (src/http/transport.ts): Node's http, a keep-alive pool, each response read to its end. */
import { EventEmitter, getEventListeners } from 'node:events'
import http from 'node:http'
import type { Socket } from 'node:net'
import path from 'node:path'
import { CLOSED_PORT, type LocalServer, fromPackage, listenLocally, modulesLoadedBy } from '@venomqa/test-utils'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { classifyFailure } from '../../src/http/classify'
import { ConnectionPool, DeadlineExceeded, FailedAfterHeaders, IDLE_TIMEOUT, IdleTimeout, InvalidRequestError, PoolClosedError, RequestAbortedError, parseHeaders, request } from '../../src/http/transport'

const bigBody = 'x'.repeat(300_000)
/** The connections the server saw, to tell a kept-alive connection from a new one. */
const sockets = new Set<Socket>()
let app: LocalServer
let pool: ConnectionPool

beforeAll(async () => {
  const server = http.createServer((req, res) => {
    let body = ''
    req.on('data', (d) => (body += d))
    req.on('end', () => {
      if (req.url === '/twice') {
        res.setHeader('set-cookie', ['a=1', 'b=2'])
        res.setHeader('x-twice', ['one', 'two'])
        return res.end('ok')
      }
      if (req.url === '/utf8-header') {
        res.writeHead(200, [['x-name', Buffer.from('café ✓', 'utf8').toString('latin1')]])
        return res.end()
      }
      if (req.url === '/bom') return res.end(Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from('héllo ✓', 'utf8')]))
      if (req.url === '/empty') return res.writeHead(204).end()
      // Written in pieces, so the body comes in several chunks.
      if (req.url === '/big') {
        for (let i = 0; i < bigBody.length; i += 50_000) res.write(bigBody.slice(i, i + 50_000))
        return res.end()
      }
      if (req.url === '/early') {
        res.writeEarlyHints({ link: '</style.css>; rel=preload' })
        return res.end('final')
      }
      // Headers never come, the body stops half-way, or the connection is cut mid-body.
      if (req.url === '/no-headers') return
      if (req.url === '/half-body') {
        res.writeHead(200, { 'content-length': '100' })
        return res.write('only part')
      }
      if (req.url === '/cut') {
        res.writeHead(200, { 'content-length': '100' })
        res.write('only part')
        return setTimeout(() => req.socket.destroy(), 20)
      }
      if (req.url?.startsWith('/slow')) return setTimeout(() => res.end('late'), 150)
      res.setHeader('content-type', 'application/json')
      res.end(JSON.stringify({ method: req.method, url: req.url, body, headers: req.headers }))
    })
  })
  server.on('connection', (s: Socket) => sockets.add(s))
  app = await listenLocally(server)
  pool = new ConnectionPool(4)
})
afterAll(async () => {
  pool.destroy()
  await app.close()
})

const get = (p: string, o: Partial<Parameters<typeof request>[1]> = {}) => request(`${app.url}${p}`, { method: 'GET', pool, ...o })
const failure = (p: Promise<unknown>) => p.then(() => undefined, (err: Error) => err)

describe('a request', () => {
  it('sends the method, path, query, headers and body; never the fragment', async () => {
    const res = await request(`${app.url}/items/1?x=1&y=a%20b#frag`, { method: 'POST', body: 'hello', headers: { 'x-a': '1' }, pool })
    expect(res.statusCode).toBe(200)
    const seen = JSON.parse(res.bodyText)
    expect(seen).toMatchObject({ method: 'POST', url: '/items/1?x=1&y=a%20b', body: 'hello' })
    expect(seen.headers).toMatchObject({ 'x-a': '1', 'content-length': '5', host: new URL(app.url).host })
  })

  it('sends bytes as they are', async () => {
    const res = await request(`${app.url}/bytes`, { method: 'PUT', body: new Uint8Array([104, 105]), pool })
    expect(JSON.parse(res.bodyText)).toMatchObject({ method: 'PUT', body: 'hi' })
  })

  it('goes through the shared pool when given none', async () => {
    const res = await request(`${app.url}/state`, { method: 'GET' })
    expect(JSON.parse(res.bodyText)).toMatchObject({ method: 'GET', url: '/state', body: '' })
  })

  it('to a URL that is not http(s) throws at once, as the step\'s mistake', () => {
    expect(() => request('ftp://127.0.0.1/x', { method: 'GET', pool })).toThrow(InvalidRequestError)
    expect(() => request('not a url', { method: 'GET', pool })).toThrow(/invalid URL/)
    const thrown = (() => {
      try {
        request('ftp://127.0.0.1/x', { method: 'GET', pool })
      } catch (err) {
        return err
      }
    })()
    expect(classifyFailure(thrown, { method: 'GET', url: 'ftp://127.0.0.1/x', timeoutMs: 1000 }).error).toMatchObject({ code: 'E_HTTP_REQUEST' })
  })

  it('with a header value Node will not send rejects, naming the header and not its value, as the step\'s mistake', async () => {
    const err = await failure(get('/x', { headers: { 'x-a': 'line\r\nbreak-SECRET' } }))
    expect(err).toMatchObject({ code: 'ERR_INVALID_CHAR' })
    expect((err as Error).message).not.toContain('SECRET')
    const { error, retryable } = classifyFailure(err, { method: 'GET', url: '/x', timeoutMs: 1000 })
    expect(error).toMatchObject({ code: 'E_HTTP_REQUEST' })
    expect(retryable).toBe(false)
  })

  it('to a closed port is refused with ECONNREFUSED', async () => {
    expect(await failure(request(`http://127.0.0.1:${CLOSED_PORT}/x`, { method: 'GET', pool }))).toMatchObject({ code: 'ECONNREFUSED' })
  })
})

describe('a response read to its end', () => {
  it('a header sent twice is a list; header values are UTF-8', async () => {
    expect((await get('/twice')).headers).toMatchObject({ 'set-cookie': ['a=1', 'b=2'], 'x-twice': ['one', 'two'] })
    expect((await get('/utf8-header')).headers['x-name']).toBe('café ✓')
    // A Content-Disposition keeps Node's Latin-1 reading of its bytes (RFC 6266 defines them so).
    expect(parseHeaders(['Content-Disposition', 'attachment; filename="caf\u00e9"', 'X-A', '1', 'x-a', '2'])).toEqual({ 'content-disposition': 'attachment; filename="caf\u00e9"', 'x-a': ['1', '2'] })
  })

  it('the byte-order mark is dropped and UTF-8 decoded', async () => {
    expect((await get('/bom')).bodyText).toBe('héllo ✓')
  })

  it('an empty body, a HEAD, a body in many chunks and an informational response before the answer', async () => {
    expect(await get('/empty')).toMatchObject({ statusCode: 204, bodyText: '' })
    expect(await get('/plain', { method: 'HEAD' })).toMatchObject({ statusCode: 200, bodyText: '' })
    expect((await get('/big')).bodyText).toBe(bigBody)
    expect(await get('/early')).toMatchObject({ statusCode: 200, bodyText: 'final' })
  })
})

describe('aborts and timeouts', () => {
  it('a signal aborted before the request, while waiting for headers, or during the body: rejected with its reason', async () => {
    const reason = new Error('stop now')
    expect(await failure(get('/plain', { signal: AbortSignal.abort(reason) }))).toBe(reason)
    for (const p of ['/no-headers', '/half-body']) {
      const ac = new AbortController()
      setTimeout(() => ac.abort(reason), 100)
      expect(await failure(get(p, { signal: ac.signal })), p).toBe(reason)
      expect(getEventListeners(ac.signal, 'abort'), p).toHaveLength(0)
    }
  })

  it('an emitter that emits "abort" with no reason rejects with a RequestAbortedError, and is no longer listened to', async () => {
    const emitter = new EventEmitter()
    setTimeout(() => emitter.emit('abort'), 100)
    expect(await failure(get('/no-headers', { signal: emitter }))).toBeInstanceOf(RequestAbortedError)
    expect(emitter.listenerCount('abort')).toBe(0)
  })

  it('a silent connection is cut by the idle timeout; after the headers, the error says the API answered', async () => {
    const before = await failure(get('/no-headers', { idleTimeoutMs: 100 }))
    expect(before).toBeInstanceOf(IdleTimeout)
    expect(before).toMatchObject({ code: IDLE_TIMEOUT, message: 'no answer came for 100 ms' })
    const after = await failure(get('/half-body', { idleTimeoutMs: 100 }))
    expect(after).toBeInstanceOf(FailedAfterHeaders)
    expect(after).toMatchObject({ statusCode: 200, code: IDLE_TIMEOUT })
    expect(classifyFailure(after, { method: 'GET', url: '/half-body', timeoutMs: 100 }).error).toMatchObject({ name: 'TimeoutError' })
  })

  it('a deadline cuts the whole request, with a timer or checked as the body comes', async () => {
    expect(await failure(get('/slow', { deadlineMs: 50 }))).toBeInstanceOf(DeadlineExceeded)
    expect(await failure(get('/half-body', { deadlineMs: 80 }))).toMatchObject({ statusCode: 200, error: expect.any(DeadlineExceeded) })
    // Checked at each chunk: /big comes in several, the first of them past a deadline of 0 ms.
    expect(await failure(get('/big', { checkedDeadlineMs: 0 }))).toMatchObject({ statusCode: 200, error: expect.any(DeadlineExceeded) })
    expect((await get('/big', { checkedDeadlineMs: 60_000 })).bodyText).toBe(bigBody)
  })

  it('a connection cut mid-body rejects with ECONNRESET inside a FailedAfterHeaders', async () => {
    const err = await failure(get('/cut'))
    expect(err).toBeInstanceOf(FailedAfterHeaders)
    expect(err).toMatchObject({ statusCode: 200, code: 'ECONNRESET' })
    expect(classifyFailure(err, { method: 'GET', url: '/cut', timeoutMs: 1000 })).toMatchObject({ retryable: true, error: { kind: 'connection-reset', status: 200 } })
  })
})

describe('the connection pool', () => {
  it('keeps a connection alive between requests, and opens at most its count at once', async () => {
    const own = new ConnectionPool(2)
    try {
      const before = sockets.size
      for (let i = 0; i < 5; i++) await request(`${app.url}/seq`, { method: 'GET', pool: own })
      expect(sockets.size - before).toBe(1)
      await Promise.all(Array.from({ length: 6 }, () => request(`${app.url}/slow-many`, { method: 'GET', pool: own })))
      expect(sockets.size - before).toBe(2)
    } finally {
      own.destroy()
    }
  })

  it('close() waits for the requests under way, then refuses new ones', async () => {
    const own = new ConnectionPool()
    // Requests that failed, before sending or after, are not waited for.
    await failure(request(`http://127.0.0.1:${CLOSED_PORT}/x`, { method: 'GET', pool: own }))
    await failure(request(`${app.url}/x`, { method: 'GET', pool: own, signal: AbortSignal.abort() }))
    await failure(request(`${app.url}/no-headers`, { method: 'GET', pool: own, idleTimeoutMs: 50 }))
    const slow = request(`${app.url}/slow-close`, { method: 'GET', pool: own })
    await own.close()
    expect((await slow).bodyText).toBe('late')
    await expect(request(`${app.url}/after`, { method: 'GET', pool: own })).rejects.toThrow(PoolClosedError)
  })
})

it('importing the built runner loads no undici, and sending a request loads none either', () => {
  const dist = path.join(import.meta.dirname, '../../dist/index.js')
  const undiciFiles = (after: string) => modulesLoadedBy(dist, after).modules.filter(fromPackage('undici'))
  expect(undiciFiles('')).toEqual([])
  expect(undiciFiles('await mod.createConnectionPool().close()')).toEqual([])
})
