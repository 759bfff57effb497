import { ConfigError, didYouMean } from '@venomqa/core'
import type { Connection, RowDataPacket } from 'mysql2/promise'
import { PRIVATE_LIKE, binary } from './sql'

/**
 * The names `tables` and `exclude` may give: the database's base tables, with `sequences` its sequences
 * too (MariaDB's), the backend's own (`_venomqa_...`) left out.
 */
export async function tableNamesOf(conn: Connection, database: string, sequences: boolean): Promise<string[]> {
  const [rows] = await conn.query<RowDataPacket[]>(
    `SELECT TABLE_NAME AS t FROM information_schema.TABLES WHERE TABLE_SCHEMA = ? AND TABLE_TYPE IN ('BASE TABLE'${sequences ? ", 'SEQUENCE'" : ''}) AND ${binary('TABLE_NAME')} NOT LIKE ? ORDER BY TABLE_NAME`,
    [database, PRIVATE_LIKE],
  )
  return rows.map((r) => String(r.t))
}

/**
 * The first name `tables` or `exclude` gives that is no table of the database, as the mistake in the
 * options it is: a ConfigError at that key (`tables[0]`, placed at the plugin's entry by the runner: exit 2),
 * with the table most likely meant and those the database has. Undefined when every name is a table.
 */
export function unknownTable(backend: string, options: { tables?: readonly string[]; exclude?: readonly string[] }, names: readonly string[], database: string): ConfigError | undefined {
  for (const option of ['tables', 'exclude'] as const) {
    const list = options[option] ?? []
    const index = list.findIndex((table) => !names.includes(table))
    if (index === -1) continue
    const table = list[index]!
    const near = didYouMean(table, names)
    const where = `${option}[${index}]`
    const known = `its tables: ${names.join(', ') || 'none'}`
    return new ConfigError(`state backend "${backend}": "${table}" in \`${option}\` is not a table of database "${database}" (${near ? `did you mean "${near}"? ` : ''}${known})`, { where })
  }
  return undefined
}
