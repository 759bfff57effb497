/**
 * The document's invariants judge what they should: a base URL with a path of its own, a DELETE of a
 * whole collection, a documented media type with parameters.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import type { HttpClient, Invariant, InvariantArgs, ResponseView } from '@venomqa/core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { openApiInvariants } from '../src'

let dir: string
const signal = new AbortController().signal

const json = (schema: object) => ({ content: { 'application/json': { schema } } })
const THING = { type: 'object', required: ['id'], properties: { id: { type: 'integer' } } }
const DOCUMENT = {
  openapi: '3.0.3',
  info: { title: 't', version: '1' },
  paths: {
    '/things': {
      get: { operationId: 'listThings', responses: { 200: { description: 'ok', ...json({ type: 'array', items: THING }) } } },
      // Clears the collection: afterwards it is there, and empty.
      delete: { operationId: 'clearThings', responses: { 204: { description: 'cleared' } } },
    },
    '/things/{id}': {
      get: { operationId: 'getThing', responses: { 200: { description: 'ok', ...json(THING) }, 404: { description: 'gone' } } },
      delete: { operationId: 'deleteThing', responses: { 204: { description: 'deleted' } } },
    },
    '/session': {
      get: { operationId: 'getSession', responses: { 200: { description: 'ok', ...json({ type: 'object' }) } } },
      delete: { operationId: 'logOut', responses: { 204: { description: 'logged out' } } },
    },
    '/charset': {
      get: { operationId: 'getCharset', responses: { 200: { description: 'ok', content: { 'application/json; charset=utf-8': { schema: THING } } } } },
    },
  },
}

beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'venomqa-openapi-invariants-'))
  await writeFile(path.join(dir, 'api.json'), JSON.stringify(DOCUMENT))
})
afterAll(() => rm(dir, { recursive: true, force: true }))

async function invariants(baseUrl: string): Promise<Map<string, Invariant>> {
  const loaded = await openApiInvariants('api.json').load({ root: dir, baseUrl, signal })
  return new Map(loaded.map((i) => [i.name, i]))
}

function view(action: string, method: string, url: string, status: number, body: unknown, contentType = 'application/json'): ResponseView {
  const text = body === undefined ? '' : JSON.stringify(body)
  return { status, headers: { 'content-type': contentType }, text, json: () => body, request: { method, url, headers: {} } as ResponseView['request'], action, input: undefined }
}

/** Runs a probing invariant after `action`; every probe answers `answer`. The paths probed are returned too. */
async function afterAction(inv: Invariant, baseUrl: string, action: string, method: string, url: string, status: number, answer: { status: number; body: unknown }) {
  const probed: string[] = []
  const http = {
    baseUrl,
    get: async (p: string) => {
      probed.push(p)
      return { status: answer.status, headers: {}, bodyText: JSON.stringify(answer.body), json: () => answer.body }
    },
  } as unknown as HttpClient
  const last = { action, input: undefined, request: { method, url, headers: {} }, response: { status, headers: {} } } as unknown as InvariantArgs['last']
  const ctx = { get: () => undefined, has: () => false, keys: () => [], require: () => undefined } as unknown as InvariantArgs['ctx']
  const verdict = await inv.check({ http, ctx, ports: {} as InvariantArgs['ports'], last, path: [], now: {}, before: {}, signal })
  return { verdict, probed }
}

describe('a base URL with a path (http://host/api/v1)', () => {
  const BASE = 'http://127.0.0.1:9/api/v1'

  it('judges the responses under it: an undocumented status, a body off its schema, a content type not listed', async () => {
    const inv = await invariants(BASE)
    expect(inv.get('status_documented')!.response!(view('getThing', 'GET', `${BASE}/things/1`, 500, { error: 'boom' }))).toMatch(/GET \/things\/\{id\} \(getThing\) answered 500/)
    expect(inv.get('response_schema')!.response!(view('getThing', 'GET', `${BASE}/things/1`, 200, { name: 'x' }))).toMatch(/does not match its schema: .*must have required property 'id'/)
    expect(inv.get('content_type')!.response!(view('getThing', 'GET', `${BASE}/things/1`, 200, { id: 1 }, 'text/html'))).toMatch(/content-type text\/html/)
    // And a good answer holds.
    expect(inv.get('response_schema')!.response!(view('getThing', 'GET', `${BASE}/things/1`, 200, { id: 1 }))).toBeUndefined()
  })

  it('a trailing slash on the base URL changes nothing', async () => {
    const inv = await invariants(`${BASE}/`)
    expect(inv.get('status_documented')!.response!(view('getThing', 'GET', `${BASE}/things/1`, 500, {}))).toMatch(/answered 500/)
  })

  it('use_after_free probes the deleted resource relative to the base URL, and tells when it is still there', async () => {
    const inv = await invariants(BASE)
    const { verdict, probed } = await afterAction(inv.get('use_after_free')!, BASE, 'deleteThing', 'DELETE', `${BASE}/things/7`, 204, { status: 200, body: { id: 7 } })
    expect(probed).toEqual(['/things/7'])
    expect(verdict).toMatch(/after DELETE \/things\/\{id\} \(deleteThing\) answered 204, GET \/things\/\{id\} \(getThing\) still answers 200/)
  })
})

describe('use_after_free and the DELETE of a collection', () => {
  const BASE = 'http://127.0.0.1:9'

  it.each([
    ['clearThings', `${BASE}/things`],
    ['logOut', `${BASE}/session`],
  ])('%s (a DELETE whose path ends in no parameter) is not a use after free when its GET still answers', async (action, url) => {
    const inv = await invariants(BASE)
    const { verdict, probed } = await afterAction(inv.get('use_after_free')!, BASE, action, 'DELETE', url, 204, { status: 200, body: [] })
    expect(verdict).toBeUndefined()
    expect(probed).toEqual([])
  })

  it('the DELETE of one resource still is', async () => {
    const inv = await invariants(BASE)
    const { verdict } = await afterAction(inv.get('use_after_free')!, BASE, 'deleteThing', 'DELETE', `${BASE}/things/7`, 204, { status: 200, body: { id: 7 } })
    expect(verdict).toMatch(/still answers 200/)
  })
})

describe('a documented media type with parameters (application/json; charset=utf-8)', () => {
  const BASE = 'http://127.0.0.1:9'

  it('matches the same type sent with or without them', async () => {
    const inv = await invariants(BASE)
    const contentType = inv.get('content_type')!.response!
    expect(contentType(view('getCharset', 'GET', `${BASE}/charset`, 200, { id: 1 }, 'application/json; charset=utf-8'))).toBeUndefined()
    expect(contentType(view('getCharset', 'GET', `${BASE}/charset`, 200, { id: 1 }, 'application/json'))).toBeUndefined()
    expect(contentType(view('getCharset', 'GET', `${BASE}/charset`, 200, { id: 1 }, 'text/plain'))).toMatch(/content-type text\/plain, where the document lists application\/json; charset=utf-8/)
  })

  it('its schema is the one response_schema checks', async () => {
    const inv = await invariants(BASE)
    expect(inv.get('response_schema')!.response!(view('getCharset', 'GET', `${BASE}/charset`, 200, { name: 'x' }, 'application/json; charset=utf-8'))).toMatch(/must have required property 'id'/)
  })
})
