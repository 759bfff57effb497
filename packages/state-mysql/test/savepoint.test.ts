import { StateError } from '@venomqa/core'
import { describeWithService } from '@venomqa/test-utils'
import type { RowDataPacket } from 'mysql2/promise'
import { afterAll, afterEach, beforeEach, expect, it } from 'vitest'
import { MysqlSavepointBackend } from '../src'
import { HOST, PORT, admin, dbName, dropDatabase, dump, freshDatabase, urlFor } from './helpers'

const DB = dbName('savepoint')
const describe = await describeWithService('MariaDB', HOST, PORT)

describe('MysqlSavepointBackend (app in the same process, on the backend connection)', () => {
  let backend: MysqlSavepointBackend
  beforeEach(async () => {
    await freshDatabase(DB)
    backend = new MysqlSavepointBackend({ url: urlFor(DB) })
    await backend.connect()
  })
  afterEach(() => backend.disconnect())
  afterAll(() => dropDatabase(DB))

  const users = async () => (await backend.connection.query<RowDataPacket[]>('SELECT email FROM users ORDER BY id'))[0].map((r) => r.email)

  it('rolls back what went through its connection, nested savepoints included', async () => {
    const conn = backend.connection
    await conn.query(`INSERT INTO users (email, name) VALUES ('a@x.io', 'A')`)
    await backend.checkpoint('outer')
    await conn.query(`INSERT INTO users (email, name) VALUES ('b@x.io', 'B')`)
    await backend.checkpoint('inner')
    await conn.query(`INSERT INTO users (email, name) VALUES ('c@x.io', 'C')`)
    await backend.rollback('inner')
    expect(await users()).toEqual(['a@x.io', 'b@x.io'])
    await backend.rollback('outer')
    expect(await users()).toEqual(['a@x.io'])
    // MySQL drops every savepoint after the one rolled back to: say so instead of failing obscurely.
    const error = await backend.rollback('inner').catch((e) => e)
    expect(error).toBeInstanceOf(StateError)
    expect(error.message).toContain('no checkpoint "inner" (open: outer)')
    expect(await backend.observe()).toEqual({ comments: 0, tags: 0, todos: 0, users: 1 })
  })

  it('taking an open name again releases its savepoint and the later ones, then sets a new one', async () => {
    const conn = backend.connection
    await backend.checkpoint('a')
    await conn.query(`INSERT INTO users (email, name) VALUES ('a@x.io', 'A')`)
    await backend.checkpoint('b')
    await conn.query(`INSERT INTO users (email, name) VALUES ('b@x.io', 'B')`)
    await backend.checkpoint('a')
    expect(backend.checkpoints).toEqual(['a'])
    await conn.query(`INSERT INTO users (email, name) VALUES ('c@x.io', 'C')`)
    await backend.rollback('a')
    expect(await users()).toEqual(['a@x.io', 'b@x.io'])
    // MySQL itself no longer knows the old savepoints: they were released, not left behind.
    await expect(conn.query('ROLLBACK TO SAVEPOINT venomqa_sp_1')).rejects.toMatchObject({ code: 'ER_SP_DOES_NOT_EXIST' })
    await expect(conn.query('ROLLBACK TO SAVEPOINT venomqa_sp_2')).rejects.toMatchObject({ code: 'ER_SP_DOES_NOT_EXIST' })
    await backend.release('a')
    await backend.release('a') // no longer open: nothing to do
    expect(backend.checkpoints).toEqual([])
  })

  it("a row another connection committed since the checkpoint fails the rollback, naming the table: it is never passed over as restored", async () => {
    const conn = backend.connection
    // An app with its own pool, committing on its own connection.
    const other = await admin(DB)
    try {
      // A seed row with an explicit id, committed before the checkpoint: not taken for a new one.
      await other.query(`INSERT INTO users (id, email, name) VALUES (500, 'seed@x.io', 'S')`)
      await backend.checkpoint('ready')
      await conn.query(`INSERT INTO users (email, name) VALUES ('own@x.io', 'Own')`)
      // Our own write, rolled back: no error.
      await backend.rollback('ready')
      expect(await users()).toEqual(['seed@x.io'])
      await other.query(`INSERT INTO users (email, name) VALUES ('app@x.io', 'App')`)
      const error = await backend.rollback('ready').catch((e) => e)
      expect(error).toBeInstanceOf(StateError)
      expect(error.message).toContain(`rollback to "ready" left rows written since: users has rows with id above 500 (its highest at the checkpoint)`)
      expect(error.message).toContain("use mechanism 'snapshot'")
      // The checkpoint is still open: a later checkpoint taken after the app's row sees it as old.
      expect(backend.checkpoints).toEqual(['ready'])
      await backend.checkpoint('later')
      await backend.rollback('later')
    } finally {
      await other.query(`DELETE FROM users`)
      await other.end()
    }
  })

  it('a table that was empty at the checkpoint is named as such, not as one with rows "above none"', async () => {
    const other = await admin(DB)
    try {
      await backend.checkpoint('ready')
      await other.query(`INSERT INTO users (email, name) VALUES ('app@x.io', 'App')`)
      const error = await backend.rollback('ready').catch((e) => e)
      expect(error).toBeInstanceOf(StateError)
      expect(error.message).toContain(`rollback to "ready" left rows written since: users has rows (it had none at the checkpoint). They were committed`)
      expect(error.message).not.toContain('above none')
    } finally {
      await other.query(`DELETE FROM users`)
      await other.end()
    }
  })

  it('says the savepoints are gone when something committed the transaction', async () => {
    await backend.checkpoint('cp')
    await backend.connection.query('COMMIT')
    const error = await backend.rollback('cp').catch((e) => e)
    expect(error).toBeInstanceOf(StateError)
    expect(error.message).toContain('the savepoint is gone: the transaction was committed')
  })

  it('undoes everything at disconnect, reset() included', async () => {
    const before = await dump(DB)
    await backend.connection.query(`INSERT INTO users (email, name) VALUES ('a@x.io', 'A')`)
    await backend.reset()
    expect(await backend.observe()).toEqual({ comments: 0, tags: 0, todos: 0, users: 0 })
    await backend.disconnect()
    const after = await dump(DB)
    expect(after.rows).toEqual(before.rows)
    // A known limit of savepoints: InnoDB does not give back AUTO_INCREMENT values on rollback.
    expect(Number(after.autoIncrement.users)).toBe(Number(before.autoIncrement.users) + 1)
    const closed = (() => {
      try {
        return backend.connection
      } catch (e) {
        return e
      }
    })()
    expect(closed).toBeInstanceOf(StateError)
    await backend.connect()
  })
})
