/**
 * A stock API in a process of its own, its rows in memory and rolled back through the http-control
 * protocol. A product is created with an `initialStock`, and its answer echoes the `stock` it keeps.
 *
 * Planted bugs, each on while `POST /__test/config { bugs: [...] }` names it:
 * - `bulk_not_subtracted`: an order of 10 units or more leaves the stock as it was.
 * - `capped`: a product keeps at most 9 units, and its answer says 9.
 */
import http from 'node:http'

let bugs = new Set()
let db = empty()
const checkpoints = []

function empty() {
  return { products: [], orders: [], next: 1 }
}

const byId = (id) => db.products.find((p) => p.id === Number(id))

function control(path, body) {
  const at = checkpoints.findIndex((c) => c.name === body?.name)
  if (path === '/__venomqa/state') return [200, { products: db.products.length, orders: db.orders.length }]
  if (path === '/__venomqa/checkpoint') {
    if (at >= 0) checkpoints.splice(at, 1)
    checkpoints.push({ name: body?.name, db: structuredClone(db) })
  } else if (path === '/__venomqa/rollback') {
    if (at < 0) return [404, { error: `no checkpoint ${body?.name}` }]
    db = structuredClone(checkpoints[at].db)
    checkpoints.length = at + 1
  } else if (path === '/__venomqa/release') {
    if (at >= 0) checkpoints.splice(at, 1)
  } else if (path === '/__venomqa/reset') {
    db = empty()
    checkpoints.length = 0
  }
  return [200, { ok: true }]
}

function route(method, path, body) {
  if (path.startsWith('/__venomqa/')) return control(path, body)
  if (method === 'POST' && path === '/__test/config') {
    bugs = new Set(body?.bugs ?? [])
    db = empty()
    checkpoints.length = 0
    return [200, { ok: true }]
  }
  if (path === '/health') return [200, { ok: true }]
  if (method === 'POST' && path === '/products') {
    const wanted = Number(body?.initialStock ?? 0)
    const product = { id: db.next++, name: String(body?.name ?? 'item'), stock: bugs.has('capped') ? Math.min(wanted, 9) : wanted }
    db.products.push(product)
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
    db.orders.push({ productId: product.id, quantity })
    return [201, { productId: product.id, quantity, left: product.stock }]
  }
  return [404, { error: `no route ${method} ${path}` }]
}

const server = http.createServer(async (req, res) => {
  let text = ''
  for await (const chunk of req) text += chunk
  const url = new URL(req.url ?? '/', 'http://app')
  let body
  try {
    body = text ? JSON.parse(text) : undefined
  } catch {
    res.writeHead(400, { 'content-type': 'application/json' }).end(JSON.stringify({ error: 'not JSON' }))
    return
  }
  const [status, answer] = route(req.method ?? 'GET', url.pathname, body)
  res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(answer))
})

server.listen(Number(process.env.PORT ?? 0), process.env.HOST ?? '127.0.0.1', () => {
  const { address, port } = server.address()
  console.log(`stock app listening on http://${address}:${port}`)
})
process.on('SIGTERM', () => server.close(() => process.exit(0)))
