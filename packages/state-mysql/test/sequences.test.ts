import { describeWithService } from '@venomqa/test-utils'
import mysql, { type Pool, type RowDataPacket } from 'mysql2/promise'
import { afterAll, afterEach, beforeEach, expect, it } from 'vitest'
import { MysqlSnapshotBackend } from '../src'
import { HOST, PORT, dbName, dropDatabase, dump, freshDatabase, privateObjects, sqlOn, urlFor } from './helpers'

const DB = dbName('seq')
const describe = await describeWithService('MariaDB', HOST, PORT)

/** Orders take their id from a cached sequence (a column DEFAULT); tickets from one without a cache, by NEXT VALUE FOR. */
const SCHEMA = [
  'CREATE SEQUENCE order_no START WITH 100 INCREMENT BY 5 CACHE 20',
  'CREATE SEQUENCE ticket NOCACHE',
  'CREATE TABLE orders (id BIGINT PRIMARY KEY DEFAULT NEXTVAL(order_no), item VARCHAR(50) NOT NULL) ENGINE=InnoDB',
]

describe('MariaDB sequences go back with a rollback', () => {
  /** The app's pool: one connection, reused, so it is the very session that took (and cached) values before. */
  let pool: Pool
  let backend: MysqlSnapshotBackend

  const order = async (item: string) => {
    await pool.query('INSERT INTO orders (item) VALUES (?)', [item])
    const [rows] = await pool.query<RowDataPacket[]>('SELECT id FROM orders WHERE item = ? ORDER BY id DESC LIMIT 1', [item])
    return Number(rows[0]!.id)
  }
  const ticket = async () => Number((await pool.query<RowDataPacket[]>('SELECT NEXT VALUE FOR ticket AS v'))[0][0]!.v)
  const orderNo = async () => Number((await pool.query<RowDataPacket[]>('SELECT NEXTVAL(order_no) AS v'))[0][0]!.v)

  beforeEach(async () => {
    await freshDatabase(DB, SCHEMA)
    pool = mysql.createPool({ uri: urlFor(DB), connectionLimit: 1 })
    backend = new MysqlSnapshotBackend({ url: urlFor(DB), lockWaitTimeoutMs: 2000 })
  })
  afterEach(async () => {
    await backend?.disconnect().catch(() => undefined)
    await pool?.end()
  })
  afterAll(() => dropDatabase(DB))

  it("gives every path the checkpoint's next values, through the app's pooled session that cached values, nested and released", async () => {
    expect([await order('before-1'), await order('before-2'), await ticket()]).toEqual([100, 105, 1])
    await backend.connect()
    await backend.checkpoint('ready')
    const atReady = await dump(DB)

    // Path 1: the ids the paths after it must get too.
    const first = [await order('p1'), await ticket(), await orderNo()]
    expect(first).toEqual([110, 2, 115])
    for (const path of ['p2', 'p3']) {
      await backend.rollback('ready')
      expect(await dump(DB)).toEqual(atReady)
      expect([await order(path), await ticket(), await orderNo()], path).toEqual(first)
    }

    // Nested: each rollback gives the values of its own checkpoint.
    await backend.rollback('ready')
    await order('outer')
    await backend.checkpoint('inner')
    expect(await order('in-inner')).toBe(115)
    expect(await ticket()).toBe(2)
    await backend.rollback('inner')
    expect([await order('again-inner'), await ticket()]).toEqual([115, 2])
    await backend.rollback('ready')
    expect([await order('again-ready'), await ticket()]).toEqual([110, 2])

    // A released checkpoint's values no longer matter; the outer one's still do.
    await backend.checkpoint('released')
    await ticket()
    await backend.release('released')
    await ticket()
    await backend.rollback('ready')
    expect([await ticket(), await order('after-release')]).toEqual([2, 110])
    expect(backend.lastRollback?.sequencesReset).toEqual(['order_no', 'ticket'])

    // Nothing taken since: the rollback leaves the sequences alone.
    await backend.rollback('ready')
    await backend.rollback('ready')
    expect(backend.lastRollback?.sequencesReset).toEqual([])
    expect(await ticket()).toBe(2)
  })

  it('reports a sequence a path created, dropped or altered, restores the rest, and tracks the new schema at the next checkpoint with none open', async () => {
    await backend.connect()
    await backend.checkpoint('ready')
    expect(await order('x')).toBe(100)
    await sqlOn(DB, 'CREATE SEQUENCE invoice_no; DROP SEQUENCE ticket; ALTER SEQUENCE order_no INCREMENT BY 10')
    const err = await backend.rollback('ready').then(
      () => undefined,
      (e: Error) => e,
    )
    expect(err?.message).toContain('sequence `invoice_no` was created')
    expect(err?.message).toContain('sequence `ticket` was dropped')
    expect(err?.message).toMatch(/sequence `order_no` changed from ".*increment 5.*" to ".*increment 10.*"/)
    // The rows went back all the same.
    expect((await dump(DB)).rows.orders).toEqual([])

    await backend.release('ready')
    await backend.checkpoint('new-schema')
    const next = await order('y')
    await sqlOn(DB, 'SELECT NEXTVAL(invoice_no), NEXTVAL(invoice_no)')
    await backend.rollback('new-schema')
    expect(await order('z')).toBe(next)
    expect(Number(((await sqlOn(DB, 'SELECT NEXTVAL(invoice_no) AS v')) as RowDataPacket[])[0]!.v)).toBe(1)
  })

  it.each([
    ['InnoDB', 'is reported as DDL, as a table dropped and created again is, and left as the path left it', true],
    ['Aria', 'whose table id cannot be read, is set back all the same', false],
  ])('a sequence (%s) that a path dropped and created again unchanged %s: never the recreated cache left for the next path', async (engine, _, reported) => {
    const create = `CREATE SEQUENCE code START WITH 1 CACHE 10 ENGINE=${engine}`
    await sqlOn(DB, create)
    const code = async () => Number((await pool.query<RowDataPacket[]>('SELECT NEXTVAL(code) AS v'))[0][0]!.v)
    for (let i = 0; i < 10; i++) await code()
    await backend.connect()
    // Pinned at 11, which its table reads, the cache empty.
    await backend.checkpoint('ready')
    // The same sequence anew, one value taken: its table reads 11 again, its cache holds 2 to 10.
    await sqlOn(DB, `DROP SEQUENCE code; ${create}; SELECT NEXTVAL(code)`)
    const err = await backend.rollback('ready').then(
      () => undefined,
      (e: Error) => e,
    )
    if (reported) {
      expect(err?.message).toContain('sequence `code` was dropped and created again')
      expect(err?.message).toContain('sequence `code` stays as the path left it')
      expect(await code()).toBe(2)
      // Tracked anew by the next checkpoint with none open, as a table would be.
      await backend.release('ready')
      await backend.checkpoint('again')
      const next = await code()
      await code()
      await backend.rollback('again')
      expect(await code()).toBe(next)
    } else {
      expect(err).toBeUndefined()
      expect(await code()).toBe(11)
      await backend.rollback('ready')
      expect(await code()).toBe(11)
    }
  })

  it('reset() restarts every sequence, as it restarts AUTO_INCREMENT; `exclude` leaves one alone; nothing is left at disconnect', async () => {
    backend = new MysqlSnapshotBackend({ url: urlFor(DB), exclude: ['ticket'] })
    await backend.connect()
    await order('a')
    await order('b')
    await ticket()
    await backend.checkpoint('ready')
    await ticket()
    await order('c')
    await backend.rollback('ready')
    expect(await ticket()).toBe(3)
    expect(await order('d')).toBe(110)
    await backend.reset()
    expect(await order('e')).toBe(100)
    await backend.disconnect()
    expect(await privateObjects(DB)).toEqual([])
  })

  it("a value the app takes while a checkpoint pins a sequence is never given twice: the sequence is locked from the checkpoint's NEXTVAL to its restart", async () => {
    await order('before')
    await backend.connect()
    // The checkpoint takes order_no's next value and restarts the sequence at it. The app's NEXTVAL is sent
    // right after the checkpoint's (the backend's connection is patched: its own statement names the
    // sequence quoted), and given a second to land: unlocked, it took the value after the pinned one, which
    // the restart then gave out again.
    // The backend's connection is a mysql2/promise Connection as any other: patched through their prototype.
    const probe = await mysql.createConnection(urlFor(DB))
    const proto = Object.getPrototypeOf(probe)
    await probe.end()
    const original = proto.query
    let during: Promise<number> | undefined
    proto.query = async function (this: unknown, sql: unknown, ...rest: unknown[]) {
      const result = await original.call(this, sql, ...rest)
      if (typeof sql === 'string' && sql === 'SELECT NEXTVAL(`order_no`) AS v' && !during) {
        during = orderNo()
        await Promise.race([during, new Promise((r) => setTimeout(r, 1000))])
      }
      return result
    }
    try {
      await backend.checkpoint('ready')
    } finally {
      proto.query = original
    }
    expect(during).toBeDefined()
    const taken = [await during!, await orderNo(), await orderNo()]
    expect(new Set(taken).size, `values taken after the checkpoint: ${taken}`).toBe(3)
  })

  it('a checkpoint that fails while a sequence is locked says why, also when the UNLOCK TABLES after it fails too', async () => {
    await orderNo()
    await backend.connect()
    const probe = await mysql.createConnection(urlFor(DB))
    const proto = Object.getPrototypeOf(probe)
    await probe.end()
    const original = proto.query
    const restart = (sql: unknown) => typeof sql === 'string' && sql.startsWith('ALTER SEQUENCE `order_no` RESTART WITH')
    // A statement `fail` names fails; an UNLOCK TABLES it names is run all the same (the lock is released), its answer lost.
    const failing = async <T>(fail: (sql: unknown) => Error | undefined, run: () => Promise<T>) => {
      proto.query = async function (this: unknown, sql: unknown, ...rest: unknown[]) {
        const err = fail(sql)
        if (err && sql === 'UNLOCK TABLES') await original.call(this, sql, ...rest)
        if (err) throw err
        return original.call(this, sql, ...rest)
      }
      try {
        return await run()
      } finally {
        proto.query = original
      }
    }
    const caught = () =>
      backend.checkpoint('ready').then(
        () => undefined,
        (e: Error) => e,
      )

    // Only the restart fails: its error as it was, and the lock released (the app's NEXTVAL is not held up).
    const alone = await failing((sql) => (restart(sql) ? new Error('restart refused (alone)') : undefined), caught)
    expect(alone?.message).toContain('restart refused (alone)')
    expect(await orderNo()).toBeGreaterThan(0)

    // The restart fails, then the UNLOCK too (as on a connection that was lost): both said, the first first.
    const both = await failing(
      (sql) => (restart(sql) ? new Error('restart refused (first)') : sql === 'UNLOCK TABLES' ? new Error('unlock refused (second)') : undefined),
      caught,
    )
    expect(both?.message).toContain('sequence `order_no`')
    expect(both?.message).toMatch(/restart refused \(first\).*UNLOCK TABLES failed too: .*unlock refused \(second\)/)
    await backend.disconnect()
  })
})
