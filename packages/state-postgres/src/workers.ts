import { ConfigError, StateError, errorMessage } from '@venomqa/core'
import pg from 'pg'
import { maskUrl } from './options'
import { postgresState } from './index'
import type { PostgresStateOptions } from './options'

/** What `startApp` returns: the worker's app instance. */
export interface WorkerApp {
  baseUrl: string
  close(): void | Promise<void>
}

export interface PostgresWorkersOptions {
  /** The main database, the one worker 0 (the run's own app) uses. */
  url: string
  /** Start the app for worker `index` against `databaseUrl` (its own, empty database; the app creates its schema). */
  startApp(index: number, databaseUrl: string): Promise<WorkerApp>
  /** Options for each worker's state backend (mechanism, tables, exclude...). */
  state?: Omit<PostgresStateOptions, 'url' | 'connectionString'>
  /** Database to connect to while creating and dropping worker databases. Default 'postgres'. */
  adminDatabase?: string
  /** Name of worker databases: default `<main database>_w<index>`. */
  databaseName?(index: number, mainDatabase: string): string
}

/**
 * A `workerSetup` for apps on PostgreSQL: each worker gets its own database (created empty; its app
 * creates the schema) and its own snapshot backend. Before a worker runs paths of a parallel branch, the
 * rows and sequence values of every table the main database has at that checkpoint are copied into it, in
 * one transaction, so it starts exactly where the main line stands. The main database is only read: its
 * app keeps its connections.
 */
export function postgresWorkers(options: PostgresWorkersOptions) {
  if (!options?.url) throw new ConfigError('postgresWorkers: `url` (the main database) is required', { where: 'url' })
  if (typeof options.startApp !== 'function') throw new ConfigError('postgresWorkers: `startApp(index, databaseUrl)` is required', { where: 'startApp' })
  const main = new URL(options.url)
  const mainDb = decodeURIComponent(main.pathname.slice(1))
  const nameOf = (i: number) => options.databaseName?.(i, mainDb) ?? `${mainDb}_w${i}`
  const urlOf = (db: string) => {
    const u = new URL(options.url)
    u.pathname = `/${encodeURIComponent(db)}`
    return u.toString()
  }
  const admin = () => new pg.Client({ connectionString: urlOf(options.adminDatabase ?? 'postgres') })
  const apps = new Map<number, WorkerApp>()

  return {
    async create(index: number) {
      const db = nameOf(index)
      const c = admin()
      await c.connect()
      try {
        await c.query(`DROP DATABASE IF EXISTS ${ident(db)} WITH (FORCE)`)
        await c.query(`CREATE DATABASE ${ident(db)}`)
      } catch (err) {
        throw new StateError(`postgres:${db}`, `could not create the worker database on ${maskUrl(options.url)}: ${errorMessage(err)}`)
      } finally {
        await c.end()
      }
      const app = await options.startApp(index, urlOf(db))
      apps.set(index, app)
      return {
        baseUrl: app.baseUrl,
        stateBackends: [postgresState({ ...options.state, url: urlOf(db), name: `postgres:${db}` })],
        close: async () => {
          await app.close()
          apps.delete(index)
          const a = admin()
          await a.connect()
          try {
            await a.query(`DROP DATABASE IF EXISTS ${ident(db)} WITH (FORCE)`)
          } finally {
            await a.end()
          }
        },
      }
    },
    async sync(index: number) {
      await copyTables(options.url, urlOf(nameOf(index)))
    },
  }
}

/**
 * Make `to`'s tables hold exactly `from`'s rows and sequence values, for every ordinary table of the
 * user schemas both have (VenomQA's own `_venomqa` schema is left out). One transaction on `to`, with
 * triggers and foreign keys off while it writes (needs the right to set session_replication_role).
 */
export async function copyTables(from: string, to: string): Promise<void> {
  const src = new pg.Client({ connectionString: from })
  const dst = new pg.Client({ connectionString: to })
  await src.connect()
  await dst.connect()
  try {
    const tables = await userTables(src)
    const there = new Set(await userTables(dst))
    const missing = tables.filter((t) => !there.has(t))
    if (missing.length)
      throw new StateError('postgres-workers', `the worker database has no table ${missing.join(', ')}: its app must create the same schema as the main one`)
    await dst.query('BEGIN')
    await dst.query('SET LOCAL session_replication_role = replica')
    if (tables.length) await dst.query(`TRUNCATE ${tables.map(qualified).join(', ')}`)
    for (const t of tables) {
      const { rows } = await src.query(`SELECT coalesce(json_agg(x), '[]'::json) AS rows FROM ${qualified(t)} x`)
      if ((rows[0].rows as unknown[]).length)
        await dst.query(`INSERT INTO ${qualified(t)} SELECT * FROM json_populate_recordset(NULL::${qualified(t)}, $1)`, [JSON.stringify(rows[0].rows)])
    }
    const seqs = await src.query(
      `SELECT n.nspname AS schema, c.relname AS name FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE c.relkind = 'S' AND n.nspname NOT IN ('pg_catalog', 'information_schema', '_venomqa')`,
    )
    for (const s of seqs.rows) {
      const seq = `${ident(s.schema)}.${ident(s.name)}`
      const { rows } = await src.query(`SELECT last_value, is_called FROM ${seq}`)
      await dst.query('SELECT setval($1::regclass, $2, $3)', [seq, rows[0].last_value, rows[0].is_called])
    }
    await dst.query('COMMIT')
  } catch (err) {
    await dst.query('ROLLBACK').catch(() => {})
    throw err instanceof StateError ? err : new StateError('postgres-workers', `copying ${maskUrl(from)} to ${maskUrl(to)} failed: ${errorMessage(err)}`)
  } finally {
    await src.end().catch(() => {})
    await dst.end().catch(() => {})
  }
}

async function userTables(c: pg.Client): Promise<string[]> {
  const { rows } = await c.query(
    `SELECT n.nspname || '.' || c.relname AS name FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE c.relkind IN ('r', 'p') AND n.nspname NOT IN ('pg_catalog', 'information_schema', '_venomqa') AND n.nspname NOT LIKE 'pg_toast%'
      ORDER BY 1`,
  )
  return rows.map((r) => r.name as string)
}

function ident(name: string): string {
  return `"${name.replace(/"/g, '""')}"`
}

function qualified(schemaDotTable: string): string {
  const i = schemaDotTable.indexOf('.')
  return `${ident(schemaDotTable.slice(0, i))}.${ident(schemaDotTable.slice(i + 1))}`
}
