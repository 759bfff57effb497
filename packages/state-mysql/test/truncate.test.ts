/**
 * TRUNCATE run by the app. It fires no trigger, so the change tracking never saw it: a rollback after a
 * path that truncated a table left it empty (its rows lost for every later path and after the run), and a
 * TRUNCATE on the main line, with no checkpoint open, left the saved copy of the table behind, so a later
 * rollback put truncated rows back. A TRUNCATE is seen by what it leaves: the table's InnoDB table id changes
 * (it is created anew), and its AUTO_INCREMENT counter starts over.
 */
import { describeWithService } from '@venomqa/test-utils'
import type { RowDataPacket } from 'mysql2/promise'
import { afterAll, beforeEach, expect, it } from 'vitest'
import { MysqlSnapshotBackend } from '../src/index'
import { HOST, PORT, rowsOf, sqlOn } from './helpers'

const describe = await describeWithService('MariaDB', HOST, PORT)
const DB = `venomqa_qaf_truncate_${process.pid}`
const url = `mysql://root@${HOST}:${PORT}/${DB}`

const SCHEMA = `
CREATE TABLE users (id INT AUTO_INCREMENT PRIMARY KEY, email VARCHAR(100) NOT NULL) ENGINE=InnoDB;
CREATE TABLE orders (id INT AUTO_INCREMENT PRIMARY KEY, user_id INT NOT NULL,
  FOREIGN KEY (user_id) REFERENCES users(id) ON DELETE CASCADE) ENGINE=InnoDB;
CREATE TABLE settings (k VARCHAR(20) PRIMARY KEY, v VARCHAR(20)) ENGINE=InnoDB;
CREATE TABLE hits (id INT AUTO_INCREMENT PRIMARY KEY, path VARCHAR(100)) ENGINE=MyISAM;
CREATE TABLE events (what VARCHAR(20)) ENGINE=InnoDB;
INSERT INTO users (email) VALUES ('a@x'), ('b@x');
INSERT INTO orders (user_id) VALUES (1), (2);
INSERT INTO settings VALUES ('theme', 'dark'), ('lang', 'en');
INSERT INTO hits (path) VALUES ('/'), ('/a');
INSERT INTO events VALUES ('signup'), ('login');
`

const sql = (query: string, database: string | null = DB) => sqlOn(database, query)

/** Every row of every table, and each AUTO_INCREMENT counter. */
async function state(): Promise<Record<string, unknown>> {
  const out: Record<string, unknown> = await rowsOf(DB, ['users', 'orders', 'settings', 'hits', 'events'])
  const counters = (await sql(
    `SELECT TABLE_NAME AS t, AUTO_INCREMENT AS a FROM information_schema.TABLES WHERE TABLE_SCHEMA = '${DB}' AND AUTO_INCREMENT IS NOT NULL AND TABLE_NAME NOT LIKE '\\_venomqa%' ORDER BY 1`,
  )) as RowDataPacket[]
  out.counters = counters.map((r) => `${r.t}=${r.a}`)
  return out
}

describe('a TRUNCATE by the app', () => {
  let before: Record<string, unknown>
  beforeEach(async () => {
    await sql(`DROP DATABASE IF EXISTS ${DB}; CREATE DATABASE ${DB}`, null)
    await sql(SCHEMA)
    before = await state()
  })
  afterAll(() => sql(`DROP DATABASE IF EXISTS ${DB}`, null))

  const truncates: Record<string, string> = {
    'a table with an AUTO_INCREMENT key, and its child': 'SET FOREIGN_KEY_CHECKS = 0; TRUNCATE orders; TRUNCATE users; SET FOREIGN_KEY_CHECKS = 1',
    'a table with a key of its own (no counter)': 'TRUNCATE settings',
    'a MyISAM table': 'TRUNCATE hits',
    'a table without a primary key': 'TRUNCATE events',
  }
  for (const [what, truncate] of Object.entries(truncates)) {
    it(`in a path, of ${what}: the rollback puts every row back`, async () => {
      const backend = new MysqlSnapshotBackend({ url })
      try {
        await backend.connect()
        await backend.checkpoint('start')
        await sql(truncate) // the app, on a connection of its own
        await sql(`INSERT INTO users (email) VALUES ('c@x'); INSERT INTO hits (path) VALUES ('/b'); INSERT INTO events VALUES ('new')`)
        expect(await state()).not.toEqual(before)
        await backend.rollback('start')
        expect(await state()).toEqual(before)
        // and again, from a nested checkpoint taken after the TRUNCATE
        await sql(truncate)
        const truncated = await state()
        await backend.checkpoint('inner')
        await sql(`INSERT INTO users (email) VALUES ('d@x'); INSERT INTO settings VALUES ('tz', 'utc'); INSERT INTO hits (path) VALUES ('/c')`)
        await backend.rollback('inner')
        expect(await state()).toEqual(truncated)
        await backend.rollback('start')
        expect(await state()).toEqual(before)
      } finally {
        await backend.disconnect()
      }
      expect(await state()).toEqual(before)
    })
  }

  it('in a path, of a table whose name the server writes encoded (`app-settings` is app@002dsettings): the rollback puts every row back', async () => {
    await sql("CREATE TABLE `app-settings` (k VARCHAR(20) PRIMARY KEY, v VARCHAR(20)) ENGINE=InnoDB; INSERT INTO `app-settings` VALUES ('theme', 'dark'), ('lang', 'en')")
    const rows = async () => ((await sql('SELECT * FROM `app-settings` ORDER BY 1')) as RowDataPacket[]).map((r) => `${r.k}=${r.v}`)
    const backend = new MysqlSnapshotBackend({ url })
    try {
      await backend.connect()
      await backend.checkpoint('start')
      await sql('TRUNCATE `app-settings`') // no AUTO_INCREMENT: only its table id tells
      expect(await rows()).toEqual([])
      await backend.rollback('start')
      expect(await rows()).toEqual(['lang=en', 'theme=dark'])
    } finally {
      await backend.disconnect()
    }
  })

  it('in a path, of a partitioned table (listed once per partition, `parts#P#p0`): the rollback puts every row back', async () => {
    await sql("CREATE TABLE parts (k VARCHAR(20) PRIMARY KEY) ENGINE=InnoDB PARTITION BY KEY (k) PARTITIONS 3; INSERT INTO parts VALUES ('a'), ('b'), ('c'), ('d')")
    const rows = async () => ((await sql('SELECT k FROM parts ORDER BY 1')) as RowDataPacket[]).map((r) => r.k)
    const backend = new MysqlSnapshotBackend({ url })
    try {
      await backend.connect()
      await backend.checkpoint('start')
      await sql('TRUNCATE parts') // no AUTO_INCREMENT: only its partitions' table ids tell
      expect(await rows()).toEqual([])
      await backend.rollback('start')
      expect(await rows()).toEqual(['a', 'b', 'c', 'd'])
    } finally {
      await backend.disconnect()
    }
  })

  it('on the main line with no checkpoint open: a later rollback does not bring the truncated rows back', async () => {
    const backend = new MysqlSnapshotBackend({ url })
    try {
      await backend.connect()
      await backend.checkpoint('first')
      await backend.release('first')
      await sql('SET FOREIGN_KEY_CHECKS = 0; TRUNCATE orders; TRUNCATE users; TRUNCATE settings; TRUNCATE events; SET FOREIGN_KEY_CHECKS = 1')
      const truncated = await state()
      await backend.checkpoint('second')
      // id 1 again: the counter started over
      await sql(`INSERT INTO users (email) VALUES ('new@x'); INSERT INTO settings VALUES ('theme', 'light'); INSERT INTO events VALUES ('x')`)
      await backend.rollback('second')
      expect(await state()).toEqual(truncated)
    } finally {
      await backend.disconnect()
    }
  })
})
