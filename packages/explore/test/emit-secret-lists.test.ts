/**
 * A list or an object under a key naming secrets (`passwords: ['a', 'b']`, `credentials: { user,
 * password }`) is masked whole in the record. The emitted journey keeps its shape: each secret in it read
 * from a variable of its own, every other item as it was sent. Read from one variable, the list was sent
 * as a string where the app got a list, and the replay did not send what broke the invariant. The
 * requests are made by the runner's HTTP client to a real server, as an exploration makes them.
 */
import http from 'node:http'
import { mkdtemp, readFile, rm } from 'node:fs/promises'
import type { AddressInfo } from 'node:net'
import os from 'node:os'
import path from 'node:path'
import { type HttpExchange, action, exploration, invariant } from '@venomqa/core'
import { RunnerHttpClient } from '@venomqa/runner'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { SequenceRun } from '../src/contracts'
import { emitJourney } from '../src/emit'

const OLD = 'old-password-0123'
const NEW = 'new-password-4567'
const USER = 'ada-lovelace'
const TOKEN_A = 'tok-a-0123456789'
const TOKEN_B = 'tok-b-9876543210'
const SECRETS = [OLD, NEW, USER, TOKEN_A, TOKEN_B]

const accounts = exploration('accounts', {
  actions: [action('set_history', () => undefined), action('keep_tokens', () => undefined)],
  invariants: [invariant('history kept', () => true)],
})

let server: http.Server
let client: RunnerHttpClient
const dirs: string[] = []

beforeAll(async () => {
  server = http.createServer((req, res) => {
    req.resume()
    req.on('end', () => res.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}'))
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  client = new RunnerHttpClient({ baseUrl: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, retry: false })
})

afterAll(async () => {
  server.closeAllConnections()
  await new Promise((resolve) => server.close(resolve))
  for (const d of dirs) await rm(d, { recursive: true, force: true })
})

/** The exchange of a JSON POST of `body`, as the client recorded it. */
async function posted(route: string, body: unknown): Promise<HttpExchange> {
  await client.post(route, { json: body })
  return client.lastExchange()!
}

/** Source without its layout (white space, trailing commas), which the line width decides. */
function flat(source: string): string {
  return source.replace(/\s+/g, '').replace(/,([\]}])/g, '$1')
}

async function emitText(run: SequenceRun): Promise<string> {
  const root = await mkdtemp(path.join(os.tmpdir(), 'venomqa-emit-secret-lists-'))
  dirs.push(root)
  const file = await emitJourney({
    exploration: accounts,
    explorationFile: 'explore/accounts.explore.ts',
    root,
    dir: 'journeys/regressions',
    invariant: 'history kept',
    id: 'abcdef0123',
    run,
    baseUrl: client.baseUrl,
  })
  return readFile(path.join(root, file), 'utf8')
}

describe('a secret list or object in a request body', () => {
  it('keeps its shape: each secret item from a variable of its own (one value, one variable), the other items as sent', async () => {
    const input = {
      passwords: [OLD, NEW, OLD, null, '', 'made-up-secret-password-1', true],
      credentials: { user: USER, password: NEW, remember: false },
      note: 'rotation',
    }
    const exchange = await posted('/history', input)
    // The record masks both whole: all the emitter has of them without the body as sent.
    expect(exchange.request.body).toEqual({ passwords: '[REDACTED]', credentials: '[REDACTED]', note: 'rotation' })
    const text = await emitText({
      steps: [{ action: 'set_history', input, exchanges: [exchange], ctxBefore: {}, ctxAfter: {}, enabled: true }],
      violation: 'lost',
      probes: [],
    })
    const passwords =
      "passwords: [process.env.VENOMQA_SECRET_PASSWORDS, process.env.VENOMQA_SECRET_PASSWORDS_2, process.env.VENOMQA_SECRET_PASSWORDS, null, '', 'made-up-secret-password-1', true]"
    const credentials =
      'credentials: { user: process.env.VENOMQA_SECRET_CREDENTIALS_USER, password: process.env.VENOMQA_SECRET_CREDENTIALS_PASSWORD, remember: false }'
    expect(flat(text)).toContain(flat(`await http.post('/history', { json: { ${passwords}, ${credentials}, note: 'rotation' } })`))
    // The input the invariant is shown: the variables the request sent each item from.
    expect(flat(text)).toContain(flat(`{ action: 'set_history', input: { ${passwords}, ${credentials}, note: 'rotation' } }`))
    expect(text).toContain(
      [
        '//   VENOMQA_SECRET_PASSWORDS: "passwords[0]" in a request body',
        '//   VENOMQA_SECRET_PASSWORDS_2: "passwords[1]" in a request body',
        '//   VENOMQA_SECRET_CREDENTIALS_USER: "credentials.user" in a request body',
        '//   VENOMQA_SECRET_CREDENTIALS_PASSWORD: "credentials.password" in a request body',
        '',
      ].join('\n'),
    )
    for (const secret of SECRETS) expect(text).not.toContain(secret)
  })

  it('a URL whose password the record masked (`app:***@`) is sent from a variable, not as the mask', async () => {
    const dsn = `postgres://app:${OLD}@db.internal/app`
    const exchange = await posted('/connections', { dsn, note: 'rotation' })
    // The record keeps the user and masks the password, as every message does.
    expect(exchange.request.body).toEqual({ dsn: 'postgres://app:***@db.internal/app', note: 'rotation' })
    const text = await emitText({
      steps: [{ action: 'set_history', input: undefined, exchanges: [exchange], ctxBefore: {}, ctxAfter: {}, enabled: true }],
      violation: 'lost',
      probes: [],
    })
    expect(text).toContain('process.env.VENOMQA_SECRET_DSN')
    expect(text).not.toContain('app:***@')
    for (const secret of SECRETS) expect(text).not.toContain(secret)
  })

  it('a list the action put in the context itself keeps its shape too', async () => {
    const exchange = await posted('/tokens', { kept: 2 })
    const text = await emitText({
      steps: [{ action: 'keep_tokens', input: undefined, exchanges: [exchange], ctxBefore: {}, ctxAfter: { tokens: [TOKEN_A, TOKEN_B] }, enabled: true }],
      violation: 'lost',
      probes: [],
    })
    expect(text).toContain("ctx.set('tokens', [process.env.VENOMQA_SECRET_TOKENS, process.env.VENOMQA_SECRET_TOKENS_2])")
    expect(text).toContain('//   VENOMQA_SECRET_TOKENS: the context value "tokens[0]"\n//   VENOMQA_SECRET_TOKENS_2: the context value "tokens[1]"\n')
    for (const secret of SECRETS) expect(text).not.toContain(secret)
  })

  it('a query whose secret name repeats (?tokens=a&tokens=b) sends each value from a variable of its own, not the masks', async () => {
    await client.get(`/sessions?tokens=${TOKEN_A}&tokens=${TOKEN_B}&page=2`)
    const exchange = client.lastExchange()!
    expect(exchange.request.url).toContain('?tokens=[REDACTED]&tokens=[REDACTED]&page=2')
    const text = await emitText({
      steps: [{ action: 'keep_tokens', input: undefined, exchanges: [exchange], ctxBefore: {}, ctxAfter: {}, enabled: true }],
      violation: 'lost',
      probes: [],
    })
    const tokens = (name: string) => `\${encodeURIComponent(String(process.env.${name}))}`
    expect(text).toContain(`await http.get(\`/sessions?tokens=${tokens('VENOMQA_SECRET_TOKENS')}&tokens=${tokens('VENOMQA_SECRET_TOKENS_2')}&page=2\`)`)
    expect(text).toContain(
      '//   VENOMQA_SECRET_TOKENS: the query parameter "tokens"\n//   VENOMQA_SECRET_TOKENS_2: the query parameter "tokens" (its value number 2)\n',
    )
    expect(text).not.toContain('[REDACTED]')
    for (const secret of SECRETS) expect(text).not.toContain(secret)
  })

  it('a form whose names repeat sends each secret value from a variable of its own, not the whole body from one', async () => {
    const form = { 'content-type': 'application/x-www-form-urlencoded' }
    await client.post('/scopes', { body: `password=${OLD}&scopes=read&scopes=write`, headers: form })
    const exchange = client.lastExchange()!
    expect(exchange.request.body).toBe('password=[REDACTED]&scopes=read&scopes=write')
    const text = await emitText({
      steps: [{ action: 'keep_tokens', input: undefined, exchanges: [exchange], ctxBefore: {}, ctxAfter: {}, enabled: true }],
      violation: 'lost',
      probes: [],
    })
    expect(text).toContain(
      // biome-ignore lint/suspicious/noTemplateCurlyInString: the emitted source, not a template
      "await http.post('/scopes', {\n            body: `password=${encodeURIComponent(String(process.env.VENOMQA_SECRET_PASSWORD))}&scopes=read&scopes=write`,\n            headers: { 'content-type': 'application/x-www-form-urlencoded' },\n          })",
    )
    expect(text).toContain('//   VENOMQA_SECRET_PASSWORD: the form field "password"\n')
    expect(text).not.toContain('[REDACTED]')
    for (const secret of SECRETS) expect(text).not.toContain(secret)
  })
})
