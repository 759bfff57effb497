/**
 * A document is fetched from wherever the user's API serves it, on any port: Node's global fetch refuses
 * the fetch standard's "bad ports" (6665-6669, 10080, ...) without connecting ("bad port"), where the
 * runner, on node:http, reaches the same server.
 */
import http from 'node:http'
import { gzipSync } from 'node:zlib'
import { ConfigError } from '@venomqa/core'
import { type LocalServer, REPO_ROOT, listenLocally, listenOnBadPort } from '@venomqa/test-utils'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { loadDocument, operations } from '../src'

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
