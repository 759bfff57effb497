import { Validator } from '@seriousme/openapi-schema-validator'
import { type RunningProcess, SERVICES, describeWithService, startShopApp } from '@venomqa/test-utils'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createShopApp } from '../src'
import { DOC, type Exchange, OPERATIONS, ShopClient, assertFreshBuild, createDatabase, documentViolation } from './support'

describe('openapi.json', () => {
  it('is a valid OpenAPI 3.1 document', async () => {
    const result = await new Validator().validate(DOC)
    expect(result.errors).toBeUndefined()
    expect(result.valid).toBe(true)
    expect(DOC.openapi).toMatch(/^3\.1\./)
  })

  it('documents exactly the routes the app answers', () => {
    const app = createShopApp({ databaseUrl: 'postgres://nobody@127.0.0.1:1/none' })
    const routes = app.routes.map((r) => `${r.method} ${r.path.replace(/:(\w+)/g, '{$1}')}`).sort()
    const documented = [...OPERATIONS.values()].map((op) => `${op.method} ${op.template}`).sort()
    expect(routes).toEqual(documented)
  })

  it('gives every operation a unique operationId, a tag, a summary, and every path parameter', () => {
    const tags = new Set(DOC.tags.map((t: { name: string }) => t.name))
    for (const op of OPERATIONS.values()) {
      expect(op.spec.tags.every((t: string) => tags.has(t)), op.id).toBe(true)
      expect(op.spec.summary, op.id).toEqual(expect.any(String))
      const inPath = [...op.template.matchAll(/\{(\w+)\}/g)].map((m) => m[1])
      expect((op.spec.parameters ?? []).map((p: { name: string }) => p.name), op.id).toEqual(inPath)
    }
    expect(OPERATIONS.size).toBe(Object.values(DOC.paths).reduce((n: number, item) => n + Object.keys(item as object).length, 0))
  })

  it('links every created id to each operation that takes it in its path', () => {
    const byParam = new Map<string, string[]>()
    for (const op of OPERATIONS.values())
      for (const m of op.template.matchAll(/\{(\w+)\}/g)) byParam.set(m[1]!, [...(byParam.get(m[1]!) ?? []), op.id])
    const creates = { productId: 'createProduct', reservationId: 'createReservation', orderId: 'createOrder' } as const
    expect([...byParam.keys()].sort()).toEqual(Object.keys(creates).sort())
    for (const [param, create] of Object.entries(creates)) {
      const links = Object.values<any>(OPERATIONS.get(create)!.spec.responses['201'].links)
      const linked = links.filter((l) => l.parameters[param] === '$response.body#/id').map((l) => l.operationId)
      expect(linked.sort(), param).toEqual(byParam.get(param)!.sort())
    }
  })
})

const describePg = await describeWithService('PostgreSQL', SERVICES.postgres.host, SERVICES.postgres.port)

describePg('the fixed app (SHOP_BUGS=none) keeps its document', () => {
  let database: Awaited<ReturnType<typeof createDatabase>> | undefined
  let app: RunningProcess | undefined
  let api: ShopClient

  beforeAll(async () => {
    assertFreshBuild()
    database = await createDatabase('openapi')
    app = await startShopApp({ DATABASE_URL: database.url, SHOP_BUGS: 'none' })
    api = new ShopClient(app.url)
  })

  afterAll(async () => {
    await app?.stop()
    await database?.drop()
  })

  it('serves the document it ships', async () => {
    const served = await api.call('getOpenApi')
    expect(served.body).toEqual(DOC)
    expect((await api.call('getHealth')).body).toEqual({ ok: true, bugs: [] })
  })

  /**
   * Every operation, through its happy path and each error it documents. Each answer must be documented
   * and match its schema; at the end, every documented status must have been seen, so the document
   * claims nothing the app never does (503 needs the database down, which this suite does not do).
   */
  it('answers every operation with documented statuses and bodies, and shows every documented status', async () => {
    const seen: Exchange[] = []
    const call = async (op: string, options: Parameters<ShopClient['call']>[1] = {}, expected?: number) => {
      const ex = await api.call(op, options)
      seen.push(ex)
      expect(documentViolation(ex)).toBeNull()
      if (expected !== undefined) expect(ex.status, `${op} ${ex.text}`).toBe(expected)
      return ex
    }
    const email = `walk-${process.pid}@example.test`
    await call('getHealth', {}, 200)
    await call('getOpenApi', {}, 200)
    await call('signUp', { json: { email, password: 'secret-pw', name: 'Walker' } }, 201)
    await call('signUp', { json: { email: email.toUpperCase(), password: 'secret-pw' } }, 409)
    await call('logIn', { json: { email, password: 'wrong-pw' } }, 401)
    api.token = (await call('logIn', { json: { email, password: 'secret-pw' } }, 200)).body.token
    await call('getMe', {}, 200)

    const product = (await call('createProduct', { json: { sku: 'W-1', name: 'Widget', price: 1000, stock: 5 } }, 201)).body
    const p = { productId: product.id }
    await call('createProduct', { json: { sku: 'W-1', name: 'Again', price: 1, stock: 1 } }, 409)
    // PostgreSQL TEXT cannot store NUL: a 422, never a database error answered 500.
    await call('createProduct', { json: { sku: 'W-2', name: 'Wid\u0000get', price: 1, stock: 1 } }, 422)
    await call('listProducts', {}, 200)
    await call('getProduct', { params: p }, 200)
    await call('updateProduct', { params: p, json: { price: 1200 } }, 200)

    const reservation = (await call('createReservation', { params: p, json: { quantity: 4 } }, 201)).body
    const r = { reservationId: reservation.id }
    await call('createReservation', { params: p, json: { quantity: 2 } }, 409)
    await call('deleteProduct', { params: p }, 409)
    await call('listReservations', {}, 200)
    await call('getReservation', { params: r }, 200)
    await call('releaseReservation', { params: r }, 200)
    await call('releaseReservation', { params: r }, 409)

    const order = (await call('createOrder', { params: p, json: { quantity: 2, coupon: 'WELCOME10' } }, 201)).body
    expect(order).toMatchObject({ unitPrice: 1200, total: 2160, refunded: 0 })
    const o = { orderId: order.id }
    await call('createOrder', { params: p, json: { quantity: 1, coupon: 'WELCOME10' } }, 409)
    await call('createOrder', { params: p, json: { quantity: 4 } }, 409)
    await call('listOrders', {}, 200)
    await call('getOrder', { params: o }, 200)
    await call('createRefund', { params: o, json: { amount: 2000 } }, 201)
    await call('createRefund', { params: o, json: { amount: 161 } }, 422)
    await call('listRefunds', { params: o }, 200)
    await call('shipOrder', { params: o }, 200)
    await call('shipOrder', { params: o }, 409)
    await call('cancelOrder', { params: o }, 409)

    const second = (await call('createOrder', { params: p, json: { quantity: 1 } }, 201)).body
    await call('cancelOrder', { params: { orderId: second.id } }, 200)
    await call('createRefund', { params: { orderId: second.id }, json: { amount: 1 } }, 409)
    await call('deleteProduct', { params: p }, 204)
    await call('getProduct', { params: p }, 404)
    await call('deleteProduct', { params: p }, 404)

    // Every operation again, for the errors that any of its kind documents.
    for (const op of OPERATIONS.values()) {
      const responses = op.spec.responses
      const missing = Object.fromEntries([...op.template.matchAll(/\{(\w+)\}/g)].map((m) => [m[1]!, 2_000_000_000]))
      const needsToken = !(Array.isArray(op.spec.security) && op.spec.security.length === 0)
      if (needsToken) await call(op.id, { params: missing, token: null }, 401)
      if (responses['404']) await call(op.id, { params: missing, ...(op.spec.requestBody ? { json: validBody(op.id) } : {}) }, 404)
      if (op.spec.requestBody) {
        await call(op.id, { params: missing, raw: '{"not json' }, 400)
        await call(op.id, { params: missing, raw: JSON.stringify({ pad: 'x'.repeat(1024 * 1024) }) }, 413)
        await call(op.id, { params: missing, json: {} }, 422)
      }
    }

    const shown = new Set(seen.map((ex) => `${ex.op} ${ex.status}`))
    const documented = [...OPERATIONS.values()].flatMap((op) => Object.keys(op.spec.responses).map((s) => `${op.id} ${s}`))
    expect(documented.filter((d) => !shown.has(d))).toEqual(['getHealth 503'])
  })
})

/** A body that passes validation, so what answers is the lookup of the missing id. */
function validBody(op: string): unknown {
  switch (op) {
    case 'updateProduct':
      return { name: 'x' }
    case 'createRefund':
      return { amount: 1 }
    default:
      return { quantity: 1 }
  }
}
