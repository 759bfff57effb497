import { readFileSync } from 'node:fs'
import { writeFile } from 'node:fs/promises'
import http from 'node:http'
import path from 'node:path'
import { type LocalServer, listenLocally } from '@venomqa/test-utils'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type Project, assertBuilt, makeProject, cliHost } from './helpers/project'

/** This file's commands run in one process of the built CLI (see CliHost), but those that need one of their own. */
const host = cliHost()

// End to end: `venomqa generate` (the built binary) writes journeys from a small document, and `venomqa run`
// runs them against an in-memory API that answers as the document says. A journey that does not load, names
// two steps alike, or reads an id it never set fails here, not only in a user's first run.

const json = (schema: unknown) => ({ 'application/json': { schema } })
const idParam = (name: string) => ({ name, in: 'path', required: true, schema: { type: 'integer' } })
const object = (properties: Record<string, unknown>, required?: string[]) => ({ type: 'object', properties, ...(required ? { required } : {}) })
const ok = (schema?: unknown) => ({ description: 'ok', ...(schema ? { content: json(schema) } : {}) })

/** A collection `path` whose POST (tag `tag`) answers `answer` with 201, and its item `path/{param}`: GET (404 once deleted), plus `item`'s operations. */
function resource(tag: string, collection: string, param: string, answer: Record<string, unknown>, body: Record<string, unknown>, item: Record<string, unknown> = {}, parentParams: string[] = []) {
  const parameters = parentParams.map(idParam)
  return {
    [collection]: {
      post: {
        tags: [tag],
        operationId: `create_${tag}`,
        ...(parameters.length ? { parameters } : {}),
        requestBody: { required: true, content: json(object(body, Object.keys(body))) },
        responses: { 201: { description: 'made', content: json(object(answer)) } },
      },
    },
    [`${collection}/{${param}}`]: {
      parameters: [...parameters, idParam(param)],
      get: { tags: [tag], operationId: `get_${tag}`, responses: { 200: ok(object(answer)), 404: { description: 'gone' } } },
      ...item,
    },
  }
}

const document = (paths: Record<string, unknown>) => ({ openapi: '3.0.3', info: { title: 't', version: '1' }, paths })
const text = { type: 'string' }
const integer = { type: 'integer' }

/**
 * An in-memory API: a POST on a collection makes an item (its ids `id`, `userId` and `postId`, the body's
 * fields) under `<collection>/<n>`, and answers 404 when the collection's parent item does not exist; a
 * POST or PUT on one of `actions` under an item (`/orders/1/cancel`) answers 200 (404 when there is no
 * item); GET, PATCH and DELETE work on items; a GET of anything else is a list, 404 below an item that
 * does not exist. A POST whose body names
 * an item by `<noun>Id` (an order's `productId`) answers 404 when `/<noun>s/<id>` does not exist.
 */
function inMemoryApi(actions: string[]): http.Server {
  const items = new Map<string, Record<string, unknown>>()
  let next = 0
  return http.createServer((req, res) => {
    let body = ''
    req.on('data', (d) => (body += d))
    req.on('end', () => {
      const p = new URL(req.url ?? '/', 'http://x').pathname
      const answer = (status: number, value?: unknown) => {
        res.writeHead(status, { 'content-type': 'application/json' })
        res.end(value === undefined ? '' : JSON.stringify(value))
      }
      const sent = body ? (JSON.parse(body) as Record<string, unknown>) : {}
      const parent = p.slice(0, p.lastIndexOf('/'))
      if (actions.includes(p.slice(p.lastIndexOf('/') + 1))) return items.has(parent) ? answer(200, items.get(parent)) : answer(404, { error: `no ${parent}` })
      if (req.method === 'POST') {
        if (parent && !items.has(parent)) return answer(404, { error: `no ${parent}` })
        const named = Object.entries(sent).flatMap(([k, v]) => (/^[a-z]+Id$/.test(k) ? [`/${k.slice(0, -2)}s/${v}`] : []))
        const missing = named.find((item) => !items.has(item))
        if (missing) return answer(404, { error: `no ${missing}` })
        const id = ++next
        const made = { ...sent, id, userId: id, postId: id }
        items.set(`${p}/${id}`, made)
        return answer(201, made)
      }
      const item = items.get(p)
      // A read below an item (`/products/1/stats`) is of that item: none without it.
      if (req.method === 'GET' && !item && /\/\d+$/.test(parent) && !items.has(parent)) return answer(404, { error: `no ${parent}` })
      if (req.method === 'GET') return item ? answer(200, item) : /\/\d+$/.test(p) ? answer(404, { error: `no ${p}` }) : answer(200, [])
      if (!item) return answer(404, { error: `no ${p}` })
      if (req.method === 'DELETE') {
        items.delete(p)
        return answer(204)
      }
      Object.assign(item, sent)
      return answer(200, item)
    })
  })
}

describe('venomqa generate writes journeys that run', () => {
  let p: Project
  let api: LocalServer
  beforeAll(async () => {
    assertBuilt()
    p = await makeProject(null, {}, host)
    api = await listenLocally(inMemoryApi(['cancel', 'cancellation', 'remove']))
  })
  afterAll(async () => {
    await api?.close()
    await p?.remove()
  })

  /** Generate from `doc` into `out`, then run what it wrote: both must succeed. */
  async function generateAndRun(out: string, doc: unknown, journeys: number, flags: string[] = []): Promise<(file: string) => string> {
    await writeFile(path.join(p.dir, `${out}.json`), JSON.stringify(doc))
    const generated = await p.venomqa(['generate', '--openapi', `${out}.json`, '--out', out, ...flags])
    expect(generated.code, generated.stderr).toBe(0)
    const run = await p.venomqa(['run', out, '--base-url', api.url])
    expect(run.stdout).not.toContain('context has no')
    expect(run.stdout, run.stderr).toContain(`Journeys  ${journeys} passed of ${journeys}`)
    expect(run.code).toBe(0)
    return (file) => readFileSync(path.join(p.dir, out, file), 'utf8')
  }

  it('a tag that starts with a digit, or is a word a const cannot be named, still gives an export that loads', async () => {
    const doc = document({
      '/2fa/status': { get: { tags: ['2FA'], operationId: 'two_fa_status', responses: { 200: ok() } } },
      ...resource('eval', '/evals', 'id', { id: integer }, { name: text }),
      ...resource('arguments', '/arguments', 'id', { id: integer }, { name: text }),
    })
    const read = await generateAndRun('tags', doc, 3)
    expect(read('2-fa.journey.ts')).toContain("export const _2FaReads = journey('_2_fa_reads', {")
    expect(read('eval.journey.ts')).toContain("export const evalJourney = journey('eval', {")
    expect(read('arguments.journey.ts')).toContain("export const argumentsJourney = journey('arguments', {")
  })

  it('reads back an update of properties whose names are not identifiers (first-name, @type)', async () => {
    const user = { 'first-name': text, '@type': text }
    const doc = document(
      resource('users', '/users', 'id', { id: integer, ...user }, user, {
        patch: { tags: ['users'], operationId: 'update_user', requestBody: { required: true, content: json(object(user, Object.keys(user))) }, responses: { 200: ok(object(user)) } },
      }),
    )
    const read = await generateAndRun('quoted', doc, 1)
    const file = read('users.journey.ts')
    expect(file).toContain("assertEqual(res.json()['first-name'], 'firstname (updated)', 'first-name')")
    expect(file).toContain("assertEqual(res.json()['@type'], 'type (updated)', '@type')")
  })

  it("creates a child under its parent by the parent's collection path, not under another resource whose id has the same name", async () => {
    // Products and users are both named by {id}: a post is made under a user, whose path it is under.
    const doc = document({
      ...resource('products', '/products', 'id', { id: integer }, { name: text }),
      ...resource('users', '/users', 'id', { id: integer }, { name: text }),
      ...resource('posts', '/users/{id}/posts', 'postId', { postId: integer }, { title: text }, {}, ['id']),
    })
    const read = await generateAndRun('parents', doc, 3)
    const posts = read('posts.journey.ts')
    expect(posts).toContain("step('create_users',")
    expect(posts).not.toContain('/products')
  })

  it("an order whose body names a product, which another tag creates, is made with a product the journey creates first (also with --tag)", async () => {
    // Both items are named by {id}: the product's id is kept apart, under productId, and the order's reads use its own.
    const doc = document({
      ...resource('products', '/products', 'id', { id: integer }, { name: text }),
      ...resource('orders', '/orders', 'id', { id: integer }, { productId: integer, quantity: integer }, {
        patch: { tags: ['orders'], operationId: 'update_order', requestBody: { required: true, content: json(object({ quantity: integer }, ['quantity'])) }, responses: { 200: ok(object({ quantity: integer })) } },
      }),
    })
    const read = await generateAndRun('bodies', doc, 1, ['--tag', 'orders'])
    const orders = read('orders.journey.ts')
    expect(orders).toMatch(/step\('create_products',[\s\S]*ctx\.set\('productId', res\.json\(\)\.id\)[\s\S]*step\('create_orders',/)
    expect(orders).toContain("productId: ctx.require('productId')")
  })

  it('a tag that only reads below products, which another tag creates, reads the stats of a product its journey creates first (also with --tag)', async () => {
    const doc = document({
      ...resource('products', '/products', 'productId', { id: integer }, { name: text }),
      '/products/{productId}/stats': { get: { tags: ['stats'], operationId: 'get_stats', parameters: [idParam('productId')], responses: { 200: ok(), 404: { description: 'no product' } } } },
    })
    const read = await generateAndRun('reads-below', doc, 1, ['--tag', 'stats'])
    expect(read('stats.journey.ts')).toMatch(/step\('create_products',[\s\S]*step\('get_stats',/)
  })

  it("a parent's journey makes no step for a child's item, whose id it never sets", async () => {
    // /tmp/review-cli/gen2: the users journey read /users/{userId}/posts/{postId} without a postId.
    const doc = document({
      ...resource('users', '/users', 'userId', { userId: integer }, { name: text }),
      ...resource('posts', '/users/{userId}/posts', 'postId', { postId: integer }, { title: text }, {}, ['userId']),
    })
    const read = await generateAndRun('children', doc, 2)
    const users = read('users.journey.ts')
    // Creating a post under the user needs no other id: that one stays.
    expect(users).toContain("path('create_posts', [")
    expect(users).not.toContain("ctx.require('postId')")
    // The posts journey reads it, after creating it.
    expect(read('posts.journey.ts')).toContain("ctx.require('postId')")
  })

  it("links on the create's answer keep the item's update and delete in the flow, beside the linked operations", async () => {
    const pet = { name: text }
    const doc = document(
      resource('pets', '/pets', 'petId', { id: integer, ...pet }, pet, {
        patch: { tags: ['pets'], operationId: 'update_pet', requestBody: { required: true, content: json(object(pet, ['name'])) }, responses: { 200: ok(object(pet)) } },
        delete: { tags: ['pets'], operationId: 'delete_pet', responses: { 204: { description: 'gone' } } },
      }),
    )
    const created = (doc.paths['/pets'] as { post: { responses: { 201: Record<string, unknown> } } }).post.responses[201]
    // The document links the create to its read alone, as many do.
    created.links = { GetPet: { operationId: 'get_pets', parameters: { petId: '$response.body#/id' } } }
    const read = await generateAndRun('linked', doc, 1)
    const pets = read('pets.journey.ts')
    expect(pets).toContain("ctx.set('petId', res.json().id)")
    expect(pets).toContain("description: 'Create a pet, read it, update it, delete it.'")
    expect(pets).toMatch(/path\('update', \[\s+step\('update_pet',[\s\S]*step\('get_pets_after_update',/)
    expect(pets).toMatch(/path\('delete', \[\s+step\('delete_pet',[\s\S]*step\('get_pets_after_delete',/)
    expect(pets).not.toContain('Not in a journey above')
  })

  it('two operations whose step names would be one get names of their own (steps and branch paths)', async () => {
    // /tmp/review-cli/gen3: GET /user-stats and GET /user_stats were both `get_user_stats`.
    const list = (operationId?: string) => ({ get: { tags: ['stats'], ...(operationId ? { operationId } : {}), responses: { 200: ok() } } })
    const action = (method: 'post' | 'put', operationId: string) => ({ [method]: { tags: ['orders'], operationId, responses: { 200: ok() } } })
    const doc = document({
      '/user-stats': list(),
      '/user_stats': list(),
      '/items': list('listItems'),
      '/items/all': list('list_items'),
      ...resource('orders', '/orders', 'id', { id: integer }, { name: text }, { delete: { tags: ['orders'], operationId: 'delete_order', responses: { 204: { description: 'gone' } } } }),
      // Two actions of one name, and one named like the branch's delete path.
      '/orders/{id}/cancel': { parameters: [idParam('id')], ...action('post', 'cancelOrder') },
      '/orders/{id}/cancellation': { parameters: [idParam('id')], ...action('put', 'cancel_order') },
      '/orders/{id}/remove': { parameters: [idParam('id')], ...action('post', 'delete') },
    })
    const read = await generateAndRun('names', doc, 2)
    const stats = read('stats.journey.ts')
    expect(stats).toContain("step('get_user_stats',")
    expect(stats).toContain("step('get_user_stats_2',")
    expect(stats).toContain("step('list_items',")
    expect(stats).toContain("step('list_items_2',")
    const orders = read('orders.journey.ts')
    for (const name of ['cancel_order', 'cancel_order_2', 'delete', 'delete_2']) expect(orders).toContain(`path('${name}', [`)
  })
})
