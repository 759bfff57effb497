import { describeWithService } from '@venomqa/test-utils'
import type { RowDataPacket } from 'mysql2/promise'
import { afterAll, expect, it } from 'vitest'
import { MysqlSnapshotBackend, mysqlWorkers } from '../src'
import { HOST, PORT, admin, dbName, dropDatabase, dump, freshDatabase, sqlOn, urlFor } from './helpers'

const DB = dbName('wcopy')
const WORKER = `${DB}_w1`
const describe = await describeWithService('MariaDB', HOST, PORT)

const SCHEMA = [
  "CREATE TABLE parents (id INT PRIMARY KEY, name VARCHAR(10) NOT NULL DEFAULT '') ENGINE=InnoDB",
  `CREATE TABLE items (id INT AUTO_INCREMENT PRIMARY KEY, mood ENUM('x', '😀') NOT NULL DEFAULT 'x', tags SET('a', '🎉') NOT NULL DEFAULT '',
     parent_id INT NULL, CONSTRAINT items_parent FOREIGN KEY (parent_id) REFERENCES parents (id) ON DELETE CASCADE,
     CONSTRAINT items_mood CHECK (mood <> 'x' OR tags <> '🎉')) ENGINE=InnoDB`,
  'CREATE TABLE audit (id INT AUTO_INCREMENT PRIMARY KEY, what VARCHAR(50) NOT NULL) ENGINE=InnoDB',
  "CREATE TRIGGER items_a BEFORE INSERT ON items FOR EACH ROW INSERT INTO audit (what) VALUES (CONCAT('a ', NEW.mood))",
  "CREATE TRIGGER items_b BEFORE INSERT ON items FOR EACH ROW PRECEDES items_a /* b fires first */ INSERT INTO audit (what) VALUES ('b')",
  "CREATE TRIGGER items_c BEFORE INSERT ON items FOR EACH ROW FOLLOWS items_a -- c fires after a\n  INSERT INTO audit (what) VALUES ('c 😀')",
  "INSERT INTO parents VALUES (1, 'one'), (2, 'two')",
  "INSERT INTO items (mood, tags, parent_id) VALUES ('😀', 'a,🎉', 1), ('x', 'a', 2)",
]

/** Each app trigger of `db` with what a schema dump shows of it: its statement as kept, and its place. */
async function triggers(db: string): Promise<Record<string, unknown>[]> {
  const conn = await admin(db)
  try {
    const [list] = await conn.query<RowDataPacket[]>(
      `SELECT TRIGGER_NAME AS n, ACTION_ORDER AS o FROM information_schema.TRIGGERS WHERE TRIGGER_SCHEMA = ? AND TRIGGER_NAME NOT LIKE '\\\\_venomqa\\\\_%' ORDER BY TRIGGER_NAME`,
      [db],
    )
    const out: Record<string, unknown>[] = []
    for (const t of list) {
      const [[shown]] = await conn.query<RowDataPacket[]>(`SHOW CREATE TRIGGER \`${t.n}\``)
      out.push({ name: t.n, order: t.o, statement: shown!['SQL Original Statement'] })
    }
    return out
  } finally {
    await conn.end()
  }
}

describe("a worker's database is an exact copy of the main one's tables and triggers", () => {
  afterAll(async () => {
    await dropDatabase(WORKER)
    await dropDatabase(DB)
  })

  it.each([
    ['runs their guarded copies', true],
    ['is not connected', false],
  ])('keeps ENUM and SET members beyond the BMP, CHECK and foreign keys, and the triggers in their own words and order, while the main backend %s', async (_, connected) => {
    await freshDatabase(DB, SCHEMA)
    const backend = new MysqlSnapshotBackend({ url: urlFor(DB) })
    if (connected) await backend.connect()
    const workers = mysqlWorkers({ url: urlFor(DB), databaseName: () => WORKER })
    const prepared = await workers.prepare(1, { baseUrl: 'http://127.0.0.1:1', ports: new Map(), stateBackends: [backend] })
    try {
      expect((await dump(WORKER)).rows).toEqual((await dump(DB)).rows)
      await backend.disconnect()
      // Compared once the main backend has put the main triggers back as the app wrote them.
      const main = await triggers(DB)
      expect(main.map((t) => t.name)).toEqual(['items_a', 'items_b', 'items_c'])
      expect(await triggers(WORKER)).toEqual(main)

      const conn = await admin(WORKER)
      try {
        await conn.query("INSERT INTO items (mood, tags, parent_id) VALUES ('😀', '🎉', 2)")
        const [items] = await conn.query<RowDataPacket[]>('SELECT mood, tags FROM items ORDER BY id')
        expect(items.map((r) => `${r.mood} ${r.tags}`)).toEqual(['😀 a,🎉', 'x a', '😀 🎉'])
        const [audit] = await conn.query<RowDataPacket[]>('SELECT what FROM audit ORDER BY id')
        // The last insert's, in the main triggers' order.
        expect(audit.map((r) => r.what).slice(-3)).toEqual(['b', 'a 😀', 'c 😀'])
        await expect(conn.query("INSERT INTO items (mood, tags) VALUES ('x', '🎉')")).rejects.toThrow(/items_mood/)
        await conn.query('DELETE FROM parents WHERE id = 2')
        const [left] = await conn.query<RowDataPacket[]>('SELECT COUNT(*) AS n FROM items')
        expect(Number(left[0]!.n)).toBe(1)
      } finally {
        await conn.end()
      }
    } finally {
      await backend.disconnect()
      await prepared.close?.()
    }
  })
})

const SEQ_DB = dbName('wseq')
const SEQ_WORKER = `${SEQ_DB}_w1`

describe("a worker's sequences are copies of the main ones, at the checkpoint's values", () => {
  afterAll(async () => {
    await dropDatabase(SEQ_WORKER)
    await dropDatabase(SEQ_DB)
  })

  it('gives a path on a worker the ids the same path gets on the main database, from its own sequences', async () => {
    await freshDatabase(SEQ_DB, [
      'CREATE SEQUENCE order_no START WITH 100 INCREMENT BY 5 CACHE 20',
      'CREATE SEQUENCE ticket NOCACHE',
      'CREATE TABLE orders (id BIGINT PRIMARY KEY DEFAULT NEXTVAL(order_no), item VARCHAR(50) NOT NULL) ENGINE=InnoDB',
      "INSERT INTO orders (item) VALUES ('before')",
    ])
    const path = async (db: string) => {
      const conn = await admin(db)
      try {
        await conn.query("INSERT INTO orders (item) VALUES ('path')")
        const [[order]] = await conn.query<RowDataPacket[]>("SELECT MAX(id) AS id FROM orders WHERE item = 'path'")
        const [[ticket]] = await conn.query<RowDataPacket[]>('SELECT NEXT VALUE FOR ticket AS v')
        return [Number(order!.id), Number(ticket!.v)]
      } finally {
        await conn.end()
      }
    }
    const backend = new MysqlSnapshotBackend({ url: urlFor(SEQ_DB) })
    await backend.connect()
    const workers = mysqlWorkers({ url: urlFor(SEQ_DB), databaseName: () => SEQ_WORKER })
    const main = { baseUrl: 'http://127.0.0.1:1', ports: new Map(), stateBackends: [backend] }
    const prepared = await workers.prepare(1, main)
    const sync = () => workers.sync!(1, { checkpoint: 'base', journey: 'j', main })
    try {
      await sqlOn(SEQ_DB, 'SELECT NEXTVAL(ticket), NEXTVAL(ticket)')
      await backend.checkpoint('base')
      const onMain = await path(SEQ_DB)
      expect(onMain).toEqual([105, 3])
      // Another path on the main line takes values, then the branch goes to the worker, synced at the checkpoint.
      await backend.rollback('base')
      await sync()
      expect(await path(SEQ_WORKER)).toEqual(onMain)
      // The worker's ids came from its own sequences: the main ones still give the checkpoint's values.
      expect(await path(SEQ_DB)).toEqual(onMain)
      // Synced again after its path took values: the worker is back at the checkpoint's too.
      await backend.rollback('base')
      await sync()
      expect(await path(SEQ_WORKER)).toEqual(onMain)
    } finally {
      await backend.disconnect()
      await prepared.close?.()
    }
  })
})

const VIEW_DB = dbName('wview')
const VIEW_WORKER = `${VIEW_DB}_w1`

describe("a worker's database has the main one's views, over its own tables", () => {
  afterAll(async () => {
    await dropDatabase(VIEW_WORKER)
    await dropDatabase(VIEW_DB)
  })

  it('copies each view (one over another too), reading the rows of the worker, not of the main database', async () => {
    // An app whose migrations ran once on the main database: its worker app finds the views it queries.
    await freshDatabase(VIEW_DB, [
      'CREATE TABLE items (id INT AUTO_INCREMENT PRIMARY KEY, done BOOL NOT NULL DEFAULT 0) ENGINE=InnoDB',
      'CREATE VIEW z_open_items AS SELECT id FROM items WHERE NOT done',
      // The view over it sorts first by name: made in name order, it would come before the view it reads.
      'CREATE VIEW a_open_count AS SELECT COUNT(*) AS n FROM z_open_items',
      'INSERT INTO items (done) VALUES (0), (1)',
    ])
    const workers = mysqlWorkers({ url: urlFor(VIEW_DB), databaseName: () => VIEW_WORKER })
    const prepared = await workers.prepare(1, { baseUrl: 'http://127.0.0.1:1', ports: new Map(), stateBackends: [] })
    try {
      await sqlOn(VIEW_WORKER, 'INSERT INTO items (done) VALUES (0)')
      const count = async (db: string) => Number(((await sqlOn(db, 'SELECT n FROM a_open_count')) as RowDataPacket[])[0]!.n)
      expect(await count(VIEW_WORKER)).toBe(2)
      expect(await count(VIEW_DB)).toBe(1)
    } finally {
      await prepared.close?.()
    }
  })
})

const ROUTINE_DB = dbName('wroutine')
const ROUTINE_WORKER = `${ROUTINE_DB}_w1`

describe("a worker's database has the main one's stored procedures and functions, over its own tables", () => {
  afterAll(async () => {
    await dropDatabase(ROUTINE_WORKER)
    await dropDatabase(ROUTINE_DB)
  })

  it('copies each one without its definer, in the sql_mode it was made in, reading the rows of the worker (a view calling one too)', async () => {
    // An app whose migrations ran once on the main database: its worker app calls them as the main one does.
    await freshDatabase(ROUTINE_DB, [
      'CREATE TABLE items (id INT AUTO_INCREMENT PRIMARY KEY, done BOOL NOT NULL DEFAULT 0) ENGINE=InnoDB',
      "CREATE DEFINER=`app_owner`@`%` PROCEDURE add_item(IN d BOOL) SQL SECURITY INVOKER BEGIN INSERT INTO items (done) VALUES (d); END",
      // Its own database named, as SHOW CREATE VIEW names it: the worker's copy reads the worker's table.
      `CREATE FUNCTION open_count() RETURNS INT READS SQL DATA RETURN (SELECT COUNT(*) FROM \`${ROUTINE_DB}\`.items WHERE NOT done)`,
      // Under ANSI_QUOTES "items" names the table; made in another sql_mode it would be a string.
      "SET SESSION sql_mode = CONCAT(@@sql_mode, ',ANSI_QUOTES')",
      'CREATE FUNCTION all_count() RETURNS INT READS SQL DATA RETURN (SELECT COUNT(*) FROM "items")',
      "SET SESSION sql_mode = REPLACE(@@sql_mode, 'ANSI_QUOTES', '')",
      'CREATE VIEW counts AS SELECT open_count() AS open_n, all_count() AS all_n',
      'CALL add_item(0)',
      'CALL add_item(1)',
    ])
    const workers = mysqlWorkers({ url: urlFor(ROUTINE_DB), databaseName: () => ROUTINE_WORKER })
    const prepared = await workers.prepare(1, { baseUrl: 'http://127.0.0.1:1', ports: new Map(), stateBackends: [] })
    try {
      await sqlOn(ROUTINE_WORKER, 'CALL add_item(0)')
      const counts = async (db: string) => ((await sqlOn(db, 'SELECT open_n, all_n FROM counts')) as RowDataPacket[])[0]
      expect({ ...(await counts(ROUTINE_WORKER)) }).toEqual({ open_n: 2, all_n: 3 })
      expect({ ...(await counts(ROUTINE_DB)) }).toEqual({ open_n: 1, all_n: 2 })
      // Made by the user of `url`, who owns the worker's database: no other user's name is needed to make them.
      const [me] = (await sqlOn(null, 'SELECT CURRENT_USER() AS u')) as RowDataPacket[]
      const definers = (await sqlOn(
        null,
        `SELECT ROUTINE_NAME AS n, ROUTINE_TYPE AS t, DEFINER AS d FROM information_schema.ROUTINES WHERE ROUTINE_SCHEMA = '${ROUTINE_WORKER}' ORDER BY ROUTINE_NAME`,
      )) as RowDataPacket[]
      expect(definers.map((r) => ({ ...r }))).toEqual([
        { n: 'add_item', t: 'PROCEDURE', d: me!.u },
        { n: 'all_count', t: 'FUNCTION', d: me!.u },
        { n: 'open_count', t: 'FUNCTION', d: me!.u },
      ])
    } finally {
      await prepared.close?.()
    }
  })
})

const HIDDEN_DB = dbName('wroutinehidden')
const HIDDEN_WORKER = `${HIDDEN_DB}_w1`
const READER = dbName('reader')

describe("a routine whose definition the user of `url` may not read", () => {
  afterAll(async () => {
    await sqlOn(null, `DROP USER IF EXISTS '${READER}'@'%'`)
    await dropDatabase(HIDDEN_WORKER)
    await dropDatabase(HIDDEN_DB)
  })

  it("fails the worker's setup naming the routine and the privilege it needs, and leaves no worker database", async () => {
    await freshDatabase(HIDDEN_DB, ['CREATE TABLE items (id INT PRIMARY KEY) ENGINE=InnoDB', 'CREATE PROCEDURE add_item(IN i INT) INSERT INTO items VALUES (i)'])
    // Everything on both databases, but not the routine's definer: its definition reads NULL.
    await sqlOn(
      null,
      `DROP USER IF EXISTS '${READER}'@'%'; CREATE USER '${READER}'@'%' IDENTIFIED BY 'pw-routines'; GRANT ALL ON \`${HIDDEN_DB}\`.* TO '${READER}'@'%'; GRANT ALL ON \`${HIDDEN_WORKER}\`.* TO '${READER}'@'%'`,
    )
    const url = urlFor(HIDDEN_DB).replace('mysql://root@', `mysql://${READER}:pw-routines@`)
    const workers = mysqlWorkers({ url, databaseName: () => HIDDEN_WORKER })
    await expect(workers.prepare(1, { baseUrl: 'http://127.0.0.1:1', ports: new Map(), stateBackends: [] })).rejects.toThrow(
      /the definition of procedure add_item cannot be read by the user of `url`: it needs to be the routine's definer, or SELECT on mysql\.proc \(MariaDB\) or SHOW_ROUTINE \(MySQL\)/,
    )
    expect(await sqlOn(null, `SHOW DATABASES LIKE '${HIDDEN_WORKER}'`)).toEqual([])
  })
})
