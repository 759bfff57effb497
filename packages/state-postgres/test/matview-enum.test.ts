/**
 * A materialized view the app refreshes, and an enum type a path alters: neither holds rows the snapshot
 * tracking can put back. A rollback after such a path used to pass in silence, leaving the view's
 * refreshed rows (or the enum's new label) to the next path and after the run. It now fails naming them,
 * as for DDL, after restoring every table; with no checkpoint open, the new state is simply taken as it is.
 */
import { randomBytes } from 'node:crypto'
import { describeWithService } from '@venomqa/test-utils'
import { pgDatabaseUrl, pgTestDatabases, withPgClient } from '@venomqa/test-utils/postgres'
import { afterAll, beforeEach, expect, it } from 'vitest'
import { PG, withSnapshot } from './helpers'

const describe = await describeWithService('PostgreSQL', PG.host, PG.port)
const databases = pgTestDatabases(/^venomqa_qaf_[a-z0-9_]+$/)
const DB = `venomqa_qaf_matview_${randomBytes(4).toString('hex')}`
const url = pgDatabaseUrl(DB)

const SCHEMA = `
CREATE TYPE mood AS ENUM ('happy', 'sad');
CREATE TYPE later AS ENUM ();
CREATE TABLE users (id serial PRIMARY KEY, email text NOT NULL, m mood);
CREATE MATERIALIZED VIEW user_count AS SELECT count(*) AS n FROM users;
CREATE UNIQUE INDEX ON user_count (n);
INSERT INTO users (email, m) VALUES ('a@x', 'happy');
REFRESH MATERIALIZED VIEW user_count;
`
const app = (sql: string) => withPgClient(url, (c) => c.query(sql))
const users = async () => (await withPgClient(url, (c) => c.query('SELECT email FROM users ORDER BY id'))).rows.map((r) => r.email)

describe('materialized views and enum types under the snapshot mechanism', () => {
  beforeEach(() => databases.create(DB, SCHEMA))
  afterAll(() => databases.drop(DB))

  const paths: Record<string, [sql: string, named: RegExp]> = {
    'REFRESH MATERIALIZED VIEW': ['REFRESH MATERIALIZED VIEW user_count', /materialized view public\.user_count was refreshed/],
    'REFRESH MATERIALIZED VIEW CONCURRENTLY': ['REFRESH MATERIALIZED VIEW CONCURRENTLY user_count', /materialized view public\.user_count was refreshed/],
    'ALTER TYPE ... ADD VALUE': [`ALTER TYPE mood ADD VALUE 'angry'`, /enum type public\.mood: its labels changed/],
    // Passed in silence before: the enum's row showed its labels only.
    'REVOKE USAGE ON TYPE (an enum)': ['REVOKE USAGE ON TYPE mood FROM PUBLIC', /enum type public\.mood: its owner or privileges changed \(ALTER TYPE \.\.\. OWNER TO, GRANT or REVOKE ON TYPE\)/],
    // An enum with no label yet (its labels added by a later migration): its state was null, so the
    // rollback failed on reading it ("Cannot read properties of null") and restored nothing, and a REVOKE
    // on it passed in silence.
    'ALTER TYPE ... ADD VALUE (an enum with no label)': [`ALTER TYPE later ADD VALUE 'first'`, /enum type public\.later: its labels changed/],
    'REVOKE USAGE ON TYPE (an enum with no label)': ['REVOKE USAGE ON TYPE later FROM PUBLIC', /enum type public\.later: its owner or privileges changed/],
  }
  for (const [what, [sql, named]] of Object.entries(paths)) {
    it(`${what} in a path: the rollback restores the tables, then fails naming it`, async () => {
      await withSnapshot(url, async (backend) => {
        await backend.checkpoint('start')
        await app(`INSERT INTO users (email) VALUES ('b@x'); ${sql}`)
        await expect(backend.rollback('start')).rejects.toThrow(named)
        expect(await users()).toEqual(['a@x'])
      })
    })
  }

  // CLUSTER and VACUUM FULL write the same rows into a new file: no refresh, nothing to put back. They were
  // told as a refresh (the check read the file node and where each row was stored), and the branch stopped.
  const rewrites: Record<string, string> = {
    CLUSTER: 'CLUSTER user_count USING user_count_n_idx',
    'VACUUM FULL': 'VACUUM FULL user_count',
    'a REFRESH that changes no row': 'REFRESH MATERIALIZED VIEW user_count',
    'a REFRESH CONCURRENTLY that changes no row': 'REFRESH MATERIALIZED VIEW CONCURRENTLY user_count',
  }
  for (const [what, sql] of Object.entries(rewrites)) {
    it(`${what} of a materialized view in a path, its rows the same: the rollback succeeds and restores the tables`, async () => {
      await withSnapshot(url, async (backend) => {
        await backend.checkpoint('start')
        await app(sql)
        await app(`INSERT INTO users (email) VALUES ('b@x')`)
        await backend.rollback('start')
        expect(await users()).toEqual(['a@x'])
      })
    })
  }

  it('an index created on a materialized view in a path is told', async () => {
    await withSnapshot(url, async (backend) => {
      await backend.checkpoint('start')
      await app('CREATE INDEX user_count_n_desc ON user_count (n DESC)')
      await expect(backend.rollback('start')).rejects.toThrow(/materialized view public\.user_count: its query or indexes changed/)
    })
  })

  it('a refresh on the main line, with no checkpoint open, is taken as it is', async () => {
    await withSnapshot(url, async (backend) => {
      await backend.checkpoint('first')
      await backend.release('first')
      await app(`INSERT INTO users (email) VALUES ('b@x'); REFRESH MATERIALIZED VIEW user_count; ALTER TYPE mood ADD VALUE 'angry'`)
      await backend.checkpoint('second')
      await app(`INSERT INTO users (email) VALUES ('c@x')`)
      await backend.rollback('second')
      expect(await users()).toEqual(['a@x', 'b@x'])
      const n = (await withPgClient(url, (c) => c.query('SELECT n FROM user_count'))).rows[0].n
      expect(n).toBe('2')
    })
  })
})
