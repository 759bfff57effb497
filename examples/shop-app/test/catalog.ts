import type { BugId } from '../src/bugs'
import { documentViolation, type Exchange, type ShopClient } from './support'

/**
 * Each planted bug as README.md documents it: the minimal sequence of calls, and the rule that sees it.
 * A rule runs after a call, like an exploration invariant: it looks at the calls so far and may send
 * probes (reads, kept out of the history), and answers why the rule is broken, or null.
 */

/** What the sequence has learned so far: ids flow from responses to later calls, as in an emitted journey. */
export interface SequenceContext {
  email: string
  token?: string
  productId?: number
  orderId?: number
  reservationId?: number
}

export interface Call {
  op: string
  json?: (ctx: SequenceContext) => unknown
  params?: (ctx: SequenceContext) => Record<string, number | undefined>
  save?: (ctx: SequenceContext, ex: Exchange) => void
}

export type Rule = (api: ShopClient) => Promise<string | null>

export interface PlantedBug {
  id: BugId
  kind: string
  /** The rule, as README.md states it. */
  rule: string
  check: Rule
  calls: Call[]
}

const PASSWORD = 'secret-pw'

const signUp: Call = { op: 'signUp', json: (c) => ({ email: c.email, password: PASSWORD }) }
const logIn: Call = {
  op: 'logIn',
  json: (c) => ({ email: c.email, password: PASSWORD }),
  save: (c, ex) => {
    if (ex.status === 200) c.token = ex.body.token
  },
}
const createProduct = (body: { sku?: string; price?: number; stock?: number } = {}): Call => ({
  op: 'createProduct',
  json: () => ({ sku: 'A1', name: 'Widget', price: 1000, stock: 5, ...body }),
  save: (c, ex) => {
    if (ex.status === 201) c.productId = ex.body.id
  },
})
const onProduct = (c: SequenceContext) => ({ productId: c.productId })
const onOrder = (c: SequenceContext) => ({ orderId: c.orderId })
const createOrder = (body: { quantity: number; coupon?: string }): Call => ({
  op: 'createOrder',
  params: onProduct,
  json: () => body,
  save: (c, ex) => {
    if (ex.status === 201) c.orderId = ex.body.id
  },
})
const createRefund = (amount: number): Call => ({ op: 'createRefund', params: onOrder, json: () => ({ amount }) })
const shipOrder: Call = { op: 'shipOrder', params: onOrder }
const releaseReservation: Call = { op: 'releaseReservation', params: (c) => ({ reservationId: c.reservationId }) }

/** A list probe, or null when there is nobody logged in to ask for (then the rule has nothing to look at). */
async function probeList(api: ShopClient, op: 'listProducts' | 'listOrders'): Promise<any[] | null> {
  if (!api.token) return null
  const ex = await api.call(op, { probe: true })
  if (ex.status !== 200) throw new Error(`probe ${op} answered ${ex.status}: ${ex.text}`)
  return ex.body
}

const statusOk = (ex: Exchange) => ex.status >= 200 && ex.status < 300

export const rules = {
  no_5xx: async (api: ShopClient) => {
    const ex = api.history.find((e) => e.status >= 500)
    return ex ? `${ex.method} ${ex.path} answered ${ex.status}` : null
  },
  response_schema: async (api: ShopClient) => api.history.map(documentViolation).find((v) => v !== null) ?? null,
  use_after_free: async (api: ShopClient) => {
    for (const del of api.history.filter((e) => e.op === 'deleteProduct' && statusOk(e))) {
      const read = await api.call('getProduct', { params: del.params, probe: true })
      if (read.status !== 404 && read.status !== 410) return `GET ${read.path} answered ${read.status} after DELETE answered ${del.status}`
    }
    return null
  },
  no_leak_on_failed_create: async (api: ShopClient) => {
    const products = await probeList(api, 'listProducts')
    if (!products) return null
    const created = api.history.filter((e) => e.op === 'createProduct' && e.status === 201).length
    const deleted = api.history.filter((e) => e.op === 'deleteProduct' && statusOk(e)).length
    const failed = api.history.filter((e) => e.op === 'createProduct' && e.status >= 400 && e.status < 500).length
    return products.length > created - deleted ? `${products.length} products after ${created} created, ${deleted} deleted and ${failed} refused` : null
  },
  refunds_within_charge: async (api: ShopClient) => {
    const over = (await probeList(api, 'listOrders'))?.find((o) => o.refunded > o.total)
    return over ? `order ${over.id}: refunded ${over.refunded} of a ${over.total} charge` : null
  },
  stock_conserved: async (api: ShopClient) => {
    const p = (await probeList(api, 'listProducts'))?.find((p) => p.stock + p.reserved + p.sold > p.received)
    return p ? `product ${p.id}: stock ${p.stock} + reserved ${p.reserved} + sold ${p.sold} > received ${p.received}` : null
  },
  coupon_once: async (api: ShopClient) => {
    const holding = (await probeList(api, 'listOrders'))?.filter((o) => o.coupon === 'WELCOME10' && o.status !== 'cancelled') ?? []
    return holding.length > 1 ? `WELCOME10 on ${holding.length} orders that are not cancelled: ${holding.map((o) => o.id).join(', ')}` : null
  },
  stock_never_negative: async (api: ShopClient) => {
    const p = (await probeList(api, 'listProducts'))?.find((p) => p.stock < 0)
    return p ? `product ${p.id}: stock ${p.stock}` : null
  },
} satisfies Record<string, Rule>

export const PLANTED: PlantedBug[] = [
  {
    id: 'crash_ship_after_refund',
    kind: '5xx',
    rule: 'no operation answers 5xx',
    check: rules.no_5xx,
    calls: [signUp, logIn, createProduct(), createOrder({ quantity: 1 }), createRefund(100), shipOrder],
  },
  {
    id: 'null_price_after_cancel',
    kind: 'schema',
    rule: 'every response matches its documented schema (Order.unitPrice is an integer)',
    check: rules.response_schema,
    calls: [signUp, logIn, createProduct(), createOrder({ quantity: 1 }), { op: 'cancelOrder', params: onOrder }],
  },
  {
    id: 'read_after_delete',
    kind: 'use after free',
    rule: 'after a 2xx DELETE of a product, reading it answers 404',
    check: rules.use_after_free,
    calls: [signUp, logIn, createProduct(), createOrder({ quantity: 1 }), { op: 'deleteProduct', params: onProduct }],
  },
  {
    id: 'leak_duplicate_sku',
    kind: 'leak on failed create',
    rule: 'a 4xx create leaves the collection unchanged',
    check: rules.no_leak_on_failed_create,
    calls: [signUp, logIn, createProduct(), createProduct()],
  },
  {
    id: 'refund_over_charge',
    kind: 'business rule',
    rule: 'an order is never refunded more than it was charged',
    check: rules.refunds_within_charge,
    calls: [signUp, logIn, createProduct(), createOrder({ quantity: 1 }), createRefund(600), createRefund(600)],
  },
  {
    id: 'double_release',
    kind: 'business rule',
    rule: 'stock + reserved + sold never exceeds what the product received',
    check: rules.stock_conserved,
    calls: [
      signUp,
      logIn,
      createProduct(),
      {
        op: 'createReservation',
        params: onProduct,
        json: () => ({ quantity: 2 }),
        save: (c, ex) => {
          if (ex.status === 201) c.reservationId = ex.body.id
        },
      },
      releaseReservation,
      releaseReservation,
    ],
  },
  {
    id: 'coupon_reuse_after_ship',
    kind: 'business rule',
    rule: 'WELCOME10 is on at most one order per user that is not cancelled',
    check: rules.coupon_once,
    calls: [signUp, logIn, createProduct(), createOrder({ quantity: 1, coupon: 'WELCOME10' }), shipOrder, createOrder({ quantity: 1, coupon: 'WELCOME10' })],
  },
  {
    id: 'flaky_stock',
    kind: 'business rule, nondeterministic',
    rule: 'stock is never negative',
    check: rules.stock_never_negative,
    calls: [signUp, logIn, createProduct({ stock: 2 }), createOrder({ quantity: 2 })],
  },
]

let runs = 0

/**
 * Run calls on a fresh user, checking the rule after every call as exploration does. Returns what the rule
 * said after each call (null: not broken), so a caller can look at every prefix of one run. The rule only
 * reads, so checking after call k of this run is the same as running the first k calls alone and checking.
 */
export async function runSequence(api: ShopClient, calls: Call[], check: Rule): Promise<(string | null)[]> {
  const ctx: SequenceContext = { email: `shopper-${process.pid}-${++runs}-${Date.now().toString(36)}@example.test` }
  const verdicts: (string | null)[] = []
  for (const call of calls) {
    api.token = ctx.token
    const ex = await api.call(call.op, { params: call.params?.(ctx), json: call.json?.(ctx) })
    call.save?.(ctx, ex)
    api.token = ctx.token
    verdicts.push(await check(api))
  }
  return verdicts
}
