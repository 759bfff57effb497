import type { Connection, RowDataPacket } from 'mysql2/promise'
import { ident, literal } from './sql'

/**
 * MariaDB SEQUENCE objects (`CREATE SEQUENCE s`, `NEXTVAL(s)`, `NEXT VALUE FOR s`, a column's `DEFAULT
 * NEXTVAL(s)`). A value taken from one is never given back, as an AUTO_INCREMENT value is not: each
 * checkpoint saves the value a sequence gives next, and a rollback sets it back with `ALTER SEQUENCE ...
 * RESTART WITH` (SETVAL only moves a sequence forward within a round).
 *
 * The sequence's table does not hold that value: `next_not_cached_value` is past the block of values the
 * server keeps cached, and that cache is the sequence's, shared by every session (the app's pool too). So
 * the value is taken once with NEXTVAL and the sequence restarted at it, which also empties the cache: from
 * then on, until a session takes a value, `next_not_cached_value` is exactly what it gives next. The backend
 * remembers that value, and a sequence whose table still reads it has not moved (any NEXTVAL or SETVAL of
 * the app fills the cache or moves the value, and so changes it): neither a checkpoint nor a rollback need
 * touch it then. ALTER SEQUENCE empties the cache for every session, which is what makes the app's next
 * NEXTVAL give the checkpoint's value.
 */

/** How a fingerprint marks a sequence (its definition follows): its DDL is told apart from a table's. */
export const SEQUENCE_MARK = 'sequence'

export interface SequenceState {
  /** `next_not_cached_value`: what the next session to take a value gets, when the cache is empty. */
  next: string
  /** Everything but the value, as a fingerprint holds it: an ALTER SEQUENCE of a path changes it. */
  definition: string
}

/** The state of each of `names` (all of them present), in one statement. */
export async function readSequences(conn: Connection, names: readonly string[]): Promise<Map<string, SequenceState>> {
  if (!names.length) return new Map()
  const [rows] = await conn.query<RowDataPacket[]>(
    names
      .map(
        (n) =>
          `SELECT ${literal(n)} AS s, next_not_cached_value AS v, minimum_value AS mi, maximum_value AS ma, start_value AS st, increment AS i, cache_size AS c, cycle_option AS cy FROM ${ident(n)}`,
      )
      .join(' UNION ALL '),
  )
  return new Map(
    rows.map((r) => [
      String(r.s),
      {
        next: String(r.v),
        definition: `${SEQUENCE_MARK} start ${r.st} minvalue ${r.mi} maxvalue ${r.ma} increment ${r.i} cache ${r.c}${Number(r.cy) ? ' cycle' : ''}`,
      },
    ]),
  )
}

/** MariaDB's ER_SEQUENCE_RUN_OUT: a sequence without CYCLE that gave its last value. */
const ER_SEQUENCE_RUN_OUT = 4084

/** Take the next value of `name` (the one its sessions would get), or undefined for a sequence run out, which no session can move. */
export async function takeNext(conn: Connection, name: string): Promise<string | undefined> {
  try {
    const [rows] = await conn.query<RowDataPacket[]>(`SELECT NEXTVAL(${ident(name)}) AS v`)
    return String(rows[0]!.v)
  } catch (err) {
    if ((err as { errno?: number }).errno === ER_SEQUENCE_RUN_OUT) return undefined
    throw err
  }
}

/** Make `value` the next value of `name`, its cache emptied for every session. */
export function restartSql(name: string, value?: string): string {
  return `ALTER SEQUENCE ${ident(name)} RESTART${value === undefined ? '' : ` WITH ${BigInt(value)}`}`
}
