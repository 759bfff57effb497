/**
 * A path parameter bound from the `Location` header of a create (the third rule, after links and id
 * properties): the document's paths are relative to the base URL, and a Location names the whole path.
 * Under a base URL with a path of its own (`http://host/v1`, a document whose server is `/v1`), the
 * Location `/v1/things/7` matched no template, nothing was bound, and every operation on a thing was
 * never enabled: the exploration passed having judged none of them.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import { runActionAgainst } from './helpers'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'

let dir: string

const DOCUMENT = {
  openapi: '3.0.3',
  info: { title: 't', version: '1' },
  servers: [{ url: '/v1' }],
  paths: {
    // No body: the Location is all that names what was made.
    '/things': { post: { operationId: 'createThing', responses: { 201: { description: 'made', headers: { Location: { schema: { type: 'string' } } } } } } },
    '/things/{thingId}': {
      get: { operationId: 'getThing', parameters: [{ name: 'thingId', in: 'path', required: true, schema: { type: 'string' } }], responses: { 200: { description: 'ok' } } },
    },
  },
}

beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'venomqa-openapi-location-'))
  await writeFile(path.join(dir, 'api.json'), JSON.stringify(DOCUMENT))
})
afterAll(() => rm(dir, { recursive: true, force: true }))

/** Runs `createThing` against a client whose POST answers 201 with `location`; the context it leaves. */
const create = (baseUrl: string, location: string) => runActionAgainst(dir, 'api.json', 'createThing', baseUrl, { status: 201, headers: { location } })

describe('a path parameter bound from the Location header', () => {
  it.each([
    ['at the root', 'http://127.0.0.1:9', '/things/7'],
    ['under the base path, a path', 'http://127.0.0.1:9/v1', '/v1/things/7'],
    ['under the base path with a trailing slash, an absolute URL with a query', 'http://127.0.0.1:9/v1/', 'http://127.0.0.1:9/v1/things/7?view=full'],
  ])('%s', async (_, baseUrl, location) => {
    expect(Object.fromEntries(await create(baseUrl, location))).toEqual({ thingId: '7' })
  })

  it('a Location with a % that escapes nothing is bound as it is, not a failure of the action', async () => {
    expect(Object.fromEntries(await create('http://127.0.0.1:9/v1', '/v1/things/100%'))).toEqual({ thingId: '100%' })
  })
})
