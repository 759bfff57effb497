/**
 * What ORMs' migrations and query builders do through the proxy, reproduced with node-pg doing what the
 * ORM sends (Knex, Sequelize): each works as on PostgreSQL, or fails with an error that says why and what to do.
 */
import { describeWithService } from '@venomqa/test-utils'
import pg from 'pg'
import { afterAll, afterEach, beforeAll, expect, it } from 'vitest'
import type { PgProxy } from '../src/index'
import { PG, createDatabase, dbName, dropDatabase, startProxy } from './helpers'

const describe = await describeWithService('PostgreSQL', PG.host, PG.port)
const DB = dbName('orm_migrations')

async function connect(url: string): Promise<pg.Client> {
  const c = new pg.Client({ connectionString: url })
  c.on('error', () => {})
  await c.connect()
  return c
}

describe('ORM migrations and query builders through the proxy', () => {
  let proxy: PgProxy
  const clients: pg.Client[] = []

  beforeAll(async () => {
    await createDatabase(DB, `CREATE TYPE order_status AS ENUM ('pending', 'paid'); CREATE TABLE orders (id serial PRIMARY KEY, status order_status NOT NULL DEFAULT 'pending')`)
    proxy = await startProxy(DB)
  })
  afterEach(async () => {
    for (const c of clients.splice(0)) await c.end().catch(() => {})
  })
  afterAll(async () => {
    await proxy?.stop()
    await dropDatabase(DB)
  })

  it('says why an enum value a committed migration added cannot be used, and records it for the run', async () => {
    // A migration adds the value in its own transaction (Knex wraps each migration in one; Sequelize's
    // sync({ alter }) sends it alone), commits, and the app then uses it: fine on PostgreSQL.
    const app = await connect(proxy.url)
    clients.push(app)
    await app.query('BEGIN')
    await app.query(`ALTER TYPE order_status ADD VALUE 'refunded'`)
    await app.query('COMMIT')
    const err = await app.query(`INSERT INTO orders (status) VALUES ('refunded')`).catch((e) => e)
    expect(err.code).toBe('55P04')
    expect(err.message).toBe('unsafe use of new value "refunded" of enum type order_status')
    expect(err.hint).toMatch(/^New enum values must be committed before they can be used\. Behind venomqa-pg-proxy nothing is ever committed/)
    expect(err.hint).toMatch(/on the database directly, before the proxy starts/)
    expect(proxy.refusals.map((r) => [r.reason, r.code, r.message])).toEqual([
      ['enum-value-uncommitted', '55P04', 'unsafe use of new value "refunded" of enum type order_status'],
    ])
    expect(proxy.refusals[0]!.hint).toBe(err.hint)
    // The connection goes on: its failed autocommit statement left nothing.
    expect((await app.query(`INSERT INTO orders (status) VALUES ('paid') RETURNING status`)).rows).toEqual([{ status: 'paid' }])
  })
})
