import { ConfigError, didYouMean } from '@venomqa/core'

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
