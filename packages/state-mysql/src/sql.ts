import { createHash } from 'node:crypto'

/** Every table and trigger this package creates starts with this prefix; nothing else may use it. */
export const PRIVATE_PREFIX = '_venomqa_'

/** `LIKE` pattern for the private objects (underscores escaped, they are wildcards otherwise). */
export const PRIVATE_LIKE = '\\_venomqa\\_%'

/**
 * `name` as a binary string, to match against PRIVATE_LIKE: information_schema compares names without
 * regard to case, so a plain LIKE would take the app's `_VenomQA_settings` for a private table (and drop it
 * at connect), though table and trigger names are case-sensitive on Linux.
 */
export function binary(name: string): string {
  return `CAST(${name} AS BINARY)`
}

/**
 * Whether information_schema may take two of `names` for one: its collation ignores case (and accents, on
 * MariaDB), and then answers `TABLE_NAME IN ('Notes', 'notes')` with one of the two tables only. Any name
 * beyond ASCII counts as one that may: accents and other foldings are the collation's to decide.
 */
export function namesMayCollide(names: readonly string[]): boolean {
  if (names.some((n) => /[^\x00-\x7f]/.test(n))) return true
  return new Set(names.map((n) => n.toLowerCase())).size < names.length
}

/** MySQL and MariaDB cap identifiers at 64 characters. */
const MAX_IDENTIFIER = 64

/** A quoted identifier: `name`, with backticks inside doubled. */
export function ident(name: string): string {
  return '`' + name.replace(/`/g, '``') + '`'
}

/** A quoted string literal for SQL built here (names only, never user data). */
export function literal(value: string): string {
  return "'" + value.replace(/\\/g, '\\\\').replace(/'/g, "''") + "'"
}

/**
 * The name of a private object that belongs to `table`: `_venomqa_<kind>_<table>`, shortened with a hash when
 * it would pass the 64-character limit, so two long table names never collide.
 */
export function privateName(kind: string, table: string): string {
  const full = `${PRIVATE_PREFIX}${kind}_${table}`
  if (full.length <= MAX_IDENTIFIER) return full
  const hash = createHash('sha1').update(table).digest('hex').slice(0, 8)
  const room = MAX_IDENTIFIER - PRIVATE_PREFIX.length - kind.length - hash.length - 2
  return `${PRIVATE_PREFIX}${kind}_${table.slice(0, room)}_${hash}`
}

export function isPrivateName(name: string): boolean {
  return name.startsWith(PRIVATE_PREFIX)
}

/** `a.x = b.x AND a.y = b.y` over the given columns. */
export function joinOn(left: string, right: string, columns: readonly string[], rightColumns: readonly string[] = columns): string {
  return columns.map((c, i) => `${left}.${ident(c)} = ${right}.${ident(rightColumns[i]!)}`).join(' AND ')
}

/** `alias.a, alias.b` (or `a, b` without an alias). */
export function columnList(columns: readonly string[], alias?: string): string {
  return columns.map((c) => (alias ? `${alias}.${ident(c)}` : ident(c))).join(', ')
}
