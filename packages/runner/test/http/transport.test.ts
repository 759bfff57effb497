/** The runner's HTTP transport (src/http/transport.ts): Node's http, a keep-alive pool, each response read to its end. */
import { spawn } from 'node:child_process'
import { getEventListeners, once } from 'node:events'
import http from 'node:http'
import type { Socket } from 'node:net'
import path from 'node:path'
import { CLOSED_PORT, type LocalServer, fromPackage, listenLocally, modulesLoadedBy } from '@venomqa/test-utils'
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import { classifyFailure } from '../../src/http/classify'
import type { CutSignal } from '../../src/http/detached'
import { ConnectionPool, PoolClosedError } from '../../src/http/connection-pool'
import { DEADLINE_EXCEEDED, DeadlineExceeded, FailedAfterHeaders, InvalidRequestError, RequestAbortedError, parseHeaders, request } from '../../src/http/transport'

const bigBody = 'x'.repeat(300_000)
/** Listens, fills its own accept queue (backlog 0) and never accepts: a connect to it hangs. Prints its port. */
const BLACKHOLE = `import socket, time
s = socket.socket(); s.bind(('127.0.0.1', 0)); s.listen(0)
port = s.getsockname()[1]
fillers = []
for i in range(4):
    c = socket.socket(); c.setblocking(False)
    try: c.connect(('127.0.0.1', port))
    except BlockingIOError: pass
    fillers.append(c)
time.sleep(0.3)
print(port, flush=True)
time.sleep(60)
`
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
      // A byte every 20 ms, never ending: no silence ever as long as a deadline.
      if (req.url === '/trickle') {
        res.writeHead(200, { 'content-length': '1000' })
        const drip = setInterval(() => res.write('x'), 20)
        return res.on('close', () => clearInterval(drip))
      }
      if (req.url?.startsWith('/slow')) return setTimeout(() => res.end('late'), 150)
      if (req.url === '/switch') return req.socket.end('HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\nUpgrade: other\r\n\r\n')
      res.setHeader('content-type', 'application/json')
      res.end(JSON.stringify({ method: req.method, url: req.url, body, headers: req.headers }))
    })
  })
  server.on('connection', (s: Socket) => sockets.add(s))
  // Answers a request that asks for a protocol switch, or any request to /switch, with 101.
  server.on('upgrade', (_req, socket: Socket) => socket.end('HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\nUpgrade: other\r\n\r\n'))
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

  it('sends a body with its length whatever the method: a GET or DELETE with a body leaves the connection clean', async () => {
    const own = new ConnectionPool(1)
    try {
      for (const method of ['DELETE', 'GET', 'OPTIONS', 'POST']) {
        const res = await request(`${app.url}/with-body`, { method, body: '{"reason":"dup"}', headers: { 'content-type': 'application/json' }, pool: own })
        expect(JSON.parse(res.bodyText), method).toMatchObject({ method, body: '{"reason":"dup"}', headers: { 'content-length': '16' } })
      }
      // The same connection each time: nothing was left on it to be read as a request.
      expect(JSON.parse((await request(`${app.url}/after`, { method: 'GET', pool: own })).bodyText)).toMatchObject({ method: 'GET', body: '' })
    } finally {
      own.destroy()
    }
  })

  it('refuses, before sending, headers that would break the exchange: the step\'s mistake', async () => {
    for (const [headers, message] of [
      [{ 'Content-Length': '10' }, 'content-length header says 10 bytes, the body has 3'],
      [{ 'content-length': '1' }, 'content-length header says 1 bytes, the body has 3'],
      [{ 'Transfer-Encoding': 'chunked' }, 'invalid transfer-encoding header'],
      [{ upgrade: 'websocket', connection: 'Upgrade' }, 'invalid upgrade header'],
      [{ connection: 'foo' }, 'invalid connection header'],
      [{ expect: '100-continue' }, 'invalid expect header'],
    ] as const) {
      const err = await failure(request(`${app.url}/refused`, { method: 'POST', body: 'abc', headers, pool }))
      expect(err, JSON.stringify(headers)).toBeInstanceOf(InvalidRequestError)
      expect((err as Error).message).toContain(message)
      expect(classifyFailure(err, { method: 'POST', url: '/refused', timeoutMs: 1000 })).toMatchObject({ retryable: false, error: { code: 'E_HTTP_REQUEST' } })
    }
    expect((await request(`${app.url}/ok`, { method: 'POST', body: 'abc', headers: { 'Content-Length': '3', Connection: 'keep-alive' }, pool })).statusCode).toBe(200)
  })

  it('answered with 101 Switching Protocols rejects at once rather than wait forever', async () => {
    const err = await failure(get('/switch', { deadlineMs: 60_000 }))
    expect(err).toMatchObject({ code: 'VENOM_UNEXPECTED_UPGRADE' })
    expect(classifyFailure(err, { method: 'GET', url: '/switch', timeoutMs: 1000 }).error).toMatchObject({ kind: 'transport' })
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
  it('a header sent twice is a list; a header value is its bytes read as Latin-1, as HTTP defines them', async () => {
    expect((await get('/twice')).headers).toMatchObject({ 'set-cookie': ['a=1', 'b=2'], 'x-twice': ['one', 'two'] })
    expect((await get('/utf8-header')).headers['x-name']).toBe(Buffer.from('café ✓', 'utf8').toString('latin1'))
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

  it('a step\'s cut signal (see StepStop) with no reason rejects with a RequestAbortedError, and is no longer listened to', async () => {
    const listeners = new Set<() => void>()
    let aborted = false
    const cut: CutSignal = {
      get aborted() {
        return aborted
      },
      reason: undefined,
      whenCut(listener) {
        listeners.add(listener)
        return () => listeners.delete(listener)
      },
    }
    setTimeout(() => {
      aborted = true
      for (const listener of [...listeners]) listener()
    }, 100)
    expect(await failure(get('/no-headers', { signal: cut }))).toBeInstanceOf(RequestAbortedError)
    expect(listeners.size).toBe(0)
  })

  it('a silent connection is cut at the deadline; after the headers, the error says the API answered', async () => {
    const before = await failure(get('/no-headers', { deadlineMs: 100 }))
    expect(before).toBeInstanceOf(DeadlineExceeded)
    expect(before).toMatchObject({ code: DEADLINE_EXCEEDED, message: 'request deadline of 100 ms exceeded' })
    const after = await failure(get('/half-body', { deadlineMs: 100 }))
    expect(after).toBeInstanceOf(FailedAfterHeaders)
    expect(after).toMatchObject({ statusCode: 200, code: DEADLINE_EXCEEDED })
    expect(classifyFailure(after, { method: 'GET', url: '/half-body', timeoutMs: 100 }).error).toMatchObject({ name: 'TimeoutError' })
  })

  it('a connect that hangs is cut at the request\'s timeout, not at the pool\'s idle-connection limit', async () => {
    // A listener whose accept queue is full: the kernel drops further SYNs, and a connect hangs. Python's
    // socket API can listen without accepting; Node's accepts every connection as it comes.
    const blackhole = spawn('python3', ['-c', BLACKHOLE], { stdio: ['ignore', 'pipe', 'inherit'] })
    try {
      const [line] = (await once(blackhole.stdout!, 'data')) as [Buffer]
      const url = `http://127.0.0.1:${Number(line.toString())}/x`
      for (const ms of [300, 4300]) {
        const started = performance.now()
        const err = await failure(request(url, { method: 'GET', pool, deadlineMs: ms }))
        const took = performance.now() - started
        expect(err).toBeInstanceOf(DeadlineExceeded)
        expect(err).toMatchObject({ message: `request deadline of ${ms} ms exceeded` })
        // Not at 4 s (the pool's limit for an idle connection) either way.
        expect(took).toBeGreaterThanOrEqual(ms - 5)
        expect(classifyFailure(err, { method: 'GET', url, timeoutMs: ms })).toMatchObject({ retryable: false, error: { name: 'TimeoutError' } })
      }
    } finally {
      blackhole.kill()
    }
  }, 20_000)

  it("a deadline is kept in real time, through a test's fake timers and after them", async () => {
    const own = new ConnectionPool()
    try {
      vi.useFakeTimers()
      try {
        // Under fake timers: a deadline armed with them would wait for the test to move their clock.
        expect(await failure(request(`${app.url}/no-headers`, { method: 'GET', pool: own, deadlineMs: 50 }))).toBeInstanceOf(DeadlineExceeded)
        expect((await request(`${app.url}/x`, { method: 'GET', pool: own, deadlineMs: 60_000 })).statusCode).toBe(200)
      } finally {
        vi.useRealTimers()
      }
      // The pool's timer was armed with the fakes for the deadline above, and armed again only for an earlier one.
      expect(await failure(request(`${app.url}/no-headers`, { method: 'GET', pool: own, deadlineMs: 100 }))).toBeInstanceOf(DeadlineExceeded)
    } finally {
      own.destroy()
    }
    // Without real timers the requests above never end: fail in seconds, not at the suite's limit.
  }, 10_000)

  it('a deadline cuts the whole request, a body that trickles in included', async () => {
    expect(await failure(get('/slow', { deadlineMs: 50 }))).toBeInstanceOf(DeadlineExceeded)
    expect(await failure(get('/half-body', { deadlineMs: 80 }))).toMatchObject({ statusCode: 200, error: expect.any(DeadlineExceeded) })
    const started = performance.now()
    expect(await failure(get('/trickle', { deadlineMs: 150 }))).toMatchObject({ statusCode: 200, error: expect.any(DeadlineExceeded) })
    // Never before its deadline.
    expect(performance.now() - started).toBeGreaterThanOrEqual(150)
    expect((await get('/big', { deadlineMs: 60_000 })).bodyText).toBe(bigBody)
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

  it('destroy() cuts the requests on its connections, and fails one waiting for a connection at once, as a destroyed pool refuses one', async () => {
    const own = new ConnectionPool(1)
    const reached: string[] = []
    let first!: () => void
    const firstCame = new Promise<void>((resolve) => (first = resolve))
    // Accepts every request and never answers.
    const silent = await listenLocally(
      http.createServer((req) => {
        reached.push(req.url ?? '')
        first()
      }),
    )
    try {
      const onConnection = failure(request(`${silent.url}/first`, { method: 'GET', pool: own, deadlineMs: 60_000 }))
      await firstCame
      // The pool's one connection is taken: these wait for it, with no deadline to end them.
      const waiting = [failure(request(`${silent.url}/waiting`, { method: 'GET', pool: own })), failure(request(`${silent.url}/waiting`, { method: 'POST', body: 'x', pool: own }))]
      own.destroy()
      expect(await onConnection).toMatchObject({ code: 'ECONNRESET' })
      // Not sent on a connection Node's agent opened for them as the other closed: cut with the pool.
      for (const error of await Promise.all(waiting)) expect(error).toBeInstanceOf(PoolClosedError)
      // And the pool is settled: close() has nothing to wait for.
      await own.close()
      expect(reached).toEqual(['/first'])
    } finally {
      own.destroy()
      await silent.close()
    }
    // Before, a waiting request without a deadline never ended: fail in seconds, not at the suite's limit.
  }, 10_000)

  it('close() waits for the requests under way, then refuses new ones', async () => {
    const own = new ConnectionPool()
    // Requests that failed, before sending or after, are not waited for.
    await failure(request(`http://127.0.0.1:${CLOSED_PORT}/x`, { method: 'GET', pool: own }))
    await failure(request(`${app.url}/x`, { method: 'GET', pool: own, signal: AbortSignal.abort() }))
    await failure(request(`${app.url}/no-headers`, { method: 'GET', pool: own, deadlineMs: 50 }))
    const slow = request(`${app.url}/slow-close`, { method: 'GET', pool: own })
    // Closed twice while the request is under way: both wait for it.
    await Promise.all([own.close(), own.close()])
    expect((await slow).bodyText).toBe('late')
    await expect(request(`${app.url}/after`, { method: 'GET', pool: own })).rejects.toThrow(PoolClosedError)
  })
})

describe('a kept-alive connection the server closes as a request goes out', () => {
  /**
   * Answers the first request of each connection, and resets the connection at any later one: what a
   * client meets when a server closes an idle connection (or goes down) just as a request is sent on it.
   */
  async function resettingServer() {
    const seen: string[] = []
    /** Set: every request is reset from then on, as a server that went down on one would leave it. */
    const down = { now: false }
    const server = http.createServer((req, res) => {
      const socket = req.socket as Socket & { answered?: boolean }
      const reset = socket.answered || down.now
      seen.push(`${req.method} ${req.url}${reset ? ' reset' : ''}`)
      if (reset) return socket.resetAndDestroy()
      socket.answered = true
      req.resume()
      req.on('end', () => res.end(`${req.method} ${req.url}`))
    })
    return { seen, down, server: await listenLocally(server) }
  }

  it('one sent again that fails again tells both failures: the request may be what took the server down', async () => {
    const { seen, down, server } = await resettingServer()
    const own = new ConnectionPool(1)
    try {
      await request(`${server.url}/a`, { method: 'GET', pool: own })
      down.now = true
      const error = await failure(request(`${server.url}/crash`, { method: 'GET', pool: own }))
      expect(seen).toEqual(['GET /a', 'GET /crash reset', 'GET /crash reset'])
      const told = classifyFailure(error, { method: 'GET', url: `${server.url}/crash`, timeoutMs: 1000 }).error.message
      expect(told).toMatch(new RegExp(`^GET ${server.url}/crash: connection reset: [^,]+, after a kept-alive connection closed under its first sending \\([^)]+\\)$`))
    } finally {
      own.destroy()
      await server.close()
    }
  })

  it('an idempotent request is sent again, on another connection, once for each closed one', async () => {
    const { seen, server } = await resettingServer()
    const own = new ConnectionPool(2)
    try {
      // Two connections, both kept alive, both closed by the server at their next request.
      await Promise.all([request(`${server.url}/a`, { method: 'GET', pool: own }), request(`${server.url}/b`, { method: 'GET', pool: own })])
      const answer = await request(`${server.url}/c`, { method: 'GET', pool: own, deadlineMs: 5_000 })
      expect(answer.bodyText).toBe('GET /c')
      expect(seen.slice(2)).toEqual(['GET /c reset', 'GET /c reset', 'GET /c'])
      // The two connections closed, a third one is kept: a PUT and a DELETE on it meet the same.
      expect((await request(`${server.url}/d`, { method: 'PUT', body: 'x', pool: own })).bodyText).toBe('PUT /d')
      expect((await request(`${server.url}/e`, { method: 'DELETE', pool: own })).bodyText).toBe('DELETE /e')
      expect(seen.slice(5)).toEqual(['PUT /d reset', 'PUT /d', 'DELETE /e reset', 'DELETE /e'])
    } finally {
      own.destroy()
      await server.close()
    }
  })

  it('an idempotent method written in lower case is sent upper-cased, and sent again as in upper case', async () => {
    const { seen, server } = await resettingServer()
    const own = new ConnectionPool(1)
    try {
      await request(`${server.url}/a`, { method: 'get', pool: own })
      const answer = await request(`${server.url}/b`, { method: 'get', pool: own, deadlineMs: 5_000 })
      expect(answer.bodyText).toBe('GET /b')
      expect((await request(`${server.url}/c`, { method: 'delete', pool: own, deadlineMs: 5_000 })).bodyText).toBe('DELETE /c')
      expect(seen).toEqual(['GET /a', 'GET /b reset', 'GET /b', 'DELETE /c reset', 'DELETE /c'])
      // One that is not idempotent, on the connection the DELETE was answered on, is named as it was sent.
      const error = await failure(request(`${server.url}/orders`, { method: 'post', body: '{}', pool: own }))
      expect(error?.message).toMatch(/\(a POST is not sent again on its own: the server may have acted on it\)$/)
    } finally {
      own.destroy()
      await server.close()
    }
  })

  it('one that is not idempotent fails, saying it was not sent again and why', async () => {
    const { seen, server } = await resettingServer()
    const own = new ConnectionPool(1)
    try {
      await request(`${server.url}/a`, { method: 'POST', body: '{}', pool: own })
      const error = await failure(request(`${server.url}/orders`, { method: 'POST', body: '{}', pool: own }))
      expect(error).toMatchObject({ code: 'ECONNRESET' })
      // Node's own words first ("socket hang up", "read ECONNRESET": which one depends on when the reset comes).
      expect(error?.message).toMatch(/^[^,]+, on a kept-alive connection the server closed as the request went out \(a POST is not sent again on its own: the server may have acted on it\)$/)
      expect(seen).toEqual(['POST /a', 'POST /orders reset'])
      // A failure on a new connection is the server's answer: not sent again, whatever the method.
      const closed = await failure(request(`http://127.0.0.1:${CLOSED_PORT}/x`, { method: 'GET', pool: own }))
      expect(closed).toMatchObject({ code: 'ECONNREFUSED' })
    } finally {
      own.destroy()
      await server.close()
    }
  })

  it('one that waited for the pool\'s one connection, handed it as the request before ended, is sent again too', async () => {
    const { seen, server } = await resettingServer()
    const own = new ConnectionPool(1)
    try {
      // The second waits for the connection the first opens, and gets it kept alive (Node does not mark it reused).
      const answers = await Promise.all([request(`${server.url}/a`, { method: 'GET', pool: own }), request(`${server.url}/b`, { method: 'GET', pool: own, deadlineMs: 5_000 })])
      expect(answers.map((a) => a.bodyText)).toEqual(['GET /a', 'GET /b'])
      expect(seen).toEqual(['GET /a', 'GET /b reset', 'GET /b'])
      // A POST handed it the same way fails saying so.
      const fresh = new ConnectionPool(1)
      const [, post] = await Promise.allSettled([request(`${server.url}/c`, { method: 'GET', pool: fresh }), request(`${server.url}/orders`, { method: 'POST', body: '{}', pool: fresh })])
      fresh.destroy()
      expect(post).toMatchObject({ status: 'rejected', reason: { code: 'ECONNRESET' } })
      expect((post as PromiseRejectedResult).reason.message).toMatch(/, on a kept-alive connection the server closed as the request went out \(a POST is not sent again/)
    } finally {
      own.destroy()
      await server.close()
    }
  })

  it('close() waits for one under way that is sent again: the request goes on, the pool is closing', async () => {
    const { seen, server } = await resettingServer()
    const own = new ConnectionPool(1)
    try {
      await request(`${server.url}/a`, { method: 'GET', pool: own })
      const under = request(`${server.url}/b`, { method: 'GET', pool: own })
      // Closed as the request goes out on the kept-alive connection the server is about to reset.
      const closed = own.close()
      expect((await under).bodyText).toBe('GET /b')
      await closed
      expect(seen).toEqual(['GET /a', 'GET /b reset', 'GET /b'])
    } finally {
      own.destroy()
      await server.close()
    }
  })

  it('destroy() cutting one on a kept-alive connection is not sent again: it fails with the cut, not a closed pool', async () => {
    let reached!: () => void
    const second = new Promise<void>((resolve) => (reached = resolve))
    const seen: string[] = []
    // Answers the first request, never the ones after.
    const server = await listenLocally(
      http.createServer((req, res) => {
        seen.push(`${req.method} ${req.url}`)
        if (seen.length === 1) return res.end('first')
        reached()
      }),
    )
    const own = new ConnectionPool(1)
    try {
      await request(`${server.url}/a`, { method: 'GET', pool: own })
      const cutGet = failure(request(`${server.url}/b`, { method: 'GET', pool: own, deadlineMs: 5_000 }))
      await second
      own.destroy()
      const error = await cutGet
      expect(error).toMatchObject({ code: 'ECONNRESET', message: 'socket hang up' })
      expect(seen).toEqual(['GET /a', 'GET /b'])
    } finally {
      own.destroy()
      await server.close()
    }
  })

  it('a POST on a kept-alive connection that destroy() cuts does not say the server closed it', async () => {
    let reached!: () => void
    const second = new Promise<void>((resolve) => (reached = resolve))
    let count = 0
    const server = await listenLocally(
      http.createServer((req, res) => {
        req.resume()
        if (++count === 1) return res.end('first')
        reached()
      }),
    )
    const own = new ConnectionPool(1)
    try {
      await request(`${server.url}/a`, { method: 'POST', body: '{}', pool: own })
      const cut = failure(request(`${server.url}/b`, { method: 'POST', body: '{}', pool: own }))
      await second
      own.destroy()
      expect(await cut).toMatchObject({ code: 'ECONNRESET', message: 'socket hang up' })
    } finally {
      own.destroy()
      await server.close()
    }
  })
})

it('importing the built runner loads no undici, and sending a request loads none either', () => {
  const dist = path.join(import.meta.dirname, '../../dist/index.js')
  const undiciFiles = (after: string) => modulesLoadedBy(dist, after).modules.filter(fromPackage('undici'))
  expect(undiciFiles('')).toEqual([])
  expect(undiciFiles('await mod.createConnectionPool().close()')).toEqual([])
})
