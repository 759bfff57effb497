/**
 * A template rollback returns once the working database is the checkpoint's again: the drop of the one it
 * replaced (`<db>_vqold`), whose forced server checkpoint took most of a rollback on a busy server, goes on
 * in the background, on a session of its own. At most one is pending: the next rollback, letGo and the
 * disconnect wait for it. (One that fails: template-held.test.ts.)
 */
import { describeWithService, settledWithin } from '@venomqa/test-utils'
import pg from 'pg'
import { afterAll, beforeAll, expect, it } from 'vitest'
import { postgresState } from '../src/index'
import { ADMIN_URL, PG, commitRightAfter, createDatabase, databasesLike, dropDatabase, idsIn, withClient } from './helpers'

const DB = 'venomqa_pg_tpldrop'
const describe = await describeWithService('PostgreSQL', PG.host, PG.port)

describe('template mechanism: the database a rollback replaced is dropped in the background', () => {
  let url: string
  const ids = () => idsIn(url)

  beforeAll(async () => {
    url = await createDatabase(DB, 'CREATE TABLE t (id int PRIMARY KEY)')
  })
  afterAll(async () => {
    for (const left of await databasesLike(`${DB}_vq`)) await dropDatabase(left)
    await dropDatabase(DB)
  })

  it('the rollback returns while the drop still waits, a checkpoint does not wait for it, and the next rollback and the disconnect do', async () => {
    // A lock on the replaced database would keep its drop waiting 20 s: a rollback that waited for the drop could not pass within 10 s.
    const b = postgresState({ url, mechanism: 'template', lockTimeoutMs: 20_000 })
    const notices: string[] = []
    b.onNotice = (m) => notices.push(m)
    const holder = new pg.Client({ connectionString: ADMIN_URL, application_name: 'the holder' })
    await holder.connect()
    try {
      await b.connect()
      await b.checkpoint('ready')
      await withClient(url, (c) => c.query('INSERT INTO t VALUES (1)'))
      const renamed = (sql: string) => sql.startsWith('ALTER DATABASE') && sql.endsWith(`RENAME TO "${DB}_vqold"`)
      let outcome: unknown
      const fired = await commitRightAfter(holder, renamed, `BEGIN; COMMENT ON DATABASE ${DB}_vqold IS 'held by the test'`, async () => {
        outcome = await settledWithin(b.rollback('ready'), 10_000)
      })
      expect(fired).toBe(true)
      expect(outcome).toBe('done')
      expect(await ids()).toEqual([])
      // Held: its drop cannot have happened.
      expect(await databasesLike(`${DB}_vq`)).toEqual([`${DB}_vqcp_1`, `${DB}_vqold`])
      // The backend's next call, a checkpoint, goes on meanwhile: the drop waits on its own session, not in front of it.
      expect(await settledWithin(b.checkpoint('later'), 10_000)).toBe('done')
      expect(await databasesLike(`${DB}_vq`)).toEqual([`${DB}_vqcp_1`, `${DB}_vqcp_2`, `${DB}_vqold`])
      // The next rollback waits for it before its rename takes the name: once the holder ends, both go through.
      await withClient(url, (c) => c.query('INSERT INTO t VALUES (2)'))
      const rolling = b.rollback('ready')
      await holder.query('ROLLBACK')
      await rolling
      expect(await ids()).toEqual([])
      // The disconnect waits for the drop this rollback left, then drops the copies.
      await b.disconnect()
      expect(await databasesLike(`${DB}_vq`)).toEqual([])
      expect(notices).toEqual([])
    } finally {
      await holder.end().catch(() => {})
      await b.disconnect()
    }
  })

  it('the session the drops run on is closed at the disconnect, and the admin session with it', async () => {
    const b = postgresState({ url, mechanism: 'template', name: 'tpldrop sessions' })
    const sessions = async () =>
      (await withClient(ADMIN_URL, (c) => c.query("SELECT count(*)::int AS n FROM pg_stat_activity WHERE application_name = 'venomqa tpldrop sessions'"))).rows[0].n as number
    try {
      await b.connect()
      await b.checkpoint('ready')
      await b.rollback('ready')
      await b.letGo()
      expect(await sessions()).toBe(2)
      await b.rollback('ready')
    } finally {
      await b.disconnect()
    }
    // A session is out of pg_stat_activity before the server closes its socket, which end() waits for.
    expect(await sessions()).toBe(0)
    expect(await databasesLike(`${DB}_vq`)).toEqual([])
  })
})
