/**
 * The exploration of test/coincidence-app.mjs, written as a user writes one by hand: actions that read ids
 * from where an API hands them out (a list read first, a nested object), in the places a regression journey
 * may read them from a coincident value instead. Each comment says which.
 */
import { action, assertStatus, exploration, invariant } from '@venomqa/core'

const PRICE = 250

interface Product {
  id: number
}

const stockProduct = action('stock_product', ({ http }) => http.post('/products', { json: { name: 'widget' } }), { maxPerPath: 1 })

// Lists the catalogue before it makes the cart: the list's `[0].id` (the product) holds the cart's id too.
const createCart = action(
  'create_cart',
  async ({ http, ctx }) => {
    await http.get('/products')
    const res = await http.post('/carts')
    assertStatus(res, 201)
    ctx.set('cartId', res.json().id)
    return res
  },
  { maxPerPath: 1 },
)

// The product comes from the list, not the context; the quantity is the input's, and the line's answer
// holds it beside ids that are all 1 in a fresh app.
const addLine = action<{ qty: number }>(
  'add_line',
  async ({ http, ctx, input }) => {
    const products = (await http.get('/products')).json() as Product[]
    if (!products.length) return undefined
    const res = await http.post(`/carts/${ctx.require('cartId')}/lines`, { json: { productId: products[0]!.id, quantity: input.qty } })
    assertStatus(res, 201)
    ctx.set('lineId', res.json().id)
    ctx.set('qty', input.qty)
    return res
  },
  { when: (v) => v.ctx.has('cartId') && !v.ctx.has('lineId'), inputs: () => [{ qty: 1 }], maxPerPath: 1 },
)

const removeLine = action(
  'remove_line',
  async ({ http, ctx }) => {
    const res = await http.delete(`/carts/${ctx.require('cartId')}/lines/${ctx.require('lineId')}`)
    ctx.delete('lineId')
    return res
  },
  { when: (v) => v.ctx.has('lineId'), maxPerPath: 1 },
)

// The answer holds the cart before the order, each with an `id`.
const checkout = action(
  'checkout',
  async ({ http, ctx }) => {
    const res = await http.post(`/carts/${ctx.require('cartId')}/checkout`)
    assertStatus(res, 201)
    ctx.set('orderId', res.json().order.id)
    return res
  },
  { when: (v) => v.ctx.has('lineId') && !v.ctx.has('orderId'), maxPerPath: 1 },
)

export default exploration('coincidence', {
  actions: [stockProduct, createCart, addLine, removeLine, checkout],
  invariants: [
    invariant(
      'a cart costs what its lines hold',
      async ({ http, ctx }) => {
        const cart = (await http.get(`/carts/${ctx.require('cartId')}`)).json() as { total: number; lines: { quantity: number }[] }
        const sum = cart.lines.reduce((total, line) => total + PRICE * line.quantity, 0)
        return cart.total === sum || `the cart costs ${cart.total}, its lines ${sum}`
      },
      { after: ['remove_line'] },
    ),
    invariant(
      'an order charges each unit once',
      async ({ http, ctx }) => {
        const order = (await http.get(`/orders/${ctx.require('orderId')}`)).json() as { total: number }
        const expected = PRICE * Number(ctx.require('qty'))
        return order.total === expected || `the order charges ${order.total}, not ${expected}`
      },
      { after: ['checkout'] },
    ),
  ],
  depth: 4,
  seed: 1,
})
