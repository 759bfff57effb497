import type pg from 'pg'
import type { TrackedSequence, TrackedTable } from './catalog'

/** TRUNCATE every tracked table and restart its sequences, in one statement list. */
export function truncateSql(tables: TrackedTable[], sequences: TrackedSequence[]): string {
  const parts = [`TRUNCATE ${tables.map((t) => t.sql).join(', ')} RESTART IDENTITY CASCADE;`]
  for (const s of sequences) parts.push(`ALTER SEQUENCE ${s.sql} RESTART;`)
  return parts.join('\n')
}

/** Row counts per table, `schema.name -> count`, in one query. */
export async function countRows(client: pg.ClientBase, tables: TrackedTable[]): Promise<Record<string, number>> {
  if (!tables.length) return {}
  const { rows } = await client.query(
    tables.map((t, i) => `SELECT ${i} AS i, count(*)::int8::text AS n FROM ${t.sql}`).join(' UNION ALL '),
  )
  const out: Record<string, number> = {}
  for (const r of rows) {
    const t = tables[r.i]!
    out[`${t.schema}.${t.name}`] = Number(r.n)
  }
  return out
}
