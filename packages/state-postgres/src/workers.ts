import { ConfigError, StateError, type StateBackend, type WorkerApp, type WorkerAppResources, type WorkerPart, asWorkerSetup, errorMessage, redactConnectionUrl, unencodedUserinfoProblem, workerDatabaseMade } from '@venomqa/core'
import pg from 'pg'
import { PostgresBackend } from './backend'
import { describeTarget, where } from './connection'
import { applyDatabaseProperties, dropDatabase, readDatabaseProperties } from './database-properties'
import { describeRowSecurityBinds, rolesRowSecurityLeaves, rowSecurityBindsSql, toBoundTables } from './row-security'
import { bigintLiteral, ident, literal, qualified } from './sql'
import { postgresState } from './index'
import type { PostgresStateOptions } from './options'

export type { WorkerApp } from '@venomqa/core'

/** What a postgres part gives the app of each worker. */
export interface PostgresWorkerResources {
  /** The worker's own database. */
  databaseUrl: string
}

export interface PostgresWorkersOptions {
  /** The main database, the one worker 0 (the run's own app) uses. */
  url: string
  /**
   * Start the app for worker `index` against `databaseUrl` (its own database, created empty: the app creates
   * its schema). Leave it out inside composeWorkers, whose startApp gets every part's resources.
   */
  startApp?(index: number, databaseUrl: string, resources: WorkerAppResources<PostgresWorkerResources>): Promise<WorkerApp>
  /** Options for each worker's state backend (mechanism, tables, exclude...). */
  state?: Omit<PostgresStateOptions, 'url' | 'connectionString'>
  /** Database to connect to while creating and dropping worker databases. Default 'postgres'. */
  adminDatabase?: string
  /** Name of worker databases: default `<main database>_w<index>`. */
  databaseName?(index: number, mainDatabase: string): string
  /** The environment variable that carries the worker's database URL to its app (`resources.env`). Default DATABASE_URL. */
  env?: string
  /**
   * 'copy' (default): once the worker's app has started (and created its schema), the rows and sequence
   * values of the main database's tables, as they are then, are copied into the worker's tables of the same
   * names, so a worker starts where worker 0 starts (seed and reference rows too). 'none': the worker's
   * database keeps what its app put in it. A table or sequence the worker's app did not create is left out.
   */
  rows?: 'copy' | 'none'
}

/** What the message of the copy's StateError starts with (see TableCopier#copy). */
const COPY_PREFIX = 'state backend "postgres-workers": '

/** How often, and how far apart, dropping a worker's database is tried before it is reported as left behind. */
const DROP_ATTEMPTS = 5
const DROP_RETRY_PAUSE_MS = 200

/**
 * Worker setup (and part for composeWorkers) for apps on PostgreSQL: each worker gets its own database
 * (created empty; its app creates the schema, then the main database's rows are copied in: see `rows`)
 * and its own snapshot backend. Before a worker runs paths of
 * a parallel branch, the rows and sequence values of every table the main database has at that checkpoint
 * are copied into it, in one transaction, so it starts exactly where the main line stands. The main
 * database is only read: its app keeps its connections.
 */
export function postgresWorkers(given: PostgresWorkersOptions) {
  const options = given ?? ({} as Partial<PostgresWorkersOptions>)
  if (options.startApp !== undefined && typeof options.startApp !== 'function')
    throw new ConfigError('postgresWorkers: `startApp(index, databaseUrl)` must be a function', { where: 'startApp' })
  if (options.rows !== undefined && options.rows !== 'copy' && options.rows !== 'none')
    throw new ConfigError(`postgresWorkers: \`rows\` must be 'copy' or 'none', got ${JSON.stringify(options.rows)}`, { where: 'rows' })
  // Checked as the backend's own `url` is: read wrong, it would name a piece of the password as the host.
  const unencoded = options.url ? unencodedUserinfoProblem(options.url) : undefined
  if (unencoded) throw new ConfigError(`postgresWorkers: \`url\` ${unencoded}`, { where: 'url' })
  // A URL given is read now, as mysqlWorkers reads its own: a mistake in it is the config's wherever it loads.
  const mistake = options.url ? mainUrlProblem(options.url) : undefined
  if (mistake) throw new ConfigError(`postgresWorkers: \`url\`: ${mistake}`, { where: 'url' })
  // No main database (`url: process.env.DATABASE_URL!` with the variable unset) is refused when the workers
  // are made, not when the config loads: a CI job that only renders reports (`venomqa report`,
  // `merge-reports`), or `venomqa list` on a machine without the variable, loads the config and makes none.
  const mainUrl = (): string => {
    if (!options.url) throw new ConfigError('postgresWorkers: `url` (the main database) is required', { where: 'url' })
    return options.url
  }
  const mainDb = () => decodeURIComponent(new URL(mainUrl()).pathname.slice(1))
  const nameOf = (i: number) => options.databaseName?.(i, mainDb()) ?? `${mainDb()}_w${i}`
  const urlOf = (db: string) => {
    const u = new URL(mainUrl())
    u.pathname = `/${encodeURIComponent(db)}`
    return u.toString()
  }
  const admin = () => new pg.Client({ connectionString: urlOf(options.adminDatabase ?? 'postgres') })
  const copiers = new Map<number, TableCopier>()

  /**
   * Drop a worker's database, on a new admin connection. Tried a few times: when the server or the role has
   * no connection left (a worker's app failing for just that reason is undone right then), one is often
   * freed a moment later. Still failing, the error names the database left and how to drop it.
   */
  const dropStatement = (db: string) => `DROP DATABASE IF EXISTS ${ident(db)} WITH (FORCE)`
  const dropWorkerDatabase = async (db: string) => {
    const drop = dropStatement(db)
    let last: unknown
    for (let attempt = 1; attempt <= DROP_ATTEMPTS; attempt++) {
      if (attempt > 1) await new Promise((r) => setTimeout(r, DROP_RETRY_PAUSE_MS))
      const a = admin()
      // An error after the connect was lost (the server ending the session) must not be an uncaught 'error' event.
      a.on('error', () => {})
      try {
        await a.connect()
        await dropDatabase(a, db)
        return
      } catch (err) {
        last = err
      } finally {
        await a.end().catch(() => {})
      }
    }
    throw new Error(
      `could not drop the worker database "${db}" on ${redactConnectionUrl(mainUrl())} (tried ${DROP_ATTEMPTS} times): ${errorMessage(last)}; it is left behind: drop it with ${drop}`,
    )
  }

  /**
   * The main database's rows and sequence values, as they stand when the worker is made, into the tables its
   * app created: a worker starts where worker 0 starts (the run makes the workers before worker 0's first
   * journey). The copier is kept for the worker's syncs, and closed with it.
   */
  const copyAtStart = async (index: number, db: string, stop: AbortSignal) => {
    stop.throwIfAborted()
    const copier = new TableCopier(mainUrl(), urlOf(db))
    copiers.set(index, copier)
    try {
      await copier.copy({ tablesThere: true })
    } catch (err) {
      // Said once, as the copy's error: with the option that does without it, unless it has advice of its
      // own (row-level security's: whom to connect as).
      const own = err instanceof StateError ? err : undefined
      const detail = own?.message.startsWith(COPY_PREFIX) ? own.message.slice(COPY_PREFIX.length) : errorMessage(err)
      throw new StateError('postgres-workers', `worker ${index}, as it was made: ${detail}`, {
        cause: err,
        suggestion: own?.suggestion ?? "To start a worker's database with only what its app puts in it, give postgresWorkers `rows: 'none'`.",
      })
    }
  }

  const part: WorkerPart<PostgresWorkerResources> = {
    part: 'postgresWorkers',
    needsApp: true,
    async prepare(index: number, _main, signal?: AbortSignal) {
      // Given up before it began (the run closes): no database made, none to drop.
      signal?.throwIfAborted()
      const db = nameOf(index)
      const c = admin()
      await c.connect()
      // Named by a run quit at once from now until it is dropped: nothing else would drop it then.
      const dropped = workerDatabaseMade({ name: db, drop: dropStatement(db) })
      try {
        await dropDatabase(c, db)
        await c.query(`CREATE DATABASE ${ident(db)}`)
      } catch (err) {
        await c.end()
        dropped()
        throw new StateError(`postgres:${db}`, `could not create the worker database on ${redactConnectionUrl(mainUrl())}: ${errorMessage(err)}`)
      }
      try {
        // The main database's settings, which a new database does not have: the worker's app runs with the
        // search_path, time zone or statement_timeout the main app has. Its privileges are not copied: the
        // worker's database is its creator's, the user its app connects as.
        const properties = await readDatabaseProperties(c, mainDb())
        await applyDatabaseProperties(c, db, properties, true, {
          target: `the worker database "${db}"`,
          source: `as database "${mainDb()}" has it`,
          who: 'postgresWorkers',
        })
      } catch (err) {
        await c.end()
        const left = await dropWorkerDatabase(db).then(
          () => '',
          (e: unknown) => `; ${errorMessage(e)}`,
        )
        dropped()
        throw new StateError(`postgres:${db}`, `could not make the worker database on ${redactConnectionUrl(mainUrl())}: ${errorMessage(err)}${left}`)
      }
      await c.end()
      const databaseUrl = urlOf(db)
      return {
        ...(options.rows === 'none' ? {} : { started: (stop: AbortSignal) => copyAtStart(index, db, stop) }),
        resources: { databaseUrl },
        env: { [options.env ?? 'DATABASE_URL']: databaseUrl },
        stateBackends: [postgresState({ ...options.state, url: databaseUrl, name: `postgres:${db}` })],
        close: async () => {
          await copiers.get(index)?.close()
          copiers.delete(index)
          await dropWorkerDatabase(db)
          dropped()
        },
      }
    },
    async sync(index: number) {
      let copier = copiers.get(index)
      if (!copier) copiers.set(index, (copier = new TableCopier(mainUrl(), urlOf(nameOf(index)))))
      await copier.copy()
    },
    // Refused when the workers are made, before any path runs on one (see proxyRefused).
    check(main) {
      mainUrl()
      const proxy = main.stateBackends.find((b) => b.mechanism === 'proxy')
      if (proxy) throw proxyRefused(proxy)
    },
    // Any backend of the run on PostgreSQL: each worker has a database of its own, with its own backend.
    covers: (b: StateBackend) => b instanceof PostgresBackend || b.mechanism === 'proxy',
  }
  const startApp = options.startApp
  return asWorkerSetup(part, startApp && ((index, resources) => startApp(index, resources.databaseUrl, resources)), 'startApp(index, databaseUrl)')
}

/**
 * The `proxy` mechanism keeps everything the app wrote since the run began in the proxy's one open
 * transaction, which the copy to a worker, on a connection of its own to the database, cannot read: the
 * worker's paths started without the main line's rows. As MySQL's savepoint mechanism, refused.
 */
function proxyRefused(b: StateBackend): ConfigError {
  return new ConfigError(
    `postgresWorkers: the run's state backend "${b.name}" uses the proxy mechanism: what the app wrote since the run began sits in the proxy's open transaction, which a worker's copy of the database cannot read, so paths on other workers would start without the main line's rows. For --parallel-paths and --workers, use @venomqa/state-postgres (the snapshot mechanism); see docs/parallel.md`,
    { where: 'workerSetup' },
  )
}

/**
 * Make `to`'s tables hold exactly `from`'s rows and sequence values, for every ordinary table of the
 * user schemas both have (VenomQA's own `_venomqa` schema is left out). One transaction on `to`, with
 * triggers and foreign keys off while it writes (needs the right to set session_replication_role).
 */
export async function copyTables(from: string, to: string): Promise<void> {
  const copier = new TableCopier(from, to)
  try {
    await copier.copy()
  } finally {
    await copier.close()
  }
}

/** Copies one database's table contents into another, keeping both connections for the next copy. */
export class TableCopier {
  readonly #from: string
  readonly #to: string
  #src?: pg.Client
  #dst?: pg.Client

  constructor(from: string, to: string) {
    this.#from = from
    this.#to = to
  }

  async #clients(): Promise<[pg.Client, pg.Client]> {
    if (!this.#src) {
      const c = new pg.Client({ connectionString: this.#from })
      c.on('error', () => (this.#src = undefined))
      await c.connect()
      // Row-level security that binds this user then fails the read instead of filtering it (see copy()).
      await c.query('SET row_security = off')
      this.#src = c
    }
    if (!this.#dst) {
      const c = new pg.Client({ connectionString: this.#to })
      c.on('error', () => (this.#dst = undefined))
      await c.connect()
      this.#dst = c
    }
    return [this.#src, this.#dst]
  }

  /**
   * `tablesThere`: only the tables and sequences `to` has too (a worker just made, whose app may create fewer);
   * otherwise one `to` lacks is an error (the app must create the main one's schema).
   */
  async copy({ tablesThere = false }: { tablesThere?: boolean } = {}): Promise<void> {
    const [src, dst] = await this.#clients()
    // The side whose statement failed, for an error of row-level security.
    let on: { client: pg.Client; url: string; tables: CopiedTable[] } | undefined
    try {
      const [allTables, allSeqs] = await listRelations(src)
      const [toTables, toSeqs] = await listRelations(dst)
      const there = new Set([...toTables.map((t) => t.sql), ...toSeqs])
      const tables = tablesThere ? allTables.filter((t) => there.has(t.sql)) : allTables
      const seqs = tablesThere ? allSeqs.filter((q) => there.has(q)) : allSeqs
      const missing = tables.filter((t) => !there.has(t.sql)).map((t) => t.name)
      if (missing.length)
        throw new StateError('postgres-workers', `the worker database has no table ${missing.join(', ')}: its app must create the same schema as the main one`)
      // Everything is read in one statement, so the copy is one consistent picture of the source. Rows and
      // sequence positions stay text end to end (json_agg(...)::text handed back as it is to
      // json_populate_recordset, last_value::text to setval): parsed into JavaScript numbers, numeric and int8
      // values past 2^53 came out changed. FROM ONLY: a table's inheritance children are copied as themselves.
      const cols = [
        ...tables.map((t, i) => `(SELECT coalesce(json_agg(x)::text, '[]') FROM ONLY ${t.sql} x) AS t${i}`),
        ...seqs.flatMap((q, i) => [`(SELECT last_value::text FROM ${q}) AS s${i}`, `(SELECT is_called FROM ${q}) AS c${i}`]),
      ]
      on = { client: src, url: this.#from, tables }
      const row = cols.length ? (await src.query(`SELECT ${cols.join(', ')}`)).rows[0] : {}
      on = { client: dst, url: this.#to, tables: toTables }
      // row_security off: row-level security that binds this user fails an INSERT it would have filtered.
      await dst.query('BEGIN; SET LOCAL session_replication_role = replica; SET LOCAL row_security = off')
      // CASCADE for a worker just made: a table its app made that the main database lacks may reference one
      // copied (a sessions table of the app's own, its rows pointing at users the copy replaces); it is
      // emptied with them. A sync has every table of the main database, and leaves the others to refuse.
      if (tables.length) await dst.query(`TRUNCATE ${tables.map((t) => t.sql).join(', ')}${tablesThere ? ' CASCADE' : ''}`)
      for (const [i, t] of tables.entries()) {
        const json = row[`t${i}`] as string
        if (json === '[]') continue
        // Generated columns are computed again (they refuse a value); identity ALWAYS columns take the saved ids.
        const list = t.columns.map(ident).join(', ')
        await dst.query(
          `INSERT INTO ${t.sql} (${list}) OVERRIDING SYSTEM VALUE SELECT ${list} FROM json_populate_recordset(NULL::${t.sql}, $1::json)`,
          [json],
        )
      }
      if (seqs.length) {
        const values = seqs.map((q, i) => `setval(${literal(q)}::regclass, ${bigintLiteral(row[`s${i}`])}, ${row[`c${i}`] ? 'true' : 'false'})`)
        await dst.query(`SELECT ${values.join(', ')}`)
      }
      await dst.query('COMMIT')
    } catch (err) {
      await dst.query('ROLLBACK').catch(() => {})
      if (err instanceof StateError) throw err
      throw (on && isRowSecurityRefusal(err) && (await this.#rowSecurityBinds(on))) || new StateError('postgres-workers', `copying ${redactConnectionUrl(this.#from)} to ${redactConnectionUrl(this.#to)} failed: ${errorMessage(err)}`)
    }
  }

  /**
   * The error for a copy PostgreSQL refused because row-level security binds the user on `on`'s side: each
   * table it binds, by name, and what to do. Undefined when none is found (any more).
   */
  async #rowSecurityBinds(on: { client: pg.Client; url: string; tables: CopiedTable[] }): Promise<StateError | undefined> {
    const bound = await on.client.query(rowSecurityBindsSql(on.tables)).then(
      (r) => toBoundTables(r.rows),
      () => [],
    )
    if (!bound.length) return undefined
    const target = describeTarget(on.url)
    const byOid = new Map(on.tables.map((t) => [t.oid, { schema: t.schema, name: t.table }]))
    return new StateError(
      'postgres-workers',
      `copying ${redactConnectionUrl(this.#from)} to ${redactConnectionUrl(this.#to)}: ${describeRowSecurityBinds(bound, byOid, target.user, where(target))}: the copy would hold only the rows its policies let that user see, so nothing was copied.`,
      { suggestion: `A worker's copy must hold every row of the main database's tables. Connect as ${rolesRowSecurityLeaves(target.user)}.` },
    )
  }

  async close(): Promise<void> {
    await this.#src?.end().catch(() => {})
    await this.#dst?.end().catch(() => {})
    this.#src = this.#dst = undefined
  }
}

/**
 * With row_security off, PostgreSQL refuses a statement row-level security would filter (42501,
 * insufficient_privilege). Told by its code alone, not its text, which follows the server's lc_messages:
 * the tables row security binds are then looked up, and another missing privilege finds none.
 */
function isRowSecurityRefusal(err: unknown): boolean {
  return (err as { code?: string } | undefined)?.code === '42501'
}

/** A table whose rows are copied, and the columns an INSERT may write (generated ones left out). */
interface CopiedTable {
  oid: string
  schema: string
  table: string
  /** `schema.name`, for messages. */
  name: string
  /** `"schema"."name"`, quoted part by part: a schema or table name may hold a dot (`"my.app".orders`). */
  sql: string
  columns: string[]
}

/**
 * The tables and sequences to copy. Partitioned tables (relkind 'p') are left out: their rows live in their
 * partitions, which are listed themselves; copying both inserted every row twice.
 */
async function listRelations(c: pg.Client): Promise<[CopiedTable[], string[]]> {
  const { rows } = await c.query(
    `SELECT c.relkind::text AS kind, c.oid::int8::text AS oid, n.nspname::text AS schema, c.relname::text AS name,
        ARRAY(SELECT a.attname::text FROM pg_attribute a WHERE a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped AND a.attgenerated = ''
              ORDER BY a.attnum) AS columns
      FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE c.relkind IN ('r', 'S') AND n.nspname NOT IN ('pg_catalog', 'information_schema', '_venomqa') AND n.nspname NOT LIKE 'pg_toast%'
      ORDER BY 3, 4`,
  )
  return [
    rows
      .filter((r) => r.kind === 'r')
      .map((r) => ({ oid: r.oid, schema: r.schema, table: r.name, name: `${r.schema}.${r.name}`, sql: qualified(r.schema, r.name), columns: r.columns })),
    rows.filter((r) => r.kind === 'S').map((r) => qualified(r.schema, r.name)),
  ]
}

/**
 * What keeps `url` from naming the main database, or undefined. Another scheme was taken as it came (the
 * worker's database then failed to be made, as "database ... does not exist"), and a URL with no database
 * named its workers' databases `_w1`.
 */
function mainUrlProblem(url: string): string | undefined {
  const shown = redactConnectionUrl(url)
  if (!/^postgres(ql)?:\/\//i.test(url) || !URL.canParse(url)) return `"${shown}" must start with postgres:// or postgresql://`
  if (!decodeURIComponent(new URL(url).pathname.slice(1))) return `no database named: put it in the url (${shown.replace(/\/+$/, '')}/<database>)`
  return undefined
}
