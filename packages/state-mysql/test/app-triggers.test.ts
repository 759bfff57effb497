import { StateError } from '@venomqa/core'
import { describeWithService } from '@venomqa/test-utils'
import mysql, { type Connection, type RowDataPacket } from 'mysql2/promise'
import { afterAll, afterEach, beforeEach, expect, it } from 'vitest'
import { MysqlSnapshotBackend, mysqlWorkers } from '../src'
import { SAVED_TRIGGERS, createAs, putBackAppTriggers, readAppTriggers } from '../src/app-triggers'
import { parseTarget } from '../src/connection'
import { MysqlCopier } from '../src/workers'
import { HOST, PORT, admin, dropDatabase, dump, freshDatabase, privateObjects, urlFor } from './helpers'

const DB = `venomqa_my_${process.pid}_triggers`
const describe = await describeWithService('MariaDB', HOST, PORT)

/**
 * An app whose own triggers write: a BEFORE INSERT that rewrites a value, audit triggers (one ending in a
 * comment, one a block with a DECLARE), and two AFTER INSERT triggers whose order matters. Spelled as apps
 * spell them (lower case, a quoted name, the order clause on a line of its own): a schema dump prints that
 * spelling, so it must come back too.
 */
const SCHEMA = [
  'CREATE TABLE items (id INT AUTO_INCREMENT PRIMARY KEY, title VARCHAR(100) NOT NULL)',
  'CREATE TABLE audit (id INT AUTO_INCREMENT PRIMARY KEY, what VARCHAR(100) NOT NULL)',
  "create trigger items_mark before insert on items for each row SET NEW.title = CONCAT(NEW.title, '!')",
  "CREATE TRIGGER items_added AFTER INSERT ON items FOR EACH ROW INSERT INTO audit (what) VALUES (CONCAT('+', NEW.id)) -- who added what",
  "CREATE TRIGGER `items_added_then`  AFTER INSERT ON items FOR EACH ROW\n  FOLLOWS items_added\n  INSERT INTO audit (what) VALUES (CONCAT('then ', NEW.id))",
  "CREATE TRIGGER items_removed AFTER DELETE ON items FOR EACH ROW BEGIN DECLARE gone INT DEFAULT OLD.id; INSERT INTO audit (what) VALUES (CONCAT('-', gone)); END",
]

/**
 * The app's triggers as the server describes them, in firing order, with the statement SHOW CREATE TRIGGER
 * prints (what mysqldump writes): what must come back unchanged.
 */
async function appTriggers(database: string): Promise<Record<string, unknown>[]> {
  const conn = await admin()
  try {
    const [rows] = await conn.query<RowDataPacket[]>(
      `SELECT TRIGGER_NAME, EVENT_OBJECT_TABLE, ACTION_TIMING, EVENT_MANIPULATION, ACTION_ORDER, ACTION_STATEMENT, DEFINER, SQL_MODE,
          CHARACTER_SET_CLIENT, COLLATION_CONNECTION
        FROM information_schema.TRIGGERS WHERE TRIGGER_SCHEMA = ? ORDER BY EVENT_OBJECT_TABLE, ACTION_TIMING, EVENT_MANIPULATION, ACTION_ORDER`,
      [database],
    )
    const described = []
    for (const r of rows) {
      const [shown] = await conn.query<RowDataPacket[]>(`SHOW CREATE TRIGGER \`${database}\`.\`${r.TRIGGER_NAME}\``)
      described.push({ ...r, statement: shown[0]!['SQL Original Statement'] })
    }
    return described
  } finally {
    await conn.end()
  }
}

describe('MysqlSnapshotBackend and the app’s own triggers', () => {
  let app: Connection
  let backend: MysqlSnapshotBackend
  let original: Record<string, unknown>[]

  beforeEach(async () => {
    await freshDatabase(DB, SCHEMA)
    // The "app": a connection the backend knows nothing about, in autocommit mode, as a real app's pool.
    app = await admin(DB)
    await app.query(`INSERT INTO items (title) VALUES ('a'), ('b')`)
    original = await appTriggers(DB)
    backend = new MysqlSnapshotBackend({ url: urlFor(DB) })
  })
  afterEach(async () => {
    await backend.disconnect()
    await app.end()
  })
  afterAll(() => dropDatabase(DB))

  it('a restore fires none of them; the app’s writes fire them as before; disconnect puts them back as they were', async () => {
    await backend.connect()
    await backend.checkpoint('cp')
    const atCheckpoint = await dump(DB)
    expect(atCheckpoint.rows.items).toEqual([
      { id: 1, title: 'a!' },
      { id: 2, title: 'b!' },
    ])

    await app.query(`INSERT INTO items (title) VALUES ('c')`)
    await app.query('DELETE FROM items WHERE id = 1')
    // While the backend is connected, the app's writes still fire every trigger, in their order.
    const during = await dump(DB)
    expect(during.rows.items).toEqual([
      { id: 2, title: 'b!' },
      { id: 3, title: 'c!' },
    ])
    expect(during.rows.audit!.slice(-3).map((r) => (r as { what: string }).what)).toEqual(['+3', 'then 3', '-1'])

    // The restore deletes item 3 and inserts item 1 again: no audit row for either, and 'a!' stays 'a!'.
    await backend.rollback('cp')
    expect(await dump(DB)).toEqual(atCheckpoint)

    await app.query(`INSERT INTO items (title) VALUES ('d')`)
    expect((await dump(DB)).rows.audit!.slice(-2).map((r) => (r as { what: string }).what)).toEqual(['+3', 'then 3'])

    await backend.disconnect()
    expect(await appTriggers(DB)).toEqual(original)
    expect(await privateObjects(DB)).toEqual([])
  })

  it('one the app creates again while a run is connected (its schema script run anew) is swapped at the next checkpoint', async () => {
    await backend.connect()
    await app.query('DROP TRIGGER IF EXISTS items_added')
    await app.query("CREATE TRIGGER items_added AFTER INSERT ON items FOR EACH ROW INSERT INTO audit (what) VALUES (CONCAT('v2 +', NEW.id))")
    await backend.checkpoint('cp')
    const atCheckpoint = await dump(DB)
    await app.query(`INSERT INTO items (title) VALUES ('c')`)
    // Fired once, as the app made it last: the copy of the old one is gone.
    const audit = (await dump(DB)).rows.audit!.map((r) => (r as { what: string }).what)
    expect(audit.slice(atCheckpoint.rows.audit!.length)).toEqual(['then 3', 'v2 +3'])
    // The restore inserts item 1 again: the new trigger is quiet for it too.
    await app.query('DELETE FROM items WHERE id = 1')
    await backend.rollback('cp')
    expect(await dump(DB)).toEqual(atCheckpoint)
    await backend.disconnect()
    const names = (await appTriggers(DB)).map((t) => t.TRIGGER_NAME)
    expect(names.sort()).toEqual(['items_added', 'items_added_then', 'items_mark', 'items_removed'])
    expect((await appTriggers(DB)).find((t) => t.TRIGGER_NAME === 'items_added')?.ACTION_STATEMENT).toContain('v2 +')
    expect(await privateObjects(DB)).toEqual([])
  })

  it('one the app creates between a checkpoint and its rollback is quiet for that restore, stays the app’s, and fails the rollback as DDL', async () => {
    await backend.connect()
    await backend.checkpoint('cp')
    const atCheckpoint = await dump(DB)
    // A path's DDL: a trigger that rewrites every inserted title, and one that audits every delete.
    await app.query("CREATE TRIGGER items_late BEFORE INSERT ON items FOR EACH ROW SET NEW.title = CONCAT(NEW.title, '?')")
    await app.query("CREATE TRIGGER items_late_gone AFTER DELETE ON items FOR EACH ROW INSERT INTO audit (what) VALUES (CONCAT('late -', OLD.id))")
    await app.query("INSERT INTO items (title) VALUES ('c')")
    await app.query('DELETE FROM items WHERE id = 1')
    expect((await dump(DB)).rows.items).toContainEqual({ id: 3, title: 'c!?' })

    // The restore deletes item 3 and inserts item 1 again: 'a!' stays 'a!', and no audit row is written. The
    // triggers are a path's DDL, which stays: the rollback says so once the rows are back.
    await expect(backend.rollback('cp')).rejects.toThrow(
      /the schema changed since the checkpoint \(table `items`: trigger `items_late` was created; table `items`: trigger `items_late_gone` was created\)\. DDL inside a path cannot be rolled back .*Every table was restored, but the triggers stay/,
    )
    expect(await dump(DB)).toEqual(atCheckpoint)
    // The app's own writes still fire them, in their order, and a second rollback is as quiet.
    await app.query("INSERT INTO items (title) VALUES ('d')")
    expect((await dump(DB)).rows.items).toContainEqual({ id: 3, title: 'd!?' })
    await app.query('DELETE FROM items WHERE id = 2')
    expect((await dump(DB)).rows.audit!.map((r) => (r as { what: string }).what)).toContain('late -2')
    await expect(backend.rollback('cp')).rejects.toThrow(/trigger `items_late` was created/)
    expect(await dump(DB)).toEqual(atCheckpoint)

    await backend.disconnect()
    const names = (await appTriggers(DB)).map((t) => t.TRIGGER_NAME)
    expect(names.sort()).toEqual(['items_added', 'items_added_then', 'items_late', 'items_late_gone', 'items_mark', 'items_removed'])
    expect(await privateObjects(DB)).toEqual([])
  })

  it('puts them back after a run that crashed, on the next connect', async () => {
    await backend.connect()
    await backend.checkpoint('cp')
    expect((await appTriggers(DB)).map((t) => t.TRIGGER_NAME)).not.toContain('items_added')

    // A crash, as the server sees it: the backend's connection is killed, with the copies in place.
    const root = await admin()
    const [held] = await root.query<RowDataPacket[]>('SELECT IS_USED_LOCK(?) AS id', [`venomqa_state:${DB}`])
    await root.query(`KILL ${Number(held[0]!.id)}`)
    await root.end()

    backend = new MysqlSnapshotBackend({ url: urlFor(DB) })
    const deadline = Date.now() + 5000
    while (!(await backend.connect().then(() => true, () => false))) {
      if (Date.now() > deadline) throw new Error('the killed connection kept its lock')
      await new Promise((r) => setTimeout(r, 50))
    }
    await backend.disconnect()
    expect(await appTriggers(DB)).toEqual(original)
    expect(await privateObjects(DB)).toEqual([])
  })

  it('a worker’s copy of the main rows fires none of the worker app’s triggers', async () => {
    const worker = `${DB}_w1`
    // A worker database whose app made the same schema, triggers included (mysqlWorkers' schema: 'app').
    await freshDatabase(worker, SCHEMA)
    const workerBackend = new MysqlSnapshotBackend({ url: urlFor(worker) })
    const copier = new MysqlCopier(parseTarget('test', urlFor(DB)), worker)
    try {
      await workerBackend.connect()
      await copier.copyRows()
      const main = await dump(DB)
      expect(main.rows.audit).toHaveLength(4)
      expect((await dump(worker)).rows).toEqual(main.rows)
    } finally {
      await copier.close()
      await workerBackend.disconnect()
      await dropDatabase(worker)
    }
  })

  it('a worker’s database gets the main rows, and the app’s triggers as the app wrote them, while the main backend runs their copies', async () => {
    const worker = `${DB}_w2`
    const workers = mysqlWorkers({ url: urlFor(DB), databaseName: () => worker })
    await backend.connect()
    const prepared = await workers.prepare(1, { baseUrl: 'http://127.0.0.1:1', ports: new Map(), stateBackends: [backend] })
    try {
      // The rows copied in fired none of the triggers copied with the tables: `a!` is not `a!!`, no audit row doubled.
      expect((await dump(worker)).rows).toEqual((await dump(DB)).rows)
      const fields = ['TRIGGER_NAME', 'EVENT_OBJECT_TABLE', 'ACTION_TIMING', 'EVENT_MANIPULATION', 'ACTION_ORDER', 'ACTION_STATEMENT', 'DEFINER', 'SQL_MODE']
      const pick = (t: Record<string, unknown>) => Object.fromEntries(fields.map((k) => [k, t[k]]))
      expect((await appTriggers(worker)).map(pick)).toEqual(original.map(pick))
      // The worker's app gets what the main one gets from them.
      const conn = await admin(worker)
      await conn.query(`INSERT INTO items (title) VALUES ('w')`)
      const [rows] = await conn.query<RowDataPacket[]>('SELECT title FROM items')
      const [audit] = await conn.query<RowDataPacket[]>('SELECT what FROM audit ORDER BY id')
      await conn.end()
      expect(rows.map((r) => r.title)).toEqual(['a!', 'b!', 'w!'])
      expect(audit.map((r) => r.what)).toEqual(['+1', 'then 1', '+2', 'then 2', '+3', 'then 3'])
    } finally {
      await prepared.close?.()
      await dropDatabase(worker)
    }
  })

  it('puts back, as written, triggers made without IGNORE_SPACE (the mysql client, most drivers) and one whose body starts with a quoted label; the table stays writable', async () => {
    const other = `${DB}_modes`
    const noIgnoreSpace = "SET SESSION sql_mode = 'STRICT_TRANS_TABLES,ERROR_FOR_DIVISION_BY_ZERO,NO_AUTO_CREATE_USER,NO_ENGINE_SUBSTITUTION'"
    await freshDatabase(other, [
      'CREATE TABLE notes (id INT AUTO_INCREMENT PRIMARY KEY, n INT NOT NULL DEFAULT 0)',
      noIgnoreSpace,
      'CREATE TRIGGER notes_mark BEFORE INSERT ON notes FOR EACH ROW SET NEW.n = NEW.n + 1',
      'CREATE TRIGGER notes_bump BEFORE UPDATE ON notes FOR EACH ROW\n  `bump`: BEGIN SET NEW.n = NEW.n + 10; END',
      // mysql2's own sql_mode (IGNORE_SPACE), and a body that starts with a quoted label.
      "SET SESSION sql_mode = 'IGNORE_SPACE,STRICT_TRANS_TABLES,ERROR_FOR_DIVISION_BY_ZERO,NO_AUTO_CREATE_USER,NO_ENGINE_SUBSTITUTION'",
      'CREATE TRIGGER notes_gone BEFORE DELETE ON notes FOR EACH ROW `gone`: BEGIN SET @gone = OLD.id; END',
    ])
    const before = await appTriggers(other)
    const otherBackend = new MysqlSnapshotBackend({ url: urlFor(other) })
    const conn = await admin(other)
    try {
      await otherBackend.connect()
      await otherBackend.checkpoint('cp')
      await conn.query('INSERT INTO notes () VALUES ()')
      await otherBackend.rollback('cp')
      await otherBackend.disconnect()
      const after = await appTriggers(other)
      // Each in its own words, the one with the quoted label too.
      expect(after).toEqual(before)
      expect(await privateObjects(other)).toEqual([])
      // The table's triggers can be read, and fire: a write to it works.
      await conn.query('INSERT INTO notes () VALUES ()')
      await conn.query('UPDATE notes SET n = n')
      await conn.query('DELETE FROM notes')
      const [[gone]] = await conn.query<RowDataPacket[]>('SELECT @gone AS id')
      expect(gone!.id).toBe(1)
    } finally {
      await conn.end()
      await otherBackend.disconnect()
      await dropDatabase(other)
    }
  })

  it('puts one back from its parts, in its place, when the server refuses its own words', async () => {
    await backend.connect()
    await backend.checkpoint('cp')
    // Words the server refuses (a table that is not there), for one of two triggers whose order matters.
    const [[added]] = await app.query<RowDataPacket[]>(`SELECT JSON_UNQUOTE(JSON_EXTRACT(saved, '$.body')) AS body FROM ${SAVED_TRIGGERS} WHERE name = 'items_added'`)
    await app.query(`UPDATE ${SAVED_TRIGGERS} SET saved = JSON_SET(saved, '$.statement', ?) WHERE name = 'items_added'`, [
      `CREATE TRIGGER items_added AFTER INSERT ON no_such_table FOR EACH ROW ${added!.body}`,
    ])
    await backend.disconnect()

    // The same triggers, in the same order, firing as before; that one spelled from its parts.
    const spelled = (ts: Record<string, unknown>[]) => ts.map((t) => (t.TRIGGER_NAME === 'items_added' ? { ...t, statement: undefined } : t))
    expect(spelled(await appTriggers(DB))).toEqual(spelled(original))
    expect(await privateObjects(DB)).toEqual([])
    await app.query(`INSERT INTO items (title) VALUES ('e')`)
    await app.query(`DELETE FROM items WHERE title = 'e!'`)
    const [audit] = await app.query<RowDataPacket[]>('SELECT what FROM audit ORDER BY id')
    expect(audit.slice(-3).map((r) => r.what)).toEqual(['+3', 'then 3', '-3'])
  })

  it('a lock held for a moment when a trigger comes back in its own words (InnoDB purge) fails that try, and the next one makes it in its own words, not from its parts', async () => {
    await backend.connect()
    // What the disconnect runs, on a connection whose first CREATE TRIGGER meets a lock only tried (lock_wait_timeout = 0).
    const conn = await admin(DB)
    let refused = 0
    const held = new Proxy(conn, {
      get: (target, key) =>
        key === 'query'
          ? (sql: string, ...rest: unknown[]) =>
              /^CREATE DEFINER/.test(sql) && refused++ === 0
                ? Promise.reject(Object.assign(new Error('Lock wait timeout exceeded; try restarting transaction'), { code: 'ER_LOCK_WAIT_TIMEOUT', errno: 1205 }))
                : (target.query as (...a: unknown[]) => unknown)(sql, ...rest)
          : Reflect.get(target, key),
    })
    try {
      // The try fails as a lock conflict, which the disconnect tries again (see retryLockConflicts).
      await expect(putBackAppTriggers(held, DB)).rejects.toMatchObject({ code: 'ER_LOCK_WAIT_TIMEOUT' })
      await putBackAppTriggers(held, DB)
      // Each in its own words (the backend's change-tracking triggers are still there, in the firing order).
      const words = (ts: Record<string, unknown>[]) => ts.filter((t) => !String(t.TRIGGER_NAME).startsWith('_venomqa_')).map((t) => [t.TRIGGER_NAME, t.statement])
      expect(words(await appTriggers(DB))).toEqual(words(original))
    } finally {
      await conn.end()
    }
    await backend.disconnect()
    expect(await appTriggers(DB)).toEqual(original)
    expect(await privateObjects(DB)).toEqual([])
  })

  it('finishes a put-back that failed halfway through a group on the next connect, every trigger in its place and its own words', async () => {
    await backend.connect()
    // The second of two triggers whose order matters cannot come back (words and parts both refused): the
    // put-back stops after the first, as it does when the connection is lost or a table lock is briefly held there.
    const kept = `SELECT CAST(saved AS CHAR) AS saved FROM ${SAVED_TRIGGERS} WHERE name = 'items_added_then'`
    const [[then]] = await app.query<RowDataPacket[]>(kept)
    await app.query(`UPDATE ${SAVED_TRIGGERS} SET saved = JSON_SET(saved, '$.statement', 'CREATE TRIGGER', '$.body', 'no such body') WHERE name = 'items_added_then'`)
    await expect(backend.disconnect()).rejects.toThrow(/ER_PARSE_ERROR/)
    const afterInsert = (await appTriggers(DB)).filter((t) => t.ACTION_TIMING === 'AFTER' && t.EVENT_MANIPULATION === 'INSERT' && t.EVENT_OBJECT_TABLE === 'items')
    expect(afterInsert.map((t) => t.TRIGGER_NAME).filter((n) => !/^_venomqa_(?!app_)/.test(String(n)))).toEqual(['_venomqa_app_items_added_then', 'items_added'])

    // Whatever failed is gone: the next connect finishes the job, the first one staying first.
    await app.query(`UPDATE ${SAVED_TRIGGERS} SET saved = ? WHERE name = 'items_added_then'`, [then!.saved])
    backend = new MysqlSnapshotBackend({ url: urlFor(DB) })
    await backend.connect()
    await backend.disconnect()
    expect(await appTriggers(DB)).toEqual(original)
    expect(await privateObjects(DB)).toEqual([])
    await app.query(`INSERT INTO items (title) VALUES ('e')`)
    const [audit] = await app.query<RowDataPacket[]>('SELECT what FROM audit ORDER BY id')
    expect(audit.slice(-2).map((r) => r.what)).toEqual(['+3', 'then 3'])
  })

  it('keeps a character outside the BMP (an emoji) in what a trigger writes: run as its copy, given to a worker, put back', async () => {
    const other = `${DB}_emoji`
    const worker = `${other}_w`
    // information_schema holds a trigger's body in utf8mb3, where 😀 reads as '?'.
    await freshDatabase(other, [
      'CREATE TABLE notes (id INT AUTO_INCREMENT PRIMARY KEY, n INT NOT NULL DEFAULT 0)',
      'CREATE TABLE said (id INT AUTO_INCREMENT PRIMARY KEY, what VARCHAR(20) CHARACTER SET utf8mb4 NOT NULL)',
      "CREATE TRIGGER notes_said AFTER INSERT ON notes FOR EACH ROW INSERT INTO said (what) VALUES ('café 😀')",
    ])
    const otherBackend = new MysqlSnapshotBackend({ url: urlFor(other) })
    const said = async (conn: Connection) => (await conn.query<RowDataPacket[]>('SELECT what FROM said ORDER BY id'))[0].map((r) => r.what)
    const conn = await admin(other)
    try {
      await otherBackend.connect()
      await conn.query('INSERT INTO notes () VALUES ()')
      expect(await said(conn)).toEqual(['café 😀'])
      // One the app adds to the group meanwhile: a worker gets it as it is, and both come back in their order.
      await conn.query("CREATE TRIGGER notes_more AFTER INSERT ON notes FOR EACH ROW INSERT INTO said (what) VALUES ('more 🎉')")
      const workers = mysqlWorkers({ url: urlFor(other), databaseName: () => worker })
      const prepared = await workers.prepare(1, { baseUrl: 'http://127.0.0.1:1', ports: new Map(), stateBackends: [otherBackend] })
      try {
        const inWorker = await admin(worker)
        await inWorker.query('INSERT INTO notes () VALUES ()')
        expect(await said(inWorker)).toEqual(['café 😀', 'café 😀', 'more 🎉'])
        await inWorker.end()
      } finally {
        await prepared.close?.()
        await dropDatabase(worker)
      }
      await otherBackend.disconnect()
      expect(await privateObjects(other)).toEqual([])
      expect((await appTriggers(other)).map((t) => t.TRIGGER_NAME)).toEqual(['notes_said', 'notes_more'])
      await conn.query('INSERT INTO notes () VALUES ()')
      expect(await said(conn)).toEqual(['café 😀', 'café 😀', 'more 🎉'])
    } finally {
      await conn.end()
      await otherBackend.disconnect()
      await dropDatabase(other)
    }
  })

  describe('kept exactly: definer, sql_mode, client character set, order, comments, a BEGIN...END body', () => {
    const other = `${DB}_exact`
    const definer = `venomqa_my_${process.pid}_def`
    /** An app connection in a client character set of its own (mysql2 encodes what it sends in it). */
    const appIn = (charset: string) => mysql.createConnection({ host: HOST, port: PORT, user: 'root', database: other, charset, multipleStatements: true })
    /** What the triggers write, as bytes: the same after a run as before it. */
    const written = async (conn: Connection) => (await conn.query<RowDataPacket[]>('SELECT HEX(what) AS h FROM audit ORDER BY id'))[0].map((r) => String(r.h))
    /** What an insert of item `id` makes them write, in their order, as UTF-8 bytes. */
    const auditOf = (id: number) => [`first ${id}`, `café \\ ${id}`, 'second!', `漢字ソ表 ${id}`].map((s) => Buffer.from(s).toString('hex').toUpperCase())

    beforeEach(async () => {
      await freshDatabase(other, [
        'CREATE TABLE items (id INT AUTO_INCREMENT PRIMARY KEY, title VARCHAR(100) NOT NULL)',
        'CREATE TABLE audit (id INT AUTO_INCREMENT PRIMARY KEY, what VARCHAR(100) CHARACTER SET utf8mb4 NOT NULL)',
        "CREATE TRIGGER items_first AFTER INSERT ON items FOR EACH ROW INSERT INTO audit (what) VALUES (CONCAT('first ', NEW.id))",
      ])
      const root = await admin()
      await root.query(`DROP USER IF EXISTS '${definer}'@'%'`)
      await root.query(`CREATE USER '${definer}'@'%'`)
      await root.query(`GRANT ALL PRIVILEGES ON \`${other}\`.* TO '${definer}'@'%'`)
      await root.end()
      // A client in EUC-JP (ujis), in lower case, with a comment before its body.
      const ujis = await appIn('UJIS_JAPANESE_CI')
      await ujis.query("create trigger items_third after insert on items for each row /* 漢字 */ insert into audit (what) values (concat('漢字ソ表 ', new.id))")
      await ujis.end()
      // Another definer, an sql_mode of its own, a latin1 client, an order clause, and a block of statements.
      const latin1 = await appIn('LATIN1_SWEDISH_CI')
      await latin1.query("SET SESSION sql_mode = 'ANSI_QUOTES,PIPES_AS_CONCAT,NO_BACKSLASH_ESCAPES'")
      await latin1.query(
        `CREATE DEFINER = "${definer}"@"%" TRIGGER "items_second" AFTER INSERT ON items FOR EACH ROW FOLLOWS items_first
  -- the café's own audit
  BEGIN
    DECLARE x VARCHAR(40) DEFAULT 'café \\ ' || NEW.id;
    INSERT INTO audit (what) VALUES (x);
    INSERT INTO audit (what) VALUES ('second' || '!'); -- done
  END`,
      )
      await latin1.end()
    })
    afterEach(async () => {
      const root = await admin()
      await root.query(`DROP USER IF EXISTS '${definer}'@'%'`)
      await root.end()
      await dropDatabase(other)
    })

    it('after a checkpoint, a rollback and the disconnect, SHOW CREATE TRIGGER reads as before, and they write the same bytes in the same order', async () => {
      const before = await appTriggers(other)
      expect(before.map((t) => [t.TRIGGER_NAME, t.ACTION_ORDER, t.DEFINER, t.CHARACTER_SET_CLIENT])).toEqual([
        ['items_first', 1, expect.stringMatching(/^root@/), 'utf8mb4'],
        ['items_second', 2, `${definer}@%`, 'latin1'],
        ['items_third', 3, expect.stringMatching(/^root@/), 'ujis'],
      ])
      const conn = await admin(other)
      const otherBackend = new MysqlSnapshotBackend({ url: urlFor(other) })
      try {
        await conn.query("INSERT INTO items (title) VALUES ('a')")
        expect(await written(conn)).toEqual(auditOf(1))
        await otherBackend.connect()
        await otherBackend.checkpoint('cp')
        await conn.query('DELETE FROM audit')
        await conn.query("INSERT INTO items (title) VALUES ('b')")
        // While connected, the app's writes fire them as before: the same bytes, in the same order.
        expect(await written(conn)).toEqual(auditOf(2))
        await otherBackend.rollback('cp')
        expect(await written(conn)).toEqual(auditOf(1))
        await otherBackend.disconnect()
        expect(await appTriggers(other)).toEqual(before)
        expect(await privateObjects(other)).toEqual([])
        await conn.query('DELETE FROM audit')
        await conn.query("INSERT INTO items (title) VALUES ('c')")
        expect(await written(conn)).toEqual(auditOf(2))
      } finally {
        await otherBackend.disconnect()
        await conn.end()
      }
    })

    it('come back in their own words and order when the app added one to their group during the run, which stays as the app wrote it', async () => {
      const before = await appTriggers(other)
      const conn = await admin(other)
      const otherBackend = new MysqlSnapshotBackend({ url: urlFor(other) })
      try {
        await otherBackend.connect()
        await otherBackend.checkpoint('cp')
        await conn.query("INSERT INTO items (title) VALUES ('a')")
        await otherBackend.rollback('cp')
        // After the last rollback: not swapped for a copy, it fires after theirs, in the group they come back to.
        const latin1 = await appIn('LATIN1_SWEDISH_CI')
        await latin1.query("create trigger items_fourth after insert on items for each row\n  /* added */ insert into audit (what) values ('fourth é')")
        await latin1.end()
        const [fourth] = (await appTriggers(other)).filter((t) => t.TRIGGER_NAME === 'items_fourth')
        await otherBackend.disconnect()
        expect(await appTriggers(other)).toEqual([...before, { ...fourth, ACTION_ORDER: 4 }])
        expect(await privateObjects(other)).toEqual([])
        await conn.query("INSERT INTO items (title) VALUES ('b')")
        expect(await written(conn)).toEqual([...auditOf(1), Buffer.from('fourth é').toString('hex').toUpperCase()])
      } finally {
        await otherBackend.disconnect()
        await conn.end()
      }
    })

    it('on a server that cannot prepare a CREATE TRIGGER (MySQL), one written in another character set is made from its UTF-8 text, in its collation, and writes the same', async () => {
      const conn = await admin(other)
      try {
        const [second] = (await readAppTriggers(conn, other, ['items'])).filter((t) => t.name === 'items_second')
        expect(second).toMatchObject({ charset: 'latin1', collation: 'latin1_swedish_ci' })
        await conn.query('DROP TRIGGER items_second')
        // The connection as MySQL answers it: PREPARE of a CREATE TRIGGER is refused.
        const refusing = new Proxy(conn, {
          get: (target, key) =>
            key === 'query'
              ? (sql: string, ...rest: unknown[]) =>
                  /^PREPARE /.test(sql)
                    ? Promise.reject(Object.assign(new Error('This command is not supported in the prepared statement protocol yet'), { code: 'ER_UNSUPPORTED_PS' }))
                    : (target.query as (...a: unknown[]) => unknown)(sql, ...rest)
              : Reflect.get(target, key),
        })
        await createAs(refusing, second!, second!.statement!)
        const [shown] = (await appTriggers(other)).filter((t) => t.TRIGGER_NAME === 'items_second')
        expect(shown).toMatchObject({ CHARACTER_SET_CLIENT: 'utf8mb4', COLLATION_CONNECTION: 'latin1_swedish_ci', DEFINER: `${definer}@%`, SQL_MODE: second!.sqlMode })
        await conn.query("INSERT INTO items (title) VALUES ('a')")
        expect((await written(conn)).sort()).toEqual(auditOf(1).sort())
        // The session is its own again: what it sends next reads as UTF-8.
        const [[back]] = await conn.query<RowDataPacket[]>("SELECT @@character_set_client AS cs, @@SESSION.sql_mode AS m, HEX('é') AS h")
        expect(back).toMatchObject({ cs: 'utf8mb4', h: 'C3A9' })
        expect(back!.m).not.toContain('ANSI_QUOTES')
      } finally {
        await conn.end()
      }
    })
  })

  it('refuses to connect when a trigger runs as a user it may not re-create it for, and changes nothing', async () => {
    const user = `venomqa_my_${process.pid}_trg`
    const root = await admin()
    try {
      await root.query(`DROP USER IF EXISTS '${user}'@'%'`)
      await root.query(`CREATE USER '${user}'@'%' IDENTIFIED BY 'pw-triggers'`)
      await root.query(`GRANT ALL PRIVILEGES ON \`${DB}\`.* TO '${user}'@'%'`)
      const limited = new MysqlSnapshotBackend({ url: `mysql://${user}:pw-triggers@${HOST}:${PORT}/${DB}` })
      const error = await limited.connect().catch((e) => e)
      expect(error).toBeInstanceOf(StateError)
      expect(error.message).toContain(`cannot keep the app's trigger "items_removed" on table "items" from firing while rows are restored, in database "${DB}"`)
      expect(error.message).toMatch(/it runs as 'root'@'[^']+', and creating a trigger that runs as another user needs SUPER on MariaDB/)
      expect(error.message).not.toContain('pw-triggers')
      expect(await appTriggers(DB)).toEqual(original)
      expect(await privateObjects(DB)).toEqual([])
    } finally {
      await root.query(`DROP USER IF EXISTS '${user}'@'%'`)
      await root.end()
    }
  })
})
