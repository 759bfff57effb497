import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { startNodeProcess } from '@venomqa/test-utils'
import pg from 'pg'
import { afterAll, beforeEach } from 'vitest'
import { PG_ADMIN_URL, pgTestDatabases, withPgClient } from '@venomqa/test-utils/postgres'
import { type PostgresSnapshotBackend, postgresState } from '../src/index'

export const PG = { host: '127.0.0.1', port: 5432 }
export { PG_ADMIN_URL as ADMIN_URL, pgDatabaseUrl as dbUrl, withPgClient as withClient } from '@venomqa/test-utils/postgres'

/** Only databases named venomqa_pg_* are ever created or dropped here. */
const databases = pgTestDatabases(/^venomqa_pg_[a-z0-9_]+$/)
export const createDatabase = databases.create
export const dropDatabase = databases.drop

export async function databasesLike(prefix: string): Promise<string[]> {
  return withPgClient(PG_ADMIN_URL, async (c) =>
    (await c.query(`SELECT datname FROM pg_database WHERE datname LIKE $1 ORDER BY 1`, [`${prefix}%`])).rows.map((r) => r.datname),
  )
}

/** The ids in table `t` of the database at `url`, in order: the one-table databases of the template tests. */
export function idsIn(url: string): Promise<number[]> {
  return withPgClient(url, async (c) => (await c.query("SELECT coalesce(array_agg(id ORDER BY id), '{}') AS ids FROM t")).rows[0].ids)
}

/** Users, sessions, todos, comments, tags (composite key), an audit log without a key; triggers of its own. */
export const SCHEMA = `
CREATE TABLE users (id serial PRIMARY KEY, email text UNIQUE NOT NULL, name text NOT NULL,
  todo_count int NOT NULL DEFAULT 0, created_at timestamptz NOT NULL DEFAULT now());
CREATE TABLE sessions (token uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  user_id int NOT NULL REFERENCES users(id) ON DELETE CASCADE, created_at timestamptz NOT NULL DEFAULT now());
CREATE TABLE todos (id int GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  user_id int NOT NULL REFERENCES users(id) ON DELETE CASCADE, title text NOT NULL, done boolean NOT NULL DEFAULT false,
  meta jsonb, price numeric(12, 4), title_length int GENERATED ALWAYS AS (length(title)) STORED);
CREATE TABLE comments (id bigserial PRIMARY KEY, todo_id int NOT NULL REFERENCES todos(id) ON DELETE CASCADE, body text NOT NULL);
CREATE TABLE todo_tags (todo_id int NOT NULL REFERENCES todos(id) ON DELETE CASCADE, tag text NOT NULL, PRIMARY KEY (todo_id, tag));
CREATE TABLE audit_log (at timestamptz NOT NULL DEFAULT clock_timestamp(), event text NOT NULL);

CREATE FUNCTION count_todos() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'INSERT' THEN UPDATE users SET todo_count = todo_count + 1 WHERE id = NEW.user_id;
  ELSE UPDATE users SET todo_count = todo_count - 1 WHERE id = OLD.user_id; END IF;
  RETURN NULL;
END $$;
CREATE TRIGGER todos_count AFTER INSERT OR DELETE ON todos FOR EACH ROW EXECUTE FUNCTION count_todos();
CREATE FUNCTION audit() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN INSERT INTO audit_log (event) VALUES (TG_OP || ' ' || TG_TABLE_NAME); RETURN NULL; END $$;
CREATE TRIGGER todos_audit AFTER INSERT OR UPDATE OR DELETE ON todos FOR EACH ROW EXECUTE FUNCTION audit();
`

export const SEED = `
INSERT INTO users (email, name) VALUES ('ada@example.com', 'Ada'), ('bob@example.com', 'Bob');
INSERT INTO sessions (user_id) VALUES (1), (2);
INSERT INTO todos (user_id, title, meta, price) VALUES
  (1, 'write tests', '{"p": 1, "nested": {"a": [1, 2]}}', 12.3456), (1, 'ship it', NULL, NULL), (2, 'review', '{"x": "y"}', 0.5);
INSERT INTO todo_tags VALUES (1, 'work'), (1, 'urgent'), (3, 'home');
INSERT INTO comments (todo_id, body) VALUES (1, 'first'), (1, 'second'), (3, 'looks good');
`

export const TABLE_ORDER: Record<string, string> = {
  users: 'id',
  sessions: 'token',
  todos: 'id',
  comments: 'id',
  todo_tags: 'todo_id, tag',
  audit_log: 'at, event',
}

/** Every row of every table, and every sequence's position: two equal dumps mean equal databases. */
export async function dump(url: string): Promise<Record<string, unknown>> {
  return withPgClient(url, async (c) => {
    const out: Record<string, unknown> = {}
    for (const [t, order] of Object.entries(TABLE_ORDER)) out[t] = (await c.query(`SELECT * FROM ${t} ORDER BY ${order}`)).rows
    const seqs = (await c.query(`SELECT schemaname || '.' || sequencename AS s FROM pg_sequences WHERE schemaname = 'public' ORDER BY 1`)).rows
    for (const { s } of seqs) out[`seq:${s}`] = (await c.query(`SELECT last_value::text, is_called FROM ${s}`)).rows[0]
    return out
  })
}

export const APP = path.join(path.dirname(fileURLToPath(import.meta.url)), 'fixtures/app.mjs')

export function startTestApp(url: string) {
  return startNodeProcess(APP, { env: { DATABASE_URL: url } })
}

/** fetch + JSON, throwing on an unexpected status so a test says what went wrong. */
export function api(base: string) {
  return async (method: string, p: string, json?: unknown, expected?: number): Promise<any> => {
    const res = await fetch(base + p, {
      method,
      headers: json ? { 'content-type': 'application/json' } : {},
      body: json ? JSON.stringify(json) : undefined,
    })
    const text = await res.text()
    if (expected !== undefined && res.status !== expected) throw new Error(`${method} ${p}: expected ${expected}, got ${res.status} ${text}`)
    return text ? JSON.parse(text) : undefined
  }
}

/** Names of the triggers and schemas the snapshot mechanism creates; empty after a clean disconnect. */
export async function trackingLeftovers(url: string): Promise<string[]> {
  return withPgClient(url, async (c) => {
    const { rows } = await c.query(
      `SELECT 'schema ' || nspname AS x FROM pg_namespace WHERE nspname = '_venomqa'
       UNION ALL SELECT 'trigger ' || tgname || ' on ' || tgrelid::regclass FROM pg_trigger WHERE tgname LIKE '\\_venomqa%'`,
    )
    return rows.map((r) => r.x)
  })
}

/**
 * Drop a role a test made to run the backend without superuser (the role is the whole cluster's, so a run
 * that died leaves it for the next), with the SET grant that would otherwise keep it from being dropped.
 */
export async function dropLimitedRole(role: string): Promise<void> {
  await withPgClient(PG_ADMIN_URL, async (c) => {
    const { rows } = await c.query('SELECT 1 FROM pg_roles WHERE rolname = $1', [role])
    if (!rows.length) return
    await c.query(`REVOKE SET ON PARAMETER session_replication_role FROM ${role}`)
    await c.query(`DROP ROLE ${role}`)
  })
}

/** A snapshot backend connected to `url` for `use`, and disconnected after it, whatever `use` did. */
export async function withSnapshot<T>(url: string, use: (backend: PostgresSnapshotBackend) => Promise<T>): Promise<T> {
  const backend = postgresState({ url })
  try {
    await backend.connect()
    return await use(backend)
  } finally {
    await backend.disconnect()
  }
}

/**
 * A database `name` made from `schema` anew before each test of the calling describe block (dropped after
 * them all), with the app's writes and the users' emails: what the schema-check tests share.
 */
export function freshDatabaseEachTest(name: string, schema: string) {
  let url = ''
  beforeEach(async () => {
    await dropDatabase(name)
    url = await createDatabase(name, schema)
  })
  afterAll(() => dropDatabase(name))
  return {
    url: () => url,
    app: (sql: string) => withPgClient(url, (c) => c.query(sql)),
    emails: async () => (await withPgClient(url, (c) => c.query('SELECT email FROM users ORDER BY id'))).rows.map((r) => r.email as string),
  }
}

type Query = (...args: unknown[]) => Promise<unknown>

/**
 * Run `body` while the backend's first query that `matches` is followed, the moment its answer comes, by
 * `then` on `writer`: another session's commit at that exact point, between two things the backend does.
 * True when it fired.
 */
export async function commitRightAfter(writer: pg.Client, matches: (sql: string) => boolean, then: string, body: () => Promise<void>): Promise<boolean> {
  const query = pg.Client.prototype.query as unknown as Query
  let armed = true
  pg.Client.prototype.query = async function (this: pg.Client, ...args: unknown[]) {
    if (armed && this !== writer && matches(typeof args[0] === 'string' ? args[0] : '')) {
      armed = false
      const result = await query.apply(this, args)
      await query.call(writer, then)
      return result
    }
    return query.apply(this, args)
  } as unknown as typeof pg.Client.prototype.query
  try {
    await body()
  } finally {
    pg.Client.prototype.query = query as unknown as typeof pg.Client.prototype.query
  }
  return !armed
}

/**
 * Run `body` while every query of the backend that `matches` meets a writer in flight: `writer` opens a
 * transaction with `write` just before the query goes, and commits it the moment the query is answered, so
 * each look finds a writer that is gone by the next. How many queries it met.
 */
export async function writerAtEvery(writer: pg.Client, matches: (sql: string) => boolean, write: string, body: () => Promise<void>): Promise<number> {
  const query = pg.Client.prototype.query as unknown as Query
  let met = 0
  pg.Client.prototype.query = async function (this: pg.Client, ...args: unknown[]) {
    if (this === writer || !matches(typeof args[0] === 'string' ? args[0] : '')) return query.apply(this, args)
    met++
    await query.call(writer, `BEGIN; ${write}`)
    try {
      return await query.apply(this, args)
    } finally {
      await query.call(writer, 'COMMIT')
    }
  } as unknown as typeof pg.Client.prototype.query
  try {
    await body()
  } finally {
    pg.Client.prototype.query = query as unknown as typeof pg.Client.prototype.query
  }
  return met
}
