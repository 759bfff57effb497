/**
 * Row-level security that binds the backend's own user (not a superuser, not the table's owner, no
 * BYPASSRLS) filtered what the snapshot mechanism saved and put back to the rows the policies let that user
 * see. The app wrote as a role no policy binds (here the superuser), and a rollback said it had succeeded
 * while rows it could not see stayed as the path left them: a table without a key kept the hidden rows a
 * path changed or added and lost those it removed, TRUNCATE lost them all, and a keyed table kept the
 * hidden rows a path added. A checkpoint is now refused, and a restore that would have to put such a table
 * back restores nothing: both say which table and what to do.
 */
import { StateError } from '@venomqa/core'
import { describeWithService } from '@venomqa/test-utils'
import { afterAll, beforeAll, beforeEach, expect, it } from 'vitest'
import { postgresState } from '../src/index'
import { ADMIN_URL, PG, createDatabase, dropDatabase, dropLimitedRole, trackingLeftovers, withClient } from './helpers'
import { runDatabaseName } from '@venomqa/test-utils/postgres'

const describe = await describeWithService('PostgreSQL', PG.host, PG.port)
const DB = runDatabaseName('venomqa_pg_rls')
const ROLE = 'venomqa_pg_rls_user'
const LIMITED_URL = `postgres://${ROLE}@127.0.0.1:5432/${DB}`

// Each table holds a row the policy lets the backend's user see (owner 1) and one it hides (owner 2).
const SCHEMA = `
CREATE TABLE notes (owner_id int NOT NULL, body text NOT NULL);
CREATE TABLE docs (id int PRIMARY KEY, owner_id int NOT NULL, body text NOT NULL);
INSERT INTO notes VALUES (1, 'mine'), (2, 'hidden');
INSERT INTO docs VALUES (1, 1, 'mine'), (2, 2, 'hidden');
ALTER TABLE notes ENABLE ROW LEVEL SECURITY; CREATE POLICY own ON notes USING (owner_id = 1);
ALTER TABLE docs ENABLE ROW LEVEL SECURITY; CREATE POLICY own ON docs USING (owner_id = 1);
GRANT USAGE ON SCHEMA public TO ${ROLE}; GRANT ALL ON ALL TABLES IN SCHEMA public TO ${ROLE};
GRANT CREATE ON DATABASE ${DB} TO ${ROLE};
`

/** What a path does to the rows the backend's user may not see; each was left after a rollback that succeeded. */
const HIDDEN_ROW_PATHS: Record<string, string> = {
  'changes a hidden row of a table without a key': `UPDATE notes SET body = 'changed' WHERE owner_id = 2`,
  'adds a hidden row to a table without a key': `INSERT INTO notes VALUES (2, 'added')`,
  'removes a hidden row of a table without a key': `DELETE FROM notes WHERE owner_id = 2`,
  'truncates a table without a key': 'TRUNCATE notes',
  'adds a hidden row to a keyed table': `INSERT INTO docs VALUES (3, 2, 'added')`,
  'truncates a keyed table': 'TRUNCATE docs',
}

describe('row-level security that binds the backend user', () => {
  let url: string
  const admin = (sql: string) => withClient(ADMIN_URL, (c) => c.query(sql))
  const app = (sql: string) => withClient(url, (c) => c.query(sql))
  const rows = async () => ({
    notes: (await app('SELECT owner_id, body FROM notes ORDER BY 1, 2')).rows.map((r) => `${r.owner_id}:${r.body}`),
    docs: (await app('SELECT id, owner_id, body FROM docs ORDER BY 1')).rows.map((r) => `${r.id}:${r.owner_id}:${r.body}`),
  })
  const CHECKPOINT_STATE = { notes: ['1:mine', '2:hidden'], docs: ['1:1:mine', '2:2:hidden'] }

  /** A backend connected as the limited role for `use`, disconnected after it. */
  async function asLimited<T>(use: (backend: ReturnType<typeof postgresState>) => Promise<T>): Promise<T> {
    const backend = postgresState({ url: LIMITED_URL })
    try {
      await backend.connect()
      return await use(backend)
    } finally {
      await backend.disconnect()
    }
  }

  beforeAll(async () => {
    await dropDatabase(DB)
    await dropLimitedRole(ROLE)
    await admin(`CREATE ROLE ${ROLE} LOGIN; GRANT SET ON PARAMETER session_replication_role TO ${ROLE}`)
  })
  beforeEach(async () => {
    await dropDatabase(DB)
    url = await createDatabase(DB, SCHEMA)
    // A test that gave the role BYPASSRLS and failed before taking it back leaves it to no other.
    await admin(`ALTER ROLE ${ROLE} NOBYPASSRLS`)
  })
  afterAll(async () => {
    await dropDatabase(DB)
    await dropLimitedRole(ROLE)
  })

  it('a checkpoint is refused, naming each table and what to do; nothing is taken and nothing is left', async () => {
    await asLimited(async (backend) => {
      const err = await backend.checkpoint('cp').catch((e: unknown) => e)
      expect(err).toBeInstanceOf(StateError)
      expect((err as Error).message).toMatch(
        new RegExp(
          `checkpoint "cp": row-level security of table public\\.docs, table public\\.notes applies to user "${ROLE}" of database "${DB}" .*which is not a superuser, has no BYPASSRLS and is not exempt as the owner: the snapshot mechanism would read and write only the rows its policies let that user see.*no checkpoint was taken\\.$`,
        ),
      )
      expect((err as StateError).suggestion).toMatch(new RegExp(`Connect the backend as the tables' owner .*a superuser, or a role with BYPASSRLS \\(ALTER ROLE "${ROLE}" BYPASSRLS\\)`))
      expect(backend.checkpoints).toEqual([])
      await expect(backend.rollback('cp')).rejects.toThrow(/cp/)
      // observe() counts as it always did, outside any checkpoint: what the user may see.
      expect(await backend.observe()).toEqual({ 'public.docs': 1, 'public.notes': 1 })
    })
    expect(await rows()).toEqual(CHECKPOINT_STATE)
    expect(await trackingLeftovers(url)).toEqual([])
  })

  it('FORCE ROW LEVEL SECURITY on a table the user owns binds it too, and the message says so', async () => {
    await app(`ALTER TABLE notes OWNER TO ${ROLE}; ALTER TABLE docs OWNER TO ${ROLE}; ALTER TABLE docs FORCE ROW LEVEL SECURITY`)
    await asLimited(async (backend) => {
      await expect(backend.checkpoint('cp')).rejects.toThrow(
        /row-level security of table public\.docs \(owned by that user, but with FORCE ROW LEVEL SECURITY, which binds its owner too\) applies to user/,
      )
    })
  })

  for (const [what, sql] of Object.entries(HIDDEN_ROW_PATHS)) {
    it(`when row security comes to bind the user under an open checkpoint, a path that ${what}: the rollback restores nothing and fails`, async () => {
      // A role with BYPASSRLS at the checkpoint, without it at the rollback (its rights changed meanwhile).
      await admin(`ALTER ROLE ${ROLE} BYPASSRLS`)
      await asLimited(async (backend) => {
        await backend.checkpoint('cp')
        await app(`UPDATE docs SET body = 'path' WHERE id = 1; UPDATE notes SET body = 'path' WHERE owner_id = 1; ${sql}`)
        const left = await rows()
        await admin(`ALTER ROLE ${ROLE} NOBYPASSRLS`)
        const err = await backend.rollback('cp').catch((e: unknown) => e)
        expect(err).toBeInstanceOf(StateError)
        expect((err as Error).message).toMatch(
          /rollback to "cp": row-level security of table public\.docs, table public\.notes applies to user .* the rows of other users that the path changed, added or removed would stay as the path left them, so nothing was restored\.$/,
        )
        expect(await rows()).toEqual(left)
        // The checkpoint is still open: with the right back, the rollback puts back every row.
        await admin(`ALTER ROLE ${ROLE} BYPASSRLS`)
        await backend.rollback('cp')
        expect(await rows()).toEqual(CHECKPOINT_STATE)
      })
      await admin(`ALTER ROLE ${ROLE} NOBYPASSRLS`)
    })
  }

  it('a path that turns row security on for a tracked table it writes: the rollback names both the table and the schema change', async () => {
    await app('ALTER TABLE docs DISABLE ROW LEVEL SECURITY; ALTER TABLE notes DISABLE ROW LEVEL SECURITY')
    await asLimited(async (backend) => {
      await backend.checkpoint('cp')
      await app(`ALTER TABLE notes ENABLE ROW LEVEL SECURITY; INSERT INTO notes VALUES (2, 'added')`)
      await expect(backend.rollback('cp')).rejects.toThrow(
        /rollback to "cp": row-level security of table public\.notes applies to user .*so nothing was restored\. The schema changed under the checkpoint too: table public\.notes: its row-level security was turned on/,
      )
      expect((await rows()).notes).toEqual(['1:mine', '2:added', '2:hidden'])
    })
  })

  for (const [what, role] of [
    ["the tables are the user's own", `ALTER TABLE notes OWNER TO ${ROLE}; ALTER TABLE docs OWNER TO ${ROLE}`],
    ['the user has BYPASSRLS', `ALTER ROLE ${ROLE} BYPASSRLS`],
  ] as const) {
    it(`when ${what}, every row is saved and put back, the hidden ones too`, async () => {
      if (role.startsWith('ALTER ROLE')) await admin(role)
      else await app(role)
      try {
        await asLimited(async (backend) => {
          for (const sql of Object.values(HIDDEN_ROW_PATHS)) {
            await backend.checkpoint('cp')
            await app(`UPDATE docs SET body = 'path' WHERE id = 1; ${sql}`)
            await backend.rollback('cp')
            expect(await rows(), sql).toEqual(CHECKPOINT_STATE)
          }
        })
      } finally {
        await admin(`ALTER ROLE ${ROLE} NOBYPASSRLS`)
      }
    })
  }
})
