import { StateError } from '@venomqa/core'
import { CLOSED_PORT, describeWithService } from '@venomqa/test-utils'
import type { Connection, RowDataPacket } from 'mysql2/promise'
import { afterAll, afterEach, expect, it } from 'vitest'
import { MysqlCopier, MysqlSavepointBackend, MysqlSnapshotBackend, maskUrl } from '../src'
import { parseTarget } from '../src/connection'
import { fingerprintOf, fingerprintSql } from '../src/schema'
import { HOST, PORT, admin, dbName, dropDatabase, urlFor } from './helpers'

const describe = await describeWithService('MariaDB', HOST, PORT)

const DB = dbName('edge')

async function freshDatabase(schema: string[]): Promise<Connection> {
  const root = await admin()
  try {
    await root.query(`DROP DATABASE IF EXISTS \`${DB}\``)
    await root.query(`CREATE DATABASE \`${DB}\` CHARACTER SET utf8mb4`)
  } finally {
    await root.end()
  }
  const app = await admin(DB)
  for (const sql of schema) await app.query(sql)
  return app
}

async function rows(conn: Connection, sql: string): Promise<unknown[]> {
  const [result] = await conn.query<RowDataPacket[]>(sql)
  return result.map((r) => ({ ...r }))
}

/** Every table and trigger of the database, whatever its name (a LIKE would match the private prefix in any case). */
async function objects(conn: Connection): Promise<string[]> {
  const [result] = await conn.query<RowDataPacket[]>(
    `SELECT CONCAT('table ', TABLE_NAME) AS n FROM information_schema.TABLES WHERE TABLE_SCHEMA = ?
     UNION ALL SELECT CONCAT('trigger ', TRIGGER_NAME) FROM information_schema.TRIGGERS WHERE TRIGGER_SCHEMA = ?`,
    [DB, DB],
  )
  return result.map((r) => String(r.n)).sort()
}

/** Poll a condition of the server's state (here: a killed session is gone), up to 5 s. */
async function until(condition: () => Promise<boolean>): Promise<void> {
  const deadline = Date.now() + 5000
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error('condition not met in 5 s')
    await new Promise((resolve) => setTimeout(resolve, 20))
  }
}

describe('MysqlSnapshotBackend edge cases', () => {
  let app: Connection | undefined
  let backend: MysqlSnapshotBackend | undefined

  afterEach(async () => {
    await backend?.disconnect()
    await app?.end()
    backend = undefined
    app = undefined
  })
  afterAll(() => dropDatabase(DB))

  it("keeps the app's tables and triggers whose names match the private prefix only without regard to case", async () => {
    app = await freshDatabase([
      'CREATE TABLE `_VenomQA_settings` (id INT PRIMARY KEY, v VARCHAR(20) NOT NULL)',
      'CREATE TABLE notes (id INT AUTO_INCREMENT PRIMARY KEY, body VARCHAR(50) NOT NULL, edits INT NOT NULL DEFAULT 0)',
      'CREATE TRIGGER `_Venomqa_count_edits` BEFORE UPDATE ON notes FOR EACH ROW SET NEW.edits = OLD.edits + 1',
      "INSERT INTO `_VenomQA_settings` VALUES (1, 'dark')",
      "INSERT INTO notes (body) VALUES ('first')",
    ])
    const before = await objects(app)

    backend = new MysqlSnapshotBackend({ url: urlFor(DB) })
    await backend.connect()
    expect(backend.trackedTables).toEqual(['_VenomQA_settings', 'notes'])
    await backend.checkpoint('cp')
    await app.query("UPDATE `_VenomQA_settings` SET v = 'light'")
    await app.query("UPDATE notes SET body = 'changed'")
    expect(await rows(app, 'SELECT body, edits FROM notes')).toEqual([{ body: 'changed', edits: 1 }])
    await backend.rollback('cp')
    expect(await rows(app, 'SELECT * FROM `_VenomQA_settings`')).toEqual([{ id: 1, v: 'dark' }])
    // The app's trigger kept firing for the app and stayed quiet for the restore.
    expect(await rows(app, 'SELECT body, edits FROM notes')).toEqual([{ body: 'first', edits: 0 }])
    await backend.disconnect()

    expect(await objects(app)).toEqual(before)
    expect(await rows(app, 'SELECT * FROM `_VenomQA_settings`')).toEqual([{ id: 1, v: 'dark' }])
  })

  it('notices a tracked table the app dropped and created again with the same columns', async () => {
    const table = 'CREATE TABLE items (id INT AUTO_INCREMENT PRIMARY KEY, name VARCHAR(20) NOT NULL)'
    app = await freshDatabase([table, "INSERT INTO items (name) VALUES ('a'), ('b')"])
    backend = new MysqlSnapshotBackend({ url: urlFor(DB) })
    await backend.connect()

    // With no checkpoint open (an app restarted between branches that ran its schema script), the next
    // checkpoint tracks the new table.
    await app.query('DROP TABLE items')
    await app.query(table)
    await app.query("INSERT INTO items (name) VALUES ('c')")
    await backend.checkpoint('fresh')
    await app.query("INSERT INTO items (name) VALUES ('d')")
    await app.query("UPDATE items SET name = 'C' WHERE id = 1")
    await backend.rollback('fresh')
    expect(await rows(app, 'SELECT * FROM items')).toEqual([{ id: 1, name: 'c' }])

    // Under an open checkpoint, the rows written since are not recorded: the rollback must refuse, not report success.
    await app.query('DROP TABLE items')
    await app.query(table)
    await app.query("INSERT INTO items (name) VALUES ('after')")
    const error = await backend.rollback('fresh').catch((e) => e)
    expect(error).toBeInstanceOf(StateError)
    expect(error.message).toContain('rollback to "fresh": the schema changed since the checkpoint (table `items` was dropped and created again')
  })

  it('notices a unique index or a default a path added under a checkpoint: the columns alone did not change', async () => {
    // Both passed a rollback as if nothing had happened; the next path's insert then failed with a
    // duplicate entry, or got the default the path had set.
    for (const [change, expected] of [
      ['CREATE UNIQUE INDEX items_name ON items (name)', 'table `items`: index `items_name` was added'],
      ["ALTER TABLE items ALTER COLUMN name SET DEFAULT 'dflt'", 'table `items`: column `name` changed from "name varchar(40) default NULL" to "name varchar(40) default \'dflt\'"'],
    ] as const) {
      app = await freshDatabase(['CREATE TABLE items (id INT AUTO_INCREMENT PRIMARY KEY, name VARCHAR(40))', "INSERT INTO items (name) VALUES ('a')"])
      backend = new MysqlSnapshotBackend({ url: urlFor(DB) })
      await backend.connect()
      await backend.checkpoint('cp')
      await app.query(change)
      const error = await backend.rollback('cp').catch((e) => e)
      expect(error, change).toBeInstanceOf(StateError)
      expect(error.message, change).toContain(`rollback to "cp": the schema changed since the checkpoint (${expected}`)
      await backend.disconnect()
      await app.end()
    }
    backend = undefined
    app = undefined
  })

  it('restores a table whose primary key is a prefix of a BLOB or TEXT column', async () => {
    app = await freshDatabase([
      'CREATE TABLE files (path TEXT NOT NULL, hash BLOB NOT NULL, size INT NOT NULL, PRIMARY KEY (path(100), hash(8)))',
      "INSERT INTO files VALUES ('/a', X'0102', 1), ('/b', X'0304', 2)",
    ])
    backend = new MysqlSnapshotBackend({ url: urlFor(DB) })
    await backend.connect()
    await backend.checkpoint('cp')
    const atCheckpoint = await rows(app, 'SELECT path, HEX(hash) AS hash, size FROM files ORDER BY path')
    await app.query("UPDATE files SET size = 10 WHERE path = '/a'")
    await app.query("DELETE FROM files WHERE path = '/b'")
    await app.query("INSERT INTO files VALUES ('/c', X'05', 3)")
    await backend.rollback('cp')
    expect(await rows(app, 'SELECT path, HEX(hash) AS hash, size FROM files ORDER BY path')).toEqual(atCheckpoint)
  })

  it('keeps a key changed only in case or trailing spaces (a case-insensitive collation) in a nested checkpoint', async () => {
    app = await freshDatabase([
      'CREATE TABLE tags (name VARCHAR(20) COLLATE utf8mb4_general_ci NOT NULL PRIMARY KEY, uses INT NOT NULL)',
      "INSERT INTO tags VALUES ('red', 1), ('blue', 2)",
    ])
    backend = new MysqlSnapshotBackend({ url: urlFor(DB) })
    await backend.connect()
    await backend.checkpoint('outer')
    const atOuter = await rows(app, 'SELECT CONCAT(name, "|") AS name, uses FROM tags ORDER BY uses')
    // Equal keys to the collation, and to the change log: the row keeps its mark under the old spelling.
    await app.query("UPDATE tags SET name = 'RED' WHERE name = 'red'")
    await app.query("UPDATE tags SET name = 'blue ' WHERE name = 'blue'")
    await backend.checkpoint('inner')
    const atInner = await rows(app, 'SELECT CONCAT(name, "|") AS name, uses FROM tags ORDER BY uses')
    expect(atInner).toEqual([{ name: 'RED|', uses: 1 }, { name: 'blue |', uses: 2 }])
    await app.query('UPDATE tags SET uses = uses + 10')
    await backend.rollback('inner')
    expect(await rows(app, 'SELECT CONCAT(name, "|") AS name, uses FROM tags ORDER BY uses')).toEqual(atInner)
    await backend.rollback('outer')
    expect(await rows(app, 'SELECT CONCAT(name, "|") AS name, uses FROM tags ORDER BY uses')).toEqual(atOuter)
  })

  it('sees the indexes of each of two tables whose names differ only by case or accents', async () => {
    app = await freshDatabase([
      'CREATE TABLE `resume` (id INT AUTO_INCREMENT PRIMARY KEY, body VARCHAR(20) NOT NULL)',
      'CREATE TABLE `r\u00e9sum\u00e9` (id INT AUTO_INCREMENT PRIMARY KEY, code INT NOT NULL UNIQUE)',
    ])
    const names = ['resume', 'r\u00e9sum\u00e9']
    const [tables, columns] = (await Promise.all(fingerprintSql(app.format.bind(app), DB, names).map((sql) => app!.query<RowDataPacket[]>(sql)))).map(([r]) => r)
    const fp = fingerprintOf(tables!, columns!, new Set(names))
    // Each table has its own key: grouped by a name information_schema's collation calls equal, both keys
    // were one index of one of the two tables.
    expect(fp.get('resume')!.filter((c) => c.startsWith('index '))).toEqual(['index PRIMARY unique btree (id)'])
    expect(fp.get('r\u00e9sum\u00e9')!.filter((c) => c.startsWith('index ')).sort()).toEqual(['index PRIMARY unique btree (id)', 'index code unique btree (code)'])
  })

  it('resets the counters of, and notices DDL on, tables whose names differ only by case or accents', async () => {
    const pairs = [
      ['Notes', 'notes'],
      ['resume', 'r\u00e9sum\u00e9'],
    ]
    app = await freshDatabase(pairs.flat().map((n) => `CREATE TABLE \`${n}\` (id INT AUTO_INCREMENT PRIMARY KEY, body VARCHAR(20) NOT NULL)`))
    const counters = async (names: string[]) => {
      const [result] = await app!.query<RowDataPacket[]>('SELECT TABLE_NAME AS t, AUTO_INCREMENT AS a FROM information_schema.TABLES WHERE TABLE_SCHEMA = ?', [DB])
      return Object.fromEntries(result.map((r) => [String(r.t), String(r.a)]).filter(([t]) => names.includes(t!)))
    }
    // Two names that information_schema's collation calls equal, and nothing else: MariaDB then looks up one table only.
    for (const names of pairs) {
      backend = new MysqlSnapshotBackend({ url: urlFor(DB), tables: names })
      await backend.connect()
      await backend.checkpoint('cp')
      const atCheckpoint = await counters(names)
      expect(atCheckpoint).toEqual(Object.fromEntries(names.map((n) => [n, '1'])))
      for (const n of names) await app.query(`INSERT INTO \`${n}\` (body) VALUES ('x'), ('y')`)
      await backend.rollback('cp')
      expect(await counters(names)).toEqual(atCheckpoint)
      for (const n of names) expect(await rows(app, `SELECT * FROM \`${n}\``)).toEqual([])

      for (const n of names) {
        await app.query(`ALTER TABLE \`${n}\` ADD COLUMN extra INT`)
        const error = await backend.rollback('cp').catch((e) => e)
        expect(error).toBeInstanceOf(StateError)
        expect(error.message).toContain(`table \`${n}\`: column \`extra\` was added`)
        await app.query(`ALTER TABLE \`${n}\` DROP COLUMN extra`)
      }
      await backend.disconnect()
    }
  })

  it('drops its triggers and tables at disconnect when its connection was lost, and puts the app triggers back', async () => {
    app = await freshDatabase([
      'CREATE TABLE items (id INT AUTO_INCREMENT PRIMARY KEY, name VARCHAR(20) NOT NULL, stamp INT NOT NULL DEFAULT 0)',
      'CREATE TRIGGER stamp_items BEFORE INSERT ON items FOR EACH ROW SET NEW.stamp = 42',
    ])
    const before = await objects(app)
    for (const loseItBefore of ['disconnect', 'rollback'] as const) {
      backend = new MysqlSnapshotBackend({ url: urlFor(DB) })
      await backend.connect()
      await backend.checkpoint('cp')
      // The server ends the backend's session (a restart, an idle timeout, a KILL): the run lock goes with it.
      const [[holder]] = await app.query<RowDataPacket[]>('SELECT IS_USED_LOCK(?) AS id', [`venomqa_state:${DB}`])
      await app.query(`KILL ${Number(holder!.id)}`)
      await until(async () => (await rows(app!, `SELECT IS_USED_LOCK('venomqa_state:${DB}') AS id`)).every((r) => (r as { id: unknown }).id === null))
      if (loseItBefore === 'rollback') expect(await backend.rollback('cp').catch((e) => e)).toBeInstanceOf(StateError)
      await backend.disconnect()
      expect(await objects(app)).toEqual(before)
    }
    await app.query("INSERT INTO items (name) VALUES ('a')")
    expect(await rows(app, 'SELECT name, stamp FROM items')).toEqual([{ name: 'a', stamp: 42 }])
  })

  it('drops what it made when its connection is lost in the middle of connect()', async () => {
    app = await freshDatabase([
      'CREATE TABLE a_first (id INT AUTO_INCREMENT PRIMARY KEY, v INT)',
      'CREATE TABLE b_second (id INT AUTO_INCREMENT PRIMARY KEY, v INT)',
      'CREATE TRIGGER stamp_b BEFORE INSERT ON b_second FOR EACH ROW SET NEW.v = 42',
    ])
    const before = await objects(app)
    // A reader in a transaction on b_second: the backend's connect waits for it at that table, halfway
    // through (its private tables are made by then, and it is swapping the app's trigger, trying the table's
    // lock again and again), where its connection is killed.
    const reader = await admin(DB)
    try {
      await reader.query('START TRANSACTION')
      await reader.query('SELECT * FROM b_second')
      backend = new MysqlSnapshotBackend({ url: urlFor(DB) })
      const connecting = backend.connect().catch((e) => e)
      await until(async () => (await objects(app!)).includes('table _venomqa_app_triggers'))
      expect((await objects(app)).length).toBeGreaterThan(before.length)
      const [[holder]] = await app.query<RowDataPacket[]>('SELECT IS_USED_LOCK(?) AS id', [`venomqa_state:${DB}`])
      await app.query(`KILL ${Number(holder!.id)}`)
      expect(await connecting).toBeInstanceOf(StateError)
    } finally {
      await reader.query('COMMIT')
      await reader.end()
    }
    backend = undefined
    expect(await objects(app)).toEqual(before)
    await app.query('INSERT INTO b_second (v) VALUES (1)')
    expect(await rows(app, 'SELECT v FROM b_second')).toEqual([{ v: 42 }])
  })
})

describe('password masking', () => {
  it('masks a password that holds a line break or another line terminator', async () => {
    for (const password of ['se\ncret', 'se\rcret', 'se\u2028cret']) {
      const url = `mysql://root:${password}@127.0.0.1:${CLOSED_PORT}/venomqa_my_none`
      for (const backend of [new MysqlSnapshotBackend({ url }), new MysqlSavepointBackend({ url })]) {
        const error = await backend.connect().catch((e) => e)
        expect(error).toBeInstanceOf(StateError)
        expect(error.message).toContain(`cannot connect to mysql://root:***@127.0.0.1:${CLOSED_PORT}/venomqa_my_none`)
        expect(error.message).not.toContain('cret')
        expect(await backend.healthReport()).not.toContain('cret')
      }
    }
  })
})

describe('password masking, in the query string', () => {
  it('masks a password given as a query parameter (?password=, as other drivers take it) in every message', async () => {
    for (const query of ['password=se-cret', 'user=root&pwd=se-cret&ssl=false', 'PASSWORD=se%2Dcret']) {
      const url = `mysql://root@127.0.0.1:${CLOSED_PORT}/venomqa_my_none?${query}`
      expect(maskUrl(url)).not.toMatch(/se-?(%2D)?cret/)
      for (const backend of [new MysqlSnapshotBackend({ url }), new MysqlSavepointBackend({ url })]) {
        const error = await backend.connect().catch((e) => e)
        expect(error).toBeInstanceOf(StateError)
        expect(error.message).toContain(`cannot connect to mysql://root@127.0.0.1:${CLOSED_PORT}/venomqa_my_none?`)
        expect(error.message).not.toMatch(/cret/)
        expect(await backend.healthReport()).not.toMatch(/cret/)
      }
    }
    // Names that hold no secret keep their values.
    expect(maskUrl('mysql://root@db/app?ssl=true&charset=utf8mb4')).toBe('mysql://root@db/app?ssl=true&charset=utf8mb4')
  })
})

describe('worker copies', () => {
  const WORKER = `${DB}_w1`
  afterAll(async () => {
    await dropDatabase(WORKER)
    await dropDatabase(DB)
  })

  it('copies the rows and counters of tables whose names differ only by case', async () => {
    const names = ['Notes', 'notes']
    const app = await freshDatabase(names.map((n) => `CREATE TABLE \`${n}\` (id INT AUTO_INCREMENT PRIMARY KEY, body VARCHAR(20) NOT NULL)`))
    const copier = new MysqlCopier(parseTarget('mysql', urlFor(DB)), WORKER)
    try {
      await copier.createDatabase()
      await copier.copySchema()
      // Counters past every row: only a copied counter gives the worker the main database's next ids.
      await app.query("INSERT INTO notes (body) VALUES ('a'), ('b'), ('c')")
      await app.query('DELETE FROM notes WHERE id = 3')
      await app.query("INSERT INTO Notes (body) VALUES ('A')")
      await copier.copyRows()
      const [result] = await app.query<RowDataPacket[]>('SELECT TABLE_SCHEMA AS s, TABLE_NAME AS t, AUTO_INCREMENT AS a FROM information_schema.TABLES WHERE TABLE_SCHEMA IN (?, ?)', [DB, WORKER])
      const counters = (db: string) => Object.fromEntries(result.filter((r) => r.s === db).map((r) => [String(r.t), String(r.a)]))
      expect(counters(WORKER)).toEqual(counters(DB))
      for (const n of names) expect(await rows(app, `SELECT * FROM \`${WORKER}\`.\`${n}\` ORDER BY id`)).toEqual(await rows(app, `SELECT * FROM \`${n}\` ORDER BY id`))
    } finally {
      await copier.close()
      await app.end()
    }
  })
})
