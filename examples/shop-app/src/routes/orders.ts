import { HttpError, type Router, invalid, notFound, readJson } from '@venomqa/example-app-kit'
import type { Queryable } from '../db'
import type { Shop } from '../shop'
import { idParam, requiredInt } from '../validation'
import { MAX_QUANTITY, liveProduct } from './products'
import { authenticate } from './users'

type Row = Record<string, any>

/** The one coupon: 10% off one order per user. A cancelled order gives it back. */
export const COUPON = 'WELCOME10'
const COUPON_PERCENT = 10
/** Larger than any order total can be (price 1 000 000 x quantity 1000), so every refund amount fits an INT. */
const MAX_REFUND = 1_000_000_000

const ORDER_SELECT = `
SELECT o.*, COALESCE((SELECT SUM(f.amount) FROM refunds f WHERE f.order_id = o.id), 0)::int AS refunded
FROM orders o`

const iso = (d: Date | null) => (d ? d.toISOString() : null)

const toOrder = (r: Row) => ({
  id: r.id,
  productId: r.product_id,
  quantity: r.quantity,
  unitPrice: r.unit_price,
  total: r.total,
  refunded: r.refunded,
  coupon: r.coupon,
  status: r.status,
  createdAt: iso(r.created_at),
  shippedAt: iso(r.shipped_at),
  cancelledAt: iso(r.cancelled_at),
})

const toRefund = (r: Row) => ({ id: r.id, orderId: r.order_id, amount: r.amount, createdAt: iso(r.created_at) })

async function loadOrder(c: Queryable, id: number) {
  const { rows } = await c.query(`${ORDER_SELECT} WHERE o.id = $1`, [id])
  return toOrder(rows[0])
}

/** The user's order with its refunded sum; 404 otherwise. Call inside db.tx(..., userId) before changing it. */
async function userOrder(c: Queryable, userId: number, orderId: number): Promise<Row> {
  const { rows } = await c.query(`${ORDER_SELECT} WHERE o.id = $1 AND o.user_id = $2`, [orderId, userId])
  if (!rows[0]) throw notFound('order not found')
  return rows[0]
}

const notPaid = (order: Row) => new HttpError(409, { error: `order is ${order.status}` })

/** A fair coin from the clock, for the one bug that must show only sometimes for the same sequence. */
const coinFlip = () => (process.hrtime.bigint() / 1000n) % 2n === 1n

export function orderRoutes(router: Router, shop: Shop): void {
  const { db, bugs } = shop

  router.on('POST', '/api/products/:productId/orders', async ({ req, params }) => {
    const userId = await authenticate(shop, req)
    const productId = idParam(params.productId, 'product')
    const body = await readJson(req)
    const quantity = requiredInt(body, 'quantity', 1, MAX_QUANTITY)
    const coupon = body.coupon ?? null
    if (coupon !== null && coupon !== COUPON) throw invalid('coupon', `coupon must be ${COUPON}`)
    return db.tx(async (c) => {
      const product = await liveProduct(c, userId, productId)
      if (product.stock < quantity) throw new HttpError(409, { error: 'insufficient_stock' })
      if (coupon) {
        // Planted (coupon_reuse_after_ship): counting only paid orders forgets that a shipped order used the coupon too.
        const holding = bugs.has('coupon_reuse_after_ship') ? "status = 'paid'" : "status <> 'cancelled'"
        const used = await c.query(`SELECT 1 FROM orders WHERE user_id = $1 AND coupon = $2 AND ${holding} LIMIT 1`, [userId, coupon])
        if (used.rowCount) throw new HttpError(409, { error: 'coupon_used', field: 'coupon' })
      }
      const gross = product.price * quantity
      const total = coupon ? gross - Math.floor((gross * COUPON_PERCENT) / 100) : gross
      await c.query('UPDATE products SET stock = stock - $2 WHERE id = $1', [productId, quantity])
      // Planted (flaky_stock): selling the last units sometimes takes them off twice, as a retried write would.
      if (bugs.has('flaky_stock') && product.stock === quantity && coinFlip())
        await c.query('UPDATE products SET stock = stock - $2 WHERE id = $1', [productId, quantity])
      const { rows } = await c.query(
        'INSERT INTO orders (user_id, product_id, quantity, unit_price, total, coupon) VALUES ($1, $2, $3, $4, $5, $6) RETURNING id',
        [userId, productId, quantity, product.price, total, coupon],
      )
      return [201, await loadOrder(c, rows[0].id)]
    }, userId)
  })

  router.on('GET', '/api/orders', async ({ req }) => {
    const userId = await authenticate(shop, req)
    const { rows } = await db.query(`${ORDER_SELECT} WHERE o.user_id = $1 ORDER BY o.id`, [userId])
    return [200, rows.map(toOrder)]
  })

  router.on('GET', '/api/orders/:orderId', async ({ req, params }) => {
    const userId = await authenticate(shop, req)
    const id = idParam(params.orderId, 'order')
    return [200, toOrder(await userOrder(db, userId, id))]
  })

  router.on('POST', '/api/orders/:orderId/cancel', async ({ req, params }) => {
    const userId = await authenticate(shop, req)
    const id = idParam(params.orderId, 'order')
    return db.tx(async (c) => {
      const order = await userOrder(c, userId, id)
      if (order.status !== 'paid') throw notPaid(order)
      // Cancelling refunds whatever has not been refunded yet and puts the units back on the shelf.
      const remaining = order.total - order.refunded
      if (remaining > 0) await c.query('INSERT INTO refunds (order_id, amount) VALUES ($1, $2)', [id, remaining])
      await c.query('UPDATE products SET stock = stock + $2 WHERE id = $1', [order.product_id, order.quantity])
      // Planted (null_price_after_cancel): the cancel also wipes the price the order was sold at.
      const price = bugs.has('null_price_after_cancel') ? ', unit_price = NULL' : ''
      await c.query(`UPDATE orders SET status = 'cancelled', cancelled_at = now()${price} WHERE id = $1`, [id])
      return [200, await loadOrder(c, id)]
    }, userId)
  })

  router.on('POST', '/api/orders/:orderId/ship', async ({ req, params }) => {
    const userId = await authenticate(shop, req)
    const id = idParam(params.orderId, 'order')
    return db.tx(async (c) => {
      const order = await userOrder(c, userId, id)
      if (order.status !== 'paid') throw notPaid(order)
      if (bugs.has('crash_ship_after_refund')) {
        // Planted: reads a refund `reason` that refunds do not have. With no refund there is nothing to read,
        // so only an order shipped after a refund crashes (a TypeError, answered 500).
        const { rows } = await c.query('SELECT * FROM refunds WHERE order_id = $1', [id])
        for (const refund of rows) refund.reason.trim()
      }
      await c.query("UPDATE orders SET status = 'shipped', shipped_at = now() WHERE id = $1", [id])
      return [200, await loadOrder(c, id)]
    }, userId)
  })

  router.on('POST', '/api/orders/:orderId/refunds', async ({ req, params }) => {
    const userId = await authenticate(shop, req)
    const id = idParam(params.orderId, 'order')
    const amount = requiredInt(await readJson(req), 'amount', 1, MAX_REFUND)
    return db.tx(async (c) => {
      const order = await userOrder(c, userId, id)
      if (order.status === 'cancelled') throw notPaid(order)
      // Planted (refund_over_charge): measured against the whole charge, not what is left of it after earlier refunds.
      const refundable = bugs.has('refund_over_charge') ? order.total : order.total - order.refunded
      if (amount > refundable) throw new HttpError(422, { error: 'refund_exceeds_charge', field: 'amount' })
      const { rows } = await c.query('INSERT INTO refunds (order_id, amount) VALUES ($1, $2) RETURNING *', [id, amount])
      return [201, toRefund(rows[0])]
    }, userId)
  })

  router.on('GET', '/api/orders/:orderId/refunds', async ({ req, params }) => {
    const userId = await authenticate(shop, req)
    const id = idParam(params.orderId, 'order')
    await userOrder(db, userId, id)
    const { rows } = await db.query('SELECT * FROM refunds WHERE order_id = $1 ORDER BY id', [id])
    return [200, rows.map(toRefund)]
  })
}
