/**
 * An id a request body names another resource by (`POST /loans {"bookId": 1, "memberId": 1}`) is taken
 * from the context, as a path parameter is: the id an earlier create gave. Sampled, it was the schema's
 * `1` whatever the run had made: on a database whose sequences had moved on (rows made and deleted
 * before), every loan was refused with a 404, nothing behind a loan was ever enabled, and the
 * exploration passed having judged none of it.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import { type ExploreAction, type ExploreActionArgs, type HttpClient, type HttpExchange, type StateView, provenanceOf } from '@venomqa/core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { openApiActions } from '../src'

let dir: string
const signal = new AbortController().signal
const ok = (description: string) => ({ description })
const json = (schema: object) => ({ required: true, content: { 'application/json': { schema } } })
const id = (name: string) => ({ name, in: 'path', required: true, schema: { type: 'integer' } })

const DOCUMENT = {
  openapi: '3.0.3',
  info: { title: 't', version: '1' },
  paths: {
    '/books': { post: { operationId: 'createBook', responses: { 201: ok('made') } } },
    '/books/{bookId}': { get: { operationId: 'getBook', parameters: [id('bookId')], responses: { 200: ok('ok') } } },
    '/members/{memberId}': { get: { operationId: 'getMember', parameters: [id('memberId')], responses: { 200: ok('ok') } } },
    '/users': {
      post: {
        operationId: 'createUser',
        requestBody: json({ type: 'object', required: ['username'], properties: { username: { type: 'string', example: 'ada' } } }),
        responses: { 201: ok('made') },
      },
    },
    '/users/{username}': { get: { operationId: 'getUser', parameters: [{ name: 'username', in: 'path', required: true, schema: { type: 'string' } }], responses: { 200: ok('ok') } } },
    '/loans': {
      post: {
        operationId: 'createLoan',
        requestBody: json({
          type: 'object',
          required: ['bookId', 'member_id'],
          properties: { bookId: { type: 'integer', minimum: 1 }, member_id: { type: 'integer', minimum: 1 }, days: { type: 'integer', minimum: 1 } },
        }),
        responses: { 201: ok('lent') },
      },
    },
  },
}

beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'venomqa-openapi-body-binding-'))
  await writeFile(path.join(dir, 'api.json'), JSON.stringify(DOCUMENT))
})
afterAll(() => rm(dir, { recursive: true, force: true }))

async function createLoan(name = 'createLoan'): Promise<ExploreAction<any>> {
  const actions = (await openApiActions('api.json').load({ root: dir, baseUrl: 'http://127.0.0.1:9', signal })) as ExploreAction<any>[]
  return actions.find((a) => a.name === name)!
}

/** The JSON body createLoan (or `operation`) sends with this context and input; `history` gets a record of each request, as the client's does. */
async function bodySent(values: Record<string, unknown>, input: object = {}, history: HttpExchange[] = [], operation = 'createLoan'): Promise<unknown> {
  const sent: unknown[] = []
  const http = {
    baseUrl: 'http://127.0.0.1:9',
    history,
    request: async (method: string, url: string, options: { json?: unknown }) => {
      sent.push(options.json)
      history.push({ request: { method, url, headers: {}, body: options.json }, durationMs: 1, attempt: 1, startedAt: '' })
      return { status: 400, headers: {}, bodyText: '', json: () => undefined }
    },
  } as unknown as HttpClient
  const map = new Map(Object.entries(values))
  const ctx = { get: (k: string) => map.get(k), has: (k: string) => map.has(k), set() {}, require: (k: string) => map.get(k), keys: () => [...map.keys()] }
  await (await createLoan(operation)).run({ http, ctx, input, signal } as unknown as ExploreActionArgs<any>)
  return sent[0]
}

const view = (values: Record<string, unknown>) => ({ ctx: { has: (k: string) => Object.hasOwn(values, k) }, depth: 1, count: () => 0, path: [] }) as unknown as StateView

describe('an id in a request body', () => {
  it('is the one in the context, named as the path parameters name it (bookId, member_id for memberId)', async () => {
    expect(await bodySent({ bookId: 11, memberId: 4 }, { body: 'sample' })).toEqual({ bookId: 11, member_id: 4, days: 1 })
  })

  it('is sampled while the context has none of its kind, and a number when the context holds it as text', async () => {
    expect(await bodySent({ memberId: '4' }, { body: 'required' })).toEqual({ bookId: 1, member_id: 4 })
  })

  it('is the second of its kind with `another`, which the inputs offer once the context holds two', async () => {
    expect(await bodySent({ bookId: 11, bookId_2: 12, memberId: 4 }, { body: 'sample', another: ['bookId'] })).toEqual({ bookId: 12, member_id: 4, days: 1 })
    const inputs = (await createLoan()).options.inputs!(view({ bookId: 11, bookId_2: 12, memberId: 4 }), undefined as never)
    expect(inputs).toContainEqual({ body: 'sample', another: ['bookId'] })
  })

  it('is only an id: a name a path takes (`/users/{username}`) is not sent again by the create of another user', async () => {
    expect(await bodySent({ username: 'ada-1' }, { body: 'sample' }, [], 'createUser')).toEqual({ username: 'ada' })
  })

  it('is not required: the create still runs before any book exists (its refusal is explored too)', async () => {
    expect((await createLoan()).options.when!(view({}))).toBe(true)
  })

  it('is noted on the request as read from the context, with its key; a sampled one is not, so a regression journey sends it as it was', async () => {
    const history: HttpExchange[] = []
    expect(await bodySent({ memberId: 1 }, { body: 'required' }, history)).toEqual({ bookId: 1, member_id: 1 })
    // bookId is the schema's 1, made up: equal to the memberId by chance, it is no memberId.
    expect(provenanceOf(history[0]!)).toEqual({ bodyFromContext: { member_id: 'memberId' } })
    await bodySent({ bookId: 11, bookId_2: 12, memberId: 4 }, { body: 'sample', another: ['bookId'] }, history)
    expect(provenanceOf(history[1]!)).toEqual({ bodyFromContext: { bookId: 'bookId_2', member_id: 'memberId' } })
  })
})
