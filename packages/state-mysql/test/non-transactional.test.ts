/**
 * Tables of an engine without transactions (MyISAM, Aria, MEMORY). The change tracking records a write in
 * an InnoDB log, in the app's transaction: when the app rolls that transaction back (a request that fails
 * half-way), the mark goes with it, but the MyISAM row stays. The rollback never saw the row, which then
 * stayed for every later path and after the run. And no transaction undoes a restore of theirs that fails
 * after it began: the table is left emptied, which must be said, and not saved by a later checkpoint.
 */
import { StateError } from '@venomqa/core'
import { describeWithService } from '@venomqa/test-utils'
import { afterAll, beforeAll, expect, it } from 'vitest'
import { MysqlSnapshotBackend } from '../src/index'
import { HOST, PORT, admin, rowsOf, sqlOn } from './helpers'

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

  it('a rollback that fails after it emptied a table without transactions names it and says the database is dirty; no checkpoint passes until a rollback restores it', async () => {
    const before = await state()
    const backend = new MysqlSnapshotBackend({ url, lockWaitTimeoutMs: 1000 })
    // Another session, holding the saved rows of `visits`: the restore reads them only after it emptied the
    // table (DELETE, then INSERT ... SELECT), so it fails half way through `visits`, as a lost connection or
    // a full disk would.
    const other = await admin(DB)
    try {
      await backend.connect()
      await backend.checkpoint('start')
      await sql(`INSERT INTO orders (item) VALUES ('pen'); INSERT INTO hits (path) VALUES ('/b'); INSERT INTO visits VALUES ('/b'); INSERT INTO sessions VALUES ('t2')`)
      const written = await state()
      await other.query('START TRANSACTION; SELECT COUNT(*) FROM _venomqa_hist_visits FOR UPDATE')
      const err = await backend.rollback('start').then(
        () => undefined,
        (e: unknown) => e,
      )
      expect(err).toBeInstanceOf(StateError)
      expect((err as Error).message).toMatch(
        /rollback to "start" failed while it restored table `visits`, of an engine without transactions \(MyISAM, Aria, MEMORY\), whose rows no transaction can put back: it may be left emptied or half restored, and the database is dirty\. `hits`, `sessions`, of such engines too, were restored before it\. Every other table is as the path left it \(the restore's transaction was rolled back\)\. .*ER_LOCK_WAIT_TIMEOUT/,
      )
      const after = await state()
      expect(after.visits).toEqual([])
      expect(after.orders).toEqual(written.orders)
      expect({ hits: after.hits, sessions: after.sessions }).toEqual({ hits: before.hits, sessions: before.sessions })
      await other.query('ROLLBACK')
      // A checkpoint now would save `visits` emptied, and every later path would start from that, green.
      await expect(backend.checkpoint('later')).rejects.toThrow(
        /checkpoint "later": table `visits` \(rollback to "start"\), of an engine without transactions, was left emptied or half restored by a rollback that failed, so the database is dirty/,
      )
      expect(backend.checkpoints).toEqual(['start'])
      // A rollback that succeeds restores it whole: checkpoints are taken again.
      await backend.rollback('start')
      expect(await state()).toEqual(before)
      await backend.checkpoint('later')
      expect(backend.checkpoints).toEqual(['start', 'later'])
    } finally {
      await other.query('ROLLBACK').catch(() => undefined)
      await other.end()
      await backend.disconnect()
    }
    expect(await state()).toEqual(before)
  })
})
