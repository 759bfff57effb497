import { describeWithService } from '@venomqa/test-utils'
import { afterAll, afterEach, expect, it } from 'vitest'
import { type PostgresSnapshotBackend, postgresState } from '../src/index'
import pg from 'pg'
import { PG, SCHEMA, SEED, createDatabase, dropDatabase } from './helpers'

// observe() is what exploration fingerprints states with, after every action: it recounts only the tables
// the change log says were touched, and must always equal a full count. The test's own client plays the app.
const DB = 'venomqa_pg_observe'
const describe = await describeWithService('PostgreSQL', PG.host, PG.port)

describe('snapshot observe()', () => {
  let backend: PostgresSnapshotBackend | undefined
  let url = ''
  let app: pg.Client | undefined
  const sql = (text: string) => app!.query(text)

  afterEach(async () => {
    await app?.end().catch(() => {})
    await backend?.disconnect().catch(() => {})
    backend = undefined
  })
  afterAll(() => dropDatabase(DB))

  async function setup() {
    url = await createDatabase(DB, SCHEMA + SEED)
    backend = postgresState({ url }) as PostgresSnapshotBackend
    await backend.connect()
    app = new pg.Client({ connectionString: url })
    await app.connect()
    return backend
  }

  /** The truth, counted the slow way on a connection of its own. */
  async function truth(): Promise<Record<string, number>> {
    const names = backend!.tables
    const { rows } = await app!.query(names.map((n, i) => `SELECT ${i} AS i, count(*)::int AS n FROM ${n}`).join(' UNION ALL '))
    return Object.fromEntries(rows.map((r) => [names[r.i as number]!, r.n as number]))
  }

  it('counts every table once, then only the ones changed since (and the ones without a primary key, always)', async () => {
    const b = await setup()
    await b.checkpoint('root') // the first checkpoint empties the change log: counts start over after it
    expect(await b.observe()).toEqual(await truth())
    expect(b.observed.lastCounted).toBe(b.tables.length)
    await sql(`INSERT INTO users (email, name) VALUES ('o@e.com', 'O')`)
    expect(await b.observe()).toEqual(await truth())
    expect(b.observed.lastCounted).toBe(2) // users, and audit_log (no primary key)
    expect(await b.observe()).toEqual(await truth())
    expect(b.observed.lastCounted).toBe(1) // nothing changed: only audit_log
  })

  it('equals a full count after every step of a seeded random mix of writes, checkpoints and rollbacks', async () => {
    const b = await setup()
    let seed = 7
    const rand = (n: number) => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31
      return seed % n
    }
    const open: string[] = []
    let made = 0
    for (let i = 0; i < 80; i++) {
      const op = rand(10)
      if (op < 4) await sql(`INSERT INTO users (email, name) VALUES ('u${made++}@e.com', 'U')`)
      else if (op < 5) await sql(`DELETE FROM users WHERE id IN (SELECT id FROM users ORDER BY random() LIMIT 1)`)
      else if (op < 6) await sql(`INSERT INTO audit_log (event) VALUES ('e${i}')`)
      else if (op < 7) {
        const name = `c${i}`
        await b.checkpoint(name)
        open.push(name)
      } else if (op < 9 && open.length) {
        const to = open[rand(open.length)]!
        await b.rollback(to)
        open.splice(open.indexOf(to) + 1)
      } else if (open.length) {
        const gone = open.pop()!
        await b.release(gone)
      }
      expect(await b.observe(), `after operation ${i}`).toEqual(await truth())
    }
    await b.reset()
    expect(await b.observe()).toEqual(await truth())
  }, 120_000)
})
