/**
 * PostgreSQL: checkpoint and rollback latency per mechanism on 10 tables x 10,000 rows, where a path
 * changes 100 rows (updates, inserts and deletes over three tables linked by foreign keys).
 */
import type { StateBackend } from '@venomqa/core'
import { postgresState } from '@venomqa/state-postgres'
import { withPgClient } from '@venomqa/test-utils/postgres'
import pg from 'pg'

const DB = 'venomqa_pg_bench'
const HOST = process.env.PGHOST ?? '127.0.0.1'
const BASE = `postgres://${process.env.PGUSER ?? 'postgres'}@${HOST}:${process.env.PGPORT ?? 5432}`
const ADMIN_URL = `${BASE}/postgres`
const DB_URL = `${BASE}/${DB}`
const TABLES = 10
const ROWS = 10_000

export interface Stats {
  median: number
  p95: number
  n: number
}

export function stats(samples: number[]): Stats {
  const s = [...samples].sort((a, b) => a - b)
  const at = (q: number) => s[Math.min(s.length - 1, Math.ceil(q * s.length) - 1)]!
  return { median: at(0.5), p95: at(0.95), n: s.length }
}

const admin = <T>(fn: (c: import('pg').Client) => Promise<T>, url = ADMIN_URL): Promise<T> => withPgClient(url, fn)

async function createBenchDatabase() {
  await admin(async (c) => {
    await c.query(`DROP DATABASE IF EXISTS ${DB} WITH (FORCE)`)
    await c.query(`CREATE DATABASE ${DB}`)
  })
  await admin(async (c) => {
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
  }, DB_URL)
}

/** What a path does: 100 rows changed in t1, t2, t3 (40 updates, 30 inserts, 30 deletes). */
async function runPath(q: (sql: string) => Promise<unknown>, round: number) {
  await q(`UPDATE t1 SET name = 'changed ${round}', amount = amount + 1 WHERE id BETWEEN 100 AND 139`)
  await q(`INSERT INTO t2 (name, amount, parent_id) SELECT 'new ' || g, g, 1 FROM generate_series(1, 30) g`)
  await q(`DELETE FROM t3 WHERE id BETWEEN 500 AND 529`)
}

async function fingerprint(): Promise<string> {
  return admin(async (c) => {
    const parts: string[] = []
    for (let i = 0; i < TABLES; i++) parts.push(`(SELECT md5(string_agg(t::text, ',' ORDER BY id)) FROM t${i} t)`)
    const seqs = Array.from({ length: TABLES }, (_, i) => `(SELECT last_value || ':' || is_called FROM t${i}_id_seq)`)
    const { rows } = await c.query(`SELECT md5(concat_ws('|', ${[...parts, ...seqs].join(', ')})) AS f`)
    return rows[0].f
  }, DB_URL)
}

interface Row {
  mechanism: string
  checkpoint: Stats
  rollback: Stats
  note: string
}

async function measure(mechanism: 'snapshot' | 'savepoint' | 'template', iterations: number, expected: string): Promise<Row> {
  const backend = postgresState({ url: DB_URL, mechanism }) as StateBackend & { query?: (s: string) => Promise<unknown> }
  await backend.connect()
  // The app under test: its own pool, except for savepoint, which only sees writes made on its connection.
  const appPool = new pg.Pool({ connectionString: DB_URL, max: 4 })
  appPool.on('error', () => {})
  const write = mechanism === 'savepoint' ? (s: string) => backend.query!(s) : (s: string) => appPool.query(s)
  const cp: number[] = []
  const rb: number[] = []
  try {
    await backend.checkpoint('base')
    for (let i = 0; i < iterations; i++) {
      await runPath(write, i)
      let t0 = performance.now()
      await backend.rollback('base')
      rb.push(performance.now() - t0)
      // Checkpoint cost: an inner checkpoint on top of the base one, then released.
      t0 = performance.now()
      await backend.checkpoint('inner')
      cp.push(performance.now() - t0)
      await backend.release('inner')
    }
  } finally {
    await backend.disconnect()
    await appPool.end()
  }
  // Every row and every sequence compared with the state before the first checkpoint.
  const note = (await fingerprint()) === expected ? 'state restored exactly' : 'STATE DIFFERS'
  return { mechanism, checkpoint: stats(cp), rollback: stats(rb), note }
}

async function pathCost(iterations: number): Promise<{ plain: Stats; tracked: Stats }> {
  const pool = new pg.Pool({ connectionString: DB_URL, max: 1 })
  const time = async () => {
    const out: number[] = []
    for (let i = 0; i < iterations; i++) {
      const c = await pool.connect()
      await c.query('BEGIN')
      const t0 = performance.now()
      await runPath((s) => c.query(s), i)
      out.push(performance.now() - t0)
      await c.query('ROLLBACK')
      c.release()
    }
    return stats(out)
  }
  try {
    const plain = await time()
    const backend = postgresState({ url: DB_URL })
    await backend.connect()
    try {
      return { plain, tracked: await time() }
    } finally {
      await backend.disconnect()
    }
  } finally {
    await pool.end()
  }
}

/** Snapshot rollback against the number of rows a path changed: it should follow the rows, not the tables. */
async function scaling(counts: number[], iterations: number): Promise<{ rows: number; rollback: Stats }[]> {
  const backend = postgresState({ url: DB_URL })
  await backend.connect()
  const pool = new pg.Pool({ connectionString: DB_URL, max: 1 })
  const out: { rows: number; rollback: Stats }[] = []
  try {
    await backend.checkpoint('base')
    for (const n of counts) {
      const samples: number[] = []
      for (let i = 0; i < iterations; i++) {
        if (n) await pool.query(`UPDATE t4 SET name = name || '!' WHERE id <= ${n}`)
        const t0 = performance.now()
        await backend.rollback('base')
        samples.push(performance.now() - t0)
      }
      out.push({ rows: n, rollback: stats(samples) })
    }
  } finally {
    await backend.disconnect()
    await pool.end()
  }
  return out
}

const ms = (n: number) => n.toFixed(2).padStart(9)

export async function runPostgres(): Promise<void> {
  console.log(`\nPostgreSQL rollback bench: ${TABLES} tables x ${ROWS.toLocaleString('en')} rows, a path changes 100 rows (database ${DB})`)
  await createBenchDatabase()
  try {
    const expected = await fingerprint()
    const rows: Row[] = []
    rows.push(await measure('snapshot', 200, expected))
    rows.push(await measure('savepoint', 200, expected))
    rows.push(await measure('template', 12, expected))
    console.log('\nmechanism   checkpoint median     p95   rollback median     p95     n  after the run')
    for (const r of rows)
      console.log(
        `${r.mechanism.padEnd(10)} ${ms(r.checkpoint.median)} ms ${ms(r.checkpoint.p95)} ms ${ms(r.rollback.median)} ms ${ms(r.rollback.p95)} ms ${String(r.rollback.n).padStart(5)}  ${r.note}`,
      )
    const snap = rows.find((r) => r.mechanism === 'snapshot')!
    const tpl = rows.find((r) => r.mechanism === 'template')!
    console.log(
      `\ntemplate / snapshot: rollback median ${(tpl.rollback.median / snap.rollback.median).toFixed(0)}x, p95 ${(tpl.rollback.p95 / snap.rollback.p95).toFixed(0)}x; ` +
        `checkpoint median ${(tpl.checkpoint.median / snap.checkpoint.median).toFixed(0)}x`,
    )
    const scale = await scaling([0, 10, 100, 1000, 10_000], 20)
    console.log(`snapshot rollback by rows changed: ${scale.map((s) => `${s.rows} rows ${s.rollback.median.toFixed(2)} ms`).join(', ')} (medians)`)
    const cost = await pathCost(100)
    console.log(
      `cost of change tracking on the app's writes (the 100-row path): ${cost.plain.median.toFixed(2)} ms -> ${cost.tracked.median.toFixed(2)} ms median ` +
        `(${(cost.tracked.median / cost.plain.median).toFixed(1)}x)`,
    )
  } finally {
    await admin((c) => c.query(`DROP DATABASE IF EXISTS ${DB} WITH (FORCE)`))
  }
}
