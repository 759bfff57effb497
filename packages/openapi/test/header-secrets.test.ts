/**
 * A required header parameter with a secret name (by the rule redaction masks a header by,
 * isSecretHeader: `X-Api-Key`, `X-Session-Token`, `X-Custom-Auth`) and no example, declared on the
 * operation (no security scheme), is sent a value that says it was made up, as a secret query parameter
 * is: the record shows it, and a regression journey sends it as it is. Sampled as 'string', it was masked
 * in the record, 'string' became a known secret (masked wherever it stood in a report), and the journey
 * read the header from `VENOMQA_SECRET_X_API_KEY`, a variable whose value no one could know. The
 * exploration runs with the built CLI (`venomqa explore --openapi`) against a real server, and its
 * journey with `venomqa run`. Needs the built packages (core, runner, cli, explore, openapi).
 */
import http from 'node:http'
import { readFile, readdir, rm } from 'node:fs/promises'
import type { AddressInfo } from 'node:net'
import path from 'node:path'
import { type ExploreActionArgs, MADE_UP_SECRET_PREFIX, knownSecrets } from '@venomqa/core'
import { RunnerHttpClient } from '@venomqa/runner'
import { runBuiltCli } from '@venomqa/test-utils'
import { afterAll, beforeAll, expect, it } from 'vitest'
import { openApiActions } from '../src'
import { linkedProject } from './helpers'

/** A key the document gives as an example: sent as it is, and masked. */
const DOCUMENTED_KEY = 'documented-key-0123'

const header = (name: string, example?: string) => ({ name, in: 'header', required: true, schema: { type: 'string' }, ...(example ? { example } : {}) })
const DOCUMENT = {
  openapi: '3.0.3',
  info: { title: 'keys', version: '1' },
  paths: {
    '/me': {
      get: {
        operationId: 'getMe',
        parameters: [header('X-Api-Key'), header('X-Session-Token')],
        responses: { 200: { description: 'ok' }, 401: { description: 'no key' }, 500: { description: 'crashed' } },
      },
    },
    '/reports': {
      get: {
        operationId: 'listReports',
        parameters: [header('X-Custom-Auth'), header('X-Partner-Key', DOCUMENTED_KEY), header('X-Tenant')],
        responses: { 200: { description: 'ok' } },
      },
    },
  },
}

/** The bugged app crashes on a request with a session token; the fixed one answers it. Rolled back through http-control (it keeps no state). */
let fixed = false
let dir: string
let server: http.Server
let baseUrl: string
const seen: http.IncomingHttpHeaders[] = []

beforeAll(async () => {
  server = http.createServer(async (req, res) => {
    for await (const _ of req);
    const send = (status: number, body: unknown) => res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body))
    if (req.url?.startsWith('/__venomqa/')) return send(200, { ok: true })
    seen.push(req.headers)
    if (req.url === '/me' && !req.headers['x-session-token']) return send(401, { error: 'no session token' })
    if (req.url === '/me') return fixed ? send(200, { id: 1 }) : send(500, { error: 'the session store crashed' })
    return send(200, [])
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  dir = await linkedProject('header-secrets', {
    'openapi.json': JSON.stringify(DOCUMENT),
    // biome-ignore lint/suspicious/noTemplateCurlyInString: the CLI fills ${VAR} in from the environment
    'venomqa.config.ts': "export default { baseUrl: '${APP_URL}', plugins: [['http-control', { url: '${APP_URL}' }]] }\n",
  })
})

afterAll(async () => {
  server?.closeAllConnections()
  await new Promise((resolve) => server?.close(resolve))
  if (dir) await rm(dir, { recursive: true, force: true })
})

it('a secret header parameter is sent a made-up value, shown as sent in the record; an example is sent and masked', async () => {
  const actions = await openApiActions('openapi.json').load({ root: dir, baseUrl, signal: new AbortController().signal })
  const client = new RunnerHttpClient({ baseUrl, retry: false })
  const ctx = { get: () => undefined, has: () => false, set() {}, require: () => undefined, keys: () => [] }
  seen.length = 0
  await actions
    .find((a) => a.name === 'listReports')!
    .run({ http: client, ctx, input: {}, signal: new AbortController().signal } as unknown as ExploreActionArgs<any>)
  expect(seen[0]).toMatchObject({ 'x-custom-auth': `${MADE_UP_SECRET_PREFIX}X-Custom-Auth-1`, 'x-partner-key': DOCUMENTED_KEY, 'x-tenant': 'string' })
  expect(client.lastExchange()!.request.headers).toMatchObject({
    'x-custom-auth': `${MADE_UP_SECRET_PREFIX}X-Custom-Auth-1`,
    'x-partner-key': '[REDACTED]',
    'x-tenant': 'string',
  })
  // The made-up value is no one's secret: never masked wherever it stands.
  expect(knownSecrets.has(`${MADE_UP_SECRET_PREFIX}X-Custom-Auth-1`)).toBe(false)
  expect(knownSecrets.mask('x-tenant: string')).toBe('x-tenant: string')
})

it("a key the config gives for a secret header parameter is sent, not the made-up one", async () => {
  const actions = await openApiActions('openapi.json').load({ root: dir, baseUrl, signal: new AbortController().signal })
  // The config's `headers: { 'X-Custom-Auth': '${CUSTOM_AUTH}' }` become the client's own headers.
  const client = new RunnerHttpClient({ baseUrl, retry: false, headers: { 'X-Custom-Auth': 'real-key-4242' } })
  const ctx = { get: () => undefined, has: () => false, set() {}, require: () => undefined, keys: () => [] }
  seen.length = 0
  await actions
    .find((a) => a.name === 'listReports')!
    .run({ http: client, ctx, input: {}, signal: new AbortController().signal } as unknown as ExploreActionArgs<any>)
  expect(seen[0]).toMatchObject({ 'x-custom-auth': 'real-key-4242', 'x-partner-key': DOCUMENTED_KEY })
  expect(client.lastExchange()!.request.headers['x-custom-auth']).toBe('[REDACTED]')
})

it('the regression journey sends the made-up values as they are: it runs with no variable to set, fails on the bug and passes once it is fixed', async () => {
  fixed = false
  const explored = await runBuiltCli(['explore', '--openapi', 'openapi.json', '--depth', '1', '--seed', '1'], { cwd: dir, env: { APP_URL: baseUrl } })
  expect(explored.code, explored.output).toBe(1)
  expect(explored.output).not.toContain('[REDACTED]')
  const files = (await readdir(path.join(dir, 'journeys/regressions'))).filter((f) => f.startsWith('no-5xx-'))
  expect(files).toHaveLength(1)
  const file = `journeys/regressions/${files[0]}`
  const text = await readFile(path.join(dir, file), 'utf8')
  expect(text).toContain(
    `await http.get('/me', { headers: { 'x-api-key': '${MADE_UP_SECRET_PREFIX}X-Api-Key-1', 'x-session-token': '${MADE_UP_SECRET_PREFIX}X-Session-Token-1' } })`,
  )
  expect(text).not.toContain('VENOMQA_SECRET_')
  const buggy = await runBuiltCli(['run', file, '--reporter', 'console'], { cwd: dir, env: { APP_URL: baseUrl } })
  expect(buggy.code, buggy.output).toBe(1)
  expect(buggy.output).toContain('no_5xx: GET')
  fixed = true
  const passing = await runBuiltCli(['run', file, '--reporter', 'console'], { cwd: dir, env: { APP_URL: baseUrl } })
  expect(passing.code, passing.output).toBe(0)
})
