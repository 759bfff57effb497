import { ConfigError, StateError, type StateBackend, type WorkerApp, type WorkerAppResources, type WorkerPart, asWorkerSetup, errorMessage, leftBehindBy, workerDatabaseMade } from '@venomqa/core'
import type { Connection, RowDataPacket } from 'mysql2/promise'
import { type MadeIn, TriggerSwapError, appTriggersAsWritten, createAs, createTriggers, otherDefinerNeeds } from './app-triggers'
import { type Target, describeSqlError, isPrivilegeError, openConnection, parseTarget } from './connection'
import type { MysqlStateOptions } from './options'
import { mysqlState } from './plugin'
import { MysqlSavepointBackend } from './savepoint'
import { MysqlSnapshotBackend, batch } from './snapshot'
import { inTables } from './schema'
import { PRIVATE_LIKE, binary, columnList, ident, literal } from './sql'
import { QUIET_FLAG, RESTORE_SQL_MODE } from './tracking'

/** What a mysql part gives the app of each worker. */
export interface MysqlWorkerResources {
  /** The worker's own database, on the main database's server. */
  databaseUrl: string
}

export interface MysqlWorkersOptions {
  /** The main database (mysql:// or mariadb://), the one worker 0 (the run's own app) uses. */
  url: string
  /** Start the app for worker `index` against `databaseUrl`. Leave it out inside composeWorkers, whose startApp gets every part's resources. */
  startApp?(index: number, databaseUrl: string, resources: WorkerAppResources<MysqlWorkerResources>): Promise<WorkerApp>
  /** Options for each worker's state backend (always the snapshot mechanism: the app has connections of its own). */
  state?: Omit<MysqlStateOptions, 'url' | 'database' | 'mechanism' | 'name'>
  /** Name of worker databases: default `<main database>_w<index>`. */
  databaseName?(index: number, mainDatabase: string): string
  /**
   * 'copy' (default): a worker's database starts as a copy of the main one, tables and rows, before its app
   * starts (so an app that runs its migrations finds them done), and the app's triggers on them. 'app': it
   * starts empty and the app creates the schema. Stored procedures and functions (see copyRoutines) and
   * views (see copyViews) are copied too.
   */
  schema?: 'copy' | 'app'
  /** The environment variable that carries the worker's database URL to its app (`resources.env`). Default DATABASE_URL. */
  env?: string
}

const PART = 'mysqlWorkers'

/** ` DEFINER=\`user\`@\`host\` ` in SHOW CREATE VIEW's (or PROCEDURE's, FUNCTION's) statement, each name quoted as the server quotes it. */
const DEFINER_CLAUSE = / DEFINER=(?:`(?:[^`]|``)*`|\S+?)@(?:`(?:[^`]|``)*`|\S+) /

/**
 * The savepoint mechanism keeps everything written since the run began in its connection's one open
 * transaction, which the copy to a worker, on a connection of its own, cannot read: the worker's paths
 * would start without the main line's rows.
 */
function savepointRefused(b: StateBackend): ConfigError {
  return new ConfigError(
    `${PART}: the run's state backend "${b.name}" uses the savepoint mechanism: what was written since the run began sits in its open transaction, which a worker's copy of the database cannot read, so paths on other workers would start without the main line's rows. For --parallel-paths and --workers, use the snapshot mechanism (the default); see docs/parallel.md`,
    { where: 'workerSetup' },
  )
}

/**
 * Worker setup (and part for composeWorkers) for apps on MySQL or MariaDB: each worker gets a database of
 * its own on the main database's server, and its own snapshot backend. Before a worker runs paths of a
 * parallel branch, every table's rows are copied from the main database, which stands at the checkpoint,
 * in one transaction with foreign key checks off, then each AUTO_INCREMENT counter that differs is set to
 * the main one's (ALTER TABLE commits on its own, so the counters follow the rows' commit), and each
 * sequence (MariaDB) is restarted at the main one's next value. The main database is only read.
 */
export function mysqlWorkers(given: MysqlWorkersOptions) {
  const options = given ?? ({} as Partial<MysqlWorkersOptions>)
  if (options.startApp !== undefined && typeof options.startApp !== 'function')
    throw new ConfigError(`${PART}: \`startApp(index, databaseUrl)\` must be a function`, { where: 'startApp' })
  if (options.schema !== undefined && options.schema !== 'copy' && options.schema !== 'app')
    throw new ConfigError(`${PART}: \`schema\` must be 'copy' or 'app', got ${JSON.stringify(options.schema)}`, { where: 'schema' })
  if ((options.state as { mechanism?: unknown } | undefined)?.mechanism === 'savepoint')
    throw new ConfigError(`${PART}: a worker's app has its own connections, so its backend must use the snapshot mechanism, not savepoint`, { where: 'state.mechanism' })
  // No main database (`url: process.env.DATABASE_URL!` with the variable unset) is refused when the workers
  // are made, not when the config loads: a CI job that only renders reports (`venomqa report`,
  // `merge-reports`), or `venomqa list` on a machine without the variable, loads the config and makes none.
  // A URL given is read now: a mistake in it is the config's wherever it loads.
  const parsed = options.url ? mainTarget(options.url) : undefined
  const mainUrl = (): string => {
    if (!options.url) throw new ConfigError(`${PART}: \`url\` (the main database) is required`, { where: 'url' })
    return options.url
  }
  const main = (): Target => {
    mainUrl()
    return parsed!
  }
  const nameOf = (i: number) => options.databaseName?.(i, main().database) ?? `${main().database}_w${i}`
  const urlOf = (db: string) => {
    const u = new URL(mainUrl())
    u.pathname = `/${encodeURIComponent(db)}`
    return u.toString()
  }
  const copiers = new Map<number, MysqlCopier>()

  const part: WorkerPart<MysqlWorkerResources> = {
    part: PART,
    needsApp: true,
    async prepare(index: number, _main, signal?: AbortSignal) {
      signal?.throwIfAborted()
      const db = nameOf(index)
      const copier = new MysqlCopier(main(), db)
      copiers.set(index, copier)
      // Named by a run quit at once from now until it is dropped: nothing else would drop it then.
      const dropped = workerDatabaseMade({ name: db, drop: copier.dropStatement })
      try {
        await copier.createDatabase()
      } catch (err) {
        // Refused (no rights on the worker's database, say): nothing was made, so nothing is dropped or
        // left behind. Trying the drop anyway was refused too, and told the user to drop a database that
        // does not exist.
        copiers.delete(index)
        dropped()
        await copier.close()
        throw err
      }
      try {
        if (options.schema !== 'app') {
          // Between the steps of a copy (a big database takes a while), a create given up stops.
          signal?.throwIfAborted()
          await copier.copySchema()
          signal?.throwIfAborted()
          // Before the views: a view that calls a function is made only once the function is there.
          await copier.copyRoutines()
          signal?.throwIfAborted()
          await copier.copyViews()
          signal?.throwIfAborted()
          await copier.copyRows()
          signal?.throwIfAborted()
          // After the rows: until the worker's backend swaps them for their guarded copies, the app's
          // triggers would fire on every row copied in.
          await copier.copyTriggers()
        }
      } catch (err) {
        copiers.delete(index)
        // Undone here: composeWorkers undoes only the parts whose prepare returned. A database that cannot
        // be dropped would outlive the run unseen: the error says so, with the statement that drops it.
        const left = await copier.dropDatabase().then(
          () => void dropped(),
          (dropErr: unknown) => `${PART}: ${leftBehind(copier, dropErr)}`,
        )
        await copier.close()
        throw left ? leftBehindBy(err, [left]) : err
      }
      const databaseUrl = urlOf(db)
      return {
        resources: { databaseUrl },
        env: { [options.env ?? 'DATABASE_URL']: databaseUrl },
        stateBackends: [mysqlState({ ...options.state, url: databaseUrl, mechanism: 'snapshot', name: `mysql:${db}` })],
        close: async () => {
          copiers.delete(index)
          try {
            await copier.dropDatabase()
            dropped()
          } catch (err) {
            throw new Error(leftBehind(copier, err), { cause: err })
          } finally {
            await copier.close()
          }
        },
      }
    },
    async sync(index: number) {
      const copier = copiers.get(index)
      if (!copier) throw new Error(`worker ${index} was not created`)
      await copier.copyRows()
    },
    // Asked when the workers are made, before any part prepares: no `url` is refused then (see mainUrl),
    // and a main backend whose rows a worker's copy cannot read (see savepointRefused).
    check(main) {
      mainUrl()
      const savepoint = main.stateBackends.find((b) => b instanceof MysqlSavepointBackend)
      if (savepoint) throw savepointRefused(savepoint)
    },
    covers: (b: StateBackend) => b instanceof MysqlSnapshotBackend || b instanceof MysqlSavepointBackend,
  }
  const startApp = options.startApp
  return asWorkerSetup(part, startApp && ((index, resources) => startApp(index, resources.databaseUrl, resources)), 'startApp(index, databaseUrl)')
}

/** A worker database that could not be dropped: why, and the statement that drops it by hand. */
function leftBehind(copier: MysqlCopier, err: unknown): string {
  return `${errorMessage(err)}; it is left behind: drop it with ${copier.dropStatement}`
}

/** The main database's URL, parsed; a mistake in it is the config's. */
function mainTarget(url: string): Target {
  try {
    return parseTarget(PART, url)
  } catch (err) {
    // `mysqlWorkers: \`url\`: reads as a URL with ...`: the key is named once.
    throw new ConfigError(`${PART}: \`url\`: ${(err as Error).message.replace(/^state backend "[^"]*": (?:the url )?/, '')}`, { where: 'url' })
  }
}

interface TableInfo {
  name: string
  /** Columns a row can be inserted through: generated ones are computed again. */
  columns: string[]
}

/** Errors of a copy made with a stale list of tables or columns. */
const SCHEMA_CHANGED = new Set(['ER_NO_SUCH_TABLE', 'ER_BAD_FIELD_ERROR', 'ER_WRONG_VALUE_COUNT_ON_ROW', 'ER_NON_INSERTABLE_TABLE'])

/**
 * Copies the main database into one worker's, on one connection to their server (both databases are on
 * it, so rows go across with INSERT ... SELECT, never through this process).
 */
export class MysqlCopier {
  readonly #main: Target
  readonly #worker: string
  #conn?: Connection
  /** The main database's tables and columns as last read: read again only when a copy fails on them. */
  #known?: TableInfo[]

  constructor(main: Target, workerDatabase: string) {
    this.#main = main
    this.#worker = workerDatabase
  }

  get #where(): string {
    return `database "${this.#worker}" on ${this.#main.display}`
  }

  /** The statement that drops the worker's database: what a message says to run when the drop failed. */
  get dropStatement(): string {
    return `DROP DATABASE IF EXISTS ${ident(this.#worker)}`
  }

  async #connection(): Promise<Connection> {
    if (this.#conn) return this.#conn
    const conn = await openConnection(PART, this.#main, { multipleStatements: true, supportBigNumbers: true, bigNumberStrings: true })
    conn.on('error', () => (this.#conn = undefined))
    // RESTORE_SQL_MODE (see tracking.ts): a row with id 0 is copied as 0, a value that would be cut fails the
    // copy. The quiet flag: the rows are copied as the main database holds them, which its triggers wrote already, so
    // the worker app's triggers stay quiet (the worker backend's change tracking still sees the writes).
    await conn.query(
      `SET SESSION sql_mode = '${RESTORE_SQL_MODE}', SESSION lock_wait_timeout = 10, SESSION innodb_lock_wait_timeout = 10, ${QUIET_FLAG} = 1`,
    )
    // MySQL 8 caches information_schema.TABLES.AUTO_INCREMENT for a day; MariaDB has no such cache or variable.
    await conn.query('SET SESSION information_schema_stats_expiry = 0').catch(() => undefined)
    this.#conn = conn
    return conn
  }

  async #do<T>(what: string, run: (conn: Connection) => Promise<T>): Promise<T> {
    try {
      return await run(await this.#connection())
    } catch (err) {
      if (err instanceof StateError) throw err
      throw new StateError(`mysql:${this.#worker}`, `${what} (${this.#where}) failed: ${describeSqlError(err)}`, { cause: err })
    }
  }

  /** A fresh, empty database with the main one's character set and collation. */
  async createDatabase(): Promise<void> {
    await this.#do('creating the worker database', async (conn) => {
      const [rows] = await conn.query<RowDataPacket[]>(
        'SELECT DEFAULT_CHARACTER_SET_NAME AS cs, DEFAULT_COLLATION_NAME AS co FROM information_schema.SCHEMATA WHERE SCHEMA_NAME = ?',
        [this.#main.database],
      )
      const charset = rows[0] ? ` CHARACTER SET ${rows[0].cs} COLLATE ${rows[0].co}` : ''
      await batch(conn, [`DROP DATABASE IF EXISTS ${ident(this.#worker)}`, `CREATE DATABASE ${ident(this.#worker)}${charset}`])
    })
  }

  async dropDatabase(): Promise<void> {
    await this.#do('dropping the worker database', (conn) => batch(conn, [this.dropStatement]))
  }

  /**
   * Create the main database's sequences (MariaDB) and tables (keys, CHECK constraints, partitions, foreign
   * keys) in the worker's.
   * `CREATE TABLE ... LIKE` makes each from the table itself: SHOW CREATE TABLE's text is utf8mb3, where an
   * ENUM or SET member outside the BMP reads '?', and a worker's `ENUM('x', '\u{1F600}')` made from it was
   * `ENUM('x', '?')`, which refused the main rows' '\u{1F600}'. LIKE makes no foreign key: each is added from
   * information_schema, pointing at the worker's table when its target is in the main database.
   */
  async copySchema(): Promise<void> {
    await this.#do('copying the tables', async (conn) => {
      const [from, to] = [ident(this.#main.database), ident(this.#worker)]
      const tables = await this.#tables(conn, this.#main.database)
      const ddl = tables.map((t) => `CREATE TABLE ${to}.${ident(t.name)} LIKE ${from}.${ident(t.name)}`)
      const [rows] = await conn.query<RowDataPacket[]>(
        `SELECT k.TABLE_NAME AS t, k.CONSTRAINT_NAME AS name, k.COLUMN_NAME AS c, k.REFERENCED_TABLE_SCHEMA AS rs, k.REFERENCED_TABLE_NAME AS rt,
                k.REFERENCED_COLUMN_NAME AS rc, r.DELETE_RULE AS del, r.UPDATE_RULE AS upd
           FROM information_schema.KEY_COLUMN_USAGE k
           JOIN information_schema.REFERENTIAL_CONSTRAINTS r
             ON r.CONSTRAINT_SCHEMA = k.CONSTRAINT_SCHEMA AND ${binary('r.CONSTRAINT_NAME')} = ${binary('k.CONSTRAINT_NAME')} AND ${binary('r.TABLE_NAME')} = ${binary('k.TABLE_NAME')}
          WHERE k.TABLE_SCHEMA = ? AND k.REFERENCED_TABLE_NAME IS NOT NULL AND ${binary('k.TABLE_NAME')} NOT LIKE ?
          ORDER BY k.TABLE_NAME, k.CONSTRAINT_NAME, k.ORDINAL_POSITION`,
        [this.#main.database, PRIVATE_LIKE],
      )
      const keys = new Map<string, { t: string; name: string; cols: string[]; target: string; refCols: string[]; rules: string }>()
      for (const r of rows) {
        const id = `${r.t}\u0000${r.name}`
        let fk = keys.get(id)
        if (!fk) {
          const target = `${r.rs === this.#main.database ? to : ident(String(r.rs))}.${ident(String(r.rt))}`
          keys.set(id, (fk = { t: String(r.t), name: String(r.name), cols: [], target, refCols: [], rules: `ON DELETE ${r.del} ON UPDATE ${r.upd}` }))
        }
        fk.cols.push(String(r.c))
        fk.refCols.push(String(r.rc))
      }
      const byTable = new Map<string, string[]>()
      for (const fk of keys.values())
        byTable.set(fk.t, [
          ...(byTable.get(fk.t) ?? []),
          `ADD CONSTRAINT ${ident(fk.name)} FOREIGN KEY (${columnList(fk.cols)}) REFERENCES ${fk.target} (${columnList(fk.refCols)}) ${fk.rules}`,
        ])
      const foreignKeys = [...byTable].map(([t, adds]) => `ALTER TABLE ${to}.${ident(t)} ${adds.join(', ')}`)
      const [sequences = []] = await this.#sequences(conn, this.#main.database)
      const sequenceDdl: string[] = []
      for (const s of sequences) {
        // SHOW CREATE SEQUENCE says all of it (start, bounds, cache, cycle, engine) under the bare name.
        const [[shown]] = await conn.query<RowDataPacket[]>(`SHOW CREATE SEQUENCE ${from}.${ident(s)}`)
        const create = String(shown!['Create Table'])
        const head = `CREATE SEQUENCE ${ident(s)}`
        if (!create.startsWith(head)) throw new Error(`SHOW CREATE SEQUENCE ${s} gave an unexpected statement: ${create.slice(0, 100)}`)
        sequenceDdl.push(`CREATE SEQUENCE ${to}.${ident(s)}${create.slice(head.length)}`)
      }
      await batch(conn, ['SET FOREIGN_KEY_CHECKS = 0', ...sequenceDdl, ...ddl, ...foreignKeys, 'SET FOREIGN_KEY_CHECKS = 1'])
      await this.#pointDefaultsAtWorker(conn, sequences)
    })
  }

  /**
   * A column's `DEFAULT NEXTVAL(s)` is kept with the sequence's database named (`nextval(\`main\`.\`s\`)`),
   * and CREATE TABLE ... LIKE copies it so: the worker's inserts took their ids from the main database's
   * sequence, which the main backend sets back at each rollback, and not from the worker's. Each such
   * default is pointed at the worker's sequence of that name.
   */
  async #pointDefaultsAtWorker(conn: Connection, sequences: readonly string[]): Promise<void> {
    if (!sequences.length) return
    const [rows] = await conn.query<RowDataPacket[]>(
      `SELECT TABLE_NAME AS t, COLUMN_NAME AS c, COLUMN_DEFAULT AS d FROM information_schema.COLUMNS
        WHERE TABLE_SCHEMA = ? AND ${binary('TABLE_NAME')} NOT LIKE ? AND LOCATE(?, COLUMN_DEFAULT) > 0`,
      [this.#worker, PRIVATE_LIKE, `${ident(this.#main.database)}.`],
    )
    const statements = rows.flatMap((r) => {
      let d = String(r.d)
      for (const s of sequences) d = d.split(`${ident(this.#main.database)}.${ident(s)}`).join(`${ident(this.#worker)}.${ident(s)}`)
      return d === String(r.d) ? [] : [`ALTER TABLE ${ident(this.#worker)}.${ident(String(r.t))} ALTER COLUMN ${ident(String(r.c))} SET DEFAULT (${d})`]
    })
    if (statements.length) await batch(conn, statements)
  }

  /** The sequences of each database named (MariaDB), VenomQA's private objects left out: one query for all. */
  async #sequences(conn: Connection, ...databases: string[]): Promise<string[][]> {
    const [rows] = await conn.query<RowDataPacket[]>(
      `SELECT TABLE_SCHEMA AS d, TABLE_NAME AS t FROM information_schema.TABLES WHERE TABLE_SCHEMA IN (?) AND TABLE_TYPE = 'SEQUENCE' AND ${binary('TABLE_NAME')} NOT LIKE ? ORDER BY TABLE_NAME`,
      [databases, PRIVATE_LIKE],
    )
    return databases.map((db) => rows.filter((r) => String(r.d) === db).map((r) => String(r.t)))
  }

  /**
   * Restart each of the worker's sequences at the value the main one gives next. The main database stands at
   * the checkpoint, where its backend restarted each sequence at that value (see sequences.ts): its table
   * reads it, the cache empty. Restarted every time: the worker's table may read the same value while its
   * cache still holds values a path took. A sequence the worker lacks is the app's schema's to create.
   */
  async #copySequences(conn: Connection): Promise<void> {
    const [sequences = [], inWorker = []] = await this.#sequences(conn, this.#main.database, this.#worker)
    if (!sequences.length) return
    const there = new Set(inWorker)
    const missing = sequences.filter((s) => !there.has(s))
    if (missing.length)
      throw new StateError(
        `mysql:${this.#worker}`,
        `the worker database has no sequence ${missing.join(', ')}: its app must create the same schema as the main one (or use schema: 'copy')`,
      )
    const from = ident(this.#main.database)
    const [rows] = await conn.query<RowDataPacket[]>(
      sequences.map((s) => `SELECT ${literal(s)} AS s, next_not_cached_value AS v FROM ${from}.${ident(s)}`).join(' UNION ALL '),
    )
    await batch(
      conn,
      rows.map((r) => `ALTER SEQUENCE ${ident(this.#worker)}.${ident(String(r.s))} RESTART WITH ${BigInt(String(r.v))}`),
    )
  }

  /**
   * Create the main database's views in the worker's, reading the worker's tables: an app whose migrations
   * ran once on the main database queries them, and its worker app answered 500 (`Table ... doesn't exist`)
   * where the main one answered. SHOW CREATE VIEW names the main database before each table it reads, which
   * is pointed at the worker's, and the view's definer, left out: the view runs as the user of `url`, who
   * owns the worker's database, where creating one for another user would need SUPER (SET USER). A view
   * over another view is made once that one is: each round makes those whose views exist already.
   */
  async copyViews(): Promise<void> {
    await this.#do("copying the app's views", async (conn) => {
      const [rows] = await conn.query<RowDataPacket[]>(
        `SELECT TABLE_NAME AS v FROM information_schema.VIEWS WHERE TABLE_SCHEMA = ? AND ${binary('TABLE_NAME')} NOT LIKE ? ORDER BY TABLE_NAME`,
        [this.#main.database, PRIVATE_LIKE],
      )
      const [from, to] = [`${ident(this.#main.database)}.`, `${ident(this.#worker)}.`]
      let left: string[] = []
      for (const r of rows) {
        const [[shown]] = await conn.query<RowDataPacket[]>(`SHOW CREATE VIEW ${from}${ident(String(r.v))}`)
        const create = String(shown!['Create View']).replace(DEFINER_CLAUSE, ' ')
        left.push(create.split(from).join(to).replace(/^CREATE /, 'CREATE OR REPLACE '))
      }
      await conn.query(`USE ${ident(this.#worker)}`)
      try {
        while (left.length) {
          const waiting: string[] = []
          let failure: unknown
          for (const statement of left)
            await conn.query(statement).catch((err: unknown) => {
              if ((err as { code?: string }).code !== 'ER_NO_SUCH_TABLE') throw err
              waiting.push(statement)
              failure = err
            })
          // No view made in a round: what they read is not there at all, and the error says which.
          if (waiting.length === left.length) throw failure
          left = waiting
        }
      } finally {
        await conn.query(`USE ${ident(this.#main.database)}`)
      }
    })
  }

  /**
   * Create the main database's stored procedures and functions in the worker's, as views are (see
   * copyViews): an app that calls one answered 500 (`PROCEDURE app_w1.add_item does not exist`) on every
   * worker, and a view calling a function was not made at all. Each is made from SHOW CREATE PROCEDURE or
   * FUNCTION, its definer left out (it runs as the user of `url`, who owns the worker's database), the main
   * database's name before a table pointed at the worker's (a name without one is the routine's own
   * database's already), in the sql_mode and character set it was made in: under ANSI_QUOTES, `"items"` is
   * a table, elsewhere a string. A routine's body is read when it runs, so they are made in any order.
   */
  async copyRoutines(): Promise<void> {
    await this.#do("copying the app's stored procedures and functions", async (conn) => {
      const [rows] = await conn.query<RowDataPacket[]>(
        `SELECT ROUTINE_NAME AS name, ROUTINE_TYPE AS type FROM information_schema.ROUTINES
          WHERE ROUTINE_SCHEMA = ? AND ROUTINE_TYPE IN ('PROCEDURE', 'FUNCTION') AND ${binary('ROUTINE_NAME')} NOT LIKE ? ORDER BY ROUTINE_NAME`,
        [this.#main.database, PRIVATE_LIKE],
      )
      const [from, to] = [`${ident(this.#main.database)}.`, `${ident(this.#worker)}.`]
      const routines: { madeIn: MadeIn; create: string }[] = []
      for (const r of rows) {
        const [name, type] = [String(r.name), String(r.type)]
        const [[shown]] = await conn.query<RowDataPacket[]>(`SHOW CREATE ${type} ${from}${ident(name)}`)
        const create = shown?.[`Create ${type === 'PROCEDURE' ? 'Procedure' : 'Function'}`]
        // NULL for a user who is not its definer and may not read every routine's definition.
        if (create === null || create === undefined)
          throw new StateError(
            `mysql:${this.#worker}`,
            `the definition of ${type.toLowerCase()} ${name} cannot be read by the user of \`url\`: it needs to be the routine's definer, or SELECT on mysql.proc (MariaDB) or SHOW_ROUTINE (MySQL)`,
          )
        const madeIn = { name, sqlMode: String(shown!.sql_mode), charset: String(shown!.character_set_client), collation: String(shown!.collation_connection) }
        routines.push({ madeIn, create: String(create).replace(DEFINER_CLAUSE, ' ').split(from).join(to) })
      }
      if (!routines.length) return
      await conn.query(`USE ${ident(this.#worker)}`)
      try {
        for (const r of routines) await createAs(conn, r.madeIn, r.create)
      } finally {
        await conn.query(`USE ${ident(this.#main.database)}`)
      }
    })
  }

  /**
   * Create the app's triggers in the worker's tables, as the app wrote them (a guarded copy that the main
   * database's backend runs in one's place stands for it): without them the worker's app would not do what
   * the main one does (an audit row, a counter). Called once the first rows are in: they fired triggers in
   * the main database already.
   */
  async copyTriggers(): Promise<void> {
    await this.#do("copying the app's triggers", async (conn) => {
      const triggers = await appTriggersAsWritten(conn, this.#main.database)
      if (!triggers.length) return
      const [[server]] = await conn.query<RowDataPacket[]>('SELECT VERSION() AS v')
      await conn.query(`USE ${ident(this.#worker)}`)
      try {
        // MariaDB's kept statements, as the main backend puts the app's triggers back (see putBackAppTriggers).
        await createTriggers(conn, triggers, { ownWords: /mariadb/i.test(String(server?.v)) })
      } catch (err) {
        if (!(err instanceof TriggerSwapError)) throw err
        throw new StateError(
          `mysql:${this.#worker}`,
          `copying the app's ${err.message} into ${this.#where} failed${isPrivilegeError(err.cause) ? ` (${otherDefinerNeeds(err.trigger)})` : ''}: ${describeSqlError(err.cause)}`,
          { cause: err.cause },
        )
      } finally {
        await conn.query(`USE ${ident(this.#main.database)}`)
      }
    })
  }

  /**
   * Make the worker's tables hold exactly the main ones' rows (one transaction, foreign key checks off), then
   * set the AUTO_INCREMENT counters that differ. The worker's snapshot backend sees these writes through its
   * triggers like any other, so its next checkpoint saves them.
   */
  async copyRows(): Promise<void> {
    await this.#do('copying the rows of the main database', async (conn) => {
      let tables = this.#known ?? (await this.#readTables(conn))
      try {
        await this.#copy(conn, tables)
      } catch (err) {
        if (!this.#known || !SCHEMA_CHANGED.has((err as { code?: string }).code ?? '')) throw err
        // A migration since the last copy: read the tables again, once.
        tables = await this.#readTables(conn)
        await this.#copy(conn, tables)
      }
      await this.#copyCounters(conn, tables)
      await this.#copySequences(conn)
    })
  }

  /** The main database's tables, checked against the worker's; kept for the next copies. */
  async #readTables(conn: Connection): Promise<TableInfo[]> {
    this.#known = undefined
    const tables = await this.#tables(conn, this.#main.database)
    const there = new Set((await this.#tables(conn, this.#worker)).map((t) => t.name))
    const missing = tables.filter((t) => !there.has(t.name)).map((t) => t.name)
    if (missing.length)
      throw new StateError(
        `mysql:${this.#worker}`,
        `the worker database has no table ${missing.join(', ')}: its app must create the same schema as the main one (or use schema: 'copy')`,
      )
    this.#known = tables
    return tables
  }

  async #copy(conn: Connection, tables: readonly TableInfo[]): Promise<void> {
    const from = ident(this.#main.database)
    const to = ident(this.#worker)
    const rows = tables.flatMap((t) => {
      const cols = columnList(t.columns)
      return [`DELETE FROM ${to}.${ident(t.name)}`, `INSERT INTO ${to}.${ident(t.name)} (${cols}) SELECT ${cols} FROM ${from}.${ident(t.name)}`]
    })
    try {
      await batch(conn, ['START TRANSACTION', 'SET FOREIGN_KEY_CHECKS = 0', ...rows, 'COMMIT', 'SET FOREIGN_KEY_CHECKS = 1'])
    } catch (err) {
      await batch(conn, ['ROLLBACK', 'SET FOREIGN_KEY_CHECKS = 1']).catch(() => undefined)
      throw err
    }
  }

  /** Set the worker's counters that differ from the main ones, read after the copy: InnoDB moves one up past the ids just inserted. */
  async #copyCounters(conn: Connection, tables: readonly TableInfo[]): Promise<void> {
    if (!tables.length) return
    // Naming the tables keeps MariaDB from opening every table of both databases, private ones included;
    // unless two names may collide, which MariaDB would answer with one of the two (see inTables).
    const only = inTables('TABLE_NAME', tables.map((t) => t.name))
    const [rows] = await conn.query<RowDataPacket[]>(
      `SELECT TABLE_SCHEMA AS s, TABLE_NAME AS t, AUTO_INCREMENT AS a FROM information_schema.TABLES WHERE TABLE_SCHEMA IN (?, ?) AND ${only.sql} AND AUTO_INCREMENT IS NOT NULL`,
      [this.#main.database, this.#worker, only.value],
    )
    const counter = (db: string, table: string) => rows.find((r) => r.s === db && r.t === table)?.a
    const counters = tables.flatMap((t) => {
      const want = counter(this.#main.database, t.name)
      return want !== undefined && want !== null && String(want) !== String(counter(this.#worker, t.name))
        ? [`ALTER TABLE ${ident(this.#worker)}.${ident(t.name)} AUTO_INCREMENT = ${BigInt(String(want))}`]
        : []
    })
    if (counters.length) await batch(conn, counters)
  }

  /**
   * The base tables of a database (VenomQA's private ones left out), with their insertable columns. Names
   * are joined byte for byte: information_schema's collation would give `Notes` the columns of `notes` too.
   */
  async #tables(conn: Connection, database: string): Promise<TableInfo[]> {
    const [rows] = await conn.query<RowDataPacket[]>(
      `SELECT t.TABLE_NAME AS t, c.COLUMN_NAME AS c, c.EXTRA AS e
         FROM information_schema.TABLES t JOIN information_schema.COLUMNS c ON c.TABLE_SCHEMA = t.TABLE_SCHEMA AND ${binary('c.TABLE_NAME')} = ${binary('t.TABLE_NAME')}
        WHERE t.TABLE_SCHEMA = ? AND t.TABLE_TYPE = 'BASE TABLE' AND ${binary('t.TABLE_NAME')} NOT LIKE ?
        ORDER BY t.TABLE_NAME, c.ORDINAL_POSITION`,
      [database, PRIVATE_LIKE],
    )
    const out = new Map<string, TableInfo>()
    for (const r of rows) {
      let table = out.get(r.t)
      if (!table) out.set(r.t, (table = { name: String(r.t), columns: [] }))
      const extra = String(r.e ?? '')
      // Generated columns are computed again on insert; MySQL 8 marks DEFAULT CURRENT_TIMESTAMP as DEFAULT_GENERATED.
      if (/GENERATED/i.test(extra) && !/DEFAULT_GENERATED/i.test(extra)) continue
      table.columns.push(String(r.c))
    }
    return [...out.values()]
  }

  async close(): Promise<void> {
    const conn = this.#conn
    this.#conn = undefined
    await conn?.end().catch(() => conn.destroy())
  }
}
