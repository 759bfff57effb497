import { HttpError, type Router, invalid, notFound, readJson } from '@venomqa/example-app-kit'
import type { Queryable } from '../db'
import type { Shop } from '../shop'
import { idParam, optionalInt, optionalString, requiredInt, requiredString } from '../validation'
import { authenticate } from './users'

type Row = Record<string, any>

export const MAX_PRICE = 1_000_000
export const MAX_STOCK = 100_000
export const MAX_QUANTITY = 1000
const SKU = /^[A-Za-z0-9_-]{1,32}$/

/** `reserved` and `sold` are derived, so `stock + reserved + sold = received` holds by construction in the fixed app. */
const PRODUCT_SELECT = `
SELECT p.*,
  COALESCE((SELECT SUM(r.quantity) FROM reservations r WHERE r.product_id = p.id AND r.status = 'active'), 0)::int AS reserved,
  COALESCE((SELECT SUM(o.quantity) FROM orders o WHERE o.product_id = p.id AND o.status <> 'cancelled'), 0)::int AS sold
FROM products p`

const toProduct = (r: Row) => ({
  id: r.id,
  sku: r.sku,
  name: r.name,
  price: r.price,
  stock: r.stock,
  reserved: r.reserved,
  sold: r.sold,
  received: r.received,
  createdAt: (r.created_at as Date).toISOString(),
})

const toReservation = (r: Row) => ({
  id: r.id,
  productId: r.product_id,
  quantity: r.quantity,
  status: r.status,
  createdAt: (r.created_at as Date).toISOString(),
  releasedAt: r.released_at ? (r.released_at as Date).toISOString() : null,
})

/** The user's product, not deleted, locked for the rest of the transaction; 404 otherwise. */
export async function liveProduct(c: Queryable, userId: number, productId: number): Promise<Row> {
  const { rows } = await c.query('SELECT * FROM products WHERE id = $1 AND user_id = $2 AND deleted_at IS NULL FOR UPDATE', [productId, userId])
  if (!rows[0]) throw notFound('product not found')
  return rows[0]
}

async function loadProduct(c: Queryable, id: number) {
  const { rows } = await c.query(`${PRODUCT_SELECT} WHERE p.id = $1`, [id])
  return toProduct(rows[0])
}

const skuTaken = () => new HttpError(409, { error: 'sku_taken', field: 'sku' })

async function liveSkuCount(c: Queryable, userId: number, sku: string): Promise<number> {
  const { rows } = await c.query('SELECT count(*)::int AS n FROM products WHERE user_id = $1 AND sku = $2 AND deleted_at IS NULL', [userId, sku])
  return rows[0].n
}

export function productRoutes(router: Router, shop: Shop): void {
  const { db, bugs } = shop

  router.on('POST', '/api/products', async ({ req }) => {
    const userId = await authenticate(shop, req)
    const body = await readJson(req)
    const sku = requiredString(body, 'sku', { pattern: SKU })
    const name = requiredString(body, 'name', { max: 100 })
    const price = requiredInt(body, 'price', 0, MAX_PRICE)
    const stock = requiredInt(body, 'stock', 0, MAX_STOCK)
    const insert = (c: Queryable) =>
      c.query('INSERT INTO products (user_id, sku, name, price, stock, received) VALUES ($1, $2, $3, $4, $5, $5) RETURNING id', [
        userId,
        sku,
        name,
        price,
        stock,
      ])

    if (bugs.has('leak_duplicate_sku')) {
      // Planted: written first, outside any transaction, and checked afterwards, so the 409 leaves the row behind.
      const { rows } = await insert(db)
      if ((await liveSkuCount(db, userId, sku)) > 1) throw skuTaken()
      return [201, await loadProduct(db, rows[0].id)]
    }
    return db.tx(async (c) => {
      if ((await liveSkuCount(c, userId, sku)) > 0) throw skuTaken()
      const { rows } = await insert(c)
      return [201, await loadProduct(c, rows[0].id)]
    }, userId)
  })

  router.on('GET', '/api/products', async ({ req }) => {
    const userId = await authenticate(shop, req)
    const { rows } = await db.query(`${PRODUCT_SELECT} WHERE p.user_id = $1 AND p.deleted_at IS NULL ORDER BY p.id`, [userId])
    return [200, rows.map(toProduct)]
  })

  router.on('GET', '/api/products/:productId', async ({ req, params }) => {
    const userId = await authenticate(shop, req)
    const id = idParam(params.productId, 'product')
    // Planted (read_after_delete): without the deleted_at filter, a product kept for its order history stays readable.
    const live = bugs.has('read_after_delete') ? '' : 'AND p.deleted_at IS NULL'
    const { rows } = await db.query(`${PRODUCT_SELECT} WHERE p.id = $1 AND p.user_id = $2 ${live}`, [id, userId])
    if (!rows[0]) throw notFound('product not found')
    return [200, toProduct(rows[0])]
  })

  router.on('PATCH', '/api/products/:productId', async ({ req, params }) => {
    const userId = await authenticate(shop, req)
    const id = idParam(params.productId, 'product')
    const body = await readJson(req)
    const name = optionalString(body, 'name', { max: 100 })
    const price = optionalInt(body, 'price', 0, MAX_PRICE)
    if (name === undefined && price === undefined) throw invalid('body', 'give name or price')
    return db.tx(async (c) => {
      await liveProduct(c, userId, id)
      await c.query('UPDATE products SET name = COALESCE($2, name), price = COALESCE($3, price) WHERE id = $1', [id, name ?? null, price ?? null])
      return [200, await loadProduct(c, id)]
    }, userId)
  })

  router.on('DELETE', '/api/products/:productId', async ({ req, params }) => {
    const userId = await authenticate(shop, req)
    const id = idParam(params.productId, 'product')
    return db.tx(async (c) => {
      await liveProduct(c, userId, id)
      const active = await c.query("SELECT 1 FROM reservations WHERE product_id = $1 AND status = 'active' LIMIT 1", [id])
      if (active.rowCount) throw new HttpError(409, { error: 'product_reserved' })
      // Orders keep pointing at their product, so a product that was ever ordered is only marked deleted.
      const ordered = await c.query('SELECT 1 FROM orders WHERE product_id = $1 LIMIT 1', [id])
      if (ordered.rowCount) await c.query('UPDATE products SET deleted_at = now() WHERE id = $1', [id])
      else await c.query('DELETE FROM products WHERE id = $1', [id])
      return [204]
    }, userId)
  })

  router.on('POST', '/api/products/:productId/reservations', async ({ req, params }) => {
    const userId = await authenticate(shop, req)
    const productId = idParam(params.productId, 'product')
    const quantity = requiredInt(await readJson(req), 'quantity', 1, MAX_QUANTITY)
    return db.tx(async (c) => {
      const product = await liveProduct(c, userId, productId)
      if (product.stock < quantity) throw new HttpError(409, { error: 'insufficient_stock' })
      await c.query('UPDATE products SET stock = stock - $2 WHERE id = $1', [productId, quantity])
      const { rows } = await c.query('INSERT INTO reservations (user_id, product_id, quantity) VALUES ($1, $2, $3) RETURNING *', [
        userId,
        productId,
        quantity,
      ])
      return [201, toReservation(rows[0])]
    }, userId)
  })

  router.on('GET', '/api/reservations', async ({ req }) => {
    const userId = await authenticate(shop, req)
    const { rows } = await db.query('SELECT * FROM reservations WHERE user_id = $1 ORDER BY id', [userId])
    return [200, rows.map(toReservation)]
  })

  router.on('GET', '/api/reservations/:reservationId', async ({ req, params }) => {
    const userId = await authenticate(shop, req)
    const id = idParam(params.reservationId, 'reservation')
    const { rows } = await db.query('SELECT * FROM reservations WHERE id = $1 AND user_id = $2', [id, userId])
    if (!rows[0]) throw notFound('reservation not found')
    return [200, toReservation(rows[0])]
  })

  router.on('POST', '/api/reservations/:reservationId/release', async ({ req, params }) => {
    const userId = await authenticate(shop, req)
    const id = idParam(params.reservationId, 'reservation')
    return db.tx(async (c) => {
      const { rows } = await c.query('SELECT * FROM reservations WHERE id = $1 AND user_id = $2 FOR UPDATE', [id, userId])
      if (!rows[0]) throw notFound('reservation not found')
      // Planted (double_release): without this check a second release hands the same units back again.
      if (rows[0].status === 'released' && !bugs.has('double_release')) throw new HttpError(409, { error: 'already_released' })
      await c.query('UPDATE products SET stock = stock + $2 WHERE id = $1', [rows[0].product_id, rows[0].quantity])
      const released = await c.query("UPDATE reservations SET status = 'released', released_at = now() WHERE id = $1 RETURNING *", [id])
      return [200, toReservation(released.rows[0])]
    }, userId)
  })
}
