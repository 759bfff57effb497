/**
 * Session state that PostgreSQL scopes to a transaction or to one connection, behind the proxy where every
 * connection shares one session inside one transaction that never ends: transaction-local settings,
 * roles, cursors and portals, DEALLOCATE ALL, and sequences whose values are cached by the session. Each
 * behaves as on PostgreSQL itself, checked against a direct connection where the answer is not obvious.
 */
import { describeWithService } from '@venomqa/test-utils'
import pg from 'pg'
import postgres from 'postgres'
import { expect, it, vi } from 'vitest'
import type { PgProxy } from '../src/index'
import { countRows } from '../src/observe'
import { PG, dbUrl, one, proxiedDatabase, startProxy, fileDatabase } from './helpers'

const describe = await describeWithService('PostgreSQL', PG.host, PG.port)
const { databases, DB, prefix: PREFIX } = fileDatabase('vq_proxyaudit_', 'session_state')

describe('session state scoped to a transaction or a connection', () => {
  let proxy: PgProxy
  const { connect, endAfter } = proxiedDatabase(databases, DB, 'CREATE TABLE t (id serial PRIMARY KEY, v text); CREATE SEQUENCE cached CACHE 20', (p) => (proxy = p))
  const codeOf = (p: Promise<unknown>) =>
    p.then(
      () => 'ok',
      (e: { code?: string }) => e.code,
    )
  /** How many cursors WITH HOLD the shared session has (the proxy's, as PostgreSQL names them). */
  const heldCursors = async () => Number(await one(await connect(), 'SELECT count(*) FROM pg_cursors WHERE is_holdable'))
  /**
   * `script` on PostgreSQL directly, then through the proxy, each time with a connection and another one
   * beside it: what it saw, both times. The held cursors it declared went with the connections.
   */
  const directThenProxied = async (script: (c: pg.Client, other: pg.Client, seen: unknown[]) => Promise<void>) => {
    const before = await heldCursors()
    const results: unknown[][] = []
    for (const url of [dbUrl(DB), proxy.url]) {
      const c = await connect(url)
      const other = await connect(url)
      const seen: unknown[] = []
      await script(c, other, seen)
      results.push(seen)
      await c.end()
      await other.end()
    }
    await vi.waitFor(async () => expect(await heldCursors()).toBe(before), { timeout: 5000 })
    return results
  }

  it("RESET ALL, RESET name and SET name TO DEFAULT go back to the settings the connection gave at startup, as on PostgreSQL (a pool's RESET ALL at release, as asyncpg's): by simple and by extended protocol, in a transaction, after another connection had the session", async () => {
    await databases.create(`${DB}_startup`, 'CREATE SCHEMA app')
    const own = await startProxy(`${DB}_startup`)
    try {
      const results: unknown[][] = []
      for (const url of [dbUrl(`${DB}_startup`), own.url]) {
        const c = new pg.Client({ connectionString: url, application_name: 'from-startup', options: '-c search_path=app,public -c statement_timeout=42s' })
        const other = new pg.Client({ connectionString: url })
        await c.connect()
        await other.connect()
        const seen: unknown[] = []
        const show = async () => seen.push(...Object.values((await c.query("SELECT current_setting('search_path') AS p, current_setting('application_name') AS a, current_setting('statement_timeout') AS t")).rows[0]))
        try {
          await c.query("SET search_path TO public; SET application_name TO 'changed'; SET statement_timeout = '1s'")
          seen.push((await c.query('RESET ALL')).command)
          await show()
          // Another connection has the session between two statements of this one: its settings come back.
          await other.query("SET search_path TO public; SELECT 1")
          await show()
          await c.query("SET statement_timeout = '1s'")
          seen.push((await c.query({ name: 'reset-timeout', text: 'RESET statement_timeout' })).command)
          await show()
          await c.query("SET application_name = 'changed'")
          seen.push((await c.query('SET application_name TO DEFAULT')).command)
          await show()
          // Inside a transaction: kept at its COMMIT, undone by its ROLLBACK as on PostgreSQL.
          await c.query('BEGIN')
          await c.query('SET search_path TO public')
          await c.query('RESET ALL')
          await show()
          await c.query('COMMIT')
          await show()
          // A setting the connection did not give at startup goes back to the server's own, as it always did.
          await c.query("SET work_mem = '5MB'")
          await c.query('RESET work_mem')
          seen.push((await c.query("SELECT current_setting('work_mem') AS w")).rows[0].w)
        } finally {
          await c.end()
          await other.end()
        }
        results.push(seen)
      }
      const [direct, proxied] = results
      expect(direct).toEqual(['RESET', 'app,public', 'from-startup', '42s', 'app,public', 'from-startup', '42s', 'RESET', 'app,public', 'from-startup', '42s', 'SET', 'app,public', 'from-startup', '42s', 'app,public', 'from-startup', '42s', 'app,public', 'from-startup', '42s', '4MB'])
      expect(proxied).toEqual(direct)
    } finally {
      await own.stop()
      await databases.drop(`${DB}_startup`)
    }
  })

  it('startup settings as PostgreSQL reads them: RESET ALL leaves a role given at startup, RESET TIME ZONE and SET TIME ZONE DEFAULT go back to the startup TimeZone, a setting the shared session refuses breaks neither RESET ALL nor the others, -c values take backslash escapes', async () => {
    await databases.create(`${DB}_startup2`)
    const own = await startProxy(`${DB}_startup2`)
    try {
      const results: unknown[][] = []
      for (const url of [dbUrl(`${DB}_startup2`), own.url]) {
        const seen: unknown[] = []
        const run = async (options: string, script: (c: pg.Client) => Promise<void>) => {
          const c = new pg.Client({ connectionString: url, application_name: 'from-startup', options })
          const other = new pg.Client({ connectionString: url })
          await c.connect()
          await other.connect()
          try {
            await script(c)
            // Another connection had the session: this one's settings come back.
            await other.query('SELECT 1')
            await script(c)
          } finally {
            await c.end()
            await other.end()
          }
        }
        const cmd = async (c: pg.Client, sql: string) => seen.push(await c.query(sql).then((r) => r.command, (e: { code?: string }) => e.code))
        const one = async (c: pg.Client, sql: string) => seen.push(Object.values((await c.query(sql)).rows[0])[0])
        // RESET ALL does not reset the role on PostgreSQL, even one given at startup; RESET ROLE does.
        await run('-c role=pg_read_all_data', async (c) => {
          await cmd(c, 'SET ROLE pg_monitor')
          await cmd(c, 'RESET ALL')
          await one(c, 'SELECT current_user')
          await cmd(c, 'RESET ROLE')
          await one(c, 'SELECT current_user')
        })
        await run('-c TimeZone=Asia/Tokyo', async (c) => {
          for (const reset of ['RESET TIME ZONE', 'SET TIME ZONE DEFAULT', 'set session time zone local']) {
            await cmd(c, "SET TimeZone = 'America/Lima'")
            await cmd(c, reset)
            await one(c, "SELECT current_setting('TimeZone')")
          }
        })
        // log_connections is taken at startup only: the shared session refuses it.
        await run('-c log_connections=on -c statement_timeout=42s', async (c) => {
          await cmd(c, "SET statement_timeout = '1s'")
          await cmd(c, "SET application_name = 'changed'")
          await cmd(c, 'RESET ALL')
          await one(c, "SELECT current_setting('statement_timeout') || ' ' || current_setting('application_name')")
          await cmd(c, "SET work_mem = '5MB'")
        })
        await run(String.raw`-c venomqa.v=a\\b\ c -c search_path=x\,y`, async (c) => {
          await one(c, "SELECT current_setting('venomqa.v') || '|' || current_setting('search_path')")
        })
        results.push(seen)
      }
      const [direct, proxied] = results
      expect(direct).toEqual([
        ...['SET', 'RESET', 'pg_monitor', 'RESET', 'pg_read_all_data'],
        ...['SET', 'RESET', 'pg_monitor', 'RESET', 'pg_read_all_data'],
        ...['SET', 'RESET', 'Asia/Tokyo', 'SET', 'SET', 'Asia/Tokyo', 'SET', 'SET', 'Asia/Tokyo'],
        ...['SET', 'RESET', 'Asia/Tokyo', 'SET', 'SET', 'Asia/Tokyo', 'SET', 'SET', 'Asia/Tokyo'],
        ...['SET', 'SET', 'RESET', '42s from-startup', 'SET'],
        ...['SET', 'SET', 'RESET', '42s from-startup', 'SET'],
        'a\\b c|x,y',
        'a\\b c|x,y',
      ])
      expect(proxied).toEqual(direct)
    } finally {
      await own.stop()
      await databases.drop(`${DB}_startup2`)
    }
  })

  it('DEALLOCATE ALL drops the connection\'s own prepared statements only: the proxy\'s and other connections\' stay, and the session goes on', async () => {
    const a = await connect()
    const b = await connect()
    await a.query({ name: 'mine', text: 'SELECT $1::int AS x', values: [1] })
    await b.query({ name: 'theirs', text: 'SELECT $1::int AS x', values: [2] })
    await a.query('PREPARE by_sql AS SELECT 3')
    await proxy.checkpoint('dealloc')
    expect(await codeOf(a.query('DEALLOCATE ALL'))).toBe('ok')
    // By extended protocol too (a named statement makes pg use it).
    expect(await codeOf(a.query({ name: 'dealloc_all', text: 'DEALLOCATE ALL' }))).toBe('ok')
    expect(await one(a, { text: 'SELECT $1::int AS x', values: [4] })).toBe(4)
    expect(await one(b, { name: 'theirs', text: 'SELECT $1::int AS x', values: [5] })).toBe(5)
    // As on PostgreSQL: the connection's statements are gone, its SQL-level ones too.
    expect(await codeOf(a.query('EXECUTE by_sql'))).toBe('26000')
    expect(await codeOf(a.query({ name: 'mine', text: 'SELECT $1::int AS x', values: [6] }))).toBe('26000')
    await a.query('INSERT INTO t (v) VALUES ($1)', ['after deallocate'])
    await proxy.rollback('dealloc')
    expect(await one(b, 'SELECT count(*)::int FROM t')).toBe(0)
    await proxy.release('dealloc')
  })

  it('SET LOCAL and set_config(..., true) end with the transaction, by simple and by extended protocol: neither the next transaction nor another connection sees them', async () => {
    const direct = await connect(dbUrl(DB))
    const a = await connect()
    const b = await connect()
    const script = async (c: pg.Client) => {
      await c.query('BEGIN')
      await c.query("SET LOCAL statement_timeout = '1234ms'")
      await c.query({ name: 'local_work_mem', text: "SET LOCAL work_mem = '1234kB'" })
      await c.query("SELECT set_config('app.tenant', '7', true)")
      await c.query('SET LOCAL ROLE pg_read_all_data')
      const inside = await one(c, "SELECT current_setting('statement_timeout') || ' ' || current_setting('work_mem') || ' ' || current_setting('app.tenant') || ' ' || current_user")
      await c.query({ name: 'commit', text: 'COMMIT' })
      const after = await one(c, "SELECT current_setting('statement_timeout') || ' ' || current_setting('work_mem') || ' ' || coalesce(current_setting('app.tenant', true), '<none>') || ' ' || current_user")
      return { inside, after }
    }
    const expected = await script(direct)
    expect(expected.inside).toBe('1234ms 1234kB 7 pg_read_all_data')
    expect(await script(a)).toEqual(expected)
    expect(await one(b, "SELECT current_setting('statement_timeout') || ' ' || current_setting('work_mem') || ' ' || current_user")).toBe('0 4MB postgres')
    // Outside a transaction block SET LOCAL lasts for its own statement only (PostgreSQL warns and ignores it).
    await a.query("SET LOCAL statement_timeout = '4321ms'")
    expect(await one(a, 'SHOW statement_timeout')).toBe('0')
  })

  it('set_config(..., false) stays with its connection, by simple and by extended protocol: other and new connections do not see it, its rolled-back transaction undoes it, a checkpoint rollback keeps it as it keeps SETs', async () => {
    const a = await connect()
    const b = await connect()
    // What another connection reads where none was set: '' once the session knew the name, as here.
    const read = (c: pg.Client, name: string) => one(c, { text: "SELECT coalesce(current_setting($1, true), '')", values: [name] })
    await a.query("SELECT set_config('app.user_id', '7', false)")
    // The value as a parameter (what an app does), with a quote and a backslash in it; the name qualified.
    const value = "o'brien\\x"
    await a.query({ text: "SELECT pg_catalog.set_config('app.user_name', $1, false), set_config('app.local', 'x', true)", values: [value] })
    expect(await read(b, 'app.user_id')).toBe('')
    expect(await read(b, 'app.user_name')).toBe('')
    expect(await read(a, 'app.user_id')).toBe('7')
    expect(await read(a, 'app.user_name')).toBe(value)
    expect(await read(a, 'app.local')).toBe('')
    expect(await read(await connect(), 'app.user_id')).toBe('')

    // Set in a transaction that rolls back: undone, as on PostgreSQL.
    await a.query('BEGIN')
    await a.query("SELECT set_config('app.user_id', '8', false)")
    await a.query('ROLLBACK')
    expect(await read(b, 'app.user_id')).toBe('')
    expect(await read(a, 'app.user_id')).toBe('7')

    // A checkpoint rollback restores the data, not a connection's settings: they stay, as its SETs do.
    await proxy.checkpoint('config')
    await a.query("SELECT set_config('app.user_id', '9', false)")
    await a.query("SET app.plain = 'set'")
    await proxy.rollback('config')
    expect(await read(b, 'app.user_id')).toBe('')
    expect(await read(a, 'app.user_id')).toBe('9')
    expect(await read(a, 'app.plain')).toBe('set')
    await proxy.release('config')

    // A name the proxy cannot read in the statement is said once.
    expect(proxy.warnings.filter((w) => w.includes('set_config'))).toEqual([])
    await a.query({ text: 'SELECT set_config($1, $2, false)', values: ['app.dynamic', '1'] })
    expect(proxy.warnings.filter((w) => w.includes('set_config'))).toEqual([expect.stringContaining('set_config() with a setting name that is not a string literal')])
  })

  it("a prepared statement of SQL belongs to its connection: two may PREPARE one name, neither EXECUTEs the other's, and a new connection finds none left", async () => {
    const a = await connect()
    const b = await connect()
    expect(await codeOf(a.query('PREPARE by_name AS SELECT 1 AS x'))).toBe('ok')
    // Another connection, the same name as PostgreSQL folds it, after a comment, with a parameter.
    expect(await codeOf(b.query('/* per connection */ PREPARE BY_NAME (int) AS SELECT $1 + 1 AS x'))).toBe('ok')
    expect(await one(a, 'EXECUTE by_name')).toBe(1)
    expect(await one(b, 'EXECUTE by_name(41)')).toBe(42)
    // By extended protocol, and where another statement runs it.
    expect(await one(a, { name: 'run_by_name', text: 'EXECUTE by_name' })).toBe(1)
    expect(await one(b, 'EXPLAIN (COSTS OFF) EXECUTE by_name(1)')).toBe('Result')
    await b.query('CREATE TEMP TABLE from_execute AS EXECUTE by_name(1)')
    expect(await one(b, 'SELECT x FROM from_execute')).toBe(2)
    await b.query('DROP TABLE from_execute')
    expect(await codeOf(a.query('PREPARE a_only AS SELECT 1'))).toBe('ok')
    expect(await codeOf(b.query('EXECUTE a_only'))).toBe('26000')
    // DEALLOCATE takes the connection's own.
    await a.query('DEALLOCATE PREPARE by_name')
    expect(await codeOf(a.query('EXECUTE by_name'))).toBe('26000')
    expect(await one(b, 'EXECUTE by_name(1)')).toBe(2)
    // A quoted name is taken as written; after the connection closes, a new one may use every name again.
    const quoted = '"Quoted ""Name"""'
    await a.query(`PREPARE ${quoted} AS SELECT 3 AS x`)
    expect(await one(a, `EXECUTE ${quoted}`)).toBe(3)
    await a.end()
    const c = await connect()
    for (const name of ['a_only', quoted]) expect(await codeOf(c.query(`PREPARE ${name} AS SELECT 4`))).toBe('ok')
    // DEALLOCATE ALL on one connection leaves the others' statements of SQL.
    await b.query('DEALLOCATE ALL')
    expect(await one(c, 'EXECUTE a_only')).toBe(4)
    expect(await codeOf(b.query('EXECUTE by_name(1)'))).toBe('26000')
  })

  it('SET ROLE on one connection is not seen by another', async () => {
    const a = await connect()
    const b = await connect()
    await a.query('SET ROLE pg_read_all_data')
    expect(await one(a, 'SELECT current_user')).toBe('pg_read_all_data')
    expect(await one(b, 'SELECT current_user')).toBe('postgres')
    expect(await one(a, 'SELECT current_user')).toBe('pg_read_all_data')
    await a.query('RESET ROLE')
    expect(await one(a, 'SELECT current_user')).toBe('postgres')
  })

  it("a connection's SET ROLE, left on the shared session, does not fail the run's checkpoints, rollbacks and row counts: they read and set the sequences and count the rows as the proxy's user, not as a role that may not, a DISCARD TEMP under the role too", async () => {
    const a = await connect()
    const b = await connect()
    // pg_read_all_data may read the sequences but not setval them; pg_signal_backend may do neither.
    for (const role of ['pg_read_all_data', 'pg_signal_backend']) {
      await a.query(`SET ROLE ${role}`)
      // A DISCARD TEMP makes the proxy's functions again: as the proxy's user too, the role kept.
      await a.query('DISCARD TEMP')
      // The session holds a's role now: the checkpoint is taken, and later rolled back to, under it.
      expect(await one(a, 'SELECT current_user')).toBe(role)
      await proxy.checkpoint('role')
      expect(await countRows(proxy)).toHaveProperty(['public.t'])
      const id = await one(b, "INSERT INTO t (v) VALUES ('under a role') RETURNING id")
      await proxy.rollback('role')
      expect(await one(b, "INSERT INTO t (v) VALUES ('under a role') RETURNING id")).toBe(id)
      await proxy.rollback('role')
      expect(await one(b, "SELECT count(*)::int FROM t WHERE v = 'under a role'")).toBe(0)
      expect(await one(a, 'SELECT current_user')).toBe(role)
      await proxy.release('role')
      await a.query('RESET ROLE')
      await proxy.checkpoint('after_role')
      await proxy.rollback('after_role')
      await proxy.release('after_role')
    }
  })

  it("idle_in_transaction_session_timeout never ends the proxy's session, which is always in a transaction: not the database's default, a client's startup parameter, SET or SET LOCAL; accepted and ignored, said once", async () => {
    const db = `${PREFIX}${process.pid}_idle_timeout`
    await databases.create(db, `CREATE TABLE kept (n int); ALTER DATABASE ${db} SET idle_in_transaction_session_timeout = '200ms'`)
    const idling = await startProxy(db)
    const idle = () => new Promise((resolve) => setTimeout(resolve, 600))
    const seen: string[] = []
    try {
      const plain = await connect(idling.url)
      await plain.query('INSERT INTO kept VALUES (1)')
      await idle()
      // node-pg sends its idle_in_transaction_session_timeout option as a startup parameter.
      const started = new pg.Client({ connectionString: idling.url, idle_in_transaction_session_timeout: 200 })
      started.on('error', () => {})
      await started.connect()
      endAfter(started)
      await started.query('INSERT INTO kept VALUES (2)')
      await idle()
      seen.push(String(await one(started, 'SHOW idle_in_transaction_session_timeout')))
      await plain.query("SET idle_in_transaction_session_timeout = '200ms'")
      await plain.query('INSERT INTO kept VALUES (3)')
      await idle()
      await plain.query('BEGIN')
      await plain.query("SET LOCAL idle_in_transaction_session_timeout TO '200ms'")
      await plain.query('INSERT INTO kept VALUES (4)')
      await idle()
      await plain.query('COMMIT')
      seen.push(String(await one(plain, 'SELECT count(*) FROM kept')))
      expect(idling.lost).toBeUndefined()
      expect(seen).toEqual(['0', '4'])
      expect(idling.warnings.filter((w) => w.includes('idle_in_transaction_session_timeout'))).toHaveLength(1)
    } finally {
      await idling.stop()
      await databases.drop(db)
    }
  })

  it('a cursor closes at its COMMIT, and a named portal at the end of its batch, as on PostgreSQL; one WITH HOLD stays', async () => {
    const a = await connect()
    for (let i = 0; i < 2; i++) {
      await a.query('BEGIN')
      await a.query('DECLARE c CURSOR FOR SELECT 1 AS one')
      expect(await one(a, 'FETCH c')).toBe(1)
      await a.query('COMMIT')
    }
    for (let i = 0; i < 2; i++) {
      await a.query({ name: 'cursor', text: 'BEGIN' })
      await a.query({ name: 'declare', text: 'DECLARE c2 CURSOR FOR SELECT 2 AS two' })
      await a.query({ name: 'commit', text: 'COMMIT' })
    }
    // pg binds a portal of that name, executes it and syncs: PostgreSQL closes it with the implicit transaction.
    for (let i = 0; i < 2; i++) expect(await one(a, { text: 'SELECT $1::int AS x', values: [i], portal: 'p' } as pg.QueryConfig)).toBe(i)
    await a.query('BEGIN')
    await a.query('DECLARE h CURSOR WITH HOLD FOR SELECT 3 AS three')
    await a.query('COMMIT')
    expect(await one(a, 'FETCH h')).toBe(3)
    await a.query('CLOSE h')
  })

  it('a cursor without HOLD outside a transaction block is refused with 25P01, as on PostgreSQL, by simple and by extended protocol; in a query of several statements, WITH HOLD or inside BEGIN it is taken', async () => {
    const direct = new pg.Client({ connectionString: dbUrl(DB) })
    await direct.connect()
    endAfter(direct)
    const a = await connect()
    const cases: (string | pg.QueryConfig)[] = [
      'DECLARE lone CURSOR FOR SELECT 1',
      { text: 'DECLARE lone_ext CURSOR FOR SELECT $1::int', values: [1] },
      '/* why */ declare "Quoted" no scroll cursor without hold for select 1',
      // A query string of several statements runs in an implicit transaction block: taken.
      'DECLARE batch CURSOR FOR SELECT 1; FETCH 1 FROM batch',
      // WITH HOLD outlives the transaction: taken alone, and a FOR in its query does not hide the HOLD.
      "DECLARE held CURSOR WITH HOLD FOR SELECT 'cursor for' AS x",
      'CLOSE held',
      // The words WITH HOLD in the query are not the cursor's option.
      'DECLARE not_held CURSOR FOR WITH hold AS (SELECT 1) SELECT * FROM hold',
    ]
    const onDirect = []
    const viaProxy = []
    for (const c of cases) onDirect.push(await codeOf(direct.query(c)))
    for (const c of cases) viaProxy.push(await codeOf(a.query(c)))
    expect(onDirect).toEqual(['25P01', '25P01', '25P01', 'ok', 'ok', 'ok', '25P01'])
    expect(viaProxy).toEqual(onDirect)
    // The connection goes on, outside a transaction, and inside one the same DECLARE is taken.
    await a.query('BEGIN')
    await a.query('DECLARE lone CURSOR FOR SELECT 7 AS seven')
    expect(await one(a, 'FETCH lone')).toBe(7)
    await a.query('COMMIT')
    expect(await one(a, 'SELECT 1 AS x')).toBe(1)
  })

  it('a DECLARE without HOLD pipelined with other statements before one Sync is refused outside a transaction, as on PostgreSQL: the batch fails at it', async () => {
    const results: unknown[] = []
    for (const url of [dbUrl(DB), proxy.url]) {
      const sql = postgres(url, { max: 1, onnotice: () => {} })
      try {
        results.push(await Promise.all([sql`SELECT 1 AS one`, sql`DECLARE piped CURSOR FOR SELECT 1`, sql`FETCH 1 FROM piped`]).then(() => 'ok', (e: { code?: string }) => e.code))
        results.push((await sql`SELECT 2 AS two`)[0]!.two)
      } finally {
        await sql.end()
      }
    }
    expect(results).toEqual(['25P01', 2, '25P01', 2])
  })

  it('a cursor WITH HOLD belongs to its connection: two hold one name, neither FETCHes the other\'s, CLOSE ALL closes its own only, and a closed connection\'s is gone', async () => {
    const before = await heldCursors()
    const a = await connect()
    const b = await connect()
    for (const [c, from] of [[a, 10], [b, 20]] as const) {
      await c.query('BEGIN')
      await c.query(`DECLARE "Held" CURSOR WITH HOLD FOR SELECT generate_series(${from}, ${from + 5}) AS n`)
      await c.query('COMMIT')
    }
    expect(await one(a, 'FETCH "Held"')).toBe(10)
    expect(await one(b, 'FETCH NEXT FROM "Held"')).toBe(20)
    // By the extended protocol too, and MOVE.
    await a.query({ name: 'move_held', text: 'MOVE FORWARD 1 IN "Held"' })
    expect(await one(a, { name: 'fetch_held', text: 'FETCH 1 "Held"' })).toBe(12)
    // A DECLARE of the name while it is held fails, as on PostgreSQL: the name is taken.
    await a.query('BEGIN')
    expect(await codeOf(a.query('DECLARE "Held" CURSOR FOR SELECT 1'))).toBe('42P03')
    await a.query('ROLLBACK')
    // A new connection sees neither.
    expect(await codeOf((await connect()).query('FETCH "Held"'))).toBe('34000')
    // CLOSE ALL closes b's own, not a's.
    expect((await b.query('CLOSE ALL')).command).toBe('CLOSE')
    expect(await codeOf(b.query('FETCH "Held"'))).toBe('34000')
    // By the extended protocol too.
    expect((await b.query({ name: 'close_all', text: 'CLOSE ALL' })).command).toBe('CLOSE')
    expect(await one(a, 'FETCH "Held"')).toBe(13)
    // a's goes with its connection, as on PostgreSQL.
    await a.end()
    await vi.waitFor(async () => expect(await heldCursors()).toBe(before), { timeout: 5000 })
    // And the name can be held again, then closed by name.
    await b.query('BEGIN; DECLARE "Held" CURSOR WITH HOLD FOR SELECT 30 AS n; COMMIT')
    expect(await one(b, 'FETCH "Held"')).toBe(30)
    await b.query('CLOSE "Held"')
    expect(await heldCursors()).toBe(before)
  })

  it('a cursor WITH HOLD whose CLOSE the server skipped (an error before it) is still there, as on PostgreSQL, and goes with its connection; a line comment ends no statement early', async () => {
    const before = await heldCursors()
    const results = []
    for (const url of [dbUrl(DB), proxy.url]) {
      const c = await connect(url)
      await c.query('BEGIN; DECLARE hc CURSOR WITH HOLD FOR SELECT generate_series(1, 3) AS n; COMMIT')
      const skipped = await codeOf(c.query('SELECT 1/0; CLOSE hc'))
      const fetched = await one(c, 'FETCH hc')
      // Renamed statements of one query keep their boundaries after a line comment.
      const commented = (await c.query('DECLARE hq CURSOR WITH HOLD FOR SELECT 7 AS n -- why\n; FETCH hq; CLOSE hq')) as unknown as pg.QueryResult[]
      results.push([skipped, fetched, commented[1]!.rows[0].n])
      await c.end()
    }
    expect(results[0]).toEqual(['22012', 1, 7])
    expect(results[1]).toEqual(results[0])
    await vi.waitFor(async () => expect(await heldCursors()).toBe(before), { timeout: 5000 })
  })

  it('a DECLARE WITH HOLD of a name a cursor without HOLD of the transaction has fails as on PostgreSQL (42P03), and is taken once that cursor is closed, rolled back to before, or its transaction over', async () => {
    const results = await directThenProxied(async (c, other, seen) => {
      // Taken while the cursor without HOLD is open: refused, by a query of its own and in one query string.
      await c.query('BEGIN; DECLARE dup CURSOR FOR SELECT 1')
      seen.push(await codeOf(c.query('DECLARE dup CURSOR WITH HOLD FOR SELECT 2')))
      await c.query('ROLLBACK')
      seen.push(await codeOf(c.query('BEGIN; DECLARE dup2 CURSOR FOR SELECT 1; DECLARE dup2 CURSOR WITH HOLD FOR SELECT 2; COMMIT')))
      await c.query('ROLLBACK')
      // Free again after a CLOSE, a ROLLBACK TO a savepoint from before it, and the end of its transaction.
      await c.query('BEGIN; DECLARE a CURSOR FOR SELECT 1; CLOSE a; DECLARE a CURSOR WITH HOLD FOR SELECT 10 AS n; COMMIT')
      await c.query('BEGIN; SAVEPOINT s; DECLARE b CURSOR FOR SELECT 1; ROLLBACK TO SAVEPOINT s; DECLARE b CURSOR WITH HOLD FOR SELECT 20 AS n; COMMIT')
      await c.query('BEGIN; DECLARE d CURSOR FOR SELECT 1; COMMIT')
      await c.query('BEGIN; DECLARE d CURSOR WITH HOLD FOR SELECT 30 AS n; COMMIT')
      seen.push(await one(c, 'FETCH a'), await one(c, 'FETCH b'), await one(c, 'FETCH d'))
      // Each is the connection's own: another one cannot FETCH it.
      seen.push(await codeOf(other.query('FETCH a')), await codeOf(other.query('FETCH d')))
      // And after a CLOSE ALL (which closes the held ones too) earlier in the same query string.
      await c.query('BEGIN; DECLARE e CURSOR FOR SELECT 1; CLOSE ALL; DECLARE e CURSOR WITH HOLD FOR SELECT 40 AS n; COMMIT')
      seen.push(await one(c, 'FETCH e'), await codeOf(other.query('FETCH e')), await codeOf(c.query('FETCH a')))
    })
    expect(results[0]).toEqual(['42P03', '42P03', 10, 20, 30, '34000', '34000', 40, '34000', '34000'])
    expect(results[1]).toEqual(results[0])
  })

  it('a cursor without HOLD keeps its name through a ROLLBACK TO a later savepoint and a RELEASE, and loses it with its transaction, AND CHAIN too, and at a ROLLBACK TO after a SAVEPOINT that never ran: as on PostgreSQL', async () => {
    const results = await directThenProxied(async (c, other, seen) => {
      const refusedAfter = async (setup: string, name: string) => {
        await c.query(setup)
        seen.push(await codeOf(c.query(`DECLARE ${name} CURSOR WITH HOLD FOR SELECT 2`)))
        await c.query('ROLLBACK')
      }
      // Declared before the savepoint rolled back to (the newest of two of one name), or inside one released.
      await refusedAfter('BEGIN; DECLARE f CURSOR FOR SELECT 1; SAVEPOINT s; ROLLBACK TO SAVEPOINT s', 'f')
      await refusedAfter('BEGIN; SAVEPOINT s; DECLARE g CURSOR FOR SELECT 1; RELEASE SAVEPOINT s', 'g')
      await refusedAfter('BEGIN; SAVEPOINT s; DECLARE i CURSOR FOR SELECT 1; SAVEPOINT s; ROLLBACK TO SAVEPOINT s', 'i')
      // Released into a savepoint that is then rolled back to: closed, the name free.
      await c.query('BEGIN; SAVEPOINT sp_out; SAVEPOINT sp_in; DECLARE h CURSOR FOR SELECT 1; RELEASE SAVEPOINT sp_in; ROLLBACK TO SAVEPOINT sp_out; DECLARE h CURSOR WITH HOLD FOR SELECT 50 AS n; COMMIT')
      // The transaction ended by COMMIT AND CHAIN or ROLLBACK AND CHAIN: the name is free in the next one, and
      // the held cursor declared there is the connection's own.
      await c.query('BEGIN; DECLARE j CURSOR FOR SELECT 1; COMMIT AND CHAIN; DECLARE j CURSOR WITH HOLD FOR SELECT 60 AS n; COMMIT')
      await c.query('BEGIN; DECLARE k CURSOR FOR SELECT 1; ROLLBACK AND CHAIN; DECLARE k CURSOR WITH HOLD FOR SELECT 70 AS n; COMMIT')
      seen.push(await one(c, 'FETCH h'), await codeOf(other.query('FETCH h')), await one(c, 'FETCH j'), await codeOf(other.query('FETCH j')), await one(c, 'FETCH k'), await codeOf(other.query('FETCH k')))
      // A SAVEPOINT the server refused (its transaction had failed) did not set one: the ROLLBACK TO goes
      // back to the one before the DECLARE, which closes it.
      await c.query('BEGIN; SAVEPOINT s; DECLARE m CURSOR FOR SELECT 1')
      seen.push(await codeOf(c.query('SELECT 1/0')), await codeOf(c.query('SAVEPOINT s')))
      await c.query('ROLLBACK TO SAVEPOINT s; DECLARE m CURSOR WITH HOLD FOR SELECT 80 AS n; COMMIT')
      // Names as PostgreSQL reads them: an unquoted Ä is not "ä" (only A to Z fold), U&"x" is not u.
      await c.query('BEGIN; SAVEPOINT "ä"; DECLARE o CURSOR FOR SELECT 1; SAVEPOINT Ä; ROLLBACK TO SAVEPOINT "ä"; DECLARE o CURSOR WITH HOLD FOR SELECT 90 AS n; COMMIT')
      await c.query('BEGIN; SAVEPOINT u; DECLARE p CURSOR FOR SELECT 1; SAVEPOINT U&"x"; ROLLBACK TO SAVEPOINT u; DECLARE p CURSOR WITH HOLD FOR SELECT 100 AS n; COMMIT')
      seen.push(await one(c, 'FETCH m'), await codeOf(other.query('FETCH m')), await one(c, 'FETCH o'), await codeOf(other.query('FETCH o')), await one(c, 'FETCH p'), await codeOf(other.query('FETCH p')))
      // By the extended protocol: a prepared SAVEPOINT set again by its second Execute, with no Parse.
      await c.query('BEGIN')
      await c.query({ name: 'set_s', text: 'SAVEPOINT s' })
      await c.query('DECLARE q CURSOR FOR SELECT 1')
      await c.query({ name: 'set_s', text: 'SAVEPOINT s' })
      await c.query('ROLLBACK TO SAVEPOINT s')
      seen.push(await codeOf(c.query('DECLARE q CURSOR WITH HOLD FOR SELECT 2')))
      await c.query('ROLLBACK')
      // A prepared COMMIT AND CHAIN or CLOSE ALL frees the name again when run a second time, without its Parse.
      const freedByPreparedTwice = async (cursor: string, prepared: { name: string; text: string }, n: number) => {
        await c.query('BEGIN')
        for (let i = 0; i < 2; i++) {
          await c.query(`DECLARE ${cursor} CURSOR FOR SELECT 1`)
          await c.query(prepared)
        }
        await c.query(`DECLARE ${cursor} CURSOR WITH HOLD FOR SELECT ${n} AS n; COMMIT`)
        seen.push(await one(c, `FETCH ${cursor}`), await codeOf(other.query(`FETCH ${cursor}`)))
      }
      await freedByPreparedTwice('r', { name: 'chain', text: 'COMMIT AND CHAIN' }, 110)
      await freedByPreparedTwice('t', { name: 'close_all', text: 'CLOSE ALL' }, 120)
      // A prepared DECLARE run again in a later transaction, without its Parse: its name is taken there too.
      await c.query('BEGIN')
      await c.query({ name: 'declare_u', text: 'DECLARE u CURSOR FOR SELECT 1' })
      await c.query('COMMIT; BEGIN')
      await c.query({ name: 'declare_u', text: 'DECLARE u CURSOR FOR SELECT 1' })
      seen.push(await codeOf(c.query('DECLARE u CURSOR WITH HOLD FOR SELECT 2')))
      await c.query('ROLLBACK')
    })
    expect(results[0]).toEqual(['42P03', '42P03', '42P03', 50, '34000', 60, '34000', 70, '34000', '22012', '25P02', 80, '34000', 90, '34000', 100, '34000', '42P03', 110, '34000', 120, '34000', '42P03'])
    expect(results[1]).toEqual(results[0])
  })

  it('names up to 63 bytes stay apart through the proxy though its prefix makes them longer: cursors WITH HOLD and named statements, as on PostgreSQL', async () => {
    // 62 bytes each, differing in the last: two names on PostgreSQL, which keeps 63 bytes of a name.
    const [a, b] = [`${'k'.repeat(61)}a`, `${'k'.repeat(61)}b`]
    // 70 bytes each, differing after the 63rd: one name on PostgreSQL.
    const [c1, c2] = [`${'m'.repeat(63)}_first`, `${'m'.repeat(63)}_other`]
    const results = await directThenProxied(async (c, other, seen) => {
      await c.query(`BEGIN; DECLARE "${a}" CURSOR WITH HOLD FOR SELECT 1 AS n; DECLARE "${b}" CURSOR WITH HOLD FOR SELECT 2 AS n; COMMIT`)
      seen.push(await one(c, `FETCH "${a}"`), await one(c, `FETCH "${b}"`), await codeOf(other.query(`FETCH "${a}"`)))
      await c.query(`BEGIN; DECLARE "${c1}" CURSOR WITH HOLD FOR SELECT 3 AS n`)
      seen.push(await codeOf(c.query(`DECLARE "${c2}" CURSOR WITH HOLD FOR SELECT 4 AS n`)))
      await c.query('ROLLBACK')
      seen.push(await one(c, { name: a, text: 'SELECT 5 AS n' }), await one(c, { name: b, text: 'SELECT 6 AS n' }), await one(c, { name: a, text: 'SELECT 5 AS n' }))
      // One name for a cursor without HOLD too (names never held before): a held one under the other is refused.
      const [p1, p2] = [`${'p'.repeat(63)}_first`, `${'p'.repeat(63)}_other`]
      await c.query(`BEGIN; DECLARE "${p1}" CURSOR FOR SELECT 1`)
      seen.push(await codeOf(c.query(`DECLARE "${p2}" CURSOR WITH HOLD FOR SELECT 2`)))
      await c.query('ROLLBACK')
    })
    expect(results[0]).toEqual([1, 2, '34000', '42P03', 5, 6, 5, '42P03'])
    expect(results[1]).toEqual(results[0])
  })

  it('DISCARD TEMP drops the app\'s temporary tables and leaves the proxy working: checkpoints, rollbacks and the next statements', async () => {
    const a = await connect()
    await a.query('CREATE TEMP TABLE scratch (n int)')
    await proxy.checkpoint('before_discard')
    expect(await codeOf(a.query('DISCARD TEMP'))).toBe('ok')
    expect(await codeOf(a.query('SELECT * FROM scratch'))).toBe('42P01')
    expect(await codeOf(a.query({ name: 'discard', text: 'DISCARD TEMPORARY' }))).toBe('ok')
    await proxy.checkpoint('after_discard')
    await a.query("INSERT INTO t (v) VALUES ('after discard')")
    expect(await one(a, 'SELECT count(*)::int FROM t')).toBe(1)
    await proxy.rollback('after_discard')
    expect(await one(a, 'SELECT count(*)::int FROM t')).toBe(0)
    // Back before the DISCARD: the temporary table is there again, as everything else of that moment.
    await proxy.rollback('before_discard')
    expect(await one(a, 'SELECT count(*)::int FROM scratch')).toBe(0)
    await proxy.release('before_discard')
    await a.query('DROP TABLE scratch')
  })

  it('a sequence with CACHE 20: after a rollback, nextval goes on from where it stood at the checkpoint', async () => {
    const a = await connect()
    expect(await one(a, "SELECT nextval('cached')::int")).toBe(1)
    await proxy.checkpoint('cached')
    expect(await one(a, "SELECT nextval('cached')::int")).toBe(2)
    await proxy.rollback('cached')
    expect(await one(a, "SELECT nextval('cached')::int")).toBe(2)
    await proxy.rollback('cached')
    await proxy.release('cached')
  })
})

