import { createHash } from 'node:crypto'
import { CheckpointStack, ConfigError, type ConnectOptions, type OpenCheckpoint, type StateBackend, StateError, errorMessage, isUserError, redactText } from '@venomqa/core'
import type { Connection, RowDataPacket } from 'mysql2/promise'
import { type Target, describeSqlError, isPrivilegeError, openConnection, parseTarget } from './connection'
import { SAVED_TRIGGERS, TriggerSwapError, copyName, definerSql, otherDefinerNeeds, putBackAppTriggers, quietAppTriggers, readAppTriggers } from './app-triggers'
import { describeWriter, inFlightWritersSql, sessionsInTransactionFromStatus, toInFlightWriters } from './inflight'
import { canTryLocks, missingPrivileges } from './privileges'
import { tableNamesOf, unknownTable } from './table-names'
import { MYSQL_STATE_NAME } from './options'
import { type Fingerprint, type SchemaChange, fingerprintChanges, fingerprintOf, fingerprintSql, inTables, readSchema, triggersSql } from './schema'
import { type SequenceState, readSequences, restartSql, takeNext } from './sequences'
import { PRIVATE_LIKE, PRIVATE_PREFIX, binary, columnList, ident, isPrivateName, joinOn, literal } from './sql'
import {
  HISTORY_CP,
  HISTORY_PRESENT,
  PENDING,
  QUIET_FLAG,
  RESTORE_SQL_MODE,
  RESTORING_FLAG,
  SEQ,
  type TrackedTable,
  WHOLE_LOG,
  historyDdl,
  keyLogDdl,
  markWholeSql,
  rowTriggerNames,
  trackedTable,
  trackingTriggers,
  wholeLogDdl,
} from './tracking'

export interface MysqlSnapshotOptions {
  /** mysql://user:password@host:3306/database (mariadb:// works too). */
  url: string
  /** Overrides the database named in the url. */
  database?: string
  /** Track only these tables (default: every base table of the database). */
  tables?: string[]
  /** Leave these tables out. */
  exclude?: string[]
  /** The backend's name in results (default 'mysql'). */
  name?: string
  /** How long to wait for a lock held by the app (an open transaction) before failing, ms. Default 10 000. */
  lockWaitTimeoutMs?: number
}

/**
 * What a checkpoint saved of a table that differed from the base at the time: the rows of the changed keys
 * ('rows'), or the whole table ('whole'). A table without an entry was equal to the base.
 */
type Delta = 'rows' | 'whole'

interface Checkpoint {
  readonly id: number
  /** Marks with a larger sequence are changes made since this checkpoint (or since the last rollback to it). */
  seq: number
  readonly fingerprint: Fingerprint
  readonly autoIncrement: ReadonlyMap<string, string>
  /** The value each tracked sequence gave next at the checkpoint (one run out has none). */
  readonly sequences: ReadonlyMap<string, string>
  readonly deltas: ReadonlyMap<string, Delta>
  /** The app's triggers on tracked tables when the outermost open checkpoint was taken (see AppTriggers). */
  readonly appTriggers: AppTriggers
}

/**
 * The app's triggers on tracked tables, `table NUL copy name` -> the trigger's name: a guarded copy stands for
 * its original (see app-triggers.ts), so a trigger counts once whether it was swapped yet or not.
 */
type AppTriggers = ReadonlyMap<string, string>

export interface RollbackStats {
  checkpoint: string
  /** Tables whose rows were put back. */
  tablesRestored: string[]
  /** Tables whose AUTO_INCREMENT counter was reset (one ALTER TABLE each). */
  countersReset: string[]
  /** Sequences set back to their checkpoint's next value (one ALTER SEQUENCE each). */
  sequencesReset: string[]
  /** Reading the schema, the counters and the change marks (one round trip). */
  probeMs: number
  /** Putting the rows back (one transaction, one round trip). */
  rowsMs: number
  /** The ALTER TABLE statements. */
  countersMs: number
}

/** What changed since a sequence number, read in one round trip. */
interface Probe {
  fingerprint: Fingerprint
  autoIncrement: Map<string, string>
  /** The tracked sequences still there, as their tables read now. */
  sequences: Map<string, SequenceState>
  /** Tables with key marks newer than the sequence. */
  rowsChanged: Set<string>
  /** Tables marked as changed as a whole since the sequence. */
  wholeChanged: Set<string>
  /** The app's triggers on tracked tables that are not quiet during a restore (created since they were swapped); read only when asked. */
  loudTriggers: string[]
  /**
   * One entry per tracked table that lost a change-tracking trigger (read with loudTriggers): dropped and
   * created again with the same columns, which the fingerprint cannot tell, its changes since are not recorded.
   */
  untracked: SchemaChange[]
  /** The app's triggers on tracked tables; read with loudTriggers, else undefined. */
  appTriggers?: AppTriggers
}

/** The tracked tables' counters, kept by exact name after: named in SQL unless names may collide (see inTables). */
function autoIncrementSql(format: (sql: string, values: unknown[]) => string, database: string, tracked: readonly string[]): string {
  const trackedOnly = inTables('TABLE_NAME', tracked)
  return format(`SELECT TABLE_NAME AS t, AUTO_INCREMENT AS a FROM information_schema.TABLES WHERE TABLE_SCHEMA = ? AND ${trackedOnly.sql} AND AUTO_INCREMENT IS NOT NULL`, [
    database,
    trackedOnly.value,
  ])
}

/**
 * Snapshot rollback for MySQL and MariaDB that works while the app under test runs as its own process with
 * its own connection pool: rows are saved into private tables of the same database and copied back.
 *
 * The first checkpoint copies every tracked table once (the base). Later checkpoints save only the rows
 * that differ from the base (the tracking triggers know which), so a checkpoint costs what changed since
 * the base; when no checkpoint is open, the next one first brings the base up to date, at the same cost.
 * A rollback restores only the rows changed since its checkpoint, in one transaction with foreign key
 * checks off, then resets the AUTO_INCREMENT counters that moved. Checkpoints and rollbacks run DML only:
 * every private table is created at connect.
 */
export class MysqlSnapshotBackend implements StateBackend {
  readonly name: string
  readonly mechanism = 'snapshot'
  readonly leftWhenQuit = `keeps its tracking in the database (tables named ${PRIVATE_PREFIX}*, and the app's own triggers under such names)`
  readonly parallelSafe = false

  /** What the last rollback did and where its time went: for diagnosing a slow one. */
  lastRollback?: RollbackStats

  readonly #options: MysqlSnapshotOptions
  readonly #target: Target
  #conn?: Connection
  #tracked = new Map<string, TrackedTable>()
  /** The sequences this backend sets back (MariaDB): every one of the database, but as `tables` and `exclude` say. */
  #sequences: string[] = []
  /**
   * Each sequence's `next_not_cached_value` right after the backend last restarted it, its cache empty (see
   * sequences.ts): while its table reads that, no session took a value since, and it is the next one.
   */
  #sequenceRestartedAt = new Map<string, string>()
  /**
   * Each tracked sequence's InnoDB table id since the tracking was installed (read with the tables' ids, see
   * #tableIdsView): a sequence dropped and created again gets a new one, which is DDL, as a table's is. One
   * without (no PROCESS, a sequence of another engine) cannot be told from a new one: see #sequenceMoved.
   */
  #sequenceIds = new Map<string, string>()
  #installedFingerprint: Fingerprint = new Map()
  #baseReady = false
  /** The app's triggers when the last checkpoint with none open was taken. */
  #baseTriggers: AppTriggers = new Map()
  readonly #stack: CheckpointStack<Checkpoint>
  #seq = 0
  #nextId = 1
  #queue: Promise<void> = Promise.resolve()
  /** The disconnect under way, which a second call joins (see disconnect()). */
  #disconnecting: Promise<void> | undefined
  /** The server can ask for a lock without waiting for it (see canTryLocks): the disconnect's drops only try. */
  #canTryLocks = false
  /**
   * Where the server lists InnoDB's table ids (INNODB_SYS_TABLES on MariaDB, INNODB_TABLES on MySQL 8), when
   * this user may read it (PROCESS); undefined otherwise. See #truncatedSinceLastProbe.
   */
  #tableIdsView: TableIdsView | undefined
  /** Each tracked table's InnoDB table id and AUTO_INCREMENT counter as the last probe read them. */
  #lastSeen = new Map<string, { id?: string; counter?: string }>()
  /**
   * Tables of an engine without transactions whose restore failed after it had begun, by the checkpoint of
   * that rollback: emptied, or holding part of the checkpoint's rows. A checkpoint would save them so, and
   * a later journey would run on them: refused until a rollback restores them whole (or reset() empties them).
   */
  #halfRestored = new Map<string, string>()

  /**
   * Told what the backend found and put right on its own, which the run should say (the plugin gives its
   * logger's warn): the tracking an earlier run left behind (killed, quit, or its disconnect failed). Removed
   * without a word, it hid that what that run wrote after its first checkpoint may still be in the app's data.
   */
  onNotice: (message: string) => void = () => {}
  /** The last connect found an earlier run's private tables or triggers, and removed them. */
  cleanedLeftovers = false

  constructor(options: MysqlSnapshotOptions) {
    this.name = options.name ?? MYSQL_STATE_NAME
    this.#options = options
    this.#target = parseTarget(this.name, options.url, options.database)
    this.#stack = new CheckpointStack(this.name)
  }

  /** The tables this backend restores, known after connect(). */
  get trackedTables(): string[] {
    return [...this.#tracked.keys()]
  }

  /** Names of the open checkpoints. */
  get checkpoints(): string[] {
    return this.#stack.names
  }

  /**
   * With `options.signal`: aborted while connecting, the connection is destroyed at once; aborted while the
   * tracking is installed, the install finishes and is dropped again as at a disconnect. Either way nothing
   * is left, and the connect rejects with the signal's reason.
   */
  async connect(options?: ConnectOptions): Promise<void> {
    if (this.#conn) return
    const signal = options?.signal
    const conn = await openConnection(this.name, this.#target, { multipleStatements: true, supportBigNumbers: true, bigNumberStrings: true }, signal)
    try {
      await this.#prepareSession(conn)
      this.#canTryLocks = await canTryLocks(conn, this.#lockWaitSeconds())
      await this.#checkPrivileges(conn)
      await this.#takeLock(conn)
      const deadline = this.#lockDeadline()
      // The run lock is ours: any private table or trigger there was left by a run that did not remove it.
      const leftovers = await this.#hasPrivateObjects(conn)
      await this.#dropTracking(conn, deadline, 'connect')
      this.cleanedLeftovers = leftovers
      if (leftovers)
        this.onNotice(
          `database "${this.#target.database}" on ${this.#target.display} held the change tracking of an earlier run that did not remove it (killed, quit, or its disconnect failed): removed. What that run wrote after its first checkpoint may not have been rolled back, and is then still in the app's data.`,
        )
      // Before the install, which reads the sequences' ids through it.
      this.#tableIdsView = await tableIdsView(conn)
      await this.#install(conn, deadline, 'connect')
      this.#conn = conn
    } catch (err) {
      await conn.end().catch(() => conn.destroy())
      // The connection died mid-install (a restart, a KILL): what it made is dropped on one of its own, as
      // at a disconnect; a failure of that stays behind this one, which says why connect failed.
      if (isConnectionLost(err) || isConnectionLost((err as { cause?: unknown }).cause)) await this.#dropOnNewConnection().catch(() => undefined)
      throw this.#wrap('connect', err)
    }
    if (signal?.aborted) {
      await this.disconnect()
      throw signal.reason
    }
  }

  checkpoint(name: string): Promise<void> {
    return this.#run(`checkpoint "${name}"`, (conn) => {
      this.#refuseHalfRestored(`checkpoint "${name}"`)
      return this.#stack.take(name, () => this.#capture(conn, name), (gone) => this.#forget(conn, gone))
    })
  }

  /** A table a failed rollback left half restored would be saved so (see #halfRestored): refused, naming it. */
  #refuseHalfRestored(doing: string): void {
    if (!this.#halfRestored.size) return
    const tables = [...this.#halfRestored].map(([table, cp]) => `\`${table}\` (rollback to "${cp}")`)
    const one = tables.length === 1
    throw new StateError(
      this.name,
      `${doing}: ${one ? 'table' : 'tables'} ${tables.join(', ')}, of an engine without transactions, ${one ? 'was' : 'were'} left emptied or half restored by a rollback that failed, so the database is dirty, and a checkpoint would save ${one ? 'it' : 'them'} so. A rollback that succeeds restores ${one ? 'it' : 'them'} whole, and reset() empties ${one ? 'it' : 'them'}.`,
      { stateIsWrong: true },
    )
  }

  /**
   * A restore that put back what it could but found DDL a path ran fails only once the stack has dropped
   * the checkpoints taken after this one, as a rollback that succeeds does: their saved rows are gone.
   */
  rollback(name: string): Promise<void> {
    return this.#run(`rollback to "${name}"`, async (conn) => {
      let notRestored: StateError | undefined
      await this.#stack.rollback(
        name,
        async (cp) => {
          notRestored = await this.#restore(conn, name, cp)
        },
        (gone) => this.#forget(conn, gone),
      )
      if (notRestored) throw notRestored
    })
  }

  release(name: string): Promise<void> {
    // Not open (an outer rollback dropped it, or the backend is disconnected): nothing to do.
    if (!this.#stack.has(name)) return Promise.resolve()
    return this.#run(`release "${name}"`, (conn) => this.#stack.release(name, (gone) => this.#forget(conn, gone)))
  }

  /** With no checkpoint open, bring the base up to date; under an open one, save what differs from the base. */
  async #capture(conn: Connection, name: string): Promise<Checkpoint> {
    // Only a checkpoint with none open swaps the app's new triggers (below).
    const triggers = this.#stack.size === 0
    const doing = `checkpoint "${name}"`
    // Uncommitted marks of the app would hold up the copy on their row locks until the server's lock wait
    // ran out, with an error that named no session: they are waited for, then named, as a rollback does.
    const settled = () => this.#probeOnceWritersEnd(conn, -1, doing, this.#lockDeadline(), { triggers })
    let probe = await settled()
    const drift = [...fingerprintChanges(this.#installedFingerprint, probe.fingerprint), ...probe.untracked].map((c) => c.what)
    if (drift.length) {
      if (this.#stack.size)
        throw new StateError(
          this.name,
          `checkpoint "${name}": the schema changed while checkpoints are open (${drift.join('; ')}); their state can no longer be restored. ${DDL_NOT_UNDONE}`,
          { suggestion: SCHEMA_CHANGED_SUGGESTION },
        )
      // No checkpoint depends on the old tracking: start over with the new schema.
      const deadline = this.#lockDeadline()
      await this.#dropTracking(conn, deadline, doing)
      await this.#install(conn, deadline, doing)
      probe = await settled()
    }

    const deltas = new Map<string, Delta>()
    const id = this.#nextId++
    if (this.#stack.size === 0) {
      // Triggers the app created since it connected (its schema script run anew) are swapped here too. The
      // swap may have waited for a transaction of the app, whose writes the probe did not see: read again.
      if (probe.loudTriggers.length) {
        await this.#quietAppTriggers(conn, this.#lockDeadline(), doing, { since: true })
        probe = await settled()
      }
      await this.#updateBase(conn, probe)
      // A nested checkpoint does not read the triggers (it costs a millisecond): under an open checkpoint,
      // any change to them is a path's DDL, which the next rollback reports.
      this.#baseTriggers = probe.appTriggers ?? new Map()
    } else {
      await this.#saveDeltas(conn, id, this.#seq + 1, probe, deltas)
    }
    const sequences = await this.#pinSequences(conn, doing, probe.sequences)
    const seq = ++this.#seq
    return { id, seq, fingerprint: probe.fingerprint, autoIncrement: probe.autoIncrement, sequences, deltas, appTriggers: this.#baseTriggers }
  }

  /**
   * Put back the rows changed since the checkpoint, then the AUTO_INCREMENT counters that moved. A path
   * that ran DDL leaves the tables whose shape it changed as they are (their saved rows may no longer fit
   * them); every other table is restored all the same, so that the next path does not meet this one's rows
   * there, and the error naming what stays is returned, for rollback() to throw.
   */
  async #restore(conn: Connection, name: string, cp: Checkpoint): Promise<StateError | undefined> {
    const t0 = performance.now()
    const doing = `rollback to "${name}"`
    // One wait for the app, up to lockWaitTimeoutMs, whatever it waits for: its writes, its tables' locks.
    const deadline = this.#lockDeadline()
    let probe = await this.#probeOnceWritersEnd(conn, cp.seq, doing, deadline)
    // A trigger the app created since the checkpoint would fire on the restore's writes (a BEFORE INSERT
    // rewriting a restored value, an audit row no checkpoint holds). Unlike a changed table it leaves the rows
    // restorable: it is swapped for a guarded copy first, as at connect, and stays the app's after the run.
    // The swap may have waited for a transaction of the app, whose writes the probe did not see: it is read again.
    if (probe.loudTriggers.length) {
      await this.#quietAppTriggers(conn, deadline, doing, { since: true })
      probe = await this.#probeOnceWritersEnd(conn, cp.seq, doing, deadline)
    }
    const reshaping = [...fingerprintChanges(cp.fingerprint, probe.fingerprint), ...probe.untracked]
    const drift = [...reshaping, ...triggerChanges(cp.appTriggers, probe.appTriggers)]
    const reshaped = new Set(reshaping.map((c) => c.table))

    const since = cp.seq
    const next = ++this.#seq
    const rows: string[] = []
    /** Tables of an engine without transactions, restored after the rest (see #restoreRows). */
    const unsafe: { table: string; statements: string[] }[] = []
    for (const t of this.#tracked.values()) {
      if (reshaped.has(t.name)) continue
      const statements = this.#restoreStatements(t, cp, probe)
      if (!statements.length) continue
      if (t.info.transactional) rows.push(...statements)
      else unsafe.push({ table: t.name, statements })
    }
    // The restored rows now differ from every other checkpoint's copy as much as the path's changes did:
    // they keep their marks, renumbered past every open checkpoint.
    for (const table of probe.rowsChanged)
      if (!reshaped.has(table)) rows.push(`UPDATE ${ident(this.#tracked.get(table)!.log!)} SET ${SEQ} = ${next} WHERE ${SEQ} > ${since}`)
    const wholeRestored = [...probe.wholeChanged].filter((table) => !reshaped.has(table))
    if (wholeRestored.length) rows.push(`UPDATE ${ident(WHOLE_LOG)} SET ${SEQ} = ${next} WHERE ${SEQ} > ${since} AND tbl IN (${wholeRestored.map(literal).join(', ')})`)

    // ALTER TABLE commits implicitly, so the counters are reset only after the COMMIT of the rows: inside
    // the transaction it would commit half a restore. InnoDB never sets a counter below MAX(id)+1, and with
    // the checkpoint's rows back that is at most the checkpoint's value, so the value sticks. Tables whose
    // counter did not move are left alone (an ALTER costs about 2 ms); a failed INSERT moves a counter
    // without changing a row, which is why every tracked table's counter is compared, not only restored ones.
    // A table the path reshaped keeps its rows, and so its counter: set back below them, the app's next
    // insert would fail on its key.
    const moved = [...cp.autoIncrement].filter(([table, value]) => this.#tracked.has(table) && !reshaped.has(table) && probe.autoIncrement.get(table) !== value)
    // A sequence a path dropped or altered is its DDL, reported as a table's; one that moved is set back.
    const sequencesMoved = [...cp.sequences].filter(
      ([s, value]) => probe.sequences.has(s) && !reshaped.has(s) && (this.#sequenceMoved(s, probe.sequences) || this.#sequenceRestartedAt.get(s) !== value),
    )

    const t1 = performance.now()
    let t2 = t1
    const restoring: { table?: string; done: string[] } = { done: [] }
    try {
      await this.#restoreRows(conn, rows, unsafe, restoring)
      t2 = performance.now()
      await this.#setCountersBack(conn, doing, moved, deadline)
      await this.#restartSequences(conn, doing, sequencesMoved, deadline)
      // Counters set back by the restore itself are no TRUNCATE of the app's (see #truncatedSinceLastProbe).
      for (const [table, value] of moved) {
        const seen = this.#lastSeen.get(table)
        if (seen) seen.counter = value
      }
    } catch (err) {
      await batch(conn, ['ROLLBACK', 'SET FOREIGN_KEY_CHECKS = 1']).catch(() => undefined)
      if (err instanceof StateError) throw err
      if (restoring.table) {
        this.#halfRestored.set(restoring.table, name)
        throw this.#halfRestoredError(name, restoring.table, restoring.done, err)
      }
      throw new StateError(this.name, `rollback to "${name}" failed, the database is in an unknown state: ${describeSqlError(err)}${lockHint(err)}`, { cause: err })
    }
    // Every table of an engine without transactions that was not reshaped was restored whole just now.
    for (const { table } of unsafe) this.#halfRestored.delete(table)
    this.lastRollback = {
      checkpoint: name,
      tablesRestored: [...this.#tracked.keys()].filter((t) => !reshaped.has(t) && (probe.wholeChanged.has(t) || probe.rowsChanged.has(t))),
      countersReset: moved.map(([table]) => table),
      sequencesReset: sequencesMoved.map(([s]) => s),
      probeMs: t1 - t0,
      rowsMs: t2 - t1,
      countersMs: performance.now() - t2,
    }
    cp.seq = next
    return drift.length ? this.#schemaChanged(name, drift, reshaped) : undefined
  }

  /** The statements that put back t's rows changed since the checkpoint: all of them, or those marked since. */
  #restoreStatements(t: TrackedTable, cp: Checkpoint, probe: Probe): string[] {
    if (probe.wholeChanged.has(t.name)) return [`DELETE FROM ${ident(t.name)}`, ...this.#insertSaved(t, cp, null)]
    if (!probe.rowsChanged.has(t.name)) return []
    return [
      `DELETE x FROM ${ident(t.name)} x JOIN ${ident(t.log!)} l ON ${joinOn('x', 'l', t.info.primaryKey)} WHERE l.${SEQ} > ${cp.seq}`,
      ...this.#insertSaved(t, cp, cp.seq),
    ]
  }

  /**
   * Run the restore's statements in one transaction with foreign key checks off. A table of an engine
   * without transactions (MyISAM) keeps what a statement did whatever the transaction does: a failure
   * between its DELETE and its INSERT leaves it emptied or half restored. So those tables come last, one
   * round trip each, and `restoring` says which one was under way: a failure before them leaves every table
   * as the path left it, the transaction rolled back. Without them it is one round trip, as it always was.
   */
  async #restoreRows(conn: Connection, rows: string[], unsafe: { table: string; statements: string[] }[], restoring: { table?: string; done: string[] }): Promise<void> {
    if (!unsafe.length) {
      if (rows.length) await batch(conn, ['START TRANSACTION', 'SET FOREIGN_KEY_CHECKS = 0', ...rows, 'COMMIT', 'SET FOREIGN_KEY_CHECKS = 1'])
      return
    }
    await batch(conn, ['START TRANSACTION', 'SET FOREIGN_KEY_CHECKS = 0', ...rows])
    for (const { table, statements } of unsafe) {
      restoring.table = table
      await batch(conn, statements)
      restoring.done.push(table)
    }
    restoring.table = undefined
    await batch(conn, ['COMMIT', 'SET FOREIGN_KEY_CHECKS = 1'])
  }

  /** The error of a rollback that failed while it restored `table`, of an engine without transactions. */
  #halfRestoredError(name: string, table: string, done: string[], err: unknown): StateError {
    const before = done.length ? ` ${done.map((t) => `\`${t}\``).join(', ')}, of such engines too, ${done.length === 1 ? 'was' : 'were'} restored before it.` : ''
    return new StateError(
      this.name,
      `rollback to "${name}" failed while it restored table \`${table}\`, of an engine without transactions (MyISAM, Aria, MEMORY), whose rows no transaction can put back: it may be left emptied or half restored, and the database is dirty.${before} Every other table is as the path left it (the restore's transaction was rolled back). Until a rollback restores \`${table}\` whole (or reset() empties it), a checkpoint is refused rather than save it so: ${describeSqlError(err)}${lockHint(err)}`,
      { cause: err, stateIsWrong: true },
    )
  }

  /** The error of a rollback that restored every table but those a path's DDL changed (`reshaped`). */
  #schemaChanged(name: string, drift: SchemaChange[], reshaped: ReadonlySet<string>): StateError {
    const left = [...reshaped].map((t) => `${this.#sequences.includes(t) ? 'sequence' : 'table'} \`${t}\``)
    const one = left.length === 1
    const outcome = left.length
      ? `Every other table was restored; ${left.join(', ')} ${one ? 'stays' : 'stay'} as the path left ${one ? 'it' : 'them'}, and the next path would run on ${one ? 'it' : 'them'}.`
      : 'Every table was restored, but the triggers stay as the path left them, and the next path would run with them.'
    return new StateError(
      this.name,
      `rollback to "${name}": the schema changed since the checkpoint (${drift.map((c) => c.what).join('; ')}). ${DDL_NOT_UNDONE} ${outcome}`,
      { suggestion: SCHEMA_CHANGED_SUGGESTION },
    )
  }

  /**
   * Set the AUTO_INCREMENT counters that moved back to their checkpoint's values, one ALTER TABLE each, with
   * each table's lock only tried (see #withTableLocks): a transaction of the app that read the table holds it.
   */
  async #setCountersBack(conn: Connection, doing: string, moved: [table: string, value: string][], deadline: number): Promise<void> {
    // Most rollbacks move no counter: not even the lock wait is set then.
    if (!moved.length) return
    let done = 0
    await this.#withTableLocks(
      conn,
      deadline,
      async () => {
        for (; done < moved.length; done++) await conn.query(`ALTER TABLE ${ident(moved[done]![0])} AUTO_INCREMENT = ${moved[done]![1]}`)
      },
      (err) => {
        const left = moved.slice(done).map(([table]) => `\`${table}\``)
        return this.#tableHeld(conn, doing, `table \`${moved[done]![0]}\``, err, {
          why: 'whose AUTO_INCREMENT counter is set back with the table locked (ALTER TABLE)',
          outcome: `The rows were restored, but the ${left.length === 1 ? 'counter' : 'counters'} of ${left.join(', ')} ${left.length === 1 ? 'stays' : 'stay'} where the path left ${left.length === 1 ? 'it' : 'them'}: the next path's ids would not continue as at the checkpoint.`,
        })
      },
    )
  }

  /**
   * Whether a session took a value of sequence `s` (or set it) since the backend last restarted it: its table
   * reads otherwise. A sequence dropped and created again breaks that rule: its table may read the very value
   * while its cache holds values a path left, and a rollback that trusted it left the app's next value wrong.
   * With the sequence's table id known, that is reported as DDL (see #sequencesRecreated); without it, the
   * sequence counts as moved every time: pinned at each checkpoint and restarted at each rollback.
   */
  #sequenceMoved(s: string, now: ReadonlyMap<string, SequenceState>): boolean {
    const state = now.get(s)
    return state !== undefined && (!this.#sequenceIds.has(s) || this.#sequenceRestartedAt.get(s) !== state.next)
  }

  /** The tracked sequences whose table id is not the one they had at the install: dropped and created again. */
  #sequencesRecreated(tableIds: ReadonlyMap<string, string>): string[] {
    return [...this.#sequenceIds].filter(([s, id]) => tableIds.has(s) && tableIds.get(s) !== id).map(([s]) => s)
  }

  /**
   * The value each tracked sequence gives next (see sequences.ts): read from its table when no session took
   * one since the backend last restarted it, else taken with NEXTVAL and given back with a restart at it,
   * which empties the cache the app's sessions share. The sequence is locked (LOCK TABLES ... WRITE) from the
   * NEXTVAL to the restart: a value the app took in between was given out again after the restart, twice in
   * one path. Each lock is only tried (see #withTableLocks), as a restart's is.
   */
  async #pinSequences(conn: Connection, doing: string, now: ReadonlyMap<string, SequenceState>): Promise<Map<string, string>> {
    const next = new Map<string, string>()
    const moved: string[] = []
    for (const [s, state] of now) {
      if (this.#sequenceMoved(s, now)) moved.push(s)
      else next.set(s, state.next)
    }
    let done = 0
    if (moved.length)
      await this.#withTableLocks(
        conn,
        this.#lockDeadline(),
        async () => {
          for (; done < moved.length; done++) {
            const s = moved[done]!
            await conn.query(`LOCK TABLES ${ident(s)} WRITE`)
            let value: string | undefined
            try {
              value = await takeNext(conn, s)
              if (value !== undefined) await conn.query(restartSql(s, value))
            } catch (err) {
              // The first error says what went wrong: an UNLOCK that fails after it must not take its place.
              throw await unlockAfter(conn, err, `${doing}: pinning sequence \`${s}\` of database "${this.#target.database}" failed`, this.name)
            }
            await conn.query('UNLOCK TABLES')
            if (value === undefined) continue
            this.#sequenceRestartedAt.set(s, value)
            next.set(s, value)
          }
        },
        (err) =>
          this.#tableHeld(conn, doing, `sequence \`${moved[done]}\``, err, {
            why: 'whose next value a checkpoint takes and gives back, with the sequence locked',
            outcome: 'No checkpoint was taken.',
          }),
      )
    return next
  }

  /**
   * Restart each sequence at its value (at its start without one), one ALTER SEQUENCE each, which commits on
   * its own and needs the sequence's exclusive lock, held by any transaction of the app that took a value of
   * it: only tried, as the AUTO_INCREMENT counters' (see #withTableLocks).
   */
  async #restartSequences(conn: Connection, doing: string, list: [name: string, value: string | undefined][], deadline: number): Promise<void> {
    if (!list.length) return
    let done = 0
    await this.#withTableLocks(
      conn,
      deadline,
      async () => {
        for (; done < list.length; done++) {
          const [s, value] = list[done]!
          await conn.query(restartSql(s, value))
          if (value === undefined) this.#sequenceRestartedAt.delete(s)
          else this.#sequenceRestartedAt.set(s, value)
        }
      },
      (err) => {
        const left = list.slice(done).map(([s]) => `\`${s}\``)
        return this.#tableHeld(conn, doing, `sequence \`${list[done]![0]}\``, err, {
          why: 'which is set to its next value with ALTER SEQUENCE ... RESTART, with the sequence locked',
          outcome: `${left.length === 1 ? 'Sequence' : 'Sequences'} ${left.join(', ')} ${left.length === 1 ? 'stays' : 'stay'} where the path left ${left.length === 1 ? 'it' : 'them'}: the next path's values would not continue as at the checkpoint.`,
        })
      },
    )
  }

  /**
   * The tracked sequences of `tableRows` (the fingerprint's first read: a sequence a path dropped cannot be
   * read), read in a round trip of their own; their definitions go into `fingerprint`, so that an ALTER
   * SEQUENCE under a checkpoint is seen as DDL.
   */
  async #readSequences(conn: Connection, tableRows: RowDataPacket[], fingerprint: Fingerprint): Promise<Map<string, SequenceState>> {
    const present = new Set(tableRows.filter((r) => r.ty === 'SEQUENCE').map((r) => String(r.t)))
    const states = await readSequences(
      conn,
      this.#sequences.filter((s) => present.has(s)),
    )
    for (const [s, state] of states) fingerprint.set(s, [state.definition])
    return states
  }

  /** Empty every tracked table and restart AUTO_INCREMENT at 1. Open checkpoints stay valid. */
  reset(): Promise<void> {
    return this.#run('reset', async (conn) => {
      const tables = [...this.#tracked.keys()]
      let done = 0
      await conn.query('SET FOREIGN_KEY_CHECKS = 0')
      try {
        // TRUNCATE takes the table's lock, which a transaction of the app that read the table holds (see #withTableLocks).
        await this.#withTableLocks(
          conn,
          this.#lockDeadline(),
          async () => {
            // TRUNCATE fires no triggers: each table is marked as changed by hand, so rollbacks and the base see it.
            for (; done < tables.length; done++) {
              await batch(conn, [`TRUNCATE TABLE ${ident(tables[done]!)}`, markWholeSql(tables[done]!)])
              this.#halfRestored.delete(tables[done]!)
            }
          },
          (err) =>
            this.#tableHeld(conn, 'reset', `table \`${tables[done]!}\``, err, {
              why: 'which TRUNCATE empties with the table locked',
              outcome: done ? `The tables before it were emptied; it and the ${tables.length - done - 1} after it were not.` : 'No table was emptied.',
            }),
        )
        // Sequences start over too, as AUTO_INCREMENT counters do (those still there: a path may have dropped one).
        const [tableRows] = (await batch(conn, fingerprintSql(conn.format.bind(conn), this.#target.database, []))) as RowDataPacket[][]
        const present = new Set(tableRows!.filter((r) => r.ty === 'SEQUENCE').map((r) => String(r.t)))
        await this.#restartSequences(
          conn,
          'reset',
          this.#sequences.filter((s) => present.has(s)).map((s) => [s, undefined]),
          this.#lockDeadline(),
        )
      } finally {
        await batch(conn, ['SET FOREIGN_KEY_CHECKS = 1']).catch(() => undefined)
      }
    })
  }

  /** Row count of every tracked table. */
  observe(): Promise<Record<string, unknown>> {
    return this.#run('observe', (conn) => countRows(conn, this.trackedTables))
  }

  /** True when the database answers, on a connection of its own. Never throws. */
  async healthCheck(): Promise<boolean> {
    return (await databaseProblem(this.name, this.#target)) === undefined
  }

  /**
   * The server answers and the user has every privilege connect will ask for (`venomqa doctor`): a user
   * without them passed the health check, and every run then stopped at connect. A name of `tables` or
   * `exclude` the database has no table or sequence of is thrown, as connect throws it.
   */
  async healthReport(): Promise<true | string> {
    const privileges = async (conn: Connection) => {
      const mistake = unknownTable(this.name, this.#options, await tableNamesOf(conn, this.#target.database, true), this.#target.database)
      if (mistake) throw mistake
      const problem = await this.#privilegeProblem(conn, await canTryLocks(conn, this.#lockWaitSeconds()))
      return problem === undefined ? undefined : new StateError(this.name, problem).message
    }
    return (await databaseProblem(this.name, this.#target, privileges)) ?? true
  }

  /**
   * Drop what connect() set up and close. Idempotent: a call while one is under way joins it (the runner's
   * disconnect abandoned at its timeout, then the plugin's onClose), rather than queueing a second one that
   * would find the connection gone and fail.
   */
  disconnect(): Promise<void> {
    if (!this.#conn) return Promise.resolve()
    this.#disconnecting ??= this.#disconnect(this.#conn).finally(() => {
      this.#disconnecting = undefined
    })
    return this.#disconnecting
  }

  async #disconnect(conn: Connection): Promise<void> {
    await this.#run('disconnect', async () => {
      let lost = false
      try {
        await this.#dropOnceUnlocked(conn)
        await conn.query('SELECT RELEASE_LOCK(?)', [lockName(this.#target.database)])
      } catch (err) {
        if (!isConnectionLost(err)) throw err
        lost = true
      } finally {
        this.#conn = undefined
        this.#stack.clear()
        this.#baseReady = false
        await conn.end().catch(() => conn.destroy())
      }
      if (lost) await this.#dropOnNewConnection()
    })
  }

  /**
   * Drop the tracking at disconnect, once no other session has a transaction open in the database. A
   * transaction of the app holds the metadata locks of the tables it touched until it ends, and dropping a
   * trigger (or swapping the app's back) needs the table's exclusive one (see #withTableLocks). So the drop
   * waits, without a lock, for those transactions to end (information_schema.INNODB_TRX, when this user may
   * read it), then tries the locks without waiting for them (MariaDB), or with the shortest wait there is
   * (1 s, MySQL, where connect made sure that INNODB_TRX can be read), and again until lockWaitTimeoutMs has
   * passed. Without INNODB_TRX the tries alone wait for the app. Each try starts where the last stopped.
   * Left installed, the triggers go on recording every write of the app: that fails loudly.
   */
  async #dropOnceUnlocked(conn: Connection): Promise<void> {
    const deadline = this.#lockDeadline()
    await conn.query(`SET SESSION innodb_lock_wait_timeout = 1${this.#canTryLocks ? '' : ', SESSION lock_wait_timeout = 1'}`)
    await this.#withTableLocks(
      conn,
      deadline,
      async () => {
        await this.#waitForOpenTransactions(conn, deadline)
        await this.#dropPrivateObjects(conn)
      },
      (err) => this.#trackingLeft(conn, err),
    )
  }

  /** Drop what a run left (a crashed one's tracking at connect, the old schema's at a checkpoint), with the tables' locks only tried. */
  async #dropTracking(conn: Connection, deadline: number, doing: string): Promise<void> {
    await this.#withTableLocks(
      conn,
      deadline,
      () => this.#dropPrivateObjects(conn),
      (err) => this.#tableHeld(conn, doing, 'tracked tables', err, { why: 'whose change-tracking triggers are dropped with the table locked, before they are made anew' }),
    )
  }

  /**
   * Run `attempt`, whose statements ask for the metadata locks of tables a transaction of the app may hold
   * (CREATE or DROP TRIGGER, LOCK TABLES, ALTER TABLE, TRUNCATE), with those locks only tried, again after
   * a short pause until `deadline`, then fail with `gaveUp(the last conflict)`. A transaction of the app
   * keeps the metadata locks of every table it touched, a read-only one too, until it ends. A request that
   * waits for one stands in the way of the app's next statement on the table, and the server then rolls the
   * app's transaction back as a deadlock: the app loses its writes. A lock only tried (lock_wait_timeout = 0,
   * MariaDB) stands in no one's way. Where locks cannot be tried (MySQL), each attempt waits as the session
   * is set to (lockWaitTimeoutMs; 1 s at disconnect). `attempt` must go on where the last one stopped.
   */
  async #withTableLocks<T>(conn: Connection, deadline: number, attempt: () => Promise<T>, gaveUp: (err: unknown) => Promise<Error>): Promise<T> {
    const trying = this.#canTryLocks
    if (trying) await conn.query('SET SESSION lock_wait_timeout = 0')
    let result: T
    try {
      // Each try of a lock that waits (MySQL) waits lockWaitTimeoutMs itself: one is the whole wait.
      result = await retryLockConflicts(deadline, attempt, gaveUp, trying ? MIN_LOCK_TRIES : 1)
    } catch (err) {
      // A lost connection has no wait left to set back.
      if (trying) await conn.query(`SET SESSION lock_wait_timeout = ${this.#lockWaitSeconds()}`).catch(() => undefined)
      throw err
    }
    // Back to the session's own wait (see #prepareSession): the DML that follows is no DDL to fail at once.
    if (trying) await conn.query(`SET SESSION lock_wait_timeout = ${this.#lockWaitSeconds()}`)
    return result
  }

  /** `deadline` for a wait for the app: lockWaitTimeoutMs from now. */
  #lockDeadline(): number {
    return Date.now() + this.#lockWaitMs()
  }

  #lockWaitMs(): number {
    return this.#options.lockWaitTimeoutMs ?? 10_000
  }

  /**
   * A lock could not be had by the deadline (see #withTableLocks): the session whose transaction held it,
   * when this user may see it, and what to do. `held` says what (`table \`todos\``), `why` what needed it.
   */
  async #tableHeld(conn: Connection, doing: string, held: string, err: unknown, { why, outcome = '' }: { why: string; outcome?: string }): Promise<StateError> {
    const { who, threadId } = await this.#openTransactions(conn)
    const onlyTried = this.#canTryLocks
      ? ' The lock was only tried: waited for while that transaction is open, it would make the server roll that transaction back as a deadlock.'
      : ''
    return new StateError(
      this.name,
      `${doing}: after ${this.#lockWaitMs()} ms (lockWaitTimeoutMs), ${who} still held ${held} of database "${this.#target.database}" on ${this.#target.display} ` +
        `(${describeSqlError(err)}), ${why}.${onlyTried}${outcome ? ` ${outcome}` : ''} ` +
        `Make the app end its transactions before the step does (a connection left idle in a transaction holds every table it touched), raise lockWaitTimeoutMs if it ends later, ` +
        `or end the session${threadId === undefined ? '' : ` (KILL ${threadId})`}.`,
      { cause: err },
    )
  }

  /** The other sessions with a transaction open in the database, as a message names them, and the first one's thread. */
  async #openTransactions(conn: Connection): Promise<{ who: string; threadId?: number }> {
    let unnamed = ''
    const [open] = await conn.query<RowDataPacket[]>(inFlightWritersSql(conn, this.#target.database, { readersToo: true })).catch((e) => {
      if (isPrivilegeError(e))
        unnamed = ` (user "${this.#target.config.user}" may not read information_schema.INNODB_TRX to name it: look in SHOW PROCESSLIST as a user who may)`
      return [[] as RowDataPacket[]] as const
    })
    // INNODB_TRX may be a stale cache while another session polls it (see sessionsInTransactionFromStatus).
    const listed = toInFlightWriters(open)
    const sessions = listed.length || unnamed ? listed : await sessionsInTransactionFromStatus(conn, this.#target.database)
    return sessions.length
      ? { who: `a transaction of another session (${sessions.map(describeWriter).join('; ')})`, threadId: sessions[0]!.threadId }
      : { who: `a transaction of another session${unnamed}` }
  }

  /** Poll until no other session has a transaction open in the database, or `deadline`; at once when this user may not see them (the drops then only try their locks). */
  async #waitForOpenTransactions(conn: Connection, deadline: number): Promise<void> {
    const sql = inFlightWritersSql(conn, this.#target.database, { readersToo: true })
    for (let pause = 5; Date.now() < deadline; pause = Math.min(pause * 2, 100)) {
      const [rows] = await conn.query<RowDataPacket[]>(sql).catch((err) => {
        if (isPrivilegeError(err)) return [[] as RowDataPacket[]] as const
        throw err
      })
      if (!rows.length) return
      await new Promise((r) => setTimeout(r, Math.min(pause, Math.max(0, deadline - Date.now()))))
    }
  }

  /** The tracking could not be dropped at disconnect: what is left, who held it, and how to remove it. */
  async #trackingLeft(conn: Connection, err: unknown): Promise<StateError> {
    const db = this.#target.database
    const { who, threadId } = await this.#openTransactions(conn)
    const [objects] = await conn
      .query<RowDataPacket[]>(
        `SELECT TABLE_NAME AS n FROM information_schema.TABLES WHERE TABLE_SCHEMA = ? AND ${binary('TABLE_NAME')} LIKE ?
         UNION ALL SELECT TRIGGER_NAME FROM information_schema.TRIGGERS WHERE TRIGGER_SCHEMA = ? AND ${binary('TRIGGER_NAME')} LIKE ?`,
        [db, PRIVATE_LIKE, db, PRIVATE_LIKE],
      )
      .catch(() => [[] as RowDataPacket[]] as const)
    const names = objects.map((r) => String(r.n))
    const swapped = names.includes(SAVED_TRIGGERS)
    const listed = names.length > 8 ? `${names.slice(0, 8).join(', ')} and ${names.length - 8} more` : names.join(', ')
    return new StateError(
      this.name,
      `disconnect: after ${this.#lockWaitMs()} ms (lockWaitTimeoutMs), ${who} still held tracked tables of database "${db}" on ${this.#target.display} ` +
        `(${describeSqlError(err)}), so the change tracking is still installed: ${listed || 'its private tables and triggers'}. Its triggers go on recording every write of the app` +
        `${swapped ? `, and the app's own triggers still run as their private copies (_venomqa_app_<name>), the originals saved in ${SAVED_TRIGGERS}` : ''}. ` +
        `Once that transaction has ended${threadId === undefined ? '' : ` (or after KILL ${threadId})`}, connect a snapshot backend to the database again: its connect removes them` +
        `${swapped ? " and puts the app's triggers back" : ''}. By hand: re-create each trigger saved in ${SAVED_TRIGGERS} and drop its _venomqa_app_ copy, then drop every _venomqa_* trigger and table.`,
      { cause: err },
    )
  }

  /**
   * The connection died under the run, or while connect() installed (the server restarted, a KILL, a
   * network drop): its triggers still
   * record every write of the app and the app's own triggers still run as copies, until some run connects.
   * Its lock died with it, so they are dropped on a connection of their own, unless another run took the
   * database meanwhile (its connect dropped them already, and what is there now is its own).
   */
  async #dropOnNewConnection(): Promise<void> {
    const conn = await openConnection(this.name, this.#target, { multipleStatements: true })
    try {
      await this.#prepareSession(conn)
      const lock = lockName(this.#target.database)
      // A few seconds: the server frees a killed session's lock only once that session has ended.
      const [rows] = await conn.query<RowDataPacket[]>(`SELECT GET_LOCK(?, ${LOST_LOCK_WAIT_S}) AS got`, [lock])
      if (Number(rows[0]?.got) !== 1) return
      // A transaction of the app may hold the tables: their locks are only tried, as at a disconnect.
      await this.#withTableLocks(conn, this.#lockDeadline(), () => this.#dropPrivateObjects(conn), (err) => this.#trackingLeft(conn, err))
      await conn.query('SELECT RELEASE_LOCK(?)', [lock])
    } finally {
      await conn.end().catch(() => conn.destroy())
    }
  }

  // ---- setup -------------------------------------------------------------------------------------

  /** lockWaitTimeoutMs in the whole seconds the server counts its lock waits in. */
  #lockWaitSeconds(): number {
    return Math.max(1, Math.ceil((this.#options.lockWaitTimeoutMs ?? 10_000) / 1000))
  }

  async #prepareSession(conn: Connection): Promise<void> {
    const wait = this.#lockWaitSeconds()
    // RESTORE_SQL_MODE: strict, so that a restore that would change a value fails (see tracking.ts).
    // The restoring flag stays set for the whole session: this connection writes tracked tables only to restore
    // them. So does the quiet one: its writes put rows back, they are not the app's (see app-triggers.ts).
    await conn.query(
      `SET SESSION sql_mode = '${RESTORE_SQL_MODE}', SESSION lock_wait_timeout = ${wait},
       SESSION innodb_lock_wait_timeout = ${wait}, ${RESTORING_FLAG} = 1, ${QUIET_FLAG} = 1`,
    )
    // MySQL 8 caches information_schema.TABLES.AUTO_INCREMENT for a day; MariaDB has no such cache or variable.
    await conn.query('SET SESSION information_schema_stats_expiry = 0').catch(() => undefined)
  }

  /**
   * Every privilege the backend will need, checked before it makes anything: one missing would otherwise
   * fail a checkpoint, a rollback (halfway, the rows put back but not the counters) or the disconnect
   * (the triggers left recording every write of the app), long after the run started.
   */
  async #checkPrivileges(conn: Connection): Promise<void> {
    const problem = await this.#privilegeProblem(conn, this.#canTryLocks)
    if (problem) throw new StateError(this.name, problem)
  }

  /** What #checkPrivileges refuses, said; undefined when the user has every privilege the backend will need. */
  async #privilegeProblem(conn: Connection, tryLocks: boolean): Promise<string | undefined> {
    const db = this.#target.database
    const { tables, exclude = [] } = this.#options
    const tracks = (name: string) => (tables ? tables.includes(name) : true) && !exclude.includes(name)
    const missing = await missingPrivileges(conn, db, { canTryLocks: tryLocks, tracks })
    if (!missing) return undefined
    return (
      `user ${missing.account} (of the url ${this.#target.display}) lacks privileges the snapshot backend needs on database "${db}": ${missing.listed}. ` +
      `Nothing was changed. As an administrator, run: ${missing.grants}`
    )
  }

  /** One run per database: a second one would drop this run's tracking on connect. The lock dies with the connection. */
  async #takeLock(conn: Connection): Promise<void> {
    const [rows] = await conn.query<RowDataPacket[]>('SELECT GET_LOCK(?, 0) AS got', [lockName(this.#target.database)])
    if (Number(rows[0]?.got) !== 1)
      throw new StateError(
        this.name,
        `another VenomQA run is using database "${this.#target.database}" on ${this.#target.display} (its lock is held); run one at a time per database`,
      )
  }

  /** Any private table or trigger in the database (this backend's names, `_venomqa_*`). */
  async #hasPrivateObjects(conn: Connection): Promise<boolean> {
    const db = this.#target.database
    const [rows] = await conn.query<RowDataPacket[]>(
      `SELECT EXISTS (SELECT 1 FROM information_schema.TABLES WHERE TABLE_SCHEMA = ? AND ${binary('TABLE_NAME')} LIKE ?)
           OR EXISTS (SELECT 1 FROM information_schema.TRIGGERS WHERE TRIGGER_SCHEMA = ? AND ${binary('TRIGGER_NAME')} LIKE ?) AS found`,
      [db, PRIVATE_LIKE, db, PRIVATE_LIKE],
    )
    return Number(rows[0]?.found) === 1
  }

  /** Drop every private table and trigger: this run's at disconnect, a crashed run's at connect. */
  async #dropPrivateObjects(conn: Connection): Promise<void> {
    const db = this.#target.database
    // The app's own triggers first, from the private table about to go (see app-triggers.ts).
    await putBackAppTriggers(conn, db)
    const [triggers] = await conn.query<RowDataPacket[]>(
      `SELECT TRIGGER_NAME AS n FROM information_schema.TRIGGERS WHERE TRIGGER_SCHEMA = ? AND ${binary('TRIGGER_NAME')} LIKE ?`,
      [db, PRIVATE_LIKE],
    )
    // Triggers first, so the app's writes stop touching the tables about to go.
    for (const r of triggers) await conn.query(`DROP TRIGGER IF EXISTS ${ident(r.n)}`)
    const [tables] = await conn.query<RowDataPacket[]>(
      `SELECT TABLE_NAME AS n FROM information_schema.TABLES WHERE TABLE_SCHEMA = ? AND ${binary('TABLE_NAME')} LIKE ?`,
      [db, PRIVATE_LIKE],
    )
    if (tables.length) await conn.query(`DROP TABLE IF EXISTS ${tables.map((r) => ident(r.n)).join(', ')}`)
    this.#baseReady = false
  }

  /**
   * Read the schema, create the key logs and the triggers; the tables' locks the triggers need are only
   * tried, up to `deadline` (see #withTableLocks). What it made goes again when it fails.
   */
  async #install(conn: Connection, deadline: number, doing: string): Promise<void> {
    const db = this.#target.database
    const schema = await readSchema(conn, db)
    const names = [...schema.tables.keys(), ...schema.sequences]
    const mistake = unknownTable(this.name, this.#options, names, db)
    // At connect, a name of the options; later (the schema changed under open checkpoints), a table the app dropped.
    if (mistake) throw doing === 'connect' ? mistake : new StateError(this.name, `${doing}: ${mistake.message.slice(`state backend "${this.name}": `.length)}`)
    const wanted = new Set(this.#options.tables ?? names)
    for (const table of this.#options.exclude ?? []) wanted.delete(table)
    this.#tracked = new Map([...wanted].sort().filter((table) => schema.tables.has(table)).map((table) => [table, trackedTable(schema.tables.get(table)!)]))
    this.#sequences = schema.sequences.filter((s) => wanted.has(s)).sort()
    this.#sequenceRestartedAt.clear()

    const step = async (what: string, privilege: string, sql: string) => {
      try {
        await conn.query(sql)
      } catch (err) {
        // A table's lock not to be had yet is tried again (see #withTableLocks).
        if (isLockConflict(err)) throw err
        const code = (err as { code?: string }).code
        const need =
          code === 'ER_BINLOG_CREATE_ROUTINE_NEED_SUPER'
            ? ' (binary logging is on: grant the user SUPER, or set log_bin_trust_function_creators = 1)'
            : isPrivilegeError(err)
              ? ` (the user needs the ${privilege} privilege on \`${db}\`)`
              : ''
        throw new StateError(this.name, `cannot ${what} in database "${db}" on ${this.#target.display}${need}: ${describeSqlError(err)}`, { cause: err })
      }
    }
    const triggers = trackingTriggers(schema, this.#tracked).map((sql) => ({ sql, table: /\bON `((?:[^`]|``)+)` FOR EACH ROW/.exec(sql)?.[1]?.replace(/``/g, '`') }))
    let created = 0
    try {
      // New tables: no transaction of the app holds them.
      await step('create its change log table', 'CREATE', wholeLogDdl())
      for (const t of this.#tracked.values()) {
        if (t.log) await step(`create the change log of table "${t.name}"`, 'CREATE', keyLogDdl(t))
        await step(`create the copy table of table "${t.name}"`, 'CREATE', historyDdl(t))
      }
      await this.#quietAppTriggers(conn, deadline, doing)
      await this.#withTableLocks(
        conn,
        deadline,
        async () => {
          for (; created < triggers.length; created++) await step(`create the change-tracking trigger on table "${triggers[created]!.table}"`, 'TRIGGER', triggers[created]!.sql)
        },
        (err) => this.#tableHeld(conn, doing, `table \`${triggers[created]!.table}\``, err, { why: 'whose change-tracking triggers are created with the table locked' }),
      )
    } catch (err) {
      // Each lock tried once: what a transaction of the app still holds stays, and the next connect drops it.
      await this.#withTableLocks(conn, 0, () => this.#dropPrivateObjects(conn), async (e) => e as Error).catch(() => undefined)
      throw err
    }
    const [tables, columns] = (await batch(conn, fingerprintSql(conn.format.bind(conn), db, this.trackedTables))) as RowDataPacket[][]
    this.#installedFingerprint = fingerprintOf(tables!, columns!, new Set(this.trackedTables))
    await this.#readSequences(conn, tables!, this.#installedFingerprint)
    this.#sequenceIds.clear()
    if (this.#tableIdsView && this.#sequences.length) {
      const [ids] = await conn.query<RowDataPacket[]>(tableIdsSql(conn.format.bind(conn), this.#tableIdsView, db))
      for (const r of ids) if (String(r.d) === db && this.#sequences.includes(String(r.n))) this.#sequenceIds.set(String(r.n), String(r.id))
    }
  }

  /**
   * Swap the app's triggers on tracked tables for guarded copies (see app-triggers.ts): at connect, and
   * before a base checkpoint or a rollback when the probe found one not swapped yet, created `since` connect
   * (an app started again that ran its schema script, dropping and creating its triggers, or a path that
   * created one). The probe's round trip reads them anyway: this costs nothing when there is none. Each swap
   * locks its table, which is only tried, up to `deadline` (see #withTableLocks).
   */
  async #quietAppTriggers(conn: Connection, deadline: number, doing: string, { since = false } = {}): Promise<void> {
    try {
      await this.#withTableLocks(
        conn,
        deadline,
        // Read anew at each try: the ones swapped already are read as their copies.
        async () => quietAppTriggers(conn, await readAppTriggers(conn, this.#target.database, this.trackedTables)),
        (err) => {
          if (!(err instanceof TriggerSwapError)) return this.#tableHeld(conn, doing, 'tracked tables', err, { why: "where the app's triggers are swapped for guarded copies" })
          const { name, table } = err.trigger
          return this.#tableHeld(conn, doing, `table \`${table}\``, err.cause, {
            why: `where the app's trigger \`${name}\`${since ? ', created since connect,' : ''} is swapped for its guarded copy with the table locked`,
          })
        },
      )
    } catch (err) {
      throw await this.#quietFailed(conn, err)
    }
  }

  /** Why an app trigger could not be kept quiet during restores, and what lets it be. */
  async #quietFailed(conn: Connection, err: unknown): Promise<StateError> {
    if (err instanceof StateError) return err
    const db = this.#target.database
    const what = err instanceof TriggerSwapError ? `the app's ${err.message}` : "the app's triggers"
    const cause = err instanceof TriggerSwapError ? err.cause : err
    let need = ''
    if ((cause as { code?: string } | undefined)?.code === 'ER_BINLOG_CREATE_ROUTINE_NEED_SUPER')
      need = ' (binary logging is on: grant the user SUPER, or set log_bin_trust_function_creators = 1)'
    else if (isPrivilegeError(cause)) {
      const [[me]] = await conn.query<RowDataPacket[]>('SELECT CURRENT_USER() AS u').catch(() => [[{ u: '' }]] as unknown as [RowDataPacket[]])
      need =
        err instanceof TriggerSwapError && definerSql(err.trigger.definer) !== definerSql(String(me?.u ?? ''))
          ? ` (${otherDefinerNeeds(err.trigger)}: connect as that user, or grant it)`
          : ` (the user needs the TRIGGER and LOCK TABLES privileges on \`${db}\`)`
    }
    return new StateError(
      this.name,
      `cannot keep ${what} from firing while rows are restored, in database "${db}" on ${this.#target.display}${need}: ${describeSqlError(cause)}. ` +
        'A restore re-inserts rows, and MySQL and MariaDB have no switch to keep triggers quiet meanwhile; left to fire, they would write what no checkpoint holds',
      { cause },
    )
  }

  // ---- checkpoints -------------------------------------------------------------------------------

  /**
   * The probe of a restore, taken once no other session has a transaction with writes to tracked tables in
   * flight. Their marks in the change logs are invisible until they commit, so a restore now would miss
   * their rows, which would then land on the next path (and the next restore would wait on their locks).
   * The check rides in the probe's round trip: a locking read, NOWAIT, of the marks made since the
   * checkpoint, which runs into the row locks of every uncommitted mark. (INNODB_TRX would say the same
   * with a delay: InnoDB refreshes it at most every 100 ms, and not while it is being read.) When it finds
   * some, the restore polls up to lockWaitTimeoutMs, then fails naming the sessions.
   */
  async #probeOnceWritersEnd(conn: Connection, since: number, doing: string, deadline: number, { triggers = true } = {}): Promise<Probe> {
    const held = [...this.#tracked.values()]
      .filter((t) => t.log)
      .map((t) => `SELECT COUNT(*) AS n FROM ${ident(t.log!)} WHERE ${SEQ} > ${since} FOR UPDATE NOWAIT`)
    held.push(`SELECT COUNT(*) AS n FROM ${ident(WHOLE_LOG)} WHERE ${SEQ} > ${since} FOR UPDATE NOWAIT`)
    let pause = 5
    for (;;) {
      try {
        return await this.#probe(conn, since, { first: held, triggers })
      } catch (err) {
        if (!isNoWaitConflict(err)) throw err
      }
      const left = deadline - Date.now()
      if (left <= 0) throw await this.#writesInFlight(conn, doing, since < 0)
      await new Promise((r) => setTimeout(r, Math.min(pause, left)))
      pause = Math.min(pause * 2, 100)
    }
  }

  /** The restore (or a checkpoint) gave up waiting: name the sessions with writes in flight, when this user may see them. */
  async #writesInFlight(conn: Connection, doing: string, checkpoint: boolean): Promise<StateError> {
    const wait = this.#lockWaitMs()
    let sessions: string
    let kill = ''
    try {
      const [rows] = await conn.query<RowDataPacket[]>(inFlightWritersSql(conn, this.#target.database))
      // INNODB_TRX may be a stale cache while another session polls it (see sessionsInTransactionFromStatus).
      const listed = toInFlightWriters(rows)
      const open = listed.length ? listed : await sessionsInTransactionFromStatus(conn, this.#target.database, { readersToo: false })
      sessions = open.length
        ? `${open.length === 1 ? 'session' : `${open.length} sessions`}: ${open.map(describeWriter).join('; ')}`
        : 'session (not listed in information_schema.INNODB_TRX; its default database may be another one)'
      if (open.length) kill = ` (KILL ${open[0]!.threadId})`
    } catch (err) {
      if (!isPrivilegeError(err)) throw err
      sessions = `session (user "${this.#target.config.user}" may not read information_schema.INNODB_TRX to name it: GRANT PROCESS ON *.* TO it, or look in SHOW PROCESSLIST as a user who may)`
    }
    return new StateError(
      this.name,
      `${doing}: after ${wait} ms (lockWaitTimeoutMs), database "${this.#target.database}" on ${this.#target.display} still had uncommitted writes to tracked tables, held by a transaction of another ${sessions}. ` +
        (checkpoint
          ? 'A checkpoint cannot see uncommitted rows, and they would come back with every rollback to it once committed, so none was taken. '
          : 'A restore cannot see uncommitted rows, and they would land on the next path when committed, so nothing was restored. ') +
        `Make the app commit or roll back before its response (or the step) ends: a request that answers before its transaction commits, a background job, a connection left idle in a transaction; ` +
        `raise lockWaitTimeoutMs if it commits later; or end the session${kill}.`,
    )
  }

  /**
   * The schema, the AUTO_INCREMENT counters and which tables changed after sequence `since`: one round trip,
   * after the statements `first` (checks whose results are not needed; one that fails fails the probe).
   * `loudTriggers` is read only when asked: a restore and a checkpoint with none open act on it, a nested
   * checkpoint does not, and the read costs about 1 ms on MariaDB.
   */
  async #probe(conn: Connection, since: number, { first = [], triggers = false }: { first?: string[]; triggers?: boolean } = {}): Promise<Probe> {
    const db = this.#target.database
    const keyed = [...this.#tracked.values()].filter((t) => t.log)
    const tracked = this.trackedTables
    const statements = [
      ...fingerprintSql(conn.format.bind(conn), db, tracked),
      tracked.length ? autoIncrementSql(conn.format.bind(conn), db, tracked) : 'SELECT NULL AS t, NULL AS a FROM DUAL WHERE FALSE',
      triggersSql(conn.format.bind(conn), db, triggers ? tracked : []),
    ]
    if (keyed.length)
      statements.push(
        keyed.map((t) => `SELECT ${literal(t.name)} AS t FROM DUAL WHERE EXISTS (SELECT 1 FROM ${ident(t.log!)} WHERE ${SEQ} > ${since})`).join(' UNION ALL '),
      )
    if (this.#tableIdsView) statements.push(tableIdsSql(conn.format.bind(conn), this.#tableIdsView, db))
    statements.push(`SELECT DISTINCT tbl AS t FROM ${ident(WHOLE_LOG)} WHERE ${SEQ} > ${since}`)
    const all = (await batch(conn, [...first, ...statements])) as RowDataPacket[][]
    const results = all.slice(first.length)
    const whole = results[results.length - 1]!
    const tableIds = new Map<string, string>()
    if (this.#tableIdsView)
      for (const r of results[results.length - 2]!) {
        if (String(r.d) !== db) continue
        // A partitioned table is listed once per partition: its id is all of theirs, in order.
        const ids = tableIds.get(String(r.n))
        tableIds.set(String(r.n), ids === undefined ? String(r.id) : [...ids.split(','), String(r.id)].sort().join(','))
      }
    const autoIncrement = new Map(results[2]!.filter((r) => this.#tracked.has(String(r.t))).map((r) => [String(r.t), String(r.a)]))
    // A TRUNCATE fires no trigger: the tables it emptied are marked as changed as a whole here, as reset() marks
    // its own, so that a rollback puts all their rows back and a checkpoint saves them whole.
    const truncated = this.#truncatedSinceLastProbe(tableIds, autoIncrement)
    if (truncated.length) await batch(conn, truncated.map(markWholeSql))
    const fingerprint = fingerprintOf(results[0]!, results[1]!, this.#tracked)
    const sequences = await this.#readSequences(conn, results[0]!, fingerprint)
    const present = new Set(results[3]!.map((r) => `${r.t}\u0000${r.n}`))
    // A table that is gone is reported by the fingerprint already.
    const untracked = triggers
      ? tracked.filter((table) => fingerprint.has(table) && rowTriggerNames(table).some((n) => !present.has(`${table}\u0000${n}`)))
      : []
    return {
      fingerprint,
      autoIncrement,
      sequences,
      loudTriggers: results[3]!.filter((r) => this.#tracked.has(String(r.t)) && !isPrivateName(String(r.n))).map((r) => String(r.n)),
      untracked: [
        ...untracked.map((table) => ({ table, what: `table \`${table}\` was dropped and created again, its change-tracking triggers with it` })),
        ...this.#sequencesRecreated(tableIds).map((s) => ({ table: s, what: `sequence \`${s}\` was dropped and created again` })),
      ],
      ...(triggers ? { appTriggers: appTriggersOf(results[3]!, this.#tracked) } : {}),
      rowsChanged: new Set(keyed.length ? results[4]!.map((r) => String(r.t)) : []),
      wholeChanged: new Set([...whole.map((r) => String(r.t)).filter((t) => this.#tracked.has(t)), ...truncated, ...this.#nonTransactional()]),
    }
  }

  /**
   * Tracked tables of an engine without transactions (MyISAM, Aria, MEMORY): their marks can be rolled back
   * with the app's transaction while their rows stay (see TableInfo.transactional), so every checkpoint and
   * rollback takes them as changed as a whole. That costs their size each time, and keeps them right.
   */
  #nonTransactional(): string[] {
    return [...this.#tracked.values()].filter((t) => !t.info.transactional).map((t) => t.name)
  }

  /**
   * The tracked tables a TRUNCATE emptied since the last probe. TRUNCATE runs no trigger, so the change
   * tracking never sees it: left unseen, a rollback restored only the keys marked since (the truncated
   * rows stayed lost), and a checkpoint with none open kept the old copy (a later rollback put truncated
   * rows back). It is seen by what it leaves: InnoDB creates the table anew, under a new table id (read
   * when the user may: PROCESS), and the AUTO_INCREMENT counter starts over, below where it was (any engine;
   * a rollback that sets counters back says so in #lastSeen). A TRUNCATE of a table with neither (a MyISAM
   * table without AUTO_INCREMENT, or an InnoDB one without it and without PROCESS) is still not seen.
   */
  #truncatedSinceLastProbe(tableIds: ReadonlyMap<string, string>, counters: ReadonlyMap<string, string>): string[] {
    const truncated: string[] = []
    for (const table of this.#tracked.keys()) {
      const was = this.#lastSeen.get(table)
      const now = { id: tableIds.get(table), counter: counters.get(table) }
      const newId = was?.id !== undefined && now.id !== undefined && was.id !== now.id
      const counterBack = was?.counter !== undefined && now.counter !== undefined && BigInt(now.counter) < BigInt(was.counter)
      if (newId || counterBack) truncated.push(table)
      this.#lastSeen.set(table, now)
    }
    return truncated
  }

  /**
   * With no checkpoint open, make the base equal to the tables: a full copy the first time, afterwards only
   * the rows changed since (a whole table when it was marked as a whole). The marks are then forgotten.
   */
  async #updateBase(conn: Connection, probe: Probe): Promise<void> {
    const full = !this.#baseReady
    const statements = ['START TRANSACTION']
    for (const t of this.#tracked.values()) {
      const h = ident(t.history)
      if (full || probe.wholeChanged.has(t.name)) {
        statements.push(full ? `DELETE FROM ${h}` : `DELETE FROM ${h} WHERE ${HISTORY_CP} = 0`, saveAll(t, 0))
      } else if (probe.rowsChanged.has(t.name)) {
        statements.push(
          `DELETE b FROM ${h} b JOIN ${ident(t.log!)} l ON ${joinOn('b', 'l', t.info.primaryKey)} WHERE b.${HISTORY_CP} = 0`,
          `INSERT INTO ${h} (${HISTORY_CP}, ${HISTORY_PRESENT}, ${columnList(t.info.insertable)})
             SELECT 0, 1, ${columnList(t.info.insertable, 's')} FROM ${ident(t.name)} s JOIN ${ident(t.log!)} l ON ${joinOn('s', 'l', t.info.primaryKey)}`,
        )
      }
      if (t.log && (full || probe.rowsChanged.has(t.name))) statements.push(`DELETE FROM ${ident(t.log)}`)
    }
    if (full || probe.wholeChanged.size) statements.push(`DELETE FROM ${ident(WHOLE_LOG)}`)
    if (statements.length === 1) return
    statements.push('COMMIT')
    try {
      await batch(conn, statements)
    } catch (err) {
      await conn.query('ROLLBACK').catch(() => undefined)
      throw err
    }
    this.#baseReady = true
  }

  /** Save, under checkpoint `id`, the rows that differ from the base; marks made so far are sealed with `seq`. */
  async #saveDeltas(conn: Connection, id: number, seq: number, probe: Probe, deltas: Map<string, Delta>): Promise<void> {
    const statements: string[] = []
    for (const table of probe.rowsChanged) statements.push(`UPDATE ${ident(this.#tracked.get(table)!.log!)} SET ${SEQ} = ${seq} WHERE ${SEQ} = ${PENDING}`)
    if (probe.wholeChanged.size) statements.push(`UPDATE ${ident(WHOLE_LOG)} SET ${SEQ} = ${seq} WHERE ${SEQ} = ${PENDING}`)
    for (const t of this.#tracked.values()) {
      if (probe.wholeChanged.has(t.name)) {
        statements.push(saveAll(t, id))
        deltas.set(t.name, 'whole')
      } else if (probe.rowsChanged.has(t.name)) {
        // One row per marked key; a key whose row is gone is saved with present = 0. A row that is there keeps
        // its own key: the mark holds the key as it was first changed, which a case-insensitive collation
        // (or PAD SPACE) calls equal to the row's key after an update of its case or trailing spaces.
        const pk = t.info.primaryKey
        const values = t.info.insertable.map((c) => (pk.includes(c) ? `COALESCE(s.${ident(c)}, l.${ident(c)})` : `s.${ident(c)}`)).join(', ')
        statements.push(
          `INSERT INTO ${ident(t.history)} (${HISTORY_CP}, ${HISTORY_PRESENT}, ${columnList(t.info.insertable)})
             SELECT ${id}, s.${ident(pk[0]!)} IS NOT NULL, ${values} FROM ${ident(t.log!)} l LEFT JOIN ${ident(t.name)} s ON ${joinOn('l', 's', pk)}`,
        )
        deltas.set(t.name, 'rows')
      }
    }
    if (statements.length) await batch(conn, statements)
  }

  /**
   * INSERT statements that put back the checkpoint's version of table t: every row, or (with `since`)
   * only the rows marked after `since`. The checkpoint's version is the base, patched by its delta.
   */
  #insertSaved(t: TrackedTable, cp: Checkpoint, since: number | null): string[] {
    const cols = t.info.insertable
    const into = `INSERT INTO ${ident(t.name)} (${columnList(cols)})`
    const h = ident(t.history)
    const pk = t.info.primaryKey
    const marked = (alias: string) => (since === null ? '' : ` JOIN ${ident(t.log!)} l ON ${joinOn(alias, 'l', pk)}`)
    const where = (...conditions: string[]) => ` WHERE ${[...conditions, ...(since === null ? [] : [`l.${SEQ} > ${since}`])].join(' AND ')}`
    const delta = cp.deltas.get(t.name)
    const fromDelta = `${into} SELECT ${columnList(cols, 'r')} FROM ${h} r${marked('r')}${where(`r.${HISTORY_CP} = ${cp.id}`, `r.${HISTORY_PRESENT} = 1`)}`
    if (delta === 'whole') return [fromDelta]
    const fromBase = `${into} SELECT ${columnList(cols, 'b')} FROM ${h} b${marked('b')}`
    if (!delta) return [`${fromBase}${where(`b.${HISTORY_CP} = 0`)}`]
    // Base rows, except the keys the checkpoint saved itself.
    return [
      `${fromBase} LEFT JOIN ${h} k ON k.${HISTORY_CP} = ${cp.id} AND ${joinOn('b', 'k', pk)}${where(`b.${HISTORY_CP} = 0`, `k.${HISTORY_CP} IS NULL`)}`,
      fromDelta,
    ]
  }

  /** Delete the rows that checkpoints no longer open saved (the base, checkpoint 0, stays). */
  async #forget(conn: Connection, gone: OpenCheckpoint<Checkpoint>[]): Promise<void> {
    const statements = gone.flatMap(({ data: cp }) =>
      [...cp.deltas.keys()].map((table) => `DELETE FROM ${ident(this.#tracked.get(table)!.history)} WHERE ${HISTORY_CP} = ${cp.id}`),
    )
    await batch(conn, statements)
  }

  // ---- plumbing ----------------------------------------------------------------------------------

  /** Operations run one at a time, on a live connection, and fail only with a StateError. */
  async #run<T>(op: string, fn: (conn: Connection) => Promise<T>): Promise<T> {
    const previous = this.#queue
    let done!: () => void
    this.#queue = new Promise<void>((resolve) => (done = resolve))
    await previous
    try {
      const conn = this.#conn
      if (!conn) throw new StateError(this.name, `${op}: not connected (connect() was not called, or failed)`)
      return await fn(conn)
    } catch (err) {
      throw this.#wrap(op, err)
    } finally {
      done()
    }
  }

  #wrap(op: string, err: unknown): StateError | ConfigError {
    if (err instanceof StateError || err instanceof ConfigError) return err
    return new StateError(this.name, `${op} failed on ${this.#target.display}: ${describeSqlError(err)}${lockHint(err)}`, { cause: err })
  }
}

/**
 * Release the LOCK TABLES of `conn` after `err` failed what ran under it, and give the error to throw: `err`
 * itself when the unlock went through (a lock conflict stays one, to be tried again), else one that says
 * both, the first error first, since the unlock's failure (a connection lost, most often) is only its echo.
 */
async function unlockAfter(conn: Connection, err: unknown, what: string, backend: string): Promise<unknown> {
  try {
    await conn.query('UNLOCK TABLES')
    return err
  } catch (unlockErr) {
    return new StateError(backend, `${what}: ${describeSqlError(err)}${lockHint(err)}; then UNLOCK TABLES failed too: ${describeSqlError(unlockErr)}`, { cause: err })
  }
}

/** Run statements in one round trip; one result per statement. */
export async function batch(conn: Connection, statements: string[]): Promise<unknown[]> {
  if (!statements.length) return []
  const [results] = await conn.query(statements.join(';\n'))
  return statements.length === 1 ? [results] : (results as unknown[])
}

/** Save every row of t under checkpoint `id`. */
function saveAll(t: TrackedTable, id: number): string {
  const cols = columnList(t.info.insertable)
  return `INSERT INTO ${ident(t.history)} (${HISTORY_CP}, ${HISTORY_PRESENT}, ${cols}) SELECT ${id}, 1, ${cols} FROM ${ident(t.name)}`
}

export async function countRows(conn: Connection, tables: string[]): Promise<Record<string, number>> {
  if (!tables.length) return {}
  const [rows] = await conn.query<RowDataPacket[]>(tables.map((t) => `SELECT ${literal(t)} AS t, COUNT(*) AS n FROM ${ident(t)}`).join(' UNION ALL '))
  return Object.fromEntries(rows.map((r) => [String(r.t), Number(r.n)]))
}

/**
 * Why the database does not answer, on a connection of its own (the password masked), or what `check` finds
 * wrong there, or undefined when all is well. Throws only a mistake in the options that `check` finds (a
 * table the database does not have): the config's, at its key (exit 2), as connect throws it.
 */
export async function databaseProblem(backend: string, target: Target, check?: (conn: Connection) => Promise<string | undefined>): Promise<string | undefined> {
  let conn: Connection
  try {
    conn = await openConnection(backend, target)
  } catch (err) {
    return unanswered(err)
  }
  try {
    await conn.query('SELECT 1')
    return await check?.(conn)
  } catch (err) {
    if (isUserError(err)) throw err
    return unanswered(err)
  } finally {
    await conn.end().catch(() => conn.destroy())
  }
}

/** openConnection names the server with its password masked already; anything else is masked here. */
function unanswered(err: unknown): string {
  return err instanceof StateError ? err.message : redactText(errorMessage(err))
}

/** How long cleanup after a lost connection waits for the run's lock, in seconds. */
const LOST_LOCK_WAIT_S = 5

/** GET_LOCK names are capped at 64 characters. */
function lockName(database: string): string {
  const name = `venomqa_state:${database}`
  return name.length <= 64 ? name : `venomqa_state:${createHash('sha1').update(database).digest('hex')}`
}

/** The driver marks an error fatal when the connection is gone and every later query on it fails. */
function isConnectionLost(err: unknown): boolean {
  return (err as { fatal?: boolean } | undefined)?.fatal === true
}

/** A lock wait that timed out (or a lock only tried that was taken), or a deadlock the server broke by failing this statement; also met swapping an app trigger. */
function isLockConflict(err: unknown): boolean {
  const code = ((err instanceof TriggerSwapError ? err.cause : err) as { code?: string } | undefined)?.code
  return code === 'ER_LOCK_WAIT_TIMEOUT' || code === 'ER_LOCK_DEADLOCK'
}

/**
 * Tries a lock only tried gets before the deadline can end them. Such a try also meets the server's own
 * short holds (on MariaDB, InnoDB's purge takes a table's metadata lock for a moment), and on a busy
 * machine the statements before it may have used up a short lockWaitTimeoutMs by themselves: one such
 * conflict past the deadline ended a connect with no transaction of the app in the way (seen under load
 * with lockWaitTimeoutMs 500: a single CREATE TRIGGER try of 277 ms, begun after the deadline, and no
 * session holding the table).
 */
const MIN_LOCK_TRIES = 3
/** The pause before a try past the deadline: long enough for such a short hold to end. */
const LATE_PAUSE_MS = 25

/**
 * Run `attempt` until it ends without a lock conflict, pausing 5 ms, then twice as long up to 100 ms,
 * between tries; past `deadline`, once it has tried `minTries` times, throw `gaveUp`'s error.
 */
export async function retryLockConflicts<T>(deadline: number, attempt: () => Promise<T>, gaveUp: (err: unknown) => Promise<Error>, minTries: number): Promise<T> {
  for (let pause = 5, tries = 1; ; pause = Math.min(pause * 2, 100), tries++) {
    try {
      return await attempt()
    } catch (err) {
      if (!isLockConflict(err)) throw err
      if (Date.now() >= deadline && tries >= minTries) throw await gaveUp(err)
    }
    const left = deadline - Date.now()
    await new Promise((r) => setTimeout(r, left > 0 ? Math.min(pause, left) : LATE_PAUSE_MS))
  }
}

/** A NOWAIT locking read ran into a row lock (MariaDB reports it as a lock wait timeout, MySQL 8 as ER_LOCK_NOWAIT). */
function isNoWaitConflict(err: unknown): boolean {
  const code = (err as { code?: string }).code
  return code === 'ER_LOCK_WAIT_TIMEOUT' || code === 'ER_LOCK_NOWAIT'
}

function lockHint(err: unknown): string {
  const code = (err as { code?: string }).code
  return code === 'ER_LOCK_WAIT_TIMEOUT' || code === 'ER_LOCK_DEADLOCK'
    ? ' (a connection of the app under test probably holds an open transaction on a tracked table)'
    : ''
}


const DDL_NOT_UNDONE = 'DDL inside a path cannot be rolled back by the snapshot backend, which restores rows, not the schema.'

const SCHEMA_CHANGED_SUGGESTION =
  'DDL inside a path cannot be rolled back by the snapshot backend. Run the migrations (ALTER TABLE, CREATE INDEX, CREATE TRIGGER...) before the first checkpoint: with no checkpoint open, the next checkpoint tracks the new schema. MySQL and MariaDB commit DDL at once, so the savepoint mechanism cannot undo it either: a path that must change the schema belongs in a journey of its own, on a database set up again before it.'

/** The prefix of the guarded copies of the app's triggers (see app-triggers.ts). */
const COPY_PREFIX = copyName('')

/** The app's triggers among the probe's rows (`n` name, `t` table), a copy and its original alike. */
function appTriggersOf(rows: RowDataPacket[], tracked: ReadonlyMap<string, TrackedTable>): AppTriggers {
  const out = new Map<string, string>()
  for (const r of rows) {
    const [table, name] = [String(r.t), String(r.n)]
    if (!tracked.has(table)) continue
    // The backend's own change-tracking triggers are private too, but are no copy.
    if (!isPrivateName(name)) out.set(`${table}\u0000${copyName(name)}`, name)
    else if (name.startsWith(COPY_PREFIX)) out.set(`${table}\u0000${name}`, out.get(`${table}\u0000${name}`) ?? name.slice(COPY_PREFIX.length))
  }
  return out
}

/** The app's triggers a path created or dropped on tracked tables: DDL the rows' restore leaves in place. */
function triggerChanges(before: AppTriggers, after: AppTriggers | undefined): SchemaChange[] {
  if (!after) return []
  const table = (key: string) => key.slice(0, key.indexOf('\u0000'))
  const changes: SchemaChange[] = []
  for (const [key, name] of after) if (!before.has(key)) changes.push({ table: table(key), what: `table \`${table(key)}\`: trigger \`${name}\` was created` })
  for (const [key, name] of before) if (!after.has(key)) changes.push({ table: table(key), what: `table \`${table(key)}\`: trigger \`${name}\` was dropped` })
  return changes
}

/**
 * The view of information_schema that lists InnoDB's table ids, if this server has one and the user may
 * read it (PROCESS): INNODB_SYS_TABLES on MariaDB, INNODB_TABLES on MySQL 8. Without it a TRUNCATE is seen
 * by its AUTO_INCREMENT counter only, so any error here just means no such view for this backend.
 */
async function tableIdsView(conn: Connection): Promise<TableIdsView | undefined> {
  for (const decode of [true, false])
    for (const view of ['INNODB_SYS_TABLES', 'INNODB_TABLES']) {
      try {
        // LIMIT 1, not 0: with nothing to read, MariaDB never asks for PROCESS, and the first real read failed.
        // The very expression each probe runs, so that a server that cannot decode names falls back here.
        await conn.query(`${tableIdsSelect({ view, decode })} LIMIT 1`)
        return { view, decode }
      } catch {}
    }
  return undefined
}

/** The view to read table ids from, and whether this server decodes the names it holds (see tableIdsSelect). */
interface TableIdsView {
  view: string
  decode: boolean
}

/**
 * NAME there is `database/table` in the server's file name encoding: a character outside [A-Za-z0-9_]
 * is written `@` and a code (`app-settings` is `app@002dsettings`). Compared as written, such a table
 * (or any table of such a database) never matched its tracked name, and its TRUNCATE went unseen with
 * PROCESS granted. Each part is decoded with the `filename` character set where the server knows it.
 */
function tableIdsSelect({ view, decode }: TableIdsView): string {
  const decoded = (sql: string) => (decode ? `CONVERT(CONVERT(${sql} USING binary) USING filename)` : sql)
  // A partition is listed as `table#P#partition` (and `#SP#` for a subpartition): it counts as its table's.
  return `SELECT ${decoded(`SUBSTRING_INDEX(NAME, '/', 1)`)} AS d, ${decoded(`SUBSTRING_INDEX(SUBSTRING_INDEX(NAME, '/', -1), '#P#', 1)`)} AS n, TABLE_ID AS id FROM information_schema.${view}`
}

/** The table ids of `db`: compared without case here (a superset), exactly in #probe. */
function tableIdsSql(format: (sql: string, values: unknown[]) => string, v: TableIdsView, db: string): string {
  return v.decode
    ? format(`${tableIdsSelect(v)} WHERE CONVERT(CONVERT(SUBSTRING_INDEX(NAME, '/', 1) USING binary) USING filename) = ?`, [db])
    : format(`${tableIdsSelect(v)} WHERE NAME LIKE ?`, [`${db}/%`])
}
