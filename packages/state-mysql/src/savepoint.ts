import { CheckpointStack, type StateBackend, StateError } from '@venomqa/core'
import type { Connection, RowDataPacket } from 'mysql2/promise'
import { type Target, describeSqlError, openConnection, parseTarget } from './connection'
import { PRIVATE_LIKE, ident } from './sql'
import { countRows, databaseProblem } from './snapshot'

export interface MysqlSavepointOptions {
  url: string
  database?: string
  /** Tables that reset() empties and observe() counts (default: every base table). */
  tables?: string[]
  exclude?: string[]
  name?: string
}

/**
 * Savepoint rollback: one connection holds one open transaction, and checkpoints are SAVEPOINTs in it.
 *
 * It restores only what went through `connection`, so it is for an app that runs in the test's own process
 * and takes this connection for every query. An app in its own process, with its own pool, commits on its
 * own connections and none of it is rolled back: use the snapshot mechanism for that.
 *
 * DDL, or a COMMIT sent on the connection, ends the transaction and every savepoint with it; the next
 * rollback then fails with a StateError rather than pretending.
 */
export class MysqlSavepointBackend implements StateBackend {
  readonly name: string
  readonly mechanism = 'savepoint'
  readonly parallelSafe = false

  readonly #options: MysqlSavepointOptions
  readonly #target: Target
  #conn?: Connection
  /** Savepoint names by checkpoint. MySQL, like the stack, drops every later one when it rolls back to or releases one. */
  readonly #stack: CheckpointStack<string>
  #nextId = 1
  #tables: string[] = []

  constructor(options: MysqlSavepointOptions) {
    this.name = options.name ?? 'mysql'
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

  async connect(): Promise<void> {
    if (this.#conn) return
    const conn = await openConnection(this.name, this.#target)
    try {
      const [rows] = await conn.query<RowDataPacket[]>(
        `SELECT TABLE_NAME AS t FROM information_schema.TABLES WHERE TABLE_SCHEMA = ? AND TABLE_TYPE = 'BASE TABLE' AND TABLE_NAME NOT LIKE ? ORDER BY TABLE_NAME`,
        [this.#target.database, PRIVATE_LIKE],
      )
      const all = rows.map((r) => String(r.t))
      for (const table of [...(this.#options.tables ?? []), ...(this.#options.exclude ?? [])])
        if (!all.includes(table)) throw new StateError(this.name, `"${table}" is not a table of database "${this.#target.database}" (tables: ${all.join(', ') || 'none'})`)
      this.#tables = (this.#options.tables ?? all).filter((t) => !this.#options.exclude?.includes(t))
      await conn.query('START TRANSACTION')
      this.#conn = conn
    } catch (err) {
      await conn.end().catch(() => conn.destroy())
      throw err instanceof StateError ? err : new StateError(this.name, `connect to ${this.#target.display} failed: ${describeSqlError(err)}`, { cause: err })
    }
  }

  async checkpoint(name: string): Promise<void> {
    const conn = this.#require(`checkpoint "${name}"`)
    const savepoint = `venomqa_sp_${this.#nextId++}`
    await this.#stack.take(
      name,
      async () => {
        await this.#query(conn, `checkpoint "${name}"`, `SAVEPOINT ${ident(savepoint)}`)
        return savepoint
      },
      (gone) => this.#releaseSavepoint(conn, gone[0]!.name, gone[0]!.data),
    )
  }

  /** ROLLBACK TO SAVEPOINT destroys the later savepoints itself: nothing is left to free for them. */
  async rollback(name: string): Promise<void> {
    const conn = this.#require(`rollback to "${name}"`)
    await this.#stack.rollback(name, (savepoint) => this.#query(conn, `rollback to "${name}"`, `ROLLBACK TO SAVEPOINT ${ident(savepoint)}`))
  }

  /** Releasing the oldest savepoint released releases the later ones with it. */
  async release(name: string): Promise<void> {
    await this.#stack.release(name, (gone) => this.#releaseSavepoint(this.#require(`release "${name}"`), name, gone[0]!.data))
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

  /** `true` when the database answers, else why not: the plugin's health check for `venomqa doctor`. */
  async healthReport(): Promise<true | string> {
    return (await databaseProblem(this.name, this.#target)) ?? true
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
    }
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
