/**
 * Rollback latency of the `proxy` mechanism (@venomqa/pg-proxy) beside `snapshot` (@venomqa/state-postgres),
 * in one interleaved run: 10 tables x 10,000 rows, a path changes 100 rows through the app's own pool of
 * 4 connections; one iteration of each mechanism in turn, so both see the same machine load. Each has a
 * database of its own with the same data; after the run both are compared with their starting state.
 *
 *   pnpm bench proxy-rollback
 */
import { PgProxy } from '@venomqa/pg-proxy'
import { postgresState } from '@venomqa/state-postgres'
import { withPgClient } from '@venomqa/test-utils/postgres'
import pg from 'pg'

const HOST = process.env.PGHOST ?? '127.0.0.1'
const BASE = `postgres://${process.env.PGUSER ?? 'postgres'}@${HOST}:${process.env.PGPORT ?? 5432}`
const DBS = { snapshot: 'venomqa_proxy_bench_snapshot', proxy: 'venomqa_proxy_bench_proxy' } as const
const TABLES = 10
const ROWS = 10_000
const ITERATIONS = Number(process.env.ITERATIONS ?? 200)

async function createBenchDatabase(db: string): Promise<void> {
  await withPgClient(`${BASE}/postgres`, async (c) => {
    await c.query(`DROP DATABASE IF EXISTS ${db} WITH (FORCE)`)
    await c.query(`CREATE DATABASE ${db}`)
  })
  await withPgClient(`${BASE}/${db}`, async (c) => {
    for (let i = 0; i < TABLES; i++) {
      const fk = i === 0 ? '' : ', parent_id int REFERENCES t0(id) ON DELETE CASCADE'
      await c.query(
        `CREATE TABLE t${i} (id serial PRIMARY KEY, name text NOT NULL, amount numeric(12,2), payload text, updated_at timestamptz NOT NULL DEFAULT now()${fk})`,
      )
      await c.query(
        `INSERT INTO t${i} (name, amount, payload${i === 0 ? '' : ', parent_id'})
         SELECT 'row ' || g, g * 1.5, repeat(md5(g::text), 4)${i === 0 ? '' : ', 1 + (g % 10000)'} FROM generate_series(1, ${ROWS}) g`,
      )
    }
    await c.query('ANALYZE')
  })
}

/** What a path does: 100 rows changed in t1, t2, t3 (40 updates, 30 inserts, 30 deletes). */
async function runPath(pool: import('pg').Pool, round: number): Promise<void> {
  await pool.query(`UPDATE t1 SET name = 'changed ${round}', amount = amount + 1 WHERE id BETWEEN 100 AND 139`)
  await pool.query(`INSERT INTO t2 (name, amount, parent_id) SELECT 'new ' || g, g, 1 FROM generate_series(1, 30) g`)
  await pool.query(`DELETE FROM t3 WHERE id BETWEEN 500 AND 529`)
}

/** Every row and sequence of the ten tables, as one hash, through `q`. */
const FINGERPRINT = `SELECT md5(concat_ws('|', ${[
  ...Array.from({ length: TABLES }, (_, i) => `(SELECT md5(string_agg(t::text, ',' ORDER BY id)) FROM t${i} t)`),
  ...Array.from({ length: TABLES }, (_, i) => `(SELECT last_value || ':' || is_called FROM t${i}_id_seq)`),
].join(', ')}))`

function quantile(samples: number[], q: number): number {
  const s = [...samples].sort((a, b) => a - b)
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil(q * s.length) - 1))]!
}

async function timed(fn: () => Promise<unknown>): Promise<number> {
  const t0 = performance.now()
  await fn()
  return performance.now() - t0
}

console.log(
  `\nproxy vs snapshot rollback: ${TABLES} tables x ${ROWS.toLocaleString('en')} rows, a path changes 100 rows through a pool of 4, ${ITERATIONS} interleaved iterations`,
)
await Promise.all([createBenchDatabase(DBS.snapshot), createBenchDatabase(DBS.proxy)])
const snapshot = postgresState({ url: `${BASE}/${DBS.snapshot}` })
const proxy = new PgProxy({ upstream: `${BASE}/${DBS.proxy}` })
let snapshotPool: import('pg').Pool | undefined
let proxyPool: import('pg').Pool | undefined
try {
  const expected = {
    snapshot: await withPgClient(`${BASE}/${DBS.snapshot}`, async (c) => (await c.query(FINGERPRINT)).rows[0].md5),
    proxy: await withPgClient(`${BASE}/${DBS.proxy}`, async (c) => (await c.query(FINGERPRINT)).rows[0].md5),
  }
  await snapshot.connect()
  await proxy.start()
  snapshotPool = new pg.Pool({ connectionString: `${BASE}/${DBS.snapshot}`, max: 4 })
  proxyPool = new pg.Pool({ connectionString: proxy.url, max: 4 })
  await snapshot.checkpoint('base')
  await proxy.checkpoint('base')
  const samples = { snapshot: { rollback: [] as number[], checkpoint: [] as number[] }, proxy: { rollback: [] as number[], checkpoint: [] as number[] } }
  for (let i = 0; i < ITERATIONS; i++) {
    await runPath(snapshotPool, i)
    samples.snapshot.rollback.push(await timed(() => snapshot.rollback('base')))
    samples.snapshot.checkpoint.push(await timed(() => snapshot.checkpoint('inner')))
    await snapshot.release('inner')
    await runPath(proxyPool, i)
    samples.proxy.rollback.push(await timed(() => proxy.rollback('base')))
    samples.proxy.checkpoint.push(await timed(() => proxy.checkpoint('inner')))
    await proxy.release('inner')
  }
  const restored = {
    snapshot: (await withPgClient(`${BASE}/${DBS.snapshot}`, async (c) => (await c.query(FINGERPRINT)).rows[0].md5)) === expected.snapshot,
    proxy: (await proxy.query(FINGERPRINT))[0]![0] === expected.proxy,
  }
  const ms = (n: number) => `${n.toFixed(3).padStart(8)} ms`
  console.log('\nmechanism   rollback p50      p95    checkpoint p50      p95      n  after the run')
  for (const m of ['snapshot', 'proxy'] as const)
    console.log(
      `${m.padEnd(10)} ${ms(quantile(samples[m].rollback, 0.5))} ${ms(quantile(samples[m].rollback, 0.95))}  ${ms(quantile(samples[m].checkpoint, 0.5))} ${ms(quantile(samples[m].checkpoint, 0.95))} ${String(ITERATIONS).padStart(6)}  ${restored[m] ? 'state restored exactly' : 'STATE DIFFERS'}`,
    )
  const ratio = (q: number) => (quantile(samples.snapshot.rollback, q) / quantile(samples.proxy.rollback, q)).toFixed(1)
  console.log(
    `\nsnapshot / proxy rollback: p50 ${ratio(0.5)}x, p95 ${ratio(0.95)}x; upstream waits of the app's pool: ${proxy.stats.waits} of ${proxy.stats.acquisitions}`,
  )
} finally {
  await snapshotPool?.end()
  await proxyPool?.end()
  await snapshot.disconnect().catch(() => {})
  await proxy.stop().catch(() => {})
  await withPgClient(`${BASE}/postgres`, async (c) => {
    for (const db of Object.values(DBS)) await c.query(`DROP DATABASE IF EXISTS ${db} WITH (FORCE)`)
  })
}
