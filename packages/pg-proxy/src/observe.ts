import { type PgProxy, READ_ROW_COUNTS } from './proxy'

/** Row counts of every table the app can see, read inside the proxy's own transaction: what observe() is. */
export async function countRows(proxy: PgProxy): Promise<Record<string, number>> {
  const rows = await proxy.query(READ_ROW_COUNTS)
  return Object.fromEntries(rows.map(([t, n]) => [t!.replace(/"/g, ''), Number(n)]))
}
