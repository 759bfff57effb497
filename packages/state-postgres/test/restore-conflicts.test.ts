/**
 * What a snapshot restore meets of the app's writes while it runs. Keys it puts back: a restore works from one snapshot, and a row the
 * app commits after it, taking a key or a range the restore puts back, must make the restore start over
 * (or wait for it), never stand beside the restored row. Under session_replication_role = replica (the
 * restore's) PostgreSQL checks no DEFERRABLE constraint at all: such a table is restored whole, and a
 * statement on it waits for the restore, as one on a table without a key does.
 */
import { describeWithService } from '@venomqa/test-utils'
import pg from 'pg'
import { expect, it } from 'vitest'
import { postgresState } from '../src'
import { PG, commitRightAfter, freshDatabaseEachTest, withClient } from './helpers'

const describe = await describeWithService('PostgreSQL', PG.host, PG.port)

/** The first round trip of a rollback: it opens the restore's transaction and looks for writers. */
const isRestoreBatch = (sql: string) => sql.startsWith('BEGIN') && sql.includes('in_flight_writers(')

type Query = (...args: unknown[]) => Promise<unknown>

/**
 * Run `body` (a rollback) while, the moment the restore's first round trip has answered, `sql` runs on
 * `writer`: either it goes through at once, committed after the restore's snapshot, or it waits for a lock
 * the restore holds. The restore goes on once one of the two is seen. How the write ended is returned.
 */
async function writeDuringRestore(url: string, writer: pg.Client, sql: string, body: () => Promise<void>): Promise<PromiseSettledResult<unknown>> {
  const query = pg.Client.prototype.query as unknown as Query
  const writerPid = (await writer.query('SELECT pg_backend_pid() AS pid')).rows[0].pid as number
  let writing: Promise<unknown> | undefined
  pg.Client.prototype.query = async function (this: pg.Client, ...args: unknown[]) {
    const result = await query.apply(this, args)
    if (!writing && this !== writer && isRestoreBatch(typeof args[0] === 'string' ? args[0] : '')) {
      const started = query.call(writer, sql)
      writing = started
      let settled = false
      started.then(
        () => (settled = true),
        () => (settled = true),
      )
      await withClient(url, async (watcher) => {
        for (const deadline = Date.now() + 20_000; !settled; await new Promise((r) => setTimeout(r, 20))) {
          const { rows } = await watcher.query(`SELECT 1 FROM pg_stat_activity WHERE pid = $1 AND wait_event_type = 'Lock'`, [writerPid])
          if (rows.length) return
          if (Date.now() > deadline) throw new Error('the write neither ended nor waited for a lock')
        }
      })
    }
    return result
  } as unknown as typeof pg.Client.prototype.query
  try {
    await body()
  } finally {
    pg.Client.prototype.query = query as unknown as typeof pg.Client.prototype.query
  }
  if (!writing) throw new Error('the rollback never opened its restore')
  return (await Promise.allSettled([writing]))[0]!
}

describe('a restore that meets a key or a range the app took while it ran', () => {
  const DB = `venomqa_pg_${process.pid}_conflicts`
  const { url, app } = freshDatabaseEachTest(
    DB,
    `CREATE TABLE bookings (id serial PRIMARY KEY, slot int4range NOT NULL, EXCLUDE USING gist (slot WITH &&));
     CREATE TABLE slots (id int NOT NULL, what text NOT NULL, CONSTRAINT slots_pkey PRIMARY KEY (id) DEFERRABLE INITIALLY DEFERRED);
     CREATE TABLE users (id int PRIMARY KEY, email text NOT NULL UNIQUE); INSERT INTO users VALUES (1, 'a@x');
     CREATE TABLE positions (id serial PRIMARY KEY, pos int NOT NULL, CONSTRAINT positions_pos_key UNIQUE (pos) DEFERRABLE INITIALLY DEFERRED);
     INSERT INTO bookings (slot) VALUES ('[1,5)'); INSERT INTO slots VALUES (1, 'a'), (2, 'b'); INSERT INTO positions (pos) VALUES (1), (2)`,
  )
  const rows = (sql: string) => withClient(url(), async (c) => (await c.query(sql)).rows)

  /** A backend and another session's client, both closed after `body`. */
  async function withWriter(body: (backend: ReturnType<typeof postgresState>, writer: pg.Client) => Promise<void>): Promise<void> {
    const backend = postgresState({ url: url(), lockTimeoutMs: 5000 })
    const writer = new pg.Client({ connectionString: url() })
    await backend.connect()
    await writer.connect()
    try {
      await body(backend, writer)
    } finally {
      await writer.end().catch(() => {})
      await backend.disconnect()
    }
  }

  it('a range an exclusion constraint keeps, taken by the app after the restore\'s snapshot: the restore starts over and undoes it', () =>
    // The restore put back [1,5) and met the app's [2,3), committed after its snapshot: 23P01, which failed
    // the rollback, where a key taken the same way (23505) made it start over.
    withWriter(async (backend, writer) => {
      await backend.checkpoint('start')
      await app(`UPDATE bookings SET slot = '[10,15)' WHERE id = 1`)
      expect(await commitRightAfter(writer, isRestoreBatch, `INSERT INTO bookings (slot) VALUES ('[2,3)')`, () => backend.rollback('start'))).toBe(true)
      expect(await rows('SELECT slot FROM bookings ORDER BY id')).toEqual([{ slot: '[1,5)' }])
    }))

  it('two rows that swapped their deferrable primary keys are both put back', () =>
    // Row 1 took key 2 while row 2 still held it (the key is checked at commit): the log's first entry of
    // key 2 said it did not exist, and the rollback dropped row b, in silence.
    withWriter(async (backend) => {
      await backend.checkpoint('start')
      await app('UPDATE slots SET id = 3 - id')
      await backend.rollback('start')
      expect(await rows('SELECT id, what FROM slots ORDER BY id, what')).toEqual([
        { id: 1, what: 'a' },
        { id: 2, what: 'b' },
      ])
    }))

  it('a deferrable primary key taken again by the app while the restore runs: never two rows under one key, and the next rollback loses no row', () =>
    // The restore put row a back beside the app's row under key 1 (the deferred check does not run under
    // replica): two rows under one primary key; the next rollback then removed both, and row a was lost.
    withWriter(async (backend, writer) => {
      await backend.checkpoint('start')
      await app('DELETE FROM slots WHERE id = 1')
      const write = await writeDuringRestore(url(), writer, `INSERT INTO slots VALUES (1, 'taken again')`, () => backend.rollback('start'))
      expect(await rows('SELECT id, what FROM slots ORDER BY id, what')).toEqual([
        { id: 1, what: 'a' },
        { id: 2, what: 'b' },
      ])
      // The app's insert waited for the restore, then met row a again at its commit.
      expect(write.status).toBe('rejected')
      await backend.rollback('start')
      expect(await rows('SELECT id, what FROM slots ORDER BY id, what')).toEqual([
        { id: 1, what: 'a' },
        { id: 2, what: 'b' },
      ])
    }))

  it('a value of a deferrable unique constraint taken by the app while the restore runs is never held by two rows', () =>
    withWriter(async (backend, writer) => {
      await backend.checkpoint('start')
      await app('UPDATE positions SET pos = 9 WHERE pos = 1')
      const write = await writeDuringRestore(url(), writer, 'INSERT INTO positions (pos) VALUES (1)', () => backend.rollback('start'))
      expect(await rows('SELECT pos FROM positions ORDER BY pos')).toEqual([{ pos: 1 }, { pos: 2 }])
      expect(write.status).toBe('rejected')
    }))

  it('a key taken by a row the change tracking never saw fails every try, and the error names its table', () =>
    // A row written with the triggers off (session_replication_role = replica) holds the email the restore
    // puts back: the restore tried three times, then failed with PostgreSQL's text alone, which names the
    // constraint but not the table, nor says that nothing was restored.
    withWriter(async (backend, writer) => {
      await backend.checkpoint('start')
      await app(`UPDATE users SET email = 'b@x' WHERE id = 1`)
      await writer.query(`SET session_replication_role = replica; INSERT INTO users VALUES (9, 'a@x'); RESET session_replication_role`)
      await expect(backend.rollback('start')).rejects.toThrow(
        /rollback to "start": could not put back the rows of table public\.users in 3 tries on database .*, so nothing was restored: duplicate key value violates unique constraint "users_email_key" \(Key \(email\)=\(a@x\) already exists\.\)\. Another row holds that key: one the change tracking never saw written/,
      )
      expect(await rows('SELECT id, email FROM users ORDER BY id')).toEqual([
        { id: 1, email: 'b@x' },
        { id: 9, email: 'a@x' },
      ])
    }))
})

describe('a rollback while the app writes a table without a key without pause', () => {
  const DB = `venomqa_pg_${process.pid}_busy`
  const { url } = freshDatabaseEachTest(DB, `CREATE TABLE notes (what text NOT NULL); INSERT INTO notes VALUES ('seed')`)

  it('fails, once lockTimeoutMs has passed, saying the app kept the mark locked, not blaming a prepared transaction alone', async () => {
    // Each try of the restore finds the mark's table locked by a statement of the app on the keyless table,
    // whose transaction has ended when the writers are looked for, just after: as an app writing without
    // pause does. The error said a prepared transaction held the lock, on a server that can have none.
    const backend = postgresState({ url: url(), lockTimeoutMs: 300 })
    const busy = new pg.Client({ connectionString: url() })
    await backend.connect()
    await busy.connect()
    const query = pg.Client.prototype.query as unknown as Query
    let open = false
    pg.Client.prototype.query = async function (this: pg.Client, ...args: unknown[]) {
      const sql = typeof args[0] === 'string' ? args[0] : ''
      // The restore's batch only (a checkpoint's opens no REPEATABLE READ transaction).
      if (this !== busy && sql.startsWith('BEGIN ISOLATION LEVEL REPEATABLE READ') && !open) {
        await query.call(busy, `BEGIN; INSERT INTO notes VALUES ('busy')`)
        open = true
      } else if (this !== busy && sql.startsWith('SELECT * FROM "_venomqa".in_flight_writers(') && open) {
        await query.call(busy, 'COMMIT')
        open = false
      }
      return query.apply(this, args)
    } as unknown as typeof pg.Client.prototype.query
    try {
      await backend.checkpoint('start')
      await expect(backend.rollback('start')).rejects.toThrow(
        /rollback to "start": the change tracking's table _venomqa\.state was locked at each try for 300 ms \(lockTimeoutMs\), by transactions no session of database .* still showed when the writers were looked for, so nothing was restored: could not obtain lock on relation "_venomqa\.state".*the app kept running such statements, one after another, while the rollback ran/,
      )
    } finally {
      pg.Client.prototype.query = query as unknown as typeof pg.Client.prototype.query
      if (open) await busy.query('ROLLBACK').catch(() => {})
      await busy.end().catch(() => {})
      await backend.disconnect()
    }
  })
})
