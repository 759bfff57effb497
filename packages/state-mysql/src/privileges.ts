import type { Connection, RowDataPacket } from 'mysql2/promise'
import { copyName, definerSql } from './app-triggers'
import { isPrivilegeError } from './connection'
import { PRIVATE_LIKE, binary, ident, isPrivateName } from './sql'

/**
 * A table name no object has (the private prefix, which the backend alone uses): each privilege is tried on
 * it. The server checks a statement's privileges before it looks for the table, so "no such table" means the
 * privilege is there, "denied" that it is not, and nothing is made, changed or locked either way.
 */
const PROBE = '_venomqa_privilege_probe'

/** A privilege on the database the snapshot backend needs, what for, and a statement on PROBE that only it lets past the privilege check. */
interface Needed {
  readonly privilege: string
  readonly purpose: string
  readonly tries: string
}

const ON_DATABASE: readonly Needed[] = [
  { privilege: 'SELECT', purpose: 'to copy rows at a checkpoint', tries: `SELECT 1 FROM ${ident(PROBE)}` },
  { privilege: 'INSERT', purpose: 'to save rows and put them back', tries: `INSERT INTO ${ident(PROBE)} VALUES ()` },
  { privilege: 'UPDATE', purpose: 'to mark which checkpoint a change belongs to', tries: `UPDATE ${ident(PROBE)} SET x = 1` },
  { privilege: 'DELETE', purpose: 'to take out the rows a path changed at a rollback', tries: `DELETE FROM ${ident(PROBE)}` },
  // Two columns of one name: the server refuses the table only after the privilege check.
  { privilege: 'CREATE', purpose: 'to create its private tables', tries: `CREATE TABLE ${ident(PROBE)} (x INT, x INT)` },
  { privilege: 'DROP', purpose: 'to drop its private tables at disconnect, and to TRUNCATE in reset()', tries: `DROP TABLE ${ident(PROBE)}` },
  { privilege: 'ALTER', purpose: 'to set AUTO_INCREMENT counters back at a rollback', tries: `ALTER TABLE ${ident(PROBE)} AUTO_INCREMENT = 1` },
  {
    privilege: 'TRIGGER',
    purpose: 'to create its change-tracking triggers',
    tries: `CREATE TRIGGER ${ident(`${PROBE}_t`)} AFTER INSERT ON ${ident(PROBE)} FOR EACH ROW SET @venomqa_probe = 1`,
  },
]

/**
 * Swapping an app trigger for its guarded copy, and pinning a sequence, lock the table for writing (see
 * app-triggers.ts and #pinSequences): needed only when the tracked tables have such triggers or sequences.
 * Checked at connect with the rest, since the swap's own failure, without it, read as a missing SUPER when
 * the trigger runs as another user, and a sequence's pin failed only at the first checkpoint.
 */
const LOCK_TABLES: Needed = {
  privilege: 'LOCK TABLES',
  purpose: "to lock a table while the app's trigger on it is swapped for a copy that keeps quiet during a restore, and a sequence while its next value is taken",
  tries: `LOCK TABLES ${ident(PROBE)} WRITE`,
}

/**
 * Reading information_schema.INNODB_TRX takes PROCESS, on the whole server. Needed only where a lock cannot
 * be tried without waiting for it (MySQL): there the disconnect must see the app's open transactions before
 * it asks for a table's lock (see MysqlSnapshotBackend's #dropOnceUnlocked).
 */
const PROCESS: Needed = {
  privilege: 'PROCESS',
  purpose: "to wait, at disconnect, for the app's open transactions before it removes its triggers (this server cannot try a lock without waiting for it)",
  tries: 'SELECT 1 FROM information_schema.INNODB_TRX LIMIT 1',
}

/** What the user lacks of what the backend needs, and the statements that grant it. */
export interface MissingPrivileges {
  /** `'app'@'%'`, as GRANT names the account. */
  readonly account: string
  /** `DELETE (to ...), DROP (to ...)` */
  readonly listed: string
  /** `GRANT DELETE, DROP ON `shop`.* TO 'app'@'%'; GRANT PROCESS ON *.* TO 'app'@'%'` */
  readonly grants: string
}

/** The privileges the snapshot backend lacks on `database`; undefined when it has them all. */
export async function missingPrivileges(
  conn: Connection,
  database: string,
  { canTryLocks, tracks }: { canTryLocks: boolean; tracks: (name: string) => boolean },
): Promise<MissingPrivileges | undefined> {
  const missing = async (needed: readonly Needed[]) => {
    const out: Needed[] = []
    for (const n of needed) if (await lacks(conn, n)) out.push(n)
    return out
  }
  const onDatabase = await missing((await locksTables(conn, database, tracks)) ? [...ON_DATABASE, LOCK_TABLES] : ON_DATABASE)
  const global = canTryLocks ? [] : await missing([PROCESS])
  if (!onDatabase.length && !global.length) return undefined
  const [[me]] = await conn.query<RowDataPacket[]>('SELECT CURRENT_USER() AS u')
  const account = definerSql(String(me?.u ?? ''))
  const grant = (needed: Needed[], on: string) => (needed.length ? [`GRANT ${needed.map((n) => n.privilege).join(', ')} ON ${on} TO ${account}`] : [])
  return {
    account,
    listed: [...onDatabase, ...global].map((n) => `${n.privilege} (${n.purpose})`).join(', '),
    grants: [...grant(onDatabase, `${ident(database)}.*`), ...grant(global, '*.*')].join('; '),
  }
}

/**
 * Whether the backend will lock tracked tables: an app trigger on one (or the guarded copy a crashed run
 * left, which the next connect puts back), or a sequence (MariaDB), among the names `tracks` keeps.
 */
async function locksTables(conn: Connection, database: string, tracks: (name: string) => boolean): Promise<boolean> {
  const [triggers] = await conn.query<RowDataPacket[]>('SELECT EVENT_OBJECT_TABLE AS t, TRIGGER_NAME AS n FROM information_schema.TRIGGERS WHERE TRIGGER_SCHEMA = ?', [database])
  const appCopy = copyName('')
  if (triggers.some((r) => tracks(String(r.t)) && (!isPrivateName(String(r.n)) || String(r.n).startsWith(appCopy)))) return true
  const [sequences] = await conn.query<RowDataPacket[]>(
    `SELECT TABLE_NAME AS t FROM information_schema.TABLES WHERE TABLE_SCHEMA = ? AND TABLE_TYPE = 'SEQUENCE' AND ${binary('TABLE_NAME')} NOT LIKE ?`,
    [database, PRIVATE_LIKE],
  )
  return sequences.some((r) => tracks(String(r.t)))
}

/** True when the server refuses `needed.tries` for want of a privilege; any other answer means it let it past the check. */
async function lacks(conn: Connection, needed: Needed): Promise<boolean> {
  try {
    await conn.query(needed.tries)
    // Only INNODB_TRX can be read; the statements on the probe table find no table.
    return false
  } catch (err) {
    return isPrivilegeError(err)
  }
}

/**
 * Whether a statement can ask for a table's metadata lock without waiting for it (MariaDB takes
 * lock_wait_timeout = 0; MySQL raises it to 1 s). A lock that is waited for while the app's transaction
 * holds the table makes the app's next statement on it wait behind it, and the server then rolls the app's
 * transaction back as a deadlock; one that is only tried never does.
 */
export async function canTryLocks(conn: Connection, restoreSeconds: number): Promise<boolean> {
  try {
    // Two statements, not one batch: the health check's connection does not take several at once.
    await conn.query('SET SESSION lock_wait_timeout = 0')
    const [rows] = await conn.query<RowDataPacket[]>('SELECT @@SESSION.lock_wait_timeout AS w')
    return Number(rows[0]?.w) === 0
  } catch {
    return false
  } finally {
    await conn.query(`SET SESSION lock_wait_timeout = ${restoreSeconds}`)
  }
}
