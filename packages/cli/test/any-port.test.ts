import http from 'node:http'
import { existsSync } from 'node:fs'
import path from 'node:path'
import { type LocalServer, listenOnBadPort } from '@venomqa/test-utils'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type Project, assertBuilt, cliHost, makeProject } from './helpers/project'

/**
 * An API on a port of the fetch standard's "bad ports" list (6665-6669, 10080, ...): `venomqa run` reaches
 * it (node:http), and so must `doctor`'s look at the base URL and the OpenAPI document of `explore` and
 * `generate`. Node's global fetch refuses those ports without connecting: "bad port".
 */

const host = cliHost()
const DOCUMENT = JSON.stringify({
  openapi: '3.1.0',
  info: { title: 't', version: '1' },
  paths: { '/things': { get: { operationId: 'list_things', responses: { 200: { description: 'ok', content: { 'application/json': { schema: { type: 'array' } } } } } } } },
})

let app: LocalServer
let p: Project
const hits: string[] = []

beforeAll(async () => {
  assertBuilt()
  app = await listenOnBadPort(
    http.createServer((req, res) => {
      hits.push(`${req.method} ${req.url}`)
      if (req.url === '/openapi.json') return void res.writeHead(200, { 'content-type': 'application/json' }).end(DOCUMENT)
      // Moved: the document is still found, as fetch found it.
      if (req.url === '/docs/openapi.json') return void res.writeHead(302, { location: '/openapi.json' }).end()
      if (req.url === '/things') return void res.writeHead(200, { 'content-type': 'application/json' }).end('[]')
      res.writeHead(200).end('ok')
    }),
  )
  p = await makeProject(null, {}, host)
})
afterAll(async () => {
  await p?.remove()
  await app?.close()
})

describe('an API on a port fetch refuses', () => {
  it('doctor finds the base URL reachable', async () => {
    const r = await p.venomqa(['doctor', '--base-url', app.url])
    expect(r.stdout).toMatch(new RegExp(`✓ base URL +${app.url.replace(/[.]/g, '\\.')} answered 200 in \\d+ ms\\n`))
    expect(r.stdout).not.toContain('bad port')
  })

  it('generate reads its OpenAPI document, also through a redirect', async () => {
    const r = await p.venomqa(['generate', '--openapi', `${app.url}/docs/openapi.json`, '--out', 'journeys'])
    expect(r.stderr).not.toContain('bad port')
    expect(r.code, r.stderr).toBe(0)
    expect(existsSync(path.join(p.dir, 'journeys'))).toBe(true)
  })

  it('explore reads its OpenAPI document and explores the API', async () => {
    hits.length = 0
    const r = await p.venomqa(['explore', '--openapi', `${app.url}/openapi.json`, '--base-url', app.url, '--depth', '1', '--seed', '1', '--no-emit', '--prefix-replay'])
    expect(r.stderr).not.toContain('bad port')
    expect(r.code, `${r.stdout}\n${r.stderr}`).toBe(0)
    expect(hits).toContain('GET /things')
  })
})
