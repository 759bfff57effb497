import { readFileSync } from 'node:fs'
import { writeFile } from 'node:fs/promises'
import http from 'node:http'
import path from 'node:path'
import { type LocalServer, listenLocally } from '@venomqa/test-utils'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type Project, assertBuilt, makeProject, cliHost } from './helpers/project'
import { typecheckJourneys } from './helpers/typecheck'

/** This file's commands run in one process of the built CLI (see CliHost), but those that need one of their own. */
const host = cliHost()

// End to end: `venomqa generate` (the built binary) writes one journey whose operations need a Basic and a
// bearer scheme, a secret-named path parameter and a secret query parameter, and one that creates a note
// and reads it back by its id; `venomqa run` runs them against a server that checks each route's
// credential. Both schemes send `Authorization`: set on the client, the second replaced the first, and the
// Basic operation went out with the bearer token. The hook's token and the note's id hold `/`, `?`, `#`, a
// space and `%`: put into the path as they are, they sent the request to another path (or cut it off).

const USER = 'ada'
const PASSWORD = 'pa55:w0rd'
const TOKEN = 'tok_admin_4711'
const HOOK = 'hk/8f?3k#2 m%20x'
const SESSION = 's3ss-9qk2m'
const NOTE_ID = 'n/1?x#y %41'
const ENV = { API_ACCOUNT_LOGIN_USERNAME: USER, API_ACCOUNT_LOGIN_PASSWORD: PASSWORD, API_TOKEN: TOKEN, API_TOKEN_2: HOOK, API_SESSION: SESSION }

/** A path by its segments, each decoded: what the server's router matches, whatever was encoded to send it. */
const route = (...segments: string[]) => JSON.stringify(segments)

/** 200 when a route gets the credential it wants, 401 naming what it got otherwise; notes made and read by id. */
function checkingServer(): http.Server {
  const basic = `Basic ${Buffer.from(`${USER}:${PASSWORD}`).toString('base64')}`
  const wants: Record<string, string | undefined> = {
    [route('accounts')]: basic,
    [route('reports')]: basic,
    [route('admin')]: `Bearer ${TOKEN}`,
    [route('hooks', HOOK)]: undefined,
    [route('me')]: undefined,
  }
  return http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://x')
    const segments = url.pathname.split('/').slice(1).map(decodeURIComponent)
    const answer = (status: number, body: unknown) => {
      res.writeHead(status, { 'content-type': 'application/json' })
      res.end(JSON.stringify(body))
    }
    if (req.method === 'POST' && route(...segments) === route('notes')) return answer(201, { id: NOTE_ID })
    if (segments[0] === 'notes') return segments.length === 2 && segments[1] === NOTE_ID ? answer(200, { id: NOTE_ID }) : answer(404, { error: `no note at ${url.pathname}` })
    const ok = Object.hasOwn(wants, route(...segments)) && req.headers.authorization === wants[route(...segments)] && (segments[0] !== 'me' || url.searchParams.get('session') === SESSION)
    answer(ok ? 200 : 401, ok ? [] : { error: `${url.pathname} got ${(req.headers.authorization ?? 'no Authorization').split(' ')[0]}` })
  })
}

function document() {
  const read = (operationId: string, security: Record<string, string[]>[]) => ({ get: { tags: ['ops'], operationId, security, responses: { 200: { description: 'ok' } } } })
  const note = { 'application/json': { schema: { type: 'object', properties: { id: { type: 'string' } } } } }
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
      // `session` is secret in a query only (as redaction masks `?session=`), not by the body-key rule.
      '/me': {
        get: {
          tags: ['ops'],
          operationId: 'get_me',
          parameters: [{ name: 'session', in: 'query', required: true, schema: { type: 'string' }, example: 'doc-session-example' }],
          responses: { 200: { description: 'ok' } },
        },
      },
      '/notes': { post: { tags: ['notes'], operationId: 'create_note', responses: { 201: { description: 'made', content: note } } } },
      '/notes/{id}': {
        get: { tags: ['notes'], operationId: 'get_note', parameters: [{ name: 'id', in: 'path', required: true, schema: { type: 'string' } }], responses: { 200: { description: 'ok', content: note } } },
      },
    },
  }
}

describe('venomqa generate: operations of one journey under a Basic and a bearer scheme', () => {
  let p: Project
  let api: LocalServer
  let journeyText: string
  let notesText: string
  beforeAll(async () => {
    assertBuilt()
    p = await makeProject(null, {}, host)
    api = await listenLocally(checkingServer())
    await writeFile(path.join(p.dir, 'api.json'), JSON.stringify(document()))
    const generated = await p.venomqa(['generate', '--openapi', 'api.json', '--out', 'journeys'])
    expect(generated.code, generated.stderr).toBe(0)
    journeyText = readFileSync(path.join(p.dir, 'journeys/ops.journey.ts'), 'utf8')
    notesText = readFileSync(path.join(p.dir, 'journeys/notes.journey.ts'), 'utf8')
  })
  afterAll(async () => {
    await api?.close()
    await p?.remove()
  })

  it('sends each operation its own scheme\'s credential, with the request', () => {
    expect(journeyText).not.toContain('setAuthToken')
    expect(journeyText).toContain("http.get('/admin', { headers: { Authorization: `Bearer ${fromEnvironment('API_TOKEN')}` } })")
    expect(journeyText.split("Authorization: `Basic ${Buffer.from(`${fromEnvironment('API_ACCOUNT_LOGIN_USERNAME')}:${fromEnvironment('API_ACCOUNT_LOGIN_PASSWORD')}`).toString('base64')}`")).toHaveLength(3)
    expect(journeyText).toContain("http.get(`/hooks/${encodeURIComponent(fromEnvironment('API_TOKEN_2'))}`)")
    for (const value of [USER, PASSWORD, TOKEN, HOOK, SESSION, 'doc-session-example']) expect(journeyText).not.toContain(value)
  })

  it('reads a secret query parameter from the environment, and encodes each path parameter as one segment', () => {
    expect(journeyText).toContain("http.get('/me', { query: { session: fromEnvironment('API_SESSION') } })")
    expect(journeyText).toContain('//   API_SESSION: the session query parameter of GET /me (get_me) of api.json')
    expect(notesText).toContain("http.get(`/notes/${encodeURIComponent(String(ctx.require('id')))}`)")
  })

  it('passes against the server with the variables set; a wrong password fails the Basic operations only', async () => {
    const run = await p.venomqa(['run', 'journeys', '--base-url', api.url], { env: ENV })
    expect(run.stdout, run.stderr).toMatch(/Steps {5}7 passed of 7/)
    expect(run.code).toBe(0)
    // The hook's token is masked in the output as sent, encoded.
    for (const value of [HOOK, encodeURIComponent(HOOK), SESSION]) expect(run.stdout + run.stderr).not.toContain(value)
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
