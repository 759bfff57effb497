import pg from 'pg'

/**
 * No unique index on (user_id, sku) and a nullable unit_price: the app enforces both itself, which is what
 * lets the `leak_duplicate_sku` and `null_price_after_cancel` bugs exist at all. The fixed app never
 * stores a duplicate live sku or a NULL price.
 */
const SCHEMA = `
CREATE TABLE IF NOT EXISTS users (
  id            SERIAL PRIMARY KEY,
  email         TEXT NOT NULL UNIQUE,
  password_hash TEXT NOT NULL,
  name          TEXT NOT NULL,
  created_at    TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE TABLE IF NOT EXISTS sessions (
  token      TEXT PRIMARY KEY,
  user_id    INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  created_at TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE TABLE IF NOT EXISTS products (
  id         SERIAL PRIMARY KEY,
  user_id    INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  sku        TEXT NOT NULL,
  name       TEXT NOT NULL,
  price      INTEGER NOT NULL,
  stock      INTEGER NOT NULL,
  received   INTEGER NOT NULL,
  deleted_at TIMESTAMPTZ,
  created_at TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE INDEX IF NOT EXISTS products_user_id_idx ON products (user_id);
CREATE TABLE IF NOT EXISTS reservations (
  id          SERIAL PRIMARY KEY,
  user_id     INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  product_id  INTEGER NOT NULL REFERENCES products(id) ON DELETE CASCADE,
  quantity    INTEGER NOT NULL,
  status      TEXT NOT NULL DEFAULT 'active',
  created_at  TIMESTAMPTZ NOT NULL DEFAULT now(),
  released_at TIMESTAMPTZ
);
CREATE INDEX IF NOT EXISTS reservations_product_id_idx ON reservations (product_id);
CREATE TABLE IF NOT EXISTS orders (
  id           SERIAL PRIMARY KEY,
  user_id      INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  product_id   INTEGER NOT NULL REFERENCES products(id),
  quantity     INTEGER NOT NULL,
  unit_price   INTEGER,
  total        INTEGER NOT NULL,
  coupon       TEXT,
  status       TEXT NOT NULL DEFAULT 'paid',
  created_at   TIMESTAMPTZ NOT NULL DEFAULT now(),
  shipped_at   TIMESTAMPTZ,
  cancelled_at TIMESTAMPTZ
);
CREATE INDEX IF NOT EXISTS orders_product_id_idx ON orders (product_id);
CREATE INDEX IF NOT EXISTS orders_user_id_idx ON orders (user_id);
CREATE TABLE IF NOT EXISTS refunds (
  id         SERIAL PRIMARY KEY,
  order_id   INTEGER NOT NULL REFERENCES orders(id) ON DELETE CASCADE,
  amount     INTEGER NOT NULL,
  created_at TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE INDEX IF NOT EXISTS refunds_order_id_idx ON refunds (order_id);
`

export const TABLES = ['refunds', 'orders', 'reservations', 'products', 'sessions', 'users'] as const

/** Serialises schema creation when several app processes start against one database at once. */
const SCHEMA_LOCK_KEY = 0x5e0a99

/** A pool client inside a transaction, or the Database itself outside one. */
export interface Queryable {
  query<R extends pg.QueryResultRow = any>(text: string, values?: unknown[]): Promise<pg.QueryResult<R>>
}

export class Database {
  readonly pool: pg.Pool

  constructor(url: string, onError: (err: Error) => void) {
    // The app's own pool, separate from anything a test harness or a state backend opens on the database.
    this.pool = new pg.Pool({ connectionString: url, max: 5, idleTimeoutMillis: 10_000 })
    // An idle client losing its connection (database restarted or recreated) must not crash the process.
    this.pool.on('error', onError)
  }

  async init(): Promise<void> {
    await this.tx(async (c) => {
      await c.query('SELECT pg_advisory_xact_lock($1)', [SCHEMA_LOCK_KEY])
      await c.query(SCHEMA)
    })
  }

  query<R extends pg.QueryResultRow = any>(text: string, values?: unknown[]): Promise<pg.QueryResult<R>> {
    return this.pool.query<R>(text, values)
  }

  /**
   * One transaction. With `lockUser`, the user's writes are serialised first: every resource belongs to
   * one user, so this one lock makes each check-then-write (stock, sku, coupon, refund total) atomic.
   */
  async tx<T>(fn: (c: pg.PoolClient) => Promise<T>, lockUser?: number): Promise<T> {
    const client = await this.pool.connect()
    let broken: Error | undefined
    try {
      await client.query('BEGIN')
      if (lockUser !== undefined) await client.query('SELECT pg_advisory_xact_lock(1, $1)', [lockUser])
      const result = await fn(client)
      await client.query('COMMIT')
      return result
    } catch (err) {
      await client.query('ROLLBACK').catch((rollbackErr: Error) => (broken = rollbackErr))
      throw err
    } finally {
      // A client whose ROLLBACK failed is in an unknown state: destroy it rather than reuse it.
      client.release(broken)
    }
  }

  close(): Promise<void> {
    return this.pool.end()
  }
}
