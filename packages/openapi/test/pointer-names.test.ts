/**
 * A path parameter is bound from the property of the same name in a create's response, looked up by a
 * JSON pointer built from the name. A name holding `/` or `~` must be escaped there (RFC 6901: `~1` and
 * `~0`): `/thing/id` looked for `id` inside `thing`, `/lot~1no` for `lot/no`, and the parameter was never
 * bound, so every operation on such a resource was never enabled and the exploration judged none of them.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import type { ExploreAction, ExploreActionArgs, HttpClient } from '@venomqa/core'
import { runActionAgainst } from './helpers'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { openApiActions } from '../src'
import { resolvePointer } from '../src/document'
import { linkPointerNames } from '../src/operations'
import { matchPath } from '../src/operations'

let dir: string
const signal = new AbortController().signal

/** Names as an API may choose them: a `/`, a `~` before 0 or 1 (what the escapes look like), a `%`. */
const NAMES = ['thing/id', 'lot~1no', 'v~0', 'pct%41'] as const
const stringProperty = { type: 'string' }

const DOCUMENT = {
  openapi: '3.0.3',
  info: { title: 't', version: '1' },
  paths: {
    '/things': {
      post: {
        operationId: 'createThing',
        responses: {
          201: {
            description: 'made',
            content: { 'application/json': { schema: { type: 'object', properties: Object.fromEntries(NAMES.map((n) => [n, stringProperty])) } } },
          },
        },
      },
    },
    ...Object.fromEntries(
      NAMES.map((name, i) => [
        `/things${i}/{${name}}`,
        { get: { operationId: `get${i}`, parameters: [{ name, in: 'path', required: true, schema: stringProperty }], responses: { 200: { description: 'ok' } } } },
      ]),
    ),
  },
}

const BODY = { 'thing/id': 't-1', 'lot~1no': 'l-2', 'v~0': 'v-3', 'pct%41': 'p-4', thing: { id: 'wrong' }, 'lot/no': 'wrong', 'v~': 'wrong', pctA: 'wrong' }

beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'venomqa-openapi-pointer-names-'))
  await writeFile(path.join(dir, 'api.json'), JSON.stringify(DOCUMENT))
})
afterAll(() => rm(dir, { recursive: true, force: true }))

/** Runs `name` of `file` against a client whose POST answers 201 with `body`; the context it leaves. */
const runCreate = (file = 'api.json', name = 'createThing', body: unknown = BODY) => runActionAgainst(dir, file, name, 'http://127.0.0.1:9', { status: 201, body })

describe('a path parameter whose name holds "/" or "~"', () => {
  it('is bound from the property of that very name, not from the place its unescaped name points to', async () => {
    const ctx = await runCreate()
    expect(Object.fromEntries(NAMES.map((n) => [n, ctx.get(n)]))).toEqual({ 'thing/id': 't-1', 'lot~1no': 'l-2', 'v~0': 'v-3', 'pct%41': 'p-4' })
  })

  it('sends the value bound in the path of each operation on the resource', async () => {
    const values = await runCreate()
    const actions = (await openApiActions('api.json').load({ root: dir, baseUrl: 'http://127.0.0.1:9', signal })) as ExploreAction<any>[]
    const sent: string[] = []
    const http = {
      baseUrl: 'http://127.0.0.1:9',
      request: async (_method: string, url: string) => {
        sent.push(url)
        return { status: 200, headers: {}, bodyText: '', json: () => undefined }
      },
    } as unknown as HttpClient
    const ctx = { get: (k: string) => values.get(k), has: (k: string) => values.has(k), require: (k: string) => values.get(k), set: () => {}, keys: () => [...values.keys()] }
    for (const [i] of NAMES.entries()) await actions.find((a) => a.name === `get${i}`)!.run({ http, ctx, input: {}, signal } as unknown as ExploreActionArgs<any>)
    expect(sent).toEqual(['/things0/t-1', '/things1/l-2', '/things2/v-3', '/things3/p-4'])
  })
})

describe('resolvePointer', () => {
  it('reads a pointer as a $ref fragment writes it: ~1, ~0, and percent-encoding', () => {
    expect(resolvePointer(BODY, '/thing~1id')).toBe('t-1')
    expect(resolvePointer(BODY, '/lot~01no')).toBe('l-2')
    expect(resolvePointer(BODY, '/v~00')).toBe('v-3')
    expect(resolvePointer({ 'a b': 1 }, '/a%20b')).toBe(1)
  })
})

describe('matchPath', () => {
  it('matches a template whose parameter name holds a "/": the request an operation sent is judged as its own', () => {
    expect(matchPath('/things0/{thing/id}', '/things0/t-1')).toEqual({ 'thing/id': 't-1' })
    expect(matchPath('/things1/{lot~1no}/parts', '/things1/l%2F2/parts')).toEqual({ 'lot~1no': 'l/2' })
    expect(matchPath('/things0/{thing/id}', '/things0/t-1/more')).toBeUndefined()
    expect(matchPath('/things0/{thing/id}', '/things9/t-1')).toBeUndefined()
  })

  it('matches as before: a parameter is one segment, the other segments as written', () => {
    expect(matchPath('/items/{id}', '/items/7')).toEqual({ id: '7' })
    expect(matchPath('/items/{id}', '/items/7/parts')).toBeUndefined()
    expect(matchPath('/items/{id}', '/Items/7')).toBeUndefined()
    expect(matchPath('/a.b/{id}', '/aXb/7')).toBeUndefined()
    expect(matchPath('/files/{id}', '/files/100%')).toEqual({ id: '100%' })
  })
})

/**
 * A link's `$response.body#/...` is a runtime expression, whose `json-pointer` is RFC 6901's own syntax
 * (OpenAPI 3.1, Runtime Expressions: `unescaped = %x00-2E / %x30-7D / %x7F-10FFFF`, `%` among them), not a
 * URI fragment: `~1` and `~0` are its only escapes, and `%20` is three characters of a name. Read as a $ref
 * fragment, `c%20d` was taken for `c d`, and the parameter was bound from the wrong property or never.
 */
describe('a link whose runtime expression holds "~1" and "%"', () => {
  const LINKED = {
    openapi: '3.1.0',
    info: { title: 't', version: '1' },
    paths: {
      '/boxes': {
        post: {
          operationId: 'createBox',
          responses: {
            201: {
              description: 'made',
              content: { 'application/json': { schema: { type: 'object' } } },
              links: { GetBox: { operationId: 'getBox', parameters: { boxId: '$response.body#/a~1b/c%20d' } } },
            },
          },
        },
      },
      '/boxes/{boxId}': { get: { operationId: 'getBox', parameters: [{ name: 'boxId', in: 'path', required: true, schema: stringProperty }], responses: { 200: { description: 'ok' } } } },
    },
  }
  const LINKED_BODY = { 'a/b': { 'c%20d': 'right', 'c d': 'wrong-decoded' }, a: { b: { 'c%20d': 'wrong-split' } } }

  it('binds the parameter from the property the pointer names as RFC 6901 reads it', async () => {
    await writeFile(path.join(dir, 'links.json'), JSON.stringify(LINKED))
    const values = await runCreate('links.json', 'createBox', LINKED_BODY)
    expect([...values.values()]).toContain('right')
    expect([...values.values()]).not.toContain('wrong-decoded')
  })

  it('linkPointerNames: the names of a body expression, unescaped once, never percent-decoded', () => {
    expect(linkPointerNames('$response.body#/a~1b/c%20d')).toEqual(['a/b', 'c%20d'])
    expect(linkPointerNames('$response.body#/m~0n/~01')).toEqual(['m~n', '~1'])
    expect(linkPointerNames('$response.body#/id')).toEqual(['id'])
    expect(linkPointerNames('$response.body#')).toEqual([])
    // Not a body pointer, or not one RFC 6901 allows (`~` escapes only 0 and 1; a pointer starts with `/`).
    expect(linkPointerNames('$response.header.Location')).toBeUndefined()
    expect(linkPointerNames('$response.body#/a~2')).toBeUndefined()
    expect(linkPointerNames('$response.body#id')).toBeUndefined()
  })
})
