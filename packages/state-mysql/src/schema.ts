import type { Connection, RowDataPacket } from 'mysql2/promise'
import { SEQUENCE_MARK } from './sequences'
import { PRIVATE_LIKE, binary, namesMayCollide } from './sql'

export interface TableInfo {
  name: string
  /** Columns a row can be re-inserted through (generated columns left out), in table order. */
  insertable: string[]
  /** Primary key columns in key order; empty when the table has none. */
  primaryKey: string[]
  /** Full type of every insertable column (with character set and collation), as information_schema describes it: to tell a key on a BLOB or TEXT column. */
  types: Map<string, string>
  hasAutoIncrement: boolean
  /**
   * Its engine has transactions (InnoDB). The change tracking marks a write in an InnoDB table, in the app's
   * transaction: a transaction the app rolls back takes the mark with it, and a MyISAM, Aria or MEMORY row
   * written in it stays, unmarked. Such tables are saved and restored whole at every checkpoint and rollback.
   */
  transactional: boolean
}

export type ReferentialRule = 'CASCADE' | 'SET NULL' | 'SET DEFAULT' | 'RESTRICT' | 'NO ACTION'

export interface ForeignKey {
  name: string
  /** The referencing (child) table and its columns. */
  table: string
  columns: string[]
  /** The referenced (parent) table and its columns, in the same order. */
  refTable: string
  refColumns: string[]
  onDelete: ReferentialRule
  onUpdate: ReferentialRule
}

export interface SchemaInfo {
  /** Base tables of the database, private ones left out. */
  tables: Map<string, TableInfo>
  /** Its sequences (MariaDB), private ones left out. */
  sequences: string[]
  foreignKeys: ForeignKey[]
}

/**
 * Two statements that read what DDL would change: the names of every table and view of the database
 * (private ones left out), and the columns of the tracked tables, which fingerprintOf keeps. Naming the
 * tables keeps MariaDB from opening every table of the schema (5 ms more per probe with 300 tables), but
 * MariaDB answers `IN ('Notes', 'notes')` with the columns of one of the two only: when tracked names may
 * collide (see namesMayCollide), every table's columns are read, or DDL on the other would go unseen.
 */
export function fingerprintSql(format: (sql: string, values: unknown[]) => string, database: string, tracked: readonly string[]): string[] {
  const trackedOnly = inTables('TABLE_NAME', tracked)
  return [
    format(`SELECT TABLE_NAME AS t, TABLE_TYPE AS ty FROM information_schema.TABLES WHERE TABLE_SCHEMA = ? AND ${binary('TABLE_NAME')} NOT LIKE ?`, [database, PRIVATE_LIKE]),
    // Each column with its default, then each index (`c` is `index <name>`, `ty` its columns, `n` whether
    // it allows duplicates): a path that adds a unique index or changes a default changes no column list.
    // Grouped by the table's name as bytes: information_schema's collation takes `resume` and `r\u00e9sum\u00e9` for
    // one name, and grouped by it the two tables' PRIMARY keys were one index of either table, whichever
    // row came first, so that a rollback could report DDL no one ran.
    tracked.length
      ? format(
          `SELECT TABLE_NAME AS t, COLUMN_NAME AS c, COLUMN_TYPE AS ty, IS_NULLABLE AS n, EXTRA AS e, COLUMN_DEFAULT AS d, ORDINAL_POSITION AS o
             FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = ? AND ${trackedOnly.sql}
           UNION ALL
           SELECT MIN(TABLE_NAME), CONCAT('index ', INDEX_NAME), GROUP_CONCAT(COLUMN_NAME ORDER BY SEQ_IN_INDEX), IF(MAX(NON_UNIQUE) = 0, 'NO', 'YES'), MAX(INDEX_TYPE), NULL, 1000000
             FROM information_schema.STATISTICS WHERE TABLE_SCHEMA = ? AND ${trackedOnly.sql} GROUP BY ${binary('TABLE_NAME')}, INDEX_NAME
           ORDER BY 1, 7, 2`,
          [database, trackedOnly.value, database, trackedOnly.value],
        )
      : 'SELECT NULL AS t FROM DUAL WHERE FALSE',
  ]
}

/**
 * The condition (one `?`, and its value) that keeps the rows of `tracked` tables in an information_schema
 * read: their names when no two may collide, else every table but the private ones, for the caller to
 * filter by exact name. Naming them spares MariaDB opening every table of the schema.
 */
export function inTables(column: string, tracked: readonly string[]): { sql: string; value: unknown } {
  return namesMayCollide(tracked) ? { sql: `${binary(column)} NOT LIKE ?`, value: PRIVATE_LIKE } : { sql: `${column} IN (?)`, value: tracked }
}

/**
 * The triggers of the `tracked` tables (name `n`, table `t`); the caller keeps those of tracked tables by exact name.
 * Those with a public name are the app's triggers that still fire on every write, the backend's restores
 * too: not (yet) swapped for a guarded copy (see app-triggers.ts). Those with a private name are copies or
 * the backend's own change-tracking triggers, which vanish with their table when the app drops it and
 * creates it again. MariaDB answers `EVENT_OBJECT_TABLE IN ('Notes', 'notes')` with the triggers of one of
 * the two tables only: when tracked names may collide, every trigger of the database is read.
 */
export function triggersSql(format: (sql: string, values: unknown[]) => string, database: string, tracked: readonly string[]): string {
  if (!tracked.length) return 'SELECT NULL AS n, NULL AS t FROM DUAL WHERE FALSE'
  // Named when they cannot collide, as in fingerprintSql: reading every trigger opens every table (8 ms more per probe with 300 tables).
  return namesMayCollide(tracked)
    ? format('SELECT TRIGGER_NAME AS n, EVENT_OBJECT_TABLE AS t FROM information_schema.TRIGGERS WHERE TRIGGER_SCHEMA = ?', [database])
    : format('SELECT TRIGGER_NAME AS n, EVENT_OBJECT_TABLE AS t FROM information_schema.TRIGGERS WHERE TRIGGER_SCHEMA = ? AND EVENT_OBJECT_TABLE IN (?)', [database, tracked])
}

/** Table name -> one description per column, in order (empty for a table whose columns are not watched). */
export type Fingerprint = Map<string, string[]>

/** How an index's entry in a fingerprint starts (a column's starts with its name). */
const INDEX = 'index '

/** The fingerprint of fingerprintSql's results, with the columns of the `tracked` tables only. */
export function fingerprintOf(tableRows: RowDataPacket[], columnRows: RowDataPacket[], tracked: { has(table: string): boolean }): Fingerprint {
  // A sequence's definition is read apart (see readSequences) and follows its mark, for the tracked ones.
  const fp: Fingerprint = new Map(tableRows.map((r) => [String(r.t), r.ty === 'SEQUENCE' ? [SEQUENCE_MARK] : []]))
  for (const r of columnRows) {
    if (!tracked.has(r.t)) continue
    const extra = String(r.e ?? '').trim()
    if (String(r.c).startsWith(INDEX)) {
      fp.get(r.t)?.push(`${r.c} ${r.n === 'NO' ? 'unique ' : ''}${String(r.e ?? '').toLowerCase()} (${r.ty})`)
      continue
    }
    fp.get(r.t)?.push(`${r.c} ${r.ty}${r.n === 'NO' ? ' not null' : ''}${extra ? ` ${extra.toLowerCase()}` : ''}${r.d === null || r.d === undefined ? '' : ` default ${r.d}`}`)
  }
  return fp
}

/** One change a path made to the schema: the table it is about, and what happened, in words. */
export interface SchemaChange {
  table: string
  what: string
}

/** What changed between two fingerprints, one entry per change; empty when nothing did. */
export function fingerprintChanges(before: Fingerprint, after: Fingerprint): SchemaChange[] {
  const changes: SchemaChange[] = []
  const kind = (entries: readonly string[] | undefined) => (entries?.[0]?.startsWith(SEQUENCE_MARK) ? 'sequence' : 'table')
  for (const [table, old] of before) if (!after.has(table)) changes.push({ table, what: `${kind(old)} \`${table}\` was dropped` })
  for (const [table, columns] of after) {
    const old = before.get(table)
    if (!old) {
      changes.push({ table, what: `${kind(columns)} \`${table}\` was created` })
      continue
    }
    if (kind(old) === 'sequence' || kind(columns) === 'sequence') {
      if (old.join('\n') !== columns.join('\n'))
        changes.push({ table, what: kind(old) === kind(columns) ? `sequence \`${table}\` changed from "${old.join(' ')}" to "${columns.join(' ')}"` : `${kind(old)} \`${table}\` was dropped and a ${kind(columns)} created under its name` })
      continue
    }
    // A column by its name (the first word), an index by `index <name>`.
    const name = (desc: string) => {
      const from = desc.startsWith(INDEX) ? INDEX.length : 0
      const space = desc.indexOf(' ', from)
      return space < 0 ? desc : desc.slice(0, space)
    }
    const what = (key: string) => (key.startsWith(INDEX) ? `index \`${key.slice(INDEX.length)}\`` : `column \`${key}\``)
    const oldByName = new Map(old.map((d) => [name(d), d]))
    const newByName = new Map(columns.map((d) => [name(d), d]))
    const counted = changes.length
    for (const [col, desc] of newByName) {
      const was = oldByName.get(col)
      if (was === undefined) changes.push({ table, what: `table \`${table}\`: ${what(col)} was added` })
      else if (was !== desc) changes.push({ table, what: `table \`${table}\`: ${what(col)} changed from "${was}" to "${desc}"` })
    }
    for (const col of oldByName.keys()) if (!newByName.has(col)) changes.push({ table, what: `table \`${table}\`: ${what(col)} was dropped` })
    if (changes.length === counted && old.join('\n') !== columns.join('\n')) changes.push({ table, what: `table \`${table}\`: columns were reordered` })
  }
  return changes
}

/** What changed between two fingerprints, one readable line per change; empty when nothing did. */
export function diffFingerprint(before: Fingerprint, after: Fingerprint): string[] {
  return fingerprintChanges(before, after).map((c) => c.what)
}

const RULES = new Set<ReferentialRule>(['CASCADE', 'SET NULL', 'SET DEFAULT', 'RESTRICT', 'NO ACTION'])
const rule = (value: unknown): ReferentialRule => (RULES.has(value as ReferentialRule) ? (value as ReferentialRule) : 'RESTRICT')

/** Tables, keys and foreign keys of one database, read from information_schema. */
export async function readSchema(conn: Connection, database: string): Promise<SchemaInfo> {
  const [tableRows] = await conn.query<RowDataPacket[]>(
    `SELECT TABLE_NAME AS t, ENGINE AS en, TABLE_TYPE AS ty FROM information_schema.TABLES
      WHERE TABLE_SCHEMA = ? AND TABLE_TYPE IN ('BASE TABLE', 'SEQUENCE') AND ${binary('TABLE_NAME')} NOT LIKE ? ORDER BY TABLE_NAME`,
    [database, PRIVATE_LIKE],
  )
  const [columnRows] = await conn.query<RowDataPacket[]>(
    `SELECT TABLE_NAME AS t, COLUMN_NAME AS c, COLUMN_TYPE AS ty, COLUMN_KEY AS k, EXTRA AS e,
            CHARACTER_SET_NAME AS cs, COLLATION_NAME AS co
       FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = ? ORDER BY TABLE_NAME, ORDINAL_POSITION`,
    [database],
  )
  const [keyRows] = await conn.query<RowDataPacket[]>(
    `SELECT TABLE_NAME AS t, COLUMN_NAME AS c FROM information_schema.KEY_COLUMN_USAGE
      WHERE TABLE_SCHEMA = ? AND CONSTRAINT_NAME = 'PRIMARY' ORDER BY TABLE_NAME, ORDINAL_POSITION`,
    [database],
  )
  const [fkRows] = await conn.query<RowDataPacket[]>(
    `SELECT k.CONSTRAINT_NAME AS name, k.TABLE_NAME AS t, k.COLUMN_NAME AS c,
            k.REFERENCED_TABLE_NAME AS rt, k.REFERENCED_COLUMN_NAME AS rc, r.DELETE_RULE AS del, r.UPDATE_RULE AS upd
       FROM information_schema.KEY_COLUMN_USAGE k
       JOIN information_schema.REFERENTIAL_CONSTRAINTS r
         ON r.CONSTRAINT_SCHEMA = k.CONSTRAINT_SCHEMA AND r.CONSTRAINT_NAME = k.CONSTRAINT_NAME AND r.TABLE_NAME = k.TABLE_NAME
      WHERE k.TABLE_SCHEMA = ? AND k.REFERENCED_TABLE_SCHEMA = ? AND k.REFERENCED_TABLE_NAME IS NOT NULL
      ORDER BY k.TABLE_NAME, k.CONSTRAINT_NAME, k.ORDINAL_POSITION`,
    [database, database],
  )

  const tables = new Map<string, TableInfo>()
  const sequences: string[] = []
  for (const r of tableRows)
    if (r.ty === 'SEQUENCE') sequences.push(String(r.t))
    else
      tables.set(r.t, { name: r.t, insertable: [], primaryKey: [], types: new Map(), hasAutoIncrement: false, transactional: /^innodb$/i.test(String(r.en ?? '')) })
  for (const r of columnRows) {
    const table = tables.get(r.t)
    if (!table) continue
    const extra = String(r.e ?? '')
    // Generated columns are computed again on insert; MySQL 8 marks DEFAULT CURRENT_TIMESTAMP as DEFAULT_GENERATED.
    if (/GENERATED/i.test(extra) && !/DEFAULT_GENERATED/i.test(extra)) continue
    table.insertable.push(r.c)
    table.types.set(r.c, r.cs ? `${r.ty} CHARACTER SET ${r.cs} COLLATE ${r.co}` : String(r.ty))
    if (/auto_increment/i.test(extra)) table.hasAutoIncrement = true
  }
  for (const r of keyRows) tables.get(r.t)?.primaryKey.push(r.c)

  const byName = new Map<string, ForeignKey>()
  for (const r of fkRows) {
    const key = `${r.t}\u0000${r.name}`
    let fk = byName.get(key)
    if (!fk) {
      fk = { name: r.name, table: r.t, columns: [], refTable: r.rt, refColumns: [], onDelete: rule(r.del), onUpdate: rule(r.upd) }
      byName.set(key, fk)
    }
    fk.columns.push(r.c)
    fk.refColumns.push(r.rc)
  }
  return { tables, sequences, foreignKeys: [...byName.values()].filter((fk) => tables.has(fk.table) && tables.has(fk.refTable)) }
}
