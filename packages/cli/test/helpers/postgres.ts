import { withPgClient } from '@venomqa/test-utils/postgres'

export { PG_ADMIN_URL as ADMIN_URL, withPgClient as sql } from '@venomqa/test-utils/postgres'

/** Every row of every table and every sequence's value: equal dumps, the database as it was. */
export const dumpDatabase = (url: string) =>
  withPgClient(url, async (c) => {
    const out: string[] = []
    for (const { tablename } of (await c.query(`SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY 1`)).rows)
      out.push(`${tablename}: ${JSON.stringify((await c.query(`SELECT * FROM public."${tablename}" t ORDER BY t::text`)).rows)}`)
    for (const s of (await c.query(`SELECT sequencename, last_value FROM pg_sequences WHERE schemaname = 'public' ORDER BY 1`)).rows) out.push(`${s.sequencename}: ${s.last_value}`)
    return out.join('\n')
  })
