import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { SERVICES, startNodeProcess } from '@venomqa/test-utils'
import mysql, { type Connection, type RowDataPacket } from 'mysql2/promise'

export const { host: HOST, port: PORT } = SERVICES.mysql
export const urlFor = (database: string) => `mysql://root@${HOST}:${PORT}/${database}`

/**
 * The prefix of every database these tests create: venomqa_my_, or VENOMQA_MY_TEST_PREFIX (venomqa_ and
 * more) for a process that shares the server with others running these tests and keeps to names of its own.
 */
const PREFIX = /^venomqa_\w+_$/.test(process.env.VENOMQA_MY_TEST_PREFIX ?? '') ? process.env.VENOMQA_MY_TEST_PREFIX! : 'venomqa_my_'

/**
 * A database (or user) name of this test process: venomqa_my_<pid>_<what>. A fixed name would meet what an
 * earlier process left on the shared server (a connection still in a transaction on it, a lock) and wait.
 */
export const dbName = (what: string) => `${PREFIX}${process.pid}_${what}`

/** A connection outside any backend: the tests' own eyes on the database (and, in some tests, the "app"). */
export async function admin(database?: string, lockWaitTimeoutS = 30): Promise<Connection> {
  const conn = await mysql.createConnection({ host: HOST, port: PORT, user: 'root', database, multipleStatements: true })
  // A DDL blocked by a session that never ends (the server's default waits a day) fails the test saying so,
  // well inside the test's timeout, instead of hanging it.
  await conn.query(`SET SESSION lock_wait_timeout = ${Math.round(lockWaitTimeoutS)}`)
  return conn
}

/** Run `query` (several statements allowed) on a connection of its own: the app's writes, seen from outside. */
export async function sqlOn(database: string | null, query: string): Promise<unknown> {
  const c = await mysql.createConnection({ host: HOST, port: PORT, user: 'root', database: database ?? undefined, multipleStatements: true })
  try {
    return (await c.query(query))[0]
  } finally {
    await c.end()
  }
}

/** Every row of each of `tables`, in order, each row as its values joined by `|`: what a rollback must give back. */
export async function rowsOf(database: string, tables: readonly string[]): Promise<Record<string, string[]>> {
  const out: Record<string, string[]> = {}
  for (const t of tables) out[t] = ((await sqlOn(database, `SELECT * FROM ${t} ORDER BY 1`)) as RowDataPacket[]).map((r) => Object.values(r).join('|'))
  return out
}

/** Create (or re-create) a database named venomqa_my_* (see PREFIX): the only names these tests may use. */
export async function freshDatabase(name: string, schema: string[] = FIXTURE_SCHEMA): Promise<void> {
  if (!name.startsWith(PREFIX)) throw new Error(`test databases must be named ${PREFIX}*, not ${name}`)
  const conn = await admin()
  try {
    await dropOn(conn, name)
    await conn.query(`CREATE DATABASE \`${name}\` CHARACTER SET utf8mb4`)
    await conn.query(`USE \`${name}\``)
    for (const sql of schema) await conn.query(sql)
  } finally {
    await conn.end()
  }
}

/** Drop a database; held past `lockWaitTimeoutS` by another session, the error names the likely ones. */
export async function dropDatabase(name: string, lockWaitTimeoutS = 30): Promise<void> {
  const conn = await admin(undefined, lockWaitTimeoutS)
  try {
    await dropOn(conn, name)
  } finally {
    await conn.end()
  }
}

/** MariaDB's error when lock_wait_timeout runs out. */
const ER_LOCK_WAIT_TIMEOUT = 1205

/**
 * DROP DATABASE waits for the metadata lock on each of its tables, which a session holds until its
 * transaction ends (a SELECT in an open transaction is enough). MariaDB said only "Lock wait timeout
 * exceeded; try restarting transaction": the error now names the database and the likely holders.
 */
async function dropOn(conn: Connection, name: string): Promise<void> {
  try {
    await conn.query(`DROP DATABASE IF EXISTS \`${name}\``)
  } catch (err) {
    if ((err as { errno?: number }).errno !== ER_LOCK_WAIT_TIMEOUT) throw err
    const [[{ wait }]] = await conn.query<RowDataPacket[]>('SELECT @@SESSION.lock_wait_timeout AS wait')
    const holders = await likelyHolders(conn, name).catch((e: Error) => `The sessions holding it could not be listed: ${e.message}`)
    throw new Error(`DROP DATABASE ${name} did not finish within ${wait} s (lock_wait_timeout). ${holders}`, { cause: err })
  }
}

/**
 * The sessions that can hold up a DROP DATABASE: those using the database, those in an open transaction
 * (which keep the metadata locks of every table they touched), and those running a statement that names it.
 */
async function likelyHolders(conn: Connection, name: string): Promise<string> {
  const [rows] = await conn.query<RowDataPacket[]>(
    `SELECT p.ID AS id, p.DB AS db, p.COMMAND AS command, p.TIME AS seconds, p.STATE AS state, LEFT(p.INFO, 80) AS query, t.trx_started AS trxStarted
       FROM information_schema.PROCESSLIST p LEFT JOIN information_schema.INNODB_TRX t ON t.trx_mysql_thread_id = p.ID
      WHERE p.ID <> CONNECTION_ID() AND p.COMMAND <> 'Daemon'
        AND (p.DB = ? OR t.trx_mysql_thread_id IS NOT NULL OR LOCATE(?, p.INFO) > 0)
      ORDER BY t.trx_started IS NULL, t.trx_started, p.ID
      LIMIT 10`,
    [name, name],
  )
  if (rows.length === 0) return 'No session was found holding it: see SHOW PROCESSLIST.'
  const line = (r: RowDataPacket) => {
    const why = r.trxStarted ? `in a transaction since ${(r.trxStarted as Date).toISOString()}` : r.db === name ? `using ${name}` : 'running a statement that names it'
    return `  - id ${r.id} in ${r.db ?? 'no database'}, ${r.command}${r.state ? ` (${r.state})` : ''} for ${r.seconds} s: ${why}; query: ${JSON.stringify(r.query ?? '')}`
  }
  return `Sessions likely holding it (end one with KILL id):\n${rows.map(line).join('\n')}`
}

/**
 * users <- todos <- comments, todos <- tags: every foreign key ON DELETE CASCADE, so deleting a user removes
 * rows two tables away without firing their triggers. `tags` has no primary key.
 */
export const FIXTURE_SCHEMA = [
  `CREATE TABLE users (id INT AUTO_INCREMENT PRIMARY KEY, email VARCHAR(100) NOT NULL UNIQUE, name VARCHAR(100) NOT NULL) ENGINE=InnoDB`,
  `CREATE TABLE todos (id INT AUTO_INCREMENT PRIMARY KEY, user_id INT NOT NULL, title VARCHAR(200) NOT NULL, done BOOLEAN NOT NULL DEFAULT FALSE,
     FOREIGN KEY (user_id) REFERENCES users(id) ON DELETE CASCADE) ENGINE=InnoDB`,
  `CREATE TABLE comments (id INT AUTO_INCREMENT PRIMARY KEY, todo_id INT NOT NULL, text TEXT NOT NULL,
     FOREIGN KEY (todo_id) REFERENCES todos(id) ON DELETE CASCADE) ENGINE=InnoDB`,
  `CREATE TABLE tags (todo_id INT NOT NULL, tag VARCHAR(50) NOT NULL, FOREIGN KEY (todo_id) REFERENCES todos(id) ON DELETE CASCADE) ENGINE=InnoDB`,
]

export const FIXTURE_APP = path.join(path.dirname(fileURLToPath(import.meta.url)), 'fixtures/app.mjs')

export function startFixtureApp(database: string) {
  return startNodeProcess(FIXTURE_APP, { env: { DATABASE_URL: urlFor(database) } })
}

export interface Dump {
  rows: Record<string, unknown[]>
  autoIncrement: Record<string, string | null>
}

/** Every row of every non-private table, in key order, and every AUTO_INCREMENT counter. */
export async function dump(database: string): Promise<Dump> {
  const conn = await admin(database)
  try {
    const [tables] = await conn.query<RowDataPacket[]>(
      `SELECT TABLE_NAME AS t, AUTO_INCREMENT AS a FROM information_schema.TABLES
        WHERE TABLE_SCHEMA = ? AND TABLE_TYPE = 'BASE TABLE' AND TABLE_NAME NOT LIKE '\\\\_venomqa\\\\_%' ORDER BY TABLE_NAME`,
      [database],
    )
    const out: Dump = { rows: {}, autoIncrement: {} }
    for (const { t, a } of tables) {
      const [rows] = await conn.query<RowDataPacket[]>(`SELECT * FROM \`${t}\` ORDER BY 1, 2`)
      out.rows[t] = rows.map((r) => ({ ...r }))
      out.autoIncrement[t] = a === null ? null : String(a)
    }
    return out
  } finally {
    await conn.end()
  }
}

/** Names of the private tables and triggers in a database. */
export async function privateObjects(database: string): Promise<string[]> {
  const conn = await admin()
  try {
    const [rows] = await conn.query<RowDataPacket[]>(
      `SELECT TABLE_NAME AS n FROM information_schema.TABLES WHERE TABLE_SCHEMA = ? AND TABLE_NAME LIKE '\\\\_venomqa\\\\_%'
       UNION ALL SELECT TRIGGER_NAME FROM information_schema.TRIGGERS WHERE TRIGGER_SCHEMA = ? AND TRIGGER_NAME LIKE '\\\\_venomqa\\\\_%'`,
      [database, database],
    )
    return rows.map((r) => String(r.n)).sort()
  } finally {
    await conn.end()
  }
}

/** A small JSON HTTP client for the app under test. */
export function api(baseUrl: string) {
  const call = async (method: string, url: string, body?: unknown) => {
    const res = await fetch(baseUrl + url, {
      method,
      headers: body === undefined ? {} : { 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    })
    const text = await res.text()
    return { status: res.status, body: text ? JSON.parse(text) : null }
  }
  return {
    get: (url: string) => call('GET', url),
    post: (url: string, body?: unknown) => call('POST', url, body ?? {}),
    patch: (url: string, body: unknown) => call('PATCH', url, body),
    delete: (url: string) => call('DELETE', url),
  }
}
