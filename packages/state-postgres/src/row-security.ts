import { bigintLiteral } from './sql'

/**
 * Row-level security that applies to the backend's own user (not a superuser, not the table's owner, or
 * the owner of a table with FORCE ROW LEVEL SECURITY, and without BYPASSRLS) filters what the snapshot
 * mechanism reads and writes to the rows the policies let that user see: a table without a key was copied
 * without the hidden rows, TRUNCATE saved only the visible ones, and a restore's DELETE left the hidden
 * rows a path had changed or added, all without a word. Such a table cannot be tracked: a checkpoint is
 * refused, and a restore that would have to put it back restores nothing. The app's own role is not
 * concerned: its writes are recorded whatever its policies say (the triggers see each row). A worker's
 * copy of the main database (workers.ts) would likewise hold only the rows its user may see: it runs with
 * row_security off, which makes PostgreSQL refuse such a read or write instead of filtering it.
 */

/** A table by its oid, and its name for messages. */
interface NamedTable {
  oid: string
  schema: string
  name: string
}

/** One tracked table row-level security binds the backend's user on. */
export interface BoundTable {
  oid: string
  /** FORCE ROW LEVEL SECURITY on a table the user owns: owning it is not enough. */
  forcedOnOwner: boolean
}

/**
 * The tracked tables whose row-level security applies to the current user now, one statement for a batch:
 * row_security_active answers as the server decides for each query (superuser, BYPASSRLS, owner, FORCE).
 * Only tables with row-level security turned on are asked.
 */
export function rowSecurityBindsSql(tables: readonly Pick<NamedTable, 'oid'>[]): string {
  return `SELECT c.oid::int8::text AS rel, c.relforcerowsecurity AND pg_catalog.pg_has_role(c.relowner, 'USAGE') AS forced_on_owner
  FROM pg_catalog.pg_class c WHERE c.oid = ANY (ARRAY[${tables.map((t) => bigintLiteral(t.oid)).join(', ')}]::oid[])
    AND c.relrowsecurity AND pg_catalog.row_security_active(c.oid::regclass)`
}

export function toBoundTables(rows: { rel: string; forced_on_owner: boolean }[]): BoundTable[] {
  return rows.map((r) => ({ oid: r.rel, forcedOnOwner: r.forced_on_owner }))
}

/**
 * `table public.notes`, or `table public.notes (owned by that user, but with FORCE ROW LEVEL SECURITY, ...)`,
 * for each bound table, by name.
 */
export function describeBoundTables(bound: readonly BoundTable[], byOid: ReadonlyMap<string, Omit<NamedTable, 'oid'>>): string {
  return bound
    .map((b) => {
      const t = byOid.get(b.oid)
      const name = t ? `${t.schema}.${t.name}` : `oid ${b.oid}`
      return { name, text: `table ${name}${b.forcedOnOwner ? ' (owned by that user, but with FORCE ROW LEVEL SECURITY, which binds its owner too)' : ''}` }
    })
    .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))
    .map((b) => b.text)
    .join(', ')
}

/**
 * `row-level security of table public.notes applies to user "app" of <where>, which is not a superuser, ...`:
 * what binds, on whom, where (`place`, a database as connection.ts's where() says it).
 */
export function describeRowSecurityBinds(bound: readonly BoundTable[], byOid: ReadonlyMap<string, Omit<NamedTable, 'oid'>>, user: string, place: string): string {
  return `row-level security of ${describeBoundTables(bound, byOid)} applies to user "${user}" of ${place}, which is not a superuser, has no BYPASSRLS and is not exempt as the owner`
}

/** The roles row-level security does not bind, and how to make `user` one. */
export function rolesRowSecurityLeaves(user: string): string {
  return `the tables' owner (unless the table has FORCE ROW LEVEL SECURITY), a superuser, or a role with BYPASSRLS (ALTER ROLE "${user.replace(/"/g, '""')}" BYPASSRLS)`
}

export function rowSecuritySuggestion(user: string): string {
  return `The snapshot mechanism must see every row of a tracked table. Connect the backend as ${rolesRowSecurityLeaves(user)}; or, if its rows need no rollback, leave the table out (\`exclude\`).`
}
