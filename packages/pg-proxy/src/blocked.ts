import { redactConnectionUrl } from '@venomqa/core'

/**
 * A session on the database, not the proxy's, that waits on a lock the proxy's transaction holds: what
 * the app's DDL (a CREATE TABLE at its start, an index) or its transaction-level advisory locks took
 * through the proxy stays taken until the proxy stops, so a session connected directly waits until then.
 */
export interface BlockedSession {
  pid: number
  applicationName: string
  /** `127.0.0.1:50312`, or undefined for a local socket. */
  client?: string
  /** How long it has waited, ms. */
  waitingMs: number
  /** What it waits for: `table "todos"`, `a row the app changed through the proxy`, `an advisory lock`. */
  waitsFor: string
}

/**
 * The sessions that wait on `basePid` (the proxy's upstream session), as one JSON array. pg_blocking_pids
 * names the sessions a waiter waits on, whatever its database; what it waits for comes from its own
 * ungranted lock (a relation's name as this database resolves it; another kind by its locktype). Never the
 * query text: it may carry an app's data or a password.
 */
export function blockedSessionsSql(basePid: number): string {
  const pid = Math.trunc(basePid)
  return `SELECT pg_catalog.pg_stat_clear_snapshot(); SELECT (SELECT pg_catalog.json_agg(pg_catalog.json_build_array(a.pid, a.application_name, pg_catalog.host(a.client_addr), a.client_port,
      (pg_catalog.date_part('epoch', pg_catalog.clock_timestamp() - a.state_change) * 1000)::bigint,
      (SELECT pg_catalog.json_build_array(l.locktype, c.relname) FROM pg_catalog.pg_locks l LEFT JOIN pg_catalog.pg_class c ON c.oid = l.relation
        WHERE l.pid = a.pid AND NOT l.granted LIMIT 1)) ORDER BY a.pid)::text
    FROM pg_catalog.pg_stat_activity a WHERE a.wait_event_type = 'Lock' AND ${pid} = ANY (pg_catalog.pg_blocking_pids(a.pid)))`
}

/** The rows of blockedSessionsSql's answer. */
export function blockedSessions(json: string | null | undefined): BlockedSession[] {
  const rows = JSON.parse(json ?? 'null') as [number, string | null, string | null, number | null, number | null, [string, string | null] | null][] | null
  return (rows ?? []).map(([pid, app, addr, port, waitingMs, on]) => ({
    pid,
    applicationName: app ?? '',
    ...(addr ? { client: port && port > 0 ? `${addr}:${port}` : addr } : {}),
    waitingMs: Math.max(0, Number(waitingMs ?? 0)),
    waitsFor: waitsForText(on),
  }))
}

/** What an ungranted lock is for, in words: its lock type and, for a table's, the table's name. */
function waitsForText(lock: [string, string | null] | null): string {
  const [type, table] = lock ?? ['', null]
  // A row the proxy's transaction changed: a waiter queues on that transaction's id (or on the row's tuple lock first).
  if (type === 'transactionid') return 'a row the app changed through the proxy'
  if (type === 'tuple') return table ? `a row of table ${JSON.stringify(table)} that the app changed through the proxy` : 'a row the app changed through the proxy'
  if (table) return `table ${JSON.stringify(table)}`
  return type === 'advisory' ? 'an advisory lock' : type ? `a ${type} lock` : 'a lock'
}

/**
 * What a run says of them, after a step gave up waiting: the sessions, and that they must connect through
 * the proxy (at `proxyUrl`, its password masked). Undefined when there are none.
 */
export function blockedSentence(sessions: readonly BlockedSession[], proxyUrl: string): string | undefined {
  if (!sessions.length) return undefined
  const list = sessions.map((s) => `pid ${s.pid} (application_name ${JSON.stringify(s.applicationName)}, from ${s.client ?? 'a local socket'}) has waited ${seconds(s.waitingMs)} for ${s.waitsFor}`)
  const one = sessions.length === 1
  // A table's lock comes from the app's DDL (its migrations at start), which can run before the proxy instead.
  const tables = sessions.some((s) => s.waitsFor.startsWith('table '))
  return `${one ? 'A session' : `${sessions.length} sessions`} connected to the database directly ${one ? 'waits' : 'wait'} on a lock the venomqa-pg-proxy's transaction holds: ${list.join('; ')}. That transaction never commits: what the app locked through the proxy (the rows it changed, its DDL, its advisory locks) stays locked until the proxy stops, and ${one ? 'the session waits' : 'they wait'} until then. Connect ${one ? 'it' : 'them'} through the proxy too (DATABASE_URL=${redactConnectionUrl(proxyUrl)})${tables ? ', and run the migrations that alter a table on the database directly before the proxy starts' : ''}.`
}

function seconds(ms: number): string {
  return ms < 1000 ? `${ms} ms` : `${(ms / 1000).toFixed(ms < 10_000 ? 1 : 0)} s`
}
