import type { ServerError } from './protocol/messages'
import { type Caveat, RESERVED_SAVEPOINT_PREFIX, type Refusal } from './sql'

/** What the proxy refused, for the backend to turn into a critical issue. */
export interface RefusalRecord {
  readonly reason: Refusal | 'replication' | 'idle-in-transaction' | 'temp-table-dropped' | 'enum-value-uncommitted'
  readonly what: string
  readonly code: string
  readonly message: string
  /** What to do about it, as the error the app got says (absent from a proxy of an older version). */
  readonly hint?: string
}

/** The record of a refusal, from the error the app (or its connection attempt) got for it. */
export function refusalRecord(reason: RefusalRecord['reason'], what: string, error: ServerError): RefusalRecord {
  return { reason, what, code: error.code, message: error.message, ...(error.hint ? { hint: error.hint } : {}) }
}

const FIX = 'use the snapshot mechanism of @venomqa/state-postgres for this app'

/** The error a refused statement gets: SQLSTATE as PostgreSQL would use, and the fix. */
export function refusalError(reason: Refusal, what: string): ServerError {
  if (reason === 'listen')
    return {
      severity: 'ERROR',
      code: '0A000',
      message: `venomqa-pg-proxy refuses LISTEN: notifications are delivered at commit, and the proxy never commits`,
      hint: `Notifications cannot reach this app through the proxy; ${FIX}.`,
    }
  if (reason === 'notify')
    return {
      severity: 'ERROR',
      code: '0A000',
      message: `venomqa-pg-proxy refuses ${what}: a notification is delivered when its transaction commits, and the proxy never commits, so no listener would ever get it`,
      hint: `Notifications cannot leave this app through the proxy; ${FIX}.`,
    }
  if (reason === 'transaction-control-in-procedure')
    return {
      severity: 'ERROR',
      code: '2D000',
      message: `venomqa-pg-proxy: ${what}: a procedure that commits or rolls back cannot run behind the proxy, where every statement runs inside one transaction that is never committed`,
      hint: `${FIX[0]!.toUpperCase()}${FIX.slice(1)}.`,
    }
  if (reason === 'two-phase')
    return {
      severity: 'ERROR',
      code: '0A000',
      message: `venomqa-pg-proxy refuses ${what}: two-phase commit needs a real commit, and the proxy never commits`,
      hint: `${FIX[0]!.toUpperCase()}${FIX.slice(1)}.`,
    }
  if (reason === 'reserved-savepoint')
    return {
      severity: 'ERROR',
      code: '42939',
      message: `venomqa-pg-proxy refuses ${what}: savepoint names that start with ${RESERVED_SAVEPOINT_PREFIX} are the proxy's own (its checkpoints are savepoints of the app's one transaction)`,
      hint: 'Give the savepoint another name.',
    }
  if (reason === 'unreadable-savepoint')
    return {
      severity: 'ERROR',
      code: '42939',
      message: `venomqa-pg-proxy refuses ${what}: it cannot read this savepoint name's Unicode escapes, and a name it cannot read could be one of its own (${RESERVED_SAVEPOINT_PREFIX}...: its checkpoints are savepoints of the app's one transaction)`,
      hint: 'Write the savepoint name without Unicode escapes, or with valid ones and no backslash in its UESCAPE.',
    }
  return {
    severity: 'ERROR',
    code: '25001',
    message: `venomqa-pg-proxy refuses ${what}: it cannot run inside a transaction block, and behind the proxy everything runs inside one`,
    hint: `Run it against the database directly (before the run, or in setup), or ${FIX}.`,
  }
}

export const replicationRefused: ServerError = {
  severity: 'FATAL',
  code: '0A000',
  message: 'venomqa-pg-proxy refuses replication connections: the proxy serves one never-committed transaction, which has no WAL to stream',
  hint: `Connect replication clients to the database itself, or ${FIX}.`,
}

export function idleInTransactionError(idleMs: number): ServerError {
  return {
    severity: 'FATAL',
    code: '25P03',
    message: `venomqa-pg-proxy: this connection stayed idle inside a transaction for ${idleMs} ms while another connection waited for the database; the proxy runs one transaction at a time, so the other could never go on`,
    detail: 'The app holds a transaction open on one connection while it waits for work on another one (or forgot to end a transaction).',
    hint: `${FIX[0]!.toUpperCase()}${FIX.slice(1)}, or raise idleInTransactionTimeoutMs if the app is only slow.`,
  }
}

/**
 * A temporary table the app used that a rollback to a checkpoint dropped: it was made after the
 * checkpoint (a pool's connect hook, say), and behind the proxy a temporary table is made inside the run's
 * one transaction, so the rollback undoes its CREATE like any other change. The server's error stays; this
 * hint says why, and the run gets a critical issue instead of a bug that comes and goes.
 */
export function tempTableDroppedHint(table: string, checkpoint: string): string {
  return `The temporary table "${table}" was made after checkpoint "${checkpoint}", and the rollback to checkpoint "${checkpoint}" dropped it: behind the proxy a temporary table is made inside the run's one transaction. Make it before the run's first checkpoint (at the app's start), or where it is used (CREATE TEMP TABLE IF NOT EXISTS in the same transaction), or ${FIX}.`
}

/**
 * An enum value the app cannot use (55P04): PostgreSQL lets a transaction use a value ALTER TYPE ... ADD
 * VALUE added only once that is committed, and behind the proxy nothing is, so a value a migration of the
 * app's added through it stays unusable for the whole run, though the app committed it. Said after the
 * server's own hint, which alone tells the app to commit what it did commit.
 */
export function uncommittedEnumValueHint(serverHint: string | undefined): string {
  return `${serverHint ? `${serverHint} ` : ''}Behind venomqa-pg-proxy nothing is ever committed: an enum value added through the proxy (ALTER TYPE ... ADD VALUE, by a migration of the app's, say) cannot be used until the proxy stops, though the app committed it. Add the value on the database directly, before the proxy starts (run that migration there), or ${FIX}.`
}

/** A COPY FROM STDIN whose data stopped coming: the same deadline as a connection idle in its transaction. */
export function stalledCopyError(idleMs: number): ServerError {
  return {
    severity: 'FATAL',
    code: '25P03',
    message: `venomqa-pg-proxy: this connection sent no data to its COPY FROM STDIN for ${idleMs} ms while another connection waited for the database; the proxy runs one statement at a time, so the other could never go on`,
    detail: 'The COPY was failed and its transaction undone.',
    hint: 'End the COPY (CopyDone or CopyFail) once its data is sent, or raise idleInTransactionTimeoutMs if the app is only slow.',
  }
}

/** Said once per proxy, the first time it applies. */
export const CAVEATS: Record<Caveat | 'frozen-clock' | 'set-transaction' | 'idle-timeout-setting', string> = {
  'frozen-clock':
    'now(), current_timestamp and transaction_timestamp() return the start of the proxy\'s base transaction for every statement of the run; clock_timestamp() still moves',
  'advisory-lock':
    'advisory locks never contend between the app\'s connections behind the proxy (they all share one database session), and transaction-level ones are held until the proxy stops',
  'row-lock':
    'row and table locks (SELECT ... FOR UPDATE, LOCK) never contend between the app\'s connections behind the proxy: its transactions run one at a time in one database session',
  'set-config-name':
    "set_config() with a setting name that is not a string literal (a parameter, an expression) is not followed behind the proxy: the setting stays on the one database session the app's connections share, so its other connections, and new ones, see it; write the name as a literal",
  'set-transaction':
    'SET TRANSACTION is accepted and ignored behind the proxy, but for READ ONLY and READ WRITE, which hold as on PostgreSQL: every transaction of the app runs at the isolation level of the proxy\'s base transaction',
  'idle-timeout-setting':
    "idle_in_transaction_session_timeout is accepted and ignored behind the proxy (a SET of it, a set_config() call, or a client's startup parameter): the proxy's database session is always inside the run's transaction, which the server would end, with everything the run did, once the app sat idle that long; a connection idle in its own transaction while another waits is ended after idleInTransactionTimeoutMs instead",
}
