/**
 * Protocol details through the proxy: cancel requests, a TLS request answered as PostgreSQL without TLS
 * answers it, and session settings kept apart per connection although they share one upstream session.
 */
import { describeWithService } from '@venomqa/test-utils'
import pg from 'pg'
import postgres from 'postgres'
import { afterAll, beforeAll, expect, it } from 'vitest'
import type { PgProxy } from '../src/index'
import { PG, createDatabase, dbName, dbUrl, dropDatabase, startProxy, until, withClient } from './helpers'

const describe = await describeWithService('PostgreSQL', PG.host, PG.port)
const DB = dbName('protocol')

describe('protocol details', () => {
  let proxy: PgProxy

  beforeAll(async () => {
    await createDatabase(DB, "CREATE SCHEMA other; CREATE TABLE public.t (v text); CREATE TABLE other.t (v text); INSERT INTO public.t VALUES ('public'); INSERT INTO other.t VALUES ('other')")
    proxy = await startProxy(DB)
  })

  afterAll(async () => {
    await proxy?.stop()
    await dropDatabase(DB)
  })

  it('a cancel request stops the running statement (57014); the connection and the base transaction go on', async () => {
    const sql = postgres(proxy.url, { max: 1, onnotice: () => {} })
    try {
      await sql`INSERT INTO t VALUES ('before')`
      const slow = sql`SELECT pg_sleep(60)`
      const outcome = slow.then(
        () => 'finished',
        (e: { code?: string }) => e.code,
      )
      await until(() => proxy.lock.owner !== undefined, 'the slow statement runs')
      slow.cancel()
      expect(await outcome).toBe('57014')
      expect((await sql`SELECT v FROM t ORDER BY v`).map((r) => r.v)).toEqual(['before', 'public'])
    } finally {
      await sql.end()
    }
  })

  it('a TLS request is answered "no": sslmode=prefer goes on in the clear, require is refused by the client', async () => {
    const prefer = postgres(proxy.url, { ssl: 'prefer', max: 1 })
    expect((await prefer`SELECT 1 AS x`)[0]).toEqual({ x: 1 })
    await prefer.end()
    const c = new pg.Client({ connectionString: proxy.url, ssl: { rejectUnauthorized: false } })
    c.on('error', () => {})
    await expect(c.connect()).rejects.toThrow(/does not support SSL/)
  })

  it('SET on one connection is not seen by another; each keeps its own', async () => {
    const a = new pg.Client({ connectionString: proxy.url, application_name: 'conn a' })
    const b = new pg.Client({ connectionString: proxy.url, application_name: 'conn b' })
    await a.connect()
    await b.connect()
    try {
      await a.query('SET search_path = other')
      const read = async (c: pg.Client) => (await c.query("SELECT v, current_setting('application_name') AS app FROM t")).rows[0]
      expect(await read(a)).toEqual({ v: 'other', app: 'conn a' })
      expect(await read(b)).toEqual({ v: 'public', app: 'conn b' })
      expect(await read(a)).toEqual({ v: 'other', app: 'conn a' })
      await b.query('BEGIN')
      await b.query('SET search_path = other')
      await b.query('ROLLBACK')
      expect(await read(b)).toEqual({ v: 'public', app: 'conn b' })
    } finally {
      await a.end()
      await b.end()
    }
  })

  it('a rollback puts the session back to the settings it held at the checkpoint: each connection still reads with its own', async () => {
    const a = new pg.Client({ connectionString: proxy.url, application_name: 'conn a' })
    const b = new pg.Client({ connectionString: proxy.url, application_name: 'conn b' })
    await a.connect()
    await b.connect()
    const read = async (c: pg.Client) => (await c.query("SELECT v, current_setting('application_name') AS app FROM t")).rows[0]
    try {
      await a.query('SET search_path = other')
      expect(await read(a)).toEqual({ v: 'other', app: 'conn a' })
      // Taken while the session holds a's settings; b's are applied after it, then undone by the rollback.
      await proxy.checkpoint('with_a')
      expect(await read(b)).toEqual({ v: 'public', app: 'conn b' })
      await proxy.rollback('with_a')
      expect(await read(b)).toEqual({ v: 'public', app: 'conn b' })
      expect(await read(a)).toEqual({ v: 'other', app: 'conn a' })
      // Taken while it holds b's (the read just above applied them back); a's, applied after it, are undone.
      expect(await read(b)).toEqual({ v: 'public', app: 'conn b' })
      await proxy.checkpoint('with_b')
      expect(await read(a)).toEqual({ v: 'other', app: 'conn a' })
      await proxy.rollback('with_b')
      expect(await read(b)).toEqual({ v: 'public', app: 'conn b' })
      expect(await read(a)).toEqual({ v: 'other', app: 'conn a' })
      // A SET made after the checkpoint is the connection's own: it stays, though the session forgot it.
      await proxy.checkpoint('before_set')
      await b.query('SET search_path = other')
      expect(await read(b)).toEqual({ v: 'other', app: 'conn b' })
      await proxy.rollback('before_set')
      expect(await read(b)).toEqual({ v: 'other', app: 'conn b' })
    } finally {
      await a.end()
      await b.end()
      await proxy.release('with_a')
    }
  })
})

describe('the upstream session lost', () => {
  it('ends the app\'s connections with 08006, and the next rollback fails: no path runs on unknown state; the sequences are put back at stop', async () => {
    const db = `${DB}_lost`
    await createDatabase(db, 'CREATE TABLE t (id serial, v text)')
    const { pgProxyState } = await import('../src/index')
    const backend = pgProxyState({ upstream: `postgres://postgres@127.0.0.1:5432/${db}` }, () => {})
    await backend.connect()
    try {
      await backend.checkpoint('start')
      const app = new pg.Client({ connectionString: backend.url })
      const ended = new Promise<Error>((resolve) => app.on('error', resolve))
      await app.connect()
      await app.query("INSERT INTO t (v) VALUES ('x')")
      await withAdmin((c) => c.query("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1 AND application_name = 'venomqa pg-proxy'", [db]))
      const error = (await ended) as { code?: string; message: string }
      expect([error.code, error.message]).toEqual(['08006', 'venomqa-pg-proxy lost its upstream session: terminating connection due to administrator command'])
      await expect(backend.rollback('start')).rejects.toThrow(/rollback to "start" failed: the upstream session is lost/)
      await app.end().catch(() => {})
      await backend.disconnect()
      // The insert's nextval outlived the lost session (sequences are not transactional): stopping undid it.
      const sequence = await withClient(dbUrl(db), (c) => c.query('SELECT last_value::int, is_called FROM t_id_seq'))
      expect(sequence.rows).toEqual([{ last_value: 1, is_called: false }])
    } finally {
      await backend.disconnect().catch(() => {})
      await dropDatabase(db)
    }
  })
})

async function withAdmin<T>(fn: (c: pg.Client) => Promise<T>): Promise<T> {
  const c = new pg.Client({ connectionString: 'postgres://postgres@127.0.0.1:5432/postgres' })
  await c.connect()
  try {
    return await fn(c)
  } finally {
    await c.end()
  }
}
