import { createHash } from 'node:crypto'
import { type OpenCheckpoint, StateError } from '@venomqa/core'
import type pg from 'pg'
import { PostgresBackend } from './backend'
import { findSequences, findTables } from './catalog'
import { describePgError, openClient, where } from './connection'
import { countRows, truncateSql } from './common'
import { type DatabaseHolder, describeDatabaseHolder, findDatabaseHolders, howToEnd } from './database-holders'
import { type DatabaseProperties, applyDatabaseProperties, describePrivilege, dropDatabase, privilegesOutOfReach, readDatabaseProperties } from './database-properties'
import { withDatabase } from './options'
import { ident, literal } from './sql'

const LOCK_KEY = 1986948205
const MAX_IDENT = 63
/** "source database is being accessed by other users": a pool reconnected between terminate and copy, or a prepared transaction. */
const IN_USE = '55006'
/** lock_timeout ran out: a transaction holds a lock on the database (see database-holders.ts). */
const LOCK_NOT_AVAILABLE = '55P03'
/** How often a database in use is tried again: sessions ended, a pool may reconnect at once. */
const IN_USE_ATTEMPTS = 10

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
    // The database the last rollback replaced is dropped in the background (see #dropLater): a quit lets that
    // finish (letGo), unless the process ends first.
    return `keeps its checkpoint copies (databases ${this.target.database}_vqcp_<n>, or vq_<hash>_cp_<n> for a long name), and ${this.#oldName()}, the database its last rollback replaced, if its drop had not finished`
  }
  #counter = 0
  /** The database a rollback replaced could not be dropped (see #dropLater): the next rollback, or the disconnect, drops it. */
  #oldLeft = false
  /**
   * The drop of the database the last rollback replaced, under way in the background (see #dropLater).
   * Never rejects: a failure sets #oldLeft and is told through onNotice.
   */
  #dropping?: Promise<void>
  /** The session the background drops run on: opened at the first, closed at the disconnect. */
  #dropper?: pg.Client
  /** Between connect and disconnect: a drop that ends after the disconnect closes its session itself. */
  #open = false
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
    // A lock on a database is held by a transaction of any database of the cluster (COMMENT ON DATABASE,
    // ALTER ROLE ... IN DATABASE, left open, or prepared): without a bound a rename, copy or drop waited for
    // it for good, saying nothing.
    await admin.query(`SET lock_timeout = ${Math.round(this.options.lockTimeoutMs)}`)
    const { rows } = await this.step('check privileges', () =>
      admin.query(`SELECT rolsuper OR rolcreatedb AS ok FROM pg_roles WHERE rolname = current_user`),
    )
    if (!rows[0]?.ok)
      throw new StateError(this.name, `user "${this.target.user}" may not create databases, which the template mechanism needs for ${where(this.target)}: ALTER ROLE "${this.target.user}" CREATEDB`)
    const lock = await this.step('take the run lock', () => admin.query('SELECT pg_try_advisory_lock($1, hashtext($2)) AS ok', [LOCK_KEY, db]))
    if (!lock.rows[0].ok)
      throw new StateError(this.name, `another VenomQA template backend is already working on ${where(this.target)}: give each parallel run its own database`)
    await this.#recoverAndClean(admin)
    const exists = await admin.query('SELECT 1 FROM pg_database WHERE datname = $1', [db])
    if (!exists.rows.length) throw new StateError(this.name, `cannot use ${where(this.target)}: the database does not exist`)
    // `tables` and `exclude` scope only reset() and observe() here, but a misspelt one is as much a mistake.
    const mistake = await this.#withWorkingDb('check `schemas`, `tables` and `exclude`', (client) => this.optionNamesMistake(client))
    if (mistake) throw mistake
    this.#open = true
  }

  protected async capture(admin: pg.Client, name: string): Promise<Copy> {
    const db = this.target.database
    const copy = this.#copyName(++this.#counter)
    const doing = `checkpoint "${name}"`
    return this.step(`${doing} (copy to database "${copy}")`, async () => {
      const properties = await readDatabaseProperties(admin, db)
      this.#refuseGrantorsOutOfReach(doing, properties)
      await this.#alone(admin, db, doing, 'no checkpoint was taken', () => admin.query(`CREATE DATABASE ${ident(copy)} TEMPLATE ${ident(db)}`))
      // The settings tried on the copy now (a CREATE ... TEMPLATE of it copies none of them): one this user
      // may not give (a setting a superuser gave, another role's setting) fails the checkpoint, before the
      // path runs, rather than every rollback after it. Privileges, limit and comment its owner may give,
      // and a privilege's grantor is checked above.
      try {
        await admin.query(`COMMENT ON DATABASE ${ident(copy)} IS ${literal(this.#marker())}`)
        await applyDatabaseProperties(admin, copy, properties, true)
      } catch (err) {
        await dropDatabase(admin, copy).catch(() => {})
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
   * statement, a moment later, puts a whole copy back. Then the drop of the database the last rollback
   * replaced, which goes on in the background, is let finish too (else the next connect drops it): once
   * letGo returns, no work of the backend is under way.
   */
  async letGo(): Promise<void> {
    await this.rollbackUnderWay()
    await this.#dropping
  }

  protected async restore(admin: pg.Client, name: string, { name: copy, properties }: Copy): Promise<StateError | undefined> {
    const db = this.target.database
    const old = this.#oldName()
    const doing = `rollback to "${name}"`
    const untouched = 'nothing was restored: the working database is as the path left it'
    return this.step(`${doing} (database "${db}" from "${copy}")`, async () => {
      // The last rollback's drop of the database it replaced, under way: its name is the one the rename takes.
      await this.#dropping
      // Left by a rollback of this run whose drop failed (see #dropLater): dropped first, for the same reason.
      if (this.#oldLeft) {
        await this.#alone(admin, old, doing, untouched, () => dropDatabase(admin, old))
        this.#oldLeft = false
      }
      // Rename first, drop last: if the copy cannot be made, or not given the working database's settings
      // and privileges, the working database is put back, never lost.
      await this.#alone(admin, db, doing, untouched, () => admin.query(`ALTER DATABASE ${ident(db)} RENAME TO ${ident(old)}`))
      let made = false
      try {
        // The owner at the checkpoint: the path, or the main line before it, may have changed it.
        const owner = properties.owner !== properties.user ? ` OWNER ${ident(properties.owner)}` : ''
        await this.#alone(admin, copy, doing, untouched, () => admin.query(`CREATE DATABASE ${ident(db)} TEMPLATE ${ident(copy)}${owner}`))
        made = true
        await applyDatabaseProperties(admin, db, properties)
      } catch (err) {
        if (made) await dropDatabase(admin, db).catch(() => {})
        const notBack = await admin.query(`ALTER DATABASE ${ident(old)} RENAME TO ${ident(db)}`).then(
          () => undefined,
          (e: unknown) => e,
        )
        // Said, not swallowed: the error said the working database was as the path left it, and the app had none.
        if (notBack !== undefined) {
          const prefix = `state backend "${this.name}": ${doing} on ${where(this.target)}: `
          const said = err instanceof StateError ? (err.message.startsWith(prefix) ? err.message.slice(prefix.length) : err.message) : describePgError(err)
          throw new StateError(
            this.name,
            `${doing} on ${where(this.target)}: ${said}; and the working database could not be renamed back from "${old}" (${describePgError(notBack)}): the app has no database "${db}" until it is. The next connect of a template backend to "${db}" renames it back, or: ALTER DATABASE ${ident(old)} RENAME TO ${ident(db)}`,
            { cause: err },
          )
        }
        throw err
      }
      // The database is the checkpoint's now: the rollback is done, and the one it replaced is dropped after it.
      this.#dropLater(old, doing)
      return undefined
    })
  }

  /**
   * Drop `old`, the database a rollback replaced, in the background. PostgreSQL (15) makes every DROP
   * DATABASE wait for an immediate checkpoint of the whole server, which writes every dirty buffer of the
   * cluster, the pages of the database the rollback just made included: on a server other work kept busy it
   * was 1.5 s of a 2 s rollback. Left to run while the path goes on, it is off the rollback's way. At most
   * one is pending, under the one name `old` (the next connect's recovery drops one a dead run left, and no
   * more disk than one database's is kept): the next rollback, letGo and the disconnect wait for it.
   *
   * It runs on a session of its own, not on the admin client: that one runs its queries in turn, so a drop
   * queued on it would still hold up the backend's next call, which is often at once (the copies of the
   * checkpoints a rollback to an older one drops right after it, or the checkpoint a path takes next). Its
   * cost is one more session on the admin database, from the first rollback to the disconnect.
   *
   * A drop that fails (the database held by a transaction's lock past lockTimeoutMs, a prepared transaction,
   * a subscription, or the session lost) leaves `old` for the next rollback or the disconnect to drop
   * (#oldLeft), and is told once through onNotice, saying what held it and what to do: the rollback it
   * belongs to has returned, restored.
   */
  #dropLater(old: string, doing: string): void {
    const outcome = `the database was restored, but the one it replaced is left as "${old}", for the next rollback or the disconnect to drop`
    const dropping: Promise<void> = (async () => {
      try {
        const dropper = await this.#dropperSession()
        await this.#alone(dropper, old, doing, outcome, () => dropDatabase(dropper, old))
      } catch (err) {
        this.#oldLeft = true
        // The session may be what failed: the next drop opens another.
        await this.#closeDropper()
        const prefix = `state backend "${this.name}": `
        const said = err instanceof StateError ? (err.message.startsWith(prefix) ? err.message.slice(prefix.length) : err.message) : describePgError(err)
        this.onNotice(said.includes(outcome) ? said : `${doing} on ${where(this.target)}: dropping database "${old}", which it replaced, failed: ${said}; so ${outcome}.`)
      } finally {
        // Ended after a disconnect that did not wait for it (one called while the rollback was under way).
        if (!this.#open) await this.#closeDropper()
      }
    })().catch(() => {})
    this.#dropping = dropping
    void dropping.then(() => {
      if (this.#dropping === dropping) this.#dropping = undefined
    })
  }

  /** The session of the background drops, opened as the admin client is, with its lock_timeout. */
  async #dropperSession(): Promise<pg.Client> {
    if (this.#dropper) return this.#dropper
    const { url } = this.connectsTo()
    // openClient listens to the session's 'error': a server that ends it while idle does not end the process.
    const dropper = await openClient(this.name, url, this.options.connectTimeoutMs, `drop database "${this.#oldName()}", which a rollback replaced`)
    try {
      await dropper.query(`SET lock_timeout = ${Math.round(this.options.lockTimeoutMs)}`)
    } catch (err) {
      await dropper.end().catch(() => {})
      throw err
    }
    // Lost while idle (the server restarted, an admin ended it): the next drop opens another.
    dropper.on('end', () => {
      if (this.#dropper === dropper) this.#dropper = undefined
    })
    this.#dropper = dropper
    return dropper
  }

  async #closeDropper(): Promise<void> {
    const dropper = this.#dropper
    this.#dropper = undefined
    await dropper?.end().catch(() => {})
  }

  /** A copy that no open checkpoint refers to is dropped: released, replaced, or rolled back past. */
  protected async released(admin: pg.Client, gone: OpenCheckpoint<Copy>[]): Promise<void> {
    for (const { data: copy } of gone) await this.#drop(admin, copy.name)
  }

  protected dropped(admin: pg.Client, gone: OpenCheckpoint<Copy>[]): Promise<void> {
    return this.released(admin, gone)
  }

  /**
   * Wait for the drop a rollback left in the background, then drop every checkpoint copy, newest first, and
   * the database a rollback replaced if its drop failed. The session of the background drops is closed
   * whatever happens.
   */
  protected async leave(admin: pg.Client, open: OpenCheckpoint<Copy>[]): Promise<void> {
    this.#open = false
    try {
      await this.#dropping
      for (const { data: copy } of open.reverse()) await this.#drop(admin, copy.name)
      if (!this.#oldLeft) return
      const old = this.#oldName()
      await this.step(`drop database "${old}"`, () =>
        this.#alone(admin, old, 'disconnect', `database "${old}", which a rollback replaced, is left: the next connect to "${this.target.database}" drops it`, () =>
          dropDatabase(admin, old),
        ),
      )
      this.#oldLeft = false
    } finally {
      await this.#closeDropper()
    }
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
    const doing = `drop checkpoint copy "${copy}"`
    await this.step(doing, () =>
      this.#alone(admin, copy, doing, `the copy is left: the next connect to "${this.target.database}" drops it`, () => dropDatabase(admin, copy)),
    )
  }

  /**
   * End every other session on `db` and run `fn`; a pool that reconnects in between gets a few more tries.
   * What still keeps `fn` from running (a session that kept reconnecting, a prepared transaction, which no
   * session holds and no try can end, a transaction holding a lock on the database past lockTimeoutMs) fails
   * it, naming each, with `outcome`: what the failure left.
   */
  async #alone(admin: pg.Client, db: string, doing: string, outcome: string, fn: () => Promise<unknown>): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      let found: { prepared: boolean; subscriptions: string[] }
      try {
        const { rows } = await admin.query(
          `SELECT (SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()) AS ended,
                  EXISTS (SELECT 1 FROM pg_prepared_xacts WHERE database = $1) AS prepared,
                  ARRAY(SELECT s.subname::text FROM pg_subscription s JOIN pg_database d ON d.oid = s.subdbid WHERE d.datname = $1 ORDER BY 1) AS subscriptions`,
          [db],
        )
        found = rows[0]
      } catch (err) {
        throw new StateError(this.name, `${doing}: cannot end the connections to database "${db}" on ${where(this.target)}, which a template copy needs: ${describePgError(err)}`, { cause: err })
      }
      // No try ends a prepared transaction, and PostgreSQL gives each try 5 s before it says the database is in use.
      if (found.prepared) throw this.#held(doing, db, outcome, undefined, await findDatabaseHolders(admin, db).catch(() => []))
      if (found.subscriptions.length) throw this.#subscribed(doing, db, outcome, found.subscriptions)
      try {
        await fn()
        return
      } catch (err) {
        const code = (err as { code?: string }).code
        if (code !== IN_USE && code !== LOCK_NOT_AVAILABLE) throw err
        const holders = await findDatabaseHolders(admin, db).catch(() => [])
        if (code === IN_USE && !holders.some((h) => h.gid !== null && h.inside) && attempt < IN_USE_ATTEMPTS) {
          await new Promise((r) => setTimeout(r, 20 * attempt))
          continue
        }
        throw this.#held(doing, db, outcome, err, holders)
      }
    }
  }

  /** `db` could not be renamed, copied or dropped: what held it, what that left, and what to do. */
  #held(doing: string, db: string, outcome: string, err: unknown | undefined, holders: DatabaseHolder[]): StateError {
    const lock = (err as { code?: string } | undefined)?.code === LOCK_NOT_AVAILABLE
    const what = lock
      ? `a transaction held a lock on database "${db}" for longer than ${this.options.lockTimeoutMs} ms (lockTimeoutMs) (one that ran COMMENT ON DATABASE, ALTER ROLE ... IN DATABASE, GRANT ... ON DATABASE or ALTER DATABASE and has not ended)`
      : holders.some((h) => h.gid !== null)
        ? `database "${db}" is in use by a prepared transaction (PREPARE TRANSACTION), which holds it until COMMIT PREPARED or ROLLBACK PREPARED, whatever connections are ended`
        : `database "${db}" was still in use after its connections were ended ${IN_USE_ATTEMPTS} times (a pool reconnecting at once)`
    const by = holders.length ? `: ${holders.map(describeDatabaseHolder).join('; ')}` : ''
    const todo = holders.length ? `${howToEnd(holders)}${lock ? '; or raise lockTimeoutMs' : ''}` : lock ? 'end the transaction holding it, or raise lockTimeoutMs' : "stop the app's connections to it"
    return new StateError(
      this.name,
      `${doing} on ${where(this.target)}: ${what}${by}; so ${outcome}${lock || err === undefined ? '' : ` (${describePgError(err)})`}. To go on: ${todo}.`,
      { cause: err, suggestion: `End what holds database "${db}": ${todo}.` },
    )
  }

  /**
   * A subscription (CREATE SUBSCRIPTION) lives in the cluster's shared catalog, under its database's oid: a
   * copy does not have it, and a database that has one cannot be dropped. A rollback went on to make the
   * database anew without it, then failed to drop the one it replaced, and every rollback after failed on
   * the name that one kept.
   */
  #subscribed(doing: string, db: string, outcome: string, subscriptions: string[]): StateError {
    const names = subscriptions.map(ident)
    const drop = names.map((n) => `ALTER SUBSCRIPTION ${n} DISABLE; ALTER SUBSCRIPTION ${n} SET (slot_name = NONE); DROP SUBSCRIPTION ${n}`).join('; ')
    return new StateError(
      this.name,
      `${doing} on ${where(this.target)}: database "${db}" has logical replication ${names.length === 1 ? 'subscription' : 'subscriptions'} ${names.join(', ')} (CREATE SUBSCRIPTION), which the template mechanism cannot keep: a copy of the database does not have ${names.length === 1 ? 'it' : 'them'} (${names.length === 1 ? 'it lives' : 'they live'} in the cluster's shared catalog), and a database that has one cannot be dropped; so ${outcome}. ` +
        `Use the snapshot mechanism, or remove ${names.length === 1 ? 'it' : 'them'} (connected to database "${db}": ${drop}; dropping its replication slot on the publisher too, if it has one).`,
      { suggestion: "Use mechanism 'snapshot' for a database with logical replication subscriptions." },
    )
  }

  /** A privilege whose grantor the user may not act as could be given back only as another's grant: refused before the copy. */
  #refuseGrantorsOutOfReach(doing: string, properties: DatabaseProperties): void {
    const out = privilegesOutOfReach(properties)
    if (!out.length) return
    const grantors = [...new Set(out.map((g) => ident(g.grantor)))]
    throw new StateError(
      this.name,
      `${doing}: database "${this.target.database}" has ${out.map(describePrivilege).join('; ')}; user "${properties.user}" may not act as ${grantors.join(', ')} (SET ROLE), which a rollback needs to give ${out.length === 1 ? 'it' : 'them'} back as granted, so no checkpoint was taken. ` +
        `Connect as a superuser or a member of ${grantors.join(', ')} (GRANT ${grantors.join(', ')} TO ${ident(properties.user)}), or have the owner grant ${out.length === 1 ? 'it' : 'them'} instead.`,
    )
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
    } else if (names.has(old)) await dropDatabase(admin, old)
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
    for (const name of this.cleanedLeftovers) await dropDatabase(admin, name)
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
