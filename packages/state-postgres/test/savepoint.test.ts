import { describeWithService } from '@venomqa/test-utils'
import { afterAll, beforeAll, expect, it } from 'vitest'
import { postgresState } from '../src/index'
import { PG, SCHEMA, SEED, createDatabase, dropDatabase, dump } from './helpers'

const DB = 'venomqa_pg_savepoint'
const describe = await describeWithService('PostgreSQL', PG.host, PG.port)

describe('savepoint mechanism, app in the same process using the backend\'s connection', () => {
  let url: string
  beforeAll(async () => {
    url = await createDatabase(DB, SCHEMA + SEED)
  })
  afterAll(() => dropDatabase(DB))

  it('restores what went through its connection, ids included; disconnect leaves the database as before connect', async () => {
    const before = await dump(url)
    const backend = postgresState({ url, mechanism: 'savepoint' })
    expect([backend.mechanism, backend.parallelSafe]).toEqual(['savepoint', false])
    await backend.connect()
    // The in-process app is handed this connection: everything it writes is inside the run's transaction.
    const app = backend.connection()
    expect(app).toBe(backend.connection())
    await app.query(`INSERT INTO users (email, name) VALUES ('main@e.com', 'Main')`)
    await backend.checkpoint('ready')
    const atCheckpoint = (await backend.query('SELECT * FROM users ORDER BY id')).rows

    const ids: number[] = []
    for (const path of ['a', 'b']) {
      await backend.rollback('ready')
      expect((await backend.query('SELECT * FROM users ORDER BY id')).rows).toEqual(atCheckpoint)
      const { rows } = await backend.query(`INSERT INTO users (email, name) VALUES ($1, 'P') RETURNING id`, [`${path}@e.com`])
      ids.push(rows[0].id)
      await backend.query('DELETE FROM todos')
    }
    expect(ids).toEqual([4, 4])

    // Nested: rolling back to the outer savepoint drops the inner one.
    await backend.rollback('ready')
    await backend.checkpoint('inner')
    await backend.query(`UPDATE users SET name = 'inner'`)
    await backend.rollback('ready')
    await expect(backend.rollback('inner')).rejects.toThrow(/no checkpoint "inner" \(open: ready\)/)
    expect((await backend.query('SELECT * FROM users ORDER BY id')).rows).toEqual(atCheckpoint)

    await backend.reset()
    expect(await backend.observe()).toMatchObject({ 'public.users': 0 })
    await backend.rollback('ready')
    await backend.release('ready')
    expect(backend.checkpoints).toEqual([])
    await backend.disconnect()
    expect(await dump(url)).toEqual(before)
  })

  it('taking an open name again releases its savepoint and the later ones, then sets a new one', async () => {
    const backend = postgresState({ url, mechanism: 'savepoint' })
    await backend.connect()
    try {
      await backend.checkpoint('a')
      await backend.query(`UPDATE users SET name = 'after a'`)
      await backend.checkpoint('b')
      await backend.query(`UPDATE users SET name = 'after b'`)
      await backend.checkpoint('a')
      expect(backend.checkpoints).toEqual(['a'])
      // Released in the database too, not only forgotten by the backend.
      await expect(backend.query('ROLLBACK TO SAVEPOINT venomqa_1')).rejects.toThrow(/savepoint "venomqa_1" does not exist/)
      await backend.rollback('a') // also ends the aborted state the failed statement left
      expect((await backend.query('SELECT DISTINCT name FROM users')).rows).toEqual([{ name: 'after b' }])
    } finally {
      await backend.disconnect()
    }
  })

  it('does nothing for writes made on other connections (documented; the contrast test shows it with an app process)', async () => {
    const backend = postgresState({ url, mechanism: 'savepoint' })
    await backend.connect()
    await backend.checkpoint('cp')
    const other = postgresState({ url, mechanism: 'savepoint' })
    await other.connect()
    await other.query(`INSERT INTO users (email, name) VALUES ('elsewhere@e.com', 'E')`)
    await other.query('COMMIT')
    await other.disconnect()
    await backend.rollback('cp')
    expect((await backend.query(`SELECT count(*)::int AS n FROM users WHERE email = 'elsewhere@e.com'`)).rows).toEqual([{ n: 1 }])
    await backend.disconnect()
  })
})
