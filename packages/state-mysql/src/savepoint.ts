import { CheckpointStack, ConfigError, type ConnectOptions, type StateBackend, StateError } from '@venomqa/core'
import type { Connection, RowDataPacket } from 'mysql2/promise'
import { type Target, describeSqlError, openConnection, parseTarget } from './connection'
import { ident } from './sql'
import { countRows, databaseProblem } from './snapshot'
import { tableNamesOf, unknownTable } from './table-names'
import { MYSQL_STATE_NAME } from './options'

/** What a rollback that found rows committed through the app's own connections advises. */
const OWN_CONNECTIONS_SUGGESTION =
  "The app writes through connections of its own, which a savepoint cannot undo: remove `mechanism: 'savepoint'` from this plugin's options (the snapshot mechanism, the default, restores what any connection wrote), or have the app take its connection from this backend."

export interface MysqlSavepointOptions {
  url: string
  database?: string
  /** Tables that reset() empties and observe() counts (default: every base table). */
  tables?: string[]
  exclude?: string[]
  name?: string
}

/** A checkpoint: its savepoint, and the highest AUTO_INCREMENT id each table had for everyone else. */
interface Savepoint {
  savepoint: string
  highest: HighestIds
}

/** Per table with an AUTO_INCREMENT column: the highest id committed (null: none yet). */
type HighestIds = { table: string; column: string; id: string | null }[]

/**
 * Savepoint rollback: one connection holds one open transaction, and checkpoints are SAVEPOINTs in it.
 *
 * It restores only what went through `connection`, so it is for an app that runs in the test's own process
 * and takes this connection for every query. An app in its own process, with its own pool, commits on its
 * own connections and none of it is rolled back: use the snapshot mechanism for that. Such writes are not
 * passed over in silence: a rollback that finds rows another connection committed since the checkpoint
 * (new AUTO_INCREMENT ids) fails with a StateError, so the runner stops the branch rather than running
 * the next path on them.
 *
 * DDL, or a COMMIT sent on the connection, ends the transaction and every savepoint with it; the next
 * rollback then fails with a StateError rather than pretending.
 */
export class MysqlSavepointBackend implements StateBackend {
  readonly name: string
  readonly mechanism = 'savepoint'
  /** Its one transaction ends with its session: nothing stays. */
  readonly leftWhenQuit = false
  readonly parallelSafe = false

  readonly #options: MysqlSavepointOptions
  readonly #target: Target
  #conn?: Connection
  /**
   * A second connection, outside the transaction, that sees what others committed: the transaction's own
   * reads (REPEATABLE READ) keep the view they started with, and would never see the app's rows.
   */
  #outside?: Connection
  /** Savepoints by checkpoint. MySQL, like the stack, drops every later one when it rolls back to or releases one. */
  readonly #stack: CheckpointStack<Savepoint>
  #nextId = 1
  #tables: string[] = []
  /** The tracked tables' AUTO_INCREMENT columns. */
  #autoIds: { table: string; column: string }[] = []

  constructor(options: MysqlSavepointOptions) {
    this.name = options.name ?? MYSQL_STATE_NAME
    this.#options = options
    this.#target = parseTarget(this.name, options.url, options.database)
    this.#stack = new CheckpointStack(this.name)
  }

  /** Names of the open checkpoints, oldest first. */
  get checkpoints(): string[] {
    return this.#stack.names
  }

  /** The connection, inside the transaction, that the app under test must use for its queries. */
  get connection(): Connection {
    if (!this.#conn) throw new StateError(this.name, 'the savepoint connection is not open: call connect() first')
    return this.#conn
  }

  /**
   * With `options.signal`: aborted while connecting, the connection is destroyed at once; aborted after, the
   * transaction just begun is rolled back as at a disconnect. The connect rejects with the signal's reason.
   */
  async connect(options?: ConnectOptions): Promise<void> {
    if (this.#conn) return
    const signal = options?.signal
    const conn = await openConnection(this.name, this.#target, {}, signal)
    try {
      const all = await tableNamesOf(conn, this.#target.database, false)
      const mistake = unknownTable(this.name, this.#options, all, this.#target.database)
      if (mistake) throw mistake
      this.#tables = (this.#options.tables ?? all).filter((t) => !this.#options.exclude?.includes(t))
      const [columns] = await conn.query<RowDataPacket[]>(
        `SELECT TABLE_NAME AS t, COLUMN_NAME AS c FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = ? AND EXTRA LIKE '%auto_increment%' ORDER BY TABLE_NAME`,
        [this.#target.database],
      )
      this.#autoIds = columns.map((r) => ({ table: String(r.t), column: String(r.c) })).filter((c) => this.#tables.includes(c.table))
      if (this.#autoIds.length) this.#outside = await openConnection(this.name, this.#target, {}, signal)
      await conn.query('START TRANSACTION')
      this.#conn = conn
    } catch (err) {
      await conn.end().catch(() => conn.destroy())
      await this.#endOutside()
      if (signal?.aborted) throw signal.reason
      throw err instanceof StateError || err instanceof ConfigError ? err : new StateError(this.name, `connect to ${this.#target.display} failed: ${describeSqlError(err)}`, { cause: err })
    }
    if (signal?.aborted) {
      await this.disconnect()
      throw signal.reason
    }
  }

  async checkpoint(name: string): Promise<void> {
    const conn = this.#require(`checkpoint "${name}"`)
    const savepoint = `venomqa_sp_${this.#nextId++}`
    await this.#stack.take(
      name,
      async () => {
        const highest = await this.#highestIds(`checkpoint "${name}"`)
        await this.#query(conn, `checkpoint "${name}"`, `SAVEPOINT ${ident(savepoint)}`)
        return { savepoint, highest }
      },
      (gone) => this.#releaseSavepoint(conn, gone[0]!.name, gone[0]!.data.savepoint),
    )
  }

  /**
   * ROLLBACK TO SAVEPOINT destroys the later savepoints itself: nothing is left to free for them. Then the
   * rows others committed since the checkpoint, which no savepoint undoes, make it fail (see #escapedSince).
   */
  async rollback(name: string): Promise<void> {
    const conn = this.#require(`rollback to "${name}"`)
    let highest: HighestIds = []
    await this.#stack.rollback(name, (taken) => {
      highest = taken.highest
      return this.#query(conn, `rollback to "${name}"`, `ROLLBACK TO SAVEPOINT ${ident(taken.savepoint)}`)
    })
    // After the stack dropped the later checkpoints, as MySQL dropped their savepoints.
    const escaped = await this.#escapedSince(highest, `rollback to "${name}"`)
    if (escaped.length)
      throw new StateError(
        this.name,
        `rollback to "${name}" left rows written since: ${escaped.map((e) => (e.id === null ? `${e.table} has rows (it had none at the checkpoint)` : `${e.table} has rows with ${e.column} above ${e.id} (its highest at the checkpoint)`)).join('; ')}. They were committed through another connection than this backend's (an app with its own pool), which the savepoint mechanism cannot undo; use mechanism 'snapshot' (the default) for such an app`,
        // The state's kind would advise checking the connection, which works: the mechanism is what to change.
        { suggestion: OWN_CONNECTIONS_SUGGESTION },
      )
  }

  /** Releasing the oldest savepoint released releases the later ones with it. */
  async release(name: string): Promise<void> {
    await this.#stack.release(name, (gone) => this.#releaseSavepoint(this.#require(`release "${name}"`), name, gone[0]!.data.savepoint))
  }

  /**
   * Delete every row of the tables, inside the transaction. AUTO_INCREMENT counters are not reset: TRUNCATE
   * and ALTER TABLE would commit the transaction and lose every savepoint.
   */
  async reset(): Promise<void> {
    const conn = this.#require('reset')
    const statements = ['SET FOREIGN_KEY_CHECKS = 0', ...this.#tables.map((t) => `DELETE FROM ${ident(t)}`), 'SET FOREIGN_KEY_CHECKS = 1']
    for (const sql of statements) await this.#query(conn, 'reset', sql)
  }

  async observe(): Promise<Record<string, unknown>> {
    return countRows(this.#require('observe'), this.#tables)
  }

  async healthCheck(): Promise<boolean> {
    return (await databaseProblem(this.name, this.#target)) === undefined
  }

  /**
   * `true` when the database answers, else why not: the plugin's health check for `venomqa doctor`. A name
   * of `tables` or `exclude` the database has no table of is thrown, as connect throws it.
   */
  async healthReport(): Promise<true | string> {
    const names = async (conn: Connection) => {
      const mistake = unknownTable(this.name, this.#options, await tableNamesOf(conn, this.#target.database, false), this.#target.database)
      if (mistake) throw mistake
      return undefined
    }
    return (await databaseProblem(this.name, this.#target, names)) ?? true
  }

  /** Roll the whole transaction back: nothing done through the connection outlives the run. */
  async disconnect(): Promise<void> {
    const conn = this.#conn
    if (!conn) return
    this.#conn = undefined
    this.#stack.clear()
    try {
      await conn.query('ROLLBACK')
    } finally {
      await conn.end().catch(() => conn.destroy())
      await this.#endOutside()
    }
  }

  /** The highest committed id of each AUTO_INCREMENT column, as any other connection sees it: one query. */
  async #highestIds(op: string): Promise<HighestIds> {
    if (!this.#outside || !this.#autoIds.length) return []
    const sql = this.#autoIds.map(({ table, column }, i) => `SELECT ${i} AS i, CAST(MAX(${ident(column)}) AS CHAR) AS id FROM ${ident(table)}`).join(' UNION ALL ')
    const rows = await this.#read(op, sql)
    return this.#autoIds.map((c, i) => ({ ...c, id: (rows.find((r) => Number(r.i) === i)?.id as string | null | undefined) ?? null }))
  }

  /**
   * The columns holding ids above their highest at the checkpoint, committed by now: read from outside
   * the transaction, whose own writes (rolled back, or never committed) no other connection sees. Such
   * rows came through another connection. Rows with ids at or below the highest are not counted: an
   * update or a delete by the app goes unseen, as with PostgreSQL's check.
   */
  async #escapedSince(highest: HighestIds, op: string): Promise<HighestIds> {
    if (!highest.length) return []
    const sql = highest
      .map(({ table, column, id }, i) => `SELECT ${i} AS i FROM DUAL WHERE EXISTS (SELECT 1 FROM ${ident(table)} WHERE ${id === null ? `${ident(column)} IS NOT NULL` : `${ident(column)} > ${/^-?\d+$/.test(id) ? id : 'NULL'}`})`)
      .join(' UNION ALL ')
    const rows = await this.#read(op, sql)
    return rows.map((r) => highest[Number(r.i)]!)
  }

  async #read(op: string, sql: string): Promise<RowDataPacket[]> {
    try {
      const [rows] = await this.#outside!.query<RowDataPacket[]>(sql)
      return rows
    } catch (err) {
      throw new StateError(this.name, `${op} failed: ${describeSqlError(err)}`, { cause: err })
    }
  }

  async #endOutside(): Promise<void> {
    const outside = this.#outside
    this.#outside = undefined
    await outside?.end().catch(() => outside.destroy())
  }

  #require(op: string): Connection {
    if (!this.#conn) throw new StateError(this.name, `${op}: not connected (connect() was not called, or failed)`)
    return this.#conn
  }

  #releaseSavepoint(conn: Connection, name: string, savepoint: string): Promise<void> {
    return this.#query(conn, `release "${name}"`, `RELEASE SAVEPOINT ${ident(savepoint)}`)
  }

  async #query(conn: Connection, op: string, sql: string): Promise<void> {
    try {
      await conn.query(sql)
    } catch (err) {
      const gone = (err as { code?: string }).code === 'ER_SP_DOES_NOT_EXIST'
      throw new StateError(
        this.name,
        gone
          ? `${op}: the savepoint is gone: the transaction was committed (a COMMIT, or DDL, which commits implicitly, ran on the connection)`
          : `${op} failed: ${describeSqlError(err)}`,
        { cause: err },
      )
    }
  }
}
