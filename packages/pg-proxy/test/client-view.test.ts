/**
 * What one connection sees of its own session behind the proxy, checked against a direct connection to
 * PostgreSQL doing the same: settings undone with a savepoint, the startup parameters the server refuses,
 * the ParameterStatus messages the server sends, application_name when the client gives none,
 * idle_in_transaction_session_timeout set by set_config, and currval() and lastval().
 */
import net from 'node:net'
import { describeWithService } from '@venomqa/test-utils'
import pg from 'pg'
import { expect, it } from 'vitest'
import type { PgProxy } from '../src/index'
import { FrameReader } from '../src/protocol/frames'
import { bindNoParams, execute, parse, parseFields, query, startupMessage, sync, terminate } from '../src/protocol/messages'
import { PG, dbUrl, one, proxiedDatabase, rawConnection, fileDatabase } from './helpers'

const describe = await describeWithService('PostgreSQL', PG.host, PG.port)
const { databases, DB } = fileDatabase('venomqa_px_', 'client_view')

describe("a connection's own view of its session, as without the proxy", () => {
  let proxy: PgProxy
  const { connect, endAfter } = proxiedDatabase(databases, DB, 'CREATE SCHEMA app; CREATE TABLE t (id serial PRIMARY KEY, v text); CREATE SEQUENCE s; CREATE SEQUENCE s2', (p) => (proxy = p))
  const outcome = (p: Promise<unknown>) =>
    p.then(
      () => 'ok',
      (e: { code?: string; message: string }) => `${e.code}: ${e.message}`,
    )

  /** `script` on PostgreSQL directly, then through the proxy, each time with a connection and another one beside it. */
  const directThenProxied = async (script: (c: pg.Client, other: pg.Client, seen: unknown[]) => Promise<void>) => {
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
    return results
  }

  it('a SET undone by ROLLBACK TO SAVEPOINT stays undone after the COMMIT, by simple and by extended protocol, in one query string too, and after another connection had the session; RELEASE keeps it', async () => {
    const [direct, proxied] = await directThenProxied(async (c, other, seen) => {
      const show = async (name: string) => {
        // Another connection has the session first: the connection's settings are given again.
        await other.query('SELECT 1')
        seen.push(await one(c, `SHOW ${name}`))
      }
      await c.query('BEGIN')
      await c.query('SAVEPOINT s')
      await c.query("SET statement_timeout = '11s'")
      await c.query('ROLLBACK TO SAVEPOINT s')
      await c.query('COMMIT')
      await show('statement_timeout')
      // By extended protocol (a named statement makes pg use it), savepoints nested and a name set again:
      // ROLLBACK TO goes back to the newest of that name.
      await c.query({ name: 'begin', text: 'BEGIN' })
      await c.query({ name: 'sp_a', text: 'SAVEPOINT a' })
      await c.query({ name: 'work_mem_5', text: "SET work_mem = '5MB'" })
      await c.query({ name: 'sp_b', text: 'SAVEPOINT b' })
      await c.query({ name: 'work_mem_6', text: "SET work_mem = '6MB'" })
      await c.query({ name: 'sp_a_again', text: 'SAVEPOINT a' })
      await c.query({ name: 'work_mem_7', text: "SET work_mem = '7MB'" })
      await c.query({ name: 'rollback_to_a', text: 'ROLLBACK TO SAVEPOINT a' })
      await c.query({ name: 'commit', text: 'COMMIT' })
      await show('work_mem')
      // RELEASE keeps what was set inside the savepoint; a ROLLBACK TO an outer one still undoes it.
      await c.query('BEGIN')
      await c.query("SET application_name = 'kept'")
      await c.query('SAVEPOINT outer_sp')
      await c.query('SAVEPOINT inner_sp')
      await c.query("SET lock_timeout = '3s'")
      await c.query('RELEASE SAVEPOINT inner_sp')
      await c.query("SET search_path TO app")
      await c.query('RELEASE outer_sp')
      await c.query('COMMIT')
      await show('application_name')
      await show('lock_timeout')
      await show('search_path')
      await c.query('BEGIN; SAVEPOINT o; SAVEPOINT i; SET lock_timeout = 4000; RELEASE i; ROLLBACK TO o; COMMIT')
      await show('lock_timeout')
      // A transaction failed after its savepoint, rolled back to it, then committed.
      await c.query('BEGIN')
      await c.query("SET idle_session_timeout = '1h'")
      await c.query('SAVEPOINT s')
      await c.query("SET idle_session_timeout = '2h'")
      seen.push(await outcome(c.query('SELECT 1/0')))
      await c.query('ROLLBACK TO s')
      await c.query('COMMIT')
      await show('idle_session_timeout')
      // All in one query string.
      await c.query("BEGIN; SAVEPOINT s; SET search_path TO public; ROLLBACK TO s; COMMIT")
      await show('search_path')
    })
    expect(direct).toEqual(['0', '6MB', 'kept', '3s', 'app', '3s', '22012: division by zero', '1h', 'app'])
    expect(proxied).toEqual(direct)
  })

  it('the same in one pipelined batch of the extended protocol, and across two batches when an error in the first skipped its COMMIT: the ROLLBACK TO and COMMIT of the second commit what came before the savepoint', async () => {
    const results: unknown[][] = []
    for (const url of [dbUrl(DB), proxy.url]) {
      const c = await rawConnection(url)
      const other = await connect(url)
      const batch = (statements: string[]) => [...statements.flatMap((sql) => [parse('', sql), bindNoParams('', ''), execute('')]), sync()]
      const show = async (name: string) => {
        await other.query('SELECT 1')
        return (await c.send([query(`SHOW ${name}`)])).rows[0]?.[0]
      }
      const seen: unknown[] = []
      await c.send(batch(['BEGIN', 'SAVEPOINT s', "SET statement_timeout = '12s'", 'ROLLBACK TO SAVEPOINT s', "SET lock_timeout = '5s'", 'COMMIT']))
      seen.push(await show('statement_timeout'), await show('lock_timeout'))
      const row = `kept through ${url === proxy.url ? 'the proxy' : 'PostgreSQL'}`
      const failed = await c.send(
        batch(['BEGIN', "SET work_mem = '5MB'", `INSERT INTO t (v) VALUES ('${row}')`, 'SAVEPOINT s', "SET work_mem = '6MB'", 'SELECT 1/0', 'COMMIT']),
      )
      seen.push(failed.errors, failed.status)
      // The ROLLBACK TO ends the failed state: the COMMIT after it commits, the row with it.
      seen.push((await c.send(batch(['ROLLBACK TO SAVEPOINT s', 'COMMIT']))).status)
      seen.push(await show('work_mem'), await one(other, `SELECT count(*)::int FROM t WHERE v = '${row}'`))
      c.end()
      await c.closed
      await other.end()
      results.push(seen)
    }
    const [direct, proxied] = results
    expect(direct).toEqual(['0', '5s', ['22012'], 'E', 'I', '5MB', 1])
    expect(proxied).toEqual(direct)
  })

  /**
   * A connection's start as the server answers it, message by message, with `params` beside user and
   * database: ParameterStatus as `S name=value`, an ErrorResponse as its severity, code, message and detail.
   */
  const startup = (url: string, params: Record<string, string>) =>
    new Promise<string[]>((resolve, reject) => {
      const u = new URL(url)
      const seen: string[] = []
      const reader = new FrameReader()
      const socket = net.connect(Number(u.port), u.hostname, () => socket.write(startupMessage({ user: 'postgres', database: DB, ...params })))
      socket.on('data', (chunk) => {
        for (const m of reader.push(chunk)) {
          if (m.type === 'S') seen.push(`S ${m.body.toString('utf8').split('\0').slice(0, 2).join('=')}`)
          else if (m.type === 'E') {
            const f = parseFields(m.body)
            seen.push(`E ${f.S} ${f.C} ${f.M}${f.D ? ` (${f.D})` : ''}`)
          } else seen.push(m.type)
          if (m.type === 'Z') socket.end(terminate())
        }
      })
      socket.on('error', reject)
      socket.on('close', () => resolve(seen))
    })

  it('a startup parameter the server refuses refuses the connection as the server does, AuthenticationOk then its FATAL error in its words: a name it does not know, given as a parameter or in options, a value it does not take, one it takes only at its own start, a name it cannot read; one it takes is taken', async () => {
    const cases: Record<string, string>[] = [
      { nonexistent_x: '1' },
      { options: '-c nonexistent_y=1' },
      { options: '-c work_mem=1' },
      { shared_buffers: '1MB' },
      { options: '-c x.1a=1' },
      { options: '-c app.tenant=7 --statement-timeout=5s' },
    ]
    const results: string[][][] = []
    for (const url of [dbUrl(DB), proxy.url]) {
      const answers: string[][] = []
      // Twice each: the second time too, when the proxy knows the answer.
      for (const params of [...cases, ...cases])
        answers.push((await startup(url, params)).filter((m) => !m.startsWith('S ')))
      results.push(answers)
    }
    const [direct, proxied] = results
    const accepted = ['R', 'K', 'Z']
    expect(direct).toEqual(
      Array(2)
        .fill([
          ['R', 'E FATAL 42704 unrecognized configuration parameter "nonexistent_x"'],
          ['R', 'E FATAL 42704 unrecognized configuration parameter "nonexistent_y"'],
          ['R', 'E FATAL 22023 1 kB is outside the valid range for parameter "work_mem" (64 .. 2147483647)'],
          ['R', 'E FATAL 55P02 parameter "shared_buffers" cannot be changed without restarting the server'],
          ['R', 'E FATAL 42602 invalid configuration parameter name "x.1a" (Custom parameter names must be two or more simple identifiers separated by dots.)'],
          accepted,
        ])
        .flat(),
    )
    expect(proxied).toEqual(direct)
    // A driver says what the server said.
    const refused = new pg.Client({ connectionString: proxy.url, options: '-c nonexistent_x=1' })
    expect(await outcome(refused.connect())).toBe('42704: unrecognized configuration parameter "nonexistent_x"')
    const taken = await connect(proxy.url, { options: '-c app.tenant=7 --statement-timeout=5s' })
    expect(await one(taken, "SELECT current_setting('app.tenant') || ' ' || current_setting('statement_timeout')")).toBe('7 5s')
  })

  /** A client that records the ParameterStatus messages it gets: at its start, and for each query after `mark`. */
  const watched = async (url: string, config: pg.ClientConfig = {}) => {
    const c = new pg.Client({ connectionString: url, ...config })
    c.on('error', () => {})
    let got: string[] = []
    const greeting = got
    ;(c as unknown as { connection: NodeJS.EventEmitter }).connection.on('parameterStatus', (m: { parameterName: string; parameterValue: string }) =>
      got.push(`${m.parameterName}=${m.parameterValue}`),
    )
    await c.connect()
    endAfter(c)
    return {
      c,
      greeting: () => [...greeting].sort(),
      /** What came since the last call, by name (PostgreSQL 15 sends several in that order, later versions in another). */
      mark: () => {
        const since = got.sort((a, b) => (a.toLowerCase() < b.toLowerCase() ? -1 : 1))
        got = []
        return since
      },
    }
  }

  it('ParameterStatus as the server sends it: at the end of a query string, for what ends up other than the connection was last told, once; nothing for what a failed or rolled-back statement undid', async () => {
    const queries: (string | pg.QueryConfig)[] = [
      "SET application_name = 'a'; SET application_name = 'b'",
      "BEGIN; SET application_name = 'c'; SET application_name = 'd'; COMMIT",
      "SET application_name = 'e'; SELECT 1/0",
      "BEGIN; SET LOCAL TimeZone = 'Asia/Tokyo'; COMMIT",
      "SET TimeZone = 'Asia/Tokyo'; RESET TimeZone",
      "BEGIN; SET TimeZone = 'America/Lima'; ROLLBACK",
      'BEGIN',
      "SET TimeZone = 'America/Lima'",
      "SET TimeZone = 'Asia/Tokyo'",
      'ROLLBACK',
      { name: 'datestyle', text: "SET DateStyle = 'German'" },
      "SET application_name = 'e'; RESET ALL",
      "SET application_name = 'f'",
    ]
    const results: unknown[][] = []
    for (const url of [dbUrl(DB), proxy.url]) {
      const { c, mark } = await watched(url)
      // Another connection with other settings has the session between this one's queries.
      const other = await connect(url, { application_name: 'other', options: '-c TimeZone=Europe/Paris' })
      mark()
      const seen: unknown[] = []
      for (const q of queries) {
        seen.push(await outcome(c.query(q)))
        seen.push(mark())
        // Not while the connection is inside its transaction: the other would wait for it.
        if (!['BEGIN', "SET TimeZone = 'America/Lima'", "SET TimeZone = 'Asia/Tokyo'"].includes(q as string)) await other.query("SET DateStyle = 'SQL'")
      }
      results.push(seen)
    }
    const [direct, proxied] = results
    expect(direct.filter((_, i) => i % 2)).toEqual([
      ['application_name=b'],
      ['application_name=d'],
      [],
      [],
      [],
      [],
      [],
      ['TimeZone=America/Lima'],
      ['TimeZone=Asia/Tokyo'],
      ['TimeZone=Etc/UTC'],
      ['DateStyle=German, DMY'],
      ['application_name=', 'DateStyle=ISO, MDY'],
      ['application_name=f'],
    ])
    expect(proxied).toEqual(direct)
  })

  it('application_name reads as without the proxy when the client gives none: empty, in the greeting, after RESET and RESET ALL, and after another connection had the session; the other ParameterStatus of the greeting too', async () => {
    const results: unknown[][] = []
    for (const url of [dbUrl(DB), proxy.url]) {
      const { c, greeting } = await watched(url)
      const other = await connect(url, { application_name: 'other' })
      const named = await watched(url, { application_name: 'named', options: '-c TimeZone=Asia/Tokyo -c DateStyle=SQL,DMY' })
      const seen: unknown[] = [greeting(), named.greeting()]
      const show = async () => {
        await other.query('SELECT 1')
        seen.push(await one(c, 'SHOW application_name'))
      }
      await show()
      await c.query("SET application_name = 'x'")
      await c.query('RESET application_name')
      await show()
      await c.query("SET application_name = 'x'")
      await c.query('RESET ALL')
      await show()
      results.push(seen)
    }
    const [direct, proxied] = results
    expect(direct.slice(2)).toEqual(['', '', ''])
    expect((direct[0] as string[]).filter((s) => s.startsWith('application_name'))).toEqual(['application_name='])
    expect((direct[1] as string[]).filter((s) => /^(application_name|TimeZone|DateStyle)=/.test(s))).toEqual(['DateStyle=SQL, DMY', 'TimeZone=Asia/Tokyo', 'application_name=named'])
    expect(proxied).toEqual(direct)
  })

  it("set_config('idle_in_transaction_session_timeout', ...) is answered as PostgreSQL answers it, without being set on the proxy's session, which it would end: by simple and extended protocol, for the session or the transaction, its name as a parameter too; a value the server refuses is refused", async () => {
    const cases: (string | pg.QueryConfig)[] = [
      "SELECT set_config('idle_in_transaction_session_timeout', '200', false)",
      { text: "SELECT pg_catalog.set_config('Idle_In_Transaction_Session_Timeout', $1, false) AS v", values: ['250ms'] },
      { text: 'SELECT set_config($1, $2, true) AS v, 1 AS n', values: ['idle_in_transaction_session_timeout', '300'] },
      "SELECT set_config('idle_in_transaction_session_timeout', 'abc', false)",
      // Another setting by a name as a parameter is set as before.
      { text: 'SELECT set_config($1, $2, false)', values: ['app.tenant', '7'] },
    ]
    const results: unknown[][] = []
    for (const url of [dbUrl(DB), proxy.url]) {
      const c = await connect(url)
      const seen: unknown[] = []
      for (const q of cases) seen.push(await c.query(q).then((r) => r.rows, (e: { code?: string; message: string }) => `${e.code}: ${e.message}`))
      seen.push(await one(c, "SELECT current_setting('app.tenant')"))
      results.push(seen)
      await c.end()
    }
    const [direct, proxied] = results
    expect(direct).toEqual([
      [{ set_config: '200ms' }],
      [{ v: '250ms' }],
      [{ v: '300ms', n: 1 }],
      '22023: invalid value for parameter "idle_in_transaction_session_timeout": "abc"',
      [{ set_config: '7' }],
      '7',
    ])
    expect(proxied).toEqual(direct)
    // None of them was set on the shared session: it stays, however long the app sits in its transaction.
    const c = await connect(proxy.url)
    expect(await one(c, 'SHOW idle_in_transaction_session_timeout')).toBe('0')
    await c.query('BEGIN')
    await c.query("SELECT set_config('idle_in_transaction_session_timeout', '100ms', false)")
    await c.query("INSERT INTO t (v) VALUES ('after an idle')")
    await new Promise((resolve) => setTimeout(resolve, 400))
    await c.query('COMMIT')
    expect(proxy.lost).toBeUndefined()
    expect(await one(c, "SELECT count(*)::int FROM t WHERE v = 'after an idle'")).toBe(1)
    expect(proxy.warnings.filter((w) => w.includes('idle_in_transaction_session_timeout'))).toHaveLength(1)
  })

  it('currval() and lastval() are per connection, as on PostgreSQL: not yet defined on a connection that took no value, its own value on each connection, from a serial column too, by extended protocol, after setval, gone after DISCARD SEQUENCES', async () => {
    const [direct, proxied] = await directThenProxied(async (a, b, seen) => {
      const base = Number(await one(a, "SELECT nextval('s')"))
      /** A value of s as its distance from a's first. */
      const of = async (c: pg.Client, sql: string | pg.QueryConfig) => Number(await one(c, sql)) - base
      seen.push(await outcome(b.query("SELECT currval('s')")), await outcome(b.query('SELECT lastval()')))
      seen.push(await of(b, "SELECT nextval('s')"), await of(a, "SELECT currval('s')"), await of(a, 'SELECT lastval()'))
      seen.push(await of(b, "SELECT pg_catalog.currval('s'::regclass)"), await of(b, 'SELECT pg_catalog.lastval ( )'))
      // The value a serial column's default took.
      const ids = [await one(a, "INSERT INTO t (v) VALUES ('a') RETURNING id"), await one(b, "INSERT INTO t (v) VALUES ('b') RETURNING id")]
      seen.push([await one(a, "SELECT currval('t_id_seq')"), await one(a, 'SELECT lastval()'), await one(b, 'SELECT lastval()')].map(Number).join() === [ids[0], ids[0], ids[1]].join())
      // A named statement run again after the other connection took a value.
      const cv = { name: 'cv', text: 'SELECT currval($1::regclass)', values: ['s'] }
      seen.push(await of(a, cv))
      await b.query("SELECT nextval('s')")
      seen.push(await of(a, cv))
      // Column names and types as PostgreSQL gives them.
      const r = await a.query("SELECT currval('s'), lastval()")
      seen.push(r.fields.map((f) => `${f.name} ${f.dataTypeID}`))
      // setval sets currval for its own connection, not lastval; by extended protocol, kept when another
      // connection has the session.
      await a.query({ name: 'setval', text: 'SELECT setval($1, $2)', values: ['s', 1000000] })
      seen.push(Number(await one(a, "SELECT currval('s')")), Number(await one(a, 'SELECT lastval()')) === Number(ids[0]), await of(b, "SELECT currval('s')"))
      seen.push(Number(await one(a, "SELECT currval('s')")))
      // A named statement run again after another connection had the session: its setval is seen then too.
      const setval2 = (to: number) => a.query({ name: 'setval2', text: 'SELECT setval($1, $2)', values: ['s2', to] })
      await setval2(10)
      await b.query('SELECT 1')
      await setval2(20)
      await b.query('SELECT 1')
      seen.push(Number(await one(a, "SELECT currval('s2')")))
      // DISCARD SEQUENCES forgets the connection's own values only.
      await a.query('DISCARD SEQUENCES')
      seen.push(await outcome(a.query("SELECT currval('s')")), await outcome(a.query('SELECT lastval()')), await of(b, "SELECT currval('s')"))
      // A name written in a string is not a call.
      seen.push(await one(a, "SELECT 'currval(''s'')'"))
      // As the connection's role, which must be allowed to read the sequence.
      await a.query("SELECT nextval('s')")
      await a.query('SET ROLE pg_signal_backend')
      seen.push(await outcome(a.query("SELECT currval('s')")))
      await a.query('RESET ROLE')
    })
    expect(direct).toEqual([
      '55000: currval of sequence "s" is not yet defined in this session',
      '55000: lastval is not yet defined in this session',
      1,
      0,
      0,
      1,
      1,
      true,
      0,
      0,
      ['currval 20', 'lastval 20'],
      1000000,
      true,
      2,
      1000000,
      20,
      '55000: currval of sequence "s" is not yet defined in this session',
      '55000: lastval is not yet defined in this session',
      2,
      "currval('s')",
      '42501: permission denied for sequence s',
    ])
    expect(proxied).toEqual(direct)
  })

  it("currval() and lastval() outlive a checkpoint rollback, as they outlive a ROLLBACK on PostgreSQL; the rollback's own setval gives no connection a currval", async () => {
    const a = await connect(proxy.url)
    const b = await connect(proxy.url)
    const before = Number(await one(a, "SELECT nextval('s')"))
    // Taken before the checkpoint, by the connection that still has the session at the rollback.
    const id = Number(await one(b, "INSERT INTO t (v) VALUES ('before the checkpoint') RETURNING id"))
    await proxy.checkpoint('sequences')
    expect(Number(await one(b, "SELECT nextval('s')"))).toBe(before + 1)
    await proxy.rollback('sequences')
    expect([
      Number(await one(b, "SELECT currval('t_id_seq')")),
      Number(await one(b, "SELECT currval('s')")),
      Number(await one(b, 'SELECT lastval()')),
      Number(await one(a, "SELECT currval('s')")),
      Number(await one(a, 'SELECT lastval()')),
    ]).toEqual([id, before + 1, before + 1, before, before])
    // Taken after the rollback, on both connections in turn.
    expect(Number(await one(a, "SELECT nextval('s')"))).toBe(before + 1)
    expect(Number(await one(b, "SELECT nextval('s')"))).toBe(before + 2)
    await proxy.rollback('sequences')
    expect([Number(await one(a, "SELECT currval('s')")), Number(await one(b, "SELECT currval('s')"))]).toEqual([before + 1, before + 2])
    expect(await outcome(a.query("SELECT currval('t_id_seq')"))).toBe('55000: currval of sequence "t_id_seq" is not yet defined in this session')
    const fresh = await connect(proxy.url)
    expect(await outcome(fresh.query("SELECT currval('s')"))).toBe('55000: currval of sequence "s" is not yet defined in this session')
    await proxy.rollback('sequences')
    await proxy.release('sequences')
  })
})
