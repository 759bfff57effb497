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
