import { ConfigError, didYouMean } from '@venomqa/core'
import type pg from 'pg'
import { ident, qualified } from './sql'

/** Where the snapshot mechanism keeps its log and functions; never tracked itself. */
export const PRIVATE_SCHEMA = '_venomqa'

/** A table the backend tracks, as the catalog describes it. */
export interface TrackedTable {
  oid: string
  schema: string
  name: string
  /** `"schema"."name"`, ready for SQL. */
  sql: string
  /**
   * Primary-key columns; empty when the table has none (it is then restored whole), and when its key, or
   * one of its unique or exclusion constraints, is DEFERRABLE. A restore runs with session_replication_role
   * = replica, under which PostgreSQL checks no deferrable constraint, even at COMMIT: a key held by two
   * rows for a moment (`UPDATE ... SET id = 3 - id` swapping two) left the log's first entry of a key saying
   * it did not exist, and the rollback dropped that row; and a row the app committed after the restore's
   * snapshot, taking a key the restore puts back, was not refused (23505, which makes the restore start
   * over) but kept beside it, two rows under one key. Restored whole, such a table is emptied first, and a
   * statement on it waits for the restore to commit (see restore() in snapshot.ts).
   */
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
  /** The column that takes its values (serial, identity, `OWNED BY`), SQL-ready: where the ids it handed out are. */
  ownedBy?: { table: string; column: string }
}

export interface Scope {
  schemas: string[]
  tables?: string[]
  exclude: string[]
}

/** A table as the options name it: `name`, or `schema.name`; either part in double quotes as in SQL. */
export interface TableSpec {
  schema?: string
  name: string
}

/**
 * `orders`, `sales.orders`, `"my.schema".orders` or `"odd""name"`: a dot outside double quotes splits the
 * schema from the table, and `""` inside quotes is one `"`, as PostgreSQL writes identifiers. Names are
 * compared as written (the catalog's spelling), quoted or not: `Orders` is not `orders`. A spec that is
 * not one of these forms is an Error naming it (the options schema turns it into the key's issue).
 */
export function parseTableSpec(spec: string): TableSpec {
  const parts: string[] = []
  let part = ''
  let quoted = false
  let wasQuoted = false
  const bad = (why: string) => new Error(`"${spec}" is not a table name (${why}): write name, schema.name, or a part in double quotes, "my.schema".name`)
  for (let i = 0; i < spec.length; i++) {
    const c = spec[i]!
    if (quoted) {
      if (c !== '"') part += c
      else if (spec[i + 1] === '"') part += spec[++i]
      else quoted = false
    } else if (c === '"') {
      if (part) throw bad('a quote in the middle of a name')
      quoted = wasQuoted = true
    } else if (c === '.') {
      if (!part) throw bad('an empty part')
      parts.push(part)
      part = ''
      wasQuoted = false
    } else {
      if (wasQuoted) throw bad('text after a closing quote')
      part += c
    }
  }
  if (quoted) throw bad('a quote left open')
  if (!part) throw bad('an empty part')
  parts.push(part)
  if (parts.length > 2) throw bad('more than one dot outside quotes')
  return parts.length === 2 ? { schema: parts[0]!, name: parts[1]! } : { name: parts[0]! }
}

/**
 * The options' names, each parsed once: every checkpoint and rollback asks inScope of every table of the
 * catalog against them. Keyed by the text, which the options keep for the life of the backend.
 */
const parsedSpecs = new Map<string, TableSpec>()
function specOf(spec: string): TableSpec {
  let parsed = parsedSpecs.get(spec)
  if (!parsed) parsedSpecs.set(spec, (parsed = parseTableSpec(spec)))
  return parsed
}

/** The schema part of `schema.table` names in the options. */
function schemasOf(scope: Scope): string[] {
  const extra = (scope.tables ?? []).flatMap((t) => specOf(t).schema ?? [])
  return [...new Set([...scope.schemas, ...extra])].filter((s) => s !== PRIVATE_SCHEMA)
}

function matches(spec: string, schema: string, name: string, defaultSchemas: string[]): boolean {
  const table = specOf(spec)
  if (table.schema !== undefined) return table.schema === schema && table.name === name
  return table.name === name && defaultSchemas.includes(schema)
}

export function inScope(scope: Scope, schema: string, name: string): boolean {
  if (schema === PRIVATE_SCHEMA) return false
  if (scope.exclude.length) {
    const schemas = schemasOf(scope)
    if (scope.exclude.some((e) => matches(e, schema, name, schemas))) return false
  }
  if (scope.tables) return scope.tables.some((t) => matches(t, schema, name, scope.schemas))
  return scope.schemas.includes(schema)
}

const TABLES_SQL = `
SELECT c.oid::int8::text AS oid, n.nspname::text AS schema, c.relname::text AS name,
  CASE WHEN EXISTS (SELECT 1 FROM pg_constraint k WHERE k.conrelid = c.oid AND k.contype IN ('p', 'u', 'x') AND k.condeferrable) THEN '{}'::text[]
  ELSE coalesce((SELECT array_agg(a.attname::text ORDER BY array_position(i.indkey::int2[], a.attnum))
     FROM pg_index i JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = ANY(i.indkey::int2[])
     WHERE i.indrelid = c.oid AND i.indisprimary), '{}') END AS pk,
  coalesce((SELECT array_agg(a.attname::text ORDER BY a.attnum) FROM pg_attribute a
     WHERE a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped AND a.attgenerated = ''), '{}') AS columns,
  EXISTS (SELECT 1 FROM pg_attribute a WHERE a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped AND a.attidentity = 'a') AS identity_always
FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE c.relkind = 'r' AND n.nspname = ANY($1::text[])
ORDER BY n.nspname, c.relname`

export async function findTables(
  client: pg.ClientBase,
  scope: Scope,
): Promise<FoundTables> {
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
  const unmatched = (specs: readonly string[], defaultSchemas: string[]) =>
    specs.flatMap((spec, index) => (rows.some((x) => matches(spec, x.schema, x.name, defaultSchemas)) ? [] : [{ spec, index, near: nearestTable(spec, rows, defaultSchemas) }]))
  return {
    tables,
    missing: unmatched(scope.tables ?? [], scope.schemas),
    missingExcluded: unmatched(scope.exclude, schemasOf(scope)),
    searched: rows.map((r) => (scope.schemas.includes(r.schema) ? r.name : `${r.schema}.${r.name}`)),
  }
}

/** The tables of the scope, and the names of the options that match none. */
export interface FoundTables {
  tables: TrackedTable[]
  missing: UnmatchedTable[]
  missingExcluded: UnmatchedTable[]
  /** Every table of the schemas searched, as the options would name it: bare in `schemas`, else `schema.name`. */
  searched: string[]
}

// The schemas a user's tables can be in: not PostgreSQL's own, nor VenomQA's.
const USER_SCHEMAS_SQL = `SELECT nspname::text AS name FROM pg_namespace
WHERE nspname NOT LIKE 'pg\\_%' AND nspname <> 'information_schema' AND nspname <> $1 ORDER BY 1`

/**
 * The first name of `schemas`, `tables` or `exclude` that the database has nothing of, as the mistake in
 * the options it is: a ConfigError at that key (`tables[0]`, which the runner places at the plugin's entry:
 * exit 2), with what was most likely meant and what there is. Every mechanism asks it at connect, and
 * `venomqa doctor` before a run: a misspelt `exclude` leaves nothing out, and the table meant is rolled
 * back with the others; a misspelt schema among others is tracked by no one. `database` as messages name it.
 */
export async function optionNamesMistake(client: pg.ClientBase, backend: string, scope: Scope, database: string): Promise<ConfigError | undefined> {
  const schemas = (await client.query(USER_SCHEMAS_SQL, [PRIVATE_SCHEMA])).rows.map((r) => r.name as string)
  const schemaIndex = scope.schemas.findIndex((s) => !schemas.includes(s))
  if (schemaIndex !== -1) {
    const schema = scope.schemas[schemaIndex]!
    return notThere(backend, { option: 'schemas', index: schemaIndex, spec: schema, near: didYouMean(schema, schemas) }, 'schema', database, schemas)
  }
  const found = await findTables(client, scope)
  const [first] = found.missing.length ? found.missing.map((u) => ({ ...u, option: 'tables' as const })) : found.missingExcluded.map((u) => ({ ...u, option: 'exclude' as const }))
  return first && notThere(backend, first, 'table', database, found.searched)
}

function notThere(backend: string, u: UnmatchedTable & { option: string }, kind: 'schema' | 'table', database: string, there: readonly string[]): ConfigError {
  const near = u.near ? `did you mean "${u.near}"? ` : ''
  return new ConfigError(`state backend "${backend}": "${u.spec}" in \`${u.option}\` is not a ${kind} of ${database} (${near}its ${kind}s: ${there.join(', ') || 'none'})`, {
    where: `${u.option}[${u.index}]`,
  })
}

/** A name of the options that names no table: `spec`, and the table it most likely meant, for "did you mean". */
export interface UnmatchedTable {
  spec: string
  /** Its place in the option's list: `tables[index]`. */
  index: number
  near?: string
}

/** The table `spec` most likely meant, written as the options would name it: bare in a default schema, else `schema.name`. */
function nearestTable(spec: string, rows: readonly { schema: string; name: string }[], defaultSchemas: string[]): string | undefined {
  const names = rows.map((r) => (defaultSchemas.includes(r.schema) && specOf(spec).schema === undefined ? r.name : `${r.schema}.${r.name}`))
  return didYouMean(spec, names)
}

/** `todoz (did you mean "todos"?), userz`: the unmatched names, as a message lists them. */
export function describeUnmatched(unmatched: readonly UnmatchedTable[]): string {
  return unmatched.map((u) => (u.near ? `${u.spec} (did you mean "${u.near}"?)` : u.spec)).join(', ')
}

// $1: the oids of the tracked tables. Partitioned tables (relkind 'p') are left out as referencing tables:
// their partitions carry copies of the constraint, and are tracked themselves.
const UNTRACKED_DEPENDENTS_SQL = `
SELECT k.conname::text AS name, cn.nspname::text AS schema, c.relname::text AS table_name,
  pn.nspname::text AS ref_schema, p.relname::text AS ref_table, k.confdeltype::text AS del, k.confupdtype::text AS upd
FROM pg_constraint k
JOIN pg_class c ON c.oid = k.conrelid JOIN pg_namespace cn ON cn.oid = c.relnamespace
JOIN pg_class p ON p.oid = k.confrelid JOIN pg_namespace pn ON pn.oid = p.relnamespace
WHERE k.contype = 'f' AND k.confrelid = ANY($1::oid[]) AND NOT (k.conrelid = ANY($1::oid[])) AND c.relkind <> 'p'
  AND cn.nspname <> '${PRIVATE_SCHEMA}' AND (k.confdeltype IN ('c', 'n', 'd') OR k.confupdtype IN ('c', 'n', 'd'))
ORDER BY 2, 3, 1`

const ACTIONS: Record<string, string> = { c: 'CASCADE', n: 'SET NULL', d: 'SET DEFAULT' }

/**
 * Tables left out of the tracking (outside `schemas`, not in `tables`, or excluded) whose foreign key
 * to a tracked table has an action that changes their rows (ON DELETE CASCADE, SET NULL, SET DEFAULT, or
 * the same ON UPDATE): a path that deletes a tracked row deletes theirs, and the rollback puts back the
 * tracked row only. One line per such key, for a notice at connect.
 */
export async function untrackedDependents(client: pg.ClientBase, tables: TrackedTable[]): Promise<string[]> {
  const { rows } = await client.query(UNTRACKED_DEPENDENTS_SQL, [tables.map((t) => t.oid)])
  return rows.map((r) => {
    const actions = [ACTIONS[r.del] ? `ON DELETE ${ACTIONS[r.del]}` : '', ACTIONS[r.upd] ? `ON UPDATE ${ACTIONS[r.upd]}` : ''].filter(Boolean).join(' ')
    return `table ${r.schema}.${r.table_name} (foreign key ${r.name} ${actions} to tracked table ${r.ref_schema}.${r.ref_table})`
  })
}

// $1: the oids of the tracked tables.
const SEQUENCES_SQL = `
SELECT s.oid::int8::text AS oid, n.nspname::text AS schema, s.relname::text AS name,
  dep.refobjid::int8::text AS owner, tn.nspname::text AS owner_schema, t.relname::text AS owner_table, a.attname::text AS owner_column,
  -- Owned by a tracked table, or by a partitioned table (relkind 'p', never tracked itself: its rows are in its
  -- partitions) with a tracked partition: a bigserial of the parent hands out the ids of its partitions' rows.
  (dep.refobjid = ANY($1::oid[])
    OR (t.relkind = 'p' AND EXISTS (SELECT 1 FROM pg_partition_tree(t.oid) p WHERE p.relid = ANY($1::oid[])))) AS owner_tracked,
  -- A column default of a tracked table calls it (DEFAULT nextval('seq')): pg_depend rows of pg_attrdef.
  EXISTS (SELECT 1 FROM pg_depend d JOIN pg_attrdef ad ON ad.oid = d.objid
    WHERE d.classid = 'pg_attrdef'::regclass AND d.refclassid = 'pg_class'::regclass AND d.refobjid = s.oid
      AND ad.adrelid = ANY($1::oid[])) AS default_of_tracked
FROM pg_class s JOIN pg_namespace n ON n.oid = s.relnamespace
LEFT JOIN LATERAL (SELECT d.refobjid, d.refobjsubid FROM pg_depend d
    WHERE d.classid = 'pg_class'::regclass AND d.objid = s.oid AND d.refclassid = 'pg_class'::regclass AND d.deptype IN ('a', 'i')
    LIMIT 1) dep ON true
LEFT JOIN pg_class t ON t.oid = dep.refobjid
LEFT JOIN pg_namespace tn ON tn.oid = t.relnamespace
LEFT JOIN pg_attribute a ON a.attrelid = dep.refobjid AND a.attnum = dep.refobjsubid AND dep.refobjsubid > 0
WHERE s.relkind = 'S' AND n.nspname <> '${PRIVATE_SCHEMA}'`

/**
 * The sequences whose values a checkpoint saves: those owned by a tracked table (serial, identity) or by a
 * partitioned table one of whose partitions is tracked; those a tracked table's column default calls, owned
 * or not (with `tables`, a free-standing `DEFAULT nextval('seq')` would otherwise go on from where a path
 * left it); and, when whole schemas are tracked, the free-standing sequences of those schemas.
 */
export async function findSequences(client: pg.ClientBase, scope: Scope, tables: TrackedTable[]): Promise<TrackedSequence[]> {
  const { rows } = await client.query(SEQUENCES_SQL, [tables.map((t) => t.oid)])
  return rows
    .filter((r) => r.owner_tracked || r.default_of_tracked || (!r.owner && !scope.tables && scope.schemas.includes(r.schema)))
    .map((r) => ({
      oid: r.oid,
      sql: qualified(r.schema, r.name),
      display: `${r.schema}.${r.name}`,
      ...(r.owner_column ? { ownedBy: { table: qualified(r.owner_schema, r.owner_table), column: ident(r.owner_column) } } : {}),
    }))
}

/**
 * The shape of every table and sequence of the given schemas, as a plpgsql function in the private schema:
 * its plan is cached, and a rollback can call it in the same round trip as the rest of its first statements.
 *
 * `capture_state` is the row version (xmin) of each change-tracking trigger of a table. `ALTER TABLE ...
 * DISABLE TRIGGER` rewrites the trigger's catalog row, and so does the `ENABLE TRIGGER` that follows: the
 * trigger looks as it did, but its row version moved, and the writes made in between were never logged.
 * Catalog rows keep their xmin when frozen, so only a change of the trigger moves it.
 */
export const SHAPE_FUNCTION_SQL = `
-- What a materialized view holds: its definition and indexes, then its rows. The rows are an order-free sum
-- of each row's hash, with the count: sorting every row into one text took seconds a checkpoint on a view
-- of millions of rows, and past about 50 million hit the 1 GB text limit. Hashed by content, not by where
-- each row is stored: CLUSTER and VACUUM FULL write the same rows into a new file (a new relfilenode,
-- new ctids) and are no refresh; a REFRESH (plain or CONCURRENTLY) that changed no row leaves nothing to
-- put back either. (t.*)::text, not t::text: a column named t would be taken for the row.
CREATE FUNCTION "${PRIVATE_SCHEMA}".matview_state(mv regclass) RETURNS text
LANGUAGE plpgsql STABLE SET search_path = pg_catalog, pg_temp AS $mv$
DECLARE digest text;
DECLARE definition text := md5(coalesce(pg_catalog.pg_get_viewdef(mv), '') || '|' || coalesce((SELECT string_agg(pg_catalog.pg_get_indexdef(i.indexrelid), ',' ORDER BY i.indexrelid)
    FROM pg_catalog.pg_index i WHERE i.indrelid = mv), ''));
BEGIN
  IF NOT (SELECT relispopulated FROM pg_catalog.pg_class WHERE oid = mv) THEN RETURN definition || '|unpopulated'; END IF;
  -- A view this user may not read (a report owned by another role) is no tracked table: reading it failed
  -- every connect. Its file node still shows a plain REFRESH (and a CLUSTER or VACUUM FULL, told apart
  -- from it by nothing this user may see); a CONCURRENTLY one goes unseen (README).
  IF NOT pg_catalog.has_table_privilege(mv, 'SELECT') THEN
    RETURN definition || '|' || (SELECT relfilenode::text FROM pg_catalog.pg_class WHERE oid = mv) || ':not readable';
  END IF;
  EXECUTE format('SELECT count(*) || '':'' || coalesce(sum(hashtextextended((t.*)::text, 0)::numeric), 0) FROM %s t', mv) INTO digest;
  RETURN definition || '|' || digest;
END
$mv$;
-- A generic plan: with the custom plans PostgreSQL tries first for a parameter, this union was planned anew
-- at each call (about 2 ms). Any SET session_replication_role drops every cached plan: the backend sets it
-- once for its session (see prepare() in snapshot.ts), not at each rollback.
CREATE FUNCTION "${PRIVATE_SCHEMA}".shape(schemas text[])
RETURNS TABLE (schema_name text, table_name text, table_oid text, shape text, columns text, kind text, capture_state text)
LANGUAGE plpgsql STABLE SET plan_cache_mode = force_generic_plan AS $fn$
BEGIN
  RETURN QUERY
  SELECT n.nspname::text, c.relname::text, c.oid::int8::text,
    md5(coalesce((SELECT string_agg(a.attnum || ':' || a.attname || ':' || format_type(a.atttypid, a.atttypmod) || ':' || a.attnotnull
         || ':' || a.attgenerated::text || ':' || a.attidentity::text, ',' ORDER BY a.attnum)
       FROM pg_catalog.pg_attribute a WHERE a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped), '')
     || '|' || coalesce((SELECT string_agg(k.conname || ':' || pg_catalog.pg_get_constraintdef(k.oid), ',' ORDER BY k.conname)
       FROM pg_catalog.pg_constraint k WHERE k.conrelid = c.oid), '')
     || '|' || coalesce((SELECT string_agg(d.adnum || ':' || pg_catalog.pg_get_expr(d.adbin, d.adrelid), ',' ORDER BY d.adnum)
       FROM pg_catalog.pg_attrdef d WHERE d.adrelid = c.oid), '')
     || '|' || coalesce((SELECT string_agg(pg_catalog.pg_get_indexdef(i.indexrelid), ',' ORDER BY i.indexrelid)
       FROM pg_catalog.pg_index i WHERE i.indrelid = c.oid), '')
     || '|' || coalesce((SELECT string_agg(g.tgname || ':' || g.tgenabled::text || ':' || g.tgtype::text || ':' || g.tgfoid::text, ',' ORDER BY g.tgname)
       FROM pg_catalog.pg_trigger g WHERE g.tgrelid = c.oid AND NOT g.tgisinternal), '')),
    (SELECT string_agg(a.attname::text, ',' ORDER BY a.attnum) FROM pg_catalog.pg_attribute a
       WHERE a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped),
    'table'::text,
    coalesce((SELECT string_agg(g.tgname || ':' || g.xmin::text, ',' ORDER BY g.tgname)
       FROM pg_catalog.pg_trigger g WHERE g.tgrelid = c.oid AND g.tgname LIKE '\\_venomqa\\_capture%'), '')
  FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
  WHERE c.relkind = 'r' AND n.nspname = ANY(schemas)
  UNION ALL
  SELECT n.nspname::text, c.relname::text, c.oid::int8::text,
    md5(format_type(s.seqtypid, NULL) || ':' || s.seqstart || ':' || s.seqincrement || ':' || s.seqmin || ':' || s.seqmax
      || ':' || s.seqcache || ':' || s.seqcycle),
    ''::text, 'sequence'::text, ''::text
  FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
  JOIN pg_catalog.pg_sequence s ON s.seqrelid = c.oid
  WHERE c.relkind = 'S' AND n.nspname = ANY(schemas)
  UNION ALL
  SELECT n.nspname::text, c.relname::text, c.oid::int8::text, "${PRIVATE_SCHEMA}".matview_state(c.oid), ''::text, 'materialized view'::text, ''::text
  FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
  WHERE c.relkind = 'm' AND n.nspname = ANY(schemas)
  UNION ALL
  SELECT n.nspname::text, t.typname::text, t.oid::int8::text,
    -- coalesce: an enum with no label yet has no labels to join, and a null state hid every change of it.
    md5(coalesce((SELECT string_agg(e.enumlabel::text || ':' || e.enumsortorder::text, ',' ORDER BY e.enumsortorder) FROM pg_catalog.pg_enum e WHERE e.enumtypid = t.oid), ''))
      || '|' || md5(t.typowner::text || ':' || coalesce(t.typacl::text, '')),
    ''::text, 'enum type'::text, ''::text
  FROM pg_catalog.pg_type t JOIN pg_catalog.pg_namespace n ON n.oid = t.typnamespace
  WHERE t.typtype = 'e' AND n.nspname = ANY(schemas)
  UNION ALL
  -- Functions and procedures, summed up per schema (see ROUTINES_SQL): which one changed is looked up only
  -- when a sum moved. Describing each one (its argument types' names, a hash of its row) at every checkpoint
  -- and rollback cost about 6 ms on a schema of 500 functions; the sum about 1 ms. The comment is looked up
  -- by its index: a join read every comment of the database, the built-in functions' thousands included.
  SELECT n.nspname::text, ''::text, n.oid::int8::text,
    count(*) || ':' || coalesce(sum(hashtextextended(p.oid::text || ':' || p.xmin::text || ':' || coalesce((SELECT d.xmin::text FROM pg_catalog.pg_description d
      WHERE d.objoid = p.oid AND d.classoid = 'pg_catalog.pg_proc'::regclass AND d.objsubid = 0), ''), 0)::numeric), 0),
    ''::text, 'routines'::text, ''::text
  FROM pg_catalog.pg_namespace n JOIN pg_catalog.pg_proc p ON p.pronamespace = n.oid
  WHERE n.nspname = ANY(schemas)
  GROUP BY n.nspname, n.oid
  UNION ALL
  -- Views: the query, the options (security_barrier, check_option), the columns and their defaults, and
  -- INSTEAD OF triggers.
  SELECT n.nspname::text, c.relname::text, c.oid::int8::text,
    md5(coalesce(pg_catalog.pg_get_viewdef(c.oid), '') || '|' || coalesce(c.reloptions::text, '')
      || '|' || coalesce((SELECT string_agg(a.attname || ':' || format_type(a.atttypid, a.atttypmod), ',' ORDER BY a.attnum)
         FROM pg_catalog.pg_attribute a WHERE a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped), '')
      || '|' || coalesce((SELECT string_agg(ad.adnum || ':' || pg_catalog.pg_get_expr(ad.adbin, ad.adrelid), ',' ORDER BY ad.adnum)
         FROM pg_catalog.pg_attrdef ad WHERE ad.adrelid = c.oid), '')
      || '|' || coalesce((SELECT string_agg(g.tgname || ':' || g.tgenabled::text || ':' || g.tgtype::text || ':' || g.tgfoid::text, ',' ORDER BY g.tgname)
         FROM pg_catalog.pg_trigger g WHERE g.tgrelid = c.oid AND NOT g.tgisinternal), '')),
    ''::text, 'view'::text, ''::text
  FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
  WHERE c.relkind = 'v' AND n.nspname = ANY(schemas)
  UNION ALL
  -- GRANT, REVOKE and COMMENT ON a table, view, materialized view or sequence, or one of its columns: a
  -- row of their own, so that a table whose privileges changed is still restored. Only relations that have
  -- any; \`columns\` holds the relkind, which says whether the table is in scope.
  SELECT n.nspname::text, c.relname::text, c.oid::int8::text,
    md5(coalesce(c.relacl::text, '') || '|' || coalesce((SELECT string_agg(a.attnum || ':' || a.attacl::text, ',' ORDER BY a.attnum)
         FROM pg_catalog.pg_attribute a WHERE a.attrelid = c.oid AND a.attacl IS NOT NULL), '')
      || '|' || coalesce((SELECT string_agg(d.objsubid || ':' || d.description, ',' ORDER BY d.objsubid)
         FROM pg_catalog.pg_description d WHERE d.classoid = 'pg_catalog.pg_class'::regclass AND d.objoid = c.oid), '')),
    c.relkind::text, 'privileges or comment'::text, ''::text
  FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
  WHERE c.relkind IN ('r', 'p', 'v', 'm', 'S', 'f') AND n.nspname = ANY(schemas)
    AND (c.relacl IS NOT NULL
      OR EXISTS (SELECT 1 FROM pg_catalog.pg_attribute a WHERE a.attrelid = c.oid AND a.attacl IS NOT NULL)
      OR EXISTS (SELECT 1 FROM pg_catalog.pg_description d WHERE d.classoid = 'pg_catalog.pg_class'::regclass AND d.objoid = c.oid))
  UNION ALL
  -- Composite types, domains and range types, summed up per schema as functions are (see types()): which
  -- one changed is looked up only when a sum moved.
  SELECT t.schema_name, ''::text, ''::text,
    count(*) || ':' || coalesce(sum(hashtextextended(t.table_oid || ':' || t.shape, 0)::numeric), 0),
    ''::text, 'types'::text, ''::text
  FROM "${PRIVATE_SCHEMA}".types(schemas) t
  GROUP BY t.schema_name
  UNION ALL
  -- The rights no relation's row tells, which a path may change and every later path would run under: each
  -- schema's owner and privileges (GRANT or REVOKE ON SCHEMA) and the default privileges set in it (ALTER
  -- DEFAULT PRIVILEGES IN SCHEMA), then the database's owner and privileges and the default privileges set
  -- for all its schemas. Each part hashed on its own (an ACL's role names may hold a |), so that the
  -- message names the one that moved. One row per schema and one for the database: pg_default_acl is
  -- small, and read by its schema.
  SELECT n.nspname::text, ''::text, n.oid::int8::text,
    n.nspowner::text || '|' || md5(coalesce(n.nspacl::text, '')) || '|' || md5(coalesce((SELECT string_agg(d.defaclrole::text || ':' || d.defaclobjtype::text || '=' || d.defaclacl::text, ',' ORDER BY d.defaclrole, d.defaclobjtype)
      FROM pg_catalog.pg_default_acl d WHERE d.defaclnamespace = n.oid), '')),
    ''::text, 'schema'::text, ''::text
  FROM pg_catalog.pg_namespace n
  WHERE n.nspname = ANY(schemas)
  UNION ALL
  SELECT ''::text, db.datname::text, db.oid::int8::text,
    db.datdba::text || '|' || md5(coalesce(db.datacl::text, '')) || '|' || md5(coalesce((SELECT string_agg(d.defaclrole::text || ':' || d.defaclobjtype::text || '=' || d.defaclacl::text, ',' ORDER BY d.defaclrole, d.defaclobjtype)
      FROM pg_catalog.pg_default_acl d WHERE d.defaclnamespace = 0), '')),
    ''::text, 'database'::text, ''::text
  FROM pg_catalog.pg_database db
  WHERE db.datname = pg_catalog.current_database()
  UNION ALL
  -- The owner and row-level security of each relation, its policies and its rules, summed up per schema
  -- (see relations()): a row of their own, apart from the tables' shape, so that a table whose owner,
  -- policies or rules changed is still restored. Values, not row versions, for pg_class: its row is
  -- rewritten by much that other rows tell (a column added, a GRANT). A view's own rule (_RETURN) is its
  -- query, which the view's row tells.
  SELECT n.nspname::text, ''::text, n.oid::int8::text,
    (SELECT count(*) || ':' || coalesce(sum(h), 0) FROM (
      SELECT hashtextextended('relation ' || c.oid::text || ':' || c.relowner::text || ':' || c.relrowsecurity::text || ':' || c.relforcerowsecurity::text, 0)::numeric
      FROM pg_catalog.pg_class c WHERE c.relnamespace = n.oid AND c.relkind IN ('r', 'p', 'v', 'm', 'S', 'f')
      UNION ALL
      SELECT hashtextextended('policy ' || p.oid::text || ':' || p.xmin::text, 0)::numeric
      FROM pg_catalog.pg_policy p JOIN pg_catalog.pg_class c ON c.oid = p.polrelid WHERE c.relnamespace = n.oid
      UNION ALL
      SELECT hashtextextended('rule ' || r.oid::text || ':' || r.xmin::text, 0)::numeric
      FROM pg_catalog.pg_rewrite r JOIN pg_catalog.pg_class c ON c.oid = r.ev_class
      WHERE c.relnamespace = n.oid AND r.rulename <> '_RETURN') AS each_one(h)),
    ''::text, 'relations'::text, ''::text
  FROM pg_catalog.pg_namespace n
  WHERE n.nspname = ANY(schemas)
  ORDER BY 1, 2;
END
$fn$;
-- Each function and procedure of the schemas, named with its argument types (overloads are told apart). Its
-- state is the row version (xmin) of its catalog row and of its comment's: CREATE OR REPLACE, ALTER
-- FUNCTION (options, owner, name), GRANT and REVOKE EXECUTE each write the row anew, and COMMENT ON writes
-- the comment's. A row keeps its xmin when frozen, so only a change moves it. A function dropped and
-- created again has another oid.
CREATE FUNCTION "${PRIVATE_SCHEMA}".routines(schemas text[])
RETURNS TABLE (schema_name text, table_name text, table_oid text, shape text, columns text, kind text, capture_state text)
LANGUAGE sql STABLE AS $fn$
  SELECT n.nspname::text, p.proname::text || '(' || pg_catalog.pg_get_function_identity_arguments(p.oid) || ')', p.oid::int8::text,
    p.xmin::text || ':' || coalesce(d.xmin::text, ''), ''::text, CASE p.prokind WHEN 'p' THEN 'procedure' ELSE 'function' END, ''::text
  FROM pg_catalog.pg_proc p JOIN pg_catalog.pg_namespace n ON n.oid = p.pronamespace
  LEFT JOIN pg_catalog.pg_description d ON d.classoid = 'pg_catalog.pg_proc'::regclass AND d.objoid = p.oid AND d.objsubid = 0
  WHERE n.nspname = ANY(schemas)
$fn$;
-- Each composite type (CREATE TYPE ... AS, not a table's row type), domain and range type of the schemas.
-- Its state is the row version of its catalog row and of its comment's, with those of a composite type's
-- attributes (ALTER TYPE ... ADD, DROP, ALTER or RENAME ATTRIBUTE rewrite them, not the type's row) and of
-- a domain's constraints (ALTER DOMAIN ... ADD, DROP, VALIDATE or RENAME CONSTRAINT). The shape's types row
-- sums these states, so the two must read the same rows.
CREATE FUNCTION "${PRIVATE_SCHEMA}".types(schemas text[])
RETURNS TABLE (schema_name text, table_name text, table_oid text, shape text, columns text, kind text, capture_state text)
LANGUAGE sql STABLE AS $fn$
  SELECT n.nspname::text, t.typname::text, t.oid::int8::text,
    t.xmin::text || ':' || coalesce((SELECT d.xmin::text FROM pg_catalog.pg_description d
        WHERE d.objoid = t.oid AND d.classoid = 'pg_catalog.pg_type'::regclass AND d.objsubid = 0), '')
      || ':' || CASE t.typtype
        WHEN 'c' THEN coalesce((SELECT string_agg(a.attnum || '=' || a.xmin::text, ',' ORDER BY a.attnum)
          FROM pg_catalog.pg_attribute a WHERE a.attrelid = t.typrelid), '')
        WHEN 'd' THEN coalesce((SELECT string_agg(k.oid::text || '=' || k.xmin::text, ',' ORDER BY k.oid)
          FROM pg_catalog.pg_constraint k WHERE k.contypid = t.oid), '')
        ELSE '' END,
    ''::text, CASE t.typtype WHEN 'c' THEN 'composite type' WHEN 'd' THEN 'domain' ELSE 'range type' END, ''::text
  FROM pg_catalog.pg_type t JOIN pg_catalog.pg_namespace n ON n.oid = t.typnamespace
  -- The relkind looked up for each composite type by its index: a join hashed the whole of pg_class, twice
  -- the cost of this function on a schema of 50 tables (each table's row type is a composite type too).
  WHERE n.nspname = ANY(schemas)
    AND (t.typtype IN ('d', 'r') OR (t.typtype = 'c' AND (SELECT c.relkind FROM pg_catalog.pg_class c WHERE c.oid = t.typrelid) = 'c'))
$fn$;
-- The owner and row-level security (enabled, forced) of each table, view, materialized view, sequence and
-- foreign table of the schemas, with its policies and rules (each by the row version of its catalog row,
-- which CREATE OR REPLACE RULE, ALTER POLICY and ALTER TABLE ... ENABLE / DISABLE RULE rewrite). The
-- shape's relations row sums the same values. \`columns\` holds the relkind, which says whether the table is
-- in scope; \`capture_state\`, for a sequence a table owns (serial, identity: pg_depend 'a' or 'i'), that
-- table's schema and name as a JSON array: ALTER TABLE ... OWNER TO takes such a sequence along, and one of
-- a table out of scope is out of scope too.
CREATE FUNCTION "${PRIVATE_SCHEMA}".relations(schemas text[])
RETURNS TABLE (schema_name text, table_name text, table_oid text, shape text, columns text, kind text, capture_state text)
LANGUAGE sql STABLE AS $fn$
  SELECT n.nspname::text, c.relname::text, c.oid::int8::text,
    c.relowner::text || '|' || c.relrowsecurity::text || ':' || c.relforcerowsecurity::text
      || '|' || coalesce((SELECT string_agg(p.polname || '=' || p.xmin::text, ',' ORDER BY p.polname)
        FROM pg_catalog.pg_policy p WHERE p.polrelid = c.oid), '')
      || '|' || coalesce((SELECT string_agg(r.rulename || '=' || r.xmin::text, ',' ORDER BY r.rulename)
        FROM pg_catalog.pg_rewrite r WHERE r.ev_class = c.oid AND r.rulename <> '_RETURN'), ''),
    c.relkind::text, 'owner, row security or rules'::text,
    CASE WHEN c.relkind = 'S' THEN coalesce((SELECT pg_catalog.json_build_array(tn.nspname, t.relname)::text
      FROM pg_catalog.pg_depend d JOIN pg_catalog.pg_class t ON t.oid = d.refobjid JOIN pg_catalog.pg_namespace tn ON tn.oid = t.relnamespace
      WHERE d.classid = 'pg_catalog.pg_class'::regclass AND d.objid = c.oid AND d.refclassid = 'pg_catalog.pg_class'::regclass
        AND d.deptype IN ('a', 'i') LIMIT 1), '') ELSE '' END
  FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
  WHERE c.relkind IN ('r', 'p', 'v', 'm', 'S', 'f') AND n.nspname = ANY(schemas)
$fn$;`

/**
 * The shape of every table in scope: columns, types, defaults, constraints (as defined: a foreign key's
 * actions too), indexes and triggers with whether each is enabled, and whether its change-tracking triggers
 * were altered (turned off and on again); and of every sequence of the schemas searched. DDL by a path
 * changes it. Rows put back under a changed shape would not be the checkpoint's state: a unique index added
 * by a path made the next path's insert fail, `ALTER TABLE ... DISABLE TRIGGER ALL` hid the path's writes
 * from the tracking while the rollback still set the sequences back below them, and a sequence a path
 * created is still there for the next path, whose `CREATE SEQUENCE` fails.
 */
export type Fingerprint = Map<string, { name: string; schemaName: string; oid: string; shape: string; columns: string; kind: ObjectKind; captureState: string }>

/**
 * What the fingerprint covers. Materialized views and enum types hold no rows the tracking can put back: a
 * REFRESH of a view, or `ALTER TYPE ... ADD VALUE`, inside a path stays after a rollback. Functions,
 * procedures and views a path creates, replaces or drops stay too, and so do privileges granted or
 * revoked and comments set on a relation, composite types, domains and range types, an enum type's owner
 * and privileges, a relation's owner, row-level security, policies and rules, and a schema's or the
 * database's owner, privileges and default privileges (`schema`, `database`). They are in the fingerprint
 * so that such a path is told, as DDL is, instead of leaving the next path on them without a word.
 *
 * `routines`, `types` and `relations` are sums, one per schema, of the objects of the kinds SUMMED_KINDS
 * gives: the shape carries the sums only, and the objects are read (readSummed) when a sum moved.
 */
export type ObjectKind =
  | 'table'
  | 'sequence'
  | 'materialized view'
  | 'enum type'
  | 'function'
  | 'procedure'
  | 'view'
  | 'privileges or comment'
  | 'composite type'
  | 'domain'
  | 'range type'
  | 'owner, row security or rules'
  | 'schema'
  | 'database'
  | SumKind
export type SumKind = 'routines' | 'types' | 'relations'

/** The kinds of object each sum covers; the function listing them one by one has the sum's name. */
const SUMMED_KINDS: Record<SumKind, ObjectKind[]> = {
  routines: ['function', 'procedure'],
  types: ['composite type', 'domain', 'range type'],
  relations: ['owner, row security or rules'],
}
const SUM_OF = new Map<string, SumKind>(Object.entries(SUMMED_KINDS).flatMap(([sum, kinds]) => kinds.map((k) => [k, sum as SumKind])))
const OBJECT_KINDS = new Set<string>(['table', 'sequence', 'materialized view', 'enum type', 'view', 'privileges or comment', 'schema', 'database', ...SUM_OF.keys(), ...Object.keys(SUMMED_KINDS)])

export function isSumKind(kind: string): kind is SumKind {
  return kind in SUMMED_KINDS
}

/** What each sum, when it moved, says changed in its schema. */
const SUM_WORDS: Record<SumKind, string> = {
  routines: 'functions or procedures',
  types: 'composite types, domains or range types',
  relations: 'owners, row-level security, policies or rules of the relations',
}

/** The relkinds of pg_class, in words, for a relation whose privileges or comment changed. */
const RELKIND_WORDS: Record<string, string> = {
  r: 'table',
  p: 'partitioned table',
  v: 'view',
  m: 'materialized view',
  S: 'sequence',
  f: 'foreign table',
}

/**
 * The statement that reads the shape (the function must be installed), for use in a multi-statement query.
 * The schema names go in as an ARRAY[...] of escape-string literals, not as a '{...}' array literal: array
 * input has its own quoting (backslash escapes, "" is not a quote), so a schema named with `"` made connect()
 * fail and one with `\` was silently never matched, turning schema-change detection off. A bound `$1::text[]`
 * would be simpler, but a multi-statement query (which saves a round trip per checkpoint and rollback) takes
 * no parameters; fingerprint() binds one. E'...' reads backslashes the same whatever
 * standard_conforming_strings says.
 */
export function shapeQuery(scope: Scope): string {
  const list = schemasOf(scope).map((s) => `E'${s.replace(/\\/g, '\\\\').replace(/'/g, "''")}'`)
  return `SELECT * FROM "${PRIVATE_SCHEMA}".shape(ARRAY[${list.join(', ')}]::text[])`
}

/**
 * Tables by the scope (and the privileges and comments of tables by the scope); every other object of the
 * schemas searched (a sequence a path creates belongs to no table yet). Keyed by kind and name: a table
 * and a function may share a name, and so may a relation and its privileges entry.
 */
export function toFingerprint(rows: Record<string, string>[], scope: Scope): Fingerprint {
  const out: Fingerprint = new Map()
  for (const r of rows) {
    const kind = (OBJECT_KINDS.has(r.kind!) ? r.kind : 'table') as ObjectKind
    const perRelation = kind === 'privileges or comment' || kind === 'owner, row security or rules'
    const isTable = kind === 'table' || (perRelation && (r.columns === 'r' || r.columns === 'p'))
    if (isTable ? !inScope(scope, r.schema_name!, r.table_name!) : r.schema_name === PRIVATE_SCHEMA) continue
    if (kind === 'owner, row security or rules' && ownedByTableOutOfScope(r.capture_state, scope)) continue
    // A schema's row is named by its schema, the database's by the database (schema_name empty).
    const name = kind === 'schema' || kind === 'database' ? r.schema_name || r.table_name! : `${r.schema_name}.${r.table_name}`
    out.set(fingerprintKey(kind, name), { name, schemaName: r.schema_name!, oid: r.table_oid!, shape: r.shape!, columns: r.columns ?? '', kind, captureState: r.capture_state ?? '' })
  }
  return out
}

/**
 * A sequence's owner row whose owning table (relations(): `["schema", "table"]`) is out of scope: `ALTER
 * TABLE ... OWNER TO` on an excluded table changed its serial sequence's owner too, and a rollback failed
 * naming it, for a table the user had asked to leave alone.
 */
function ownedByTableOutOfScope(owner: string | undefined, scope: Scope): boolean {
  if (!owner) return false
  const [schema, table] = JSON.parse(owner) as [string, string]
  return !inScope(scope, schema, table)
}

/** Tables, sequences, materialized views, views and enum types share one namespace (pg_class, pg_type). */
function fingerprintKey(kind: ObjectKind, name: string): string {
  return kind === 'privileges or comment' || kind === 'schema' || kind === 'database' || isSumKind(kind) || SUM_OF.has(kind) ? `${kind} ${name}` : name
}

export async function fingerprint(client: pg.ClientBase, scope: Scope): Promise<Fingerprint> {
  // A single statement: the schema names travel as a bound parameter, no quoting involved.
  return toFingerprint((await client.query(`SELECT * FROM "${PRIVATE_SCHEMA}".shape($1::text[])`, [schemasOf(scope)])).rows, scope)
}

/**
 * Each object of the schemas searched that the given sums cover (all of them by default), one query: for
 * telling which ones changed when a schema's sum moved.
 */
export async function readSummed(client: pg.ClientBase, scope: Scope, sums: SumKind[] = Object.keys(SUMMED_KINDS) as SumKind[]): Promise<Fingerprint> {
  const sql = `${[...new Set(sums)].map((sum) => `SELECT * FROM "${PRIVATE_SCHEMA}".${sum}($1::text[])`).join(' UNION ALL ')} ORDER BY 1, 2`
  return toFingerprint((await client.query(sql, [schemasOf(scope)])).rows, scope)
}

/**
 * `base` with the objects of the sums `which` tells (by sum kind and schema) taken from `fresh` instead.
 */
export function replaceSummed(base: Fingerprint, fresh: Fingerprint, which: (sum: SumKind, schema: string) => boolean): Fingerprint {
  const covered = (d: { kind: ObjectKind; schemaName: string }) => which(SUM_OF.get(d.kind)!, d.schemaName)
  return new Map([...[...base].filter(([, d]) => !covered(d)), ...[...fresh].filter(([, d]) => covered(d))])
}

/** The objects of `details` that the sum of kind `sum` of schema `schema` covers. */
function coveredBy(details: Fingerprint, sum: SumKind, schema: string): Fingerprint {
  return new Map([...details].filter(([, d]) => d.schemaName === schema && SUM_OF.get(d.kind) === sum))
}

/**
 * `changes` with each sum that moved replaced by the objects it covers that changed between `before` and
 * `after` (readSummed). A sum of relations that moved for relations out of scope only (a table in
 * `exclude`), or for one created or dropped (told by its own row), is `absorbed`: no change.
 */
export function expandSummedChanges(changes: SchemaChange[], before: Fingerprint, after: Fingerprint): { changes: SchemaChange[]; absorbed: SchemaChange[] } {
  const out: SchemaChange[] = []
  const absorbed: SchemaChange[] = []
  for (const change of changes) {
    if (!isSumKind(change.kind)) {
      out.push(change)
      continue
    }
    // A sum is named `schema.` (it has no object name of its own).
    const schema = change.name.slice(0, -1)
    const objects = schemaChanges(coveredBy(before, change.kind, schema), coveredBy(after, change.kind, schema))
    if (objects.length) out.push(...objects)
    else if (change.kind === 'relations') absorbed.push(change)
    // Functions and types are never out of scope: a sum that moved with nothing to show for it (a change
    // the row versions do not tell) still fails.
    else out.push(change)
  }
  return { changes: out, absorbed }
}

/** One object whose shape a path changed: `schema.name`, what kind of object, and what happened to it. */
export interface SchemaChange {
  name: string
  kind: ObjectKind
  what: string
  /** How the object is named when said to stay as the path left it, when not `kind name`. */
  object?: string
}

/** How a change names what stays as the path left it: `function public.f(integer)`, `the privileges or comment of table public.users`. */
export function changedObject(change: SchemaChange): string {
  return change.object ?? `${change.kind} ${change.name}`
}

/** What differs between two fingerprints, one entry per object; empty when nothing does. */
export function schemaChanges(before: Fingerprint, after: Fingerprint): SchemaChange[] {
  const changes: SchemaChange[] = []
  for (const [key, b] of before) {
    const name = b.name
    const a = after.get(key)
    const change = (what: string) => changes.push({ name, kind: b.kind, what })
    if (b.kind === 'privileges or comment') {
      // A relation dropped or created again is told by itself; its privileges go with it.
      if (!relationGone(name, before, after) && a?.shape !== b.shape) changes.push(privilegesChange(name, b.columns))
      continue
    }
    if (isSumKind(b.kind)) {
      if (a?.shape !== b.shape) changes.push(sumChange(b.kind, name, b.schemaName))
      continue
    }
    if (b.kind === 'owner, row security or rules') {
      // A relation dropped or created again is told by itself; its owner, policies and rules go with it.
      if (a && a.oid === b.oid && a.shape !== b.shape) changes.push(securityChange(name, b.columns, b.shape, a.shape))
      continue
    }
    if (!a || a.kind !== b.kind) change(`${b.kind} ${name} was dropped or renamed`)
    else if (a.oid !== b.oid) change(`${b.kind} ${name} was dropped and created again`)
    else if (b.kind === 'sequence') {
      if (a.shape !== b.shape) change(`sequence ${name}: its type, bounds, increment or cycling changed`)
    } else if (b.kind === 'materialized view') {
      if (a.shape !== b.shape) change(matviewChange(name, b.shape, a.shape))
    } else if (b.kind === 'enum type') {
      if (a.shape !== b.shape) change(enumChange(name, b.shape, a.shape))
    } else if (b.kind === 'schema' || b.kind === 'database') {
      if (a.shape !== b.shape) changes.push(rightsChange(b.kind, name, b.shape, a.shape))
    } else if (b.kind === 'function' || b.kind === 'procedure') {
      if (a.shape !== b.shape) change(`${b.kind} ${name} was replaced or altered (its body, result, options, owner, privileges or comment)`)
    } else if (b.kind === 'view') {
      if (a.shape !== b.shape) change(`view ${name}: its query, options, columns or triggers changed`)
    } else if (b.kind === 'composite type') {
      if (a.shape !== b.shape) change(`composite type ${name} was altered (its attributes, name, owner or comment: ALTER TYPE, COMMENT ON TYPE)`)
    } else if (b.kind === 'domain') {
      if (a.shape !== b.shape) change(`domain ${name} was altered (its constraints, default, NOT NULL, name, owner or comment: ALTER DOMAIN, COMMENT ON DOMAIN)`)
    } else if (b.kind === 'range type') {
      if (a.shape !== b.shape) change(`range type ${name} was altered (its name, owner or comment: ALTER TYPE, COMMENT ON TYPE)`)
    } else if (a.shape !== b.shape) {
      const was = new Set(b.columns.split(',').filter(Boolean))
      const now = new Set(a.columns.split(',').filter(Boolean))
      const added = [...now].filter((c) => !was.has(c))
      const removed = [...was].filter((c) => !now.has(c))
      const parts = [
        added.length ? `column(s) ${added.join(', ')} added` : '',
        removed.length ? `column(s) ${removed.join(', ')} dropped` : '',
      ].filter(Boolean)
      change(`table ${name}: ${parts.join(', ') || 'its column types, defaults, constraints, indexes or triggers changed (or a trigger was disabled)'}`)
    } else if (a.captureState !== b.captureState)
      change(
        `table ${name}: its triggers were turned off and on again (ALTER TABLE ... DISABLE / ENABLE TRIGGER), so the writes made meanwhile were not tracked`,
      )
  }
  for (const [key, a] of after) {
    if (before.has(key) && before.get(key)!.kind === a.kind) continue
    if (isSumKind(a.kind)) changes.push(sumChange(a.kind, a.name, a.schemaName))
    // A relation created is told by itself, with whatever owner, policies and rules it has.
    else if (a.kind === 'owner, row security or rules') continue
    else if (a.kind !== 'privileges or comment') changes.push({ name: a.name, kind: a.kind, what: `${a.kind} ${a.name} was created` })
    // Privileges granted, or a comment set, on a relation that had none; a new relation is told by itself.
    else if (!relationGone(a.name, after, before)) changes.push(privilegesChange(a.name, a.columns))
  }
  return changes
}

/** The relation `name` of `from` is not in `to` as the same object (dropped, or dropped and created again). */
function relationGone(name: string, from: Fingerprint, to: Fingerprint): boolean {
  const was = from.get(name)
  return was !== undefined && to.get(name)?.oid !== was.oid
}

function privilegesChange(name: string, relkind: string): SchemaChange {
  const relation = `${RELKIND_WORDS[relkind] ?? 'relation'} ${name}`
  return {
    name,
    kind: 'privileges or comment',
    what: `${relation}: its privileges or comment changed (GRANT, REVOKE or COMMENT ON)`,
    object: `the privileges or comment of ${relation}`,
  }
}

/** A sum that moved (named `schema.`), when not expanded into the objects that changed. */
function sumChange(sum: SumKind, name: string, schema: string): SchemaChange {
  return { name, kind: sum, what: `${SUM_WORDS[sum]} of schema ${schema} changed`, object: `the ${SUM_WORDS[sum]} of schema ${schema}` }
}

/**
 * A relation's owner, row security, policies or rules changed: its state is `owner|rls:forced|policies|rules`
 * (relations()), and each part that moved is named.
 */
function securityChange(name: string, relkind: string, before: string, after: string): SchemaChange {
  const relation = `${RELKIND_WORDS[relkind] ?? 'relation'} ${name}`
  const was = before.split('|')
  const now = after.split('|')
  const parts = [
    was[0] !== now[0] ? 'its owner changed (ALTER ... OWNER TO)' : '',
    was[1] !== now[1] ? 'its row-level security was turned on or off, or forced (ALTER TABLE ... ROW LEVEL SECURITY)' : '',
    was[2] !== now[2] ? 'its policies changed (CREATE, ALTER or DROP POLICY)' : '',
    was[3] !== now[3] ? 'its rules changed (CREATE, DROP or ALTER RULE, ALTER TABLE ... ENABLE or DISABLE RULE)' : '',
  ].filter(Boolean)
  return {
    name,
    kind: 'owner, row security or rules',
    what: `${relation}: ${parts.join(', ') || 'its owner, row-level security, policies or rules changed'}`,
    object: `the owner, row-level security, policies and rules of ${relation}`,
  }
}

/** An enum type's state is `labels|owner and privileges`, each hashed. */
function enumChange(name: string, before: string, after: string): string {
  const [labelsBefore, rightsBefore] = before.split('|')
  const [labelsAfter, rightsAfter] = after.split('|')
  const parts = [
    labelsBefore !== labelsAfter ? 'its labels changed (ALTER TYPE ... ADD VALUE or RENAME VALUE)' : '',
    rightsBefore !== rightsAfter ? 'its owner or privileges changed (ALTER TYPE ... OWNER TO, GRANT or REVOKE ON TYPE)' : '',
  ].filter(Boolean)
  return `enum type ${name}: ${parts.join(', ')}`
}

/**
 * A schema's or the database's owner, privileges or default privileges changed: its state is
 * `owner|privileges|default privileges` (the shape's rows of kinds schema and database), and each part
 * that moved is named. The roles the app connects as keep these rights after a rollback: the next path runs
 * under them.
 */
function rightsChange(kind: 'schema' | 'database', name: string, before: string, after: string): SchemaChange {
  const was = before.split('|')
  const now = after.split('|')
  const what = kind.toUpperCase()
  const parts = [
    was[0] !== now[0] ? `its owner changed (ALTER ${what} ... OWNER TO)` : '',
    was[1] !== now[1] ? `its privileges changed (GRANT or REVOKE ON ${what})` : '',
    was[2] !== now[2]
      ? kind === 'schema'
        ? 'the default privileges set in it changed (ALTER DEFAULT PRIVILEGES IN SCHEMA)'
        : 'the default privileges set for all its schemas changed (ALTER DEFAULT PRIVILEGES without IN SCHEMA)'
      : '',
  ].filter(Boolean)
  return {
    name,
    kind,
    what: `${kind} ${name}: ${parts.join(', ') || 'its owner, privileges or default privileges changed'}`,
    object: `the owner, privileges and default privileges of ${kind} ${name}`,
  }
}

/**
 * A materialized view's state is `definition|rows`: the rows are the count and hash sum of its rows, or,
 * where the backend's user may not read it, its file node (`relfilenode:not readable`).
 */
function matviewChange(name: string, before: string, after: string): string {
  const cut = (s: string) => [s.slice(0, s.indexOf('|')), s.slice(s.indexOf('|') + 1)]
  const [defBefore] = cut(before)
  const [defAfter, rowsAfter] = cut(after)
  if (defBefore !== defAfter) return `materialized view ${name}: its query or indexes changed`
  if (rowsAfter!.endsWith(':not readable'))
    return `materialized view ${name} was refreshed, or rewritten (CLUSTER, VACUUM FULL): the backend's user may not read it to tell whether its rows changed, and they cannot be put back`
  return `materialized view ${name} was refreshed, and its rows cannot be put back`
}

/** What differs between two fingerprints, in words; empty when nothing does. */
export function describeSchemaChanges(before: Fingerprint, after: Fingerprint): string[] {
  return schemaChanges(before, after).map((c) => c.what)
}
