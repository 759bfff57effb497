/** The runner loads only the parts of undici it uses (src/http/undici.ts): they must be undici's own. */
import { EventEmitter, getEventListeners } from 'node:events'
import http from 'node:http'
import path from 'node:path'
import { type LocalServer, fromPackage, listenLocally, modulesLoadedBy } from '@venomqa/test-utils'
import * as undici from 'undici'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { FailedAfterHeaders, request, undiciAgent } from '../../src/http/undici'

const Agent = undiciAgent()

let server: LocalServer
beforeAll(async () => {
  server = await listenLocally(
    http.createServer((req, res) => {
      let body = ''
      req.on('data', (d) => (body += d))
      req.on('end', () => res.end(JSON.stringify({ method: req.method, url: req.url, body })))
    }),
  )
})
afterAll(() => server.close())

describe("the runner's undici parts", () => {
  it("are the classes undici's index exports", () => {
    expect(Agent).toBe(undici.Agent)
  })

  it('send a request as undici.request does: method, path, query and body; no hash', async () => {
    const dispatcher = new Agent()
    try {
      const res = await request(`${server.url}/items/1?x=1&y=a%20b#frag`, { method: 'POST', body: 'hello', dispatcher })
      expect(res.statusCode).toBe(200)
      expect(JSON.parse(res.bodyText)).toEqual({ method: 'POST', url: '/items/1?x=1&y=a%20b', body: 'hello' })
    } finally {
      await dispatcher.close()
    }
  })

  it("use undici's global dispatcher when none is given", async () => {
    const res = await request(`${server.url}/state`, { method: 'GET' })
    expect(JSON.parse(res.bodyText)).toEqual({ method: 'GET', url: '/state', body: '' })
  })

  it("reject a URL undici rejects, with undici's error", () => {
    const thrown = (send: () => unknown) => {
      try {
        send()
      } catch (err) {
        return err as Error
      }
    }
    const theirs = thrown(() => undici.request('ftp://127.0.0.1/x'))
    const ours = thrown(() => request('ftp://127.0.0.1/x', { method: 'GET' }))
    expect(ours).toBeInstanceOf(undici.errors.InvalidArgumentError)
    expect(ours?.message).toBe(theirs?.message)
  })

  it("importing the built runner loads no undici; a dispatcher loads its parts, never undici's index (fetch, WebSocket, caches)", () => {
    const dist = path.join(import.meta.dirname, '../../dist/index.js')
    const undiciFiles = (after: string) => modulesLoadedBy(dist, after).modules.filter(fromPackage('undici'))
    // What `venomqa report` and `merge-reports` do: the runner for its reporters, no request.
    expect(undiciFiles('')).toEqual([])
    // What a run does first when it sends.
    const parts = undiciFiles('await mod.createDispatcher().close()')
    expect(parts.length).toBeGreaterThan(0)
    expect(parts.filter((f) => f.endsWith(`${path.sep}undici${path.sep}index.js`) || f.includes(`${path.sep}lib${path.sep}web${path.sep}`))).toEqual([])
  })
})

/**
 * The runner reads each response to its end without undici's body stream (src/http/undici.ts). What it
 * gets must be what `undici.request` followed by `body.text()` gives, and a request must fail as that would:
 * each case asks both of them the same thing, from a real server.
 */
describe("a response read to its end, as undici.request and body.text() read it", () => {
  const bigBody = 'x'.repeat(300_000)
  let app: LocalServer
  let dispatcher: InstanceType<typeof Agent>
  beforeAll(async () => {
    app = await listenLocally(
      http.createServer((req, res) => {
        if (req.url === '/twice') {
          res.setHeader('set-cookie', ['a=1', 'b=2'])
          res.setHeader('x-twice', ['one', 'two'])
          return res.end('ok')
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
        // Headers never come, or the body stops half-way: for timeouts and aborts.
        if (req.url === '/no-headers') return
        if (req.url === '/half-body') {
          res.writeHead(200, { 'content-length': '100' })
          return res.write('only part')
        }
        res.end(`${req.method} ${req.url}`)
      }),
    )
    dispatcher = new Agent()
  })
  afterAll(async () => {
    await dispatcher.destroy()
    await app.close()
  })

  type Send = (path: string, options?: { method?: 'GET' | 'HEAD'; signal?: AbortSignal; headersTimeout?: number; bodyTimeout?: number }) => Promise<unknown>
  const ours: Send = async (path, o = {}) => {
    const res = await request(`${app.url}${path}`, { method: o.method ?? 'GET', dispatcher, ...o })
    return { status: res.statusCode, headers: res.headers, text: res.bodyText }
  }
  const theirs: Send = async (path, o = {}) => {
    const res = await undici.request(`${app.url}${path}`, { method: o.method ?? 'GET', dispatcher, ...o })
    return { status: res.statusCode, headers: res.headers, text: await res.body.text() }
  }
  /** What a send settles with, for comparing two: its value, or its error's class, code and message. */
  interface Outcome {
    value?: { status: number; headers: Record<string, unknown>; text: string }
    error?: string
    code?: string
    message?: string
  }
  const outcome = (p: Promise<unknown>): Promise<Outcome> =>
    p.then(
      (value) => ({ value: value as Outcome['value'] }),
      (err: Error & { code?: string }) => ({ error: err.constructor.name, code: err.code, message: err.message }),
    )
  const same = async (path: string, o?: Parameters<Send>[1]) => {
    // At once: undici's timers tick once a second, so a timeout takes that long on either side.
    const [a, b] = await Promise.all([outcome(ours(path, o)), outcome(theirs(path, o))])
    expect(a).toEqual(b)
    return a
  }
  const withoutDate = (o: Outcome) => {
    const v = o.value!
    const { date: _, ...headers } = v.headers
    return { ...v, headers }
  }

  it('a header sent twice is a list, as in undici', async () => {
    const [a, b] = [await outcome(ours('/twice')), await outcome(theirs('/twice'))]
    expect(withoutDate(a)).toEqual(withoutDate(b))
    expect(withoutDate(a).headers['set-cookie']).toEqual(['a=1', 'b=2'])
  })

  it('the byte-order mark is dropped and UTF-8 decoded, as undici does', async () => {
    const [a, b] = [await outcome(ours('/bom')), await outcome(theirs('/bom'))]
    expect(withoutDate(a).text).toBe('héllo ✓')
    expect(withoutDate(a)).toEqual(withoutDate(b))
  })

  it('an empty body, a HEAD, a body in many chunks and an informational response before the answer', async () => {
    for (const [path, method] of [['/empty', 'GET'], ['/plain', 'HEAD'], ['/big', 'GET'], ['/early', 'GET']] as const) {
      const [a, b] = [await outcome(ours(path, { method })), await outcome(theirs(path, { method }))]
      expect(withoutDate(a), path).toEqual(withoutDate(b))
    }
    expect(withoutDate(await outcome(ours('/big'))).text).toBe(bigBody)
    expect(withoutDate(await outcome(ours('/early'))).status).toBe(200)
  })

  it('a signal aborted before the request, while waiting for headers, or during the body: rejected with its reason', async () => {
    const reason = new Error('stop now')
    expect(await same('/plain', { signal: AbortSignal.abort(reason) })).toMatchObject({ message: 'stop now' })
    for (const path of ['/no-headers', '/half-body']) {
      const abortSoon = () => {
        const ac = new AbortController()
        setTimeout(() => ac.abort(reason), 150)
        return ac.signal
      }
      const [a, b] = [await outcome(ours(path, { signal: abortSoon() })), await outcome(theirs(path, { signal: abortSoon() }))]
      expect(a, path).toEqual(b)
      expect(a, path).toMatchObject({ error: 'Error', message: 'stop now' })
    }
  })

  it('an event emitter that emits "abort" rejects with undici\'s RequestAbortedError', async () => {
    const emitter = () => {
      const e = new EventEmitter()
      setTimeout(() => e.emit('abort'), 100)
      return e
    }
    const a = await outcome(request(`${app.url}/no-headers`, { method: 'GET', dispatcher, signal: emitter() }))
    const b = await outcome(undici.request(`${app.url}/no-headers`, { method: 'GET', dispatcher, signal: emitter() }).then((r) => r.body.text()))
    expect(a).toEqual(b)
    expect(a).toMatchObject({ error: 'RequestAbortedError' })
    // undici's own class, not one of the same name: code that checks `instanceof` sees what undici would give.
    await expect(request(`${app.url}/no-headers`, { method: 'GET', dispatcher, signal: emitter() })).rejects.toBeInstanceOf(undici.errors.RequestAbortedError)
  })

  it("undici's headers and body timeouts reject with its own errors; after the headers, wrapped with the status", async () => {
    const [headers, body] = await Promise.all([same('/no-headers', { headersTimeout: 100 }), outcome(theirs('/half-body', { bodyTimeout: 100 }))])
    expect(headers).toMatchObject({ code: 'UND_ERR_HEADERS_TIMEOUT' })
    expect(body).toMatchObject({ code: 'UND_ERR_BODY_TIMEOUT' })
    // The headers came: ours says so (the API answered), with undici's error as it is inside.
    const ourBody = await request(`${app.url}/half-body`, { method: 'GET', dispatcher, bodyTimeout: 100 }).catch((e: unknown) => e)
    expect(ourBody).toBeInstanceOf(FailedAfterHeaders)
    expect(ourBody).toMatchObject({ statusCode: 200, code: 'UND_ERR_BODY_TIMEOUT', message: body.message })
    expect((ourBody as FailedAfterHeaders).error).toBeInstanceOf(undici.errors.BodyTimeoutError)
  })
})

describe('a dispatcher that throws instead of calling onError', () => {
  it('rejects with its error and stops listening to the signal', async () => {
    const ac = new AbortController()
    const thrower = { dispatch: () => { throw new Error('refused') } } as unknown as InstanceType<typeof Agent>
    await expect(request('http://127.0.0.1:1/x', { method: 'GET', dispatcher: thrower, signal: ac.signal })).rejects.toThrow('refused')
    // No abort listener is left behind on the caller's signal.
    expect(getEventListeners(ac.signal, 'abort')).toHaveLength(0)
  })
})
