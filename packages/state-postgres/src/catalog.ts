import type pg from 'pg'
import { qualified } from './sql'

/** A table the backend tracks, as the catalog describes it. */
export interface TrackedTable {
  oid: string
  schema: string
  name: string
  /** `"schema"."name"`, ready for SQL. */
  sql: string
  /** Primary-key columns; empty when the table has none (it is then restored whole). */
  primaryKey: string[]
  /** Columns an INSERT may write (generated columns left out). */
  columns: string[]
  /** An `identity always` column needs OVERRIDING SYSTEM VALUE to take the saved ids back. */
  identityAlways: boolean
}

export interface TrackedSequence {
  oid: string
  sql: string
  display: string
}

export interface Scope {
  schemas: string[]
  tables?: string[]
  exclude: string[]
}

/** The schema part of `schema.table` names in the options. */
function schemasOf(scope: Scope): string[] {
  const extra = (scope.tables ?? []).filter((t) => t.includes('.')).map((t) => t.split('.')[0]!)
  return [...new Set([...scope.schemas, ...extra])].filter((s) => s !== PRIVATE_SCHEMA)
}

export const PRIVATE_SCHEMA = '_venomqa'

function matches(spec: string, schema: string, name: string, defaultSchemas: string[]): boolean {
  if (spec.includes('.')) return spec === `${schema}.${name}`
  return spec === name && defaultSchemas.includes(schema)
}

export function inScope(scope: Scope, schema: string, name: string): boolean {
  if (schema === PRIVATE_SCHEMA) return false
  if (scope.exclude.some((e) => matches(e, schema, name, schemasOf(scope)))) return false
  if (scope.tables) return scope.tables.some((t) => matches(t, schema, name, scope.schemas))
  return scope.schemas.includes(schema)
}

const TABLES_SQL = `
SELECT c.oid::int8::text AS oid, n.nspname::text AS schema, c.relname::text AS name,
  coalesce((SELECT array_agg(a.attname::text ORDER BY array_position(i.indkey::int2[], a.attnum))
     FROM pg_index i JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = ANY(i.indkey::int2[])
     WHERE i.indrelid = c.oid AND i.indisprimary), '{}') AS pk,
  coalesce((SELECT array_agg(a.attname::text ORDER BY a.attnum) FROM pg_attribute a
     WHERE a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped AND a.attgenerated = ''), '{}') AS columns,
  EXISTS (SELECT 1 FROM pg_attribute a WHERE a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped AND a.attidentity = 'a') AS identity_always
FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE c.relkind = 'r' AND n.nspname = ANY($1::text[])
ORDER BY n.nspname, c.relname`

export async function findTables(client: pg.ClientBase, scope: Scope): Promise<{ tables: TrackedTable[]; missing: string[] }> {
  const { rows } = await client.query(TABLES_SQL, [schemasOf(scope)])
  const tables: TrackedTable[] = rows
    .filter((r) => inScope(scope, r.schema, r.name))
    .map((r) => ({
      oid: r.oid,
      schema: r.schema,
      name: r.name,
      sql: qualified(r.schema, r.name),
      primaryKey: r.pk,
      columns: r.columns,
      identityAlways: r.identity_always,
    }))
  const missing = (scope.tables ?? []).filter((t) => !rows.some((x) => matches(t, x.schema, x.name, scope.schemas)))
  return { tables, missing }
}

const SEQUENCES_SQL = `
SELECT s.oid::int8::text AS oid, n.nspname::text AS schema, s.relname::text AS name,
  (SELECT d.refobjid::int8::text FROM pg_depend d
    WHERE d.classid = 'pg_class'::regclass AND d.objid = s.oid AND d.refclassid = 'pg_class'::regclass AND d.deptype IN ('a', 'i')
    LIMIT 1) AS owner
FROM pg_class s JOIN pg_namespace n ON n.oid = s.relnamespace
WHERE s.relkind = 'S' AND n.nspname <> '${PRIVATE_SCHEMA}'`

/**
 * The sequences whose values a checkpoint saves: those owned by a tracked table (serial, identity), and,
 * when whole schemas are tracked, the free-standing sequences of those schemas.
 */
export async function findSequences(client: pg.ClientBase, scope: Scope, tables: TrackedTable[]): Promise<TrackedSequence[]> {
  const tracked = new Set(tables.map((t) => t.oid))
  const { rows } = await client.query(SEQUENCES_SQL)
  return rows
    .filter((r) => (r.owner ? tracked.has(r.owner) : !scope.tables && scope.schemas.includes(r.schema)))
    .map((r) => ({ oid: r.oid, sql: qualified(r.schema, r.name), display: `${r.schema}.${r.name}` }))
}

const FINGERPRINT_SQL = `
SELECT n.nspname::text || '.' || c.relname::text AS table, c.oid::int8::text AS oid,
  md5(coalesce((SELECT string_agg(a.attnum || ':' || a.attname || ':' || format_type(a.atttypid, a.atttypmod) || ':' || a.attnotnull || ':' || a.attgenerated::text || ':' || a.attidentity::text, ',' ORDER BY a.attnum)
     FROM pg_attribute a WHERE a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped), '')
   || '|' || coalesce((SELECT string_agg(k.conname || ':' || k.contype::text || ':' || k.conkey::text, ',' ORDER BY k.conname)
     FROM pg_constraint k WHERE k.conrelid = c.oid), '')) AS shape,
  (SELECT string_agg(a.attname::text, ',' ORDER BY a.attnum) FROM pg_attribute a
     WHERE a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped) AS columns
FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE c.relkind = 'r' AND n.nspname = ANY($1::text[])
ORDER BY 1`

/** The shape of every table in scope: columns, types, constraints. DDL by a path changes it. */
export type Fingerprint = Map<string, { oid: string; shape: string; columns: string }>

export async function fingerprint(client: pg.ClientBase, scope: Scope): Promise<Fingerprint> {
  // Named, so the server plans it once per connection: it runs before every checkpoint and rollback.
  const { rows } = await client.query({ name: 'venomqa-fingerprint', text: FINGERPRINT_SQL, values: [schemasOf(scope)] })
  const out: Fingerprint = new Map()
  for (const r of rows) {
    const [schema, ...rest] = (r.table as string).split('.')
    if (inScope(scope, schema!, rest.join('.'))) out.set(r.table, { oid: r.oid, shape: r.shape, columns: r.columns ?? '' })
  }
  return out
}

/** What differs between two fingerprints, in words; empty when nothing does. */
export function describeSchemaChanges(before: Fingerprint, after: Fingerprint): string[] {
  const changes: string[] = []
  for (const [table, b] of before) {
    const a = after.get(table)
    if (!a) changes.push(`table ${table} was dropped or renamed`)
    else if (a.oid !== b.oid) changes.push(`table ${table} was dropped and created again`)
    else if (a.shape !== b.shape) {
      const was = new Set(b.columns.split(',').filter(Boolean))
      const now = new Set(a.columns.split(',').filter(Boolean))
      const added = [...now].filter((c) => !was.has(c))
      const removed = [...was].filter((c) => !now.has(c))
      const parts = [
        added.length ? `column(s) ${added.join(', ')} added` : '',
        removed.length ? `column(s) ${removed.join(', ')} dropped` : '',
      ].filter(Boolean)
      changes.push(`table ${table}: ${parts.join(', ') || 'column types or constraints changed'}`)
    }
  }
  for (const table of after.keys()) if (!before.has(table)) changes.push(`table ${table} was created`)
  return changes
}
