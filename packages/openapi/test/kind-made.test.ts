/**
 * A write the API accepted says in the context which kind of its discriminated body it made, so that a
 * note added and a link added are two states, not one. The exploration tells states apart by row counts
 * and the context's keys: both are one more row, the state reached second was merged into the first and
 * never searched on, and a bug only a link leads to went unfound by a run that passed (the end-to-end
 * exploration is in kind-made-cli.test.ts). Here the action alone, against a stand-in client that answers
 * as told, as the other binding tests do: what it leaves in the context does not need a server.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import type { ExploreAction, ExploreActionArgs, HttpClient } from '@venomqa/core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { openApiActions } from '../src'

let dir: string

const alternative = (kind: string, extra: string) => ({
  type: 'object',
  required: ['kind', extra],
  properties: { kind: { type: 'string', enum: [kind] }, [extra]: { type: 'string' } },
})

const DOCUMENT = {
  openapi: '3.1.0',
  info: { title: 't', version: '1' },
  paths: {
    '/items': {
      post: {
        operationId: 'addItem',
        requestBody: {
          required: true,
          content: { 'application/json': { schema: { oneOf: [{ $ref: '#/components/schemas/Note' }, { $ref: '#/components/schemas/Link' }], discriminator: { propertyName: 'kind' } } } },
        },
        responses: { 201: { description: 'made' }, 422: { description: 'refused' } },
      },
    },
    '/tags': {
      post: {
        operationId: 'addTag',
        requestBody: { required: true, content: { 'application/json': { schema: alternative('tag', 'label') } } },
        responses: { 201: { description: 'made' } },
      },
    },
  },
  components: { schemas: { Note: alternative('note', 'text'), Link: alternative('link', 'url') } },
}

beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'venomqa-openapi-kind-made-'))
  await writeFile(path.join(dir, 'api.json'), JSON.stringify(DOCUMENT))
})
afterAll(() => rm(dir, { recursive: true, force: true }))

/** The context keys the action `name` leaves after sending the body variant `body`, answered `status`. */
async function keysAfter(name: string, body: string, status: number): Promise<string[]> {
  const signal = new AbortController().signal
  const actions = (await openApiActions('api.json').load({ root: dir, baseUrl: 'http://127.0.0.1:9', signal })) as ExploreAction<any>[]
  const http = {
    baseUrl: 'http://127.0.0.1:9',
    request: async () => ({ status, headers: {}, bodyText: '', json: () => undefined }),
  } as unknown as HttpClient
  const values = new Map<string, unknown>()
  const ctx = { get: (k: string) => values.get(k), has: (k: string) => values.has(k), set: (k: string, v: unknown) => void values.set(k, v), keys: () => [...values.keys()] }
  await actions.find((a) => a.name === name)!.run({ http, ctx, input: { body }, signal } as unknown as ExploreActionArgs<any>)
  return [...values.keys()]
}

describe('the kind an accepted write made', () => {
  it('is a context key of its own for each alternative of a discriminated body', async () => {
    expect(await keysAfter('addItem', 'sample', 201)).toEqual(['addItem made kind=note'])
    expect(await keysAfter('addItem', 'oneOf-2:Link', 201)).toEqual(['addItem made kind=link'])
  })

  it('is not said of a write the API refused', async () => {
    expect(await keysAfter('addItem', 'oneOf-2:Link', 422)).toEqual([])
  })

  it('is not said of a body with no discriminator', async () => {
    expect(await keysAfter('addTag', 'sample', 201)).toEqual([])
  })
})
