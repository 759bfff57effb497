import { ConfigError, StateError, suggestionForError } from '@venomqa/core'
import { CLOSED_PORT, describeWithService } from '@venomqa/test-utils'
import type { Connection, RowDataPacket } from 'mysql2/promise'
import { afterAll, afterEach, beforeEach, expect, it } from 'vitest'
import { MysqlSnapshotBackend } from '../src'
import { HOST, PORT, admin, dbName, dropDatabase, dump, freshDatabase, privateObjects, urlFor } from './helpers'

const DB = dbName('unit')
const describe = await describeWithService('MariaDB', HOST, PORT)

/** Unusual shapes: composite keys, a self-referencing cascade, generated columns, id 0, a key that changes. */
const EDGE_SCHEMA = [
  `CREATE TABLE users (id INT AUTO_INCREMENT PRIMARY KEY, email VARCHAR(100) NOT NULL UNIQUE, name VARCHAR(100) NOT NULL)`,
  `CREATE TABLE todos (id INT AUTO_INCREMENT PRIMARY KEY, user_id INT NOT NULL, title VARCHAR(200) NOT NULL, done BOOLEAN NOT NULL DEFAULT FALSE,
     FOREIGN KEY (user_id) REFERENCES users(id) ON DELETE CASCADE)`,
  `CREATE TABLE comments (id INT AUTO_INCREMENT PRIMARY KEY, todo_id INT NOT NULL, text TEXT NOT NULL,
     FOREIGN KEY (todo_id) REFERENCES todos(id) ON DELETE CASCADE)`,
  `CREATE TABLE tags (todo_id INT NOT NULL, tag VARCHAR(50) NOT NULL, FOREIGN KEY (todo_id) REFERENCES todos(id) ON DELETE CASCADE)`,
  `CREATE TABLE memberships (user_id INT NOT NULL, team VARCHAR(30) NOT NULL, role VARCHAR(20) NOT NULL,
     title_len INT AS (CHAR_LENGTH(role)) VIRTUAL, PRIMARY KEY (user_id, team),
     FOREIGN KEY (user_id) REFERENCES users(id) ON DELETE CASCADE ON UPDATE CASCADE)`,
  `CREATE TABLE folders (id INT PRIMARY KEY, parent_id INT NULL, name VARCHAR(50) NOT NULL,
     FOREIGN KEY (parent_id) REFERENCES folders(id) ON DELETE CASCADE)`,
]

async function seed(conn: Connection) {
  await conn.query(`INSERT INTO users (id, email, name) VALUES (0, 'zero@x.io', 'Zero'), (1, 'a@x.io', 'A'), (2, 'b@x.io', 'B'), (3, 'c@x.io', 'C')`)
  await conn.query(`INSERT INTO todos (user_id, title) VALUES (1, 'one'), (2, 'two'), (0, 'zero')`)
  await conn.query(`INSERT INTO comments (todo_id, text) VALUES (1, 'c1'), (2, 'c2')`)
  await conn.query(`INSERT INTO tags (todo_id, tag) VALUES (1, 't1'), (2, 't2')`)
  await conn.query(`INSERT INTO memberships (user_id, team, role) VALUES (1, 'red', 'lead'), (2, 'red', 'dev'), (3, 'blue', 'ops')`)
  await conn.query(`INSERT INTO folders (id, parent_id, name) VALUES (1, NULL, 'root'), (2, 1, 'a'), (3, 2, 'a/b'), (4, NULL, 'other')`)
}

/** Rows that open checkpoints saved beside the base (checkpoint 0), in every private copy table. */
async function savedRows(database: string): Promise<number> {
  const conn = await admin(database)
  try {
    const [tables] = await conn.query<RowDataPacket[]>(
      `SELECT TABLE_NAME AS n FROM information_schema.TABLES WHERE TABLE_SCHEMA = ? AND TABLE_NAME LIKE '\\_venomqa\\_hist\\_%'`,
      [database],
    )
    let total = 0
    for (const { n } of tables) {
      const [rows] = await conn.query<RowDataPacket[]>(`SELECT COUNT(*) AS c FROM \`${n}\` WHERE \`_venomqa_cp\` <> 0`)
      total += Number(rows[0]!.c)
    }
    return total
  } finally {
    await conn.end()
  }
}

describe('MysqlSnapshotBackend', () => {
  let app: Connection
  let backend: MysqlSnapshotBackend

  beforeEach(async () => {
    await freshDatabase(DB, EDGE_SCHEMA)
    // The "app": a connection the backend knows nothing about, in autocommit mode, as a real app's pool.
    app = await admin(DB)
    await app.query("SET SESSION sql_mode = CONCAT(@@sql_mode, ',NO_AUTO_VALUE_ON_ZERO')")
    await seed(app)
    backend = new MysqlSnapshotBackend({ url: urlFor(DB) })
  })
  afterEach(async () => {
    await backend.disconnect()
    await app.end()
  })
  afterAll(() => dropDatabase(DB))

  it('restores composite keys, key updates, generated columns, id 0, and cascades through a self-reference and a table without a key', async () => {
    await backend.connect()
    await backend.checkpoint('cp')
    const atCheckpoint = await dump(DB)

    await app.query(`UPDATE users SET id = 7 WHERE id = 3`) // ON UPDATE CASCADE rewrites memberships' keys
    await app.query(`UPDATE memberships SET role = 'boss', team = 'green' WHERE user_id = 1`)
    await app.query(`DELETE FROM folders WHERE id = 1`) // cascades to 2, then 3, through the self-reference
    await app.query(`DELETE FROM todos WHERE id = 1`) // cascades to comments and to tags (no primary key)
    await app.query(`DELETE FROM users WHERE id = 0`)
    await app.query(`INSERT INTO folders (id, parent_id, name) VALUES (9, 4, 'other/x')`)
    const changed = await dump(DB)
    expect(changed.rows.folders).toEqual([{ id: 4, parent_id: null, name: 'other' }, { id: 9, parent_id: 4, name: 'other/x' }])
    expect(changed.rows.tags).toEqual([{ todo_id: 2, tag: 't2' }])

    await backend.rollback('cp')
    expect(await dump(DB)).toEqual(atCheckpoint)
  })

  it('keeps nested checkpoints apart; a rollback to the outer one drops the inner one and its saved rows', async () => {
    await backend.connect()
    await backend.checkpoint('outer')
    const outer = await dump(DB)
    await app.query(`INSERT INTO todos (user_id, title) VALUES (1, 'after outer')`)
    await app.query(`UPDATE users SET name = 'A2' WHERE id = 1`)
    await app.query(`DELETE FROM comments WHERE id = 2`) // saved by the inner checkpoint as "no such row"
    await app.query(`INSERT INTO tags (todo_id, tag) VALUES (1, 'before inner')`) // no key: saved whole
    await backend.checkpoint('inner')
    const inner = await dump(DB)
    expect(inner).not.toEqual(outer)
    expect(await savedRows(DB)).toBeGreaterThan(0)

    await app.query(`DELETE FROM users WHERE id = 1`)
    await app.query(`INSERT INTO tags (todo_id, tag) VALUES (2, 'inner path')`)
    await backend.rollback('inner')
    expect(await dump(DB)).toEqual(inner)

    await app.query(`INSERT INTO comments (todo_id, text) VALUES (2, 'again')`)
    await backend.rollback('outer')
    expect(await dump(DB)).toEqual(outer)

    // The inner checkpoint described a future that no longer happened: it is gone, and so are its saved rows.
    expect(backend.checkpoints).toEqual(['outer'])
    expect((await backend.rollback('inner').catch((e) => e)).message).toContain('no checkpoint "inner" (open: outer)')
    expect(await savedRows(DB)).toBe(0)

    // Taken again, it starts from the current state; taking the outer one again replaces both.
    await app.query(`INSERT INTO todos (user_id, title) VALUES (1, 'before the new inner')`)
    await backend.checkpoint('inner')
    const innerAgain = await dump(DB)
    await app.query(`DELETE FROM todos`)
    await backend.rollback('inner')
    expect(await dump(DB)).toEqual(innerAgain)
    await backend.checkpoint('outer')
    expect(backend.checkpoints).toEqual(['outer'])
    await app.query(`DELETE FROM todos`)
    await backend.rollback('outer')
    expect(await dump(DB)).toEqual(innerAgain)

    // With every checkpoint released, the next one starts from the current state (the base is brought up to date).
    await backend.release('outer')
    await app.query(`INSERT INTO users (email, name) VALUES ('later@x.io', 'Later')`)
    await backend.checkpoint('later')
    const later = await dump(DB)
    await app.query(`DELETE FROM users`)
    await backend.rollback('later')
    expect(await dump(DB)).toEqual(later)
  })

  it('DDL in a path: the rollback restores every other table, then fails naming the table, with advice of its own', async () => {
    await backend.connect()
    await backend.checkpoint('before-ddl')
    const atCheckpoint = await dump(DB)
    // A sign-up and other writes to tables whose shape stays, and DDL on another.
    await app.query(`INSERT INTO users (email, name) VALUES ('new@x.io', 'New'); UPDATE folders SET name = 'renamed'; DELETE FROM tags`)
    await app.query(`UPDATE todos SET title = 'changed'`)
    await app.query(`ALTER TABLE todos ADD COLUMN priority INT NOT NULL DEFAULT 0`)
    const error = await backend.rollback('before-ddl').catch((e) => e)
    expect(error).toBeInstanceOf(StateError)
    expect(error.message).toContain('rollback to "before-ddl": the schema changed since the checkpoint (table `todos`: column `priority` was added)')
    expect(error.message).toContain(
      'DDL inside a path cannot be rolled back by the snapshot backend, which restores rows, not the schema. Every other table was restored; table `todos` stays as the path left it',
    )
    // Its own advice, not the generic one for a state failure (check the connection and permissions).
    expect(suggestionForError(error)).toMatch(/^DDL inside a path cannot be rolled back by the snapshot backend\. Run the migrations .* before the first checkpoint/)
    // The next path can sign the same user up: every table the DDL left alone is back, its counter too.
    const after = await dump(DB)
    for (const table of ['users', 'comments', 'tags', 'memberships', 'folders']) {
      expect(after.rows[table], table).toEqual(atCheckpoint.rows[table])
      expect(after.autoIncrement[table], table).toEqual(atCheckpoint.autoIncrement[table])
    }
    expect(after.rows.todos!.map((r) => (r as { title: string }).title)).toEqual(['changed', 'changed', 'changed'])

    await app.query(`CREATE TABLE extra (id INT PRIMARY KEY)`)
    expect((await backend.rollback('before-ddl').catch((e) => e)).message).toContain('table `extra` was created')
  })

  it('disconnect waits for a transaction of the app still open at the end of the run, then removes the tracking and puts the app’s triggers back', async () => {
    await app.query("CREATE TRIGGER users_named BEFORE INSERT ON users FOR EACH ROW SET NEW.name = CONCAT(NEW.name, '!')")
    await backend.connect()
    await backend.checkpoint('cp')
    // The app's transaction has read a tracked table and writes it 500 ms later. A disconnect that asked
    // for the table's lock meanwhile stood in the way of that write: the server rolled the app's
    // transaction back as a deadlock, or the disconnect timed out and left the tracking half removed.
    await app.query('BEGIN')
    await app.query('SELECT COUNT(*) FROM users')
    const committed = new Promise((r) => setTimeout(r, 500)).then(async () => {
      await app.query(`INSERT INTO users (email, name) VALUES ('late@x.io', 'Late')`)
      await app.query('COMMIT')
    })
    await backend.disconnect()
    await committed
    expect(await privateObjects(DB)).toEqual([])
    const conn = await admin(DB)
    try {
      const [triggers] = await conn.query<RowDataPacket[]>('SELECT TRIGGER_NAME AS n FROM information_schema.TRIGGERS WHERE TRIGGER_SCHEMA = ?', [DB])
      expect(triggers.map((r) => r.n)).toEqual(['users_named'])
      // The app's transaction was waited for, not broken.
      expect((await dump(DB)).rows.users).toContainEqual({ id: 4, email: 'late@x.io', name: 'Late!' })
    } finally {
      await conn.end()
    }
  })

  it('disconnect fails loudly, saying what is left and how to remove it, when the transaction outlasts lockWaitTimeoutMs', async () => {
    const error = await disconnectWhileTheAppReads()
    expect(error.message).toMatch(
      /disconnect: after 500 ms \(lockWaitTimeoutMs\), a transaction of another session \(thread \d+ .*\) still held tracked tables of database .* so the change tracking is still installed: .*_venomqa_.*Its triggers go on recording every write of the app\. Once that transaction has ended \(or after KILL \d+\), connect a snapshot backend to the database again: its connect removes them/,
    )
    await app.query('COMMIT')
    expect(await privateObjects(DB)).not.toEqual([])
    await removedByTheNextConnect()
  })

  it('names the session holding the tables even while another session polls INNODB_TRX, whose cache then stays as it was', async () => {
    // The server refreshes INNODB_TRX only once nobody read it for 100 ms: a session reading it every 20 ms
    // from before the app's transaction began keeps it showing none (a backend of another run waiting for
    // transactions to end does the same). The disconnect named nobody, "a transaction of another session".
    const poller = await admin(DB)
    let polling = true
    const polled = (async () => {
      while (polling) {
        await poller.query('SELECT COUNT(*) FROM information_schema.INNODB_TRX')
        await new Promise((r) => setTimeout(r, 20))
      }
    })()
    try {
      const error = await disconnectWhileTheAppReads()
      expect(error.message).toMatch(/a transaction of another session \(thread \d+ .*\) still held tracked tables .*\(or after KILL \d+\)/)
    } finally {
      polling = false
      await polled
      await poller.end()
      await app.query('COMMIT')
    }
    await removedByTheNextConnect()
  })

  /** A disconnect (lockWaitTimeoutMs 500) while the app's transaction has read a tracked table and stays open: the error it fails with. */
  async function disconnectWhileTheAppReads(): Promise<StateError> {
    backend = new MysqlSnapshotBackend({ url: urlFor(DB), lockWaitTimeoutMs: 500 })
    await backend.connect()
    await app.query('BEGIN')
    await app.query('SELECT COUNT(*) FROM users')
    const error = await backend.disconnect().catch((e) => e)
    expect(error).toBeInstanceOf(StateError)
    return error
  }

  /** As the message says: the next snapshot backend's connect removes the tracking left behind. */
  async function removedByTheNextConnect(): Promise<void> {
    backend = new MysqlSnapshotBackend({ url: urlFor(DB) })
    await backend.connect()
    await backend.disconnect()
    expect(await privateObjects(DB)).toEqual([])
  }

  it('picks up a schema change made while no checkpoint is open', async () => {
    await backend.connect()
    await app.query(`CREATE TABLE notes (id INT AUTO_INCREMENT PRIMARY KEY, body TEXT)`)
    await backend.checkpoint('cp')
    expect(backend.trackedTables).toContain('notes')
    const atCheckpoint = await dump(DB)
    await app.query(`INSERT INTO notes (body) VALUES ('new table, tracked')`)
    await backend.rollback('cp')
    expect(await dump(DB)).toEqual(atCheckpoint)
  })

  it('cleans up a crashed run on the next connect, saying so, and refuses a second run on the same database', async () => {
    const notices: string[] = []
    backend.onNotice = (m) => notices.push(m)
    await backend.connect()
    // Nothing was left before this run: nothing to say.
    expect([notices, backend.cleanedLeftovers]).toEqual([[], false])
    await backend.checkpoint('cp')
    const second = new MysqlSnapshotBackend({ url: urlFor(DB), name: 'second' })
    const busy = await second.connect().catch((e) => e)
    expect(busy).toBeInstanceOf(StateError)
    expect(busy.message).toContain(`another VenomQA run is using database "${DB}"`)

    // A crash: the connection dies without disconnect(); its triggers and copies stay behind.
    expect(await privateObjects(DB)).toContain('_venomqa_hist_users')
    await killLockHolder()
    backend = new MysqlSnapshotBackend({ url: urlFor(DB) })
    backend.onNotice = (m) => notices.push(m)
    await waitFor(async () => (await backend.connect().then(() => true, () => false)))
    // Said once, as the PostgreSQL backend says it: the crashed run's writes may still be in the app's data.
    expect(backend.cleanedLeftovers).toBe(true)
    expect(notices).toEqual([
      `database "${DB}" on mysql://root@127.0.0.1:3306/${DB} held the change tracking of an earlier run that did not remove it (killed, quit, or its disconnect failed): removed. What that run wrote after its first checkpoint may not have been rolled back, and is then still in the app's data.`,
    ])
    // The crashed run's copies are gone: this run starts with empty copy tables.
    const root = await admin(DB)
    const [rows] = await root.query<RowDataPacket[]>('SELECT COUNT(*) AS n FROM `_venomqa_hist_users`')
    await root.end()
    expect(Number(rows[0]!.n)).toBe(0)
    await backend.disconnect()
    expect(await privateObjects(DB)).toEqual([])
  })

  it('reset() empties the tracked tables and restarts AUTO_INCREMENT; a rollback brings everything back', async () => {
    await backend.connect()
    await backend.checkpoint('full')
    const full = await dump(DB)
    await backend.reset()
    const empty = await dump(DB)
    for (const rows of Object.values(empty.rows)) expect(rows).toEqual([])
    expect(empty.autoIncrement).toMatchObject({ users: '1', todos: '1', comments: '1' })
    await app.query(`INSERT INTO users (email, name) VALUES ('fresh@x.io', 'Fresh')`)
    expect((await dump(DB)).rows.users).toEqual([{ id: 1, email: 'fresh@x.io', name: 'Fresh' }])
    await backend.rollback('full')
    expect(await dump(DB)).toEqual(full)
  })

  it('observe() counts the rows of each tracked table; tables and exclude choose them', async () => {
    await backend.connect()
    expect(await backend.observe()).toEqual({ comments: 2, folders: 4, memberships: 3, tags: 2, todos: 3, users: 4 })
    await backend.disconnect()

    backend = new MysqlSnapshotBackend({ url: urlFor(DB), exclude: ['folders', 'tags'] })
    await backend.connect()
    expect(backend.trackedTables).toEqual(['comments', 'memberships', 'todos', 'users'])
    await backend.checkpoint('cp')
    await app.query(`INSERT INTO folders (id, name) VALUES (50, 'untracked')`)
    await backend.rollback('cp')
    expect((await dump(DB)).rows.folders).toContainEqual({ id: 50, parent_id: null, name: 'untracked' })
    await backend.disconnect()

    backend = new MysqlSnapshotBackend({ url: urlFor(DB), tables: ['users', 'nope'] })
    const error = await backend.connect().catch((e) => e)
    expect(error).toBeInstanceOf(ConfigError)
    expect(error.message).toContain(`"nope" in \`tables\` is not a table of database "${DB}"`)
    expect(error.where).toBe('tables[1]')
    expect(await privateObjects(DB)).toEqual([])
  })

  it('says what is wrong when rolling back to a checkpoint that does not exist, or before connect', async () => {
    const early = await backend.checkpoint('x').catch((e) => e)
    expect(early).toBeInstanceOf(StateError)
    expect(early.message).toContain('not connected')
    await backend.connect()
    await backend.checkpoint('a')
    const error = await backend.rollback('b').catch((e) => e)
    expect(error.message).toContain('no checkpoint "b" (open: a)')
  })
})

describe('MysqlSnapshotBackend errors', () => {
  it('names the unreachable server, with the password masked', async () => {
    const port = CLOSED_PORT
    const backend = new MysqlSnapshotBackend({ url: `mysql://root:s3cret-pw@127.0.0.1:${port}/venomqa_my_none` })
    const error = await backend.connect().catch((e) => e)
    expect(error).toBeInstanceOf(StateError)
    expect(error.message).toBe(
      `state backend "mysql": cannot connect to mysql://root:***@127.0.0.1:${port}/venomqa_my_none: connection refused at 127.0.0.1:${port} (is MySQL/MariaDB running there?)`,
    )
    expect(error.message).not.toContain('s3cret')
    expect(await backend.healthCheck()).toBe(false)
    // What `venomqa doctor` prints: the reason, the password masked.
    expect(await backend.healthReport()).toBe(error.message)
  })

  it('names a database that does not exist', async () => {
    const backend = new MysqlSnapshotBackend({ url: urlFor(dbName('missing')) })
    const error = await backend.connect().catch((e) => e)
    expect(error.message).toContain(`database "${dbName('missing')}" does not exist`)
  })

  it('names the missing TRIGGER privilege, with the GRANT that gives it, and leaves nothing behind', async () => {
    const db = dbName('priv')
    const user = dbName('limited')
    await freshDatabase(db)
    const root = await admin()
    try {
      await root.query(`DROP USER IF EXISTS '${user}'@'%'`)
      await root.query(`CREATE USER '${user}'@'%' IDENTIFIED BY 'pw-limited'`)
      await root.query(`GRANT SELECT, INSERT, UPDATE, DELETE, CREATE, DROP, ALTER ON \`${db}\`.* TO '${user}'@'%'`)
      const backend = new MysqlSnapshotBackend({ url: `mysql://${user}:pw-limited@${HOST}:${PORT}/${db}` })
      const error = await backend.connect().catch((e) => e)
      expect(error).toBeInstanceOf(StateError)
      expect(error.message).toMatch(new RegExp(`user '${user}'@'%' \\(of the url mysql://${user}:\\*\\*\\*@.*\\) lacks privileges the snapshot backend needs on database "${db}": TRIGGER \\(`))
      expect(error.message).toContain(`GRANT TRIGGER ON \`${db}\`.* TO '${user}'@'%'`)
      expect(error.message).not.toContain('pw-limited')
      expect(await privateObjects(db)).toEqual([])
      // The server answers, but `venomqa doctor` (the health report) says what connect refused.
      expect(await backend.healthCheck()).toBe(true)
      expect(await backend.healthReport()).toBe(error.message)
    } finally {
      await root.query(`DROP USER IF EXISTS '${user}'@'%'`)
      await root.end()
      await dropDatabase(db)
    }
  })
})

/** Kill, from the server side, the connection that holds the run lock: a crash, as the server sees it. */
async function killLockHolder() {
  const root = await admin()
  try {
    const [rows] = await root.query<RowDataPacket[]>('SELECT IS_USED_LOCK(?) AS id', [`venomqa_state:${DB}`])
    expect(rows[0]?.id).toBeTruthy()
    await root.query(`KILL ${Number(rows[0]!.id)}`)
  } finally {
    await root.end()
  }
}

async function waitFor(fn: () => Promise<boolean>, timeoutMs = 5000) {
  const deadline = Date.now() + timeoutMs
  while (!(await fn())) {
    if (Date.now() > deadline) throw new Error('condition not met in time')
    await new Promise((r) => setTimeout(r, 50))
  }
}
