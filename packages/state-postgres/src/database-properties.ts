import type pg from 'pg'
import { describePgError } from './connection'
import { ident, literal } from './sql'

/**
 * What a database keeps outside its own files, in the cluster's shared catalogs, and so what
 * `CREATE DATABASE ... TEMPLATE` does not copy: its settings (`ALTER DATABASE ... SET`, `ALTER ROLE ... IN
 * DATABASE ... SET`), its privileges (`GRANT ... ON DATABASE`), its connection limit and its comment. The
 * template mechanism reads them at each checkpoint and gives them to the database a rollback makes: without
 * them the app's next connections ran with the server's defaults (another search_path, time zone or
 * statement_timeout) and PUBLIC could connect again.
 */
export interface DatabaseProperties {
  /** Each `pg_db_role_setting` row of the database: `role` null for ALTER DATABASE ... SET. */
  settings: { role: string | null; config: string[] }[]
  /** Its privileges, one per grantee and privilege (`grantee` null for PUBLIC); null for the default. */
  privileges: { grantee: string | null; privilege: string; grantable: boolean }[] | null
  /** -1 for no limit. */
  connectionLimit: number
  comment: string | null
  /** The user that read them, who will give them: named when it may not. */
  user: string
}

export async function readDatabaseProperties(client: pg.Client, database: string): Promise<DatabaseProperties> {
  const { rows } = await client.query(
    `SELECT current_user AS "user", d.datconnlimit AS "connectionLimit", shobj_description(d.oid, 'pg_database') AS comment,
            coalesce((SELECT json_agg(json_build_object('role', CASE WHEN s.setrole = 0 THEN NULL ELSE pg_get_userbyid(s.setrole) END, 'config', s.setconfig) ORDER BY s.setrole)
                        FROM pg_db_role_setting s WHERE s.setdatabase = d.oid), '[]'::json) AS settings,
            CASE WHEN d.datacl IS NULL THEN NULL
                 ELSE coalesce((SELECT json_agg(json_build_object('grantee', CASE WHEN a.grantee = 0 THEN NULL ELSE pg_get_userbyid(a.grantee) END,
                                                                  'privilege', a.privilege_type, 'grantable', a.is_grantable))
                                  FROM aclexplode(d.datacl) a), '[]'::json) END AS privileges
       FROM pg_database d WHERE d.datname = $1`,
    [database],
  )
  if (!rows.length) throw new Error(`database "${database}" does not exist`)
  return rows[0] as DatabaseProperties
}

/**
 * Give `database`, made anew from a template, the properties `properties` read from the one it replaces;
 * only its settings when `settingsOnly` (a checkpoint tries them on its copy, see
 * PostgresTemplateBackend#capture: the ones a user may be refused, and the only ones that leave the copy
 * nothing a role's DROP would trip on, as a GRANT would). A statement that fails says which property it
 * was giving, not its value (a setting may hold a secret), and for a refusal what the user needs.
 */
export async function applyDatabaseProperties(
  client: pg.Client,
  database: string,
  owner: string,
  properties: DatabaseProperties,
  settingsOnly = false,
  told: GivenBy = TEMPLATE_ROLLBACK,
): Promise<void> {
  for (const { sql, what } of propertyStatements(ident(database), owner, properties, settingsOnly)) {
    try {
      await client.query(sql)
    } catch (err) {
      const refused = (err as { code?: string }).code === INSUFFICIENT_PRIVILEGE
      throw new Error(
        `cannot give ${told.target} ${what}, ${told.source}: ${describePgError(err)}${
          refused
            ? `. User "${properties.user}" may not give it: ${told.who} needs a user that may (a superuser; for a setting, one granted GRANT SET ON PARAMETER; for another role's setting, one with CREATEROLE), or the property removed from the database`
            : ''
        }`,
        { cause: err },
      )
    }
  }
}

/** How a failure to give a property is told: the database given it, where the property comes from, who needs the right. */
export interface GivenBy {
  target: string
  source: string
  who: string
}

const TEMPLATE_ROLLBACK: GivenBy = { target: 'the database a rollback makes anew', source: 'as the database had at the checkpoint', who: 'the template mechanism' }

/** "insufficient_privilege" */
const INSUFFICIENT_PRIVILEGE = '42501'

/** The statements, in order: the new database starts with default privileges, no settings, no limit, no comment. */
function propertyStatements(db: string, owner: string, p: DatabaseProperties, settingsOnly: boolean): { sql: string; what: string }[] {
  const out: { sql: string; what: string }[] = []
  if (p.privileges && !settingsOnly) {
    // The default grants PUBLIC and the owner their rights: what the ACL left out is taken back first.
    out.push({ sql: `REVOKE ALL ON DATABASE ${db} FROM PUBLIC, ${ident(owner)}`, what: 'its privileges' })
    for (const g of p.privileges) {
      const grantee = g.grantee === null ? 'PUBLIC' : ident(g.grantee)
      out.push({ sql: `GRANT ${g.privilege} ON DATABASE ${db} TO ${grantee}${g.grantable ? ' WITH GRANT OPTION' : ''}`, what: `its privilege ${g.privilege} for ${grantee}` })
    }
  }
  for (const { role, config } of p.settings)
    for (const entry of config) {
      const name = entry.slice(0, entry.indexOf('='))
      out.push({
        sql: `${role === null ? `ALTER DATABASE ${db}` : `ALTER ROLE ${ident(role)} IN DATABASE ${db}`} SET ${settingSql(entry)}`,
        what: role === null ? `its setting ${name} (ALTER DATABASE ... SET)` : `role ${ident(role)}'s setting ${name} in it (ALTER ROLE ... IN DATABASE ... SET)`,
      })
    }
  if (settingsOnly) return out
  if (p.connectionLimit !== -1) out.push({ sql: `ALTER DATABASE ${db} CONNECTION LIMIT ${Number(p.connectionLimit)}`, what: 'its connection limit' })
  if (p.comment !== null) out.push({ sql: `COMMENT ON DATABASE ${db} IS ${literal(p.comment)}`, what: 'its comment' })
  return out
}

/**
 * Settings whose value is a list of quoted names (PostgreSQL's GUC_LIST_QUOTE; pg_dump's list): stored as
 * `search_path="$user", public`, given back as `'$user', 'public'`. Any other value is one string.
 */
const LIST_SETTINGS = new Set(['local_preload_libraries', 'search_path', 'session_preload_libraries', 'shared_preload_libraries', 'temp_tablespaces', 'unix_socket_directories'])

/** `name=value` as stored in pg_db_role_setting, as `SET`'s `name TO value`. */
export function settingSql(entry: string): string {
  const eq = entry.indexOf('=')
  const name = entry.slice(0, eq)
  const value = entry.slice(eq + 1)
  if (!LIST_SETTINGS.has(name.toLowerCase())) return `${ident(name)} TO ${literal(value)}`
  return `${ident(name)} TO ${splitSettingList(value).map(literal).join(', ')}`
}

/** A list setting's stored value as its items: split at commas outside double quotes, each unquoted. */
export function splitSettingList(value: string): string[] {
  const items: string[] = []
  let i = 0
  for (;;) {
    while (value[i] === ' ') i++
    let item = ''
    if (value[i] === '"') {
      for (i++; i < value.length; i++) {
        if (value[i] === '"') {
          if (value[i + 1] !== '"') break
          i++
        }
        item += value[i]
      }
      i++
      while (value[i] === ' ') i++
    } else {
      const end = value.indexOf(',', i)
      item = value.slice(i, end === -1 ? value.length : end).trim()
      i = end === -1 ? value.length : end
    }
    items.push(item)
    if (value[i] !== ',') return items
    i++
  }
}
