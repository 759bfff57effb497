/**
 * The snapshot backend's DDL (creating and dropping its triggers, swapping the app's, setting counters back,
 * TRUNCATE) needs a table's exclusive metadata lock, which a transaction of the app keeps until it ends.
 * Waited for, that lock request stands in the way of the app's next statement on the table, and MariaDB
 * rolls back the app's transaction as a deadlock: the app loses its writes. On MariaDB the backend only
 * tries such locks (lock_wait_timeout = 0), again and again until lockWaitTimeoutMs, and then fails naming
 * the session, the app's transaction untouched.
 */
import { StateError } from '@venomqa/core'
import { describeWithService } from '@venomqa/test-utils'
import type { Connection, RowDataPacket } from 'mysql2/promise'
import { afterAll, afterEach, beforeEach, expect, it } from 'vitest'
import { MysqlSnapshotBackend } from '../src'
import { HOST, PORT, admin, dbName, dropDatabase, freshDatabase, privateObjects, urlFor } from './helpers'

const describe = await describeWithService('MariaDB', HOST, PORT)
const DB = dbName('apptx')

const SCHEMA = [
  'CREATE TABLE users (id INT AUTO_INCREMENT PRIMARY KEY, name VARCHAR(50) NOT NULL) ENGINE=InnoDB',
  `CREATE TABLE todos (id INT AUTO_INCREMENT PRIMARY KEY, user_id INT NOT NULL, title VARCHAR(50) NOT NULL,
     FOREIGN KEY (user_id) REFERENCES users(id) ON DELETE CASCADE) ENGINE=InnoDB`,
  "INSERT INTO users (name) VALUES ('ann')",
  "INSERT INTO todos (user_id, title) VALUES (1, 'milk')",
]
/** An app trigger on a tracked table: the backend swaps it for a guarded copy, with the table locked. */
const APP_TRIGGER = "CREATE TRIGGER todos_marked BEFORE INSERT ON todos FOR EACH ROW SET NEW.title = CONCAT(NEW.title, '!')"

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

/** A request of the app under way: `outcome` resolves to 'committed', or to the code of the error that broke it. */
interface Request {
  outcome: Promise<string>
}

/**
 * A request of the app in one transaction: it signs bob up (a write to a tracked table), reads the todos,
 * and `afterMs` later adds bob's todo and commits. A lock request of the backend that waited meanwhile
 * stood in the way of that insert: ER_LOCK_DEADLOCK, and bob's sign-up rolled back with it.
 */
async function signUpWithTodo(app: Connection, afterMs = 300): Promise<Request> {
  await app.query('BEGIN')
  await app.query("INSERT INTO users (name) VALUES ('bob')")
  await app.query('SELECT COUNT(*) FROM todos')
  return { outcome: finishLater(app, afterMs, "INSERT INTO todos (user_id, title) VALUES (LAST_INSERT_ID(), 'bread')") }
}

/** A request that has only read the todos so far, and adds ann's todo `afterMs` later (a rollback waits for writers, not readers). */
async function readThenAddTodo(app: Connection, afterMs = 300): Promise<Request> {
  await app.query('BEGIN')
  await app.query('SELECT COUNT(*) FROM todos')
  return { outcome: finishLater(app, afterMs, "INSERT INTO todos (user_id, title) VALUES (1, 'bread')") }
}

async function finishLater(app: Connection, afterMs: number, write: string): Promise<string> {
  await sleep(afterMs)
  try {
    await app.query(write)
    await app.query('COMMIT')
    return 'committed'
  } catch (err) {
    await app.query('ROLLBACK').catch(() => undefined)
    return (err as { code?: string }).code ?? String(err)
  }
}

async function rows(conn: Connection, sql: string): Promise<unknown[]> {
  return (await conn.query<RowDataPacket[]>(sql))[0].map((r) => ({ ...r }))
}

const triggerNames = async (conn: Connection) =>
  (await conn.query<RowDataPacket[]>('SELECT TRIGGER_NAME AS n FROM information_schema.TRIGGERS WHERE TRIGGER_SCHEMA = ? ORDER BY 1', [DB]))[0].map((r) => String(r.n))

/** The server ends the backend's session (a restart, an idle timeout, a KILL), and its run lock with it. */
async function killBackendSession(conn: Connection): Promise<void> {
  const lock = `venomqa_state:${DB}`
  const [[holder]] = await conn.query<RowDataPacket[]>('SELECT IS_USED_LOCK(?) AS id', [lock])
  await conn.query(`KILL ${Number(holder!.id)}`)
  for (const deadline = Date.now() + 5000; ; await sleep(20)) {
    const [[now]] = await conn.query<RowDataPacket[]>('SELECT IS_USED_LOCK(?) AS id', [lock])
    if (now!.id === null) return
    if (Date.now() > deadline) throw new Error('the killed session kept its lock for 5 s')
  }
}

describe('MysqlSnapshotBackend and a transaction of the app that holds a table', () => {
  let app: Connection
  let backend: MysqlSnapshotBackend

  beforeEach(async () => {
    await freshDatabase(DB, SCHEMA)
    // The "app": a connection the backend knows nothing about.
    app = await admin(DB)
    backend = new MysqlSnapshotBackend({ url: urlFor(DB) })
  })
  afterEach(async () => {
    // Whatever a test left open ends here: an open transaction would hold up the next test's DROP DATABASE.
    await app.query('ROLLBACK').catch(() => undefined)
    await backend.disconnect().catch(() => undefined)
    await app.end()
  })
  afterAll(() => dropDatabase(DB))

  for (const appTrigger of [false, true]) {
    it(`connect ${appTrigger ? "swaps the app's trigger" : 'creates its triggers'} once the app's transaction has ended, without breaking it`, async () => {
      if (appTrigger) await app.query(APP_TRIGGER)
      const request = await signUpWithTodo(app)
      await backend.connect()
      expect(await request.outcome).toBe('committed')
      expect(await rows(app, 'SELECT u.name, t.title FROM todos t JOIN users u ON u.id = t.user_id ORDER BY t.id')).toEqual([
        { name: 'ann', title: 'milk' },
        { name: 'bob', title: appTrigger ? 'bread!' : 'bread' },
      ])
      // Connected for good: a path's writes are undone.
      await backend.checkpoint('cp')
      await app.query("INSERT INTO users (name) VALUES ('cid')")
      await backend.rollback('cp')
      expect(await rows(app, 'SELECT name FROM users ORDER BY id')).toEqual([{ name: 'ann' }, { name: 'bob' }])
    })
  }

  it('connect fails naming the session when its transaction outlasts lockWaitTimeoutMs, which goes on unharmed, and leaves nothing', async () => {
    backend = new MysqlSnapshotBackend({ url: urlFor(DB), lockWaitTimeoutMs: 500 })
    const request = await signUpWithTodo(app, 1500)
    const error = await backend.connect().catch((e) => e)
    expect(error).toBeInstanceOf(StateError)
    expect(error.message).toMatch(
      new RegExp(
        `^state backend "mysql": connect: after 500 ms \\(lockWaitTimeoutMs\\), a transaction of another session \\(thread \\d+ \\(root@[^)]+\\), its transaction open for \\d+ s, 1 row changed, Sleep\\) still held table \`todos\` of database "${DB}" on mysql://root@${HOST}:${PORT}/${DB} .*, whose change-tracking triggers are created with the table locked\\. .*end the session \\(KILL \\d+\\)\\.$`,
      ),
    )
    expect(await request.outcome).toBe('committed')
    expect(await privateObjects(DB)).toEqual([])
  })

  it("a checkpoint swaps an app trigger created since connect once the app's transaction has ended, without breaking it, and holds what it wrote", async () => {
    await backend.connect()
    // A first checkpoint, released: the next one with none open brings the copy of the tables up to date.
    await backend.checkpoint('first')
    await backend.release('first')
    // The app runs its schema script again: a trigger the backend has not swapped yet.
    await app.query(APP_TRIGGER)
    const request = await signUpWithTodo(app)
    await backend.checkpoint('cp')
    expect(await request.outcome).toBe('committed')
    expect(await triggerNames(app)).toContain('_venomqa_app_todos_marked')
    expect(await triggerNames(app)).not.toContain('todos_marked')
    // Bob signed up before the checkpoint was taken: he is part of it.
    await app.query("INSERT INTO todos (user_id, title) VALUES (1, 'eggs')")
    await backend.rollback('cp')
    expect(await rows(app, 'SELECT u.name, t.title FROM todos t JOIN users u ON u.id = t.user_id ORDER BY t.id')).toEqual([
      { name: 'ann', title: 'milk' },
      { name: 'bob', title: 'bread!' },
    ])
  })

  it('a checkpoint that cannot swap a new app trigger by lockWaitTimeoutMs fails naming the session, its transaction unharmed', async () => {
    backend = new MysqlSnapshotBackend({ url: urlFor(DB), lockWaitTimeoutMs: 500 })
    await backend.connect()
    await app.query(APP_TRIGGER)
    // A transaction that has only read the table: one with writes in flight is waited for before any swap,
    // and named for them (see in-flight.test.ts).
    const request = await readThenAddTodo(app, 1500)
    const error = await backend.checkpoint('cp').catch((e) => e)
    expect(error).toBeInstanceOf(StateError)
    expect(error.message).toMatch(
      /^state backend "mysql": checkpoint "cp": after 500 ms \(lockWaitTimeoutMs\), a transaction of another session \(thread \d+ .*\) still held table `todos` of database .*, where the app's trigger `todos_marked`, created since connect, is swapped for its guarded copy with the table locked\. /,
    )
    expect(await request.outcome).toBe('committed')
    // Nothing half done: the next checkpoint swaps it.
    await backend.checkpoint('cp')
    expect(await triggerNames(app)).toContain('_venomqa_app_todos_marked')
  })

  it("a rollback swaps an app trigger created under its checkpoint once the app's transaction has ended, without breaking it, and undoes what it wrote", async () => {
    await backend.connect()
    await backend.checkpoint('cp')
    await app.query(APP_TRIGGER)
    const request = await readThenAddTodo(app)
    const error = await backend.rollback('cp').catch((e) => e)
    expect(await request.outcome).toBe('committed')
    // A trigger created under a checkpoint is a path's DDL, which the rollback reports once it has restored the rows.
    expect(error).toBeInstanceOf(StateError)
    expect(error.message).toContain('table `todos`: trigger `todos_marked` was created')
    // The app's todo, committed while the rollback waited, was a change since the checkpoint like any other.
    expect(await rows(app, 'SELECT title FROM todos ORDER BY id')).toEqual([{ title: 'milk' }])
    expect(await triggerNames(app)).toContain('_venomqa_app_todos_marked')
  })

  it("a rollback sets a counter back once the app's transaction that read the table has ended, without breaking it", async () => {
    await backend.connect()
    await backend.checkpoint('cp')
    await app.query("INSERT INTO todos (user_id, title) VALUES (1, 'eggs')")
    const request = await readThenAddTodo(app)
    await backend.rollback('cp')
    expect(await request.outcome).toBe('committed')
    // The app's todo came after the restore had begun: the counter cannot go below it.
    expect(await rows(app, 'SELECT title FROM todos ORDER BY id')).toEqual([{ title: 'milk' }, { title: 'bread' }])
  })

  it("reset() truncates once the app's transaction that read the table has ended, without breaking it", async () => {
    await backend.connect()
    const request = await readThenAddTodo(app)
    await backend.reset()
    expect(await request.outcome).toBe('committed')
    expect(await rows(app, 'SELECT COUNT(*) AS n FROM todos')).toEqual([{ n: 0 }])
  })

  it("after its connection was lost, the disconnect removes the tracking once the app's transaction has ended, without breaking it", async () => {
    await app.query(APP_TRIGGER)
    await backend.connect()
    await backend.checkpoint('cp')
    await killBackendSession(app)
    const request = await signUpWithTodo(app)
    await backend.disconnect()
    expect(await request.outcome).toBe('committed')
    expect(await privateObjects(DB)).toEqual([])
    expect(await triggerNames(app)).toEqual(['todos_marked'])
    expect(await rows(app, 'SELECT u.name, t.title FROM todos t JOIN users u ON u.id = t.user_id ORDER BY t.id')).toEqual([
      { name: 'ann', title: 'milk' },
      { name: 'bob', title: 'bread!' },
    ])
  })

  it('after its connection was lost, a transaction that outlasts lockWaitTimeoutMs: the disconnect fails naming it and what is left', async () => {
    backend = new MysqlSnapshotBackend({ url: urlFor(DB), lockWaitTimeoutMs: 500 })
    await backend.connect()
    await killBackendSession(app)
    const request = await signUpWithTodo(app, 1500)
    const error = await backend.disconnect().catch((e) => e)
    expect(error).toBeInstanceOf(StateError)
    expect(error.message).toMatch(
      /disconnect: after 500 ms \(lockWaitTimeoutMs\), a transaction of another session \(thread \d+ .*\) still held tracked tables of database .* so the change tracking is still installed: .*_venomqa_/,
    )
    expect(await request.outcome).toBe('committed')
    backend = new MysqlSnapshotBackend({ url: urlFor(DB) })
    await backend.connect()
    await backend.disconnect()
    expect(await privateObjects(DB)).toEqual([])
  })
})
