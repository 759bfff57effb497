import type { Connection, RowDataPacket } from 'mysql2/promise'

/** Another session's open InnoDB transaction that has changed or locked rows in the backend's database. */
export interface InFlightWriter {
  threadId: number
  user: string
  host: string
  openSeconds: number
  rowsModified: number
  command: string
}

/**
 * Open transactions of other sessions whose default database is this one and that have changed rows or
 * hold row locks: who a restore that gave up waiting names. Reading INNODB_TRX needs the PROCESS
 * privilege, and InnoDB refreshes it at most every 100 ms, so it serves to name, not to detect.
 */
export function inFlightWritersSql(conn: Connection, database: string, { readersToo = false }: { readersToo?: boolean } = {}): string {
  // With readersToo, a transaction that has only read counts as well: it holds the metadata locks of the
  // tables it read until it ends, which keep a trigger from being dropped (see the snapshot's disconnect).
  return conn.format(
    `SELECT t.trx_mysql_thread_id AS id, p.USER AS user, p.HOST AS host, p.COMMAND AS command,
  TIMESTAMPDIFF(SECOND, t.trx_started, NOW()) AS open_seconds, t.trx_rows_modified AS modified
FROM information_schema.INNODB_TRX t JOIN information_schema.PROCESSLIST p ON p.ID = t.trx_mysql_thread_id
WHERE p.DB = ? AND t.trx_mysql_thread_id <> CONNECTION_ID()${readersToo ? '' : ' AND (t.trx_rows_modified > 0 OR t.trx_rows_locked > 0)'}
ORDER BY t.trx_started`,
    [database],
  )
}

export function toInFlightWriters(rows: RowDataPacket[]): InFlightWriter[] {
  return rows.map((r) => ({
    threadId: Number(r.id),
    user: String(r.user ?? ''),
    host: String(r.host ?? ''),
    openSeconds: Number(r.open_seconds ?? 0),
    rowsModified: Number(r.modified ?? 0),
    command: String(r.command ?? ''),
  }))
}

/** `thread 42 (app@localhost:51234), its transaction open for 3 s, 1 row changed, Sleep` */
export function describeWriter(w: InFlightWriter): string {
  const rows = `${w.rowsModified} row${w.rowsModified === 1 ? '' : 's'} changed`
  return `thread ${w.threadId} (${w.user}@${w.host}), its transaction open for ${w.openSeconds} s, ${rows}${w.command ? `, ${w.command}` : ''}`
}

/**
 * The same sessions as inFlightWritersSql's, read from `SHOW ENGINE INNODB STATUS` and the
 * live PROCESSLIST: INNODB_TRX is a cache the server refreshes only once no session has read it for 100 ms,
 * so while another session polls it (a backend waiting for transactions to end, a monitoring tool) it keeps
 * showing what it held before a transaction began. The status is made when asked. Rows changed are its
 * undo log entries. Empty when this user may not read it (it needs PROCESS, as INNODB_TRX does).
 */
export async function sessionsInTransactionFromStatus(conn: Connection, database: string, { readersToo = true }: { readersToo?: boolean } = {}): Promise<InFlightWriter[]> {
  const [status] = await conn.query<RowDataPacket[]>('SHOW ENGINE INNODB STATUS').catch(() => [[] as RowDataPacket[]] as const)
  const text = String(status[0]?.Status ?? '')
  const found = new Map<number, { openSeconds: number; rowsModified: number }>()
  // Each transaction: `---TRANSACTION <id>, ACTIVE 3 sec ...`, its locks and undo entries, `MariaDB thread id 42, ...`.
  for (const block of text.split(/^---TRANSACTION /m).slice(1)) {
    const active = /^[^\n]*\bACTIVE (\d+) sec/.exec(block)
    const thread = /\b(?:MariaDB|MySQL) thread id (\d+)/.exec(block)
    if (!active || !thread) continue
    // Without readersToo, as inFlightWritersSql: only a transaction that changed or locked rows.
    if (!readersToo && !/undo log entries [1-9]|\b[1-9]\d* row lock\(s\)/.test(block)) continue
    found.set(Number(thread[1]), { openSeconds: Number(active[1]), rowsModified: Number(/undo log entries (\d+)/.exec(block)?.[1] ?? 0) })
  }
  if (!found.size) return []
  const [rows] = await conn
    .query<RowDataPacket[]>(
      conn.format('SELECT ID AS id, USER AS user, HOST AS host, COMMAND AS command FROM information_schema.PROCESSLIST WHERE DB = ? AND ID IN (?) AND ID <> CONNECTION_ID() ORDER BY ID', [
        database,
        [...found.keys()],
      ]),
    )
    .catch(() => [[] as RowDataPacket[]] as const)
  return rows
    .map((r) => ({ threadId: Number(r.id), user: String(r.user ?? ''), host: String(r.host ?? ''), command: String(r.command ?? ''), ...found.get(Number(r.id))! }))
    .sort((a, b) => b.openSeconds - a.openSeconds)
}
