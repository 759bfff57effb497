/**
 * Keys a snapshot restore puts back while the app writes: a restore works from one snapshot, and a row the
 * app commits after it, taking a key or a range the restore puts back, must make the restore start over,
 * never fail it or stand beside the restored row.
 */
import { describeWithService } from '@venomqa/test-utils'
import pg from 'pg'
import { expect, it } from 'vitest'
import { postgresState } from '../src'
import { PG, commitRightAfter, freshDatabaseEachTest, withClient } from './helpers'

const describe = await describeWithService('PostgreSQL', PG.host, PG.port)

/** The first round trip of a rollback: it opens the restore's transaction and looks for writers. */
const isRestoreBatch = (sql: string) => sql.startsWith('BEGIN') && sql.includes('in_flight_writers(')

describe('a restore that meets a key or a range the app took while it ran', () => {
  const DB = `venomqa_pg_${process.pid}_conflicts`
  const { url, app } = freshDatabaseEachTest(
    DB,
    `CREATE TABLE bookings (id serial PRIMARY KEY, slot int4range NOT NULL, EXCLUDE USING gist (slot WITH &&));
     CREATE TABLE slots (id int NOT NULL, what text NOT NULL, CONSTRAINT slots_pkey PRIMARY KEY (id) DEFERRABLE INITIALLY DEFERRED);
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
})
