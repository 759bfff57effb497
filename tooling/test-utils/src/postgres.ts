/**
 * The machine's PostgreSQL for tests and benchmarks: a client that is always closed, and databases of a
 * test's own. Its own entry point (`@venomqa/test-utils/postgres`), so that a suite which never touches
 * PostgreSQL does not load the driver.
 */
import pg from 'pg'

/** 127.0.0.1:5432 with trust auth, its `postgres` database: where test databases are made and dropped. */
export const PG_ADMIN_URL = 'postgres://postgres@127.0.0.1:5432/postgres'
export const pgDatabaseUrl = (db: string) => `postgres://postgres@127.0.0.1:5432/${db}`

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

/**
 * Create and drop databases whose names `pattern` accepts, and no others: a wrong name fails the test
 * instead of dropping a database that is not a test's.
 */
export function pgTestDatabases(pattern: RegExp): PgTestDatabases {
  const check = (db: string) => {
    if (!pattern.test(db) || !/^[a-z0-9_]+$/.test(db)) throw new Error(`refusing to touch database ${db}: not a test database (${pattern})`)
  }
  return {
    async create(db, setup) {
      check(db)
      await withPgClient(PG_ADMIN_URL, async (c) => {
        await c.query(`DROP DATABASE IF EXISTS ${db} WITH (FORCE)`)
        await c.query(`CREATE DATABASE ${db}`)
      })
      if (setup) await withPgClient(pgDatabaseUrl(db), (c) => c.query(setup))
      return pgDatabaseUrl(db)
    },
    async drop(db) {
      check(db)
      await withPgClient(PG_ADMIN_URL, async (c) => {
        const { rows } = await c.query(`SELECT datname FROM pg_database WHERE datname = $1 OR datname LIKE $2`, [db, `${db}\\_vq%`])
        for (const r of rows) await c.query(`DROP DATABASE IF EXISTS "${r.datname}" WITH (FORCE)`)
      })
    },
  }
}
