import { createHash } from 'node:crypto'
import { type OpenCheckpoint, StateError } from '@venomqa/core'
import type pg from 'pg'
import { PostgresBackend } from './backend'
import { findSequences, findTables } from './catalog'
import { describePgError, openClient, where } from './connection'
import { countRows, truncateSql } from './common'
import { type DatabaseProperties, applyDatabaseProperties, readDatabaseProperties } from './database-properties'
import { withDatabase } from './options'
import { ident, literal } from './sql'

const LOCK_KEY = 1986948205
const MAX_IDENT = 63
/** "source database is being accessed by other users": a pool reconnected between terminate and copy. */
const IN_USE = '55006'

/** A checkpoint: the copy of the database, and the properties of the database, which a copy does not keep. */
interface Copy {
  name: string
  properties: DatabaseProperties
}

/**
 * The `template` mechanism: a checkpoint is a copy of the whole database (`CREATE DATABASE ... TEMPLATE`),
 * a rollback replaces the working database with a fresh copy of it. Total (schema, every table, sequences)
 * but slow, and it ends every connection to the working database: the app must reconnect (pg's Pool does
 * on its next query, provided the app listens to the pool's 'error' event).
 */
export class PostgresTemplateBackend extends PostgresBackend<Copy> {
  readonly mechanism = 'template'
  get leftWhenQuit(): string {
    return `keeps its checkpoint copies (databases ${this.target.database}_vqcp_<n>, or vq_<hash>_cp_<n> for a long name)`
  }
  #owner = ''
  #counter = 0
  /** Databases removed by the last connect: copies left by a run that died. */
  cleanedLeftovers: string[] = []

  /** The checkpoint copies, oldest first. */
  get copies(): string[] {
    return this.checkpoints.map((n) => this.stack.get(n).name)
  }

  /** The backend's client is an admin session on another database: the working one gets replaced. */
  protected connectsTo() {
    return {
      url: withDatabase(this.options.url, this.options.adminDatabase),
      purpose: `copy and replace database "${this.target.database}" (the template mechanism works from database "${this.options.adminDatabase}"; set \`adminDatabase\` to use another)`,
    }
  }

  protected async prepare(admin: pg.Client): Promise<void> {
    const db = this.target.database
    const { rows } = await this.step('check privileges', () =>
      admin.query(`SELECT rolsuper OR rolcreatedb AS ok FROM pg_roles WHERE rolname = current_user`),
    )
    if (!rows[0]?.ok)
      throw new StateError(this.name, `user "${this.target.user}" may not create databases, which the template mechanism needs for ${where(this.target)}: ALTER ROLE "${this.target.user}" CREATEDB`)
    const lock = await this.step('take the run lock', () => admin.query('SELECT pg_try_advisory_lock($1, hashtext($2)) AS ok', [LOCK_KEY, db]))
    if (!lock.rows[0].ok)
      throw new StateError(this.name, `another VenomQA template backend is already working on ${where(this.target)}: give each parallel run its own database`)
    await this.#recoverAndClean(admin)
    const owner = await admin.query('SELECT pg_get_userbyid(datdba) AS owner FROM pg_database WHERE datname = $1', [db])
    if (!owner.rows.length) throw new StateError(this.name, `cannot use ${where(this.target)}: the database does not exist`)
    this.#owner = owner.rows[0].owner
  }

  protected async capture(admin: pg.Client, name: string): Promise<Copy> {
    const db = this.target.database
    const copy = this.#copyName(++this.#counter)
    return this.step(`checkpoint "${name}" (copy to database "${copy}")`, async () => {
      const properties = await readDatabaseProperties(admin, db)
      await this.#whileAlone(admin, db, () => admin.query(`CREATE DATABASE ${ident(copy)} TEMPLATE ${ident(db)}`))
      await admin.query(`COMMENT ON DATABASE ${ident(copy)} IS ${literal(this.#marker())}`)
      // The settings tried on the copy now (a CREATE ... TEMPLATE of it copies none of them): one this user
      // may not give (a setting a superuser gave, another role's setting) fails the checkpoint, before the
      // path runs, rather than every rollback after it. Privileges, limit and comment its owner may give.
      try {
        await applyDatabaseProperties(admin, copy, properties.user, properties, true)
      } catch (err) {
        await admin.query(`DROP DATABASE IF EXISTS ${ident(copy)} WITH (FORCE)`).catch(() => {})
        throw err
      }
      return { name: copy, properties }
    })
  }

  /**
   * A quit run (a second Ctrl-C): a rollback under way is let finish, the copies of the checkpoints after
   * it dropped too, so that the run hears of it (its rollback hook) and the quit does not say the journey
   * was left unrestored. Between its rename and its CREATE the app has no database at all; the process
   * ending there left it so (the working database renamed away, none made in its place), where the next
   * statement, a moment later, puts a whole copy back.
   */
  async letGo(): Promise<void> {
    await this.#rollingBack
  }

  /** The rollback under way, settled either way (see letGo). */
  #rollingBack?: Promise<void>

  override async rollback(name: string): Promise<void> {
    const rolling = super.rollback(name)
    const settled = rolling.then(
      () => {},
      () => {},
    )
    this.#rollingBack = settled
    try {
      await rolling
    } finally {
      if (this.#rollingBack === settled) this.#rollingBack = undefined
    }
  }

  protected async restore(admin: pg.Client, name: string, { name: copy, properties }: Copy): Promise<void> {
    const db = this.target.database
    const old = this.#oldName()
    await this.step(`rollback to "${name}" (database "${db}" from "${copy}")`, async () => {
      // Rename first, drop last: if the copy cannot be made, or not given the working database's settings
      // and privileges, the working database is put back, never lost.
      await this.#whileAlone(admin, db, () => admin.query(`ALTER DATABASE ${ident(db)} RENAME TO ${ident(old)}`))
      let made = false
      try {
        const owner = this.#owner && this.#owner !== this.target.user ? ` OWNER ${ident(this.#owner)}` : ''
        await admin.query(`CREATE DATABASE ${ident(db)} TEMPLATE ${ident(copy)}${owner}`)
        made = true
        await applyDatabaseProperties(admin, db, this.#owner || this.target.user, properties)
      } catch (err) {
        if (made) await admin.query(`DROP DATABASE ${ident(db)} WITH (FORCE)`).catch(() => {})
        await admin.query(`ALTER DATABASE ${ident(old)} RENAME TO ${ident(db)}`).catch(() => {})
        throw err
      }
      await admin.query(`DROP DATABASE ${ident(old)} WITH (FORCE)`)
    })
  }

  /** A copy that no open checkpoint refers to is dropped: released, replaced, or rolled back past. */
  protected async released(admin: pg.Client, gone: OpenCheckpoint<Copy>[]): Promise<void> {
    for (const { data: copy } of gone) await this.#drop(admin, copy.name)
  }

  protected dropped(admin: pg.Client, gone: OpenCheckpoint<Copy>[]): Promise<void> {
    return this.released(admin, gone)
  }

  /** Drop every checkpoint copy, newest first. */
  protected async leave(admin: pg.Client, open: OpenCheckpoint<Copy>[]): Promise<void> {
    for (const { data: copy } of open.reverse()) await this.#drop(admin, copy.name)
  }

  async reset(): Promise<void> {
    this.connected()
    await this.#withWorkingDb('reset', async (client) => {
      const { tables } = await findTables(client, this.scope)
      if (tables.length) await client.query(truncateSql(tables, await findSequences(client, this.scope, tables)))
    })
  }

  async observe(): Promise<Record<string, unknown>> {
    this.connected()
    return this.#withWorkingDb('observe', async (client) => countRows(client, (await findTables(client, this.scope)).tables))
  }

  #marker(): string {
    return `venomqa checkpoint of database "${this.target.database}"`
  }

  /** `<db>_vqcp_<n>`, or a hashed form when the database name is too long for it. */
  #copyName(n: number): string {
    const plain = `${this.#copyPrefix(false)}${n}`
    if (Buffer.byteLength(plain) <= MAX_IDENT) return plain
    return `${this.#copyPrefix(true)}${n}`
  }

  /** What every copy's name starts with, before its number: `<db>_vqcp_`, or `vq_<hash>_cp_`. */
  #copyPrefix(hashed: boolean): string {
    return hashed ? `vq_${createHash('sha1').update(this.target.database).digest('hex').slice(0, 12)}_cp_` : `${this.target.database}_vqcp_`
  }

  #oldName(): string {
    const plain = `${this.target.database}_vqold`
    if (Buffer.byteLength(plain) <= MAX_IDENT) return plain
    return `vq_${createHash('sha1').update(this.target.database).digest('hex').slice(0, 12)}_old`
  }

  async #drop(admin: pg.Client, copy: string): Promise<void> {
    await this.step(`drop checkpoint copy "${copy}"`, () => admin.query(`DROP DATABASE IF EXISTS ${ident(copy)} WITH (FORCE)`))
  }

  /** End every other session on `db` and run `fn`; a pool that reconnects in between gets a few more tries. */
  async #whileAlone(admin: pg.Client, db: string, fn: () => Promise<unknown>): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      try {
        await admin.query('SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()', [db])
      } catch (err) {
        throw new StateError(this.name, `cannot end the connections to ${where(this.target)}, which a template copy needs: ${describePgError(err)}`, { cause: err })
      }
      try {
        await fn()
        return
      } catch (err) {
        if ((err as { code?: string }).code !== IN_USE || attempt >= 10) throw err
        await new Promise((r) => setTimeout(r, 20 * attempt))
      }
    }
  }

  /** Leftovers of a run that died: put the working database back if a rollback was cut short, drop copies. */
  async #recoverAndClean(admin: pg.Client): Promise<void> {
    const db = this.target.database
    const old = this.#oldName()
    const { rows } = await admin.query('SELECT datname FROM pg_database WHERE datname = ANY($1)', [[db, old]])
    const names = new Set(rows.map((r) => r.datname))
    if (!names.has(db) && names.has(old)) {
      await admin.query(`ALTER DATABASE ${ident(old)} RENAME TO ${ident(db)}`)
      this.onNotice(
        `database "${db}" was missing and "${old}" there: an earlier run died in the middle of a rollback. "${old}" is "${db}" again, as it was before that rollback, with what that run wrote since its checkpoint.`,
      )
    } else if (names.has(old)) await admin.query(`DROP DATABASE ${ident(old)} WITH (FORCE)`)
    // A copy is marked by its comment, written just after CREATE DATABASE: a run that died between the two
    // left a copy with no comment, under the name the next run's first checkpoint takes. Such a copy is
    // known by its name (ours, with a number) and by having no comment at all; a database commented by
    // anyone else is never touched.
    const [plain, hashed] = [this.#copyPrefix(false), this.#copyPrefix(true)]
    const copies = await admin.query(
      `SELECT d.datname FROM pg_database d
         LEFT JOIN pg_shdescription s ON s.objoid = d.oid AND s.classoid = 'pg_database'::regclass
        WHERE s.description = $1
           OR (s.description IS NULL AND ((left(d.datname, length($2)) = $2 AND substr(d.datname, length($2) + 1) ~ '^[0-9]+$')
                                       OR (left(d.datname, length($3)) = $3 AND substr(d.datname, length($3) + 1) ~ '^[0-9]+$')))
        ORDER BY d.datname`,
      [this.#marker(), plain, hashed],
    )
    this.cleanedLeftovers = copies.rows.map((r) => r.datname)
    for (const name of this.cleanedLeftovers) await admin.query(`DROP DATABASE ${ident(name)} WITH (FORCE)`)
    if (this.cleanedLeftovers.length)
      this.onNotice(
        `dropped ${this.cleanedLeftovers.length === 1 ? 'the checkpoint copy' : 'the checkpoint copies'} ${this.cleanedLeftovers.map((n) => `"${n}"`).join(', ')} of an earlier run that did not drop ${this.cleanedLeftovers.length === 1 ? 'it' : 'them'} (killed, quit, or its connection lost): what that run wrote after its first checkpoint may not have been rolled back.`,
      )
  }

  async #withWorkingDb<T>(doing: string, fn: (client: pg.Client) => Promise<T>): Promise<T> {
    const client = await openClient(this.name, this.options.url, this.options.connectTimeoutMs, doing)
    try {
      return await this.step(doing, () => fn(client))
    } finally {
      await client.end().catch(() => {})
    }
  }
}
