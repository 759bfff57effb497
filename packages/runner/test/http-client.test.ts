/** The HTTP client against a local keep-alive server whose answers each test scripts. */
import http from 'node:http'
import net from 'node:net'
import { REDACTED, TransportError } from '@venomqa/core'
import { type LocalServer, listenLocally } from '@venomqa/test-utils'
import { RunnerHttpClient } from '../src/index'
import { judge } from '../src/execution/outcome'
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'

let server: LocalServer
let base: string
let hits: { method: string; url: string; headers: http.IncomingHttpHeaders; body: string }[] = []
let script: (req: http.IncomingMessage, n: number) => { status: number; body?: unknown; headers?: Record<string, string> }

beforeAll(async () => {
  const app = http.createServer((req, res) => {
    let body = ''
    req.on('data', (d) => (body += d))
    req.on('end', () => {
      hits.push({ method: req.method!, url: req.url!, headers: req.headers, body })
      const out = script(req, hits.length)
      res.writeHead(out.status, { 'content-type': 'application/json', ...out.headers })
      res.end(out.body === undefined ? '' : JSON.stringify(out.body))
    })
  })
  server = await listenLocally(app)
  base = server.url
})
afterAll(() => server.close())
beforeEach(() => {
  hits = []
  script = () => ({ status: 200, body: { ok: true } })
})

const client = (extra = {}) => new RunnerHttpClient({ baseUrl: base, retry: { baseDelayMs: 1, maxDelayMs: 5 }, ...extra })

describe('retries', () => {
  it('retries an idempotent GET on 503 with backoff, and succeeds', async () => {
    script = (_r, n) => (n < 3 ? { status: 503 } : { status: 200, body: { n } })
    const res = await client().get('/x')
    expect(res.status).toBe(200)
    expect(res.json()).toEqual({ n: 3 })
    expect(hits).toHaveLength(3)
  })

  it('never resends a POST unless the request opts in', async () => {
    script = () => ({ status: 503 })
    const c = client()
    expect((await c.post('/pay', { json: { a: 1 } })).status).toBe(503)
    expect(hits).toHaveLength(1)
    hits = []
    expect((await c.post('/pay', { json: { a: 1 }, retry: true })).status).toBe(503)
    expect(hits).toHaveLength(3)
    hits = []
    expect((await c.patch('/p', { json: {}, retry: { retries: 1 } })).status).toBe(503)
    expect(hits).toHaveLength(2)
  })

  it('takes a method written in lower case as the one sent upper-cased: a `get` is retried, recorded and cached as a GET', async () => {
    script = (_r, n) => (n < 3 ? { status: 503 } : { status: 200, body: { n } })
    const c = client({ cacheGets: true })
    const res = await c.request('get' as never, '/x')
    expect(res.status).toBe(200)
    expect(hits.map((h) => h.method)).toEqual(['GET', 'GET', 'GET'])
    expect(c.lastExchange()?.request.method).toBe('GET')
    expect((await c.request('get' as never, '/x')).json()).toEqual({ n: 3 })
    expect(hits).toHaveLength(3)
    hits = []
    script = () => ({ status: 503 })
    expect((await c.request('post' as never, '/pay', { json: {} })).status).toBe(503)
    expect(hits.map((h) => h.method)).toEqual(['POST'])
  })

  it('does not retry a 500 or a 4xx', async () => {
    script = () => ({ status: 500 })
    await client().get('/x')
    expect(hits).toHaveLength(1)
  })

  it('classifies a refused connection, and retries it for GET', async () => {
    const c = new RunnerHttpClient({ baseUrl: 'http://127.0.0.1:1', retry: { retries: 1, baseDelayMs: 1 } })
    await expect(c.get('/x')).rejects.toMatchObject({ kind: 'connection-refused' })
    expect(c.history).toHaveLength(2)
  })
})

describe('Set-Cookie', () => {
  it('each cookie as sent, in order, where the joined header could not be split again', async () => {
    const cookies = ['sid=abc123; Path=/; Expires=Wed, 21 Oct 2026 07:28:00 GMT; HttpOnly', 'theme=dark; Path=/']
    const cookieServer = await listenLocally(
      http.createServer((_req, res) => {
        res.setHeader('set-cookie', cookies)
        res.end('{}')
      }),
    )
    try {
      const c = new RunnerHttpClient({ baseUrl: cookieServer.url, retry: false })
      const res = await c.get('/login')
      expect(res.setCookies).toEqual(cookies)
      expect(res.headers['set-cookie']).toBe(cookies.join(', '))
      // Served from the GET cache, the same.
      expect((await c.get('/login')).setCookies).toEqual(cookies)
      expect((await client().get('/none')).setCookies).toEqual([])
    } finally {
      await cookieServer.close()
    }
  })
})

describe('a request that cannot be sent as written', () => {
  it("a header value with a line break is the step's mistake: E_HTTP_REQUEST naming the header, never retried, never sent", async () => {
    const c = new RunnerHttpClient({ baseUrl: base, retry: { retries: 3, baseDelayMs: 1 } })
    const failure = await c.get('/x', { headers: { 'x-trace': 'a\r\nx-injected: 1' } }).catch((err: unknown) => err)
    expect(failure).toMatchObject({ code: 'E_HTTP_REQUEST' })
    expect((failure as Error).message).toBe(`GET ${base}/x cannot be sent: Invalid character in header content ["x-trace"]`)
    expect(c.history).toHaveLength(1)
    expect(hits).toHaveLength(0)
  })
})

describe('the number of connections', () => {
  it('is refused when not a whole number of 1 or more, naming the option: no request would ever get a connection', async () => {
    for (const bad of [0, -1, 1.5, Number.NaN]) {
      expect(() => client({ connections: bad })).toThrow(`http.connections must be a whole number of 1 or more, got ${bad}`)
    }
    expect((await client({ connections: 1 }).get('/')).status).toBe(200)
  })
})

describe('the base URL', () => {
  it('is refused with a query or fragment, masked: every path would be added inside the query', () => {
    for (const bad of ['http://127.0.0.1:1/api?version=2', 'http://127.0.0.1:1/#top', 'http://127.0.0.1:1/?api_key=K-SECRET-9', 'http://127.0.0.1:1/api?', 'http://127.0.0.1:1/api#'])
      expect(() => new RunnerHttpClient({ baseUrl: bad }), bad).toThrow(/^base URL must have no query \(\?\.\.\.\) or fragment \(#\.\.\.\), got "[^"]+": each request's path is added at its end/)
    expect(() => new RunnerHttpClient({ baseUrl: 'http://127.0.0.1:1/?api_key=K-SECRET-9' })).toThrow('api_key=[REDACTED]')
    expect(() => new RunnerHttpClient({ baseUrl: 'http://127.0.0.1:1/api/' })).not.toThrow()
  })
})

describe('history and redaction', () => {
  it('records requests with secrets redacted, and responses', async () => {
    script = () => ({ status: 201, body: { id: 7, token: 'abc' }, headers: { 'set-cookie': 'sid=secret' } })
    const c = client({ headers: { 'x-api-key': 'k-123' } })
    c.setAuthToken('tok-123')
    await c.post('/login?token=zzz', { json: { email: 'a@b.c', password: 'hunter2', nested: { apiKey: 'x' } }, headers: { cookie: 'a=b; session=s3ss-v4lue' } })
    expect(hits[0]!.headers.authorization).toBe('Bearer tok-123') // the real request carries the secret
    const ex = c.lastExchange()!
    expect(ex.request.headers.authorization).toBe(REDACTED)
    expect(ex.request.headers['x-api-key']).toBe(REDACTED)
    // A plain cookie is shown; a session's value is masked.
    expect(ex.request.headers.cookie).toBe(`a=b; session=${REDACTED}`)
    expect(ex.request.body).toEqual({ email: 'a@b.c', password: REDACTED, nested: { apiKey: REDACTED } })
    expect(ex.request.url).toBe(`${base}/login?token=${REDACTED}`)
    expect(ex.response!.headers['set-cookie']).toBe(REDACTED)
    expect(ex.response!.body).toEqual({ id: 7, token: REDACTED })
    expect(JSON.stringify(c.history)).not.toMatch(/hunter2|tok-123|k-123|secret|abc|s3ss-v4lue/)
  })

  it('keeps what was sent and received, even if the action changes the objects afterwards', async () => {
    script = () => ({ status: 201, body: { id: 1, tags: ['a'] } })
    const c = client()
    const payload = { title: 'first', list: [1] }
    const res = await c.post('/todos', { json: payload })
    payload.title = 'changed later'
    payload.list.push(2)
    res.json().tags.push('b')
    expect(c.lastExchange()!.request.body).toEqual({ title: 'first', list: [1] })
    expect(c.lastExchange()!.response!.body).toEqual({ id: 1, tags: ['a'] })
    expect(JSON.parse(JSON.stringify(c.history[0]))).toMatchObject({ request: { method: 'POST' }, response: { status: 201 } })
  })

  it('explains a body that is not JSON', async () => {
    script = () => ({ status: 200, body: undefined })
    const res = await client().get('/empty')
    expect(() => res.json()).toThrow(/GET .*\/empty answered 200 with a body that is not JSON/)
  })
})

describe('caching and auth reuse', () => {
  it('caches GETs when asked, per auth, until clearCache', async () => {
    script = (_r, n) => ({ status: 200, body: { n } })
    const c = client({ cacheGets: true })
    expect((await c.get('/c')).json()).toEqual({ n: 1 })
    expect((await c.get('/c')).json()).toEqual({ n: 1 })
    expect(c.lastExchange()!.fromCache).toBe(true)
    c.setAuthToken('other')
    expect((await c.get('/c')).json()).toEqual({ n: 2 })
    c.clearCache()
    expect((await c.get('/c')).json()).toEqual({ n: 3 })
    expect((await c.get('/c', { cache: false })).json()).toEqual({ n: 4 })
  })

  it('reuses one token across clients of a run, and re-obtains it when verify fails', async () => {
    const tokens = new Map<string, string>()
    let logins = 0
    const obtain = async () => `t${++logins}`
    const a = new RunnerHttpClient({ baseUrl: base }, { tokens })
    const b = new RunnerHttpClient({ baseUrl: base }, { tokens })
    expect(await a.useAuth('admin', obtain)).toBe('t1')
    expect(await b.useAuth('admin', obtain)).toBe('t1')
    await b.get('/me')
    expect(hits.at(-1)!.headers.authorization).toBe('Bearer t1')
    expect(await b.useAuth('admin', obtain, { verify: async () => false })).toBe('t2')
    expect(logins).toBe(2)
  })
})

/** A TCP server on a free loopback port that answers as `onSocket` scripts; close() ends its sockets too. */
async function listenRaw(onSocket: (socket: net.Socket) => void): Promise<{ url: string; close(): Promise<void> }> {
  const sockets = new Set<net.Socket>()
  const server = net.createServer((socket) => {
    sockets.add(socket)
    socket.on('close', () => sockets.delete(socket))
    socket.on('error', () => {})
    onSocket(socket)
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as net.AddressInfo
  return {
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((done) => {
        for (const s of sockets) s.destroy()
        server.close(() => done())
      }),
  }
}

describe('an answer cut short after its headers', () => {
  // A raw socket server: the headers promise a body of 100 bytes, 5 are sent, then the connection closes
  // (or, with `stall`, stays open and silent).
  const cutServer = (status: number, stall = false) =>
    listenRaw((socket) =>
      socket.once('data', () => {
        socket.write(`HTTP/1.1 ${status} X\r\ncontent-type: application/json\r\ncontent-length: 100\r\n\r\n{"ok"`)
        if (!stall) setTimeout(() => socket.destroy(), 20)
      }),
    )

  it('names the status the API answered with, and is not "never answered" to a step expecting a failure', async () => {
    const cut = await cutServer(500)
    try {
      const c = new RunnerHttpClient({ baseUrl: cut.url, retry: false })
      const err = await c.post('/orders', { json: {} }).then(
        () => undefined,
        (e: unknown) => e,
      )
      expect(err).toBeInstanceOf(TransportError)
      expect(err).toMatchObject({ kind: 'connection-reset' })
      expect((err as Error).message).toMatch(new RegExp(`^POST ${cut.url}/orders: the connection closed after the API answered HTTP 500, before the whole body came \\(`))
      const outcome = judge({ options: { expectFailure: true } }, { threw: true, error: err }, new AbortController().signal)
      expect(outcome).toMatchObject({ passed: false, kind: 'connection-reset' })
      expect(outcome.passed === false && outcome.message).toMatch(/the step expects the API to answer with a failure, and its answer \(HTTP 500\) was cut short$/)
    } finally {
      await cut.close()
    }
  })

  it('says the body timed out, after which status, when the body stalls past the client timeout', async () => {
    const stalled = await cutServer(200, true)
    try {
      const c = new RunnerHttpClient({ baseUrl: stalled.url, retry: false, timeout: 150 })
      await expect(c.get('/slow')).rejects.toMatchObject({
        code: 'E_TIMEOUT',
        message: `the body of the HTTP 200 answer to GET ${stalled.url}/slow timed out after 150 ms`,
      })
    } finally {
      await stalled.close()
    }
  })

  it('leaves a reset before any answer as it was: the request never got one', async () => {
    const rude = await listenRaw((socket) => socket.once('data', () => socket.destroy()))
    try {
      const c = new RunnerHttpClient({ baseUrl: rude.url, retry: false })
      const err = (await c.get('/x').catch((e: unknown) => e)) as TransportError
      expect(err).toMatchObject({ kind: 'connection-reset' })
      expect(err.message).not.toMatch(/answered/)
      const outcome = judge({ options: { expectFailure: true } }, { threw: true, error: err }, new AbortController().signal)
      expect(outcome.passed === false && outcome.message).toMatch(/and it never answered$/)
    } finally {
      await rude.close()
    }
  })
})

describe('cancellation', () => {
  it('refuses new requests once its step signal is aborted', async () => {
    const ac = new AbortController()
    const bound = client().bind(ac.signal)
    ac.abort(new Error('step over'))
    await expect(bound.get('/x')).rejects.toThrow('step over')
    expect(hits).toHaveLength(0)
  })

  it('aborts at the per-request timeout', async () => {
    // The server never answers: a client that did not give up at the timeout would wait for ever, and the
    // test fail at its own timeout. The server sees the client leave: the request was cut, not left open.
    let clientLeft = () => {}
    const left = new Promise<void>((resolve) => {
      clientLeft = resolve
    })
    const silent = await listenLocally(http.createServer((_req, res) => res.once('close', clientLeft)))
    try {
      const c = new RunnerHttpClient({ baseUrl: silent.url, retry: false })
      await expect(c.get('/', { timeout: 100 })).rejects.toMatchObject({ code: 'E_TIMEOUT' })
      await left
      // The record keeps the deadline apart from the message: a replay must give up at the same one.
      expect(c.lastExchange()).toMatchObject({ error: `GET ${silent.url}/ timed out after 100 ms`, timeoutMs: 100 })
    } finally {
      await silent.close()
    }
  })
})
