/**
 * What ORMs' migrations and query builders do through the proxy, reproduced with node-pg doing what the
 * ORM sends (Knex, Sequelize): each works as on PostgreSQL, or fails with an error that says why and what to do.
 */
import { describeWithService } from '@venomqa/test-utils'
import pg from 'pg'
import { afterAll, afterEach, beforeAll, expect, it } from 'vitest'
import type { PgProxy } from '../src/index'
import { PG, createDatabase, dbName, dropDatabase, runningUpstream, startProxy } from './helpers'

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

  // Knex's `.timeout(ms, { cancel: true })`: on a new connection of its own, `SELECT pg_cancel_backend($1)`
  // with the processID the running query's connection got at its start (its BackendKeyData).
  it("cancels a connection's statement for pg_cancel_backend of its process id, sent on another connection", async () => {
    const app = await connect(proxy.url)
    const canceller = await connect(proxy.url)
    clients.push(app, canceller)
    const slow = app.query('SELECT pg_sleep(30) AS slept').then(
      () => 'finished',
      (e) => `${e.code}: ${e.message}`,
    )
    await runningUpstream(DB, 'SELECT pg_sleep(30) AS slept')
    const pid = (app as unknown as { processID: number }).processID
    expect((await canceller.query('SELECT pg_cancel_backend($1);', [pid])).rows).toEqual([{ pg_cancel_backend: true }])
    expect(await slow).toBe('57014: canceling statement due to user request')
    // Both connections go on, and by the simple protocol too.
    expect((await app.query('SELECT 1 AS one')).rows).toEqual([{ one: 1 }])
    expect((await canceller.query(`SELECT pg_cancel_backend(${pid})`)).rows).toEqual([{ pg_cancel_backend: true }])
  })

  // An operator's (or a pool's reaper's) `SELECT pg_terminate_backend(pid)` with the process id the proxy gave
  // a connection: PostgreSQL ends that backend (FATAL 57P01) and answers true, whether it ran a statement or
  // sat idle in its transaction; its transaction is rolled back.
  it('ends a connection for pg_terminate_backend of its process id, sent on another: 57P01 to it, its transaction undone, true', async () => {
    const count = async (c: pg.Client) => Number((await c.query('SELECT count(*) AS n FROM orders')).rows[0].n)
    const running = await connect(proxy.url)
    const idle = await connect(proxy.url)
    const killer = await connect(proxy.url)
    clients.push(running, idle, killer)
    const before = await count(killer)
    const ended = (c: pg.Client) => new Promise<void>((resolve) => c.once('end', () => resolve()))
    const runningEnded = ended(running)
    await running.query('BEGIN')
    await running.query("INSERT INTO orders (status) VALUES ('paid')")
    const slow = running.query('SELECT pg_sleep(30) AS slept').then(
      () => 'finished',
      (e) => `${e.code}: ${e.message}`,
    )
    await runningUpstream(DB, 'SELECT pg_sleep(30) AS slept')
    const pid = (running as unknown as { processID: number }).processID
    expect((await killer.query('SELECT pg_terminate_backend($1)', [pid])).rows).toEqual([{ pg_terminate_backend: true }])
    expect(await slow).toBe('57P01: terminating connection due to administrator command')
    await runningEnded
    // Idle inside its transaction, by the simple protocol: ended too, and the session free for the others.
    const idleEnded = ended(idle)
    await idle.query('BEGIN')
    await idle.query("INSERT INTO orders (status) VALUES ('paid')")
    const idlePid = (idle as unknown as { processID: number }).processID
    expect((await killer.query(`SELECT pg_terminate_backend(${idlePid})`)).rows).toEqual([{ pg_terminate_backend: true }])
    await idleEnded
    expect(await count(killer)).toBe(before)
  })

  // Knex's `knex.transaction({ readOnly: true })`, a read replica's pool, psql's `BEGIN READ ONLY`: a write
  // in it fails with 25006 on PostgreSQL. Simple and extended protocol, and SET TRANSACTION inside BEGIN.
  it('keeps a read-only transaction read-only, and the next transaction read-write', async () => {
    const app = await connect(proxy.url)
    clients.push(app)
    const insert = "INSERT INTO orders (status) VALUES ('paid')"
    const inTransaction = async (begin: string[], write: string) => {
      for (const sql of begin) await app.query(sql)
      const outcome = await app.query(write).then(
        () => 'written',
        (e) => `${e.code}: ${e.message}`,
      )
      await app.query('ROLLBACK')
      return outcome
    }
    const refused = '25006: cannot execute INSERT in a read-only transaction'
    expect(await inTransaction(['BEGIN READ ONLY'], insert)).toBe(refused)
    expect(await inTransaction(['START TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY'], insert)).toBe(refused)
    expect(await inTransaction(['BEGIN', 'SET TRANSACTION READ ONLY'], insert)).toBe(refused)
    // By the extended protocol (a named statement, a query with parameters), as node-pg sends them.
    await app.query({ name: 'begin_read_only', text: 'BEGIN READ ONLY' })
    expect(await app.query({ text: 'INSERT INTO orders (status) VALUES ($1)', values: ['paid'] }).then(() => 'written', (e) => e.code)).toBe('25006')
    await app.query('ROLLBACK')
    // The proxy's own transaction, and the app's next ones, are read-write again.
    await app.query('BEGIN')
    expect((await app.query(`${insert} RETURNING status`)).rows).toEqual([{ status: 'paid' }])
    await app.query('COMMIT')
    expect((await app.query('SHOW transaction_read_only')).rows).toEqual([{ transaction_read_only: 'off' }])
    await proxy.checkpoint('after_read_only')
    await proxy.rollback('after_read_only')
  })
})
