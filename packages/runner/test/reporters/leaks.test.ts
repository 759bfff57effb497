/**
 * Secrets and terminal escapes that came from a real API, through a real run, into the console (live and
 * rendered, with and without a TTY or colours), Markdown and JSON reports.
 */
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { Writable } from 'node:stream'
import { assertEqual, assertStatus, journey, knownSecrets, step } from '@venomqa/core'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { createConsoleReporter, createRunner, renderJson, renderMarkdown } from '../../src/index'

const TOKEN = 'tok-live-5f4e3d2c1b'
const SESSION = 'sid-live-a1b2c3d4e5'
const QUERY_KEY = 'key-live-665544'
const BASE_PASSWORD = 'pw-base-778899'
const SECRETS = [TOKEN, SESSION, QUERY_KEY, BASE_PASSWORD]
/** A title-changing OSC sequence, a screen clear, cursor moves and a carriage return, as an API might send them. */
const HOSTILE = '\x1b]0;pwned\x07\x1b[2J\x1b[3A\rtitle\u009b1m'

let server: Server
let base: string
beforeAll(async () => {
  server = createServer((req, res) => {
    if (req.url === '/login') {
      res.writeHead(200, { 'content-type': 'application/json', 'set-cookie': `sid=${SESSION}; Path=/; HttpOnly` })
      res.end(JSON.stringify({ token: TOKEN, user: { id: 7, name: 'ada' } }))
    } else if (req.url?.startsWith('/items/')) {
      res.writeHead(200, { 'content-type': 'application/json' })
      res.end(JSON.stringify({ ok: true }))
    } else if (req.url === '/json-controls') {
      res.writeHead(400, { 'content-type': 'application/json' })
      res.end(JSON.stringify({ title: 'x\u0001y\u009bz' }))
    } else if (req.url?.startsWith('/hostile')) {
      res.writeHead(500, { 'content-type': 'text/plain', 'x-title': 'ok' })
      res.end(HOSTILE)
    } else {
      res.writeHead(404).end()
    }
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
})
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())))
afterEach(() => knownSecrets.clear())

class Capture extends Writable {
  text = ''
  isTTY = false
  override _write(chunk: Buffer, _enc: string, done: () => void) {
    this.text += chunk.toString()
    done()
  }
}

const login = (assertion: (res: { json(): any; headers: Record<string, string> }) => void) =>
  step('login', async ({ http }) => {
    const res = await http.post('/login', { json: { email: 'ada@example.test' } })
    assertion(res)
    return res
  })

async function runWithConsole(journeys: ReturnType<typeof journey>[], stream: Capture, color?: boolean, baseUrl = base, verbose = true) {
  const reporter = createConsoleReporter({ stream, color, verbose })
  const runner = createRunner({ baseUrl, reporters: [reporter] })
  const result = await runner.run(journeys)
  await runner.close()
  return { result, rendered: String(await reporter.render!(result, {} as never)) }
}

describe('secrets from the API stay out of every output', () => {
  it('an assertion on a secret label keeps the label and masks the values', async () => {
    const live = new Capture()
    const { result, rendered } = await runWithConsole([journey('label', { steps: [login((res) => assertEqual(res.json().token, 'x', 'token'))] })], live, false)
    const message = (result.journeys[0]!.nodes[0] as { error?: { message: string } }).error!.message
    expect(message).toBe('token: expected [REDACTED], got [REDACTED]')
    for (const out of [live.text, rendered, renderMarkdown(result), renderJson(result)]) expect(out).not.toContain(TOKEN)
  })

  it('a token or cookie compared under an innocent label is masked because the exchange held it', async () => {
    const live = new Capture()
    const { result, rendered } = await runWithConsole(
      [
        journey('innocent', { steps: [login((res) => assertEqual(res.json().token, 'x', 'data'))] }),
        journey('cookie', { steps: [login((res) => assertEqual(res.headers['set-cookie'], 'x', 'session header'))] }),
      ],
      live,
      false,
    )
    const messages = result.journeys.map((j) => (j.nodes[0] as { error?: { message: string } }).error!.message)
    expect(messages).toEqual(['data: expected "x", got [REDACTED]', 'session header: expected "x", got [REDACTED]'])
    for (const out of [live.text, rendered, renderMarkdown(result), renderJson(result)]) for (const s of SECRETS) expect(out).not.toContain(s)
  })

  it('credentials in the base URL and secret query parameters are masked in console lines', async () => {
    const live = new Capture()
    const withCredentials = base.replace('http://', `http://ada:${BASE_PASSWORD}@`)
    const { result, rendered } = await runWithConsole(
      [journey('query', { steps: [step('hostile', async ({ http }) => assertStatus(await http.get(`/hostile?api_key=${QUERY_KEY}&page=2`), 200))] })],
      live,
      false,
      withCredentials,
    )
    expect(live.text).toContain('page=2')
    for (const out of [live.text, rendered, renderMarkdown(result), renderJson(result)]) for (const s of SECRETS) expect(out).not.toContain(s)
  })
})

describe('the short line of a passed step', () => {
  it('masks a secret its own exchange held, though only its request line is printed', async () => {
    const live = new Capture()
    const use = step('use', async ({ http, ctx }) => {
      const token = ctx.require<string>('token')
      const res = await http.get(`/items/${token}?page=3`, { headers: { authorization: `Bearer ${token}` } })
      assertStatus(res, 200)
      return res
    })
    const signIn = step('login', async ({ http, ctx }) => {
      const res = await http.post('/login', { json: { email: 'ada@example.test' } })
      ctx.set('token', res.json().token)
      return res
    })
    const { result, rendered } = await runWithConsole(
      [journey('short', { steps: [signIn, use] })],
      live,
      false,
      base,
      false,
    )
    expect(result.status).toBe('passed')
    expect(live.text).toMatch(/✓ use GET http:\/\/127\.0\.0\.1:\d+\/items\/\[REDACTED\]\?page=3 → 200/)
    for (const out of [live.text, rendered]) for (const s of SECRETS) expect(out).not.toContain(s)
  })
})

describe('text from the API cannot drive the terminal', () => {
  const hostileJourney = () => journey('hostile', { steps: [step('fetch', ({ http }) => http.get('/hostile'))] })
  /** Any escape, carriage return or C1 control the reporter did not put there itself (its colours are SGR only). */
  const rogue = (text: string) => text.replace(/\x1b\[[0-9;]*m/g, '').match(/[\u0000-\u0008\u000B-\u001F\u007F-\u009F]/g) ?? []

  for (const mode of [
    { name: 'no TTY', tty: false, color: undefined, noColor: undefined },
    { name: 'a TTY with colours', tty: true, color: true, noColor: undefined },
    { name: 'a TTY with NO_COLOR', tty: true, color: undefined, noColor: '1' },
  ])
    it(`console output escapes control characters (${mode.name})`, async () => {
      const before = process.env.NO_COLOR
      if (mode.noColor) process.env.NO_COLOR = mode.noColor
      else delete process.env.NO_COLOR
      try {
        const live = new Capture()
        live.isTTY = mode.tty
        const { rendered } = await runWithConsole([hostileJourney()], live, mode.color)
        // The progress line's own `\r\x1b[2K` is the reporter's, not the API's.
        const own = live.text.replace(/\r\x1b\[2K/g, '')
        expect(rogue(own)).toEqual([])
        expect(rogue(rendered)).toEqual([])
        expect(own).toContain('\\x1b]0;pwned\\x07\\x1b[2J\\x1b[3A\\rtitle\\x9b1m')
      } finally {
        if (before === undefined) delete process.env.NO_COLOR
        else process.env.NO_COLOR = before
      }
    })

  it('a JSON body shows its control characters as the JSON had them, not as a backslash the API never sent', async () => {
    // JSON.stringify writes U+0001 as \u0001 itself; U+009B it leaves raw, and the printer escapes it after.
    const shown = '"title": "x\\u0001y\\x9bz"'
    const runner = createRunner({ baseUrl: base })
    const result = await runner.run([journey('controls', { steps: [step('fetch', ({ http }) => http.get('/json-controls'))] })])
    await runner.close()
    const md = renderMarkdown(result)
    expect(md).toContain(shown)
    expect(rogue(md)).toEqual([])
    const live = new Capture()
    const { rendered } = await runWithConsole([journey('controls', { steps: [step('fetch', ({ http }) => http.get('/json-controls'))] })], live, false)
    for (const text of [live.text, rendered]) {
      expect(text).not.toContain('\\\\x01')
      expect(rogue(text)).toEqual([])
    }
    expect(live.text).toContain(shown)
  })

  it('Markdown output escapes control characters', async () => {
    const runner = createRunner({ baseUrl: base })
    const result = await runner.run([hostileJourney()])
    await runner.close()
    const md = renderMarkdown(result)
    expect(rogue(md)).toEqual([])
    expect(md).toContain('\\x1b]0;pwned\\x07')
  })
})
