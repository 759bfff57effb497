import { StateError } from '@venomqa/core'
import { describeWithService } from '@venomqa/test-utils'
import pg from 'pg'
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

  it('a failed app statement (a duplicate key the app answers 409 to) leaves the run transaction usable', async () => {
    const before = await dump(url)
    const backend = postgresState({ url, mechanism: 'savepoint' })
    await backend.connect()
    try {
      const app = backend.connection()
      await app.query(`INSERT INTO users (email, name) VALUES ('dup@e.com', 'First')`)
      await expect(app.query(`INSERT INTO users (email, name) VALUES ('dup@e.com', 'Again')`)).rejects.toMatchObject({ code: '23505' })
      // Before: "current transaction is aborted" for every later statement and for the next checkpoint.
      expect((await app.query(`SELECT name FROM users WHERE email = 'dup@e.com'`)).rows).toEqual([{ name: 'First' }])
      await backend.checkpoint('after')
      // Callback style, and several statements at once on the one connection, one of them failing.
      const viaCallback = await new Promise<unknown>((resolve) => app.query('SELECT nope FROM users', (err: unknown) => resolve(err)))
      expect(viaCallback).toMatchObject({ code: '42703' })
      const all = await Promise.allSettled([
        backend.query(`UPDATE users SET name = 'one' WHERE email = 'dup@e.com'`),
        backend.query(`INSERT INTO users (email, name) VALUES ('dup@e.com', 'Third')`),
        backend.query(`INSERT INTO users (email, name) VALUES ('other@e.com', 'Other')`),
      ])
      expect(all.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'fulfilled'])
      // The app's own savepoints still mean what they say.
      await app.query('SAVEPOINT mine')
      await app.query(`UPDATE users SET name = 'undone'`)
      await app.query('ROLLBACK TO SAVEPOINT mine')
      await app.query('RELEASE SAVEPOINT mine')
      expect((await app.query(`SELECT name FROM users WHERE email IN ('dup@e.com', 'other@e.com') ORDER BY email`)).rows).toEqual([
        { name: 'one' },
        { name: 'Other' },
      ])
      await backend.rollback('after')
      expect((await app.query(`SELECT name FROM users WHERE email IN ('dup@e.com', 'other@e.com') ORDER BY email`)).rows).toEqual([{ name: 'First' }])
      await backend.disconnect()
      expect(await dump(url)).toEqual(before)
    } finally {
      await backend.disconnect()
    }
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

  it('cannot undo writes committed on other connections: the rollback fails saying so, and leaves their sequences ahead of their rows', async () => {
    const backend = postgresState({ url, mechanism: 'savepoint' })
    await backend.connect()
    await backend.checkpoint('cp')
    await backend.checkpoint('later')
    // An app with a connection of its own.
    const other = new pg.Client({ connectionString: url })
    await other.connect()
    await other.query(`INSERT INTO users (email, name) VALUES ('elsewhere@e.com', 'E')`)
    await other.end()
    // Before: "rolled back", with users_id_seq set back under the row, so the next insert reused its id.
    await expect(backend.rollback('cp')).rejects.toThrow(
      /the rollback to "cp" left rows written since: "public"\."users" has ids from public\.users_id_seq handed out after it\. They were committed through another connection/,
    )
    expect((await backend.query(`SELECT count(*)::int AS n FROM users WHERE email = 'elsewhere@e.com'`)).rows).toEqual([{ n: 1 }])
    // The ROLLBACK TO dropped the later savepoint: its checkpoint is gone too, as after a rollback that
    // succeeds. Before, it stayed open, and using it failed on a savepoint PostgreSQL no longer had.
    expect(backend.checkpoints).toEqual(['cp'])
    const later = await backend.rollback('later').catch((e: unknown) => e)
    expect(later).toBeInstanceOf(StateError)
    expect((later as Error).message).toMatch(/: no checkpoint "later" \(open: cp\)$/)
    await backend.release('later') // not open: nothing to do, as documented
    await backend.release('cp')
    expect(backend.checkpoints).toEqual([])
    const ahead = `SELECT (SELECT last_value FROM users_id_seq) >= (SELECT max(id) FROM users) AS ok`
    expect((await backend.query(ahead)).rows).toEqual([{ ok: true }])
    // Disconnecting rolls the run back and says the same: the database is not as it was before connect.
    await expect(backend.disconnect()).rejects.toThrow(/the rollback of the run left rows written since/)
    const check = postgresState({ url, mechanism: 'savepoint' })
    await check.connect()
    try {
      expect((await check.query(ahead)).rows).toEqual([{ ok: true }])
      // The app can go on inserting: no id is handed out twice.
      await check.query(`INSERT INTO users (email, name) VALUES ('next@e.com', 'N')`)
    } finally {
      await check.disconnect()
    }
  })
})
