/**
 * The journey emitter on a hand-built run: what it writes is pinned by a golden file, is the same on
 * every emission, holds no secret and no id of the run, and is formatted in the house style.
 */
import { spawnSync } from 'node:child_process'
import { mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { type HttpExchange, action, exploration, invariant, knownSecrets, step } from '@venomqa/core'
import { REPO_ROOT } from '@venomqa/test-utils'
import { afterAll, describe, expect, it } from 'vitest'
import type { SequenceRun, SequenceStepRun } from '../src/contracts'
import { EmitError, emitJourney } from '../src/emit'

const here = path.dirname(fileURLToPath(import.meta.url))
const GOLDEN = path.join(here, 'golden/open-todos-c0ffee12.journey.ts.txt')
const BASE = 'http://127.0.0.1:4010'
const TOKEN = 'sekret-token-0123456789'
const NEW_TOKEN = 'rotated-token-9876543210'
const PASSWORD = 'correct horse battery'

const todos = exploration('todos', {
  setup: [step('log_in', () => undefined)],
  actions: [
    action('create_todo', () => undefined, { inputs: () => [{ title: 'a' }] }),
    action('add_comment', () => undefined),
    action('read_comment', () => undefined),
    action('change_password', () => undefined, { timeout: 5000 }),
  ],
  invariants: [invariant('open todos', () => true)],
})

function exchange(method: string, url: string, body: unknown, status: number, response: unknown, headers: Record<string, string> = {}): HttpExchange {
  return {
    request: { method, url: BASE + url, headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json', 'user-agent': 'venomqa', ...headers }, body },
    response: { status, headers: { 'content-type': 'application/json' }, body: response },
    durationMs: 3,
    attempt: 1,
    startedAt: '2024-01-01T00:00:00.000Z',
  }
}

/** A request as the client recorded it, with exactly these headers, answered 200. */
function request(method: string, url: string, headers: Record<string, string>, body?: unknown): HttpExchange {
  return { ...exchange(method, url, body, 200, {}), request: { method, url: BASE + url, headers, ...(body !== undefined ? { body } : {}) } }
}

function stepRun(action: string, input: unknown, exchanges: HttpExchange[], ctxBefore: Record<string, unknown>, ctxAfter: Record<string, unknown>): SequenceStepRun {
  return { action, input, exchanges, ctxBefore, ctxAfter, enabled: true }
}

// The setup put the user's id and a token in the context; ids 41, 42 and 900 are this run's.
const setupCtx = { userId: 7, token: TOKEN }
const run: SequenceRun = {
  steps: [
    stepRun('create_todo', { title: 'a' }, [exchange('POST', '/api/todos', { title: 'a' }, 201, { id: 41, title: 'a', done: false, userId: 7 }, { 'x-trace': 'create' })], setupCtx, {
      ...setupCtx,
      todoId: 41,
    }),
    stepRun('add_comment', { qty: 41 }, [exchange('POST', '/api/todos/41/comments', { text: 'why', todoId: 41, qty: 41 }, 201, { id: 900, todoId: 41, text: 'why' })], { ...setupCtx, todoId: 41 }, {
      ...setupCtx,
      todoId: 41,
    }),
    stepRun('read_comment', undefined, [exchange('GET', '/api/todos/41/comments/900?expand=true&ownerId=7', undefined, 200, { id: 900 })], { ...setupCtx, todoId: 41 }, { ...setupCtx, todoId: 41 }),
    stepRun(
      'change_password',
      { password: PASSWORD },
      [exchange('POST', '/api/me/password', { password: PASSWORD, api_key: 'abcdefgh-key' }, 200, { token: NEW_TOKEN, user: { id: 7 } }, { 'x-api-key': 'abcdefgh-key' })],
      { ...setupCtx, todoId: 41 },
      { ...setupCtx, todoId: 41, token: NEW_TOKEN, mode: 'strict' },
    ),
    stepRun('create_todo', { title: 'a' }, [exchange('POST', '/api/todos', { title: 'a' }, 201, { id: 42, title: 'a', done: false, userId: 7 })], { ...setupCtx, todoId: 41, token: NEW_TOKEN, mode: 'strict' }, {
      ...setupCtx,
      todoId: 42,
      token: NEW_TOKEN,
      mode: 'strict',
    }),
  ],
  violation: '2 open todos',
  probes: [],
}

const dirs: string[] = []
afterAll(async () => {
  for (const d of dirs) await rm(d, { recursive: true, force: true })
})

async function emitInto(root: string): Promise<{ file: string; text: string }> {
  const file = await emitJourney({ exploration: todos, explorationFile: 'explore/todos.explore.ts', root, dir: 'journeys/regressions', invariant: 'open todos', id: 'c0ffee12deadbeef', run, baseUrl: BASE })
  return { file, text: await readFile(path.join(root, file), 'utf8') }
}

/** The journey written for `run` (the invariant "open todos", base URL BASE), in a directory of its own. */
async function emitText(run: SequenceRun, id = 'feedface00'): Promise<string> {
  const root = await mkdtemp(path.join(os.tmpdir(), 'venomqa-emit-'))
  dirs.push(root)
  const file = await emitJourney({ exploration: todos, explorationFile: 'explore/todos.explore.ts', root, dir: 'journeys/regressions', invariant: 'open todos', id, run, baseUrl: BASE })
  return readFile(path.join(root, file), 'utf8')
}

/** The journey written for `run` and a built-in invariant. */
async function emitBuiltin(invariant: 'no_5xx' | 'request_error', run: SequenceRun): Promise<string> {
  const root = await mkdtemp(path.join(os.tmpdir(), 'venomqa-emit-'))
  dirs.push(root)
  const file = await emitJourney({ exploration: todos, explorationFile: 'explore/todos.explore.ts', root, dir: 'journeys/regressions', invariant, id: 'feedface00', run, baseUrl: BASE })
  return readFile(path.join(root, file), 'utf8')
}

describe('emitJourney', () => {
  it('writes the golden journey, the same file and text every time', async () => {
    const root = await mkdtemp(path.join(os.tmpdir(), 'venomqa-emit-'))
    dirs.push(root)
    const first = await emitInto(root)
    expect(first.file).toBe('journeys/regressions/open-todos-c0ffee12.journey.ts')
    expect(first.text).toBe(await readFile(GOLDEN, 'utf8'))
    const again = await emitInto(root)
    expect(again).toEqual(first)
    expect(await readdir(path.join(root, 'journeys/regressions'))).toEqual(['open-todos-c0ffee12.journey.ts'])
    const elsewhere = await mkdtemp(path.join(os.tmpdir(), 'venomqa-emit-'))
    dirs.push(elsewhere)
    expect((await emitInto(elsewhere)).text).toBe(first.text)
  })

  it('says in its header that a sequence whose shrinking its limit cut short may not be minimal, naming the limit', async () => {
    const root = await mkdtemp(path.join(os.tmpdir(), 'venomqa-emit-'))
    dirs.push(root)
    const emitted = async (shrinkLimit: { reason: 'attempts' | 'time'; limit: number }) => {
      const file = await emitJourney({ exploration: todos, explorationFile: 'explore/todos.explore.ts', root, dir: shrinkLimit.reason, invariant: 'open todos', id: 'c0ffee12deadbeef', run, baseUrl: BASE, shrinkLimit })
      return readFile(path.join(root, file), 'utf8')
    }
    const byReplays = await emitted({ reason: 'attempts', limit: 500 })
    expect(byReplays).toContain('// MAY NOT BE MINIMAL: shrunk until its limit (500 replays), so some of these actions may not be needed to break the invariant.')
    expect(byReplays).toContain('/** The sequence as the exploration took it:')
    expect(byReplays).not.toContain('minimal sequence')
    expect(await emitted({ reason: 'time', limit: 120_000 })).toContain('// MAY NOT BE MINIMAL: shrunk until its limit (120 s), so')
  })

  it('writes to an absolute directory where it says, not under the root, and imports the exploration from there', async () => {
    const root = await mkdtemp(path.join(os.tmpdir(), 'venomqa-emit-'))
    const outside = await mkdtemp(path.join(os.tmpdir(), 'venomqa-emit-out-'))
    dirs.push(root, outside)
    const file = await emitJourney({ exploration: todos, explorationFile: 'explore/todos.explore.ts', root, dir: outside, invariant: 'open todos', id: 'c0ffee12deadbeef', run, baseUrl: BASE })
    expect(file).toBe(path.join(outside, 'open-todos-c0ffee12.journey.ts'))
    expect(await readdir(outside)).toEqual(['open-todos-c0ffee12.journey.ts'])
    expect(await readdir(root)).toEqual([])
    const text = await readFile(file, 'utf8')
    expect(text).toContain(`import exploration from '${path.relative(outside, path.join(root, 'explore/todos.explore'))}.js'`)
  })

  it('writes no secret: not from a header, a request body, a response or the context', async () => {
    const root = await mkdtemp(path.join(os.tmpdir(), 'venomqa-emit-'))
    dirs.push(root)
    const { text } = await emitInto(root)
    for (const secret of [TOKEN, NEW_TOKEN, PASSWORD, 'abcdefgh-key', 'Bearer']) expect(text).not.toContain(secret)
    // The session comes back with the setup's log-in; a key the action sent itself, from the environment.
    expect(text).not.toMatch(/authorization/i)
    expect(text).toContain("headers: { 'x-api-key': process.env.VENOMQA_SECRET_X_API_KEY }")
    expect(text).toContain('password: process.env.VENOMQA_SECRET_PASSWORD')
    expect(text).toContain("ctx.set('token', res.json().token)")
  })

  it('sends a secret header the run got on its way from the context, not from the environment', async () => {
    const key = 'k-0123456789abcdef'
    const session = 'sess-fedcba9876543210'
    const keyed = { apiKey: key, session, note: 'not-a-secret' }
    // The run remembered the key when the first request sent it: the record hides it in the second.
    knownSecrets.add([key])
    const text = await emitText({
      steps: [
        stepRun('create_todo', { title: 'a' }, [request('POST', '/api/keys', {}, { title: 'a' })], {}, {}),
        stepRun('add_comment', undefined, [{ ...request('POST', '/api/sessions', {}), response: { status: 201, headers: {}, body: { key, session } } }], {}, keyed),
        stepRun('read_comment', undefined, [request('GET', '/api/todos', { 'x-api-key': key, authorization: `Bearer ${session}` })], keyed, keyed),
        // The record hid these: the context key named like the header, when the run knows its value secret.
        stepRun('read_comment', undefined, [request('GET', '/api/todos/1', { 'x-api-key': '[REDACTED]', 'x-note': '[REDACTED]' })], keyed, keyed),
      ],
      violation: '2 open todos',
      probes: [],
    })
    expect(text).not.toContain(key)
    expect(text).not.toContain(session)
    expect(text).not.toContain('VENOMQA_SECRET_X_API_KEY')
    expect(text).toContain("ctx.set('apiKey', res.json().key)")
    // biome-ignore lint/suspicious/noTemplateCurlyInString: the emitted source, not a template
    expect(text).toContain("await http.get('/api/todos', { headers: { 'x-api-key': ctx.require('apiKey'), authorization: `Bearer ${ctx.require('session')}` } })")
    expect(text).toContain("await http.get('/api/todos/1', { headers: { 'x-api-key': ctx.require('apiKey'), 'x-note': process.env.VENOMQA_SECRET_X_NOTE } })")
  })

  it('sends ids through the context, never as literals of the run', async () => {
    const root = await mkdtemp(path.join(os.tmpdir(), 'venomqa-emit-'))
    dirs.push(root)
    const { text } = await emitInto(root)
    expect(text.replaceAll('qty: 41', '')).not.toMatch(/\b(41|42|900)\b/)
    expect(text).toContain("ctx.set('todoId', res.json().id)")
    // biome-ignore lint/suspicious/noTemplateCurlyInString: the emitted source, not a template
    expect(text).toContain("`/api/todos/${ctx.require('todoId')}/comments`")
    // 900 was in a response, not in the context: the journey keeps it under a key of its own.
    expect(text).toContain("ctx.set('add_comment.id', res.json().id)")
    // biome-ignore lint/suspicious/noTemplateCurlyInString: the emitted source, not a template
    expect(text).toContain("`/api/todos/${ctx.require('todoId')}/comments/${ctx.require('add_comment.id')}`")
    expect(text).toContain("query: { expand: 'true', ownerId: String(ctx.require('userId')) }")
    // A number the input holds, under a key that names no id, stays as it was.
    expect(text).toContain("json: { text: 'why', todoId: ctx.require('todoId'), qty: 41 }")
  })

  it('sends a number through the context only where an id is expected, under the key that names it', async () => {
    // A fresh database numbers every table from 1: the product, its order and its reservation are all 1
    // here. The actions wrote `quantity: 1` and `name: 'Widget'` themselves, with no input.
    const shopper = { userId: 7 }
    const withProduct = { ...shopper, productId: 1 }
    const withOrder = { ...withProduct, orderId: 1 }
    const shopRun: SequenceRun = {
      steps: [
        stepRun('create_product', undefined, [exchange('POST', '/api/products', { sku: 'W-1', name: 'Widget' }, 201, { id: 1, sku: 'W-1', name: 'Widget' })], shopper, withProduct),
        stepRun('create_order', undefined, [exchange('POST', '/api/products/1/orders', { quantity: 1 }, 201, { id: 1, productId: 1, quantity: 1 })], withProduct, withOrder),
        stepRun('reorder', undefined, [exchange('POST', '/api/products/1/orders', { quantity: 1, productId: 1, name: 'Widget' }, 201, { id: 2, productId: 1, quantity: 1 })], withOrder, {
          ...withOrder,
          orderId: 2,
        }),
        stepRun('delete_product', undefined, [exchange('DELETE', '/api/products/1', undefined, 204, undefined)], { ...withOrder, orderId: 2 }, { ...shopper, orderId: 2, deletedProductId: 1 }),
      ],
      violation: 'still readable',
      probes: [],
    }
    const root = await mkdtemp(path.join(os.tmpdir(), 'venomqa-emit-'))
    dirs.push(root)
    const file = await emitJourney({ exploration: todos, explorationFile: 'explore/todos.explore.ts', root, dir: 'journeys/regressions', invariant: 'open todos', id: 'abcdef0123', run: shopRun, baseUrl: BASE })
    const text = await readFile(path.join(root, file), 'utf8')
    // biome-ignore lint/suspicious/noTemplateCurlyInString: the emitted source, not a template
    expect(text).toContain("await http.post(`/api/products/${ctx.require('productId')}/orders`, { json: { quantity: 1 } })")
    expect(text).toContain("json: { quantity: 1, productId: ctx.require('productId'), name: 'Widget' }")
    // biome-ignore lint/suspicious/noTemplateCurlyInString: the emitted source, not a template
    expect(text).toContain("await http.delete(`/api/products/${ctx.require('productId')}`)")
    expect(text).toContain("ctx.set('deletedProductId', ctx.require('productId'))")
    expect(text).not.toMatch(/ctx\.require\('orderId'\)|create_product\.name/)
  })

  it('sends a value that several ids share as the one named like where it goes: a context key not named like an id, a field of an earlier response', async () => {
    // A fresh database: the cart, product A and the cart's line are all 1. The action sent product A's id,
    // read from `productA`; remove_item read the cart and deleted its last line by the line's id. Sent as
    // the cart's id instead, the journey adds the wrong product and deletes no line (404) on a database
    // whose ids do not coincide, and passes with the bug still there.
    const setup = { productA: 1, productB: 2, cartId: 1 }
    const cart = { id: 1, coupon: 'SAVE5', items: [{ id: 1, productId: 1, quantity: 1, price: 600 }], subtotal: 600 }
    const cartRun: SequenceRun = {
      steps: [
        stepRun('add_item', { sku: 'A' }, [exchange('POST', '/api/carts/1/items', { productId: 1, quantity: 1 }, 201, { id: 1 })], setup, setup),
        stepRun('apply_coupon', undefined, [exchange('POST', '/api/carts/1/coupon', { code: 'SAVE5' }, 200, cart)], setup, setup),
        stepRun('remove_item', undefined, [exchange('GET', '/api/carts/1', undefined, 200, cart), exchange('DELETE', '/api/carts/1/items/1', undefined, 204, undefined)], setup, setup),
      ],
      violation: 'cart 1 holds coupon SAVE5, which is free to use again',
      probes: [],
    }
    const root = await mkdtemp(path.join(os.tmpdir(), 'venomqa-emit-'))
    dirs.push(root)
    const file = await emitJourney({ exploration: todos, explorationFile: 'explore/todos.explore.ts', root, dir: 'journeys/regressions', invariant: 'open todos', id: 'abcdef0124', run: cartRun, baseUrl: BASE })
    const text = await readFile(path.join(root, file), 'utf8')
    expect(text).toContain("json: { productId: ctx.require('productA'), quantity: 1 }")
    // biome-ignore lint/suspicious/noTemplateCurlyInString: the emitted source, not a template
    expect(text).toContain("await http.delete(`/api/carts/${ctx.require('cartId')}/items/${ctx.require('remove_item.items_0_id')}`)")
    expect(text).toContain("ctx.set('remove_item.items_0_id', res.json().items[0].id)")
  })

  it('calls a URL of another origin than the base URL whole, and one of the base URL by its path', async () => {
    // The action called another service (`http.get('http://127.0.0.1:47101/health')`) while the base URL
    // is :4010: sent to the base URL by its path alone, the replay would test a service the action never called.
    const other = 'http://127.0.0.1:47101'
    const oneRun: SequenceRun = {
      steps: [
        stepRun('check_health', undefined, [{ ...request('GET', '/health', {}), request: { method: 'GET', url: `${other}/health?deep=1`, headers: {} } }], {}, {}),
        stepRun('list_todos', undefined, [request('GET', '/api/todos', {})], {}, {}),
      ],
      probes: [],
    }
    const text = await emitText(oneRun)
    expect(text).toContain(`await http.get('${other}/health', { query: { deep: '1' } })`)
    expect(text).toContain("await http.get('/api/todos')")
  })

  it("replays every header the action gave as it sent it: a text body's JSON content type, an accept", async () => {
    // A text body sent as JSON (the parser answers 500); without its content type the replay is answered 415.
    const parse = request('POST', '/parse', { 'content-type': 'application/json' }, '{"a": ')
    const csv = request('GET', '/export', { accept: 'text/csv', 'x-mode': 'full' })
    const json = request('POST', '/api/todos', { 'content-type': 'application/json', 'content-length': '12' }, { title: 'a' })
    const vendor = request('POST', '/api/todos', { 'content-type': 'application/vnd.api+json' }, { title: 'b' })
    const text = await emitText({ steps: [stepRun('parse', undefined, [parse, csv, json, vendor], {}, {})], probes: [] })
    expect(text).toContain(`await http.post('/parse', { body: '{"a": ', headers: { 'content-type': 'application/json' } })`)
    expect(text).toContain("await http.get('/export', { headers: { accept: 'text/csv', 'x-mode': 'full' } })")
    // The type a `json:` body gets anyway, and the body's length, are the client's to send.
    expect(text).toContain("await http.post('/api/todos', { json: { title: 'a' } })")
    expect(text).toContain("await http.post('/api/todos', { json: { title: 'b' }, headers: { 'content-type': 'application/vnd.api+json' } })")
  })

  it("leaves out the headers the client sent at the root by itself, and only those, when the run says which", async () => {
    // The config's user agent and API key (redacted in the record), the setup's session: sent by the
    // journey's client too. The action's accept is on every request of the run, which alone says nothing.
    const rootHeaders = { 'user-agent': 'shop-tests', 'x-api-key': '[REDACTED]', authorization: '[REDACTED]' }
    const sent = { ...rootHeaders, accept: 'text/csv' }
    const run: SequenceRun = {
      steps: [stepRun('export', undefined, [request('GET', '/export', sent), request('GET', '/export/2', { ...sent, 'x-api-key': '[REDACTED]' })], {}, {})],
      probes: [],
      rootHeaders,
    }
    const text = await emitText(run)
    expect(text).toContain("await http.get('/export', { headers: { accept: 'text/csv' } })")
    expect(text).toContain("await http.get('/export/2', { headers: { accept: 'text/csv' } })")
    expect(text).not.toMatch(/VENOMQA_SECRET|user-agent|authorization/)
  })

  it('replays a request that got no answer in time with the deadline it ran into', async () => {
    const slow: HttpExchange = { ...request('GET', '/slow?ms=2000', {}), response: undefined, error: 'GET http://127.0.0.1:4010/slow?ms=2000 timed out after 300 ms', timeoutMs: 300 }
    const text = await emitBuiltin('request_error', { steps: [stepRun('slow', undefined, [slow], {}, {})], probes: [] })
    expect(text).toContain("await http.get('/slow', { query: { ms: '2000' }, timeout: 300 })")
  })

  it('counts a list again where the action noted its size, and sets keys from the last answer only under the status it had', async () => {
    const listed = exchange('GET', '/api/todos', undefined, 200, { data: [{ id: 41 }, { id: 42 }], total: 2 })
    const created = exchange('POST', '/api/todos', { title: 'a' }, 201, { id: 43, ownerId: 7 })
    const after = { ...setupCtx, 'listed before': '2 items', seen: '9 items', todoId: 43, ownerId: 7 }
    const text = await emitText({ steps: [stepRun('create_todo', { title: 'a' }, [listed, created], setupCtx, after)], probes: [] })
    expect(text).toContain("import { branch, checkInvariant, checkpoint, journey, observeBefore, path, plural, step } from '@venomqa/core'")
    // The envelope's total, as the OpenAPI actions count it: past a full page, the page's length stays the same.
    expect(text).toContain("if (res1.status === 200) ctx.set('listed before', plural(res1.json().total, 'item'))\n")
    expect(text).toContain("if (res2.status === 201) {\n            ctx.set('todoId', res2.json().id)\n            ctx.set('ownerId', res2.json().ownerId)\n          }\n")
    // No list of that size: a count of something else, written as it was.
    expect(text).toContain("ctx.set('seen', '9 items')")
  })

  it('asserts the answer of a list an earlier action counted, which the replay reads, and none of the last action', async () => {
    // A create that notes the size of its collection first (the OpenAPI actions do, for
    // no_leak_on_failed_create). The earlier count is read: the invariant compares with it when the last
    // action sets none. Answered otherwise it would be no count, and the check would hold for want of one.
    const key = 'listed before POST /api/todos'
    const list = (ids: number[]) => exchange('GET', '/api/todos', undefined, 200, ids.map((id) => ({ id })))
    const create = (status: number, body: unknown) => exchange('POST', '/api/todos', { title: 'a' }, status, body)
    const created = { ...setupCtx, [key]: '0 items', todoId: 41 }
    const text = await emitText({
      steps: [
        stepRun('create_todo', { title: 'a' }, [list([]), create(201, { id: 41 })], setupCtx, created),
        stepRun('create_todo', { title: 'a' }, [list([41]), create(422, { error: 'one open todo at most' })], created, { ...created, [key]: '1 item' }),
      ],
      probes: [],
    })
    expect(text).toContain(
      [
        "        step('create_todo', async ({ http, ctx }) => {",
        '          // answered 200',
        "          const res1 = await http.get('/api/todos')",
        '          assertStatus(res1, 200) // the replay needs what this answer gives',
        "          ctx.set('listed before POST /api/todos', plural(res1.json().length, 'item'))",
        '          // answered 201',
        "          const res2 = await http.post('/api/todos', { json: { title: 'a' } })",
        '          // Accepted in the exploration: refused now, the sequence would not reach the state the invariant broke in.',
        "          assertStillAccepted(res2, { step: 'create_todo', status: 201 })",
        "          ctx.set('todoId', res2.json().id)",
        '        }),',
        // What the state backends hold before the last action: the invariant's `before`.
        "        step('observe before create_todo (2)', (args) => observeBefore(args)),",
        // The last action's answers are what the fix may change: none is asserted.
        "        step('create_todo (2)', async ({ http, ctx }) => {",
        '          // answered 200',
        "          const res1 = await http.get('/api/todos')",
        "          if (res1.status === 200) ctx.set('listed before POST /api/todos', plural(res1.json().length, 'item'))",
        '          // answered 422',
        "          const res2 = await http.post('/api/todos', { json: { title: 'a' } })",
        // Looked at, not checked: unlooked at, the run would take the refusal for one the step forgot to check.
        '          void res2.status // refused in the exploration too; the invariant judges the state after it',
        '        }),',
      ].join('\n'),
    )
    expect(text.match(/assertStatus\(/g)).toHaveLength(1)
    expect(text.match(/assertStillAccepted\(/g)).toHaveLength(1)
  })

  it('checks that a write refused in the exploration before the last action is still refused, and only looks at a refused read', async () => {
    // Accepted now, the refused write would change the state where it changed nothing in the exploration:
    // the journey would reach another state than the invariant broke in. A refused read changes nothing:
    // its status is looked at (the run tells of a refusal a step never looked at), not checked.
    const refusedWrite = exchange('POST', '/api/todos', { title: 'a' }, 409, { error: 'taken' })
    const refusedRead = exchange('GET', '/api/todos/999', undefined, 404, { error: 'not found' })
    const created = exchange('POST', '/api/todos', { title: 'b' }, 201, { id: 41 })
    const text = await emitText({
      steps: [stepRun('create_todo', { title: 'a' }, [refusedRead, refusedWrite], setupCtx, setupCtx), stepRun('create_todo', { title: 'b' }, [created], setupCtx, { ...setupCtx, todoId: 41 })],
      probes: [],
    })
    expect(text).toContain("import { assertStillRefused, branch, checkInvariant, checkpoint, journey, observeBefore, path, step } from '@venomqa/core'")
    expect(text).toContain(
      [
        '          // answered 404',
        "          const res1 = await http.get('/api/todos/999')",
        '          void res1.status // refused in the exploration too; the invariant judges the state after it',
        '          // answered 409',
        "          const res2 = await http.post('/api/todos', { json: { title: 'a' } })",
        '          // Refused in the exploration: accepted now, the sequence would go through another state than the one the invariant broke in.',
        "          assertStillRefused(res2, { step: 'create_todo', status: 409 })",
        '        }),',
      ].join('\n'),
    )
  })

  it("runs a request of the last action that sends what an earlier answer of it set only when that answer set it", async () => {
    // The fixed app may answer the booking otherwise and set no bookingId: the action would not have read
    // the booking back. The condition is the answer's status, not the key: an earlier step set bookingId too.
    const booked = { ...setupCtx, bookingId: 41 }
    const book = (id: number) => exchange('POST', '/api/bookings', { seats: 1 }, 201, { id })
    const readBack = await emitText({
      steps: [
        stepRun('book', { seats: 1 }, [book(41)], setupCtx, booked),
        stepRun('book', { seats: 1 }, [book(43), exchange('GET', '/api/bookings/43', undefined, 200, { id: 43, seats: 1 }), exchange('GET', '/api/todos', undefined, 200, [])], booked, {
          ...setupCtx,
          bookingId: 43,
        }),
      ],
      probes: [],
    })
    const guard = '// Only once the answer above set what this sends, as the action sent it: a fixed app may answer otherwise and set nothing.'
    const unjudged = '// Looked at, not checked: a fix may refuse it; the invariant judges the state after it.'
    const readBackStep = [
        "        step('book (2)', async ({ http, ctx }) => {",
        '          // answered 201',
        "          const res = await http.post('/api/bookings', { json: { seats: 1 } })",
        "          if (res.status === 201) ctx.set('bookingId', res.json().id)",
        `          ${guard}`,
        '          if (res.status === 201) {',
        '            // answered 200',
        // Looked at, not checked: the fixed app's refusal is no answer the step forgot to check.
        `            ${unjudged}`,
        // biome-ignore lint/suspicious/noTemplateCurlyInString: the emitted source, not a template
        "            void (await http.get(`/api/bookings/${ctx.require('bookingId')}`)).status",
        '          }',
        // Sends nothing of an answer: it runs whatever the answers.
        '          // answered 200',
        `          ${unjudged}`,
        "          void (await http.get('/api/todos')).status",
        '        }),',
      ].join('\n')
    expect(readBack).toContain(readBackStep)
    // A payment of the booking, and a read of the payment: each runs under the answers it needs. A request
    // between them stays in the booking's block, where the payment's answer is in scope.
    const paid = await emitText({
      steps: [
        stepRun(
          'pay',
          { seats: 1 },
          [
            book(43),
            exchange('POST', '/api/bookings/43/payments', { amount: 5 }, 201, { id: 900 }),
            exchange('GET', '/api/todos', undefined, 200, []),
            exchange('GET', '/api/payments/900', undefined, 200, { id: 900 }),
          ],
          setupCtx,
          { ...setupCtx, bookingId: 43, paymentId: 900 },
        ),
      ],
      probes: [],
    })
    const paidStep = [
        "          const res1 = await http.post('/api/bookings', { json: { seats: 1 } })",
        "          if (res1.status === 201) ctx.set('bookingId', res1.json().id)",
        `          ${guard}`,
        '          if (res1.status === 201) {',
        '            // answered 201',
        // biome-ignore lint/suspicious/noTemplateCurlyInString: the emitted source, not a template
        "            const res2 = await http.post(`/api/bookings/${ctx.require('bookingId')}/payments`, { json: { amount: 5 } })",
        "            if (res2.status === 201) ctx.set('paymentId', res2.json().id)",
        '            // answered 200',
        `            ${unjudged}`,
        "            void (await http.get('/api/todos')).status",
        `            ${guard}`,
        '            if (res2.status === 201) {',
        '              // answered 200',
        `              ${unjudged}`,
        // biome-ignore lint/suspicious/noTemplateCurlyInString: the emitted source, not a template
        "              void (await http.get(`/api/payments/${ctx.require('paymentId')}`)).status",
        '            }',
        '          }',
        '        }),',
      ].join('\n')
    expect(paid).toContain(paidStep)
    // The blocks are as biome writes them.
    expect(await houseStyle(readBack)).toContain(readBackStep)
    expect(await houseStyle(paid)).toContain(paidStep)
  })

  it('writes no journey for a built-in invariant whose last action made no request: its check would judge another one', async () => {
    // The action hung before it sent anything: there is nothing to replay, and the check of the last
    // request would read the first action's, passing or failing whatever the bug.
    const run: SequenceRun = { steps: [stepRun('list_todos', undefined, [request('GET', '/api/todos', {})], {}, {}), stepRun('wait', undefined, [], {}, {})], probes: [] }
    await expect(emitBuiltin('request_error', run)).rejects.toThrow(
      new EmitError('cannot write a regression journey for "request_error": the last action "wait" made no request the journey could replay, and its check would judge another one'),
    )
  })

  it('reads each secret value of one name from a variable of its own, and one value from one variable', async () => {
    const hidden = '[REDACTED]'
    const run: SequenceRun = {
      steps: [
        // Hidden by the record: a body field and a query parameter are two values to it.
        stepRun('rotate', { password: 'first-secret-1234' }, [request('POST', `/rotate?password=${hidden}`, {}, { password: hidden })], {}, {}),
        // Known: the same value twice is one variable, another value another one.
        stepRun('log_in', undefined, [request('POST', '/login', {}, { password: 'first-secret-1234' }), request('POST', '/login', {}, { password: 'other-secret-5678' })], {}, {}),
        stepRun('log_in', undefined, [request('POST', '/login', {}, { password: 'other-secret-5678' })], {}, {}),
      ],
      violation: 'broken',
      probes: [],
    }
    const text = await emitText(run)
    expect(text).toContain(
      "const res = await http.post('/rotate', {\n            query: { password: process.env.VENOMQA_SECRET_PASSWORD },\n            json: { password: process.env.VENOMQA_SECRET_PASSWORD_2 },\n          })",
    )
    expect(text.match(/json: \{ password: process\.env\.VENOMQA_SECRET_PASSWORD_3 \}/g)).toHaveLength(1)
    expect(text.match(/json: \{ password: process\.env\.VENOMQA_SECRET_PASSWORD_4 \}/g)).toHaveLength(2)
    expect(text).toContain('//   VENOMQA_SECRET_PASSWORD: the query parameter "password"\n//   VENOMQA_SECRET_PASSWORD_2: "password" in a request body\n')
    // The input is only shown (the invariant's `path`): the variable a request sent that very value from
    // (`log_in`'s first), not the first of its name, which stands for a value the record hid.
    expect(text).toContain("{ action: 'rotate', input: { password: process.env.VENOMQA_SECRET_PASSWORD_3 } }")
    expect(text).not.toMatch(/first-secret|other-secret|VENOMQA_SECRET_PASSWORD_5/)
  })

  it('judges a query parameter or a form field by the rule for query names: ?session= and ?sig= from the environment, a cursor and a made-up value as sent', async () => {
    // A record made elsewhere (an older results file, a plugin's recorder) may hold the values as sent:
    // `session`, `key` and `sig` are no secret body keys, but a query gives them away.
    const form = { 'content-type': 'application/x-www-form-urlencoded' }
    const run: SequenceRun = {
      steps: [
        stepRun('read_comment', undefined, [request('GET', '/me?session=s3ss-9qk2m7&sig=sig-5c1e88&page_token=CiAKGjBp&key=made-up-secret-key-1&page=2', {})], {}, {}),
        stepRun('add_comment', undefined, [request('POST', '/login', form, 'session=s3ss-form-71&user=ada')], {}, {}),
      ],
      violation: 'broken',
      probes: [],
    }
    const text = await emitText(run)
    expect(text).toContain(
      "query: { session: process.env.VENOMQA_SECRET_SESSION, sig: process.env.VENOMQA_SECRET_SIG, page_token: 'CiAKGjBp', key: 'made-up-secret-key-1', page: '2' },",
    )
    expect(text).toContain("await http.post('/login', { form: { session: process.env.VENOMQA_SECRET_SESSION_2, user: 'ada' } })")
    expect(text).toContain('//   VENOMQA_SECRET_SESSION: the query parameter "session"\n//   VENOMQA_SECRET_SIG: the query parameter "sig"\n//   VENOMQA_SECRET_SESSION_2: the form field "session"\n')
    expect(text).not.toMatch(/s3ss-|sig-5c1e88/)
  })

  it('sends an OAuth code from the context it was read into, from the redirect that gave it; a code verifier from the environment', async () => {
    // A record read back (no values as received): the redirect's code and the form's fields are masks.
    const code = 'oc-7f3a9d2e5b1c'
    knownSecrets.add([code])
    const hidden = '[REDACTED]'
    const redirect = { ...request('GET', '/oauth/authorize?state=st-1', {}), response: { status: 302, headers: { location: `/cb?code=${hidden}&state=st-1` } } }
    const form = { 'content-type': 'application/x-www-form-urlencoded' }
    const run: SequenceRun = {
      steps: [
        stepRun('authorize', undefined, [redirect], {}, { code }),
        stepRun('token', undefined, [request('POST', '/oauth/token', form, `grant_type=authorization_code&code=${hidden}&code_verifier=${hidden}`)], { code }, { code }),
        // A record that kept the values as sent: the same code, the same context key.
        stepRun('callback', undefined, [request('GET', `/cb?code=${code}&state=st-1`, {})], { code }, { code }),
      ],
      violation: 'broken',
      probes: [],
    }
    const text = await emitText(run)
    expect(text).toContain("ctx.set('code', new URL(res.headers.location!, res.url).searchParams.get('code'))")
    expect(text).toContain(
      "form: { grant_type: 'authorization_code', code: String(ctx.require('code')), code_verifier: process.env.VENOMQA_SECRET_CODE_VERIFIER },",
    )
    expect(text).toMatch(/await http\.get\(.*, \{ query: \{ code: String\(ctx\.require\('code'\)\), state: 'st-1' \} \}\)\)\.status\n/)
    expect(text).toContain('//   VENOMQA_SECRET_CODE_VERIFIER: the form field "code_verifier"\n')
    expect(text).not.toContain(code)
    expect(text).not.toContain('VENOMQA_SECRET_CODE:')
  })

  it("says what the exploration's setup is as it is: none is never said to sign up and log in", async () => {
    const root = await mkdtemp(path.join(os.tmpdir(), 'venomqa-emit-'))
    dirs.push(root)
    const bare = exploration('todos', { actions: todos.actions, invariants: todos.invariants })
    const file = await emitJourney({ exploration: bare, explorationFile: 'explore/todos.explore.ts', root, dir: 'journeys/regressions', invariant: 'open todos', id: 'c0ffee12deadbeef', run, baseUrl: BASE })
    const text = await readFile(path.join(root, file), 'utf8')
    expect(text).not.toContain('signs up and logs in again')
    expect(text).toContain("// The exploration's setup, empty when this journey was written: steps it gains later run here too.")
    expect(text).toContain('...exploration.setup,')
    // With a setup, the comment says what running it again means, whatever its steps do.
    expect((await emitInto(root)).text).toContain("// The exploration's own setup, run again here: a log-in in it logs in again, so no credential is written here.")
  })

  it('is formatted in the house style (biome leaves it as it is)', async () => {
    const root = await mkdtemp(path.join(os.tmpdir(), 'venomqa-emit-'))
    dirs.push(root)
    const { text } = await emitInto(root)
    expect(await houseStyle(text)).toBe(text)
  })

  it('writes a short sequence and short bodies one entry per line where the formatter does', async () => {
    // Two entries of two keys each fit on one line; biome (as prettier) breaks such an array all the same.
    const run: SequenceRun = {
      steps: [
        stepRun('add', { n: 1 }, [request('POST', '/items', {}, { lines: [{ sku: 'a', qty: 1 }, { sku: 'b', qty: 2 }] })], {}, {}),
        stepRun('add', { n: 2 }, [request('POST', '/items', {}, { name: 'x' })], {}, {}),
      ],
      violation: 'broken',
      probes: [],
    }
    const text = await emitText(run)
    expect(text).toContain("const sequence = [\n  { action: 'add', input: { n: 1 } },\n  { action: 'add', input: { n: 2 } },\n]\n")
    expect(await houseStyle(text)).toBe(text)
  })
})

/** `text` as biome formats it with the repository's formatter settings (biome.jsonc), in a project of their own. */
async function houseStyle(text: string): Promise<string> {
  const root = await mkdtemp(path.join(os.tmpdir(), 'venomqa-emit-'))
  dirs.push(root)
  const settings = {
    formatter: { enabled: true, indentStyle: 'space', indentWidth: 2, lineWidth: 160 },
    javascript: { formatter: { quoteStyle: 'single', semicolons: 'asNeeded', trailingCommas: 'all', arrowParentheses: 'always' } },
  }
  await writeFile(path.join(root, 'biome.json'), JSON.stringify(settings))
  const biome = path.join(REPO_ROOT, 'node_modules/.bin/biome')
  const out = spawnSync(biome, ['format', '--stdin-file-path=regression.journey.ts'], { input: text, encoding: 'utf8', cwd: root })
  expect(out.stderr).toBe('')
  return out.stdout
}
