/**
 * What the snapshot backend needs of its user, and what it does without it: a privilege it lacks is named
 * at connect, with the GRANT that gives it, before anything is made, rather than a checkpoint, a rollback
 * or the disconnect failing halfway through the run. Without PROCESS (the app's open transactions cannot
 * be read from INNODB_TRX) the disconnect still waits for them, on MariaDB, by only trying its locks.
 */
import { StateError } from '@venomqa/core'
import { describeWithService } from '@venomqa/test-utils'
import type { Connection, RowDataPacket } from 'mysql2/promise'
import { afterAll, afterEach, beforeEach, expect, it } from 'vitest'
import { MysqlSnapshotBackend } from '../src'
import { HOST, PORT, admin, dbName, dropDatabase, freshDatabase, privateObjects } from './helpers'

const describe = await describeWithService('MariaDB', HOST, PORT)
const DB = dbName('privileges')
/** A user of this test process; it gets every right on the test database but those a test leaves out. */
const USER = dbName('grants')
const ACCOUNT = `'${USER}'@'%'`
const url = (lockWaitTimeoutMs?: number) => ({ url: `mysql://${USER}:pw-grants@${HOST}:${PORT}/${DB}`, ...(lockWaitTimeoutMs ? { lockWaitTimeoutMs } : {}) })

/** Every right on the database, PROCESS not among them (it is granted on the whole server only). */
const ALL_ON_DATABASE = ['SELECT', 'INSERT', 'UPDATE', 'DELETE', 'CREATE', 'DROP', 'ALTER', 'INDEX', 'LOCK TABLES', 'TRIGGER', 'REFERENCES']

async function asRoot(sql: string): Promise<void> {
  const root = await admin()
  try {
    await root.query(sql)
  } finally {
    await root.end()
  }
}

const names = async (app: Connection) => (await app.query<RowDataPacket[]>('SELECT name FROM users ORDER BY id'))[0].map((r) => r.name)

describe('the privileges of the snapshot backend’s user', () => {
  let app: Connection
  let backend: MysqlSnapshotBackend | undefined

  /** A fresh database whose app trigger runs as the test's user (another definer would need SUPER), and the user with `privileges` on it. */
  async function setUp(privileges: string[]): Promise<void> {
    await freshDatabase(DB, ['CREATE TABLE users (id INT AUTO_INCREMENT PRIMARY KEY, name VARCHAR(50) NOT NULL) ENGINE=InnoDB'])
    // Before the trigger: one whose definer lacks TRIGGER cannot fire.
    await asRoot(`INSERT INTO \`${DB}\`.users (name) VALUES ('ann');
      DROP USER IF EXISTS ${ACCOUNT}; CREATE USER ${ACCOUNT} IDENTIFIED BY 'pw-grants'; GRANT ${privileges.join(', ')} ON \`${DB}\`.* TO ${ACCOUNT};
      CREATE DEFINER = ${ACCOUNT} TRIGGER \`${DB}\`.users_named BEFORE INSERT ON \`${DB}\`.users FOR EACH ROW SET NEW.name = CONCAT(NEW.name, '!')`)
    app = await admin(DB)
  }

  beforeEach(() => {
    backend = undefined
  })
  afterEach(async () => {
    await backend?.disconnect().catch(() => undefined)
    await app?.end()
  })
  afterAll(async () => {
    await asRoot(`DROP USER IF EXISTS ${ACCOUNT}`)
    await dropDatabase(DB)
  })

  it('connect names every privilege it lacks, what for, and the GRANT that gives them, and makes nothing; that GRANT is enough', async () => {
    // Without DELETE, DROP and ALTER, connect used to succeed: the first checkpoint failed, a rollback failed
    // after putting the rows back (the counters could not be), and the disconnect left the triggers recording.
    await setUp(ALL_ON_DATABASE.filter((p) => !['DELETE', 'DROP', 'ALTER', 'TRIGGER'].includes(p)))
    backend = new MysqlSnapshotBackend(url())
    const error = await backend.connect().catch((e) => e)
    expect(error).toBeInstanceOf(StateError)
    expect(error.message).toBe(
      `state backend "mysql": user ${ACCOUNT} (of the url mysql://${USER}:***@${HOST}:${PORT}/${DB}) lacks privileges the snapshot backend needs on database "${DB}": ` +
        'DELETE (to take out the rows a path changed at a rollback), DROP (to drop its private tables at disconnect, and to TRUNCATE in reset()), ' +
        'ALTER (to set AUTO_INCREMENT counters back at a rollback), TRIGGER (to create its change-tracking triggers). ' +
        `Nothing was changed. As an administrator, run: GRANT DELETE, DROP, ALTER, TRIGGER ON \`${DB}\`.* TO ${ACCOUNT}`,
    )
    expect(await privateObjects(DB)).toEqual([])

    await asRoot(error.message.slice(error.message.indexOf('run: ') + 'run: '.length))
    backend = new MysqlSnapshotBackend(url())
    await backend.connect()
    await backend.checkpoint('start')
    await app.query("INSERT INTO users (name) VALUES ('bob')")
    await backend.rollback('start')
    await app.query("INSERT INTO users (name) VALUES ('cid')")
    // The counter went back with the rows: cid takes bob's id.
    expect((await app.query<RowDataPacket[]>('SELECT id, name FROM users ORDER BY id'))[0]).toEqual([
      { id: 1, name: 'ann' },
      { id: 2, name: 'cid!' },
    ])
    await backend.reset()
    await backend.disconnect()
    expect(await privateObjects(DB)).toEqual([])
  })

  it('without PROCESS: checkpoints and rollbacks work, and the disconnect waits for a transaction of the app still open, rather than break it as a deadlock', async () => {
    await setUp(ALL_ON_DATABASE)
    backend = new MysqlSnapshotBackend(url())
    await backend.connect()
    await backend.checkpoint('start')
    await app.query("INSERT INTO users (name) VALUES ('bob')")
    await backend.rollback('start')
    expect(await names(app)).toEqual(['ann'])
    // The app's transaction has read the tracked table and writes it 500 ms later. A disconnect that did
    // not wait, and asked for the table's lock meanwhile, stood in the way of that write: the server rolled
    // the app's transaction back as a deadlock.
    await app.query('BEGIN')
    await app.query('SELECT COUNT(*) FROM users')
    const committed = new Promise((r) => setTimeout(r, 500)).then(async () => {
      await app.query("INSERT INTO users (name) VALUES ('late')")
      await app.query('COMMIT')
    })
    const appOutcome = committed.then(
      () => 'committed',
      (e: Error) => e.message,
    )
    await backend.disconnect()
    expect(await appOutcome).toBe('committed')
    expect(await names(app)).toEqual(['ann', 'late!'])
    expect(await privateObjects(DB)).toEqual([])
    const [triggers] = await app.query<RowDataPacket[]>('SELECT TRIGGER_NAME AS n FROM information_schema.TRIGGERS WHERE TRIGGER_SCHEMA = ?', [DB])
    expect(triggers.map((r) => r.n)).toEqual(['users_named'])
  })

  it('without PROCESS, a transaction that outlasts lockWaitTimeoutMs: the disconnect fails saying what is left, and that it may not name the session', async () => {
    await setUp(ALL_ON_DATABASE)
    backend = new MysqlSnapshotBackend(url(500))
    await backend.connect()
    await app.query('BEGIN')
    await app.query('SELECT COUNT(*) FROM users')
    const error = await backend.disconnect().catch((e) => e)
    expect(error).toBeInstanceOf(StateError)
    expect(error.message).toMatch(
      new RegExp(
        `disconnect: after 500 ms \\(lockWaitTimeoutMs\\), a transaction of another session \\(user "${USER}" may not read information_schema\\.INNODB_TRX to name it: look in SHOW PROCESSLIST as a user who may\\) still held tracked tables of database "${DB}" .* so the change tracking is still installed: .*_venomqa_`,
      ),
    )
    // Only tried, the locks stood in nobody's way: the app's transaction goes on.
    await app.query("INSERT INTO users (name) VALUES ('late')")
    await app.query('COMMIT')
    expect(await names(app)).toEqual(['ann', 'late!'])
    // As the message says: a connect removes what was left.
    backend = new MysqlSnapshotBackend(url())
    await backend.connect()
    await backend.disconnect()
    expect(await privateObjects(DB)).toEqual([])
  })

  it('without LOCK TABLES, an app trigger that runs as another user: connect names LOCK TABLES with the rest, not SUPER alone', async () => {
    // The swap of this trigger locks its table first: that lock was refused, and the error said the user
    // needed SUPER to create a trigger running as root; granted SUPER, connect then failed on LOCK TABLES.
    await setUp(ALL_ON_DATABASE.filter((p) => p !== 'LOCK TABLES'))
    await asRoot(`CREATE DEFINER = 'root'@'localhost' TRIGGER \`${DB}\`.users_audit AFTER INSERT ON \`${DB}\`.users FOR EACH ROW SET @audited = NEW.id`)
    backend = new MysqlSnapshotBackend(url())
    const error = await backend.connect().catch((e) => e)
    expect(error).toBeInstanceOf(StateError)
    expect(error.message).toContain(
      "lacks privileges the snapshot backend needs on database " +
        `"${DB}": LOCK TABLES (to lock a table while the app's trigger on it is swapped`,
    )
    expect(error.message).toContain(`As an administrator, run: GRANT LOCK TABLES ON \`${DB}\`.* TO ${ACCOUNT}`)
    expect(error.message).not.toContain('SUPER')
    expect(await privateObjects(DB)).toEqual([])
  })

  it('LOCK TABLES is not asked for when no tracked table has an app trigger', async () => {
    await setUp(ALL_ON_DATABASE.filter((p) => p !== 'LOCK TABLES'))
    backend = new MysqlSnapshotBackend({ ...url(), exclude: ['users'] })
    await backend.connect()
    await backend.disconnect()
    expect(await privateObjects(DB)).toEqual([])
  })

  it('venomqa doctor (the health check) fails with the privileges connect would refuse, and passes once they are granted', async () => {
    // It only opened a connection: "mysql is healthy", then every run stopped at connect.
    await setUp(ALL_ON_DATABASE.filter((p) => !['DROP', 'LOCK TABLES'].includes(p)))
    const checked = new MysqlSnapshotBackend(url())
    const report = await checked.healthReport()
    expect(report).toBe(
      `state backend "mysql": user ${ACCOUNT} (of the url mysql://${USER}:***@${HOST}:${PORT}/${DB}) lacks privileges the snapshot backend needs on database "${DB}": ` +
        "DROP (to drop its private tables at disconnect, and to TRUNCATE in reset()), LOCK TABLES (to lock a table while the app's trigger on it is swapped for a copy that keeps quiet during a restore, and a sequence while its next value is taken). " +
        `Nothing was changed. As an administrator, run: GRANT DROP, LOCK TABLES ON \`${DB}\`.* TO ${ACCOUNT}`,
    )
    expect(await privateObjects(DB)).toEqual([])
    await asRoot(`GRANT DROP, LOCK TABLES ON \`${DB}\`.* TO ${ACCOUNT}`)
    expect(await checked.healthReport()).toBe(true)
  })
})
