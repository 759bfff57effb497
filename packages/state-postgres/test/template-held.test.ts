/**
 * The template mechanism renames, copies and drops whole databases, which a transaction of any database of
 * the cluster can hold up: one that ran COMMENT ON DATABASE (a lock on the database) or GRANT ... ON
 * DATABASE (its row of pg_database) and has not ended. A rollback or checkpoint waited for it without end,
 * saying nothing; now it waits lockTimeoutMs, then fails naming it, and leaves everything as it was. A
 * logical replication subscription keeps a database from being dropped for good: refused the same way.
 * (Prepared transactions: prepared-transactions.test.ts.)
 */
import { describeWithService, settledWithin } from '@venomqa/test-utils'
import pg from 'pg'
import { afterAll, beforeAll, expect, it } from 'vitest'
import { postgresState } from '../src/index'
import { ADMIN_URL, PG, commitRightAfter, createDatabase, databasesLike, dbUrl, dropDatabase, idsIn, withClient } from './helpers'
import { runDatabaseName } from '@venomqa/test-utils/postgres'

const DB = runDatabaseName('venomqa_pg_template_held')
const SUBSCRIPTION = 'venomqa_pg_template_sub'
const ROLE = 'venomqa_pg_template_held_role'
const describe = await describeWithService('PostgreSQL', PG.host, PG.port)

describe('template mechanism: what keeps a database from being copied, renamed or dropped', () => {
  let url: string
  const ids = () => idsIn(url)

  beforeAll(async () => {
    url = await createDatabase(DB, 'CREATE TABLE t (id int PRIMARY KEY)')
  })
  afterAll(() => dropDatabase(DB))

  for (const [what, statement, checkpointHeld] of [
    ['a lock on it (COMMENT ON DATABASE)', `COMMENT ON DATABASE ${DB} IS 'held by the test'`, true],
    ['its row of pg_database (GRANT ... ON DATABASE)', `GRANT CONNECT ON DATABASE ${DB} TO PUBLIC`, false],
  ] as const) {
    it(`a transaction still open on ${what} fails the rollback after lockTimeoutMs, naming it, with nothing changed`, async () => {
      const b = postgresState({ url, mechanism: 'template', lockTimeoutMs: 300 })
      const holder = new pg.Client({ connectionString: ADMIN_URL, application_name: 'the holder' })
      await holder.connect()
      try {
        await withClient(url, (c) => c.query('DELETE FROM t'))
        await b.connect()
        await b.checkpoint('ready')
        await withClient(url, (c) => c.query('INSERT INTO t VALUES (1)'))
        const pid = (await holder.query('SELECT pg_backend_pid() AS pid')).rows[0].pid
        await holder.query(`BEGIN; ${statement}`)
        const failed = await settledWithin(b.rollback('ready'), 20_000)
        expect(failed).toBeInstanceOf(Error)
        const message = (failed as Error).message
        expect(message).toContain(`rollback to "ready" on database "${DB}"`)
        expect(message).toContain(`for longer than 300 ms (lockTimeoutMs)`)
        expect(message).toMatch(new RegExp(`pid ${pid} \\(application "the holder", user postgres, connected to database "postgres"\\), its transaction open for [\\d.]+ s, idle in transaction`))
        expect(message).toContain('nothing was restored: the working database is as the path left it')
        expect(message).toContain(`SELECT pg_terminate_backend(${pid})`)
        expect(await ids()).toEqual([1])
        expect(await databasesLike(`${DB}_vq`)).toEqual([`${DB}_vqcp_1`])
        if (checkpointHeld) {
          // A checkpoint's copy waits for the same lock: refused the same way, no copy left.
          const refused = await settledWithin(b.checkpoint('later'), 20_000)
          expect(refused).toBeInstanceOf(Error)
          expect((refused as Error).message).toMatch(new RegExp(`checkpoint "later" on database "${DB}" .*: a transaction held a lock on database "${DB}" .*pid ${pid} .*so no checkpoint was taken`))
          expect(await databasesLike(`${DB}_vq`)).toEqual([`${DB}_vqcp_1`])
        }
        // Once it ends, the same rollback goes through.
        await holder.query('ROLLBACK')
        await b.rollback('ready')
        expect(await ids()).toEqual([])
      } finally {
        await holder.end().catch(() => {})
        await b.disconnect()
      }
      expect(await databasesLike(`${DB}_vq`)).toEqual([])
    })
  }

  it('a logical replication subscription in the database, which no copy keeps and which keeps a database from being dropped, is refused naming it, with nothing changed', async () => {
    const b = postgresState({ url, mechanism: 'template' })
    /** Wherever the subscription is (a failed rollback may have left it in the database renamed away): dropped. */
    const dropSubscription = async () => {
      const { rows } = await withClient(ADMIN_URL, (c) =>
        c.query('SELECT d.datname FROM pg_subscription s JOIN pg_database d ON d.oid = s.subdbid WHERE s.subname = $1', [SUBSCRIPTION]),
      )
      for (const { datname } of rows) await withClient(dbUrl(datname), (c) => c.query(`DROP SUBSCRIPTION ${SUBSCRIPTION}`))
    }
    try {
      await withClient(url, (c) => c.query('DELETE FROM t'))
      await b.connect()
      await b.checkpoint('ready')
      await withClient(url, async (c) => {
        await c.query('INSERT INTO t VALUES (1)')
        // Made without a publisher: not connected, no slot, disabled.
        await c.query(`CREATE SUBSCRIPTION ${SUBSCRIPTION} CONNECTION 'host=127.0.0.1 port=1 dbname=none' PUBLICATION p WITH (connect = false, slot_name = NONE, enabled = false)`)
      })
      const failed = await b.rollback('ready').then(
        () => undefined,
        (err: Error) => err.message,
      )
      expect(failed).toContain(`rollback to "ready" on database "${DB}"`)
      expect(failed).toContain(`database "${DB}" has logical replication subscription "${SUBSCRIPTION}" (CREATE SUBSCRIPTION), which the template mechanism cannot keep`)
      expect(failed).toContain('so nothing was restored: the working database is as the path left it')
      expect(failed).toContain(`DROP SUBSCRIPTION "${SUBSCRIPTION}"`)
      expect(await ids()).toEqual([1])
      expect(await databasesLike(`${DB}_vq`)).toEqual([`${DB}_vqcp_1`])
      await expect(b.checkpoint('later')).rejects.toThrow(/checkpoint "later" on .*has logical replication subscription .*so no checkpoint was taken/)
      expect(await databasesLike(`${DB}_vq`)).toEqual([`${DB}_vqcp_1`])
      await dropSubscription()
      await b.rollback('ready')
      expect(await ids()).toEqual([])
    } finally {
      await dropSubscription()
      await b.disconnect()
    }
    expect(await databasesLike(`${DB}_vq`)).toEqual([])
  })

  it('the database a rollback replaced, held when it is to be dropped: the rollback passes, a notice says what holds it, and the next rollback or the disconnect drops it', async () => {
    const b = postgresState({ url, mechanism: 'template', lockTimeoutMs: 300 })
    const notices: string[] = []
    b.onNotice = (m) => notices.push(m)
    const holder = new pg.Client({ connectionString: ADMIN_URL, application_name: 'the holder' })
    await holder.connect()
    const pid = (await holder.query('SELECT pg_backend_pid() AS pid')).rows[0].pid
    // Right after the rename, another transaction takes a lock on the renamed database, and keeps it.
    const renamed = (sql: string) => sql.startsWith('ALTER DATABASE') && sql.endsWith(`RENAME TO "${DB}_vqold"`)
    const holdingTheOld = async () => {
      let outcome: unknown
      const fired = await commitRightAfter(holder, renamed, `BEGIN; COMMENT ON DATABASE ${DB}_vqold IS 'held by the test'`, async () => {
        outcome = await settledWithin(b.rollback('ready'), 20_000)
      })
      expect(fired).toBe(true)
      return outcome
    }
    try {
      await withClient(url, (c) => c.query('DELETE FROM t'))
      await b.connect()
      await b.checkpoint('ready')
      await withClient(url, (c) => c.query('INSERT INTO t VALUES (1)'))
      // The database is the checkpoint's: the rollback passes, the drop of the one it replaced is left to the background.
      expect(await holdingTheOld()).toBe('done')
      expect(await ids()).toEqual([])
      // letGo waits for it: it failed after lockTimeoutMs, told once, what held it and what to do.
      await b.letGo()
      expect(notices).toHaveLength(1)
      expect(notices[0]).toMatch(new RegExp(`^rollback to "ready" on database "${DB}" .*: a transaction held a lock on database "${DB}_vqold" for longer than 300 ms .*pid ${pid} \\(application "the holder"`))
      expect(notices[0]).toContain(`so the database was restored, but the one it replaced is left as "${DB}_vqold", for the next rollback or the disconnect to drop`)
      expect(notices[0]).toContain(`SELECT pg_terminate_backend(${pid})`)
      expect(await databasesLike(`${DB}_vq`)).toEqual([`${DB}_vqcp_1`, `${DB}_vqold`])
      // Still held: the next rollback, which must drop it before its rename takes the name, restores nothing.
      await withClient(url, (c) => c.query('INSERT INTO t VALUES (2)'))
      const refused = await settledWithin(b.rollback('ready'), 20_000)
      expect(refused).toBeInstanceOf(Error)
      expect((refused as Error).message).toMatch(new RegExp(`rollback to "ready" on database "${DB}" .*: a transaction held a lock on database "${DB}_vqold" .*pid ${pid} .*so nothing was restored: the working database is as the path left it`))
      expect(await ids()).toEqual([2])
      // Once the holder ends, the next rollback drops it, then restores.
      await holder.query('ROLLBACK')
      await b.rollback('ready')
      expect(await ids()).toEqual([])
      await b.letGo()
      expect(await databasesLike(`${DB}_vq`)).toEqual([`${DB}_vqcp_1`])
      // Held again, and ended before the disconnect: the disconnect drops it.
      await withClient(url, (c) => c.query('INSERT INTO t VALUES (3)'))
      expect(await holdingTheOld()).toBe('done')
      expect(await ids()).toEqual([])
      await b.letGo()
      expect(notices).toHaveLength(2)
      expect(await databasesLike(`${DB}_vq`)).toEqual([`${DB}_vqcp_1`, `${DB}_vqold`])
      await holder.query('ROLLBACK')
      await b.disconnect()
      expect(await databasesLike(`${DB}_vq`)).toEqual([])
      expect(notices).toHaveLength(2)
    } finally {
      await holder.end().catch(() => {})
      await b.disconnect()
    }
    expect(await databasesLike(`${DB}_vq`)).toEqual([])
  })

  it('a rollback that fails after its rename, and cannot rename the working database back either, says where it is; the next connect puts it back', async () => {
    const b = postgresState({ url, mechanism: 'template', lockTimeoutMs: 300 })
    const holder = new pg.Client({ connectionString: ADMIN_URL, application_name: 'the holder' })
    await holder.connect()
    try {
      await withClient(url, (c) => c.query('DELETE FROM t'))
      await withClient(ADMIN_URL, (c) => c.query(`DROP ROLE IF EXISTS ${ROLE}; CREATE ROLE ${ROLE}; GRANT CONNECT ON DATABASE ${DB} TO ${ROLE}`))
      await b.connect()
      await b.checkpoint('ready')
      await withClient(url, (c) => c.query('INSERT INTO t VALUES (1)'))
      // The role the checkpoint's privileges name is gone: the new database cannot be given them.
      await withClient(ADMIN_URL, (c) => c.query(`REVOKE ALL ON DATABASE ${DB} FROM ${ROLE}; DROP ROLE ${ROLE}`))
      // And the database renamed away is held from right after the rename: it cannot be renamed back.
      const renamed = (sql: string) => sql.startsWith('ALTER DATABASE') && sql.endsWith(`RENAME TO "${DB}_vqold"`)
      let outcome: unknown
      await commitRightAfter(holder, renamed, `BEGIN; COMMENT ON DATABASE ${DB}_vqold IS 'held by the test'`, async () => {
        outcome = await settledWithin(b.rollback('ready'), 20_000)
      })
      expect(outcome).toBeInstanceOf(Error)
      const failed = (outcome as Error).message
      expect(failed).toContain(`rollback to "ready" on database "${DB}" at 127.0.0.1:5432 (user "postgres"): cannot give the database a rollback makes anew its privilege CONNECT to "${ROLE}"`)
      expect(failed).toContain(`and the working database could not be renamed back from "${DB}_vqold"`)
      expect(failed).toContain(`the app has no database "${DB}" until it is. The next connect of a template backend to "${DB}" renames it back, or: ALTER DATABASE "${DB}_vqold" RENAME TO "${DB}"`)
      expect(await databasesLike(DB)).not.toContain(DB)
      await holder.query('ROLLBACK')
      await b.disconnect()
      const next = postgresState({ url, mechanism: 'template' })
      await next.connect()
      await next.disconnect()
      expect(await ids()).toEqual([1])
    } finally {
      await holder.end().catch(() => {})
      await b.disconnect()
      if (!(await databasesLike(DB)).includes(DB)) await withClient(ADMIN_URL, (c) => c.query(`ALTER DATABASE ${DB}_vqold RENAME TO ${DB}`)).catch(() => {})
      await withClient(ADMIN_URL, (c) => c.query(`DROP ROLE IF EXISTS ${ROLE}`))
    }
    expect(await databasesLike(`${DB}_vq`)).toEqual([])
  })
})
