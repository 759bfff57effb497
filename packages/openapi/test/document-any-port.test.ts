/**
 * A document is fetched from wherever the user's API serves it, on any port: Node's global fetch refuses
 * the fetch standard's "bad ports" (6665-6669, 10080, ...) without connecting ("bad port"), where the
 * runner, on node:http, reaches the same server.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import http from 'node:http'
import os from 'node:os'
import path from 'node:path'
import { gzipSync } from 'node:zlib'
import { ConfigError } from '@venomqa/core'
import { type LocalServer, REPO_ROOT, listenLocally, listenOnBadPort } from '@venomqa/test-utils'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { SchemaChecker, loadDocument, operations } from '../src'
import { resolveSchema } from '../src/document'

const DOCUMENT = JSON.stringify({ openapi: '3.1.0', info: { title: 't', version: '1' }, paths: { '/things': { get: { operationId: 'listThings', responses: { 200: { description: 'ok' } } } } } })

describe('a document at a URL on a port fetch refuses', () => {
  let bad: LocalServer
  let other: LocalServer
  const authorizations: Record<string, string | undefined> = {}
  beforeAll(async () => {
    bad = await listenOnBadPort(
      http.createServer((req, res) => {
        authorizations[req.url ?? ''] = req.headers.authorization
        if (req.url === '/openapi.json') return void res.writeHead(200, { 'content-type': 'application/json' }).end(DOCUMENT)
        if (req.url === '/old/openapi.json') return void res.writeHead(301, { location: '/openapi.json' }).end()
        if (req.url === '/elsewhere') return void res.writeHead(302, { location: `${other.url}/openapi.json` }).end()
        if (req.url === '/loop') return void res.writeHead(302, { location: '/loop' }).end()
        if (req.url === '/gzip') return void res.writeHead(200, { 'content-type': 'application/json', 'content-encoding': 'gzip' }).end(gzipSync(DOCUMENT))
        if (req.url === '/bom') return void res.writeHead(200, { 'content-type': 'application/json' }).end(`\uFEFF${DOCUMENT}`)
        res.writeHead(404).end()
      }),
    )
    other = await listenLocally(
      http.createServer((req, res) => {
        authorizations[`other ${req.url}`] = req.headers.authorization
        res.writeHead(200, { 'content-type': 'application/json' }).end(DOCUMENT)
      }),
    )
  })
  afterAll(async () => {
    await bad?.close()
    await other?.close()
  })

  it('loads it', async () => {
    const doc = await loadDocument(`${bad.url}/openapi.json`, { root: REPO_ROOT })
    expect(operations(doc).map((o) => o.id)).toEqual(['listThings'])
  })

  it('follows redirects, as fetch did; the Basic auth of the URL goes to its own origin only', async () => {
    const moved = await loadDocument(`${bad.url.replace('//', '//alice:pw@')}/old/openapi.json`, { root: REPO_ROOT })
    expect(operations(moved).map((o) => o.id)).toEqual(['listThings'])
    expect(authorizations['/openapi.json']).toBe(`Basic ${Buffer.from('alice:pw').toString('base64')}`)
    await loadDocument(`${bad.url.replace('//', '//alice:pw@')}/elsewhere`, { root: REPO_ROOT })
    expect(authorizations['other /openapi.json']).toBeUndefined()
  })

  it('gives up on a redirect loop, saying so', async () => {
    const err = await loadDocument(`${bad.url}/loop`, { root: REPO_ROOT }).catch((e: unknown) => e)
    expect(err).toBeInstanceOf(ConfigError)
    expect((err as Error).message).toBe(`cannot fetch the OpenAPI document ${bad.url}/loop: more than 20 redirects`)
  })

  it('reads a gzip-encoded answer and one that starts with a byte order mark, as fetch did', async () => {
    expect(operations(await loadDocument(`${bad.url}/gzip`, { root: REPO_ROOT })).map((o) => o.id)).toEqual(['listThings'])
    expect(operations(await loadDocument(`${bad.url}/bom`, { root: REPO_ROOT })).map((o) => o.id)).toEqual(['listThings'])
  })

  it('still says what it answered, masked', async () => {
    const err = await loadDocument(`${bad.url}/missing.json?api_key=KEY123secret`, { root: REPO_ROOT }).catch((e: unknown) => e)
    expect((err as Error).message).toBe(`cannot fetch the OpenAPI document ${bad.url}/missing.json?api_key=[REDACTED]: it answered 404`)
  })
})

/**
 * A document in a file whose `$ref`s point to URLs: where the API serves its schemas, on loopback and on a
 * port fetch refuses. Left to the parser, such a `$ref` was fetched with the global fetch, which refused
 * both (a loopback address as unsafe, a bad port as "bad port"), and the message said only "Unable to
 * resolve $ref pointer".
 */
describe("a document file whose $refs point to URLs on a port fetch refuses", () => {
  let bad: LocalServer
  let dir: string
  const served: string[] = []
  const SCHEMAS = 'Thing:\n  type: object\n  required: [id]\n  properties:\n    id: { $ref: "./ids.yaml#/Id" }\n    self: { $ref: "#/Thing" }\n'
  const doc = (ref: string) =>
    JSON.stringify({
      openapi: '3.1.0',
      info: { title: 't', version: '1' },
      paths: { '/things': { get: { operationId: 'listThings', responses: { 200: { description: 'ok', content: { 'application/json': { schema: { $ref: ref } } } } } } } },
    })
  beforeAll(async () => {
    bad = await listenOnBadPort(
      http.createServer((req, res) => {
        served.push(req.url ?? '')
        if (req.url === '/schemas.yaml') return void res.writeHead(200, { 'content-type': 'application/yaml' }).end(SCHEMAS)
        if (req.url === '/ids.yaml') return void res.writeHead(200, { 'content-type': 'application/yaml' }).end('Id:\n  type: integer\n  minimum: 1\n')
        if (req.url === '/local.yaml') return void res.writeHead(200, { 'content-type': 'application/yaml' }).end('Thing:\n  $ref: "file:///etc/hostname"\n')
        res.writeHead(404).end()
      }),
    )
    dir = await mkdtemp(path.join(os.tmpdir(), 'venomqa-openapi-url-refs-'))
    await writeFile(path.join(dir, 'openapi.json'), doc(`${bad.url}/schemas.yaml#/Thing`))
    await writeFile(path.join(dir, 'missing.json'), doc(`${bad.url}/missing.yaml?api_key=KEY123secret#/Thing`))
    await writeFile(path.join(dir, 'to-file.json'), doc(`${bad.url}/local.yaml#/Thing`))
  })
  afterAll(async () => {
    await bad?.close()
    if (dir) await rm(dir, { recursive: true, force: true })
  })

  it('fetches them, and the relative $refs of what it fetched, each once', async () => {
    const loaded = await loadDocument('openapi.json', { root: dir })
    const schema = operations(loaded)[0]!.responses['200']!.content['application/json']!
    expect(schema).toEqual({ $ref: '#/x-venomqa-refs/0/Thing' })
    const thing = resolveSchema(schema, loaded)
    expect(thing.required).toEqual(['id'])
    expect(thing.properties.id).toEqual({ type: 'integer', minimum: 1 })
    const checker = new SchemaChecker('3.1.0', loaded)
    expect(checker.check(schema, { id: 1, self: { id: 2 } })).toBeUndefined()
    expect(checker.check(schema, { id: 0 })).toMatch(/^\/id must be >= 1/)
    expect(served.filter((u) => u === '/schemas.yaml')).toHaveLength(1)
    expect(served.filter((u) => u === '/ids.yaml')).toHaveLength(1)
  })

  it("says what the server answered, naming the $ref's place, the URL's key masked", async () => {
    const err = await loadDocument('missing.json', { root: dir }).catch((e: unknown) => e)
    expect(err).toBeInstanceOf(ConfigError)
    expect((err as Error).message).toBe(
      `missing.json#/paths/~1things/get/responses/200/content/application~1json/schema/$ref: "${bad.url}/missing.yaml?api_key=[REDACTED]#/Thing" points to ${bad.url}/missing.yaml?api_key=[REDACTED], which cannot be fetched: it answered 404`,
    )
  })

  it('a file fetched from a URL points to other URLs only, never to a file of this machine', async () => {
    const err = await loadDocument('to-file.json', { root: dir }).catch((e: unknown) => e)
    expect(err).toBeInstanceOf(ConfigError)
    expect((err as Error).message).toBe(
      `${bad.url}/local.yaml#/Thing/$ref: "file:///etc/hostname" points to file:///etc/hostname: a document fetched from a URL can point to other URLs only`,
    )
  })
})
