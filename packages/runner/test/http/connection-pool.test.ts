/**
 * The runner's connection pool (src/http/connection-pool.ts): idle connections kept and reused while in their
 * time, the server's Keep-Alive hint, connections the server or the step closes, TLS, and idle connections
 * that never keep the process alive. Against real local servers, http and https.
 */
import { execFile } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import http from 'node:http'
import https from 'node:https'
import type { Socket } from 'node:net'
import { tmpdir } from 'node:os'
import path from 'node:path'
import type { TLSSocket } from 'node:tls'
import { type LocalServer, listenLocally, selfSignedCert, waitUntil } from '@venomqa/test-utils'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ConnectionPool } from '../../src/http/connection-pool'
import type { DeadlineClock } from '../../src/http/deadlines'
import { request } from '../../src/http/transport'

/** The connections a server saw, and which of them closed. */
function watchConnections(server: http.Server | https.Server, event: 'connection' | 'secureConnection' = 'connection') {
  const seen: Socket[] = []
  const closed = new Set<Socket>()
  server.on(event, (socket: Socket) => {
    seen.push(socket)
    socket.on('close', () => closed.add(socket))
  })
  return { seen, closed, open: () => seen.filter((s) => !closed.has(s)).length }
}

/** Answers with the request's Connection header; `?keepalive=N` answers with `Keep-Alive: timeout=N`. */
function echoServer(): http.Server {
  return http.createServer((req, res) => {
    const hint = new URL(req.url ?? '/', 'http://x').searchParams.get('keepalive')
    if (hint) res.setHeader('keep-alive', `timeout=${hint}`)
    res.end(JSON.stringify({ connection: req.headers.connection ?? null, host: req.headers.host }))
  })
}

let app: LocalServer
let conns: ReturnType<typeof watchConnections>

beforeAll(async () => {
  const server = echoServer()
  conns = watchConnections(server)
  app = await listenLocally(server)
})
afterAll(() => app.close())

const get = (pool: ConnectionPool, p = '/', headers?: Record<string, string>) => request(`${app.url}${p}`, { method: 'GET', pool, headers })
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

/** A clock the test moves by hand, with real timers: what the pool's idle limit is read against. */
function handClock(): DeadlineClock & { advance(ms: number): void } {
  let now = 0
  return { now: () => now, advance: (ms) => (now += ms), setTimeout: globalThis.setTimeout, clearTimeout: globalThis.clearTimeout }
}

describe('idle connections', () => {
  it('are asked to be kept alive, reused newest first while in their time, and not past it', async () => {
    const clock = handClock()
    const pool = new ConnectionPool(2, 1000, clock)
    try {
      const before = conns.seen.length
      await Promise.all([get(pool, '/a'), get(pool, '/b')])
      expect(conns.seen.length - before).toBe(2)
      const answer = await get(pool)
      expect(JSON.parse(answer.bodyText).connection).toBe('keep-alive')
      expect(conns.seen.length - before).toBe(2)
      clock.advance(999)
      await get(pool)
      expect(conns.seen.length - before).toBe(2)
      // Past its time, an idle connection is closed rather than sent on: a new one is opened.
      clock.advance(1001)
      await get(pool)
      expect(conns.seen.length - before).toBe(3)
      await waitUntil(() => conns.seen.slice(before, before + 2).every((s) => conns.closed.has(s)), 'the two expired connections closed')
    } finally {
      pool.destroy()
    }
  })

  it('are closed by the pool once past their time, even with no request after them', async () => {
    const pool = new ConnectionPool(4, 100)
    try {
      const before = conns.seen.length
      await Promise.all([get(pool, '/a'), get(pool, '/b'), get(pool, '/c')])
      const mine = conns.seen.slice(before)
      expect(mine).toHaveLength(3)
      await waitUntil(() => mine.every((s) => conns.closed.has(s)), 'the idle connections closed by the pool')
    } finally {
      pool.destroy()
    }
  })

  it("are kept no longer than the server's Keep-Alive hint says, less a second; a hint of one second keeps none", async () => {
    const clock = handClock()
    const pool = new ConnectionPool(1, 60_000, clock)
    try {
      const before = conns.seen.length
      await get(pool, '/?keepalive=3')
      clock.advance(1999)
      await get(pool, '/?keepalive=3')
      expect(conns.seen.length - before).toBe(1)
      clock.advance(2001)
      await get(pool, '/?keepalive=1')
      expect(conns.seen.length - before).toBe(2)
      // timeout=1: the server may close it at any moment; it is closed at once, not kept.
      await waitUntil(() => conns.closed.has(conns.seen[before + 1]!), 'the connection of a one-second hint closed')
      await get(pool)
      expect(conns.seen.length - before).toBe(3)
    } finally {
      pool.destroy()
    }
  })

  it('heed a Keep-Alive hint that changes between answers on one connection, and one that changes back', async () => {
    const clock = handClock()
    const pool = new ConnectionPool(1, 60_000, clock)
    try {
      const before = conns.seen.length
      await get(pool, '/?keepalive=10')
      await get(pool, '/?keepalive=3')
      await get(pool, '/?keepalive=3')
      // The last hint said 3 s, less a second: past that, the connection is not reused.
      clock.advance(2001)
      await get(pool, '/?keepalive=10')
      expect(conns.seen.length - before).toBe(2)
      await get(pool, '/?keepalive=3')
      await get(pool, '/?keepalive=10')
      // Back to 10 s: within its 9 the same connection is used again.
      clock.advance(5000)
      await get(pool)
      expect(conns.seen.length - before).toBe(2)
    } finally {
      pool.destroy()
    }
  })

  it('one the step asked to close is closed after its answer, and the next request opens another', async () => {
    const pool = new ConnectionPool(1)
    try {
      const before = conns.seen.length
      const answer = await get(pool, '/', { Connection: 'close' })
      expect(JSON.parse(answer.bodyText).connection).toBe('close')
      await waitUntil(() => conns.closed.has(conns.seen[before]!), 'the connection closed')
      await get(pool)
      expect(conns.seen.length - before).toBe(2)
    } finally {
      pool.destroy()
    }
  })

  it('one the server closed while idle is dropped: a POST after it goes on a new connection, not the closed one', async () => {
    const server = echoServer()
    server.keepAliveTimeout = 50
    const seen = watchConnections(server)
    const short = await listenLocally(server)
    const pool = new ConnectionPool(1)
    try {
      await request(`${short.url}/`, { method: 'GET', pool })
      await waitUntil(() => seen.closed.size === 1, 'the server closed the idle connection')
      // The close reaches the pool through the event loop, which runs while this waits.
      await sleep(100)
      const answer = await request(`${short.url}/`, { method: 'POST', body: 'x', pool })
      expect(answer.statusCode).toBe(200)
      expect(seen.seen).toHaveLength(2)
    } finally {
      pool.destroy()
      await short.close()
    }
  })
})

describe('waiting for a connection', () => {
  it('a request aborted while it waits is not handed one: the next one waiting is', async () => {
    const server = http.createServer((req, res) => setTimeout(() => res.end(req.url), req.url === '/slow' ? 150 : 0))
    const seen = watchConnections(server)
    const slow = await listenLocally(server)
    const pool = new ConnectionPool(1)
    try {
      const first = request(`${slow.url}/slow`, { method: 'GET', pool })
      const controller = new AbortController()
      const aborted = request(`${slow.url}/aborted`, { method: 'GET', pool, signal: controller.signal }).catch((err: Error) => err)
      const next = request(`${slow.url}/next`, { method: 'GET', pool })
      controller.abort(new Error('stopped while waiting'))
      expect(await aborted).toMatchObject({ message: 'stopped while waiting' })
      expect((await first).bodyText).toBe('/slow')
      expect((await next).bodyText).toBe('/next')
      // The one connection served both: the aborted request took none and cut none.
      expect(seen.seen).toHaveLength(1)
    } finally {
      pool.destroy()
      await slow.close()
    }
  })

  it('a request waiting when a connection closes under the request before it gets a new one', async () => {
    const server = http.createServer((req, res) => {
      if (req.url === '/cut') return setTimeout(() => req.socket.destroy(), 50)
      res.end(req.url)
    })
    const seen = watchConnections(server)
    const cutting = await listenLocally(server)
    const pool = new ConnectionPool(1)
    try {
      const cut = request(`${cutting.url}/cut`, { method: 'POST', body: 'x', pool }).catch((err: Error) => err)
      const waiting = request(`${cutting.url}/after`, { method: 'GET', pool })
      expect(await cut).toMatchObject({ code: 'ECONNRESET' })
      expect((await waiting).bodyText).toBe('/after')
      expect(seen.seen).toHaveLength(2)
    } finally {
      pool.destroy()
      await cutting.close()
    }
  })

  it('a request sent again after its kept-alive connection closed under it goes before those that came after it', async () => {
    const order: string[] = []
    let cutOnce = true
    const server = http.createServer((req, res) => {
      order.push(req.url!)
      // The first /again is met as a server closing a kept-alive connection as a request goes out.
      if (req.url === '/again' && cutOnce) {
        cutOnce = false
        return req.socket.destroy()
      }
      res.end(req.url)
    })
    const cutting = await listenLocally(server)
    const pool = new ConnectionPool(1)
    try {
      expect((await request(`${cutting.url}/first`, { method: 'GET', pool })).bodyText).toBe('/first')
      const again = request(`${cutting.url}/again`, { method: 'GET', pool })
      const later = request(`${cutting.url}/later`, { method: 'GET', pool })
      expect((await again).bodyText).toBe('/again')
      expect((await later).bodyText).toBe('/later')
      expect(order).toEqual(['/first', '/again', '/again', '/later'])
    } finally {
      pool.destroy()
      await cutting.close()
    }
  })
})

describe('origins', () => {
  it('are told apart by scheme, host and port, whatever a URL shares with the one before it', async () => {
    const other = await listenLocally(http.createServer((_req, res) => res.end('other')))
    const pool = new ConnectionPool(2)
    try {
      const appHost = new URL(app.url).host
      const otherHost = new URL(other.url).host
      const urls = [
        `${app.url}/a`,
        // A user name is no part of the origin.
        `http://user:pw@${appHost}/b`,
        // Starts with the last origin's scheme, host and port, and goes to another host.
        `http://${appHost}@${otherHost}/c`,
        `${app.url}/d`,
        `${other.url}/e`,
        `http://${appHost}:pw@${otherHost}/f`,
        `${app.url}/g`,
      ]
      const answered: string[] = []
      for (const url of urls) answered.push((await request(url, { method: 'GET', pool })).bodyText === 'other' ? 'other' : 'app')
      expect(answered).toEqual(['app', 'app', 'other', 'app', 'other', 'other', 'app'])
      expect(pool.origins).toBe(2)
    } finally {
      pool.destroy()
      await other.close()
    }
  })

  it('are forgotten once their last connection closed and no request waits: a run to many hosts keeps none of them', async () => {
    const other = await listenLocally(echoServer())
    const pool = new ConnectionPool(2, 50)
    try {
      await get(pool)
      await request(`${other.url}/`, { method: 'GET', pool })
      expect(pool.origins).toBe(2)
      await waitUntil(() => pool.origins === 0, 'every origin forgotten once its idle connection closed')
      // One used again is made anew, as it was the first time.
      expect(JSON.parse((await get(pool)).bodyText)).toMatchObject({ connection: 'keep-alive' })
      expect(pool.origins).toBe(1)
    } finally {
      pool.destroy()
      await other.close()
    }
  })
})

describe('https', () => {
  let tlsApp: LocalServer
  let tlsConns: ReturnType<typeof watchConnections>
  let dir: string
  let certFile: string

  beforeAll(async () => {
    const { key, cert } = selfSignedCert()
    dir = mkdtempSync(path.join(tmpdir(), 'venomqa-pool-tls-'))
    certFile = path.join(dir, 'cert.pem')
    writeFileSync(certFile, cert)
    const server = https.createServer({ key, cert }, (req, res) => {
      const socket = req.socket as TLSSocket
      res.end(JSON.stringify({ servername: (socket as TLSSocket & { servername?: string | false }).servername ?? null, resumed: socket.isSessionReused(), host: req.headers.host }))
    })
    tlsConns = watchConnections(server, 'secureConnection')
    tlsApp = await listenLocally(server as unknown as http.Server)
  })
  afterAll(async () => {
    await tlsApp.close()
    rmSync(dir, { recursive: true, force: true })
  })

  it('checks the certificate: one no authority this process trusts signed is refused', async () => {
    const pool = new ConnectionPool(1)
    try {
      const port = new URL(tlsApp.url).port
      const error = await request(`https://localhost:${port}/`, { method: 'GET', pool }).catch((err: Error) => err)
      expect(error).toMatchObject({ code: 'DEPTH_ZERO_SELF_SIGNED_CERT' })
    } finally {
      pool.destroy()
    }
  })

  it('with its authority trusted: the host name sent for SNI and in Host, one connection reused, the session resumed on the next', async () => {
    const port = new URL(tlsApp.url).port
    // A process of its own: an authority is added to Node's trusted ones only at start (NODE_EXTRA_CA_CERTS).
    const script = `
      const { RunnerHttpClient, createConnectionPool } = await import(process.argv[1])
      const pool = createConnectionPool(1)
      const client = new RunnerHttpClient({ baseUrl: 'https://localhost:${port}' }, { pool })
      const answers = []
      for (const headers of [{}, {}, { Connection: 'close' }, {}]) answers.push((await client.get('/', { headers })).json())
      pool.destroy()
      process.stdout.write(JSON.stringify(answers))`
    const out = await runBuilt(script, { NODE_EXTRA_CA_CERTS: certFile })
    const answers = JSON.parse(out) as { servername: string; resumed: boolean; host: string }[]
    expect(answers.map((a) => a.servername)).toEqual(['localhost', 'localhost', 'localhost', 'localhost'])
    expect(answers.map((a) => a.host)).toEqual(Array(4).fill(`localhost:${port}`))
    // The first connection served three requests (the third asked it closed), the next one resumed its session.
    expect(answers.map((a) => a.resumed)).toEqual([false, false, false, true])
    expect(tlsConns.seen).toHaveLength(2)
  })
  it('resumes the session of an origin forgotten with its last connection, when it is used again', async () => {
    const port = new URL(tlsApp.url).port
    // The first connection is closed after its answer, and the origin is forgotten before the next request:
    // a server that closes each connection, or a step that waits past the idle limit.
    const script = `
      const { RunnerHttpClient, createConnectionPool } = await import(process.argv[1])
      const pool = createConnectionPool(1)
      const client = new RunnerHttpClient({ baseUrl: 'https://localhost:${port}' }, { pool })
      const answers = [(await client.get('/', { headers: { Connection: 'close' } })).json()]
      await new Promise((resolve) => setTimeout(resolve, 200))
      answers.push((await client.get('/')).json())
      pool.destroy()
      process.stdout.write(JSON.stringify(answers))`
    const answers = JSON.parse(await runBuilt(script, { NODE_EXTRA_CA_CERTS: certFile })) as { resumed: boolean }[]
    expect(answers.map((a) => a.resumed)).toEqual([false, true])
  })

  it("over https, a step's own Host header names the server: SNI and the certificate check, a connection for each name", async () => {
    // An API reached at an address, with the name of its virtual host: the certificate names no address.
    const { key, cert } = selfSignedCert('DNS:a.test,DNS:b.test')
    const named = path.join(dir, 'named.pem')
    writeFileSync(named, cert)
    const server = https.createServer({ key, cert }, (req, res) => {
      res.end(JSON.stringify({ servername: (req.socket as TLSSocket & { servername?: string | false }).servername || null, host: req.headers.host }))
    })
    const vhosts = await listenLocally(server as unknown as http.Server)
    try {
      const script = `
        const { RunnerHttpClient, createConnectionPool } = await import(process.argv[1])
        const pool = createConnectionPool(1)
        const client = new RunnerHttpClient({ baseUrl: '${vhosts.url.replace('http:', 'https:')}' }, { pool })
        const answers = []
        for (const host of ['a.test', 'b.test', 'a.test:443']) {
          try { answers.push((await client.get('/', { headers: { Host: host } })).json()) } catch (err) { answers.push(err.message) }
        }
        pool.destroy()
        process.stdout.write(JSON.stringify(answers))`
      const answers = JSON.parse(await runBuilt(script, { NODE_EXTRA_CA_CERTS: named }))
      // Node's agent did so too: a connection made for a.test does not carry b.test's requests.
      expect(answers).toEqual([
        { servername: 'a.test', host: 'a.test' },
        { servername: 'b.test', host: 'b.test' },
        { servername: 'a.test', host: 'a.test:443' },
      ])
    } finally {
      await vhosts.close()
    }
  })
})

describe('the process', () => {
  it('is not kept alive by idle connections: it ends when its work does', async () => {
    const script = `
      const { RunnerHttpClient } = await import(process.argv[1])
      const answer = await new RunnerHttpClient({ baseUrl: '${app.url}' }).get('/')
      process.stdout.write(JSON.stringify({ status: answer.status, active: process.getActiveResourcesInfo() }))`
    const out = JSON.parse(await runBuilt(script))
    expect(out.status).toBe(200)
    // What keeps the event loop alive once the answer came: no connection.
    expect(out.active.filter((r: string) => /TCP|TLS/.test(r))).toEqual([])
  })
})

/** Run an ES module script in a new Node process, the built runner's path its argument; its stdout. */
function runBuilt(script: string, env: Record<string, string> = {}): Promise<string> {
  const dist = path.join(import.meta.dirname, '../../dist/index.js')
  return new Promise((resolve, reject) =>
    execFile(process.execPath, ['--input-type=module', '-e', script, dist], { env: { ...process.env, ...env }, timeout: 30_000 }, (err, stdout, stderr) =>
      err ? reject(new Error(`${err.message}\n${stderr}`)) : resolve(stdout),
    ),
  )
}
