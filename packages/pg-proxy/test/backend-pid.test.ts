/**
 * pg_backend_pid() through the proxy: each connection's own process id, the one it was given at its start
 * (BackendKeyData), which pg_cancel_backend and pg_terminate_backend on another connection reach; not the
 * shared session's, the same for all. A job queue tells its connections apart by it, and stops one's query
 * from another with it.
 */
import { describeWithService } from '@venomqa/test-utils'
import type pg from 'pg'
import { expect, it } from 'vitest'
import { PG, fileDatabase, proxiedDatabase, runningUpstream } from './helpers'

const describe = await describeWithService('PostgreSQL', PG.host, PG.port)
const { databases, DB } = fileDatabase('venomqa_pr_', 'backend_pid')

const processId = (c: pg.Client) => (c as unknown as { processID: number }).processID

describe('pg_backend_pid() through the proxy', () => {
  const { connect } = proxiedDatabase(databases, DB, 'CREATE TABLE workers (pid int4)', () => {})

  it("answers each connection's own process id, by the simple and the extended protocol, as the app writes it", async () => {
    const a = await connect()
    const b = await connect()
    expect(processId(a)).not.toBe(processId(b))
    for (const c of [a, b]) {
      const own = processId(c)
      const plain = await c.query('SELECT pg_backend_pid()')
      expect(plain.rows).toEqual([{ pg_backend_pid: own }])
      expect(plain.fields.map((f) => `${f.name} ${f.dataTypeID}`)).toEqual(['pg_backend_pid 23'])
      expect((await c.query('SELECT pg_catalog.pg_backend_pid() AS pid;')).rows).toEqual([{ pid: own }])
      expect((await c.query({ text: 'SELECT pg_backend_pid()', queryMode: 'extended' } as pg.QueryConfig)).rows).toEqual([{ pg_backend_pid: own }])
      expect((await c.query({ name: `pid-${own}`, text: 'select PG_BACKEND_PID() as "pid", $1::int AS n', values: [1] })).rows).toEqual([{ pid: own, n: 1 }])
      // Inside a larger statement, in the app's transaction too.
      await c.query('BEGIN')
      expect((await c.query('SELECT pg_backend_pid() AS pid, now() IS NOT NULL AS t')).rows).toEqual([{ pid: own, t: true }])
      expect((await c.query('INSERT INTO workers (pid) VALUES (pg_backend_pid()) RETURNING pid')).rows).toEqual([{ pid: own }])
      await c.query('COMMIT')
    }
    const stored = (await a.query('SELECT pid FROM workers ORDER BY pid')).rows.map((r) => r.pid)
    expect(stored).toEqual([processId(a), processId(b)].sort((x, y) => x - y))
    // Written in a string or a comment, it is not a call.
    expect((await a.query("SELECT 'pg_backend_pid()' AS s -- pg_backend_pid()")).rows).toEqual([{ s: 'pg_backend_pid()' }])
  })

  it('still answers after DISCARD ALL and DISCARD TEMP, which drop the temporary objects of the session', async () => {
    const c = await connect()
    await c.query('DISCARD ALL')
    expect((await c.query('SELECT pg_backend_pid()')).rows).toEqual([{ pg_backend_pid: processId(c) }])
    await c.query('DISCARD TEMP')
    expect((await c.query('SELECT pg_backend_pid()')).rows).toEqual([{ pg_backend_pid: processId(c) }])
  })

  // graphile-worker, pg-boss style: a connection reads its own id, another stops its query with it.
  it("a process id read with pg_backend_pid() on connection A cancels A's statement from connection B", async () => {
    const a = await connect()
    const b = await connect()
    const pid = (await a.query('SELECT pg_backend_pid() AS pid')).rows[0].pid as number
    const slow = a.query('SELECT pg_sleep(30) AS slept').then(
      () => 'finished',
      (e) => `${e.code}: ${e.message}`,
    )
    await runningUpstream(DB, 'SELECT pg_sleep(30) AS slept')
    expect((await b.query('SELECT pg_cancel_backend($1)', [pid])).rows).toEqual([{ pg_cancel_backend: true }])
    expect(await slow).toBe('57014: canceling statement due to user request')
    expect((await a.query('SELECT 1 AS one')).rows).toEqual([{ one: 1 }])
  })

  // Compared with server processes' ids, it must stay the shared session's: `pid <> pg_backend_pid()`
  // would otherwise take in the session every connection runs on.
  it("stays the server's in a statement that names server processes", async () => {
    const c = await connect()
    const server = (await c.query('SELECT pid FROM pg_stat_activity WHERE pid = pg_backend_pid()')).rows
    expect(server).toHaveLength(1)
    expect(server[0].pid).not.toBe(processId(c))
    const others = await c.query(`SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid() AND pid = $1`, [server[0].pid])
    expect(others.rows).toEqual([{ n: 0 }])
  })
})
