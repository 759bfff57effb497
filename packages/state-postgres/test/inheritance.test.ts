/**
 * Tables with inheritance children (`CREATE TABLE child () INHERITS (parent)`, the partitioning of old
 * schemas and a common way to share columns). In PostgreSQL a statement on the parent reaches the rows of
 * its children too, unless it says ONLY. The snapshot mechanism's copy of a parent without a primary key
 * read the children's rows as the parent's, and its restore (a DELETE of the parent) removed them from the
 * children: a rollback after a path that only inserted into the parent moved every row of the children
 * into the parent. A TRUNCATE of the parent saved the children's rows as the parent's too. A keyless
 * child, or a keyless partition, is copied by a statement trigger, which fires on the table a statement
 * names only: an UPDATE or DELETE of the parent (an INSERT into a partitioned table) changed its rows
 * without a copy, and the rollback left them.
 */
import { randomBytes } from 'node:crypto'
import { describeWithService } from '@venomqa/test-utils'
import { pgDatabaseUrl, pgTestDatabases, withPgClient } from '@venomqa/test-utils/postgres'
import { afterAll, beforeEach, expect, it } from 'vitest'
import { postgresState } from '../src/index'
import { PG } from './helpers'

const describe = await describeWithService('PostgreSQL', PG.host, PG.port)
const databases = pgTestDatabases(/^venomqa_qaf_[a-z0-9_]+$/)
const DB = `venomqa_qaf_inherit_${randomBytes(4).toString('hex')}`
const url = pgDatabaseUrl(DB)

const SCHEMA = `
CREATE TABLE logs (msg text NOT NULL);
CREATE TABLE logs_2024 () INHERITS (logs);
CREATE TABLE items (id int PRIMARY KEY, name text NOT NULL);
CREATE TABLE items_archived (archived_at date) INHERITS (items);
INSERT INTO logs VALUES ('parent row');
INSERT INTO logs_2024 VALUES ('child row');
INSERT INTO items VALUES (1, 'live');
-- the child does not inherit the parent's primary key: the same id may be in both
INSERT INTO items_archived VALUES (1, 'archived', '2024-01-01'), (2, 'old', '2024-01-02');
-- partitions without a key, one of them partitioned again: the partitioned tables hold no rows, and are not tracked
CREATE TABLE events (id int NOT NULL, msg text NOT NULL) PARTITION BY RANGE (id);
CREATE TABLE events_low PARTITION OF events FOR VALUES FROM (0) TO (10);
CREATE TABLE events_high PARTITION OF events FOR VALUES FROM (10) TO (20) PARTITION BY RANGE (id);
CREATE TABLE events_high_a PARTITION OF events_high FOR VALUES FROM (10) TO (20);
INSERT INTO events VALUES (1, 'low'), (11, 'high');
`

/** Each table's own rows (ONLY), so that a row moved from a child to its parent shows. */
async function rows(): Promise<Record<string, string[]>> {
  return withPgClient(url, async (c) => {
    const own = async (sql: string) => (await c.query(sql)).rows.map((r) => Object.values(r).join('|')).sort()
    return {
      logs: await own('SELECT msg FROM ONLY logs'),
      logs_2024: await own('SELECT msg FROM ONLY logs_2024'),
      items: await own('SELECT id, name FROM ONLY items'),
      items_archived: await own('SELECT id, name, archived_at::text FROM ONLY items_archived'),
      events_low: await own('SELECT id, msg FROM events_low'),
      events_high_a: await own('SELECT id, msg FROM events_high_a'),
    }
  })
}

describe('snapshot rollback of tables with inheritance children', () => {
  let before: Record<string, string[]>
  beforeEach(async () => {
    await databases.create(DB, SCHEMA)
    before = await rows()
  })
  afterAll(() => databases.drop(DB))

  const journeys: Record<string, string> = {
    'an insert into a parent without a primary key': `INSERT INTO logs VALUES ('path row')`,
    'an update of a parent row whose key a child row has too': `UPDATE ONLY items SET name = 'changed' WHERE id = 1`,
    'a TRUNCATE of the parent (which empties the children too)': 'TRUNCATE logs, items',
    // A statement trigger fires on the table a statement names only: the keyless child's own never fired.
    'an update through the parent of a keyless child': `UPDATE logs SET msg = msg || ' changed'`,
    'a delete through the parent of a keyless child': 'DELETE FROM logs',
    'an insert into a partitioned table, routed to keyless partitions': `INSERT INTO events VALUES (2, 'new'), (12, 'new')`,
    'an update of a partitioned table, moving a row to another partition': `UPDATE events SET id = id + 10, msg = 'moved' WHERE id = 1`,
    'a delete from a partitioned table': 'DELETE FROM events',
    'a delete from a partition that is partitioned itself': 'DELETE FROM events_high',
  }
  for (const [what, sql] of Object.entries(journeys)) {
    it(`${what}: each table gets back its own rows, and keeps them after disconnect`, async () => {
      const backend = postgresState({ url })
      try {
        await backend.connect()
        await backend.checkpoint('start')
        await withPgClient(url, (c) => c.query(sql)) // the app, on a connection of its own
        expect(await rows()).not.toEqual(before)
        await backend.rollback('start')
        expect(await rows()).toEqual(before)
      } finally {
        await backend.disconnect()
      }
      expect(await rows()).toEqual(before)
    })
  }
})
