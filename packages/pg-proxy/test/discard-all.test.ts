/**
 * DISCARD ALL, as connection pools send it when they hand a connection back (PgBouncer's server_reset_query,
 * pgpool, many application pools): it resets the one connection that sends it, as on a session of its own
 * (its settings back to those it gave at startup, its prepared statements, cursors and currval/lastval
 * gone), and PostgreSQL's error inside a transaction block, of the client's own view. Compared with
 * PostgreSQL directly, by the simple and the extended protocol, and behind a real PgBouncer.
 */
import { describeWithService } from '@venomqa/test-utils'
import pg from 'pg'
import postgres from 'postgres'
import { expect, it, vi } from 'vitest'
import type { PgProxy } from '../src/index'
import { bindNoParams, execute, parse, query, sync } from '../src/protocol/messages'
import { PG, dbUrl, one, proxiedDatabase, rawConnection, fileDatabase } from './helpers'
import { startPgBouncer } from '@venomqa/test-utils/pgbouncer'

const describe = await describeWithService('PostgreSQL', PG.host, PG.port)
const { databases, DB } = fileDatabase('venomqa_pd_', 'discard_all')

describe('DISCARD ALL resets the connection that sends it, and only that one', () => {
  let proxy: PgProxy
  const { connect } = proxiedDatabase(databases, DB, 'CREATE SCHEMA app; CREATE TABLE t (id serial PRIMARY KEY, v text); CREATE SEQUENCE s', (p) => (proxy = p))
  const codeOf = (p: Promise<{ command?: string }>) =>
    p.then(
      (r) => r.command ?? 'ok',
      (e: { code?: string }) => e.code,
    )

  it('by simple and by extended protocol, as on PostgreSQL: settings back to the startup ones (role too), prepared statements, cursors and currval gone; refused in a transaction block; another connection untouched', async () => {
    const results: unknown[][] = []
    for (const url of [dbUrl(DB), proxy.url]) {
      const c = await connect(url, { application_name: 'from-startup', options: '-c search_path=app,public -c statement_timeout=42s' })
      const other = await connect(url)
      const seen: unknown[] = []
      const cmd = async (client: pg.Client, q: string | pg.QueryConfig) => seen.push(await codeOf(client.query(q)))
      const show = async () =>
        seen.push(
          Object.values(
            (await c.query("SELECT current_setting('search_path') AS p, current_setting('application_name') AS a, current_setting('statement_timeout') AS t, current_setting('work_mem') AS w, current_user AS u")).rows[0],
          ),
        )
      /** What the connection made that DISCARD ALL takes away, then made again. */
      const dirty = async (round: number) => {
        await c.query("SET search_path TO public; SET application_name TO 'changed'; SET statement_timeout = '1s'; SET work_mem = '5MB'")
        await c.query("SELECT set_config('statement_timeout', '2s', false)")
        await c.query("SELECT nextval('s')")
        await c.query('SET ROLE pg_monitor')
        await c.query('PREPARE p AS SELECT 1')
        await c.query({ name: `mine${round}`, text: 'SELECT $1::int AS x', values: [1] })
        await c.query('BEGIN; DECLARE h CURSOR WITH HOLD FOR SELECT 1; COMMIT')
        await show()
      }
      /** Each is gone, as on a new connection. */
      const gone = async (round: number) => {
        await show()
        await cmd(c, 'EXECUTE p')
        await cmd(c, { name: `mine${round}`, text: 'SELECT $1::int AS x', values: [2] })
        await cmd(c, 'FETCH h')
        await cmd(c, "SELECT currval('s')")
        await cmd(c, 'SELECT lastval()')
        // A name it had can be used again.
        await cmd(c, 'PREPARE p AS SELECT 3')
        await cmd(c, 'BEGIN; DECLARE h CURSOR WITH HOLD FOR SELECT 4; COMMIT')
        await cmd(c, 'CLOSE h')
        await cmd(c, 'DEALLOCATE p')
      }
      try {
        await other.query("SET statement_timeout = '7s'; PREPARE o AS SELECT 10 AS o")
        await other.query({ name: 'theirs', text: 'SELECT $1::int AS x', values: [1] })
        await other.query('BEGIN; DECLARE oh CURSOR WITH HOLD FOR SELECT 11; COMMIT')
        await show()
        await dirty(1)
        await cmd(c, 'DISCARD ALL')
        await gone(1)
        // By extended protocol: pg parses a named query. The statement is gone with the others after it
        // ran, so its next run fails (26000) as on PostgreSQL.
        await dirty(2)
        await cmd(c, { name: 'discard', text: 'DISCARD ALL' })
        await gone(2)
        await cmd(c, { name: 'discard', text: 'DISCARD ALL' })
        // In the client's transaction block: 25001, the transaction failed, nothing reset.
        await dirty(3)
        await cmd(c, 'BEGIN')
        await cmd(c, 'DISCARD ALL')
        await cmd(c, 'SELECT 1')
        await cmd(c, 'ROLLBACK')
        await cmd(c, 'BEGIN')
        await cmd(c, { name: 'discard2', text: 'DISCARD ALL' })
        await cmd(c, 'ROLLBACK')
        // In a failed transaction: 25P02, by either protocol.
        await cmd(c, 'BEGIN; SELECT 1/0')
        await cmd(c, 'DISCARD ALL')
        await cmd(c, { name: 'discard3', text: 'DISCARD ALL' })
        await cmd(c, 'ROLLBACK')
        // A query string of several statements is a transaction block: 25001, the whole string undone.
        await cmd(c, "SET application_name TO 'multi'; DISCARD ALL")
        await cmd(c, "DISCARD ALL; SET application_name TO 'multi'")
        await cmd(c, 'EXECUTE p')
        seen.push(await one(c, 'FETCH h'))
        await c.query('RESET ROLE')
        await show()
        // The other connection's settings, prepared statements and cursors are its own still.
        seen.push(await one(other, "SELECT current_setting('statement_timeout')"))
        seen.push(await one(other, 'EXECUTE o'))
        seen.push(await one(other, { name: 'theirs', text: 'SELECT $1::int AS x', values: [12] }))
        seen.push(await one(other, 'FETCH oh'))
        await c.query('CLOSE h; DEALLOCATE p')
        await other.query('CLOSE oh; DEALLOCATE o')
      } finally {
        await c.end()
        await other.end()
      }
      results.push(seen)
    }
    const [direct, proxied] = results
    const atStartup = ['app,public', 'from-startup', '42s', '4MB', 'postgres']
    const dirtied = ['public', 'changed', '2s', '5MB', 'pg_monitor']
    // A query string of several statements gives pg an array of results, without one command.
    const gone = [atStartup, '26000', '26000', '34000', '55000', '55000', 'PREPARE', 'ok', 'CLOSE', 'DEALLOCATE']
    expect(direct).toEqual([
      atStartup,
      ...[dirtied, 'DISCARD', ...gone],
      ...[dirtied, 'DISCARD', ...gone, '26000'],
      ...[dirtied, 'BEGIN', '25001', '25P02', 'ROLLBACK', 'BEGIN', '25001', 'ROLLBACK'],
      ...['22012', '25P02', '25P02', 'ROLLBACK'],
      ...['25001', '25001', 'SELECT', 1, ['public', 'changed', '2s', '5MB', 'postgres']],
      ...['7s', 10, 12, 11],
    ])
    expect(proxied).toEqual(direct)
    expect(proxy.refusals).toEqual([])
  })

  it('in a pipeline (after another Execute before the Sync) it is refused as on PostgreSQL; first in one, it stays done when a later statement of the batch fails', async () => {
    const results: unknown[][] = []
    for (const url of [dbUrl(DB), proxy.url]) {
      const c = await rawConnection(url)
      const seen: unknown[] = []
      const statement = (sql: string) => [parse('', sql), bindNoParams('', ''), execute('')]
      const send = async (messages: Buffer[]) => {
        const { errors, rows, status } = await c.send(messages)
        seen.push({ errors, rows, status })
      }
      try {
        await send([query("SET application_name = 'before'")])
        await send([...statement('SELECT 1'), ...statement('DISCARD ALL'), sync()])
        await send([query("SELECT current_setting('application_name')")])
        await send([...statement('DISCARD ALL'), ...statement("SET application_name = 'after'"), ...statement('SELECT 1/0'), sync()])
        await send([query("SELECT current_setting('application_name')")])
        // After a COMMIT in the batch, a DISCARD ALL is the first statement of a new transaction.
        await send([query("SET application_name = 'again'")])
        await send([...statement('SELECT 2'), ...statement('COMMIT'), ...statement('DISCARD ALL'), sync()])
        await send([query("SELECT current_setting('application_name')")])
        // A statement prepared after it in the same batch is kept, and closed with the connection.
        await send([parse('d', 'DISCARD ALL'), bindNoParams('', 'd'), execute(''), parse('kept_after_discard', 'SELECT 5'), bindNoParams('', 'kept_after_discard'), execute(''), sync()])
        await send([bindNoParams('', 'kept_after_discard'), execute(''), bindNoParams('', 'd'), execute(''), sync()])
      } finally {
        c.end()
        await c.closed
      }
      results.push(seen)
    }
    const [direct, proxied] = results
    expect(direct).toEqual([
      { errors: [], rows: [], status: 'I' },
      { errors: ['25001'], rows: [['1']], status: 'I' },
      { errors: [], rows: [['before']], status: 'I' },
      { errors: ['22012'], rows: [], status: 'I' },
      { errors: [], rows: [['']], status: 'I' },
      { errors: [], rows: [], status: 'I' },
      { errors: [], rows: [['2']], status: 'I' },
      { errors: [], rows: [['']], status: 'I' },
      { errors: [], rows: [['5']], status: 'I' },
      { errors: ['26000'], rows: [['5']], status: 'I' },
    ])
    expect(proxied).toEqual(direct)
    // Nothing of the connection is left on the shared session: what a closed connection leaves is closed by
    // the next connection to get the session.
    const next = await connect()
    await vi.waitFor(async () => expect(await one(next, "SELECT count(*)::int FROM pg_prepared_statements WHERE name LIKE 'vq%'")).toBe(0), { timeout: 5000 })
  })

  it("a pool that runs DISCARD ALL between uses (pg's Pool, postgres.js) hands out a clean session; another connection's settings, prepared statements and temporary-table rule are as documented; checkpoints and rollbacks go on", async () => {
    const other = await connect()
    await other.query("SET statement_timeout = '7s'; PREPARE o AS SELECT 10 AS o")
    await other.query({ name: 'theirs', text: 'SELECT $1::int AS x', values: [1] })
    await other.query('CREATE TEMP TABLE scratch (n int)')
    const pool = new pg.Pool({ connectionString: proxy.url, max: 1 })
    try {
      await proxy.checkpoint('pooled')
      const use = async (work: (c: pg.PoolClient) => Promise<unknown>) => {
        const c = await pool.connect()
        try {
          return await work(c)
        } finally {
          await c.query('DISCARD ALL')
          c.release()
        }
      }
      await use(async (c) => {
        await c.query("SET search_path TO app; SET statement_timeout = '1s'; PREPARE p AS SELECT 1")
        await c.query({ name: 'pooled', text: 'SELECT $1::int AS x', values: [1] })
        await c.query("INSERT INTO public.t (v) VALUES ('pooled') RETURNING id")
        expect(await one(c, "SELECT currval('public.t_id_seq')::int")).toBe(1)
      })
      const seen = await use(async (c) => [
        await one(c, "SELECT current_setting('search_path') || ' ' || current_setting('statement_timeout')"),
        await codeOf(c.query('EXECUTE p')),
        await codeOf(c.query("SELECT currval('public.t_id_seq')")),
        await codeOf(c.query('SELECT lastval()')),
        // Its pg client still believes in 'pooled': the server has it no more, as on PostgreSQL.
        await codeOf(c.query({ name: 'pooled', text: 'SELECT $1::int AS x', values: [2] })),
      ])
      expect(seen).toEqual(['"$user", public 0', '26000', '55000', '55000', '26000'])
      // The other connection keeps its own settings and statements. Temporary tables are the shared
      // session's, every connection's: DISCARD ALL drops them, as DISCARD TEMP does (see docs/proxy.md).
      expect(await one(other, "SELECT current_setting('statement_timeout')")).toBe('7s')
      expect(await one(other, 'EXECUTE o')).toBe(10)
      expect(await one(other, { name: 'theirs', text: 'SELECT $1::int AS x', values: [3] })).toBe(3)
      expect(await codeOf(other.query('SELECT * FROM scratch'))).toBe('42P01')
      // postgres.js, by the extended protocol: its statements prepared before the DISCARD ALL are gone, as on
      // PostgreSQL, where postgres.js prepares them again.
      const postgresJs = async (url: string) => {
        const sql = postgres(url, { max: 1, onnotice: () => {} })
        try {
          await sql`SET statement_timeout = '3s'`
          const before = (await sql`SELECT ${1}::int AS x`)[0]!.x
          await sql`DISCARD ALL`
          const t = (await sql`SELECT current_setting('statement_timeout') AS t`)[0]!.t
          const again = await sql`SELECT ${2}::int AS x`.then((r) => r[0]!.x, (e: { code?: string }) => e.code)
          return [before, t, again]
        } finally {
          await sql.end()
        }
      }
      const proxied = await postgresJs(proxy.url)
      expect(proxied).toEqual(await postgresJs(dbUrl(DB)))
      expect(proxied.slice(0, 2)).toEqual([1, '0'])
      // The proxy's own functions were made again: a checkpoint reads the sequences, a rollback puts them back.
      await proxy.checkpoint('after_discard')
      await use(async (c) => c.query("INSERT INTO public.t (v) VALUES ('later')"))
      expect(await one(other, 'SELECT count(*)::int FROM t')).toBe(2)
      await proxy.rollback('after_discard')
      expect(await one(other, 'SELECT count(*)::int FROM t')).toBe(1)
      await proxy.rollback('pooled')
      expect(await one(other, 'SELECT count(*)::int FROM t')).toBe(0)
      await proxy.release('pooled')
      expect(proxy.refusals).toEqual([])
    } finally {
      await pool.end()
    }
  })

  it('behind PgBouncer in session mode, whose server_reset_query is DISCARD ALL: the next client of the server connection gets a clean session, nothing is refused', async () => {
    const bouncer = await startPgBouncer({ upstream: proxy.url, poolSize: 1 })
    const other = await connect()
    await other.query("SET statement_timeout = '7s'; PREPARE o AS SELECT 10 AS o")
    try {
      const connections = proxy.stats.connections
      const client = async () => {
        const c = new pg.Client({ connectionString: bouncer.url(DB) })
        await c.connect()
        return c
      }
      const first = await client()
      await first.query("SET search_path TO app; SET statement_timeout = '1s'; PREPARE p AS SELECT 1")
      await first.end()
      const second = await client()
      try {
        expect(await one(second, "SELECT current_setting('search_path') || ' ' || current_setting('statement_timeout')")).toBe('"$user", public 0')
        expect(await codeOf(second.query('EXECUTE p'))).toBe('26000')
      } finally {
        await second.end()
      }
      // One server connection of PgBouncer's, reset and used again: not closed for a failed reset.
      expect(proxy.stats.connections - connections).toBe(1)
      expect(await one(other, "SELECT current_setting('statement_timeout')")).toBe('7s')
      expect(await one(other, 'EXECUTE o')).toBe(10)
      expect(proxy.refusals).toEqual([])
    } catch (e) {
      throw new Error(`${(e as Error).message}\nPgBouncer's log:\n${bouncer.log()}`)
    } finally {
      await bouncer.stop()
    }
  })
})
