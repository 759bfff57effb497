/**
 * The exploration of test/coincidence-app.mjs, written as a user writes one by hand: actions that read ids
 * from where an API hands them out (a list read first, a nested object), in the places a regression journey
 * may read them from a coincident value instead. Each comment says which.
 */
import { type ActionArgs, action, assertStatus, exploration, invariant } from '@venomqa/core'

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

// Counts the catalogue before it adds to it: in a fresh app the count is 1 when the one product's id is.
const restock = action(
  'restock',
  async ({ http, ctx }) => {
    ctx.set('productsBefore', ((await http.get('/products')).json() as Product[]).length)
    return http.post('/products', { json: { name: 'gadget' } })
  },
  { maxPerPath: 1 },
)

/** The product reviewed: the first of the list, kept in the context for the invariants. */
async function firstProduct({ http, ctx }: Pick<ActionArgs, 'http' | 'ctx'>): Promise<number | undefined> {
  const products = (await http.get('/products')).json() as Product[]
  if (products.length) ctx.set('productId', products[0]!.id)
  return products[0]?.id
}

// Reads the review back where its Location points, the id in no context key: only the Location names it.
const review = action(
  'review',
  async (args) => {
    const productId = await firstProduct(args)
    if (productId === undefined) return undefined
    const res = await args.http.post(`/products/${productId}/reviews`, { json: { stars: 4 } })
    assertStatus(res, 201)
    return args.http.get(res.headers.location!)
  },
  { when: (v) => !v.ctx.has('reviewId'), maxPerPath: 1 },
)

// Keeps the review's id from its Location; the answer's body holds the product's id and the stars, 1 as well.
const rateOneStar = action<{ stars: number }>(
  'rate_one_star',
  async (args) => {
    const productId = await firstProduct(args)
    if (productId === undefined) return undefined
    const res = await args.http.post(`/products/${productId}/reviews`, { json: { stars: args.input.stars } })
    assertStatus(res, 201)
    args.ctx.set('reviewId', Number(res.headers.location!.split('/').at(-1)))
    return res
  },
  { when: (v) => !v.ctx.has('reviewId'), inputs: () => [{ stars: 1 }], maxPerPath: 1 },
)

export default exploration('coincidence', {
  actions: [stockProduct, createCart, addLine, removeLine, checkout, review, rateOneStar, restock],
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
    invariant(
      'a product added is one more in the catalogue',
      async ({ http, ctx }) => {
        const count = ((await http.get('/products')).json() as Product[]).length
        const expected = Number(ctx.require('productsBefore')) + 1
        return count === expected || `${count} products, not ${expected}`
      },
      { after: ['restock'] },
    ),
    invariant(
      'a review read once counts one read',
      async ({ http, ctx }) => {
        if (!ctx.has('productId')) return
        const reviews = (await http.get(`/products/${ctx.require('productId')}/reviews`)).json() as { id: number; reads: number }[]
        const over = reviews.find((r) => r.reads > 1)
        return !over || `review ${over.id} counts ${over.reads} reads`
      },
      { after: ['review'] },
    ),
    invariant(
      'a review keeps its stars',
      async ({ http, ctx }) => {
        if (!ctx.has('reviewId')) return
        const res = await http.get(`/products/${ctx.require('productId')}/reviews/${ctx.require('reviewId')}`)
        return res.status === 200 ? res.json().stars === 1 || `one star kept as ${res.json().stars}` : `review ${ctx.require('reviewId')}: ${res.status}`
      },
      { after: ['rate_one_star'] },
    ),
  ],
  depth: 4,
  seed: 1,
})
