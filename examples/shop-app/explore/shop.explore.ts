/**
 * An exploration of the shop app as a tester would write it: the calls a shopper and a shop keeper make,
 * and the rules of the shop (README.md, "The rules of the fixed app"), checked after every call that could
 * break them. Nothing here knows about the planted bugs: it states what must hold, and the search finds the
 * sequences that break it.
 *
 *   DATABASE_URL=postgres://postgres@127.0.0.1:5432/shop APP_URL=http://127.0.0.1:3100 venomqa explore
 */
import { type HttpResponse, action, assertStatus, exploration, invariant, step } from '@venomqa/core'

const shopper = { email: 'explorer@shop.test', password: 'explorer-password' }
const COUPON = 'WELCOME10'

interface Product {
  id: number
  sku: string
  stock: number
  reserved: number
  sold: number
  received: number
}

interface Order {
  id: number
  total: number
  refunded: number
  coupon: string | null
  status: string
}

/** Keep the id the API answered with, for the actions that need one. */
function remember(ctx: { set(key: string, value: unknown): void }, key: string, res: HttpResponse, status: number): HttpResponse {
  if (res.status === status) ctx.set(key, res.json<{ id: number }>().id)
  return res
}

const createProduct = action<{ sku: string; stock: number }>(
  'create_product',
  async ({ http, ctx, input }) => remember(ctx, 'productId', await http.post('/api/products', { json: { ...input, name: 'Widget', price: 1000 } }), 201),
  // The same SKU twice: the second is refused (409), and a refused create must leave nothing behind.
  { inputs: () => [{ sku: 'W-1', stock: 2 }], maxPerPath: 2 },
)

const createOrder = action<{ quantity: number; coupon?: string }>(
  'create_order',
  async ({ http, ctx, input }) => remember(ctx, 'orderId', await http.post(`/api/products/${ctx.require('productId')}/orders`, { json: input }), 201),
  {
    when: (v) => v.ctx.has('productId'),
    // One unit, one with the coupon, and every unit on the shelf.
    inputs: () => [{ quantity: 1 }, { quantity: 1, coupon: COUPON }, { quantity: 2 }],
    maxPerPath: 2,
  },
)

const refund = action<{ amount: number }>(
  'refund',
  ({ http, ctx, input }) => http.post(`/api/orders/${ctx.require('orderId')}/refunds`, { json: input }),
  // More than half of a one-unit order: two of them add up to more than it was charged.
  { when: (v) => v.ctx.has('orderId'), inputs: () => [{ amount: 600 }], maxPerPath: 2 },
)

const ship = action('ship', ({ http, ctx }) => http.post(`/api/orders/${ctx.require('orderId')}/ship`), { when: (v) => v.ctx.has('orderId'), maxPerPath: 1 })

const cancel = action('cancel', ({ http, ctx }) => http.post(`/api/orders/${ctx.require('orderId')}/cancel`), { when: (v) => v.ctx.has('orderId'), maxPerPath: 1 })

const deleteProduct = action(
  'delete_product',
  async ({ http, ctx }) => {
    const id = ctx.require<number>('productId')
    const res = await http.delete(`/api/products/${id}`)
    if (res.status === 204) {
      ctx.delete('productId')
      ctx.set('deletedProductId', id)
    }
    return res
  },
  { when: (v) => v.ctx.has('productId'), maxPerPath: 1 },
)

const reserve = action(
  'reserve',
  async ({ http, ctx }) => remember(ctx, 'reservationId', await http.post(`/api/products/${ctx.require('productId')}/reservations`, { json: { quantity: 1 } }), 201),
  { when: (v) => v.ctx.has('productId'), maxPerPath: 1 },
)

const release = action('release', ({ http, ctx }) => http.post(`/api/reservations/${ctx.require('reservationId')}/release`), {
  when: (v) => v.ctx.has('reservationId'),
  maxPerPath: 2,
})

// ---------------------------------------------------------------------------------------------------------
// The rules.

const isInt = (v: unknown, min = Number.MIN_SAFE_INTEGER) => Number.isInteger(v) && (v as number) >= min
const isTime = (v: unknown) => typeof v === 'string' && !Number.isNaN(Date.parse(v))

/** What openapi.json documents for each kind of body: the fields a client relies on, with their types. */
const SHAPES: Record<string, Record<string, (v: unknown) => boolean>> = {
  product: {
    id: (v) => isInt(v, 1),
    sku: (v) => typeof v === 'string',
    price: (v) => isInt(v, 0),
    stock: (v) => isInt(v, 0),
    reserved: (v) => isInt(v, 0),
    sold: (v) => isInt(v, 0),
    received: (v) => isInt(v, 0),
    createdAt: isTime,
  },
  order: {
    id: (v) => isInt(v, 1),
    productId: (v) => isInt(v, 1),
    quantity: (v) => isInt(v, 1),
    unitPrice: (v) => isInt(v, 0),
    total: (v) => isInt(v, 0),
    refunded: (v) => isInt(v, 0),
    coupon: (v) => v === null || typeof v === 'string',
    status: (v) => v === 'paid' || v === 'shipped' || v === 'cancelled',
    createdAt: isTime,
  },
  refund: { id: (v) => isInt(v, 1), orderId: (v) => isInt(v, 1), amount: (v) => isInt(v, 1), createdAt: isTime },
  reservation: {
    id: (v) => isInt(v, 1),
    productId: (v) => isInt(v, 1),
    quantity: (v) => isInt(v, 1),
    status: (v) => v === 'active' || v === 'released',
    createdAt: isTime,
  },
  error: { error: (v) => typeof v === 'string' },
}

/** The kind of body each action answers with when it succeeds. */
const ANSWERS: Record<string, string> = {
  create_product: 'product',
  create_order: 'order',
  refund: 'refund',
  ship: 'order',
  cancel: 'order',
  reserve: 'reservation',
  release: 'reservation',
}

function shapeProblem(kind: string, body: unknown): string | undefined {
  if (!body || typeof body !== 'object') return `a ${kind} body must be an object, got ${JSON.stringify(body)}`
  for (const [field, ok] of Object.entries(SHAPES[kind]!)) {
    const value = (body as Record<string, unknown>)[field]
    if (!ok(value)) return `${kind}.${field} is ${JSON.stringify(value)}`
  }
  return undefined
}

const responsesMatchTheirShape = invariant.response('responses match the documented shapes', (res) => {
  if (res.status === 204) return res.text === '' || `a 204 has a body: ${res.text.slice(0, 80)}`
  const kind = res.status < 300 ? ANSWERS[res.action] : res.status < 500 ? 'error' : undefined
  return !kind || (shapeProblem(kind, res.json()) ?? true)
})

const refundsWithinCharge = invariant(
  'refunds never exceed the charge',
  async ({ http }) => {
    const orders = (await http.get('/api/orders')).json<Order[]>()
    const over = orders.find((o) => o.refunded > o.total)
    return !over || `order ${over.id}: refunded ${over.refunded} of ${over.total}`
  },
  { after: ['refund', 'cancel'] },
)

const unitsAddUp = invariant(
  'units on the shelf are never negative and never more than were received',
  async ({ http }) => {
    for (const p of (await http.get('/api/products')).json<Product[]>()) {
      if (p.stock < 0) return `product ${p.sku}: stock ${p.stock}`
      if (p.stock + p.reserved + p.sold > p.received) return `product ${p.sku}: ${p.stock} in stock + ${p.reserved} reserved + ${p.sold} sold > ${p.received} received`
    }
  },
  { after: ['create_order', 'cancel', 'reserve', 'release'] },
)

const oneCouponPerShopper = invariant(
  'the coupon is on at most one order that is not cancelled',
  async ({ http }) => {
    const holding = (await http.get('/api/orders')).json<Order[]>().filter((o) => o.coupon === COUPON && o.status !== 'cancelled')
    return holding.length <= 1 || `${holding.length} orders hold ${COUPON}: ${holding.map((o) => `${o.id} (${o.status})`).join(', ')}`
  },
  { after: ['create_order', 'cancel', 'ship'] },
)

const skuNamesOneProduct = invariant(
  'a SKU names at most one product',
  async ({ http }) => {
    const skus = (await http.get('/api/products')).json<Product[]>().map((p) => p.sku)
    const twice = skus.find((s, i) => skus.indexOf(s) !== i)
    return twice === undefined || `${skus.filter((s) => s === twice).length} products with SKU ${twice}`
  },
  { after: ['create_product'] },
)

const deletedIsGone = invariant(
  'a deleted product is not readable',
  async ({ http, ctx }) => {
    const id = ctx.get<number>('deletedProductId')
    if (id === undefined) return
    const res = await http.get(`/api/products/${id}`)
    return res.status === 404 || `GET /api/products/${id} answered ${res.status} after its DELETE`
  },
  { after: ['delete_product'] },
)

export default exploration('shop', {
  description: 'Products, reservations, orders, refunds and the coupon, against the rules of the shop.',
  setup: [
    step('sign_up', async ({ http }) => assertStatus(await http.post('/api/users', { json: shopper }), 201)),
    step('log_in', async ({ http }) => {
      const res = await http.post('/api/auth/login', { json: shopper })
      assertStatus(res, 200)
      http.setAuthToken(res.json<{ token: string }>().token)
    }),
  ],
  actions: [createProduct, createOrder, refund, ship, cancel, deleteProduct, reserve, release],
  invariants: [responsesMatchTheirShape, refundsWithinCharge, unitsAddUp, oneCouponPerShopper, skuNamesOneProduct, deletedIsGone],
  // The longest rule-breaking sequence the shop is known for takes 4 calls after logging in.
  depth: 4,
  // Row counts cannot tell a paid order from a shipped one, or an active reservation from a released one:
  // merging states by them would never ship an order and then order again, or release twice. Every path
  // to the depth is explored instead.
  dedupe: false,
  budget: { transitions: 5000, timeMs: 120_000 },
  seed: 1,
})
