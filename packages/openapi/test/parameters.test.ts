/**
 * Header parameters named Accept, Content-Type or Authorization SHALL be ignored (OpenAPI 3.0.3 and
 * 3.1, Parameter Object): an action sends none of them from the document, so a documented
 * `Authorization: string` never replaces the configured bearer token.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import type { ExploreActionArgs, HttpClient } from '@venomqa/core'
import { afterAll, beforeAll, expect, it } from 'vitest'
import { loadDocument, openApiActions, operations } from '../src'

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
