/**
 * openapi.auth.bearer is tried once before the search, so that a wrong or expired token fails the
 * exploration naming the token. A document whose every secured GET has a path parameter
 * (`GET /items/{itemId}`, no `GET /me`) had nothing to try it on: the search then ran with the refused
 * token, broke `status_documented` with each 401 and wrote those refusals out as regression journeys.
 */
import http from 'node:http'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import { type RunResult, journey } from '@venomqa/core'
import { createRunner } from '@venomqa/runner'
import { type LocalServer, listenLocally } from '@venomqa/test-utils'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { openApiSetup } from '../src'

const TOKEN = 'tok-right-0123'
const DOCUMENT = {
  openapi: '3.0.3',
  info: { title: 'items', version: '1' },
  security: [{ bearer: [] }],
  components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } } },
  paths: {
    '/items': { post: { operationId: 'createItem', responses: { 201: { description: 'made' } } } },
    '/items/{itemId}': {
      parameters: [{ name: 'itemId', in: 'path', required: true, schema: { type: 'integer' } }],
      get: { operationId: 'getItem', responses: { 200: { description: 'ok' }, 404: { description: 'none' } } },
    },
    '/secrets/{secretId}': {
      parameters: [{ name: 'secretId', in: 'path', required: true, schema: { type: 'string' } }],
      get: { operationId: 'getSecret', responses: { 200: { description: 'ok' }, 403: { description: 'not yours' } } },
    },
  },
}

let dir: string
let server: LocalServer
const seen: string[] = []

beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'venomqa-openapi-bearer-probe-'))
  await writeFile(path.join(dir, 'items.json'), JSON.stringify(DOCUMENT))
  await writeFile(path.join(dir, 'secrets.json'), JSON.stringify({ ...DOCUMENT, paths: { '/secrets/{secretId}': DOCUMENT.paths['/secrets/{secretId}'] } }))
  // A wrong token is 401 everywhere; with the right one, a made-up item is 404 and a made-up secret 403.
  server = await listenLocally(
    http.createServer((req, res) => {
      seen.push(`${req.method} ${req.url}`)
      const status = req.headers.authorization !== `Bearer ${TOKEN}` ? 401 : req.url?.startsWith('/secrets/') ? 403 : 404
      res.writeHead(status, { 'content-type': 'application/json' }).end('{}')
    }),
  )
})
afterAll(async () => {
  await server.close()
  await rm(dir, { recursive: true, force: true })
})

async function setup(document: string, bearer: string, variable?: string): Promise<RunResult> {
  const runner = createRunner({ baseUrl: server.url })
  try {
    return await runner.run(journey('setup', { steps: openApiSetup(document, { root: dir, auth: { bearer, variable } }) }))
  } finally {
    await runner.close()
  }
}

function failure(result: RunResult): string | undefined {
  const failed = result.journeys[0]!.nodes.find((n) => n.kind === 'step' && n.status === 'failed') as { error?: { message: string } } | undefined
  return failed?.error?.message
}

describe('openapi.auth.bearer on a document whose secured GETs all take a path parameter', () => {
  it('is tried on one of them with a made-up id, and a 401 fails the setup naming the token', async () => {
    seen.length = 0
    const result = await setup('items.json', 'tok-expired')
    expect(failure(result)).toBe(
      'openapi.auth.bearer was refused: GET /items/{itemId} (getItem) answered 401, and every operation the document secures would be too (a wrong or expired token?)',
    )
    // One request, and a GET: nothing is changed by trying the token.
    expect(seen).toHaveLength(1)
    expect(seen[0]).toMatch(/^GET \/items\/\d+$/)
  })

  it("suggests setting a valid token in openapi.auth.bearer, not a login step the user never wrote", async () => {
    // The generic advice for a 401 (a login step, http.setAuthToken) is for hand-written setup code: a
    // user of `explore --openapi` has none, and the one thing to change is the token the config gives.
    const result = await setup('items.json', 'tok-expired')
    const issue = result.journeys[0]!.issues.find((i) => i.step === 'authorize')
    expect(issue?.suggestion).toContain('openapi.auth.bearer')
    expect(issue?.suggestion).toMatch(/valid token/)
    expect(issue?.suggestion).not.toContain('login step')
    expect(issue?.suggestion).not.toContain('setAuthToken')
    expect(issue?.suggestion).not.toContain('tok-expired')
  })

  it('names the environment variable the token was read from, when it was, instead of openapi.auth.bearer', async () => {
    // A regression journey's module reads the token from VENOMQA_OPENAPI_BEARER: a user who set that has no
    // openapi.auth.bearer to look at.
    const result = await setup('items.json', 'tok-expired', 'VENOMQA_OPENAPI_BEARER')
    expect(failure(result)).toBe(
      'VENOMQA_OPENAPI_BEARER was refused: GET /items/{itemId} (getItem) answered 401, and every operation the document secures would be too (a wrong or expired token?)',
    )
    const issue = result.journeys[0]!.issues.find((i) => i.step === 'authorize')
    expect(issue?.suggestion).toContain('the environment variable VENOMQA_OPENAPI_BEARER')
    expect(issue?.suggestion).not.toContain('openapi.auth.bearer')
    expect(issue?.suggestion).not.toContain('tok-expired')
  })

  it('passes when the made-up id is only not found', async () => {
    const result = await setup('items.json', TOKEN)
    expect(failure(result)).toBeUndefined()
    expect(result.status).toBe('passed')
  })

  it('takes a 403 for a made-up id as the API keeping it from this user, not as a refused token', async () => {
    const result = await setup('secrets.json', TOKEN)
    expect(failure(result)).toBeUndefined()
    expect(result.status).toBe('passed')
  })
})
