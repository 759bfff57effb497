/** HAR entries from real exchanges: the HTTP client against a local server, the recorder on its onExchange. */
import http from 'node:http'
import type { AddressInfo } from 'node:net'
import { branch, checkpoint, journey, path, step } from '@venomqa/core'
import { CLOSED_PORT } from '@venomqa/test-utils'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type ExchangeOrigin, HarRecorder, type HarLog, RunnerHttpClient, createRunner } from '../../src/index'

let server: http.Server
let base: string

beforeAll(async () => {
  server = http.createServer((req, res) => {
    let body = ''
    req.on('data', (d) => (body += d))
    req.on('end', () => {
      if (req.url === '/login') return res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ token: 'tok-4f9a8b7c6d5e', user: 'ann' }))
      if (req.url === '/moved') return res.writeHead(302, { location: '/elsewhere' }).end()
      if (req.url === '/bytes') return res.writeHead(204).end()
      if (req.url === '/big') return res.writeHead(200, { 'content-type': 'text/plain' }).end('x'.repeat(200_000))
      res.writeHead(201, { 'content-type': 'application/json', 'x-echo-length': String(body.length) }).end(JSON.stringify({ got: body ? JSON.parse(body) : null }))
    })
  })
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
})
afterAll(() => new Promise<void>((r) => server.close(() => r())))

describe('HarRecorder', () => {
  it('records every exchange as a HAR 1.2 entry, redacted, in the order they started', async () => {
    const har = new HarRecorder()
    const client = new RunnerHttpClient({ baseUrl: base, onExchange: har.onExchange, cacheGets: true, retry: false })
    // An innocent header carries a value that a later request shows to be a token: masked there too.
    await client.post('/items?page=2&q=a%20b', { json: { name: 'x', password: 'pw-1a2b3c4d5e' }, headers: { 'x-trace': 'tok-4f9a8b7c6d5e' } })
    await client.post('/login', { json: { user: 'ann' } })
    client.setAuthToken('tok-4f9a8b7c6d5e')
    await client.get('/moved')
    await client.get('/moved')
    await client.get(`http://127.0.0.1:${CLOSED_PORT}/down`).catch(() => undefined)
    expect(har.count).toBe(5)

    const text = har.render({ name: 'venomqa', version: '1.2.3' })
    for (const secret of ['pw-1a2b3c4d5e', 'tok-4f9a8b7c6d5e']) expect(text).not.toContain(secret)
    const { log } = JSON.parse(text) as HarLog
    expect(log.version).toBe('1.2')
    expect(log.creator).toEqual({ name: 'venomqa', version: '1.2.3' })
    expect(log.entries.map((e) => `${e.request.method} ${e.request.url.replace(base, '')} ${e.response.status}`)).toEqual([
      'POST /items?page=2&q=a%20b 201',
      'POST /login 200',
      'GET /moved 302',
      'GET /moved 302',
      `GET http://127.0.0.1:${CLOSED_PORT}/down 0`,
    ])
    const [post, login, moved, cached, down] = log.entries
    expect(post!.request.queryString).toEqual([
      { name: 'page', value: '2' },
      { name: 'q', value: 'a b' },
    ])
    expect(post!.request.postData).toEqual({ mimeType: 'application/json', text: '{"name":"x","password":"[REDACTED]"}' })
    expect(post!.request.bodySize).toBe(Buffer.byteLength('{"name":"x","password":"pw-1a2b3c4d5e"}') - 'pw-1a2b3c4d5e'.length + '[REDACTED]'.length)
    expect(post!.request.headers).toContainEqual({ name: 'x-trace', value: '[REDACTED]' })
    expect(post!.response.statusText).toBe('Created')
    expect(post!.response.content).toMatchObject({ mimeType: 'application/json', text: '{"got":{"name":"x","password":"[REDACTED]"}}' })
    expect(post!.timings.wait).toBe(post!.time)
    expect(post!.cache).toEqual({})
    expect(JSON.parse(login!.response.content.text!)).toEqual({ token: '[REDACTED]', user: 'ann' })
    expect(moved!.request.headers).toContainEqual({ name: 'authorization', value: '[REDACTED]' })
    expect(moved!.response.redirectURL).toBe('/elsewhere')
    expect(moved!.request.postData).toBeUndefined()
    expect(moved!._fromCache).toBeUndefined()
    expect(cached!._fromCache).toBe(true)
    expect(down!.response).toMatchObject({ status: 0, headers: [], content: { size: 0, mimeType: 'x-unknown' } })
    expect(down!.response._error).toMatch(/ECONNREFUSED|refused/i)
    for (const e of log.entries) expect(Date.parse(e.startedDateTime)).not.toBeNaN()
  })

  it('gives a binary body and a body the history cut their sizes as sent and received, not as kept', async () => {
    const har = new HarRecorder()
    const client = new RunnerHttpClient({ baseUrl: base, onExchange: har.onExchange, retry: false })
    await client.post('/bytes', { body: new Uint8Array([0, 1, 2, 255, 254, 65]), headers: { 'content-type': 'application/octet-stream' } })
    await client.get('/big')
    const [entry, big] = (JSON.parse(har.render({ name: 'venomqa', version: '1' })) as HarLog).log.entries
    // Before: the length of the placeholder "<6 bytes>", 9.
    expect(entry!.request.bodySize).toBe(6)
    expect(entry!.request.postData).toEqual({ mimeType: 'application/octet-stream', text: '<6 bytes>', comment: 'binary: 6 bytes were sent; their text is not kept' })
    // Before: the kept text with its "... [n more characters]" marker, about 64 KiB.
    expect(big!.response.content).toMatchObject({ size: 200_000, comment: expect.stringMatching(/^cut: \d+ more characters were received than reports keep$/) })
  })

  it('holds nothing until something is recorded', () => {
    const har = new HarRecorder()
    expect(har.count).toBe(0)
    expect(JSON.parse(har.render({ name: 'venomqa', version: '0' })).log.entries).toEqual([])
  })
})

describe('the step of each exchange', () => {
  it('is told to the hook with each exchange: journey, path (nested too) and step, also for a request the step started in a callback', async () => {
    const seen: [string, ExchangeOrigin | undefined][] = []
    const har = new HarRecorder()
    const onExchange = (exchange: Parameters<HarRecorder['onExchange']>[0], origin?: ExchangeOrigin) => {
      seen.push([exchange.request.url.slice(base.length), origin])
      har.onExchange(exchange, origin)
    }
    const runner = createRunner({ baseUrl: base, http: { onExchange, retry: false } })
    try {
      const result = await runner.run([
        journey('orders', {
          steps: [
            step('login', ({ http }) => http.post('/login', { json: { user: 'ann' } })),
            checkpoint('in'),
            branch('in', [
              path('buy', [
                step('add', ({ http }) => http.post('/cart', { json: { sku: 1 } })),
                checkpoint('added'),
                branch('added', [path('pay', [step('charge', ({ http }) => http.post('/pay', { json: { amount: 3 } }))])]),
              ]),
              // The request is sent from a timer the action started: it is still this step's.
              path('later', [step('deferred', ({ http }) => new Promise((resolve) => setTimeout(() => resolve(http.post('/later', { json: {} })), 1)))]),
            ]),
          ],
        }),
      ])
      expect(result.status).toBe('passed')
    } finally {
      await runner.close()
    }
    const at = (path: string, step: string): ExchangeOrigin => ({ journey: 'orders', path, step })
    expect(seen).toEqual([
      ['/login', at('main', 'login')],
      ['/cart', at('buy', 'add')],
      ['/pay', at('buy > pay', 'charge')],
      ['/later', at('later', 'deferred')],
    ])
    const entries = (JSON.parse(har.render({ name: 'venomqa', version: '0' })) as HarLog).log.entries
    expect(entries.map((e) => e._venomqa)).toEqual(seen.map(([, origin]) => origin))

    // A request made outside of any step is told with no origin, and its entry has none.
    const outside = new HarRecorder()
    let told: [ExchangeOrigin | undefined] | undefined
    const client = new RunnerHttpClient({ baseUrl: base, retry: false, onExchange: (e, origin) => {
      told = [origin]
      outside.onExchange(e, origin)
    } })
    await client.get('/alone')
    expect(told).toEqual([undefined])
    expect((JSON.parse(outside.render({ name: 'venomqa', version: '0' })) as HarLog).log.entries[0]).not.toHaveProperty('_venomqa')
  })
})
