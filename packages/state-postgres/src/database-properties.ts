import type pg from 'pg'
import { describePgError } from './connection'
import { ident, literal } from './sql'

/**
 * What a database keeps outside its own files, in the cluster's shared catalogs, and so what
 * `CREATE DATABASE ... TEMPLATE` does not copy: its owner, settings (`ALTER DATABASE ... SET`, `ALTER ROLE
 * ... IN DATABASE ... SET`), privileges (`GRANT ... ON DATABASE`, each with its grantor), connection limit,
 * comment, and its `IS_TEMPLATE` and `ALLOW_CONNECTIONS` flags. The template mechanism reads them at each
 * checkpoint and gives them to the database a rollback makes: without them the app's next connections ran
 * with the server's defaults (another search_path, time zone or statement_timeout) and PUBLIC could connect
 * again.
 */
export interface DatabaseProperties {
  owner: string
  /** Each `pg_db_role_setting` row of the database: `role` null for ALTER DATABASE ... SET. */
  settings: { role: string | null; config: string[] }[]
  /**
   * Its privileges, one per grantor, grantee and privilege (`grantee` null for PUBLIC), in the ACL's order;
   * null for the default. `actAs`: whether the user may SET ROLE to the grantor, which giving it back as
   * that grantor's needs.
   */
  privileges: Privilege[] | null
  /** -1 for no limit. */
  connectionLimit: number
  comment: string | null
  isTemplate: boolean
  allowConnections: boolean
  /** The user that read them, who will give them: named when it may not. */
  user: string
}

export interface Privilege {
  grantor: string
  grantee: string | null
  privilege: string
  grantable: boolean
  actAs: boolean
}

export async function readDatabaseProperties(client: pg.Client, database: string): Promise<DatabaseProperties> {
  const { rows } = await client.query(
    `SELECT current_user AS "user", pg_get_userbyid(d.datdba) AS owner, d.datconnlimit AS "connectionLimit", shobj_description(d.oid, 'pg_database') AS comment,
            d.datistemplate AS "isTemplate", d.datallowconn AS "allowConnections",
            coalesce((SELECT json_agg(json_build_object('role', CASE WHEN s.setrole = 0 THEN NULL ELSE pg_get_userbyid(s.setrole) END, 'config', s.setconfig) ORDER BY s.setrole)
                        FROM pg_db_role_setting s WHERE s.setdatabase = d.oid), '[]'::json) AS settings,
            CASE WHEN d.datacl IS NULL THEN NULL
                 ELSE coalesce((SELECT json_agg(json_build_object('grantor', pg_get_userbyid(a.grantor),
                                                                  'grantee', CASE WHEN a.grantee = 0 THEN NULL ELSE pg_get_userbyid(a.grantee) END,
                                                                  'privilege', a.privilege_type, 'grantable', a.is_grantable,
                                                                  -- PostgreSQL 16 lets a member SET ROLE only WITH SET.
                                                                  'actAs', CASE WHEN current_setting('server_version_num')::int >= 160000 THEN pg_has_role(a.grantor, 'SET')
                                                                                ELSE pg_has_role(a.grantor, 'MEMBER') END) ORDER BY a.n)
                                  FROM aclexplode(d.datacl) WITH ORDINALITY a(grantor, grantee, privilege_type, is_grantable, n)), '[]'::json) END AS privileges
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
  properties: DatabaseProperties,
  settingsOnly = false,
  told: GivenBy = TEMPLATE_ROLLBACK,
): Promise<void> {
  for (const { sql, what } of propertyStatements(ident(database), properties, settingsOnly)) {
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
  if (!settingsOnly && properties.privileges?.some((g) => g.grantor !== properties.owner)) await checkGrantors(client, database, properties.privileges, told)
}

/**
 * Each privilege is given as its grantor (SET ROLE), which PostgreSQL records as the grantor when that role
 * holds the grant option itself; a superuser's grant it records as the owner's. A grantor made superuser
 * since its grant would come back as the owner's: read back, so that the rollback fails saying so rather
 * than give it to the app otherwise.
 */
async function checkGrantors(client: pg.Client, database: string, expected: Privilege[], told: GivenBy): Promise<void> {
  const { rows } = await client.query(
    `SELECT pg_get_userbyid(a.grantor) AS grantor, CASE WHEN a.grantee = 0 THEN NULL ELSE pg_get_userbyid(a.grantee) END AS grantee,
            a.privilege_type AS privilege, a.is_grantable AS grantable
       FROM pg_database d, aclexplode(d.datacl) a WHERE d.datname = $1`,
    [database],
  )
  const given = new Set(rows.map(describePrivilege))
  const wanted = new Set(expected.map(describePrivilege))
  const missing = [...wanted].filter((g) => !given.has(g))
  if (!missing.length) return
  const instead = [...given].filter((g) => !wanted.has(g))
  throw new Error(
    `cannot give ${told.target} its privileges ${told.source}: ${missing.join('; ')} came out as ${instead.join('; ') || 'nothing'}. PostgreSQL records a grant as its grantor's only when that role holds the grant option itself and is no superuser (a superuser's grant is recorded as the owner's)`,
  )
}

/** `CONNECT WITH GRANT OPTION to "app", granted by "admin"` */
export function describePrivilege(g: Omit<Privilege, 'actAs'>): string {
  return `${g.privilege}${g.grantable ? ' WITH GRANT OPTION' : ''} to ${g.grantee === null ? 'PUBLIC' : ident(g.grantee)}, granted by ${ident(g.grantor)}`
}

/**
 * The privileges whose grantor the user may not act as (SET ROLE): a rollback could give them back only as
 * someone else's grant. Told at the checkpoint, before the path runs, as a setting the user may not give.
 */
export function privilegesOutOfReach(properties: DatabaseProperties): Privilege[] {
  return properties.privileges?.filter((g) => !g.actAs) ?? []
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

/**
 * The statements, in order: the new database starts with default privileges, no settings, no limit, no
 * comment, not a template, open to connections. Each privilege is given by its grantor, as the ACL
 * recorded it: a privilege re-granted by a role holding it WITH GRANT OPTION came back as the user's
 * grant (the owner's), and revoking that role's grant option no longer took it away.
 */
function propertyStatements(db: string, p: DatabaseProperties, settingsOnly: boolean): { sql: string; what: string }[] {
  const out: { sql: string; what: string }[] = []
  if (p.privileges && !settingsOnly) {
    // The default grants PUBLIC and the owner their rights: what the ACL left out is taken back first.
    // As the owner: a REVOKE takes back only the grants of the role that runs it.
    const owner = ident(p.owner)
    out.push({ sql: `SET ROLE ${owner}; REVOKE ALL ON DATABASE ${db} FROM PUBLIC, ${owner}; RESET ROLE`, what: 'its privileges' })
    for (const g of inGrantOrder(p.owner, p.privileges)) {
      const grantee = g.grantee === null ? 'PUBLIC' : ident(g.grantee)
      // One query: a failed GRANT rolls its implicit transaction back, the SET ROLE with it.
      out.push({
        sql: `SET ROLE ${ident(g.grantor)}; GRANT ${g.privilege} ON DATABASE ${db} TO ${grantee}${g.grantable ? ' WITH GRANT OPTION' : ''}; RESET ROLE`,
        what: `its privilege ${describePrivilege(g)}`,
      })
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
  if (p.isTemplate) out.push({ sql: `ALTER DATABASE ${db} IS_TEMPLATE true`, what: 'its IS_TEMPLATE mark' })
  if (!p.allowConnections) out.push({ sql: `ALTER DATABASE ${db} ALLOW_CONNECTIONS false`, what: 'its ALLOW_CONNECTIONS false' })
  return out
}

/**
 * The privileges in an order each can be given in: a role's grant after the grant of the option it gives
 * from. The ACL's own order is one already; kept as it is when nothing is missing (the new ACL then reads
 * the same). One whose grant option is nowhere is given last, for the server to say why it cannot be.
 */
function inGrantOrder(owner: string, privileges: Privilege[]): Privilege[] {
  const held = new Set<string>()
  const left = [...privileges]
  const out: Privilege[] = []
  while (left.length) {
    const i = left.findIndex((g) => g.grantor === owner || held.has(`${g.grantor}\0${g.privilege}`))
    if (i === -1) return [...out, ...left]
    const [g] = left.splice(i, 1) as [Privilege]
    out.push(g)
    if (g.grantable && g.grantee !== null) held.add(`${g.grantee}\0${g.privilege}`)
  }
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

/**
 * Drop `name` if it is there, sessions on it ended. A database marked IS_TEMPLATE cannot be dropped until
 * the mark is taken off: the working database of an app (or a tool) that marks it so, renamed away by a
 * rollback or left as a worker's, stayed, and every rollback or worker after it failed.
 */
export async function dropDatabase(admin: pg.ClientBase, name: string): Promise<void> {
  const { rows } = await admin.query('SELECT datistemplate FROM pg_database WHERE datname = $1', [name])
  if (!rows.length) return
  if (rows[0].datistemplate) await admin.query(`ALTER DATABASE ${ident(name)} IS_TEMPLATE false`)
  await admin.query(`DROP DATABASE IF EXISTS ${ident(name)} WITH (FORCE)`)
}
