import { describeWithService } from '@venomqa/test-utils'
import type { RowDataPacket } from 'mysql2/promise'
import { afterAll, expect, it } from 'vitest'
import { MysqlSnapshotBackend, mysqlWorkers } from '../src'
import { HOST, PORT, admin, dbName, dropDatabase, dump, freshDatabase, urlFor } from './helpers'

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
