import pg from 'pg'

/** The local PostgreSQL (trust auth), for creating and dropping a test's own databases. */
export const ADMIN_URL = 'postgres://postgres@127.0.0.1:5432/postgres'

/** Run `fn` on a client of `url`, closed afterwards whatever happens. */
export async function sql<T>(url: string, fn: (c: pg.Client) => Promise<T>): Promise<T> {
  const c = new pg.Client({ connectionString: url })
  c.on('error', () => {})
  await c.connect()
  try {
    return await fn(c)
  } finally {
    await c.end()
  }
}

/** Every row of every table and every sequence's value: equal dumps, the database as it was. */
export const dumpDatabase = (url: string) =>
  sql(url, async (c) => {
    const out: string[] = []
    for (const { tablename } of (await c.query(`SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY 1`)).rows)
      out.push(`${tablename}: ${JSON.stringify((await c.query(`SELECT * FROM public."${tablename}" t ORDER BY t::text`)).rows)}`)
    for (const s of (await c.query(`SELECT sequencename, last_value FROM pg_sequences WHERE schemaname = 'public' ORDER BY 1`)).rows) out.push(`${s.sequencename}: ${s.last_value}`)
    return out.join('\n')
  })
