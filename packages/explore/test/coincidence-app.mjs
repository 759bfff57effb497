/**
 * A small shop API in a process of its own whose ids start where the test says, per collection: in a fresh
 * database every table's ids start at 1, so the cart, its product and its line are all 1, and a regression
 * journey that reads an id from the wrong place passes there by coincidence. Started with other starts
 * (products from 100, carts from 2000), the same journey shows where it reads each id from.
 *
 * State (rows and each collection's next id) is rolled back through the http-control protocol. Control:
 * `POST /__test/config { starts, fixed }` sets where each collection's ids start (from the next reset) and
 * switches the planted bugs off; `POST /__venomqa/reset` empties every collection.
 *
 * Planted bugs, each off once `fixed`:
 * - `stale_total`: removing a line leaves the cart's total as it was.
 * - `single_unit_twice`: checkout charges a line of one unit twice.
 * - `read_counts_twice`: reading a review counts two reads.
 * - `one_star_is_five`: a review of one star is kept as five.
 * - `restocked_twice`: a product added to a catalogue that has one already is added twice.
 */
import { serveMemoryApp } from './memory-app.mjs'

const COLLECTIONS = ['products', 'carts', 'lines', 'orders', 'reviews']
const PRICE = 250

let starts = Object.fromEntries(COLLECTIONS.map((c) => [c, 1]))
let fixed = false

function empty() {
  return { products: [], carts: [], lines: [], orders: [], reviews: [], next: { ...starts } }
}


function insert(collection, row) {
  const stored = { id: app.db.next[collection]++, ...row }
  app.db[collection].push(stored)
  return stored
}

const byId = (collection, id) => app.db[collection].find((row) => row.id === Number(id))

function cartView(cart) {
  const lines = app.db.lines.filter((l) => l.cartId === cart.id)
  return { id: cart.id, total: cart.total, lines: lines.map((l) => ({ id: l.id, productId: l.productId, quantity: l.quantity })) }
}

function route(method, path, body) {
  if (method === 'POST' && path === '/__test/config') {
    starts = { ...starts, ...body.starts }
    fixed = body.fixed === true
    app.reset()
    return [200, { ok: true }]
  }
  if (path === '/health') return [200, { ok: true }]
  if (method === 'GET' && path === '/products') return [200, app.db.products]
  if (method === 'POST' && path === '/products') {
    const name = String(body?.name ?? 'item')
    if (app.db.products.length && !fixed) insert('products', { name, price: PRICE })
    return [201, insert('products', { name, price: PRICE })]
  }
  if (method === 'POST' && path === '/carts') return [201, insert('carts', { total: 0 })]
  let m = /^\/carts\/(\d+)$/.exec(path)
  if (m && method === 'GET') {
    const cart = byId('carts', m[1])
    return cart ? [200, cartView(cart)] : [404, { error: `no cart ${m[1]}` }]
  }
  m = /^\/carts\/(\d+)\/lines$/.exec(path)
  if (m && method === 'POST') {
    const cart = byId('carts', m[1])
    const product = byId('products', body?.productId)
    if (!cart) return [404, { error: `no cart ${m[1]}` }]
    if (!product) return [404, { error: `no product ${body?.productId}` }]
    const quantity = Number(body?.quantity ?? 1)
    const line = insert('lines', { cartId: cart.id, productId: product.id, quantity })
    cart.total += product.price * quantity
    return [201, line]
  }
  m = /^\/carts\/(\d+)\/lines\/(\d+)$/.exec(path)
  if (m && method === 'DELETE') {
    const line = app.db.lines.find((l) => l.id === Number(m[2]) && l.cartId === Number(m[1]))
    if (!line) return [404, { error: `no line ${m[2]} in cart ${m[1]}` }]
    app.db.lines = app.db.lines.filter((l) => l !== line)
    if (fixed) byId('carts', m[1]).total -= byId('products', line.productId).price * line.quantity
    return [204, undefined]
  }
  m = /^\/carts\/(\d+)\/checkout$/.exec(path)
  if (m && method === 'POST') {
    const cart = byId('carts', m[1])
    if (!cart) return [404, { error: `no cart ${m[1]}` }]
    const lines = app.db.lines.filter((l) => l.cartId === cart.id)
    if (!lines.length) return [409, { error: 'the cart is empty' }]
    const charged = (l) => byId('products', l.productId).price * (l.quantity === 1 && !fixed ? 2 : l.quantity)
    const order = insert('orders', { cartId: cart.id, total: lines.reduce((sum, l) => sum + charged(l), 0) })
    // The cart first: both objects have an `id`, and only the order's is the order's.
    return [201, { cart: cartView(cart), order: { id: order.id, total: order.total } }]
  }
  // A review's answer holds no id of its own: only its Location says which review it is.
  m = /^\/products\/(\d+)\/reviews$/.exec(path)
  if (m && method === 'POST') {
    const product = byId('products', m[1])
    if (!product) return [404, { error: `no product ${m[1]}` }]
    const stars = Number(body?.stars ?? 3)
    const review = insert('reviews', { productId: product.id, stars: stars === 1 && !fixed ? 5 : stars, reads: 0 })
    return [201, { productId: product.id, stars }, { location: `/products/${product.id}/reviews/${review.id}` }]
  }
  if (m && method === 'GET') return [200, app.db.reviews.filter((r) => r.productId === Number(m[1]))]
  m = /^\/products\/(\d+)\/reviews\/(\d+)$/.exec(path)
  if (m && method === 'GET') {
    const review = app.db.reviews.find((r) => r.id === Number(m[2]) && r.productId === Number(m[1]))
    if (!review) return [404, { error: `no review ${m[2]} of product ${m[1]}` }]
    review.reads += fixed ? 1 : 2
    return [200, review]
  }
  m = /^\/orders\/(\d+)$/.exec(path)
  if (m && method === 'GET') {
    const order = byId('orders', m[1])
    return order ? [200, order] : [404, { error: `no order ${m[1]}` }]
  }
  return [404, { error: `no route ${method} ${path}` }]
}

const app = serveMemoryApp({ name: 'coincidence app', empty, counts: (db) => Object.fromEntries(COLLECTIONS.map((c) => [c, db[c].length])), route })
