import type pg from 'pg'
import { PRIVATE_SCHEMA, type TrackedTable } from './catalog'
import { bigintLiteral, literal } from './sql'
import { S } from './tracking'

/**
 * Another session's transaction that has written, or locked rows of, a tracked table and is still open; or
 * a prepared transaction (PREPARE TRANSACTION) that did, which has no session (`pid` null) and is named by
 * its `gid`.
 */
export interface InFlightWriter {
  /** Null for a prepared transaction. */
  pid: number | null
  /** The prepared transaction's name; null for a session's transaction. */
  gid: string | null
  application: string
  user: string
  /** Null for a local socket, or when this role may not see it. */
  client: string | null
  /** Seconds since the transaction began (was prepared); null when this role may not see it (no pg_read_all_stats). */
  openSeconds: number | null
  state: string | null
}

/**
 * Sessions of this database, other than the backend's, whose open transaction has an xid (it wrote, or
 * locked rows FOR UPDATE) and holds more than a read lock on a tracked table. Their rows are invisible to a
 * restore until they commit, and then land on the next path: the restore must wait for them. Nothing else
 * counts: a transaction that writes only untracked tables (an excluded job queue) never holds up a restore.
 *
 * Or one that has written large objects, which no trigger logs (see large-objects.ts): one a restore did
 * not see it create lands on the next path, and one a checkpoint read before it changed or removed it
 * fails the rollback after. Writing content (lo_put, lowrite, lo_truncate, lo_import, lo_from_bytea) keeps
 * a RowExclusiveLock on pg_largeobject to the transaction's end, and lo_unlink and ALTER LARGE OBJECT an
 * object lock on the large object. Two writes hold neither and are not seen: lo_create of an empty one (a
 * row of pg_largeobject_metadata, whose lock is let go at once) and GRANT or REVOKE on one. Reading one
 * (lo_get, loread) takes the same lock on pg_largeobject as writing: a transaction that has read a large
 * object and written an untracked table is waited for too.
 * pg_stat_activity shows pid, application, user and xid of every session to every role (when the transaction
 * began, its state and the client's address only to members of pg_read_all_stats); pg_locks is open to all.
 *
 * One statement, so that it rides in the round trip of a mark or a restore: between two, a writer seen
 * holding its lock could commit unseen. It calls the tracking schema's function (see tracking.ts), which
 * reads pg_stat_activity only when another session holds a write lock on a tracked table, with a plan made
 * once per session: measured in one round trip after a mark, it adds 0.12 ms, where the query written out
 * added 0.72 ms, most of it planning the view.
 *
 * `markReaders` (a rollback's): also the sessions whose open transaction has run a statement on a tracked
 * table without a primary key, changed rows or not: its trigger read the mark, and holds the mark's table
 * locked for reading to the transaction's end, which the restore's lock on it waits for (see restore()).
 */
export function inFlightWritersSql(tables: readonly TrackedTable[], { markReaders = false } = {}): string {
  return `SELECT * FROM ${S}.in_flight_writers(ARRAY[${tables.map((t) => bigintLiteral(t.oid)).join(', ')}]::oid[]${markReaders ? ', true' : ''})`
}

/**
 * Other sessions of this database holding any lock, a read's too, on a tracked table or on a table of the
 * change tracking: what keeps the tracking from being dropped (its triggers need each table's exclusive
 * lock). One statement, in the same shape as inFlightWritersSql's, so that the same wait and words serve.
 */
export function lockHoldersSql(tables: readonly TrackedTable[]): string {
  const held = `l.locktype = 'relation' AND l.granted
      AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())
      AND (l.relation = ANY (ARRAY[${tables.map((t) => bigintLiteral(t.oid)).join(', ')}]::oid[])
        OR l.relation IN (SELECT c.oid FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = '${PRIVATE_SCHEMA}'))`
  return `SELECT a.pid, coalesce(a.application_name, '')::text AS application, coalesce(a.usename::text, '') AS "user", host(a.client_addr) AS client,
    extract(epoch FROM clock_timestamp() - a.xact_start)::float8 AS open_seconds, a.state::text AS state, NULL::text AS gid
  FROM pg_stat_activity a
  WHERE a.datname = current_database() AND a.pid <> pg_backend_pid()
    AND EXISTS (SELECT 1 FROM pg_locks l WHERE l.pid = a.pid AND ${held})
  UNION ALL
  SELECT NULL, '', p.owner::text, NULL, extract(epoch FROM clock_timestamp() - p.prepared)::float8, 'prepared', p.gid
  FROM pg_prepared_xacts p
  WHERE p.database = current_database()
    AND EXISTS (SELECT 1 FROM pg_locks x JOIN pg_locks l ON l.virtualtransaction = x.virtualtransaction AND l.pid IS NULL
                 WHERE x.pid IS NULL AND x.locktype = 'transactionid' AND x.transactionid = p.transaction AND ${held})
  ORDER BY open_seconds DESC NULLS LAST`
}

export function toInFlightWriters(rows: Record<string, unknown>[]): InFlightWriter[] {
  return rows.map((r) => ({
    pid: r.pid === null || r.pid === undefined ? null : Number(r.pid),
    gid: (r.gid as string | null | undefined) ?? null,
    application: String(r.application ?? ''),
    user: String(r.user ?? ''),
    client: (r.client as string | null) ?? null,
    openSeconds: r.open_seconds === null || r.open_seconds === undefined ? null : Number(r.open_seconds),
    state: (r.state as string | null) ?? null,
  }))
}

/** Poll until no session has writes in flight (returns []) or `deadline` passes (returns those still open). */
export async function waitForInFlightWriters(client: pg.ClientBase, sql: string, deadline: number): Promise<InFlightWriter[]> {
  let pause = 5
  for (;;) {
    const writers = toInFlightWriters((await client.query(sql)).rows)
    const left = deadline - Date.now()
    if (!writers.length || left <= 0) return writers
    await new Promise((r) => setTimeout(r, Math.min(pause, left)))
    pause = Math.min(pause * 2, 100)
  }
}

/**
 * `pid 123 (application "api", user app from 10.0.0.5), its transaction open for 3.2 s, idle in transaction`,
 * or `prepared transaction 'tx-1' (owner app), prepared 3.2 s ago`
 */
export function describeWriter(w: InFlightWriter): string {
  if (w.gid !== null) return `prepared transaction ${literal(w.gid)} (owner ${w.user})${w.openSeconds === null ? '' : `, prepared ${w.openSeconds.toFixed(1)} s ago`}`
  const app = w.application ? `application "${w.application}", ` : ''
  const open = w.openSeconds === null ? 'open for a time this role may not see' : `open for ${w.openSeconds.toFixed(1)} s`
  return `pid ${w.pid} (${app}user ${w.user}${w.client ? ` from ${w.client}` : ''}), its transaction ${open}${w.state ? `, ${w.state}` : ''}`
}

/**
 * How to end them without waiting: a session's with pg_terminate_backend (the first one's, as an example;
 * `terminate` words it), a prepared transaction's with COMMIT PREPARED or ROLLBACK PREPARED, which no
 * session's end can do.
 */
export function howToEndWriters(open: InFlightWriter[], terminate: (pid: number) => string): string {
  const ways: string[] = []
  const session = open.find((w) => w.pid !== null)
  if (session) ways.push(terminate(session.pid!))
  for (const w of open.filter((x) => x.gid !== null))
    ways.push(`end prepared transaction ${literal(w.gid!)} with COMMIT PREPARED ${literal(w.gid!)} or ROLLBACK PREPARED ${literal(w.gid!)} (pg_terminate_backend cannot end a prepared transaction, which has no session)`)
  return ways.join(', or ')
}
