import type { PgProxy } from './proxy'

/** Row counts of every table the app can see, read inside the proxy's own transaction: what observe() is. */
export async function countRows(proxy: PgProxy): Promise<Record<string, number>> {
  const tables = await proxy.query(
    `SELECT format('%I.%I', n.nspname, c.relname) FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
     WHERE c.relkind IN ('r', 'p') AND n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg\\_%' ORDER BY 1`,
  )
  if (!tables.length) return {}
  const rows = await proxy.query(tables.map(([t]) => `SELECT '${t!.replace(/'/g, "''")}', count(*)::text FROM ${t}`).join(' UNION ALL '))
  return Object.fromEntries(rows.map(([t, n]) => [t!.replace(/"/g, ''), Number(n)]))
}
