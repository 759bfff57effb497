import type pg from 'pg'
import { literal } from './sql'

/**
 * What keeps a statement on a whole database (the template mechanism's RENAME, CREATE DATABASE ... TEMPLATE,
 * DROP) from running: a session connected to it, a transaction holding a lock on it or having changed its
 * row of pg_database and still open (COMMENT ON DATABASE, ALTER ROLE ... IN DATABASE, GRANT ... ON DATABASE
 * in a transaction not ended), or a prepared transaction (PREPARE TRANSACTION) of it or holding such a lock.
 * A prepared transaction has no session: pg_terminate_backend cannot end it, only COMMIT PREPARED or
 * ROLLBACK PREPARED.
 */
export interface DatabaseHolder {
  /** Null for a prepared transaction. */
  pid: number | null
  /** The prepared transaction's name; null for a session. */
  gid: string | null
  user: string
  application: string
  /** The database the session is connected to, or the prepared transaction was prepared in. */
  database: string | null
  /** Seconds since its transaction began (prepared, for a prepared transaction); null when not seen. */
  openSeconds: number | null
  state: string | null
  /** True when connected to the database itself (a prepared transaction: prepared in it). */
  inside: boolean
}

/**
 * One statement. Locks of a prepared transaction have no pid: they are told its by their virtual
 * transaction, which its transaction id's lock shares. A transaction that changed the database's row of
 * pg_database is the row's xmax while it is open.
 */
function holdersSql(database: string): string {
  const db = literal(database)
  return `WITH d AS (SELECT oid, xmax FROM pg_database WHERE datname = ${db}),
  locks AS (SELECT l.pid, l.virtualtransaction FROM pg_locks l, d
             WHERE l.locktype = 'object' AND l.classid = 'pg_database'::regclass AND l.objid = d.oid AND l.granted)
  SELECT a.pid, NULL::text AS gid, coalesce(a.usename::text, '') AS "user", coalesce(a.application_name, '')::text AS application,
         a.datname::text AS database, extract(epoch FROM clock_timestamp() - a.xact_start)::float8 AS open_seconds, a.state::text AS state,
         coalesce(a.datname = ${db}, false) AS inside
    FROM pg_stat_activity a LEFT JOIN d ON true
   WHERE a.pid <> pg_backend_pid()
     AND (a.datname = ${db} OR a.pid IN (SELECT pid FROM locks) OR (d.xmax::text <> '0' AND a.backend_xid = d.xmax))
  UNION ALL
  SELECT NULL, p.gid, p.owner::text, '', p.database::text, extract(epoch FROM clock_timestamp() - p.prepared)::float8, 'prepared', p.database = ${db}
    FROM pg_prepared_xacts p LEFT JOIN d ON true
   WHERE p.database = ${db} OR p.transaction = d.xmax
      OR EXISTS (SELECT 1 FROM locks k JOIN pg_locks x ON x.virtualtransaction = k.virtualtransaction
                  WHERE k.pid IS NULL AND x.pid IS NULL AND x.locktype = 'transactionid' AND x.transactionid = p.transaction)
   ORDER BY open_seconds DESC NULLS LAST`
}

export async function findDatabaseHolders(client: pg.Client, database: string): Promise<DatabaseHolder[]> {
  const { rows } = await client.query(holdersSql(database))
  return rows.map((r) => ({
    pid: r.pid === null ? null : Number(r.pid),
    gid: r.gid ?? null,
    user: String(r.user ?? ''),
    application: String(r.application ?? ''),
    database: r.database ?? null,
    openSeconds: r.open_seconds === null ? null : Number(r.open_seconds),
    state: r.state ?? null,
    inside: Boolean(r.inside),
  }))
}

/**
 * `prepared transaction 'tx-1' (owner app, in database "shop", prepared 3.2 s ago)`, or
 * `pid 123 (application "api", user app, connected to database "postgres"), its transaction open for 3.2 s, idle in transaction`
 */
export function describeDatabaseHolder(h: DatabaseHolder): string {
  const seconds = h.openSeconds === null ? null : `${h.openSeconds.toFixed(1)} s`
  if (h.gid !== null) return `prepared transaction ${literal(h.gid)} (owner ${h.user}, in database "${h.database}"${seconds ? `, prepared ${seconds} ago` : ''})`
  const app = h.application ? `application "${h.application}", ` : ''
  const open = seconds === null ? '' : `, its transaction open for ${seconds}`
  return `pid ${h.pid} (${app}user ${h.user || '?'}${h.database ? `, connected to database "${h.database}"` : ''})${open}${h.state ? `, ${h.state}` : ''}`
}

/** What ends them: COMMIT PREPARED or ROLLBACK PREPARED for a prepared transaction, pg_terminate_backend for a session. */
export function howToEnd(holders: DatabaseHolder[]): string {
  const ways: string[] = []
  for (const h of holders.filter((x) => x.gid !== null))
    ways.push(`COMMIT PREPARED ${literal(h.gid!)} or ROLLBACK PREPARED ${literal(h.gid!)}, connected to database "${h.database}" (pg_terminate_backend cannot end a prepared transaction, which has no session)`)
  const sessions = holders.filter((x) => x.pid !== null)
  if (sessions.length) ways.push(`end the transaction of ${sessions.length === 1 ? 'the session' : 'each session'}, or the session: ${sessions.map((x) => `SELECT pg_terminate_backend(${x.pid})`).join('; ')}`)
  return ways.join('; ')
}
