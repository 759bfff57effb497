/**
 * Tables of an engine without transactions (MyISAM, Aria, MEMORY). The change tracking records a write in
 * an InnoDB log, in the app's transaction: when the app rolls that transaction back (a request that fails
 * half-way), the mark goes with it, but the MyISAM row stays. The rollback never saw the row, which then
 * stayed for every later path and after the run.
 */
import { describeWithService } from '@venomqa/test-utils'
import { afterAll, beforeAll, expect, it } from 'vitest'
import { MysqlSnapshotBackend } from '../src/index'
import { HOST, PORT, rowsOf, sqlOn } from './helpers'

const describe = await describeWithService('MariaDB', HOST, PORT)
const DB = `venomqa_qaf_myisam_${process.pid}`
const url = `mysql://root@${HOST}:${PORT}/${DB}`

const SCHEMA = `
CREATE TABLE orders (id INT AUTO_INCREMENT PRIMARY KEY, item VARCHAR(50) NOT NULL) ENGINE=InnoDB;
CREATE TABLE hits (id INT AUTO_INCREMENT PRIMARY KEY, path VARCHAR(100) NOT NULL) ENGINE=MyISAM;
CREATE TABLE visits (path VARCHAR(100) NOT NULL) ENGINE=Aria;
CREATE TABLE sessions (token VARCHAR(20) PRIMARY KEY) ENGINE=MEMORY;
INSERT INTO orders (item) VALUES ('book');
INSERT INTO hits (path) VALUES ('/'), ('/a');
INSERT INTO visits VALUES ('/');
INSERT INTO sessions VALUES ('t1');
`

const sql = (query: string, database: string | null = DB) => sqlOn(database, query)

async function state(): Promise<Record<string, unknown>> {
  return rowsOf(DB, ['orders', 'hits', 'visits', 'sessions'])
}

describe('tables of an engine without transactions', () => {
  beforeAll(async () => {
    await sql(`DROP DATABASE IF EXISTS ${DB}; CREATE DATABASE ${DB}`, null)
    await sql(SCHEMA)
  })
  afterAll(() => sql(`DROP DATABASE IF EXISTS ${DB}`, null))

  it('a write the app made in a transaction it rolled back is rolled back too', async () => {
    const before = await state()
    const backend = new MysqlSnapshotBackend({ url })
    try {
      await backend.connect()
      await backend.checkpoint('start')
      // the app: a request that writes, then fails and rolls its transaction back; MyISAM, Aria and MEMORY keep their rows
      await sql(
        `START TRANSACTION; INSERT INTO orders (item) VALUES ('pen'); INSERT INTO hits (path) VALUES ('/b'); UPDATE hits SET path = '/z' WHERE id = 1;
         INSERT INTO visits VALUES ('/b'); INSERT INTO sessions VALUES ('t2'); ROLLBACK`,
      )
      expect(await state()).not.toEqual(before)
      await backend.rollback('start')
      expect(await state()).toEqual(before)
      // under a nested checkpoint too
      await sql(`INSERT INTO hits (path) VALUES ('/c')`)
      const inner = await state()
      await backend.checkpoint('inner')
      await sql(`START TRANSACTION; INSERT INTO hits (path) VALUES ('/d'); DELETE FROM sessions; ROLLBACK`)
      await backend.rollback('inner')
      expect(await state()).toEqual(inner)
      await backend.rollback('start')
      expect(await state()).toEqual(before)
    } finally {
      await backend.disconnect()
    }
    expect(await state()).toEqual(before)
  })
})
