/**
 * A prepared transaction (PREPARE TRANSACTION, two-phase commit) has no session: it keeps its locks and its
 * uncommitted writes until COMMIT PREPARED or ROLLBACK PREPARED, and pg_terminate_backend cannot end it. A
 * checkpoint or a rollback that meets one fails at once, or after lockTimeoutMs when waiting could help,
 * naming it by its gid and saying how to end it, and leaves the database as it was.
 *
 * These need a server with max_prepared_transactions > 0, which only a restart sets: a private cluster of
 * this file's own, started with it (the shared server on :5432 has it at PostgreSQL's default, 0).
 */
import { settledWithin } from '@venomqa/test-utils'
import { type PgTestDatabases, pgTestDatabases } from '@venomqa/test-utils/postgres'
import { type PrivateCluster, describeWithPrivateCluster, startPrivateCluster } from '@venomqa/test-utils/private-cluster'
import { afterAll, afterEach, beforeAll, expect, it } from 'vitest'
import { postgresState } from '../src/index'
import { idsIn, withClient } from './helpers'

const describe = describeWithPrivateCluster()
let cluster: PrivateCluster | undefined
/** The private cluster's `postgres` database, where the test sets up and looks. */
let SERVER: string
let databases: PgTestDatabases
const DB = 'venomqa_pg_prepared'
const GID = 'venomqa_pg_prepared_gid'

/** Run `sql` and PREPARE TRANSACTION it as GID, on a session of `url` that then ends: nothing but the prepared transaction holds it. */
const prepare = (url: string, sql: string) => withClient(url, (c) => c.query(`BEGIN; ${sql}; PREPARE TRANSACTION '${GID}'`))

/** ROLLBACK PREPARED the test's prepared transaction, wherever it is, if it is. */
async function rollbackPrepared(): Promise<void> {
  const { rows } = await withClient(SERVER, (c) => c.query('SELECT database FROM pg_prepared_xacts WHERE gid = $1', [GID]))
  if (!rows.length) return
  const url = new URL(SERVER)
  url.pathname = `/${rows[0].database}`
  await withClient(url.toString(), (c) => c.query(`ROLLBACK PREPARED '${GID}'`))
}

const PREPARED = new RegExp(`prepared transaction '${GID}' \\(owner postgres, in database "([a-z_]+)", prepared [\\d.]+ s ago\\)`)
/** As the snapshot mechanism names one: a writer of its database. */
const PREPARED_WRITER = new RegExp(`prepared transaction '${GID}' \\(owner postgres\\), prepared [\\d.]+ s ago`)
const HOW_TO_END = `COMMIT PREPARED '${GID}' or ROLLBACK PREPARED '${GID}'`

describe('a prepared transaction', () => {
  let url: string
  const ids = () => idsIn(url)
  const copies = async () =>
    (await withClient(SERVER, (c) => c.query('SELECT datname FROM pg_database WHERE datname LIKE $1 ORDER BY 1', [`${DB}\\_vq%`]))).rows.map((r) => r.datname)

  beforeAll(async () => {
    cluster = await startPrivateCluster(['host all postgres 127.0.0.1/32 trust'], { max_prepared_transactions: '4' })
    SERVER = cluster.url('postgres', 'postgres')
    databases = pgTestDatabases(/^venomqa_pg_prepared[a-z0-9_]*$/, { adminUrl: SERVER })
    await rollbackPrepared()
    url = await databases.create(DB, 'CREATE TABLE t (id int PRIMARY KEY); CREATE TABLE keyless (v int)')
  })
  afterEach(async () => {
    await rollbackPrepared()
    await withClient(url, (c) => c.query('TRUNCATE t, keyless'))
  })
  afterAll(async () => {
    // The cluster goes whole, with whatever a failed test left in it.
    await cluster?.stop()
  })

  it('in the working database: a template checkpoint and rollback fail at once, naming it and how to end it, with nothing changed', async () => {
    const b = postgresState({ url, mechanism: 'template', lockTimeoutMs: 60_000 })
    try {
      await b.connect()
      await b.checkpoint('ready')
      await withClient(url, (c) => c.query('INSERT INTO t VALUES (1)'))
      await prepare(url, 'INSERT INTO t VALUES (2)')
      // No try can end it: failed at once, not after lockTimeoutMs nor after trying again and again.
      const failed = await settledWithin(b.rollback('ready'), 20_000)
      expect(failed).toBeInstanceOf(Error)
      const message = (failed as Error).message
      expect(message).toContain(`rollback to "ready" on database "${DB}"`)
      expect(message).toContain(`database "${DB}" is in use by a prepared transaction (PREPARE TRANSACTION)`)
      expect(message.match(PREPARED)?.[1]).toBe(DB)
      expect(message).toContain('nothing was restored: the working database is as the path left it')
      expect(message).toContain(HOW_TO_END)
      expect(await ids()).toEqual([1])
      const refused = await settledWithin(b.checkpoint('later'), 20_000)
      expect(refused).toBeInstanceOf(Error)
      expect((refused as Error).message).toMatch(new RegExp(`checkpoint "later" on database "${DB}" .*${PREPARED.source}.*so no checkpoint was taken`))
      expect(await copies()).toEqual([`${DB}_vqcp_1`])
      // Once it is ended, the rollback goes through.
      await rollbackPrepared()
      await b.rollback('ready')
      expect(await ids()).toEqual([])
    } finally {
      await b.disconnect()
    }
    expect(await copies()).toEqual([])
  })

  it('of another database, holding a lock on the working one: a template rollback fails after lockTimeoutMs naming it, with nothing changed', async () => {
    const b = postgresState({ url, mechanism: 'template', lockTimeoutMs: 300 })
    try {
      await b.connect()
      await b.checkpoint('ready')
      await withClient(url, (c) => c.query('INSERT INTO t VALUES (1)'))
      // ALTER ROLE ... IN DATABASE locks the database it names, from a session of any database.
      await prepare(SERVER, `ALTER ROLE postgres IN DATABASE ${DB} SET work_mem = '5MB'`)
      const failed = await settledWithin(b.rollback('ready'), 20_000)
      expect(failed).toBeInstanceOf(Error)
      const message = (failed as Error).message
      expect(message).toContain(`a transaction held a lock on database "${DB}" for longer than 300 ms (lockTimeoutMs)`)
      expect(message.match(PREPARED)?.[1]).toBe('postgres')
      expect(message).toContain(HOW_TO_END)
      expect(message).toContain('nothing was restored: the working database is as the path left it')
      expect(await ids()).toEqual([1])
      expect(await copies()).toEqual([`${DB}_vqcp_1`])
    } finally {
      await rollbackPrepared()
      await b.disconnect()
    }
    expect(await copies()).toEqual([])
  })

  for (const [what, sql] of [
    ['wrote a tracked table', 'INSERT INTO t VALUES (2)'],
    ['ran a statement on a tracked table without a primary key', 'UPDATE keyless SET v = v'],
  ] as const)
    it(`that ${what}: a snapshot rollback and checkpoint wait lockTimeoutMs, then fail naming it and how to end it, with nothing restored`, async () => {
      const b = postgresState({ url, lockTimeoutMs: 300 })
      try {
        await b.connect()
        await b.checkpoint('ready')
        await withClient(url, (c) => c.query('INSERT INTO t VALUES (1)'))
        await prepare(url, sql)
        const failed = await settledWithin(b.rollback('ready'), 20_000)
        expect(failed).toBeInstanceOf(Error)
        const message = (failed as Error).message
        expect(message).toContain('rollback to "ready"')
        expect(message).toContain('after 300 ms (lockTimeoutMs)')
        expect(message).toMatch(PREPARED_WRITER)
        expect(message).toContain('nothing was restored')
        // How to end it is the error's suggestion, which the issue shows after the message.
        expect((failed as { suggestion?: string }).suggestion).toContain(HOW_TO_END)
        expect(await ids()).toEqual([1])
        const refused = await settledWithin(b.checkpoint('later'), 20_000)
        expect(refused).toBeInstanceOf(Error)
        expect((refused as Error).message).toMatch(new RegExp(`checkpoint "later".*${PREPARED_WRITER.source}.*no checkpoint was taken`))
        // Once it is ended, the rollback goes through: its rows, had it committed, would be undone too.
        await rollbackPrepared()
        await b.rollback('ready')
        expect(await ids()).toEqual([])
      } finally {
        await rollbackPrepared()
        await b.disconnect()
      }
    })

  it('holding a tracked table when a snapshot backend disconnects: the disconnect fails naming it, and the next connect removes the tracking once it is ended', async () => {
    const b = postgresState({ url, lockTimeoutMs: 300 })
    await b.connect()
    await prepare(url, 'INSERT INTO t VALUES (3)')
    const failed = await settledWithin(b.disconnect(), 20_000)
    expect(failed).toBeInstanceOf(Error)
    const message = (failed as Error).message
    expect(message).toMatch(new RegExp(`remove change tracking on .*: after 300 ms \\(lockTimeoutMs\\), ${PREPARED_WRITER.source} still held a lock on a tracked table`))
    expect(message).toContain(HOW_TO_END)
    await rollbackPrepared()
    const next = postgresState({ url })
    await next.connect()
    await next.disconnect()
    const left = await withClient(url, (c) => c.query("SELECT 1 FROM pg_namespace WHERE nspname = '_venomqa'"))
    expect(left.rows).toEqual([])
  })
})
