/**
 * Header parameters named Accept, Content-Type or Authorization SHALL be ignored (OpenAPI 3.0.3 and
 * 3.1, Parameter Object): an action sends none of them from the document, so a documented
 * `Authorization: string` never replaces the configured bearer token.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import type { ExploreActionArgs, HttpClient } from '@venomqa/core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { loadDocument, openApiActions, operations } from '../src'
import { queryStrings } from '../src/query'

let dir: string
const signal = new AbortController().signal

const header = (name: string, example?: string) => ({ name, in: 'header', required: true, schema: { type: 'string' }, ...(example ? { example } : {}) })
const DOCUMENT = {
  openapi: '3.0.3',
  info: { title: 't', version: '1' },
  paths: {
    '/items': {
      // On the path item and on the operation, in any case: all ignored; X-Tenant is the API's own, and sent.
      parameters: [header('accept', 'text/plain')],
      get: {
        operationId: 'listItems',
        security: [{ bearer: [] }],
        parameters: [header('Authorization'), header('AUTHORIZATION', 'Bearer sampled'), header('Content-Type', 'text/plain'), header('X-Tenant', 'acme')],
        responses: { 200: { description: 'ok' } },
      },
    },
  },
  components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } } },
}

beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'venomqa-openapi-parameters-'))
  await writeFile(path.join(dir, 'api.json'), JSON.stringify(DOCUMENT))
})
afterAll(() => rm(dir, { recursive: true, force: true }))

it('the operation has no Accept, Content-Type or Authorization header parameter, whatever their case', async () => {
  const [op] = operations(await loadDocument('api.json', { root: dir }))
  expect(op!.parameters.map((p) => `${p.in}:${p.name}`)).toEqual(['header:X-Tenant'])
})

it('the action sends none of them, so the client keeps its own Authorization', async () => {
  const [list] = await openApiActions('api.json').load({ root: dir, baseUrl: 'http://127.0.0.1:9', signal })
  const sent: { method: string; path: string; options: { headers?: Record<string, string> } }[] = []
  const http = {
    baseUrl: 'http://127.0.0.1:9',
    request: async (method: string, p: string, options: { headers?: Record<string, string> }) => {
      sent.push({ method, path: p, options })
      return { status: 200, headers: {}, bodyText: '[]', json: () => [] }
    },
  } as unknown as HttpClient
  const ctx = { get: () => undefined, has: () => false, set() {}, require: () => undefined, keys: () => [] }
  await list!.run({ http, ctx, input: {}, signal } as unknown as ExploreActionArgs<any>)
  expect(sent).toHaveLength(1)
  expect(sent[0]!.options.headers).toEqual({ 'X-Tenant': 'acme' })
})

describe('the query strings of an operation with optional query parameters', () => {
  const op = (parameters: object[]) =>
    operations({ openapi: '3.1.0', info: { title: 't', version: '1' }, paths: { '/items': { get: { operationId: 'listItems', parameters, responses: { 200: { description: 'ok' } } } } } } as never)[0]!
  const query = (name: string, schema: object, required = false) => ({ name, in: 'query', required, schema })

  it('send every query parameter at its typical value, at its lowest and at its highest; the required ones at their bounds too', () => {
    const listItems = op([
      query('q', { type: 'string', minLength: 2, maxLength: 5 }, true),
      query('limit', { type: 'integer', minimum: 0, maximum: 100, default: 20 }),
      query('sort', { type: 'string', enum: ['asc', 'desc'] }),
      query('archived', { type: 'boolean' }),
      query('tags', { type: 'array', items: { type: 'string' } }),
      { name: 'X-Trace', in: 'header', schema: { type: 'string' } },
    ])
    expect(queryStrings(listItems, {} as never)).toEqual([
      // A parameter's typical value is the sampler's, as a required one's always was; a list is sent as its JSON.
      { variant: 'typical', query: { q: 'strin', limit: 20, sort: 'asc', archived: true, tags: '["string"]' } },
      { variant: 'min', query: { q: 'xx', limit: 0, sort: 'asc', archived: true, tags: '[]' } },
      { variant: 'max', query: { q: 'xxxxx', limit: 100, sort: 'desc', archived: true, tags: JSON.stringify(Array(3).fill('x'.repeat(64))) } },
    ])
  })

  it('are none for an operation whose query parameters are all required, and one for bounds that change nothing', () => {
    expect(queryStrings(op([query('q', { type: 'string' }, true)]), {} as never)).toEqual([])
    expect(queryStrings(op([query('archived', { type: 'boolean' })]), {} as never)).toEqual([{ variant: 'typical', query: { archived: true } }])
  })
})
