/**
 * Functions, procedures, views, privileges and comments that a path creates, replaces, alters or drops are
 * no rows the snapshot tracking can put back. A rollback after such a path used to pass in silence, leaving
 * the next path on the path's function body (or its view, or its GRANT) and failing its own CREATE
 * FUNCTION. It now restores every table, then fails naming each object that stays as the path left it.
 * The app's statements run on a connection of their own, as an app's pool would run them.
 */
import { StateError } from '@venomqa/core'
import { describeWithService } from '@venomqa/test-utils'
import { expect, it } from 'vitest'
import { PG, freshDatabaseEachTest, withSnapshot } from './helpers'

const describe = await describeWithService('PostgreSQL', PG.host, PG.port)
const DB = 'venomqa_pg_runtime_ddl'

const SCHEMA = `
CREATE TABLE users (id serial PRIMARY KEY, email text NOT NULL);
INSERT INTO users (email) VALUES ('a@x');
CREATE FUNCTION greet(who text) RETURNS text LANGUAGE sql AS $$ SELECT 'hello ' || who $$;
CREATE PROCEDURE add_user(e text) LANGUAGE sql AS $$ INSERT INTO users (email) VALUES (e) $$;
CREATE VIEW user_emails AS SELECT email FROM users;
CREATE SCHEMA untracked;
`

describe('functions, procedures, views, privileges and comments under the snapshot mechanism', () => {
  const { url, app, emails } = freshDatabaseEachTest(DB, SCHEMA)

  const paths: Record<string, [sql: string, named: RegExp]> = {
    'CREATE FUNCTION': [
      `CREATE FUNCTION add_one(i int) RETURNS int LANGUAGE sql AS 'SELECT i + 1'`,
      /function public\.add_one\(i integer\) was created.*function public\.add_one\(i integer\) stays as the path left it/,
    ],
    'CREATE OR REPLACE FUNCTION': [
      `CREATE OR REPLACE FUNCTION greet(who text) RETURNS text LANGUAGE sql AS $$ SELECT 'bye ' || who $$`,
      /function public\.greet\(who text\) was replaced or altered/,
    ],
    'DROP FUNCTION': ['DROP FUNCTION greet(text)', /function public\.greet\(who text\) was dropped or renamed/],
    'ALTER FUNCTION ... SECURITY DEFINER': ['ALTER FUNCTION greet(text) SECURITY DEFINER', /function public\.greet\(who text\) was replaced or altered/],
    'an overload of a function': [
      `CREATE FUNCTION greet(who text, times int) RETURNS text LANGUAGE sql AS $$ SELECT repeat('hello ' || who, times) $$`,
      /function public\.greet\(who text, times integer\) was created/,
    ],
    'COMMENT ON FUNCTION': [`COMMENT ON FUNCTION greet(text) IS 'says hello'`, /function public\.greet\(who text\) was replaced or altered/],
    'REVOKE EXECUTE ON FUNCTION': ['REVOKE EXECUTE ON FUNCTION greet(text) FROM PUBLIC', /function public\.greet\(who text\) was replaced or altered/],
    'CREATE PROCEDURE': [`CREATE PROCEDURE noop() LANGUAGE sql AS 'SELECT 1'`, /procedure public\.noop\(\) was created/],
    'CREATE OR REPLACE PROCEDURE': [
      `CREATE OR REPLACE PROCEDURE add_user(e text) LANGUAGE sql AS $$ INSERT INTO users (email) VALUES (upper(e)) $$`,
      /procedure public\.add_user\(IN e text\) was replaced or altered/,
    ],
    'DROP PROCEDURE': ['DROP PROCEDURE add_user(text)', /procedure public\.add_user\(IN e text\) was dropped or renamed/],
    'CREATE VIEW': ['CREATE VIEW first_user AS SELECT * FROM users WHERE id = 1', /view public\.first_user was created/],
    'CREATE OR REPLACE VIEW': [
      'CREATE OR REPLACE VIEW user_emails AS SELECT email FROM users WHERE id > 1',
      /view public\.user_emails: its query, options, columns or triggers changed.*view public\.user_emails stays as the path left it/,
    ],
    'DROP VIEW': ['DROP VIEW user_emails', /view public\.user_emails was dropped or renamed/],
    'GRANT on a table': [
      'GRANT SELECT ON users TO PUBLIC',
      /table public\.users: its privileges or comment changed \(GRANT, REVOKE or COMMENT ON\).*the privileges or comment of table public\.users stays as the path left it/,
    ],
    'COMMENT ON TABLE': [`COMMENT ON TABLE users IS 'people'`, /table public\.users: its privileges or comment changed/],
    'COMMENT ON COLUMN': [`COMMENT ON COLUMN users.email IS 'where to write'`, /table public\.users: its privileges or comment changed/],
    'GRANT on a view': ['GRANT SELECT ON user_emails TO PUBLIC', /view public\.user_emails: its privileges or comment changed/],
    'GRANT on a sequence': ['GRANT USAGE ON SEQUENCE users_id_seq TO PUBLIC', /sequence public\.users_id_seq: its privileges or comment changed/],
    // Rights that no relation's row shows, passed in silence before: the next path ran under them.
    'GRANT on the schema': [
      'GRANT CREATE ON SCHEMA public TO PUBLIC',
      /schema public: its privileges changed \(GRANT or REVOKE ON SCHEMA\).*the owner, privileges and default privileges of schema public stays as the path left it/,
    ],
    'ALTER SCHEMA ... OWNER TO': ['ALTER SCHEMA public OWNER TO CURRENT_USER', /schema public: its owner changed \(ALTER SCHEMA \.\.\. OWNER TO\)/],
    'ALTER DEFAULT PRIVILEGES IN SCHEMA': [
      'ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT SELECT ON TABLES TO PUBLIC',
      /schema public: the default privileges set in it changed \(ALTER DEFAULT PRIVILEGES IN SCHEMA\)/,
    ],
    'ALTER DEFAULT PRIVILEGES': [
      'ALTER DEFAULT PRIVILEGES REVOKE EXECUTE ON FUNCTIONS FROM PUBLIC',
      new RegExp(`database ${DB}: the default privileges set for all its schemas changed \\(ALTER DEFAULT PRIVILEGES without IN SCHEMA\\).*the owner, privileges and default privileges of database ${DB} stays`),
    ],
    'REVOKE on the database': [`REVOKE TEMPORARY ON DATABASE ${DB} FROM PUBLIC`, new RegExp(`database ${DB}: its privileges changed \\(GRANT or REVOKE ON DATABASE\\)`)],
  }
  for (const [what, [sql, named]] of Object.entries(paths)) {
    it(`${what} in a path: the rollback restores the tables, then fails naming it`, async () => {
      await withSnapshot(url(), async (backend) => {
        await backend.checkpoint('start')
        await app(`INSERT INTO users (email) VALUES ('b@x'); ${sql}`)
        const err = await backend.rollback('start').catch((e: unknown) => e)
        expect(err).toBeInstanceOf(StateError)
        expect((err as Error).message).toMatch(named)
        // The table's rows are back all the same: privileges or a comment do not keep its rows from fitting.
        expect(await emails()).toEqual(['a@x'])
      })
    })
  }

  it('default privileges set in a schema not tracked are left alone: the rollback succeeds', async () => {
    // A guard: the schemas not searched are the user's to change, as their tables are.
    await withSnapshot(url(), async (backend) => {
      await backend.checkpoint('start')
      await app(`INSERT INTO users (email) VALUES ('b@x'); ALTER DEFAULT PRIVILEGES IN SCHEMA untracked GRANT SELECT ON TABLES TO PUBLIC`)
      await backend.rollback('start')
      expect(await emails()).toEqual(['a@x'])
    })
  })

  it('a checkpoint under an open one, after a path created a function, is refused naming it', async () => {
    await withSnapshot(url(), async (backend) => {
      await backend.checkpoint('outer')
      await app(`CREATE FUNCTION add_one(i int) RETURNS int LANGUAGE sql AS 'SELECT i + 1'`)
      await expect(backend.checkpoint('inner')).rejects.toThrow(/checkpoint "inner": .*changed under checkpoint "outer": function public\.add_one\(i integer\) was created/)
    })
  })

  it('on the main line, with no checkpoint open, new functions, views, grants and default privileges are taken as they are', async () => {
    await withSnapshot(url(), async (backend) => {
      await backend.checkpoint('first')
      await backend.release('first')
      await app(`CREATE FUNCTION add_one(i int) RETURNS int LANGUAGE sql AS 'SELECT i + 1';
        CREATE OR REPLACE VIEW user_emails AS SELECT upper(email) AS email FROM users; GRANT SELECT ON users TO PUBLIC;
        GRANT CREATE ON SCHEMA public TO PUBLIC; ALTER DEFAULT PRIVILEGES GRANT SELECT ON TABLES TO PUBLIC`)
      await backend.checkpoint('second')
      await app(`INSERT INTO users (email) VALUES ('c@x')`)
      await backend.rollback('second')
      expect(await emails()).toEqual(['a@x'])
    })
  })
})
