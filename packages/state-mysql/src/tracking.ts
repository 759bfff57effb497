import type { ForeignKey, SchemaInfo, TableInfo } from './schema'
import { columnList, ident, joinOn, literal, privateName } from './sql'

/**
 * Change tracking. Triggers on every tracked table record which rows a statement touched, so a rollback
 * restores those rows and nothing else.
 *
 * - A table with a primary key gets a key log, `_venomqa_log_<table>`: one row per changed key, holding a
 *   sequence number. A fresh change is marked PENDING (larger than any sequence); the backend "seals"
 *   pending marks with a real number at each checkpoint. "Changed since checkpoint C" is then simply
 *   `seq > C.seq`, whatever the nesting of checkpoints.
 * - A table without one is tracked as a whole in `_venomqa_wlog`, one row per (table, connection), so
 *   concurrent app connections never wait on each other's marks.
 *
 * InnoDB runs no triggers for rows changed by a foreign key's ON DELETE/ON UPDATE action, so the parent's
 * BEFORE DELETE / BEFORE UPDATE trigger records the child rows its change is about to cascade to.
 *
 * Triggers do nothing while `@venomqa_restoring` is set: the backend's own connection sets it, so restoring
 * rows neither marks them again nor costs a log write per row.
 */

export const PENDING = '9223372036854775807'
export const SEQ = '`_venomqa_seq`'
export const WHOLE_LOG = '_venomqa_wlog'
export const RESTORING_FLAG = '@venomqa_restoring'
/**
 * Set in a session whose writes must not fire the app's own triggers: the backend's (a restore) and a
 * worker's copier (rows copied from the main database, which its triggers wrote already). See app-triggers.ts.
 */
export const QUIET_FLAG = '@venomqa_quiet'

/**
 * The sql_mode of the sessions that put rows back (the backend's, a worker's copier). Strict: a value the
 * restore would have to cut or convert (a saved copy that no longer fits its column) fails the statement,
 * and with it the restore's transaction, rather than leave a warning nobody reads and a changed row.
 * ALLOW_INVALID_DATES, and no NO_ZERO_DATE: a date the app stored without strict mode ('2020-02-31',
 * '0000-00-00') comes back as it was. NO_AUTO_VALUE_ON_ZERO: a saved id 0 comes back as 0, not as a fresh
 * AUTO_INCREMENT value.
 */
export const RESTORE_SQL_MODE = 'STRICT_ALL_TABLES,ALLOW_INVALID_DATES,NO_AUTO_VALUE_ON_ZERO,NO_ENGINE_SUBSTITUTION'

export interface TrackedTable {
  readonly name: string
  readonly info: TableInfo
  /** The key log, for tables with a primary key; undefined means whole-table tracking. */
  readonly log?: string
  /** Saved rows: the base (checkpoint id 0) and each checkpoint's rows that differ from it. */
  readonly history: string
}

export function trackedTable(info: TableInfo): TrackedTable {
  return {
    name: info.name,
    info,
    // Rows are told apart by primary key; a key with a generated column cannot be written back, and one on a
    // prefix of a BLOB or TEXT column cannot key a private table (its length is not in information_schema),
    // so such a table (like one without a key) is tracked as a whole.
    log:
      info.primaryKey.length && info.primaryKey.every((c) => info.insertable.includes(c) && !isBlobType(info.types.get(c)))
        ? privateName('log', info.name)
        : undefined,
    history: privateName('hist', info.name),
  }
}

/** BLOB and TEXT types (JSON too, on MariaDB, where it is LONGTEXT): a key on one needs a prefix length. */
function isBlobType(type: string | undefined): boolean {
  return /^(tiny|medium|long)?(blob|text)\b/i.test(type ?? '')
}

export function wholeLogDdl(): string {
  // `tbl` holds a table name: in the database's default charset and collation, a latin1 database stores a
  // non-Latin name as `??????`, and a case- or accent-insensitive collation merges `Notes` with `notes` (or
  // `resume` with `r\u{E9}sum\u{E9}`) under one key, so one of the two tables is never restored. Table names are
  // compared byte for byte on Linux, so the column is too, in a charset that holds any name.
  return `CREATE TABLE ${ident(WHOLE_LOG)} (
    tbl VARCHAR(64) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NOT NULL, conn BIGINT UNSIGNED NOT NULL, ${SEQ} BIGINT NOT NULL,
    PRIMARY KEY (tbl, conn), KEY (${SEQ})) ENGINE=InnoDB`
}

/**
 * `columns` of t, for a CREATE TABLE ... SELECT to make them with t's own types: the SELECT of no row of t, each
 * column nullable (the inner side of an outer join), but those of the created table's PRIMARY KEY.
 *
 * Why not the types information_schema describes: it reads them in utf8mb3, where the members of an ENUM or
 * SET outside the BMP read as '?' (so does SHOW CREATE TABLE). A private copy of `ENUM('x', '\u{1F600}')` made from
 * that text was `ENUM('x', '?')`, into which a saved '\u{1F600}' went as '' (no strict mode): a rollback wrote '' back
 * into the app's row. A column made from the table's column keeps the members as they are.
 */
function typedLike(t: TrackedTable, columns: readonly string[]): string {
  return `SELECT ${columnList(columns, 's')} FROM (SELECT 1) d LEFT JOIN ${ident(t.name)} s ON FALSE WHERE FALSE`
}

export function keyLogDdl(t: TrackedTable): string {
  // The DEFAULTs are never used (every write names the column): strict mode (RESTORE_SQL_MODE) wants one for
  // a column a CREATE TABLE ... SELECT does not fill.
  return `CREATE TABLE ${ident(t.log!)} (${SEQ} BIGINT NOT NULL DEFAULT 0, PRIMARY KEY (${columnList(t.info.primaryKey)}), KEY (${SEQ})) ENGINE=InnoDB ${typedLike(t, t.info.primaryKey)}`
}

export const HISTORY_CP = '`_venomqa_cp`'
export const HISTORY_PRESENT = '`_venomqa_present`'

/**
 * The history table of t: its insertable columns (all nullable but the key, no constraints; see typedLike)
 * plus the checkpoint a row belongs to (0: the base) and whether the row existed then (a checkpoint saves,
 * for a key that had been deleted, a row with present = 0). Plain DML on it replaces a CREATE TABLE per
 * checkpoint, which costs tens of milliseconds on a busy server.
 */
export function historyDdl(t: TrackedTable): string {
  const pk = t.log ? t.info.primaryKey : []
  const key = pk.length ? `PRIMARY KEY (${HISTORY_CP}, ${columnList(pk)})` : `KEY (${HISTORY_CP})`
  return `CREATE TABLE ${ident(t.history)} (${HISTORY_CP} INT NOT NULL DEFAULT 0, ${HISTORY_PRESENT} TINYINT NOT NULL DEFAULT 0, ${key}) ENGINE=InnoDB ${typedLike(t, t.info.insertable)}`
}

/** Mark a whole table as changed, from any session. */
export function markWholeSql(table: string): string {
  return `INSERT INTO ${ident(WHOLE_LOG)} (tbl, conn, ${SEQ}) VALUES (${literal(table)}, CONNECTION_ID(), ${PENDING})
    ON DUPLICATE KEY UPDATE ${SEQ} = ${PENDING}`
}

/** The three change-tracking triggers every tracked table carries, whether it has a key log or not. */
export function rowTriggerNames(table: string): string[] {
  return ['ai', 'au', 'ad'].map((kind) => privateName(kind, table))
}

function logRowSql(t: TrackedTable, row: 'NEW' | 'OLD'): string {
  const keys = t.info.primaryKey
  return `INSERT INTO ${ident(t.log!)} (${columnList(keys)}, ${SEQ}) VALUES (${keys.map((k) => `${row}.${ident(k)}`).join(', ')}, ${PENDING})
    ON DUPLICATE KEY UPDATE ${SEQ} = ${PENDING}`
}

function trigger(name: string, timing: string, table: string, statements: string[]): string {
  return `CREATE TRIGGER ${ident(name)} ${timing} ON ${ident(table)} FOR EACH ROW
BEGIN
  IF ${RESTORING_FLAG} IS NULL THEN
    ${statements.join(';\n    ')};
  END IF;
END`
}

const changed = (columns: readonly string[]) => `NOT (${columns.map((c) => `OLD.${ident(c)} <=> NEW.${ident(c)}`).join(' AND ')})`

/** The CREATE TRIGGER statements that track `tracked` (every table of `schema` may be walked for cascades). */
export function trackingTriggers(schema: SchemaInfo, tracked: ReadonlyMap<string, TrackedTable>): string[] {
  const out: string[] = []
  for (const t of tracked.values()) {
    if (t.log) {
      const pk = t.info.primaryKey
      const [ai, au, ad] = rowTriggerNames(t.name) as [string, string, string]
      out.push(trigger(ai, 'AFTER INSERT', t.name, [logRowSql(t, 'NEW')]))
      out.push(
        trigger(au, 'AFTER UPDATE', t.name, [
          logRowSql(t, 'OLD'),
          `IF ${changed(pk)} THEN ${logRowSql(t, 'NEW')}; END IF`,
        ]),
      )
      out.push(trigger(ad, 'AFTER DELETE', t.name, [logRowSql(t, 'OLD')]))
    } else {
      const [ai, au, ad] = rowTriggerNames(t.name) as [string, string, string]
      out.push(trigger(ai, 'AFTER INSERT', t.name, [markWholeSql(t.name)]))
      out.push(trigger(au, 'AFTER UPDATE', t.name, [markWholeSql(t.name)]))
      out.push(trigger(ad, 'AFTER DELETE', t.name, [markWholeSql(t.name)]))
    }
  }
  // Every table, tracked or not, whose foreign key actions reach a tracked table.
  for (const name of schema.tables.keys()) {
    const onDelete = cascadeStatements(schema, tracked, name, 'delete', 'OLD')
    if (onDelete.length) out.push(trigger(privateName('bd', name), 'BEFORE DELETE', name, onDelete))
    // ON UPDATE CASCADE may rewrite a child's primary key: its rows are recorded under their old keys before
    // the update and under their new keys after it (InnoDB has cascaded by the time AFTER triggers run).
    const beforeUpdate = cascadeStatements(schema, tracked, name, 'update', 'OLD')
    if (beforeUpdate.length) out.push(trigger(privateName('bu', name), 'BEFORE UPDATE', name, beforeUpdate))
    const afterUpdate = cascadeStatements(schema, tracked, name, 'update', 'NEW')
    if (afterUpdate.length) out.push(trigger(privateName('cu', name), 'AFTER UPDATE', name, afterUpdate))
  }
  return out
}

/** Cascade chains longer than this are tracked as whole tables rather than by joins. */
const MAX_CASCADE_DEPTH = 5

/**
 * Statements, for a BEFORE DELETE/UPDATE trigger of `parent`, that record every row a foreign key action
 * will change in other tables. They may record more than changes (a restore of an unchanged row is
 * harmless), never less.
 */
function cascadeStatements(
  schema: SchemaInfo,
  tracked: ReadonlyMap<string, TrackedTable>,
  parent: string,
  event: 'delete' | 'update',
  row: 'OLD' | 'NEW',
): string[] {
  const acts = (fk: ForeignKey, ev: 'delete' | 'update') => (ev === 'delete' ? fk.onDelete : fk.onUpdate) !== 'RESTRICT' && (ev === 'delete' ? fk.onDelete : fk.onUpdate) !== 'NO ACTION'
  const children = (table: string, ev: 'delete' | 'update', changedCols: readonly string[] | null) =>
    schema.foreignKeys.filter((fk) => fk.refTable === table && acts(fk, ev) && (changedCols === null || fk.refColumns.some((c) => changedCols.includes(c))))

  /** Every tracked table a cascade from `table` may reach, whatever the depth: the fallback for cycles. */
  const reachable = (table: string, seen = new Set<string>()): Set<string> => {
    for (const fk of schema.foreignKeys)
      if (fk.refTable === table && (acts(fk, 'delete') || acts(fk, 'update')) && !seen.has(fk.table)) {
        seen.add(fk.table)
        reachable(fk.table, seen)
      }
    return seen
  }
  const markWhole = (table: string): string[] => [table, ...reachable(table)].filter((name) => tracked.has(name)).map(markWholeSql)

  const walk = (path: ForeignKey[], table: string, ev: 'delete' | 'update', changedCols: readonly string[] | null, visited: string[]): string[] => {
    const out: string[] = []
    for (const fk of children(table, ev, changedCols)) {
      const child = fk.table
      const subtree: string[] = []
      if (visited.includes(child) || path.length >= MAX_CASCADE_DEPTH) {
        subtree.push(...markWhole(child))
      } else {
        const chain = [...path, fk]
        const statement = recordRowsSql(tracked.get(child), chain, row)
        if (statement) subtree.push(statement)
        const rule = ev === 'delete' ? fk.onDelete : fk.onUpdate
        // A deleted child cascades deletes further; a child whose key columns were set or updated cascades updates.
        if (ev === 'delete' && rule === 'CASCADE') subtree.push(...walk(chain, child, 'delete', null, [...visited, child]))
        else subtree.push(...walk(chain, child, 'update', fk.columns, [...visited, child]))
      }
      // At the top of an UPDATE, nothing cascades unless the referenced columns really change.
      if (subtree.length && path.length === 0 && ev === 'update') out.push(`IF ${changed(fk.refColumns)} THEN ${dedupe(subtree).join('; ')}; END IF`)
      else out.push(...subtree)
    }
    return out
  }
  return dedupe(walk([], parent, event, null, [parent]))
}

/**
 * Record the rows of the last table of `chain` that are linked, through the chain of foreign keys, to the
 * trigger's parent row (`row`: OLD or NEW). chain[0] references the parent; chain[i+1] references chain[i]'s table.
 */
function recordRowsSql(target: TrackedTable | undefined, chain: ForeignKey[], row: 'OLD' | 'NEW'): string | undefined {
  if (!target) return undefined
  const alias = (i: number) => `j${i}`
  const first = chain[0]!
  let from = `${ident(chain[chain.length - 1]!.table)} ${alias(chain.length - 1)}`
  for (let i = chain.length - 1; i > 0; i--) {
    const fk = chain[i]!
    from += ` JOIN ${ident(chain[i - 1]!.table)} ${alias(i - 1)} ON ${joinOn(alias(i), alias(i - 1), fk.columns, fk.refColumns)}`
  }
  const where = first.columns.map((c, i) => `${alias(0)}.${ident(c)} = ${row}.${ident(first.refColumns[i]!)}`).join(' AND ')
  const last = alias(chain.length - 1)
  if (!target.log)
    return `INSERT INTO ${ident(WHOLE_LOG)} (tbl, conn, ${SEQ}) SELECT ${literal(target.name)}, CONNECTION_ID(), ${PENDING} FROM DUAL
      WHERE EXISTS (SELECT 1 FROM ${from} WHERE ${where}) ON DUPLICATE KEY UPDATE ${SEQ} = ${PENDING}`
  const keys = target.info.primaryKey
  return `INSERT INTO ${ident(target.log)} (${columnList(keys)}, ${SEQ})
      SELECT ${columnList(keys, last)}, ${PENDING} FROM ${from} WHERE ${where}
      ON DUPLICATE KEY UPDATE ${SEQ} = ${PENDING}`
}

function dedupe(list: string[]): string[] {
  return [...new Set(list)]
}
