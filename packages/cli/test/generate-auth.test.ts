import { readFileSync } from 'node:fs'
import { writeFile } from 'node:fs/promises'
import http from 'node:http'
import path from 'node:path'
import { type LocalServer, listenLocally } from '@venomqa/test-utils'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type Project, assertBuilt, makeProject } from './helpers/project'
import { typecheckJourneys } from './helpers/typecheck'

// End to end: `venomqa generate` (the built binary) writes one journey whose operations need a Basic and a
// bearer scheme, and one with a secret-named path parameter; `venomqa run` runs it against a server that
// checks each route's credential. Both schemes send `Authorization`: set on the client, the second replaced
// the first, and the Basic operation went out with the bearer token.

const USER = 'ada'
const PASSWORD = 'pa55:w0rd'
const TOKEN = 'tok_admin_4711'
const HOOK = 'hk_8f3k2m'
const ENV = { API_ACCOUNT_LOGIN_USERNAME: USER, API_ACCOUNT_LOGIN_PASSWORD: PASSWORD, API_TOKEN: TOKEN, API_TOKEN_2: HOOK }

/** 200 when a route gets the credential it wants, 401 naming what it got otherwise. */
function checkingServer(): http.Server {
  const basic = `Basic ${Buffer.from(`${USER}:${PASSWORD}`).toString('base64')}`
  const wants: Record<string, string | undefined> = { '/accounts': basic, '/reports': basic, '/admin': `Bearer ${TOKEN}`, [`/hooks/${HOOK}`]: undefined }
  return http.createServer((req, res) => {
    const route = new URL(req.url ?? '/', 'http://x').pathname
    const ok = Object.hasOwn(wants, route) && req.headers.authorization === wants[route]
    res.writeHead(ok ? 200 : 401, { 'content-type': 'application/json' })
    res.end(JSON.stringify(ok ? [] : { error: `${route} got ${(req.headers.authorization ?? 'no Authorization').split(' ')[0]}` }))
  })
}

function document() {
  const read = (operationId: string, security: Record<string, string[]>[]) => ({ get: { tags: ['ops'], operationId, security, responses: { 200: { description: 'ok' } } } })
  return {
    openapi: '3.1.0',
    info: { title: 'ops', version: '1' },
    components: { securitySchemes: { AccountLogin: { type: 'http', scheme: 'basic' }, AdminToken: { type: 'http', scheme: 'bearer' } } },
    paths: {
      '/accounts': read('list_accounts', [{ AccountLogin: [] }]),
      '/admin': read('get_admin', [{ AdminToken: [] }]),
      '/reports': read('list_reports', [{ AccountLogin: [] }]),
      '/hooks/{token}': {
        get: { tags: ['ops'], operationId: 'get_hook', parameters: [{ name: 'token', in: 'path', required: true, schema: { type: 'string' } }], responses: { 200: { description: 'ok' } } },
      },
    },
  }
}

describe('venomqa generate: operations of one journey under a Basic and a bearer scheme', () => {
  let p: Project
  let api: LocalServer
  let journeyText: string
  beforeAll(async () => {
    assertBuilt()
    p = await makeProject(null)
    api = await listenLocally(checkingServer())
    await writeFile(path.join(p.dir, 'api.json'), JSON.stringify(document()))
    const generated = await p.venomqa(['generate', '--openapi', 'api.json', '--out', 'journeys'])
    expect(generated.code, generated.stderr).toBe(0)
    journeyText = readFileSync(path.join(p.dir, 'journeys/ops.journey.ts'), 'utf8')
  })
  afterAll(async () => {
    await api?.close()
    await p?.remove()
  })

  it('sends each operation its own scheme\'s credential, with the request', () => {
    expect(journeyText).not.toContain('setAuthToken')
    expect(journeyText).toContain("http.get('/admin', { headers: { Authorization: `Bearer ${fromEnvironment('API_TOKEN')}` } })")
    expect(journeyText.split("Authorization: `Basic ${Buffer.from(`${fromEnvironment('API_ACCOUNT_LOGIN_USERNAME')}:${fromEnvironment('API_ACCOUNT_LOGIN_PASSWORD')}`).toString('base64')}`")).toHaveLength(3)
    expect(journeyText).toContain("http.get(`/hooks/${fromEnvironment('API_TOKEN_2')}`)")
    for (const value of [USER, PASSWORD, TOKEN, HOOK]) expect(journeyText).not.toContain(value)
  })

  it('passes against the server with the variables set; a wrong password fails the Basic operations only', async () => {
    const run = await p.venomqa(['run', 'journeys', '--base-url', api.url], { env: ENV })
    expect(run.stdout, run.stderr).toMatch(/Steps {5}4 passed of 4/)
    expect(run.code).toBe(0)
    // The journey's reads do not stop at a failed one unless it reads secrets, which it does: the first
    // Basic read fails, and the rest are skipped.
    const wrong = await p.venomqa(['run', 'journeys', '--base-url', api.url], { env: { ...ENV, API_ACCOUNT_LOGIN_PASSWORD: 'nope' } })
    expect(wrong.code).toBe(1)
    expect(wrong.stdout).toContain('/accounts got Basic')
    expect(wrong.stdout).not.toContain('got Bearer')
  })

  it('type-checks as a user would see it (strict, with the published types)', () => {
    expect(typecheckJourneys(p.dir, 'journeys')).toBe('')
  })
})
