/**
 * observe() on the snapshot mechanism, 10 tables x 10,000 rows, after an action that changed one table
 * (what an exploration does after every edge): the incremental count (only tables the change log says
 * were touched) against a full count of every table, interleaved in one run, beside a rollback of the
 * same change.
 */
import { postgresState } from '@venomqa/state-postgres'
import { withPgClient } from '@venomqa/test-utils/postgres'
import pg from 'pg'

const DB = 'venomqa_pg_bench_observe'
const BASE = `postgres://${process.env.PGUSER ?? 'postgres'}@${process.env.PGHOST ?? '127.0.0.1'}:${process.env.PGPORT ?? 5432}`
const TABLES = 10
const ROWS = 10_000
const ROUNDS = 200

const pct = (xs: number[], q: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.ceil(q * xs.length) - 1)]!
const fmt = (xs: number[]) => `${pct(xs, 0.5).toFixed(3)} / ${pct(xs, 0.95).toFixed(3)} ms`

await withPgClient(`${BASE}/postgres`, async (c) => {
  await c.query(`DROP DATABASE IF EXISTS ${DB} WITH (FORCE)`)
  await c.query(`CREATE DATABASE ${DB}`)
})
const url = `${BASE}/${DB}`
try {
  await withPgClient(url, async (c) => {
    for (let i = 0; i < TABLES; i++) {
      await c.query(`CREATE TABLE t${i} (id serial PRIMARY KEY, name text NOT NULL, payload text)`)
      await c.query(`INSERT INTO t${i} (name, payload) SELECT 'row ' || g, repeat(md5(g::text), 4) FROM generate_series(1, ${ROWS}) g`)
    }
    await c.query('ANALYZE')
  })
  const backend = postgresState({ url })
  await backend.connect()
  const app = new pg.Client({ connectionString: url })
  await app.connect()
  const full = new pg.Client({ connectionString: url })
  await full.connect()
  const fullCountSql = Array.from({ length: TABLES }, (_, i) => `SELECT count(*) FROM t${i}`).join(' UNION ALL ')
  const incremental: number[] = []
  const fullCount: number[] = []
  const rollback: number[] = []
  try {
    await backend.checkpoint('root')
    await backend.observe!()
    for (let round = 0; round < ROUNDS; round++) {
      await app.query(`INSERT INTO t${round % TABLES} (name, payload) VALUES ('new', 'x')`)
      // Interleaved, alternating which goes first, so drift in the machine's load hits both alike.
      const measure = async (into: number[], fn: () => Promise<unknown>) => {
        const t0 = performance.now()
        await fn()
        into.push(performance.now() - t0)
      }
      if (round % 2) {
        await measure(incremental, () => backend.observe!())
        await measure(fullCount, () => full.query(fullCountSql))
      } else {
        await measure(fullCount, () => full.query(fullCountSql))
        await measure(incremental, () => backend.observe!())
      }
      await measure(rollback, () => backend.rollback('root'))
    }
  } finally {
    await app.end()
    await full.end()
    await backend.disconnect()
  }
  console.log(`observe after one changed table, ${TABLES} tables x ${ROWS} rows, ${ROUNDS} rounds (p50 / p95)`)
  console.log(`| what | p50 / p95 |\n|---|---|`)
  console.log(`| observe, incremental | ${fmt(incremental)} |`)
  console.log(`| full count of every table | ${fmt(fullCount)} |`)
  console.log(`| rollback of the change | ${fmt(rollback)} |`)
  console.log(
    `incremental / full (p50): ${(pct(incremental, 0.5) / pct(fullCount, 0.5)).toFixed(3)}x; observe / rollback (p50): ${(pct(incremental, 0.5) / pct(rollback, 0.5)).toFixed(3)}x`,
  )
} finally {
  await withPgClient(`${BASE}/postgres`, (c) => c.query(`DROP DATABASE IF EXISTS ${DB} WITH (FORCE)`))
}
