/**
 * The machine's PostgreSQL for tests and benchmarks: a client that is always closed, and databases of a
 * test's own. Its own entry point (`@venomqa/test-utils/postgres`), so that a suite which never touches
 * PostgreSQL does not load the driver.
 */
import { randomBytes } from 'node:crypto'
import pg from 'pg'

/** 127.0.0.1:5432 with trust auth, its `postgres` database: where test databases are made and dropped. */
export const PG_ADMIN_URL = 'postgres://postgres@127.0.0.1:5432/postgres'
export const pgDatabaseUrl = (db: string) => `postgres://postgres@127.0.0.1:5432/${db}`

/**
 * A database name of this test run only, `<base>_<pid>_<random>`: two checkouts running one suite against one
 * server at once no longer create and drop each other's database under a shared fixed name. Short enough
 * (with a base of up to 30 characters) that state-postgres's copies, `<name>_vqcp_<n>`, keep the plain form
 * pgTestDatabases's drop finds.
 */
export function runDatabaseName(base: string): string {
  if (!/^[a-z][a-z0-9_]{0,29}$/.test(base)) throw new Error(`runDatabaseName: ${JSON.stringify(base)} is not 1-30 lower case letters, digits and _`)
  return `${base}_${process.pid}_${randomBytes(3).toString('hex')}`
}

/** Run `fn` on a new client of `url`. The client is closed afterwards, whatever happens; a failed close is ignored. */
export async function withPgClient<T>(url: string, fn: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url })
  // An error event (the server going away between queries) must not crash the test process: the query fails.
  client.on('error', () => {})
  await client.connect()
  try {
    return await fn(client)
  } finally {
    await client.end().catch(() => {})
  }
}

export interface PgTestDatabases {
  /** A new empty database (dropped first if a failed run left one), `setup` run in it; its URL. */
  create(db: string, setup?: string): Promise<string>
  /** Drop the database, and any copy named after it (`<db>_vq…`, state-postgres's template copies). */
  drop(db: string): Promise<void>
}

export interface PgTestDatabasesOptions {
  /**
   * How long one DROP or CREATE DATABASE may wait, ms. Default 20 000: well inside a hook's 60 s, so that a
   * drop that cannot finish fails saying what holds it, instead of as "Hook timed out".
   */
  statementTimeoutMs?: number
  /** Where databases are made and dropped: another server's `postgres` database. Default PG_ADMIN_URL. */
  adminUrl?: string
}

/**
 * Create and drop databases whose names `pattern` accepts, and no others: a wrong name fails the test
 * instead of dropping a database that is not a test's.
 *
 * Every DROP and CREATE DATABASE is bounded by `statementTimeoutMs`. Without a bound, one backend anywhere
 * in the cluster that cannot take part (a session waiting in COPY FROM STDIN never absorbs the
 * ProcSignalBarrier each DROP DATABASE waits for; a session in a transaction holding a lock on the
 * database) held every drop for good, and the test failed as "Hook timed out", naming nothing.
 */
export function pgTestDatabases(pattern: RegExp, options: PgTestDatabasesOptions = {}): PgTestDatabases {
  const timeoutMs = options.statementTimeoutMs ?? 20_000
  const adminUrl = options.adminUrl ?? PG_ADMIN_URL
  const urlOf = (db: string) => {
    const url = new URL(adminUrl)
    url.pathname = `/${db}`
    return url.toString()
  }
  const check = (db: string) => {
    if (!pattern.test(db) || !/^[a-z0-9_]+$/.test(db)) throw new Error(`refusing to touch database ${db}: not a test database (${pattern})`)
  }
  const asAdmin = <T>(fn: (c: pg.Client) => Promise<T>) =>
    withPgClient(adminUrl, async (c) => {
      await c.query(`SET statement_timeout = ${Math.round(timeoutMs)}`)
      return fn(c)
    })
  return {
    async create(db, setup) {
      check(db)
      await asAdmin(async (c) => {
        await dropIfThere(c, db, timeoutMs)
        await bounded(c, `CREATE DATABASE ${db}`, db, timeoutMs)
      })
      if (setup) await withPgClient(urlOf(db), (c) => c.query(setup))
      return urlOf(db)
    },
    async drop(db) {
      check(db)
      await asAdmin(async (c) => {
        const { rows } = await c.query(`SELECT datname FROM pg_database WHERE datname = $1 OR datname LIKE $2`, [db, `${db}\\_vq%`])
        for (const r of rows) await dropIfThere(c, r.datname, timeoutMs)
      })
    },
  }
}

/** Drop `db` if it exists; one marked IS_TEMPLATE, which cannot be dropped, is unmarked first (a test of one may fail before it does). */
async function dropIfThere(c: pg.Client, db: string, timeoutMs: number): Promise<void> {
  const { rows } = await c.query('SELECT datistemplate FROM pg_database WHERE datname = $1', [db])
  if (!rows.length) return
  if (rows[0].datistemplate) await c.query(`ALTER DATABASE "${db}" IS_TEMPLATE false`)
  await bounded(c, `DROP DATABASE IF EXISTS "${db}" WITH (FORCE)`, db, timeoutMs)
}

/** PostgreSQL's code for a statement cancelled, here by statement_timeout. */
const QUERY_CANCELED = '57014'

/** Run a DROP or CREATE DATABASE of `db`; past the session's statement_timeout, say what likely holds it. */
async function bounded(c: pg.Client, sql: string, db: string, timeoutMs: number): Promise<void> {
  try {
    await c.query(sql)
  } catch (err) {
    if ((err as { code?: string }).code !== QUERY_CANCELED) throw err
    const statement = sql.split(' ', 2).join(' ')
    throw new Error(
      `${statement} ${db} did not finish within ${timeoutMs} ms (statement_timeout). ${await likelyHolders(c, db).catch((e: Error) => `The sessions holding it could not be listed: ${e.message}`)}`,
      { cause: err },
    )
  }
}

/**
 * The sessions that can hold up a DROP DATABASE of `db`: those holding a lock on it, those connected to
 * it, and those anywhere in the cluster in the middle of a statement that waits for its client (COPY FROM
 * STDIN), which take no part in the ProcSignalBarrier every DROP DATABASE waits for.
 */
async function likelyHolders(c: pg.Client, db: string): Promise<string> {
  const { rows } = await c.query<HolderRow>(
    `WITH locking AS (
       SELECT l.pid FROM pg_locks l JOIN pg_database d ON l.objid = d.oid
        WHERE l.granted AND l.locktype = 'object' AND l.classid = 'pg_database'::regclass AND d.datname = $1)
     SELECT a.pid, a.datname, a.state, a.wait_event, a.query_start, extract(epoch FROM now() - a.query_start)::float8 AS seconds,
            left(a.query, 80) AS query, a.pid IN (SELECT pid FROM locking) AS locks_db
       FROM pg_stat_activity a
      WHERE a.pid <> pg_backend_pid() AND a.backend_type = 'client backend'
        AND (a.pid IN (SELECT pid FROM locking) OR a.datname = $1 OR (a.state = 'active' AND a.wait_event = 'ClientRead'))
      ORDER BY a.query_start NULLS LAST
      LIMIT 10`,
    [db],
  )
  if (rows.length === 0)
    return 'No session was found holding it: see pg_stat_activity, and the server log, which names a backend that does not accept a ProcSignalBarrier.'
  return `Sessions likely holding it (end one with SELECT pg_terminate_backend(pid)):\n${rows.map((r) => `  - ${describeHolder(r, db)}`).join('\n')}`
}

interface HolderRow {
  pid: number
  datname: string | null
  state: string | null
  wait_event: string | null
  query_start: Date | null
  seconds: number | null
  query: string | null
  locks_db: boolean
}

function describeHolder(r: HolderRow, db: string): string {
  const why = r.locks_db
    ? `holds a lock on ${db}`
    : r.datname === db
      ? `connected to ${db}`
      : 'in a statement waiting for its client (as COPY FROM STDIN does), which holds up every DROP DATABASE in the cluster'
  const since = r.query_start ? `, query started ${r.query_start.toISOString()} (${(r.seconds ?? 0).toFixed(1)} s ago)` : ''
  return `pid ${r.pid} in ${r.datname ?? '?'}, ${r.state ?? 'unknown state'}${r.wait_event ? ` waiting on ${r.wait_event}` : ''}${since}: ${why}; query: ${JSON.stringify(r.query ?? '')}`
}
