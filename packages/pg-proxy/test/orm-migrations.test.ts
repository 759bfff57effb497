/**
 * What ORMs' migrations and query builders do through the proxy, reproduced with node-pg doing what the
 * ORM sends (Knex, Sequelize): each works as on PostgreSQL, or fails with an error that says why and what to do.
 */
import { describeWithService } from '@venomqa/test-utils'
import pg from 'pg'
import { afterAll, afterEach, beforeAll, expect, it } from 'vitest'
import type { PgProxy } from '../src/index'
import { query } from '../src/protocol/messages'
import { PG, createDatabase, dbName, dbUrl, dropDatabase, rawConnection, runningUpstream, startProxy, withClient } from './helpers'

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
    const { slow, pid } = await sleeping(app)
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
    const { slow, pid } = await sleeping(running)
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

  /**
   * `c` in a 30 s statement the server is running, and the process id the proxy gave `c` at its start: what
   * a cancel or terminate names. `slow` settles with 'finished' or the error's `code: message`.
   */
  async function sleeping(c: pg.Client): Promise<{ slow: Promise<string>; pid: number }> {
    const sql = 'SELECT pg_sleep(30) AS slept'
    const slow = c.query(sql).then(
      () => 'finished',
      (e) => `${e.code}: ${e.message}`,
    )
    await runningUpstream(DB, sql)
    return { slow, pid: (c as unknown as { processID: number }).processID }
  }

  /** What a connection to `url` that sends `sqls` in one write gets until it is closed: message types, SQLSTATEs. */
  async function untilClosed(url: string, sqls: string[], meanwhile: (key: { processID: number }) => Promise<void> = async () => {}) {
    const raw = await rawConnection(url)
    raw.write(sqls.map((sql) => query(sql)))
    await meanwhile(raw.key)
    await raw.closed
    return { types: raw.types().join(' '), errors: raw.answer().errors }
  }

  // PostgreSQL ends the backend: the statement under way gets FATAL 57P01, and the one the client sent
  // after it, waiting its turn on the same connection, gets nothing but the connection's end.
  it('pg_terminate_backend of a connection with a statement waiting behind its running one: 57P01, then the end, as on PostgreSQL', async () => {
    // Each killed by a connection of its own kind: the proxy's process id means nothing to PostgreSQL.
    const outcome = (url: string) =>
      untilClosed(url, ['SELECT pg_sleep(30) AS waited_behind', 'SELECT 2'], async (key) => {
        await runningUpstream(DB, 'SELECT pg_sleep(30) AS waited_behind')
        const killed = await withClient(url, async (killer) => (await killer.query('SELECT pg_terminate_backend($1)', [key.processID])).rows)
        expect(killed).toEqual([{ pg_terminate_backend: true }])
      })
    // The running statement's row description may come first or not (through the proxy, the terminate can
    // outrun it): what follows it is the point, FATAL and nothing more.
    const afterStart = ({ types, errors }: { types: string; errors: string[] }) => ({ types: types.replace(/^T /, ''), errors })
    const direct = afterStart(await outcome(dbUrl(DB)))
    expect(direct).toEqual({ types: 'E', errors: ['57P01'] })
    expect(afterStart(await outcome(proxy.url))).toEqual(direct)
  })

  // A connection that ends itself: PostgreSQL sends the row description and the row, then FATAL 57P01 and
  // closes; the next statement is never answered. Sent to the proxy's shared session, it ended that session,
  // and every connection of the app with it (08006 to each).
  it('SELECT pg_terminate_backend(pg_backend_pid()) ends that connection only, as on PostgreSQL', async () => {
    const sqls = ['SELECT pg_terminate_backend(pg_backend_pid())', 'SELECT 2']
    const direct = await untilClosed(dbUrl(DB), sqls)
    expect(direct).toEqual({ types: 'T D E', errors: ['57P01'] })
    const other = await connect(proxy.url)
    clients.push(other)
    const session = proxy.upstream.pid
    expect(await untilClosed(proxy.url, sqls)).toEqual(direct)
    // By the extended protocol, and inside a transaction: the same end.
    const ends = async (url: string, begin: boolean) => {
      const app = new pg.Client({ connectionString: url, queryMode: 'extended' } as pg.ClientConfig)
      app.on('error', () => {})
      await app.connect()
      clients.push(app)
      const ended = new Promise<void>((resolve) => app.once('end', () => resolve()))
      if (begin) await app.query('BEGIN')
      const outcome = await app.query('SELECT pg_terminate_backend(pg_backend_pid())').then(
        () => 'answered',
        (e) => e.code,
      )
      await ended
      return outcome
    }
    for (const begin of [false, true]) {
      const direct = await ends(dbUrl(DB), begin)
      expect(direct).toBe('57P01')
      expect(await ends(proxy.url, begin)).toBe(direct)
    }
    // The other connection goes on, on the same session of the proxy's.
    expect((await other.query('SELECT 1 AS one')).rows).toEqual([{ one: 1 }])
    expect(proxy.upstream.pid).toBe(session)
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

  // A read replica's pool or a reporting connection made read-only for the whole session: its writes fail
  // with 25006 on PostgreSQL. Behind the proxy every transaction of the app is a savepoint of a transaction
  // that began before the setting, which a default for new transactions never reached: the writes went through.
  it('keeps a connection read-only by default (SET, SESSION CHARACTERISTICS, a startup option) as PostgreSQL does, that connection only', async () => {
    const insert = "INSERT INTO orders (status) VALUES ('paid')"
    /** What each step of `steps` gives on a new connection to `url`, with its startup `options`. */
    const outcomes = async (url: string, steps: (string | pg.QueryConfig)[], options?: string) => {
      const app = new pg.Client({ connectionString: url, ...(options ? { options } : {}) })
      app.on('error', () => {})
      await app.connect()
      clients.push(app)
      const out: string[] = []
      for (const step of steps) out.push(await app.query(step).then((r) => r.command, (e) => e.code))
      return out
    }
    const extended = { text: 'INSERT INTO orders (status) VALUES ($1)', values: ['paid'] }
    const cases: [(string | pg.QueryConfig)[], string?][] = [
      [['SET SESSION CHARACTERISTICS AS TRANSACTION READ ONLY', insert, extended, 'BEGIN', insert, 'ROLLBACK', 'BEGIN READ WRITE', insert, 'ROLLBACK']],
      [['SET default_transaction_read_only = on', insert, extended, 'RESET default_transaction_read_only', insert, extended]],
      // Set in a transaction: not for that transaction, and gone with its ROLLBACK.
      [['BEGIN', 'SET default_transaction_read_only TO true', insert, 'ROLLBACK', insert, 'BEGIN', 'SET default_transaction_read_only TO true', 'COMMIT', insert]],
      [[insert, extended, 'SET SESSION CHARACTERISTICS AS TRANSACTION READ WRITE', insert], '-c default_transaction_read_only=on'],
    ]
    for (const [steps, options] of cases) {
      const direct = await outcomes(dbUrl(DB), steps, options)
      expect(direct).toContain('25006')
      expect(await outcomes(proxy.url, steps, options)).toEqual(direct)
    }
    // Another connection of the app, at the same time, is read-write as before.
    const other = await connect(proxy.url)
    clients.push(other)
    expect((await other.query(`${insert} RETURNING status`)).rows).toEqual([{ status: 'paid' }])
    await proxy.checkpoint('after_read_only_default')
    await proxy.rollback('after_read_only_default')
  })

  // PostgreSQL lets a transaction of such a connection be made read-write before its first query (SET
  // TRANSACTION READ WRITE, or BEGIN READ WRITE by either protocol: pgjdbc, psycopg and node-pg's named
  // statements send BEGIN by the extended one), and refuses it after one, or inside a savepoint of it.
  it('makes a transaction of a read-only connection read-write as PostgreSQL does, and refuses it where PostgreSQL does', async () => {
    const insert = "INSERT INTO orders (status) VALUES ('paid')"
    /** What each step gives (its tag, the rows of a SHOW, or its error), with the notices it got. */
    const outcomes = async (url: string, steps: (string | pg.QueryConfig)[]) => {
      const app = new pg.Client({ connectionString: url, options: '-c default_transaction_read_only=on' })
      app.on('error', () => {})
      const notices: string[] = []
      app.on('notice', (n) => notices.push(`${n.severity} ${n.code}: ${n.message}`))
      await app.connect()
      clients.push(app)
      const out: string[] = []
      for (const step of steps) {
        const said = await app.query(step).then(
          (r) => [r].flat().map((one) => (one.command === 'SHOW' ? JSON.stringify(one.rows) : one.command)).join(', '),
          (e) => `${e.code}: ${e.message}`,
        )
        out.push([said, ...notices.splice(0)].join(' / '))
      }
      return out
    }
    const named = (name: string, text: string): pg.QueryConfig => ({ name, text })
    const cases: (string | pg.QueryConfig)[][] = [
      ['BEGIN', 'SET TRANSACTION READ WRITE', insert, 'COMMIT', insert, 'SHOW transaction_read_only'],
      // Statements that take no snapshot may come first; what they did is undone by the ROLLBACK as before.
      ['BEGIN', 'SET search_path = pg_catalog, public', 'SHOW transaction_read_only', 'SET TRANSACTION READ WRITE', 'SHOW transaction_read_only', insert, 'ROLLBACK', 'SHOW search_path', insert],
      ['BEGIN READ ONLY', 'SET TRANSACTION READ WRITE', insert, 'ROLLBACK'],
      // After a query: PostgreSQL's 25001, the transaction failed; the next one is read-only again.
      ['BEGIN', 'SELECT 1', 'SET TRANSACTION READ WRITE', insert, 'ROLLBACK', 'BEGIN', insert, 'ROLLBACK', insert],
      ['BEGIN', 'SAVEPOINT a', 'SET TRANSACTION READ WRITE', 'ROLLBACK TO a', insert, 'ROLLBACK'],
      ['BEGIN', 'SELECT 1/0', 'SET TRANSACTION READ WRITE', 'ROLLBACK'],
      // Outside a transaction block: a warning, and the next statement is read-only as before.
      ['SET TRANSACTION READ WRITE', insert, `SET TRANSACTION READ WRITE; ${insert}`, insert],
      // By the extended protocol.
      [named('begin_rw', 'BEGIN READ WRITE'), insert, 'COMMIT', insert, named('begin_rw', 'BEGIN READ WRITE'), 'ROLLBACK'],
      ['BEGIN', named('set_rw', 'SET TRANSACTION READ WRITE'), insert, 'COMMIT', insert],
      ['BEGIN', 'SELECT 1', named('set_rw', 'SET TRANSACTION READ WRITE'), 'ROLLBACK', named('set_rw', 'SET TRANSACTION READ WRITE'), insert],
    ]
    const [direct, proxied]: string[][][] = [[], []]
    for (const steps of cases) {
      direct.push(await outcomes(dbUrl(DB), steps))
      proxied.push(await outcomes(proxy.url, steps))
    }
    expect(proxied).toEqual(direct)
    await proxy.checkpoint('after_read_write')
    await proxy.rollback('after_read_write')
  })
})
