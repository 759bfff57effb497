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
import { parameterVariants, requiredParameters } from '../src/query'

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

describe('the parameter variants of an operation with optional query, header or cookie parameters', () => {
  const op = (parameters: object[]) =>
    operations({ openapi: '3.1.0', info: { title: 't', version: '1' }, paths: { '/items': { get: { operationId: 'listItems', parameters, responses: { 200: { description: 'ok' } } } } } } as never)[0]!
  const query = (name: string, schema: object, required = false, more: object = {}) => ({ name, in: 'query', required, schema, ...more })
  const queryOf = (parameters: object[]) => parameterVariants(op(parameters), {} as never).map((v) => [v.variant, v.query])

  it('send every query parameter at its typical value, at its lowest and at its highest; the required ones at their bounds too', () => {
    const listItems = op([
      query('q', { type: 'string', minLength: 2, maxLength: 5 }, true),
      query('limit', { type: 'integer', minimum: 0, maximum: 100, default: 20 }),
      query('sort', { type: 'string', enum: ['asc', 'desc'] }),
      query('archived', { type: 'boolean' }),
      query('tags', { type: 'array', items: { type: 'string' } }),
    ])
    expect(parameterVariants(listItems, {} as never)).toEqual([
      // A parameter's typical value is the sampler's, as a required one's always was; a list one pair per item.
      { variant: 'typical', query: [['q', 'strin'], ['limit', '20'], ['sort', 'asc'], ['archived', 'true'], ['tags', 'string']], headers: {}, cookies: [] },
      { variant: 'min', query: [['q', 'xx'], ['limit', '0'], ['sort', 'asc'], ['archived', 'true'], ['tags', '']], headers: {}, cookies: [] },
      { variant: 'max', query: [['q', 'xxxxx'], ['limit', '100'], ['sort', 'desc'], ['archived', 'true'], ...Array(3).fill(['tags', 'x'.repeat(64)])], headers: {}, cookies: [] },
    ])
  })

  it('are none for an operation whose query parameters are all required, and one for bounds that change nothing', () => {
    expect(parameterVariants(op([query('q', { type: 'string' }, true)]), {} as never)).toEqual([])
    expect(queryOf([query('archived', { type: 'boolean' })])).toEqual([['typical', [['archived', 'true']]]])
  })

  it('send the optional headers and cookies in the same three variants as the query, the required ones always', () => {
    const header = (name: string, schema: object, required = false) => ({ name, in: 'header', required, schema })
    const cookie = (name: string, schema: object, required = false) => ({ name, in: 'cookie', required, schema })
    const listItems = op([
      header('X-Page-Size', { type: 'integer', minimum: 0, maximum: 50 }),
      header('X-Tenant', { type: 'string', enum: ['acme'] }, true),
      cookie('theme', { type: 'string', enum: ['light', 'dark'] }),
      cookie('region', { type: 'string', enum: ['eu west'] }, true),
    ])
    expect(parameterVariants(listItems, {} as never)).toEqual([
      // The sampler's 0 is a bound (the variant `min`): a typical number is 1 where the schema allows it.
      { variant: 'typical', query: [], headers: { 'X-Page-Size': '1', 'X-Tenant': 'acme' }, cookies: [['theme', 'light'], ['region', 'eu west']] },
      { variant: 'min', query: [], headers: { 'X-Page-Size': '0', 'X-Tenant': 'acme' }, cookies: [['theme', 'light'], ['region', 'eu west']] },
      { variant: 'max', query: [], headers: { 'X-Page-Size': '50', 'X-Tenant': 'acme' }, cookies: [['theme', 'dark'], ['region', 'eu west']] },
    ])
    // An input with no variant: the required ones, at their typical values.
    expect(requiredParameters(listItems, {} as never)).toEqual({ query: [], headers: { 'X-Tenant': 'acme' }, cookies: [['region', 'eu west']] })
  })

  it('send a list as its style says, at max its maxItems (at most 20) each at its own highest', () => {
    const tags = { type: 'array', items: { type: 'string', maxLength: 12 }, maxItems: 4 }
    const [, , max] = queryOf([query('tag', tags), query('isbn', { ...tags, items: { type: 'integer', maximum: 99 } }, false, { explode: false })])
    expect(max).toEqual(['max', [...Array(4).fill(['tag', 'x'.repeat(12)]), ['isbn', '99,99,99,99']]])
    // No maxItems: 3; a maxItems above 20: 20. Piped, spaced (exploded only where `explode` says so); a header's list joined with commas.
    const many = queryOf([
      query('a', { type: 'array', items: { type: 'integer', maximum: 7 } }, false, { style: 'pipeDelimited' }),
      query('b', { type: 'array', items: { type: 'boolean' }, maxItems: 100 }, false, { style: 'spaceDelimited', explode: false }),
    ])
    expect(many.at(-1)).toEqual(['max', [['a', '7|7|7'], ['b', Array(20).fill('true').join(' ')]]])
    const inHeader = parameterVariants(op([{ name: 'X-Tags', in: 'header', schema: { type: 'array', items: { type: 'integer', maximum: 5 }, maxItems: 2 } }]), {} as never)
    expect(inHeader.map((v) => v.headers['X-Tags'])).toEqual(['5', '', '5,5'])
  })
})
