import { action, assertStatus, exploration, invariant, step, type ExplorationOptions } from '@venomqa/core'

/**
 * An exploration of the example shop app (examples/shop-app): sign up and log in once, then products,
 * orders, refunds and shipping. With every planted bug on, it holds two of them within depth 4:
 * `crash_ship_after_refund` (a 500: no_5xx) and `refund_over_charge` (the invariant below).
 */
export const PASSWORD = 'secret-pw'

export const createProduct = action(
  'create_product',
  async ({ http, ctx }) => {
    const res = await http.post('/api/products', { json: { sku: 'A1', name: 'Widget', price: 1000, stock: 5 } })
    assertStatus(res, 201)
    ctx.set('productId', res.json().id)
    return res
  },
  { maxPerPath: 1 },
)

export const createOrder = action(
  'create_order',
  async ({ http, ctx }) => {
    const res = await http.post(`/api/products/${ctx.require('productId')}/orders`, { json: { quantity: 1 } })
    assertStatus(res, 201)
    ctx.set('orderId', res.json().id)
    return res
  },
  { when: (v) => v.ctx.has('productId'), maxPerPath: 1 },
)

export const refund = action<{ amount: number }>(
  'refund',
  ({ http, ctx, input }) => http.post(`/api/orders/${ctx.require('orderId')}/refunds`, { json: { amount: input.amount } }),
  { when: (v) => v.ctx.has('orderId'), inputs: () => [{ amount: 600 }], maxPerPath: 2 },
)

export const ship = action('ship', ({ http, ctx }) => http.post(`/api/orders/${ctx.require('orderId')}/ship`), {
  when: (v) => v.ctx.has('orderId'),
  maxPerPath: 1,
})

export const refundsWithinCharge = invariant(
  'refunds never exceed the charge',
  async ({ http, ctx }) => {
    if (!ctx.has('orderId')) return
    const o = (await http.get(`/api/orders/${ctx.require('orderId')}`)).json()
    return o.refunded <= o.total || `refunded ${o.refunded} of ${o.total}`
  },
  { after: ['refund'] },
)

export const setup = [
  step('sign_up', ({ http }) => http.post('/api/users', { json: { email: 'explorer@shop.test', password: PASSWORD } })),
  step('log_in', async ({ http }) => {
    const res = await http.post('/api/auth/login', { json: { email: 'explorer@shop.test', password: PASSWORD } })
    http.setAuthToken(res.json().token)
    return res
  }),
]

export function shopExploration(overrides: Partial<ExplorationOptions> = {}) {
  return exploration('shop', {
    setup,
    actions: [createProduct, createOrder, refund, ship],
    invariants: [refundsWithinCharge],
    depth: 4,
    seed: 7,
    ...overrides,
  })
}
