/**
 * What one connection sees of its own session behind the proxy, checked against a direct connection to
 * PostgreSQL doing the same: settings undone with a savepoint, the startup parameters the server refuses,
 * the ParameterStatus messages the server sends, application_name when the client gives none,
 * idle_in_transaction_session_timeout set by set_config, and currval() and lastval().
 */
import { describeWithService } from '@venomqa/test-utils'
import { pgTestDatabases } from '@venomqa/test-utils/postgres'
import pg from 'pg'
import { afterAll, beforeAll, expect, it } from 'vitest'
import type { PgProxy } from '../src/index'
import { bindNoParams, execute, parse, query, sync } from '../src/protocol/messages'
import { PG, dbUrl, rawConnection, startProxy } from './helpers'

const describe = await describeWithService('PostgreSQL', PG.host, PG.port)
const databases = pgTestDatabases(/^venomqa_px_\d+_[a-z0-9_]+$/)
const DB = `venomqa_px_${process.pid}_client_view`

describe("a connection's own view of its session, as without the proxy", () => {
  let proxy: PgProxy
  const clients: pg.Client[] = []

  beforeAll(async () => {
    await databases.create(DB, 'CREATE SCHEMA app; CREATE TABLE t (id serial PRIMARY KEY, v text); CREATE SEQUENCE s')
    proxy = await startProxy(DB)
  })

  afterAll(async () => {
    for (const c of clients) await c.end().catch(() => {})
    await proxy?.stop()
    await databases.drop(DB)
  })

  const connect = async (url: string, config: pg.ClientConfig = {}) => {
    const c = new pg.Client({ connectionString: url, ...config })
    c.on('error', () => {})
    await c.connect()
    clients.push(c)
    return c
  }
  const one = async (c: pg.Client, sql: string | pg.QueryConfig) => Object.values((await c.query(sql)).rows[0] ?? {})[0]
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
})
