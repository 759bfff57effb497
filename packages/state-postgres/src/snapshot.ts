import { type OpenCheckpoint, StateError } from '@venomqa/core'
import type pg from 'pg'
import {
  PRIVATE_SCHEMA,
  type Fingerprint,
  type SchemaChange,
  changedObject,
  type TrackedSequence,
  type TrackedTable,
  expandSummedChanges,
  fingerprint,
  readSummed,
  replaceSummed,
  isSumKind,
  type SumKind,
  schemaChanges,
  untrackedDependents,
  shapeQuery,
  toFingerprint,
  findSequences,
  type UnmatchedTable,
  describeUnmatched,
  findTables,
} from './catalog'
import { PostgresBackend } from './backend'
import { describePgError, where } from './connection'
import { bigintLiteral } from './sql'
import { S, installSql, restoreSql, triggerSql } from './tracking'
import { type SequenceValues, readSequencesSql, setvalSql, toSequenceValues, truncateSql } from './common'
import { type InFlightWriter, describeWriter, howToEndWriters, inFlightWritersSql, lockHoldersSql, toInFlightWriters, waitForInFlightWriters } from './inflight'
import { ObservedCounts } from './observed-counts'
import { type BoundTable, describeRowSecurityBinds, rowSecurityBindsSql, rowSecuritySuggestion, toBoundTables } from './row-security'
import {
  type LargeObjects,
  READ_LARGE_OBJECTS_SQL,
  describeLargeObjectsLeft,
  largeObjectChanges,
  toLargeObjects,
  unlinkLargeObjectsSql,
} from './large-objects'

/** How long one try at dropping the change tracking waits for a lock (see leave()), ms. */
const DROP_ATTEMPT_MS = 200

/** A lock the statement waited for past its lock_timeout (55P03), or a deadlock the server broke (40P01). */
function isLockConflict(err: unknown): boolean {
  const code = (err as { code?: string } | undefined)?.code
  return code === '55P03' || code === '40P01'
}

/**
 * A restore that met a row another session changed after the restore's snapshot (40001), a key taken by a
 * row committed after it (23505, or 23P01 for an exclusion constraint: a booking's range taken meanwhile),
 * or a deadlock with a transaction of the app (40P01, see restore()) starts over, seeing that write: up to
 * this many times in all, and while lockTimeoutMs lasts. A key taken by a row the log does not know of
 * fails the same way every time, and is then told.
 */
const RESTORE_ATTEMPTS = 3

function isWriteConflict(err: unknown): boolean {
  const code = (err as { code?: string } | undefined)?.code
  return code === '40001' || code === '23505' || code === '23P01' || code === '40P01'
}

/** One advisory lock per database: two runs restoring the same tables would undo each other's work. */
const LOCK_KEY = [1986948205, 1] as const

interface SnapshotCheckpoint {
  mark: string
  sequences: SequenceValues
  /** Every large object's state (see large-objects.ts): none is in the undo log. */
  largeObjects: LargeObjects
}

/**
 * The `snapshot` mechanism: works while the app under test keeps its own connections open. Triggers
 * record what every statement changes; a rollback puts back, in one transaction with foreign keys and
 * triggers off, only the rows changed since the checkpoint, and resets the sequences.
 */
export class PostgresSnapshotBackend extends PostgresBackend<SnapshotCheckpoint> {
  readonly mechanism = 'snapshot'
  readonly leftWhenQuit = `keeps its tracking in the database (schema ${PRIVATE_SCHEMA}, with triggers on the app's tables)`
  #tables: TrackedTable[] = []
  #byOid = new Map<string, TrackedTable>()
  #sequences: TrackedSequence[] = []
  #baseline: Fingerprint = new Map()
  /**
   * Each function, procedure, type and relation's owner, row security and rules as at the baseline, which
   * the shape sums up per schema: which ones changed, when a sum moved.
   */
  #summed: Fingerprint = new Map()
  /** Row counts for observe(), kept between calls and recounted where the log says something changed. */
  readonly observed = new ObservedCounts()
  /** True when the last connect found and removed tracking left by a run that died. */
  cleanedLeftovers = false

  /**
   * A quit run (a second Ctrl-C): a rollback under way is let finish, so that the run hears of it (its
   * rollback hook) and the quit does not say the journey was left unrestored. Cut short by the process
   * ending, its one transaction may still commit on the server, or not: what the quit said was a guess.
   */
  async letGo(): Promise<void> {
    await this.rollbackUnderWay()
  }

  /** The tables being tracked, `schema.name`. */
  get tables(): string[] {
    return this.#tables.map((t) => `${t.schema}.${t.name}`)
  }

  protected connectsTo() {
    return { url: this.options.url, purpose: 'track changes' }
  }

  protected async prepare(client: pg.Client): Promise<void> {
    // Row images are read back as text: pin the settings that decide how they parse. No JIT: the schema
    // check's plan is estimated (generically, over every catalog) near PostgreSQL's default jit_above_cost
    // (100000), and past it, as with the catalogs' statistics out of date after DDL, each checkpoint and
    // rollback compiled it: about 250 ms instead of 7 ms. The backend's other statements gain nothing by it.
    await client.query(
      `SET lock_timeout = ${Math.round(this.options.lockTimeoutMs)}; SET DateStyle = 'ISO, MDY'; SET IntervalStyle = postgres; SET extra_float_digits = 3; SET jit = off`,
    )
    await this.#checkCanRestore(client)
    // Foreign keys and the app's triggers off for this session's writes, which are the restores' (and
    // reset's TRUNCATE, which turns them on again for itself). Set once for the session rather than in each
    // restore's transaction: every change of the setting drops the plans the session has cached, and the
    // schema check's plan cost about 2 ms to make again at each checkpoint and rollback.
    await client.query('SET session_replication_role = replica')
    await this.#lock(client)
    await this.#install(client, { onConnect: true })
  }

  protected capture(client: pg.Client, name: string): Promise<SnapshotCheckpoint> {
    const doing = `checkpoint "${name}"`
    const deadline = Date.now() + this.options.lockTimeoutMs
    return this.step(doing, async () => {
      for (;;) {
        await this.#checkCanCheckpoint(client, doing)
        // With no checkpoint open, nothing older than this one can ever be restored.
        const purge = this.stack.size === 0 ? `DELETE FROM ${S}.log; ` : ''
        if (purge) this.observed.invalidate()
        const taken = await this.#markUnlessWriterInFlight(client, purge, doing, deadline)
        if (!taken) continue
        // Refused after the mark, which moved for nothing: harmless, as when writers were waited for (a
        // rollback to the open checkpoint reads the log from its own mark, and keeps the first entry of each
        // key after it; a table without a key is copied once more after the new mark, and that copy unused).
        const under = this.stack.names.at(-1)
        if (under !== undefined) this.#refuseChangedLargeObjects(doing, under, taken.largeObjects)
        return taken
      }
    })
  }

  /**
   * Refuse a checkpoint the schema or row-level security does not allow, before its mark: under an open
   * checkpoint a path changed the schema of, or when row security binds the backend's user. With no
   * checkpoint open, a changed schema is tracked anew instead.
   */
  async #checkCanCheckpoint(client: pg.Client, doing: string): Promise<void> {
    // Read-only: the schema and the tables row security binds on.
    let [shape, bound] = await this.#readShapeAndBound(client)
    const { changes, summed } = await this.#changesSinceBaseline(client, shape)
    const under = this.stack.names.at(-1)
    if (changes.length) {
      if (under !== undefined) throw this.#schemaChanged(doing, under, changes)
      // No checkpoint open: nothing to protect, track the new schema from here on. A refreshed materialized
      // view or a changed enum changes no table's tracking: taking the new shape as the baseline is enough
      // (an app that refreshes a view on every request would otherwise reinstall it at every checkpoint).
      if (changes.some((c) => c.kind === 'table' || c.kind === 'sequence')) {
        await this.#install(client, { onConnect: false })
        ;[, bound] = await this.#readShapeAndBound(client)
      } else {
        this.#baseline = shape
        this.#summed = summed
      }
    }
    if (bound.length) throw this.#rowSecurityBinds(doing, bound, 'checkpoint')
  }

  /**
   * A checkpoint under `under` after a path changed or removed one of its large objects would hold them as
   * the path left them, and a rollback to it would succeed: the rollback to `under` would fail only once
   * the whole subtree below was explored, far from the step that changed them. Refused, as for DDL. Large
   * objects created since are no reason: a rollback to `under` removes them.
   */
  #refuseChangedLargeObjects(doing: string, under: string, now: LargeObjects): void {
    const { changed, removed } = largeObjectChanges(this.stack.get(under).largeObjects, now)
    if (!changed.length && !removed.length) return
    const left = describeLargeObjectsLeft({ created: [], changed, removed, unreadable: [] }, [], this.target.user)
    throw this.#largeObjectsLeft(doing, under, left, 'checkpoint')
  }

  /**
   * Take the mark (after `purge`, empty or the statement that empties the log) at a moment no other session
   * has a transaction open with writes to tracked tables or large objects, and read the sequences and the
   * large objects, all in one statement batch.
   *
   * Such a transaction logs each write as it makes it, so a mark taken while it is open falls between its
   * writes: a rollback to it would undo the later ones and keep the earlier, half a transaction, once it
   * commits. So the writers are looked for just after the mark, in the same batch: none then means every
   * write logged before the mark was committed, and a transaction that writes later logs after it. Writers
   * found are waited for, as a restore waits (up to `deadline`), and undefined returned: the caller takes a
   * new mark, and reads again what the writers did meanwhile.
   *
   * The sequences and the large objects are read after the mark and the look: a row a rollback to this
   * checkpoint keeps was committed before the look (a transaction still open then is waited for) and took
   * its id before it, so the saved value covers every such id. Read before the mark, in a round trip of its
   * own, a sequence missed the nextval of an insert that committed between the two: the rollback set it
   * back below that row's id, and the app's next insert failed on its key. A row inserted after the mark
   * and before the read is undone by a rollback, and its id is skipped after it; with no app write
   * meanwhile, ids continue as they did at the checkpoint. Likewise, the large objects saved hold every
   * change committed before the look.
   *
   * The mark is committed before those reads, which take as long as the large objects' content does to
   * digest: a table without a key is copied by the first statement that changes it after the mark its
   * trigger sees, and until the mark commits that is the previous one. A transaction of the app that wrote
   * such a table and one with a key during the reads had only the second undone by a rollback to this
   * checkpoint, the first left as it made it.
   *
   * One window is left: a transaction that writes once before the mark and once more after it, and commits
   * in the microseconds between the mark and the look that follows it in the same batch. Closing it would
   * take a lock on every tracked table at each checkpoint (LOCK ... IN SHARE MODE NOWAIT), which would also
   * refuse a checkpoint while a session merely holds a write lock it has not used.
   */
  async #markUnlessWriterInFlight(client: pg.Client, purge: string, doing: string, deadline: number): Promise<SnapshotCheckpoint | undefined> {
    const inFlight = inFlightWritersSql(this.#tables)
    const marking = `BEGIN; ${purge}UPDATE ${S}.state SET mark = nextval('${PRIVATE_SCHEMA}.seq'), generation = nextval('${PRIVATE_SCHEMA}.generation') RETURNING mark::text; ${inFlight}; COMMIT`
    const batch = `${marking}; ${readSequencesSql(this.#sequences)}; ${READ_LARGE_OBJECTS_SQL}`
    let results: pg.QueryResult[]
    try {
      results = (await client.query(batch)) as unknown as pg.QueryResult[]
    } catch (err) {
      // A failure between BEGIN and COMMIT leaves the session's transaction aborted, not ended.
      await client.query('ROLLBACK').catch(() => {})
      throw err
    }
    const [marked, writers, , seqs, los] = results.slice(-5)
    if (!writers!.rows.length)
      return { mark: marked!.rows[0].mark as string, sequences: toSequenceValues(this.#sequences, seqs!.rows), largeObjects: toLargeObjects(los!.rows) }
    // Past the deadline, writers at the mark refuse the checkpoint, though they may be gone by the next look:
    // an app that writes without pause has one in flight at every mark, and the checkpoint marked for ever.
    if (Date.now() >= deadline) throw this.#writesInFlight(doing, toInFlightWriters(writers!.rows), 'checkpoint')
    const open = await waitForInFlightWriters(client, inFlight, deadline)
    if (open.length) throw this.#writesInFlight(doing, open, 'checkpoint')
    return undefined
  }

  /**
   * Put back the rows changed since the mark, and the sequences. A path that ran DDL leaves the tables whose
   * shape it changed as they are (their saved rows may no longer fit them), but every other table is
   * restored all the same, so that the next path does not meet this one's rows there; the rollback then
   * fails, naming what it could not put back.
   *
   * A transaction of the app that writes while the restore runs is undone whole, by this rollback or by the
   * next one to the same checkpoint or an outer one:
   * - The restore works from one snapshot (REPEATABLE READ), taken with its look for writers: the tables it
   *   finds changed, the rows it puts back and the log entries it removes are the same ones. Read committed,
   *   each statement read the log anew: the entries of a transaction committed after the first round trip
   *   (which found the tables to put back) were removed by the second, and its rows in a table the path
   *   left alone stayed for good. A write committed after the snapshot stays, logged after the mark, for the
   *   next rollback; one that meets a row the restore puts back fails the restore, which starts over.
   * - A statement on a table without a key copies it when the log holds no copy after the mark. Its trigger
   *   read the mark and the log as they were before the restore committed: it found the copy the restore
   *   was removing and took none (the next rollback left its rows), or, above a checkpoint the rollback
   *   drops, copied the table as the path had left it (which the next rollback put back). So the restore
   *   first locks the mark's table, which such a trigger reads: a statement on a keyless table waits there,
   *   before its snapshot, until the restore commits, then copies the table restored.
   */
  protected async restore(client: pg.Client, name: string, cp: SnapshotCheckpoint): Promise<StateError | undefined> {
    const doing = `rollback to "${name}"`
    const deadline = Date.now() + this.options.lockTimeoutMs
    return this.step(doing, async () => {
      for (let attempt = 1; ; attempt++) {
        try {
          return await this.#restoreOnce(client, name, cp, doing, deadline)
        } catch (err) {
          await client.query('ROLLBACK').catch(() => {})
          if (!isWriteConflict(err)) throw err
          if (attempt < RESTORE_ATTEMPTS && Date.now() < deadline) continue
          throw this.#writeConflict(doing, err, attempt)
        }
      }
    })
  }

  async #restoreOnce(client: pg.Client, name: string, cp: SnapshotCheckpoint, doing: string, deadline: number): Promise<StateError | undefined> {
    const mark = bigintLiteral(cp.mark)
    const inFlight = inFlightWritersSql(this.#tables, { markReaders: true })
    const started = await this.#openRestore(client, mark, inFlight, doing, deadline)
    const { changes } = await this.#changesSinceBaseline(client, toFingerprint(started.shape, this.scope))
    const reshaped = this.#reshapedTables(changes)
    const dirty = started.dirty.map((r) => r.rel as string)
    const bound = toBoundTables(started.bound).filter((b) => dirty.includes(b.oid))
    if (bound.length) throw this.#rowSecurityBinds(doing, bound, 'restore', changes)
    // Large objects a path created are removed, in this transaction; those it changed or removed stay.
    const largeObjects = largeObjectChanges(cp.largeObjects, toLargeObjects(started.los))
    const notRemoved = largeObjects.created.length ? (await client.query(unlinkLargeObjectsSql(largeObjects.created))).rows.map((r) => r.lo as string) : []
    const largeObjectsLeft = describeLargeObjectsLeft(largeObjects, notRemoved, this.target.user)
    const parts: string[] = []
    for (const oid of dirty) {
      const table = this.#byOid.get(oid)
      if (!table) throw new Error(`changes recorded for an unknown table (oid ${oid})`)
      if (!reshaped.has(table)) parts.push(restoreSql(table, mark))
    }
    if (dirty.length) parts.push(`DELETE FROM ${S}.log WHERE seq > ${mark};`)
    // The restored tables' counts are what they were at the mark, which the log no longer says.
    this.observed.invalidate(dirty)
    // A new generation: a transaction of the app whose snapshot is older finds its statements on a table
    // without a key refused, not logged against this restore's mark as it was before (see capture_table).
    parts.push(`UPDATE ${S}.state SET mark = ${mark}, generation = nextval('${PRIVATE_SCHEMA}.generation');`)
    const sequences = changes.length ? this.#sequencesStillFitting(cp.sequences, changes, reshaped) : cp.sequences
    if (sequences.length) parts.push(`${setvalSql(sequences)};`)
    parts.push('COMMIT;')
    await client.query(parts.join('\n'))
    if (changes.length) return this.#schemaChanged(doing, name, changes, { restored: true, largeObjectsLeft })
    return largeObjectsLeft.length ? this.#largeObjectsLeft(doing, name, largeObjectsLeft) : undefined
  }

  /**
   * Open the restore's transaction, in one round trip: foreign keys and triggers off (as they already are
   * for the session, see prepare()), no wait for the WAL flush of throwaway test data, the mark's table
   * locked (see restore()), then the look for writes of other sessions still in flight (pg_stat_activity
   * read only when one holds a write lock, see inFlightWritersSql), the schema, the tables changed since the
   * mark, the large objects, and which tables row-level security binds the backend's user on. With
   * row_security off, a statement that row-level security would filter fails instead (see row-security.ts).
   *
   * The lock comes before the snapshot, which the look takes: a writer that has not committed by then is
   * either seen (and waited for) or, holding no lock the look tells, writes after it and commits unseen,
   * logged after the mark. The lock is not waited for (NOWAIT): a transaction that ran a statement on a
   * keyless table holds it for reading to its end, and is waited for, as a writer, out of the transaction.
   * Writers found are waited for the same way, up to `deadline`; then the transaction is opened anew.
   */
  async #openRestore(client: pg.Client, mark: string, inFlight: string, doing: string, deadline: number) {
    const begin = `BEGIN ISOLATION LEVEL REPEATABLE READ; SET LOCAL session_replication_role = replica; SET LOCAL synchronous_commit = off; SET LOCAL row_security = off; LOCK TABLE ${S}.state IN ACCESS EXCLUSIVE MODE NOWAIT; ${inFlight}; `
    const rest = `${shapeQuery(this.scope)}; SELECT DISTINCT rel::int8::text AS rel FROM ${S}.log WHERE seq > ${mark}; ${READ_LARGE_OBJECTS_SQL}; ${rowSecurityBindsSql(this.#tables)}`
    for (let pause = 5; ; pause = Math.min(pause * 2, 100)) {
      let results: pg.QueryResult[] = []
      let locked: unknown
      try {
        results = (await client.query(begin + rest)) as unknown as pg.QueryResult[]
      } catch (err) {
        if ((err as { code?: string }).code !== '55P03') throw err
        locked = err
      }
      const [writers, shape, dirty, los, bound] = results.slice(-5)
      if (writers && !writers.rows.length) return { shape: shape!.rows, dirty: dirty!.rows, los: los!.rows, bound: bound!.rows }
      // Their log entries are invisible until they commit: restoring now would leave their rows to land on
      // the next path. Wait outside the transaction (pg_stat_activity is read once per transaction).
      await client.query('ROLLBACK')
      // Past the deadline, writers at the look refuse the rollback though they may be gone by the next one,
      // as a checkpoint's mark does (see #markUnlessWriterInFlight): else an app writing without pause kept
      // it looking for ever.
      if (writers && Date.now() >= deadline) throw this.#writesInFlight(doing, toInFlightWriters(writers.rows))
      const open = await waitForInFlightWriters(client, inFlight, deadline)
      if (open.length) throw this.#writesInFlight(doing, open)
      if (locked === undefined) continue
      // The lock was held by a transaction the look no longer (or never) saw: try again shortly.
      if (Date.now() >= deadline) throw this.#markLocked(doing, locked)
      await new Promise((r) => setTimeout(r, Math.min(pause, Math.max(0, deadline - Date.now()))))
    }
  }

  /**
   * What differs from the baseline. Functions, procedures, types and the relations' owners, row security and
   * rules are summed up per schema in the shape: when a sum moved, the objects of its kind are read (one more
   * round trip) to name the ones that changed. A sum that moved for nothing in scope (a policy on an
   * excluded table) is taken into the baseline, so that the next checkpoint does not read them again.
   */
  async #changesSinceBaseline(client: pg.Client, shape: Fingerprint): Promise<{ changes: SchemaChange[]; summed: Fingerprint }> {
    const found = schemaChanges(this.#baseline, shape)
    const moved = found.filter((c) => isSumKind(c.kind)).map((c) => c.kind as SumKind)
    if (!moved.length) return { changes: found, summed: this.#summed }
    const summed = replaceSummed(this.#summed, await readSummed(client, this.scope, moved), (kind) => moved.includes(kind))
    const { changes, absorbed } = expandSummedChanges(found, this.#summed, summed)
    for (const sum of absorbed) {
      const key = `${sum.kind} ${sum.name}`
      const now = shape.get(key)
      if (now) this.#baseline.set(key, now)
      else this.#baseline.delete(key)
      this.#summed = replaceSummed(this.#summed, summed, (kind, schema) => kind === sum.kind && `${schema}.` === sum.name)
    }
    return { changes, summed }
  }

  /** The tracked tables whose shape `changes` says a path changed (dropped ones included): their rows stay. */
  #reshapedTables(changes: SchemaChange[]): Set<TrackedTable> {
    if (!changes.length) return new Set()
    const names = new Set(changes.filter((c) => c.kind === 'table').map((c) => c.name))
    return new Set(this.#tables.filter((t) => names.has(`${t.schema}.${t.name}`)))
  }

  /**
   * The saved sequence values that can still be set: not of a sequence a path dropped or changed, nor of one
   * whose table keeps the path's rows (set back below their ids, the app's next insert would fail on its key).
   */
  #sequencesStillFitting(saved: SequenceValues, changes: SchemaChange[], reshaped: Set<TrackedTable>): SequenceValues {
    const changedSequences = new Set(changes.filter((c) => c.kind === 'sequence').map((c) => c.name))
    const keptTables = new Set([...reshaped].map((t) => t.sql))
    return saved.filter((s) => !changedSequences.has(s.seq.display) && !(s.seq.ownedBy && keptTables.has(s.seq.ownedBy.table)))
  }

  /** With no checkpoint left, the change log is of no more use: empty it. */
  protected async released(client: pg.Client, gone: OpenCheckpoint<SnapshotCheckpoint>[]): Promise<void> {
    if (this.stack.size === 0) {
      this.observed.invalidate()
      await this.step(`release "${gone[0]!.name}"`, () => client.query(`DELETE FROM ${S}.log`))
    }
  }

  /**
   * Drop every trigger, function and table the backend created. Dropping a trigger locks its table
   * exclusively, which a transaction of the app still open at the end of the run keeps from happening. A
   * DROP left to wait would also hold the locks it already has, on the log first: the app's next write to
   * a tracked table would then wait on it, while it waits on the app (a deadlock, which the server ended by
   * failing the DROP). So the drop waits, without a lock, for the other sessions to let go of the tracked
   * tables, then tries with a short lock_timeout, and again until lockTimeoutMs has passed. Left installed,
   * the triggers go on logging every write of the app: that fails loudly, saying how to remove them.
   */
  protected async leave(client: pg.Client): Promise<void> {
    const deadline = Date.now() + this.options.lockTimeoutMs
    const holders = lockHoldersSql(this.#tables)
    await this.step('remove change tracking', async () => {
      for (let pause = 5; ; pause = Math.min(pause * 2, 100)) {
        await waitForInFlightWriters(client, holders, deadline)
        try {
          await client.query(`BEGIN; SET LOCAL lock_timeout = ${DROP_ATTEMPT_MS}; DROP SCHEMA IF EXISTS ${S} CASCADE; COMMIT`)
          return
        } catch (err) {
          await client.query('ROLLBACK').catch(() => {})
          if (!isLockConflict(err) || Date.now() >= deadline) throw await this.#trackingLeft(client, holders, err)
        }
        await new Promise((r) => setTimeout(r, Math.min(pause, Math.max(0, deadline - Date.now()))))
      }
    })
  }

  /** The change tracking could not be dropped: what is left, who held it, and how to remove it. */
  async #trackingLeft(client: pg.Client, holders: string, err: unknown): Promise<StateError> {
    const open = isLockConflict(err) ? await client.query(holders).then((r) => toInFlightWriters(r.rows), () => []) : []
    const why = isLockConflict(err)
      ? `after ${this.options.lockTimeoutMs} ms (lockTimeoutMs), ${open.length ? open.map(describeWriter).join('; ') : 'another session'} still held a lock on a tracked table (a transaction of the app left open), so`
      : `${describePgError(err)}, so`
    const tables = this.#tables.map((t) => `${t.schema}.${t.name}`)
    const shown = tables.length > 10 ? `${tables.slice(0, 10).join(', ')} and ${tables.length - 10} more` : tables.join(', ')
    return new StateError(
      this.name,
      `remove change tracking on ${where(this.target)}: ${why} the change tracking is still installed: schema ${PRIVATE_SCHEMA} (its undo log and functions) and the triggers _venomqa_capture and _venomqa_capture_truncate on ${shown}, which go on logging every write of the app. ` +
        `Remove them with DROP SCHEMA ${PRIVATE_SCHEMA} CASCADE once that transaction has ended${open.length ? ` (or ${howToEndWriters(open, (pid) => `end the session: SELECT pg_terminate_backend(${pid})`)})` : ''}; the next snapshot backend to connect to this database removes them too.`,
      { cause: err },
    )
  }

  /** Empty every tracked table and restart its sequences (a rollback to an open checkpoint still works). */
  async reset(): Promise<void> {
    const client = this.connected()
    this.observed.invalidate()
    // The TRUNCATE triggers of the tracking must fire (a rollback to an open checkpoint puts the rows back).
    await this.step('reset', async () => {
      try {
        await client.query(`BEGIN; SET LOCAL session_replication_role = origin; ${truncateSql(this.#tables, this.#sequences)} COMMIT`)
      } catch (err) {
        await client.query('ROLLBACK').catch(() => {})
        throw err
      }
    })
  }

  /** Row counts per tracked table. */
  async observe(): Promise<Record<string, unknown>> {
    const client = this.connected()
    return this.step('observe', () => this.observed.read(client, this.#tables))
  }

  async #checkCanRestore(client: pg.Client): Promise<void> {
    try {
      await client.query('BEGIN; SET LOCAL session_replication_role = replica; ROLLBACK')
    } catch (err) {
      await client.query('ROLLBACK').catch(() => {})
      throw new StateError(
        this.name,
        `user "${this.target.user}" may not SET session_replication_role on ${where(this.target)}, which a snapshot ` +
          `restore needs to turn foreign keys and triggers off while it puts rows back: ${describePgError(err)}. ` +
          `Connect as a superuser, or run (PostgreSQL 15+): GRANT SET ON PARAMETER session_replication_role TO "${this.target.user}"`,
        { cause: err },
      )
    }
  }

  async #lock(client: pg.Client): Promise<void> {
    const { rows } = await this.step('take the run lock', () =>
      client.query('SELECT pg_try_advisory_lock($1, $2) AS ok', [...LOCK_KEY]),
    )
    if (rows[0].ok) return
    const holder = await client
      .query(
        `SELECT a.pid, a.backend_start FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid
         WHERE l.locktype = 'advisory' AND l.classid = $1 AND l.objid = $2 AND l.objsubid = 2 AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())`,
        [...LOCK_KEY],
      )
      .then((r) => r.rows[0])
      .catch(() => undefined)
    const who = holder ? ` (server pid ${holder.pid}, connected since ${new Date(holder.backend_start).toISOString()})` : ''
    throw new StateError(
      this.name,
      `another VenomQA snapshot backend is already tracking ${where(this.target)}${who}. Two runs restoring the same ` +
        `tables would undo each other's writes: give each parallel run its own database.`,
    )
  }

  /**
   * A name of `tables` that matches no table once connected: the app dropped it (or renamed it) since
   * connect, where connect itself refused a name the database never had (see optionNamesMistake).
   */
  #unmatchedTables({ missing }: { missing: UnmatchedTable[] }): StateError | undefined {
    if (!missing.length) return undefined
    const searched = `${where(this.target)} (schemas searched: ${this.options.schemas.join(', ')})`
    return new StateError(this.name, `\`tables\`: table(s) ${describeUnmatched(missing)} not found in ${searched}`, { suggestion: UNMATCHED_TABLE_SUGGESTION })
  }

  /**
   * Find the tables and install the triggers, all in one transaction. On connect, a private schema already
   * there was left by a run that died (the run lock is ours): it goes first.
   */
  async #install(client: pg.Client, { onConnect }: { onConnect: boolean }): Promise<void> {
    const t = this.target
    // A new log and maybe new tables: nothing counted before still holds.
    this.observed.invalidate()
    await this.step('install change tracking', async () => {
      await client.query('BEGIN')
      try {
        const { rows } = await client.query('SELECT 1 FROM pg_namespace WHERE nspname = $1', [PRIVATE_SCHEMA])
        if (onConnect) this.cleanedLeftovers = rows.length > 0
        if (rows.length) await client.query(`DROP SCHEMA ${S} CASCADE`)
        if (onConnect && rows.length)
          this.onNotice(
            `${where(t)} held the change tracking of an earlier run that did not remove it (killed, quit, or its connection lost): removed. What that run wrote after its first checkpoint may not have been rolled back, and is then still in the app's data.`,
          )
        // Names of the options at connect only: a table left out may come and go with the run (the app's own
        // job table), but one that never was there is a misspelt name, and the table meant would be rolled
        // back unasked. Later, a table of `tables` gone is one the app dropped: the state's problem.
        const mistake = onConnect ? await this.optionNamesMistake(client) : undefined
        if (mistake) throw mistake
        const found = await findTables(client, this.scope)
        const { tables } = found
        const unmatched = this.#unmatchedTables(found)
        if (unmatched) throw unmatched
        if (!tables.length)
          throw new StateError(
            this.name,
            `no tables to track in schema(s) ${this.options.schemas.join(', ')} of ${where(t)}: create them (run the migrations) before the run starts, or set \`schemas\` or \`tables\``,
          )
        if (onConnect) {
          const dependents = await untrackedDependents(client, tables)
          if (dependents.length)
            this.onNotice(
              `${where(t)}: ${dependents.join('; ')} ${dependents.length === 1 ? 'is' : 'are'} not tracked, but a path that deletes or updates rows of the tracked table changes ${dependents.length === 1 ? 'its' : 'their'} rows through the foreign key, and a rollback puts back the tracked rows only: those changes stay. Track ${dependents.length === 1 ? 'it' : 'them'} too (add ${dependents.length === 1 ? 'its schema' : 'their schemas'} to \`schemas\`, or ${dependents.length === 1 ? 'it' : 'them'} to \`tables\`, and take ${dependents.length === 1 ? 'it' : 'them'} out of \`exclude\`).`,
            )
        }
        await client.query(installSql())
        for (const table of tables) {
          try {
            await client.query(triggerSql(table))
          } catch (err) {
            throw new StateError(this.name, `cannot install change tracking on table ${table.schema}.${table.name} in ${where(t)}: ${describePgError(err)}`, { cause: err })
          }
        }
        this.#tables = tables
        this.#byOid = new Map(tables.map((x) => [x.oid, x]))
        this.#sequences = await findSequences(client, this.scope, tables)
        this.#baseline = await fingerprint(client, this.scope)
        this.#summed = await readSummed(client, this.scope)
        await client.query('COMMIT')
      } catch (err) {
        await client.query('ROLLBACK').catch(() => {})
        throw err
      }
    })
  }

  async #readShapeAndBound(client: pg.Client): Promise<[Fingerprint, BoundTable[]]> {
    const [shape, bound] = (await client.query(`${shapeQuery(this.scope)}; ${rowSecurityBindsSql(this.#tables)}`)) as unknown as pg.QueryResult[]
    return [toFingerprint(shape!.rows, this.scope), toBoundTables(bound!.rows)]
  }

  /**
   * Tracked tables whose row-level security binds the backend's user: it would save and put back only the
   * rows the policies let it see. A checkpoint is refused before its mark; a restore that would put one
   * back restores nothing (and says what else the path changed in the schema, `changes`).
   */
  #rowSecurityBinds(doing: string, bound: BoundTable[], what: 'checkpoint' | 'restore', changes: SchemaChange[] = []): StateError {
    const user = this.target.user
    const outcome =
      what === 'checkpoint'
        ? 'rows of other users that a path changed, added or removed would stay as the path left them after a rollback, so no checkpoint was taken.'
        : `the rows of other users that the path changed, added or removed would stay as the path left them, so nothing was restored.${changes.length ? ` The schema changed under the checkpoint too: ${changes.map((c) => c.what).join('; ')}.` : ''}`
    return new StateError(
      this.name,
      `${doing}: ${describeRowSecurityBinds(bound, this.#byOid, user, where(this.target))}: ` +
        `the snapshot mechanism would read and write only the rows its policies let that user see, and ${outcome}`,
      { suggestion: rowSecuritySuggestion(user) },
    )
  }

  /** Sessions whose transaction still held uncommitted writes to tracked tables or large objects when the wait ran out. */
  #writesInFlight(doing: string, open: InFlightWriter[], what: 'restore' | 'checkpoint' = 'restore'): StateError {
    const sessions = open.map(describeWriter).join('; ')
    // A prepared transaction (PREPARE TRANSACTION) has no session: named by its gid, ended only by COMMIT or ROLLBACK PREPARED.
    const prepared = open.some((w) => w.gid !== null)
    const who = prepared
      ? open.length === 1
        ? 'a prepared transaction'
        : `${open.length} transactions, prepared ones among them,`
      : open.length === 1
        ? 'a session'
        : `${open.length} sessions`
    // A restore waits for a transaction that ran a statement on a keyless table too, changed rows or not.
    const keyless = what === 'restore' && this.#tables.some((t) => t.primaryKey.length === 0)
    const why =
      what === 'restore'
        ? `A restore cannot see uncommitted rows, and they would land on the next path when committed, so nothing was restored${keyless ? ' (a transaction that ran a statement on a tracked table without a primary key is waited for even if it changed no row: that statement read the change log\'s mark, which the restore sets back)' : ''}. `
        : 'A checkpoint taken now would hold some of their writes and not the others: a rollback to it would keep half of a transaction once it commits, so no checkpoint was taken. '
    // What to do as the issue's suggestion: after the message, the kind's own ("check the backend's
    // connection and permissions") sent the user to a backend that had done nothing wrong.
    return new StateError(
      this.name,
      `${doing}: ${who} of ${where(this.target)} still ${prepared ? 'held' : 'had a transaction with'} uncommitted writes to tracked tables or large objects after ${this.options.lockTimeoutMs} ms (lockTimeoutMs): ${sessions}. ${why.trimEnd()}`,
      {
        suggestion:
          `Make the app commit or roll back before its response (or the step) ends: a request that answers before its transaction commits, a background job, a connection left idle in a transaction${prepared ? ', a two-phase commit left prepared' : ''}; ` +
          `raise lockTimeoutMs if it commits later; or ${howToEndWriters(open, (pid) => `end the session (SELECT pg_terminate_backend(${pid}))`)}.`,
      },
    )
  }

  /**
   * The restore met a write conflict at each of its `tries`. A key or a range taken again (23505, 23P01) by
   * a row the log does not know of fails the same way every time: the error names its table, which
   * PostgreSQL's text did not (only the constraint), and why such a row can be there.
   */
  #writeConflict(doing: string, err: unknown, tries: number): StateError {
    const { code, schema, table } = err as { code?: string; schema?: string; table?: string }
    const taken = code === '23505' || code === '23P01'
    const ofTable = schema && table ? ` of table ${schema}.${table}` : ''
    const why = taken
      ? `Another row holds that ${code === '23P01' ? 'range' : 'key'}: one the change tracking never saw written (by a session with session_replication_role = replica, as a data load or a logical replication subscriber sets it, whose writes no trigger logs), which no rollback can undo; or one the app wrote again at each try.`
      : 'Another session changed rows the restore puts back while it ran, at each try.'
    return new StateError(
      this.name,
      `${doing}: could not put back the rows${ofTable} in ${tries} ${tries === 1 ? 'try' : 'tries'} on ${where(this.target)}, so nothing was restored: ${describePgError(err)}. ${why}`,
      { cause: err, suggestion: 'Remove or change the row that holds it, or make the app stop writing before the step ends, then run again.' },
    )
  }

  /**
   * The mark's table was locked at each try, until lockTimeoutMs ran out, by transactions the look for
   * writers that followed never caught: each had ended by then (the app writing a table without a key
   * without pause while the rollback runs: a background job, requests still coming). A prepared transaction
   * that ran such a statement is no cause: the look finds it (see in_flight_writers), and names it.
   */
  #markLocked(doing: string, err: unknown): StateError {
    return new StateError(
      this.name,
      `${doing}: the change tracking's table ${PRIVATE_SCHEMA}.state was locked at each try for ${this.options.lockTimeoutMs} ms (lockTimeoutMs), by transactions no session of ${where(this.target)} still showed when the writers were looked for, so nothing was restored: ${describePgError(err)}. ` +
        'A statement on a tracked table without a primary key (or with a deferrable key) holds it to its transaction\'s end: the app kept running such statements, one after another, while the rollback ran (a background job, requests still coming in).',
      { cause: err, suggestion: "Let the app's work end before the step does (wait for its background jobs and requests), or raise lockTimeoutMs." },
    )
  }

  /**
   * Large objects a path changed or removed (or that the backend's user may not read, or may not remove)
   * are no rows the tracking put back: every table was restored, and the rollback fails naming them (or a
   * checkpoint under the one they changed under is refused, `what` 'checkpoint').
   */
  #largeObjectsLeft(doing: string, under: string, left: string[], what: 'restore' | 'checkpoint' = 'restore'): StateError {
    const outcome =
      what === 'restore'
        ? 'Every table was restored; the large objects stay as the path left them, and the next path would run on them.'
        : `A checkpoint taken now would hold them as the path left them, which no rollback to "${under}" can undo, so no checkpoint was taken.`
    return new StateError(
      this.name,
      `${doing}: the large objects of ${where(this.target)} changed under checkpoint "${under}": ${left.join('; ')}. ` +
        `The snapshot mechanism removes the large objects a path created, but cannot put back one it changed or removed. ${outcome}`,
      { suggestion: LARGE_OBJECTS_SUGGESTION },
    )
  }

  /**
   * DDL under an open checkpoint cannot be undone by putting rows back: a checkpoint is refused, and a
   * rollback (`restored`, having put back every table the DDL left alone) fails, so that no path runs on
   * unknown state. The advice is the error's own: the generic one for a state failure (check the
   * connection and permissions) would send the user the wrong way.
   */
  #schemaChanged(doing: string, under: string, changes: SchemaChange[], { restored = false, largeObjectsLeft = [] as string[] } = {}): StateError {
    const what = [...changes.map((c) => c.what), ...largeObjectsLeft].join('; ')
    const left = changes.map(changedObject)
    const outcome = restored
      ? `Every other table was restored; ${left.join(', ')} ${left.length === 1 ? 'stays' : 'stay'} as the path left ${left.length === 1 ? 'it' : 'them'}, and the next path would run on ${left.length === 1 ? 'it' : 'them'}.`
      : ''
    return new StateError(
      this.name,
      `${doing}: the schema of ${where(this.target)} changed under checkpoint "${under}": ${what}. ` +
        `DDL inside a path cannot be rolled back by the snapshot mechanism, which restores rows, not DDL. ${outcome}`.trimEnd(),
      { suggestion: SCHEMA_CHANGED_SUGGESTION },
    )
  }
}

const LARGE_OBJECTS_SUGGESTION =
  "Large objects are not in the undo log: the snapshot mechanism removes those a path created, and tells those it changed or removed. Change or remove large objects before the first checkpoint, or use mechanism 'template' (each checkpoint a copy of the whole database). One the backend's user may not read cannot be checked: connect the backend as its owner or a superuser, or GRANT SELECT ON LARGE OBJECT <oid> TO that user."

const SCHEMA_CHANGED_SUGGESTION =
  "DDL inside a path cannot be rolled back by the snapshot mechanism. Run the migrations (ALTER TABLE, CREATE INDEX, CREATE SEQUENCE, DISABLE TRIGGER...) before the first checkpoint: with no checkpoint open, the snapshot mechanism tracks the new schema. For paths that must change the schema, use mechanism 'template' (each checkpoint a copy of the whole database), or 'savepoint' when the app runs in the test's own process on the backend's connection."

const UNMATCHED_TABLE_SUGGESTION =
  "Write each name in the state backend's `tables` and `exclude` options as the database spells it (`orders`, or `schema.orders` for a schema other than those in `schemas`), or create the table (run the migrations) before the run starts."
