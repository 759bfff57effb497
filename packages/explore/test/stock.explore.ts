/**
 * The exploration of test/stock-app.mjs: a product created with a stock of its input, then an order for
 * all of it, read from the context where the creation kept what it was given.
 */
import { action, assertStatus, exploration, invariant } from '@venomqa/core'

export const INVARIANT = 'an order for all the stock sells out'

const createProduct = action<{ initialStock: number }>(
  'create_product',
  async ({ http, ctx, input }) => {
    const res = await http.post('/products', { json: { name: 'widget', initialStock: input.initialStock } })
    assertStatus(res, 201)
    ctx.set('productId', res.json().id)
    // What the product was created with, not what the answer says it keeps.
    ctx.set('stock', input.initialStock)
    return res
  },
  { inputs: () => [{ initialStock: 10 }], maxPerPath: 1 },
)

const sellOut = action(
  'sell_out',
  ({ http, ctx }) => http.post(`/products/${ctx.require('productId')}/orders/${ctx.require('stock')}`),
  { when: (v) => v.ctx.has('productId'), maxPerPath: 1 },
)

export default exploration('stock', {
  actions: [createProduct, sellOut],
  invariants: [
    invariant(
      INVARIANT,
      async ({ http, ctx }) => {
        const left = (await http.get(`/products/${ctx.require('productId')}`)).json().stock
        return left === 0 || `${left} left after an order for ${ctx.require('stock')}`
      },
      { after: ['sell_out'] },
    ),
  ],
  depth: 2,
  seed: 1,
})
