/**
 * A user who signs in with a session cookie in the config's `headers` keeps it on an operation that has a
 * cookie parameter of its own: the request's `Cookie` is the config's cookies plus the parameter's. It
 * used to be the parameter's alone, so exactly those operations answered 401 and the exploration explored
 * less without saying so. The exploration runs with the built CLI (`venomqa explore --openapi`) against
 * a real server that refuses a request without the session. Needs the built packages (core, runner, cli,
 * explore, openapi).
 */
import http from 'node:http'
import { rm } from 'node:fs/promises'
import type { AddressInfo } from 'node:net'
import { runBuiltCli } from '@venomqa/test-utils'
import { afterAll, beforeAll, expect, it } from 'vitest'
import { linkedProject } from './helpers'

const SESSION = 'session=h7Qx2'

const DOCUMENT = {
  openapi: '3.0.3',
  info: { title: 'prefs', version: '1' },
  paths: {
    '/prefs': {
      get: {
        operationId: 'getPrefs',
        parameters: [{ name: 'theme', in: 'cookie', required: true, schema: { type: 'string', enum: ['light', 'dark'] } }],
        responses: { 200: { description: 'ok' } },
      },
    },
  },
}

let dir: string
let server: http.Server
let baseUrl: string
/** The Cookie header of each request to /prefs. */
const cookies: (string | undefined)[] = []

beforeAll(async () => {
  server = http.createServer(async (req, res) => {
    for await (const _ of req);
    const send = (status: number, body: unknown) => res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body))
    if (req.url?.startsWith('/__venomqa/')) return send(200, { ok: true })
    cookies.push(req.headers.cookie)
    const sent = (req.headers.cookie ?? '').split(';').map((c) => c.trim())
    if (!sent.includes(SESSION)) return send(401, { error: 'not signed in' })
    return send(200, { theme: sent.find((c) => c.startsWith('theme='))?.slice('theme='.length) ?? null })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  dir = await linkedProject('cookie-session', {
    'openapi.json': JSON.stringify(DOCUMENT),
    'venomqa.config.ts': `export default { baseUrl: '\${APP_URL}', headers: { Cookie: '${SESSION}' }, plugins: [['http-control', { url: '\${APP_URL}' }]] }\n`,
  })
})

afterAll(async () => {
  server?.closeAllConnections()
  await new Promise((resolve) => server?.close(resolve))
  if (dir) await rm(dir, { recursive: true, force: true })
})

it("an operation's cookie parameter is sent beside the config's session cookie, not in its place", async () => {
  const explored = await runBuiltCli(['explore', '--openapi', 'openapi.json', '--depth', '1', '--seed', '1', '--no-emit'], { cwd: dir, env: { APP_URL: baseUrl } })
  expect(explored.code, explored.output).toBe(0)
  expect(cookies.length).toBeGreaterThan(0)
  for (const cookie of cookies) expect(cookie).toMatch(/^session=h7Qx2; theme=(light|dark)$/)
})
