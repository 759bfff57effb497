/**
 * A parameter at `max` is cut to what an HTTP server takes: a list of 20 items each 10,000 characters long
 * (200 KB) went over Node's 16 KB limit on a request's head, and the server's HTTP layer answered 431 (or
 * a proxy 414) before the API saw the request: an answer of no API, read as the API's. The query, all its
 * parameters together, is kept within 8 KB; the headers and cookies within 4 KB. The request goes to a
 * real Node server, which answers 431 itself to a head it does not take.
 */
import http from 'node:http'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import type { AddressInfo } from 'node:net'
import os from 'node:os'
import path from 'node:path'
import type { ExploreActionArgs } from '@venomqa/core'
import { RunnerHttpClient } from '@venomqa/runner'
import { afterAll, beforeAll, expect, it } from 'vitest'
import { openApiActions, operations } from '../src'
import { type ParameterValues, parameterVariants } from '../src/query'

const huge = { type: 'array', items: { type: 'string', maxLength: 10_000 }, maxItems: 20 }
const PARAMETERS = [
  { name: 'tag', in: 'query', schema: huge },
  { name: 'note', in: 'query', schema: { type: 'string', maxLength: 10_000 } },
  { name: 'X-Tags', in: 'header', schema: huge },
  { name: 'pref', in: 'cookie', schema: { type: 'string', maxLength: 10_000 } },
  { name: 'X-Small', in: 'header', schema: { type: 'string', maxLength: 40 } },
]
const DOCUMENT = {
  openapi: '3.1.0',
  info: { title: 'big', version: '1' },
  paths: { '/items': { get: { operationId: 'listItems', parameters: PARAMETERS, responses: { 200: { description: 'ok' } } } } },
}

const querySize = (values: ParameterValues) => new URLSearchParams(values.query).toString().length
const headerSize = (values: ParameterValues) =>
  Object.entries(values.headers).reduce((n, [name, value]) => n + name.length + value.length, 0) + values.cookies.reduce((n, [name, value]) => n + name.length + encodeURIComponent(value).length + 1, 0)

let dir: string
let server: http.Server
let baseUrl: string

beforeAll(async () => {
  // Node's own HTTP layer answers 431 to a head over its limit before this handler runs.
  server = http.createServer((req, res) => {
    req.resume()
    res.writeHead(200, { 'content-type': 'application/json' }).end('[]')
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  dir = await mkdtemp(path.join(os.tmpdir(), 'venomqa-openapi-parameter-size-'))
  await writeFile(path.join(dir, 'api.json'), JSON.stringify(DOCUMENT))
})

afterAll(async () => {
  server?.closeAllConnections()
  await new Promise((resolve) => server?.close(resolve))
  if (dir) await rm(dir, { recursive: true, force: true })
})

it('at max the query is kept within 8 KB and the headers and cookies within 4 KB, lists keeping their maxItems where the items can be shorter', () => {
  const max = parameterVariants(operations(DOCUMENT as never)[0]!, DOCUMENT as never).find((v) => v.variant === 'max')!
  expect(querySize(max)).toBeLessThanOrEqual(8 * 1024)
  expect(headerSize(max)).toBeLessThanOrEqual(4 * 1024)
  // Cut, not dropped: the list still has its 20 items, each as long as the room allows.
  const tags = max.query.filter(([name]) => name === 'tag')
  expect(tags).toHaveLength(20)
  expect(tags[0]![1].length).toBeGreaterThan(50)
  expect(max.headers['X-Tags']!.split(',')).toHaveLength(20)
  expect(max.cookies.find(([name]) => name === 'pref')![1].length).toBeGreaterThan(500)
  // A parameter within its room is sent at its highest, as it was.
  expect(max.headers['X-Small']).toBe('x'.repeat(40))
})

it('a list whose items cannot be shorter (a minLength) is sent with fewer items, each still at its length', () => {
  const codes = { name: 'X-Codes', in: 'header', schema: { type: 'array', items: { type: 'string', minLength: 1000, maxLength: 1000 }, maxItems: 20 } }
  const document = { ...DOCUMENT, paths: { '/codes': { get: { operationId: 'listCodes', parameters: [codes], responses: { 200: { description: 'ok' } } } } } }
  const max = parameterVariants(operations(document as never)[0]!, document as never).find((v) => v.variant === 'max')!
  const sent = max.headers['X-Codes']!.split(',')
  expect(headerSize(max)).toBeLessThanOrEqual(4 * 1024)
  expect(sent.length).toBeGreaterThanOrEqual(3)
  for (const code of sent) expect(code).toHaveLength(1000)
})

it('the max request is one the server reads: no 431 from its HTTP layer', async () => {
  const actions = await openApiActions('api.json').load({ root: dir, baseUrl, signal: new AbortController().signal })
  const client = new RunnerHttpClient({ baseUrl, retry: false })
  const ctx = { get: () => undefined, has: () => false, set() {}, require: () => undefined, keys: () => [] }
  const res = await actions
    .find((a) => a.name === 'listItems')!
    .run({ http: client, ctx, input: { query: 'max' }, signal: new AbortController().signal } as unknown as ExploreActionArgs<any>)
  expect((res as { status: number }).status).toBe(200)
})
