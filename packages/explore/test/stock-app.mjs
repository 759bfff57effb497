/**
 * A stock API in a process of its own, its rows in memory and rolled back through the http-control
 * protocol. A product is created with an `initialStock`, and its answer echoes the `stock` it keeps.
 *
 * Planted bugs, each on while `POST /__test/config { bugs: [...] }` names it:
 * - `bulk_not_subtracted`: an order of 10 units or more leaves the stock as it was.
 * - `capped`: a product keeps at most 9 units, and its answer says 9.
 */
import { serveMemoryApp } from './memory-app.mjs'

let bugs = new Set()

function empty() {
  return { products: [], orders: [], next: 1 }
}

const byId = (id) => app.db.products.find((p) => p.id === Number(id))

function route(method, path, body) {
  if (method === 'POST' && path === '/__test/config') {
    bugs = new Set(body?.bugs ?? [])
    app.reset()
    return [200, { ok: true }]
  }
  if (path === '/health') return [200, { ok: true }]
  if (method === 'POST' && path === '/products') {
    const wanted = Number(body?.initialStock ?? 0)
    const product = { id: app.db.next++, name: String(body?.name ?? 'item'), stock: bugs.has('capped') ? Math.min(wanted, 9) : wanted }
    app.db.products.push(product)
    return [201, product]
  }
  let m = /^\/products\/(\d+)$/.exec(path)
  if (m && method === 'GET') {
    const product = byId(m[1])
    return product ? [200, product] : [404, { error: `no product ${m[1]}` }]
  }
  // The quantity in the path, as a shop's "buy n" link sends it.
  m = /^\/products\/(\d+)\/orders\/(\d+)$/.exec(path)
  if (m && method === 'POST') {
    const product = byId(m[1])
    if (!product) return [404, { error: `no product ${m[1]}` }]
    const quantity = Number(m[2])
    if (quantity > product.stock) return [409, { error: `${quantity} wanted, ${product.stock} in stock` }]
    if (quantity < 10 || !bugs.has('bulk_not_subtracted')) product.stock -= quantity
    app.db.orders.push({ productId: product.id, quantity })
    return [201, { productId: product.id, quantity, left: product.stock }]
  }
  return [404, { error: `no route ${method} ${path}` }]
}

const app = serveMemoryApp({ name: 'stock app', empty, counts: (db) => ({ products: db.products.length, orders: db.orders.length }), route })
