/**
 * Large objects live in a system catalog no trigger sees: a rollback used to leave every large object a
 * path created, changed or removed, and say it had succeeded. It now removes the ones a path created
 * (exactly the checkpoint's state again) and fails naming those it cannot put back: changed, removed, or
 * not readable by the backend's user (a role that is no superuser, whose app writes as another role).
 * The app's statements run on connections of their own.
 */
import { StateError } from '@venomqa/core'
import { describeWithService } from '@venomqa/test-utils'
import pg from 'pg'
import { afterAll, beforeAll, beforeEach, expect, it } from 'vitest'
import { postgresState } from '../src/index'
import { ADMIN_URL, PG, commitRightAfter, dropLimitedRole, createDatabase, dropDatabase, withClient, withSnapshot } from './helpers'

const describe = await describeWithService('PostgreSQL', PG.host, PG.port)
const DB = 'venomqa_pg_large_objects'
const ROLE = 'venomqa_pg_lo_limited'
const LIMITED_URL = `postgres://${ROLE}@127.0.0.1:5432/${DB}`

const SCHEMA = `
CREATE TABLE files (id serial PRIMARY KEY, name text NOT NULL, content oid);
INSERT INTO files (name, content) VALUES ('kept', lo_from_bytea(0, 'the checkpoint''s bytes'));
`

const dropRole = () => dropLimitedRole(ROLE)

describe('large objects under the snapshot mechanism', () => {
  let url: string
  const app = (sql: string, as = url) => withClient(as, (c) => c.query(sql))
  const largeObjects = async () =>
    (await app('SELECT oid::int8::text AS lo, lomowner::regrole::text AS owner FROM pg_largeobject_metadata ORDER BY oid')).rows.map((r) => `${r.lo}:${r.owner}`)
  const files = async () => (await app('SELECT name FROM files ORDER BY id')).rows.map((r) => r.name)
  const kept = async () => (await app(`SELECT content::int8::text AS lo FROM files WHERE name = 'kept'`)).rows[0].lo as string
  const content = async (lo: string) => (await app(`SELECT convert_from(lo_get(${lo}), 'UTF8') AS t`)).rows[0].t

  beforeAll(() => dropRole())
  beforeEach(async () => {
    await dropDatabase(DB)
    url = await createDatabase(DB, SCHEMA)
  })
  afterAll(async () => {
    await dropDatabase(DB)
    await dropRole()
  })

  it('large objects a path created (lo_from_bytea, lo_create, lo_import) are removed: the checkpoint state, exactly', async () => {
    await withSnapshot(url, async (backend) => {
      await backend.checkpoint('start')
      const before = await largeObjects()
      await app(`INSERT INTO files (name, content) VALUES ('new', lo_from_bytea(0, 'path bytes')); SELECT lo_create(0); SELECT lo_import('/etc/hostname')`)
      expect((await largeObjects()).length).toBe(before.length + 3)
      await backend.rollback('start')
      expect(await largeObjects()).toEqual(before)
      expect(await files()).toEqual(['kept'])
    })
  })

  const paths: Record<string, [sql: (lo: string) => string, named: RegExp]> = {
    lo_put: [(lo) => `SELECT lo_put(${lo}, 0, 'THE')`, /large object (\d+) changed \(lo_put/],
    'lo_put in the middle': [(lo) => `SELECT lo_put(${lo}, 4, 'XXXXXXXXXX')`, /large object (\d+) changed/],
    lo_unlink: [(lo) => `SELECT lo_unlink(${lo})`, /large object (\d+) removed \(lo_unlink\) and cannot be put back/],
    'GRANT on a large object': [(lo) => `GRANT SELECT ON LARGE OBJECT ${lo} TO PUBLIC`, /large object (\d+) changed/],
  }
  for (const [what, [sql, named]] of Object.entries(paths)) {
    it(`${what} in a path: the rollback restores the tables and removes what the path created, then fails naming it`, async () => {
      const lo = await kept()
      await withSnapshot(url, async (backend) => {
        await backend.checkpoint('start')
        await app(`INSERT INTO files (name, content) VALUES ('new', lo_from_bytea(0, 'path bytes')); ${sql(lo)}`)
        const err = await backend.rollback('start').catch((e: unknown) => e)
        expect(err).toBeInstanceOf(StateError)
        expect((err as Error).message).toMatch(named)
        expect((err as Error).message.match(named)![1]).toBe(lo)
        expect((err as Error).message).toMatch(/Every table was restored; the large objects stay as the path left them/)
        expect(await files()).toEqual(['kept'])
        // The one the path created is gone all the same.
        expect((await largeObjects()).filter((x) => x.startsWith(`${lo}:`) === false)).toEqual([])
      })
    })
  }

  it('a path that reads a large object, and one that writes the same bytes over it, roll back without a word', async () => {
    const lo = await kept()
    await withSnapshot(url, async (backend) => {
      await backend.checkpoint('start')
      await app(`SELECT lo_get(${lo}); SELECT lo_put(${lo}, 0, 'the')`)
      await backend.rollback('start')
      expect(await content(lo)).toBe("the checkpoint's bytes")
    })
  })

  it('nested checkpoints: each rollback removes the large objects created since its own checkpoint', async () => {
    await withSnapshot(url, async (backend) => {
      await backend.checkpoint('outer')
      const atOuter = await largeObjects()
      await app(`SELECT lo_from_bytea(0, 'one')`)
      await backend.checkpoint('inner')
      const atInner = await largeObjects()
      await app(`SELECT lo_from_bytea(0, 'two')`)
      await backend.rollback('inner')
      expect(await largeObjects()).toEqual(atInner)
      await backend.rollback('outer')
      expect(await largeObjects()).toEqual(atOuter)
    })
  })

  it('a checkpoint under one whose large objects a path changed or removed is refused, naming them; the rollback to the open one still fails', async () => {
    const lo = await kept()
    const [{ gone }] = (await app(`SELECT lo_from_bytea(0, 'to remove')::int8::text AS gone`)).rows
    await withSnapshot(url, async (backend) => {
      await backend.checkpoint('outer')
      await app(`SELECT lo_put(${lo}, 0, 'THE'); SELECT lo_unlink(${gone}); SELECT lo_from_bytea(0, 'made')`)
      const refused = await backend.checkpoint('inner').catch((e: unknown) => e)
      expect(refused).toBeInstanceOf(StateError)
      const message = (refused as Error).message
      expect(message).toContain(`checkpoint "inner": the large objects of database "${DB}"`)
      expect(message).toContain(`changed under checkpoint "outer": large object ${lo} changed`)
      expect(message).toContain(`large object ${gone} removed (lo_unlink)`)
      expect(message).toContain('no checkpoint was taken')
      expect(backend.checkpoints).toEqual(['outer'])
      await expect(backend.rollback('outer')).rejects.toThrow(new RegExp(`large object ${lo} changed`))
    })
  })

  /**
   * Another session's transaction that has written only large objects, still open when a checkpoint or a
   * rollback starts. It holds no lock on a tracked table, and was not waited for: a checkpoint read the
   * large object as it was before, and the rollback after the commit failed saying the path changed it; a
   * rollback saw nothing of what it created, which then landed on the next path. The transaction `held`
   * commits the moment the backend, in `during`, polls for writers on their own (it waits for them), or
   * right after `during` when it never does; `before` and `after` run around them.
   */
  type Backend = ReturnType<typeof postgresState>
  async function whileHeld(held: string, steps: { before: (b: Backend) => Promise<void>; during: (b: Backend) => Promise<void>; after: (b: Backend) => Promise<void> }) {
    const backend = postgresState({ url, lockTimeoutMs: 10_000 })
    const writer = new pg.Client({ connectionString: url })
    await writer.connect()
    try {
      await backend.connect()
      await steps.before(backend)
      await writer.query(`BEGIN; ${held}`)
      const waited = await commitRightAfter(writer, (sql) => sql.startsWith('SELECT * FROM "_venomqa".in_flight_writers('), 'COMMIT', () => steps.during(backend))
      if (!waited) await writer.query('COMMIT')
      await steps.after(backend)
    } finally {
      await writer.end()
      await backend.disconnect()
    }
  }

  for (const [what, held] of [
    ['written (lo_put)', (lo: string) => `SELECT lo_put(${lo}, 0, 'NEW')`],
    ['removed (lo_unlink)', (lo: string) => `SELECT lo_unlink(${lo})`],
  ] as const) {
    it(`a checkpoint waits for a transaction that has only ${what} a large object: it holds the committed state, and the rollback to it passes`, async () => {
      const lo = await kept()
      await whileHeld(held(lo), {
        before: async () => {},
        during: (backend) => backend.checkpoint('start'),
        after: async (backend) => {
          const atCheckpoint = await largeObjects()
          await app(`SELECT lo_from_bytea(0, 'path bytes')`)
          await backend.rollback('start')
          expect(await largeObjects()).toEqual(atCheckpoint)
        },
      })
    })
  }

  for (const [what, between] of [
    ['created', () => `SELECT lo_from_bytea(0, 'between')`],
    ['changed', (lo: string) => `SELECT lo_put(${lo}, 0, 'THE')`],
  ] as const) {
    it(`a large object ${what} by a transaction that commits between the checkpoint's first read and its mark is part of the checkpoint: the rollback to it keeps it and passes`, async () => {
      // The large objects were read in the checkpoint's first round trip, before that commit, and its mark
      // taken after it, with no transaction left to wait for: the rollback removed the one created, as if
      // the path had made it, or failed saying the path changed the other.
      const lo = await kept()
      await withSnapshot(url, (backend) =>
        withClient(url, async (writer) => {
          const fired = await commitRightAfter(writer, (sql) => sql.startsWith('SELECT * FROM "_venomqa".shape('), between(lo), () => backend.checkpoint('start'))
          expect(fired).toBe(true)
          const atCheckpoint = await largeObjects()
          await app(`SELECT lo_from_bytea(0, 'path bytes')`)
          await backend.rollback('start')
          expect(await largeObjects()).toEqual(atCheckpoint)
          expect(await content(lo)).toBe(what === 'changed' ? "THE checkpoint's bytes" : "the checkpoint's bytes")
        }),
      )
    })
  }

  it('a rollback waits for a transaction that has only created a large object: it is removed, not left to the next path', async () => {
    let atCheckpoint: string[] = []
    await whileHeld(`SELECT lo_from_bytea(0, 'late')`, {
      before: async (backend) => {
        await backend.checkpoint('start')
        atCheckpoint = await largeObjects()
      },
      during: (backend) => backend.rollback('start'),
      after: async () => expect(await largeObjects()).toEqual(atCheckpoint),
    })
  })

  it('one still open after lockTimeoutMs fails the checkpoint, naming the session', async () => {
    await withClient(url, async (writer) => {
      const [{ pid }] = (await writer.query('SELECT pg_backend_pid() AS pid')).rows
      await writer.query(`BEGIN; SELECT lo_from_bytea(0, 'held')`)
      const backend = postgresState({ url, lockTimeoutMs: 300 })
      try {
        await backend.connect()
        await expect(backend.checkpoint('start')).rejects.toThrow(
          new RegExp(`checkpoint "start": a session of database "${DB}" .* still had a transaction with uncommitted writes to tracked tables or large objects after 300 ms \\(lockTimeoutMs\\): pid ${pid} `),
        )
      } finally {
        await writer.query('ROLLBACK')
        await backend.disconnect()
      }
    })
  })

  it('a transaction that has only read a large object holds up nothing: reading takes the same lock, but no transaction id', async () => {
    const lo = await kept()
    await withClient(url, async (reader) => {
      await reader.query(`BEGIN; SELECT lo_get(${lo})`)
      const backend = postgresState({ url, lockTimeoutMs: 300 })
      try {
        await backend.connect()
        await backend.checkpoint('start')
        await backend.rollback('start')
      } finally {
        await reader.query('ROLLBACK')
        await backend.disconnect()
      }
    })
  })

  describe('a backend user that is no superuser', () => {
    beforeEach(async () => {
      await dropRole()
      await withClient(ADMIN_URL, (c) => c.query(`CREATE ROLE ${ROLE} LOGIN; GRANT SET ON PARAMETER session_replication_role TO ${ROLE}`))
      await app(`GRANT CREATE ON DATABASE ${DB} TO ${ROLE}; GRANT USAGE ON SCHEMA public TO ${ROLE};
        GRANT ALL ON ALL TABLES IN SCHEMA public TO ${ROLE}; GRANT ALL ON ALL SEQUENCES IN SCHEMA public TO ${ROLE}`)
    })
    afterAll(async () => {
      // The database goes first: the role owns the large objects it made there.
      await dropDatabase(DB)
      await dropRole()
    })

    it('large objects of its own (the app writes as the same role): created ones removed, changed ones told', async () => {
      // The schema's large object is the superuser's: readable once granted, as the error's advice says.
      await app(`GRANT SELECT ON LARGE OBJECT ${await kept()} TO ${ROLE}`)
      const backend = postgresState({ url: LIMITED_URL })
      try {
        await backend.connect()
        const [{ lo }] = (await app(`SELECT lo_from_bytea(0, 'mine')::int8::text AS lo`, LIMITED_URL)).rows
        await backend.checkpoint('start')
        const before = await largeObjects()
        await app(`SELECT lo_from_bytea(0, 'also mine')`, LIMITED_URL)
        await backend.rollback('start')
        expect(await largeObjects()).toEqual(before)
        await app(`SELECT lo_put(${lo}, 0, 'MINE')`, LIMITED_URL)
        await expect(backend.rollback('start')).rejects.toThrow(new RegExp(`large object ${lo} changed`))
      } finally {
        await backend.disconnect()
      }
    })

    it("another role's large objects it may not read or remove: the rollback fails naming them, and why", async () => {
      const lo = await kept() // owned by the superuser that made the schema
      const backend = postgresState({ url: LIMITED_URL })
      try {
        await backend.connect()
        await backend.checkpoint('start')
        // The app, as the superuser, writes over a large object the backend may not read, and makes another.
        const [{ made }] = (await app(`SELECT lo_put(${lo}, 0, 'THE'); SELECT lo_from_bytea(0, 'theirs')::int8::text AS made`).then((r) => (r as unknown as { rows: { made: string }[] }[])[1]!)).rows
        const err = await backend.rollback('start').catch((e: unknown) => e)
        expect(err).toBeInstanceOf(StateError)
        const message = (err as Error).message
        expect(message).toContain(`large object ${made} created, which user "${ROLE}" may not remove (lo_unlink needs their owner or a superuser)`)
        expect(message).toContain(`large object ${lo} not readable by user "${ROLE}" (permission denied), so whether the path changed it is unknown`)
        expect(await files()).toEqual(['kept'])
      } finally {
        await backend.disconnect()
      }
    })
  })
})
