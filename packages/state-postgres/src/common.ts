import type pg from 'pg'
import type { TrackedSequence, TrackedTable } from './catalog'
import { bigintLiteral } from './sql'

export type SequenceValues = { seq: TrackedSequence; lastValue: string; isCalled: boolean }[]

/** Where each sequence stands, in one query. */
export async function readSequences(client: pg.ClientBase, sequences: TrackedSequence[]): Promise<SequenceValues> {
  return toSequenceValues(sequences, (await client.query(readSequencesSql(sequences))).rows)
}

export function readSequencesSql(sequences: TrackedSequence[]): string {
  if (!sequences.length) return 'SELECT 0 AS i WHERE false'
  return sequences.map((s, i) => `SELECT ${i} AS i, last_value::text AS v, is_called AS c FROM ${s.sql}`).join(' UNION ALL ')
}

export function toSequenceValues(sequences: TrackedSequence[], rows: { i: number; v: string; c: boolean }[]): SequenceValues {
  return rows.map((r) => ({ seq: sequences[r.i]!, lastValue: r.v, isCalled: r.c }))
}

/** One statement that puts every sequence back (setval is not undone by a rollback, which is the point). */
export function setvalSql(values: SequenceValues): string {
  if (!values.length) return 'SELECT 1'
  return `SELECT ${values.map((s) => `setval('${s.seq.oid}'::oid::regclass, ${bigintLiteral(s.lastValue)}, ${s.isCalled})`).join(', ')}`
}

/**
 * The sequences of `since` that handed out ids, after it was read, to rows that are still there: its column
 * holds a value from after `since` up to where the sequence stands now. Read inside a transaction that
 * has just rolled its own writes back, such rows were committed by another connection. One query.
 */
export async function sequencesWithRowsSince(client: pg.ClientBase, since: SequenceValues): Promise<SequenceValues> {
  const checked = since.filter((s) => s.seq.ownedBy)
  if (!checked.length) return []
  const sql = checked
    .map(({ seq, lastValue, isCalled }, i) => {
      // Not yet called, the sequence's next value is lastValue itself: that one counts as handed out after.
      const after = isCalled ? bigintLiteral(lastValue) : `(${bigintLiteral(lastValue)} - 1)`
      const { table, column } = seq.ownedBy!
      return `SELECT ${i} AS i WHERE EXISTS (SELECT 1 FROM ${table} WHERE ${column} > ${after} AND ${column} <= (SELECT last_value FROM ${seq.sql}))`
    })
    .join(' UNION ALL ')
  const { rows } = await client.query<{ i: number }>(sql)
  return rows.map((r) => checked[r.i]!)
}

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
