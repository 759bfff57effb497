import { readFileSync } from 'node:fs'
import { writeFile } from 'node:fs/promises'
import http from 'node:http'
import path from 'node:path'
import { type LocalServer, listenLocally } from '@venomqa/test-utils'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type Project, assertBuilt, cliHost, makeProject } from './helpers/project'
import { typecheckJourneys } from './helpers/typecheck'

/** This file's commands run in one process of the built CLI (see CliHost), but those that need one of their own. */
const host = cliHost()

// A journey `venomqa generate` writes sends an operation's required cookie parameters, as it sends its
// required query and header parameters: a plain one (`lang`, `shelf`) at its example or a value of its
// schema, one named like a secret (`session_id`) read from the environment, beside the API key the
// security scheme sends as a cookie. Only the API key was sent, and such an API refused every request.

const KEY = 'cookie-key-Zr81Lq'
const SESSION = 'session-Vx27Pn'
const doc = {
  openapi: '3.0.3',
  info: { title: 't', version: '1' },
  components: { securitySchemes: { cookieKey: { type: 'apiKey', in: 'cookie', name: 'api_key' } } },
  security: [{ cookieKey: [] }],
  paths: {
    '/shelves': {
      get: {
        tags: ['shelves'],
        operationId: 'list_shelves',
        parameters: [
          { name: 'lang', in: 'cookie', required: true, schema: { type: 'string', enum: ['en', 'fr'] }, example: 'fr' },
          { name: 'shelf', in: 'cookie', required: true, schema: { type: 'integer', minimum: 1, maximum: 9 } },
          { name: 'session_id', in: 'cookie', required: true, schema: { type: 'string' } },
          { name: 'theme', in: 'cookie', schema: { type: 'string' } },
        ],
        responses: { 200: { description: 'ok' } },
      },
    },
  },
}

/** Reads its cookies as a server does: 400 naming the first one missing or wrong. */
function shelvesApi(): http.Server {
  return http.createServer((req, res) => {
    const cookies = new Map(
      String(req.headers.cookie ?? '')
        .split(';')
        .map((c) => c.trim().split('=').map(decodeURIComponent) as [string, string]),
    )
    const checks: [string, boolean][] = [
      ['api_key', cookies.get('api_key') === KEY],
      ['lang', cookies.get('lang') === 'fr'],
      ['shelf', /^[1-9]$/.test(cookies.get('shelf') ?? '')],
      ['session_id', cookies.get('session_id') === SESSION],
    ]
    const wrong = checks.find(([, ok]) => !ok)
    res.writeHead(wrong ? 400 : 200, { 'content-type': 'application/json' })
    res.end(JSON.stringify(wrong ? { error: `cookie ${wrong[0]}: ${req.headers.cookie ?? 'none'}` } : []))
  })
}

describe('venomqa generate: required cookie parameters', () => {
  let p: Project
  let api: LocalServer
  beforeAll(async () => {
    assertBuilt()
    p = await makeProject(null, {}, host)
    api = await listenLocally(shelvesApi())
  })
  afterAll(async () => {
    await api?.close()
    await p?.remove()
  })

  it('are sent beside the API key, a secret-named one read from the environment: the journey type-checks and passes', async () => {
    await writeFile(path.join(p.dir, 'shelves.json'), JSON.stringify(doc))
    const generated = await p.venomqa(['generate', '--openapi', 'shelves.json', '--out', 'journeys'])
    expect(generated.code, generated.stderr).toBe(0)
    expect(generated.stderr).toContain('API_SESSION_ID: the session_id cookie of GET /shelves (list_shelves)')
    const file = readFileSync(path.join(p.dir, 'journeys/shelves.journey.ts'), 'utf8')
    expect(file).toMatch(/http\.get\('\/shelves', \{ headers: \{ Cookie: `lang=fr; shelf=\d; session_id=\$\{fromEnvironment\('API_SESSION_ID'\)\}` \} \}\)/)
    expect(file).not.toContain('theme')
    expect(typecheckJourneys(p.dir, 'journeys')).toBe('')
    const run = await p.venomqa(['run', 'journeys', '--base-url', api.url], { env: { API_COOKIE_KEY: KEY, API_SESSION_ID: SESSION } })
    expect(run.stdout, `${file}\n${run.stderr}`).toContain('Journeys  1 passed of 1')
    expect(run.code).toBe(0)
  })
})
