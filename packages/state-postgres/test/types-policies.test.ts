/**
 * Composite types, domains and range types, row-level security and policies, rules and owners that a path
 * creates, alters or drops are no rows the snapshot tracking can put back. A rollback after such a path
 * passed in silence, leaving the next path on the path's domain constraint (or its policy, or its rule).
 * It now restores every table (a table whose owner, policies or rules changed too: its rows still fit it),
 * then fails naming each object that stays as the path left it. The app's statements run on a connection
 * of their own, as an app's pool would run them.
 */
import { StateError } from '@venomqa/core'
import { describeWithService } from '@venomqa/test-utils'
import { expect, it } from 'vitest'
import { postgresState } from '../src/index'
import { PG, freshDatabaseEachTest, withSnapshot } from './helpers'

const describe = await describeWithService('PostgreSQL', PG.host, PG.port)
const DB = 'venomqa_pg_types_policies'

const SCHEMA = `
CREATE DOMAIN positive AS int CHECK (VALUE > 0);
CREATE TYPE point2 AS (x int, y int);
CREATE TYPE floatrange AS RANGE (subtype = float8);
CREATE TABLE users (id serial PRIMARY KEY, email text NOT NULL, score positive);
CREATE TABLE audit (id serial PRIMARY KEY, event text NOT NULL);
CREATE SEQUENCE tickets;
CREATE POLICY mine ON users USING (true);
CREATE VIEW user_emails AS SELECT email FROM users;
INSERT INTO users (email) VALUES ('a@x');
`

describe('types, domains, row-level security, policies, rules and owners under the snapshot mechanism', () => {
  const { url, app, emails } = freshDatabaseEachTest(DB, SCHEMA)

  const ownerSecurity = (what: string) =>
    new RegExp(`table public\\.users: ${what}.*the owner, row-level security, policies and rules of table public\\.users stays? as the path left (it|them)`)
  const paths: Record<string, [sql: string, named: RegExp]> = {
    'CREATE TYPE ... AS (composite)': [
      'CREATE TYPE pair AS (a int, b int)',
      /composite type public\.pair was created.*composite type public\.pair stays as the path left it/,
    ],
    'ALTER TYPE ... ADD ATTRIBUTE': ['ALTER TYPE point2 ADD ATTRIBUTE z int', /composite type public\.point2 was altered/],
    'ALTER TYPE ... ALTER ATTRIBUTE ... TYPE': ['ALTER TYPE point2 ALTER ATTRIBUTE x TYPE bigint', /composite type public\.point2 was altered/],
    'DROP TYPE (composite)': ['DROP TYPE point2', /composite type public\.point2 was dropped or renamed/],
    'CREATE TYPE ... AS RANGE': ['CREATE TYPE intrange2 AS RANGE (subtype = int4)', /range type public\.intrange2 was created/],
    'DROP TYPE (range)': ['DROP TYPE floatrange', /range type public\.floatrange was dropped or renamed/],
    'CREATE DOMAIN': ['CREATE DOMAIN short_text AS text CHECK (length(VALUE) < 10)', /domain public\.short_text was created.*domain public\.short_text stays/],
    'ALTER DOMAIN ... ADD CONSTRAINT': ['ALTER DOMAIN positive ADD CONSTRAINT small CHECK (VALUE < 100)', /domain public\.positive was altered \(its constraints/],
    'ALTER DOMAIN ... DROP CONSTRAINT': ['ALTER DOMAIN positive DROP CONSTRAINT positive_check', /domain public\.positive was altered/],
    'ALTER DOMAIN ... SET DEFAULT': ['ALTER DOMAIN positive SET DEFAULT 1', /domain public\.positive was altered/],
    'CREATE POLICY': ['CREATE POLICY theirs ON users USING (id > 0)', ownerSecurity('its policies changed \\(CREATE, ALTER or DROP POLICY\\)')],
    'ALTER POLICY': ['ALTER POLICY mine ON users USING (id > 1)', ownerSecurity('its policies changed')],
    'DROP POLICY': ['DROP POLICY mine ON users', ownerSecurity('its policies changed')],
    'ALTER TABLE ... ENABLE ROW LEVEL SECURITY': ['ALTER TABLE users ENABLE ROW LEVEL SECURITY', ownerSecurity('its row-level security was turned on or off, or forced')],
    'ALTER TABLE ... FORCE ROW LEVEL SECURITY': ['ALTER TABLE users FORCE ROW LEVEL SECURITY', ownerSecurity('its row-level security was turned on or off, or forced')],
    'CREATE RULE': ['CREATE RULE no_delete AS ON DELETE TO users DO INSTEAD NOTHING', ownerSecurity('its rules changed')],
    // The sequence of its serial column goes with it.
    'ALTER TABLE ... OWNER TO': [
      'ALTER TABLE users OWNER TO pg_database_owner',
      /table public\.users: its owner changed \(ALTER \.\.\. OWNER TO\); sequence public\.users_id_seq: its owner changed/,
    ],
    'ALTER VIEW ... OWNER TO': ['ALTER VIEW user_emails OWNER TO pg_database_owner', /view public\.user_emails: its owner changed/],
    'ALTER SEQUENCE ... OWNER TO': ['ALTER SEQUENCE tickets OWNER TO pg_database_owner', /sequence public\.tickets: its owner changed/],
    'a policy and a domain at once': [
      'CREATE POLICY theirs ON users USING (id > 0); CREATE DOMAIN short_text AS text',
      /table public\.users: its policies changed \(.*\); domain public\.short_text was created/,
    ],
  }
  for (const [what, [sql, named]] of Object.entries(paths)) {
    it(`${what} in a path: the rollback restores the tables, then fails naming it`, async () => {
      await withSnapshot(url(), async (backend) => {
        await backend.checkpoint('start')
        await app(`INSERT INTO users (email) VALUES ('b@x'); INSERT INTO audit (event) VALUES ('e'); ${sql}`)
        const err = await backend.rollback('start').catch((e: unknown) => e)
        expect(err).toBeInstanceOf(StateError)
        expect((err as Error).message).toMatch(named)
        // The table's rows are back all the same: a type, an owner, a policy or a rule does not keep them from fitting.
        expect(await emails()).toEqual(['a@x'])
      })
    })
  }

  it('DROP DOMAIN of a domain the schema had: the rollback fails naming it', async () => {
    await app('CREATE DOMAIN spare AS int')
    await withSnapshot(url(), async (backend) => {
      await backend.checkpoint('start')
      await app('DROP DOMAIN spare')
      await expect(backend.rollback('start')).rejects.toThrow(/domain public\.spare was dropped or renamed/)
    })
  })

  it('a domain created and dropped again in one path leaves nothing behind: the rollback passes', async () => {
    await withSnapshot(url(), async (backend) => {
      await backend.checkpoint('start')
      await app(`INSERT INTO users (email) VALUES ('b@x'); CREATE DOMAIN spare AS int; DROP DOMAIN spare`)
      await backend.rollback('start')
      expect(await emails()).toEqual(['a@x'])
    })
  })

  it('a policy on an excluded table is no change: the rollback passes, and one on a tracked table after it is still told', async () => {
    const backend = postgresState({ url: url(), exclude: ['audit'] })
    try {
      await backend.connect()
      await backend.checkpoint('start')
      await app(`INSERT INTO users (email) VALUES ('b@x'); CREATE POLICY any_event ON audit USING (true);
        ALTER TABLE audit ENABLE ROW LEVEL SECURITY; CREATE RULE keep AS ON DELETE TO audit DO INSTEAD NOTHING`)
      await backend.rollback('start')
      expect(await emails()).toEqual(['a@x'])
      await app('CREATE POLICY theirs ON users USING (id > 0)')
      await expect(backend.rollback('start')).rejects.toThrow(ownerSecurity('its policies changed'))
    } finally {
      await backend.disconnect()
    }
  })

  const leftOut: [string, { exclude?: string[]; tables?: string[] }][] = [
    ['excluded', { exclude: ['audit', 'jobs'] }],
    ['not among `tables`', { tables: ['users'] }],
  ]
  for (const [what, options] of leftOut) {
    it(`ALTER TABLE ... OWNER TO on a table ${what} takes its serial and identity sequences along: no change, the rollback passes; on a tracked table it is still told`, async () => {
      await app('CREATE TABLE jobs (id int GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY, payload text)')
      const backend = postgresState({ url: url(), ...options })
      try {
        await backend.connect()
        await backend.checkpoint('start')
        await app(`INSERT INTO users (email) VALUES ('b@x'); ALTER TABLE audit OWNER TO pg_database_owner; ALTER TABLE jobs OWNER TO pg_database_owner`)
        await backend.rollback('start')
        expect(await emails()).toEqual(['a@x'])
        await app('ALTER TABLE users OWNER TO pg_database_owner')
        const err = await backend.rollback('start').catch((e: unknown) => e)
        expect((err as Error).message).toMatch(/table public\.users: its owner changed \(ALTER \.\.\. OWNER TO\); sequence public\.users_id_seq: its owner changed/)
        expect((err as Error).message).not.toMatch(/audit|jobs/)
      } finally {
        await backend.disconnect()
      }
    })
  }

  it('a checkpoint under an open one, after a path created a domain, is refused naming it', async () => {
    await withSnapshot(url(), async (backend) => {
      await backend.checkpoint('outer')
      await app('CREATE DOMAIN short_text AS text')
      await expect(backend.checkpoint('inner')).rejects.toThrow(/checkpoint "inner": .*changed under checkpoint "outer": domain public\.short_text was created/)
    })
  })

  it('on the main line, with no checkpoint open, new types, policies, rules and owners are taken as they are', async () => {
    await withSnapshot(url(), async (backend) => {
      await backend.checkpoint('first')
      await backend.release('first')
      await app(`CREATE TYPE pair AS (a int, b int); ALTER DOMAIN positive ADD CONSTRAINT small CHECK (VALUE < 100);
        CREATE POLICY theirs ON users USING (id > 0); ALTER TABLE users ENABLE ROW LEVEL SECURITY;
        CREATE RULE keep AS ON DELETE TO audit DO INSTEAD NOTHING; ALTER TABLE users OWNER TO pg_database_owner`)
      await backend.checkpoint('second')
      await app(`INSERT INTO users (email) VALUES ('c@x')`)
      await backend.rollback('second')
      expect(await emails()).toEqual(['a@x'])
      // They are the baseline now: a path's own change is named alone.
      await app('CREATE DOMAIN later AS int; CREATE POLICY later ON audit USING (true)')
      const err = await backend.rollback('second').catch((e: unknown) => e)
      expect((err as Error).message).toMatch(/changed under checkpoint "second": table public\.audit: its policies changed \([^)]*\); domain public\.later was created\. /)
      expect((err as Error).message).not.toMatch(/pair|positive|users/)
    })
  })
})
