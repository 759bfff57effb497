/**
 * MySQL / MariaDB: checkpoint and rollback latency per mechanism on 10 tables x 10,000 rows, where a path
 * changes 100 rows (updates, inserts and deletes over four tables linked by foreign keys, one delete
 * cascading into the nine child tables). The snapshot path's writes come from a connection of their own,
 * as an app's would; the savepoint path's go through the backend's connection, the only way it can see them.
 *
 *   npx jiti bench/rollback/mysql.ts        (or `pnpm bench rollback`, which runs every section)
 */
import { MysqlSavepointBackend, MysqlSnapshotBackend, type RollbackStats } from '@venomqa/state-mysql'
import mysql, { type Connection } from 'mysql2/promise'

const DB = 'venomqa_my_bench'
const HOST = process.env.MYSQL_HOST ?? '127.0.0.1'
const PORT = Number(process.env.MYSQL_PORT ?? 3306)
const USER = process.env.MYSQL_USER ?? 'root'
const URL_ = `mysql://${USER}@${HOST}:${PORT}/${DB}`
const TABLES = 10
const ROWS = 10_000
/** Paths per checkpoint, and checkpoints, per mechanism. */
const PATHS = 4
const ROUNDS = 12

export interface MysqlBenchRow {
  mechanism: string
  checkpointMedianMs: number
  checkpointP95Ms: number
  rollbackMedianMs: number
  rollbackP95Ms: number
}

function quantile(samples: number[], q: number): number {
  const s = [...samples].sort((a, b) => a - b)
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil(q * s.length) - 1))] ?? NaN
}

function row(mechanism: string, checkpoints: number[], rollbacks: number[]): MysqlBenchRow {
  const r = (n: number) => Math.round(n * 100) / 100
  return {
    mechanism,
    checkpointMedianMs: r(quantile(checkpoints, 0.5)),
    checkpointP95Ms: r(quantile(checkpoints, 0.95)),
    rollbackMedianMs: r(quantile(rollbacks, 0.5)),
    rollbackP95Ms: r(quantile(rollbacks, 0.95)),
  }
}

const connect = (database?: string) => mysql.createConnection({ host: HOST, port: PORT, user: USER, database, multipleStatements: true })

async function timed(fn: () => Promise<unknown>): Promise<number> {
  const t0 = performance.now()
  await fn()
  return performance.now() - t0
}

async function createBenchDatabase(): Promise<void> {
  const c = await connect()
  try {
    await c.query(`DROP DATABASE IF EXISTS ${DB}`)
    await c.query(`CREATE DATABASE ${DB} CHARACTER SET utf8mb4`)
    await c.query(`USE ${DB}`)
    // 10,000 numbers without MariaDB's sequence engine or MySQL's recursion limit.
    const numbers = `(SELECT a.d + 10 * b.d + 100 * c.d + 1000 * e.d + 1 AS n FROM ${['a', 'b', 'c', 'e']
      .map(
        (x) =>
          `(SELECT 0 d UNION ALL SELECT 1 UNION ALL SELECT 2 UNION ALL SELECT 3 UNION ALL SELECT 4 UNION ALL SELECT 5 UNION ALL SELECT 6 UNION ALL SELECT 7 UNION ALL SELECT 8 UNION ALL SELECT 9) ${x}`,
      )
      .join(', ')})`
    for (let i = 0; i < TABLES; i++) {
      const fk = i === 0 ? '' : ', parent_id INT NOT NULL, FOREIGN KEY (parent_id) REFERENCES t0(id) ON DELETE CASCADE'
      await c.query(
        `CREATE TABLE t${i} (id INT AUTO_INCREMENT PRIMARY KEY, name VARCHAR(64) NOT NULL, amount DECIMAL(12,2), payload VARCHAR(255),
           updated_at DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3)${fk}) ENGINE=InnoDB`,
      )
      await c.query(
        `INSERT INTO t${i} (name, amount, payload${i === 0 ? '' : ', parent_id'})
         SELECT CONCAT('row ', n), n * 1.5, REPEAT(MD5(n), 4)${i === 0 ? '' : ', n'} FROM ${numbers} s ORDER BY n`,
      )
    }
    await c.query(`ANALYZE TABLE ${Array.from({ length: TABLES }, (_, i) => `t${i}`).join(', ')}`)
  } finally {
    await c.end()
  }
}

/** One path: 40 updates, 30 inserts, 29 deletes, and a parent delete that cascades into the nine child tables. */
async function changeHundredRows(c: Connection, round: number): Promise<void> {
  const base = 100 + ((round * 97) % 9000)
  await c.query(`UPDATE t1 SET amount = amount + 1, name = CONCAT(name, '!') WHERE id BETWEEN ${base} AND ${base + 39}`)
  await c.query(
    `INSERT INTO t2 (name, amount, payload, parent_id) VALUES ${Array.from({ length: 30 }, (_, i) => `('new ${i}', ${i}, 'x', ${1 + i})`).join(', ')}`,
  )
  await c.query(`DELETE FROM t3 WHERE id BETWEEN ${base} AND ${base + 28}`)
  await c.query(`DELETE FROM t0 WHERE id = ${base + 500}`)
}

/** Where the snapshot rollbacks' time went, filled by benchSnapshot (medians, ms). */
let breakdown: { probe: number; rows: number; counters: number; tables: number; countersReset: number } | undefined

async function benchSnapshot(): Promise<MysqlBenchRow[]> {
  const backend = new MysqlSnapshotBackend({ url: URL_ })
  const app = await connect(DB)
  const firstCheckpoint: number[] = []
  const checkpoints: number[] = []
  const nested: number[] = []
  const rollbacks: number[] = []
  const parts: RollbackStats[] = []
  try {
    await backend.connect()
    firstCheckpoint.push(await timed(() => backend.checkpoint('warm')))
    await backend.release('warm')
    for (let round = 0; round < ROUNDS; round++) {
      // Changes between checkpoints are what the next one has to bring the base up to date with.
      await changeHundredRows(app, round + 1000)
      checkpoints.push(await timed(() => backend.checkpoint('cp')))
      for (let p = 0; p < PATHS; p++) {
        await changeHundredRows(app, round * PATHS + p)
        if (p === 0) {
          nested.push(await timed(() => backend.checkpoint('inner')))
          await backend.release('inner')
        }
        rollbacks.push(await timed(() => backend.rollback('cp')))
        parts.push(backend.lastRollback!)
      }
      await backend.release('cp')
    }
    const median = (f: (s: RollbackStats) => number) => quantile(parts.map(f), 0.5)
    breakdown = {
      probe: median((s) => s.probeMs),
      rows: median((s) => s.rowsMs),
      counters: median((s) => s.countersMs),
      tables: median((s) => s.tablesRestored.length),
      countersReset: median((s) => s.countersReset.length),
    }
  } finally {
    await app.end()
    await backend.disconnect()
  }
  return [
    row('snapshot', checkpoints, rollbacks),
    row('snapshot: nested checkpoint', nested, []),
    row('snapshot: first checkpoint (copies every table)', firstCheckpoint, []),
  ]
}

async function benchSavepoint(): Promise<MysqlBenchRow> {
  const backend = new MysqlSavepointBackend({ url: URL_ })
  const checkpoints: number[] = []
  const rollbacks: number[] = []
  try {
    await backend.connect()
    for (let round = 0; round < ROUNDS; round++) {
      checkpoints.push(await timed(() => backend.checkpoint('cp')))
      for (let p = 0; p < PATHS; p++) {
        await changeHundredRows(backend.connection, round * PATHS + p)
        rollbacks.push(await timed(() => backend.rollback('cp')))
      }
      await backend.release('cp')
    }
  } finally {
    await backend.disconnect()
  }
  return row('savepoint (same-process app only)', checkpoints, rollbacks)
}

/** What copying whole tables costs: CREATE TABLE ... LIKE + INSERT SELECT, and DELETE + INSERT SELECT back. */
async function benchWholeTableCopy(): Promise<MysqlBenchRow> {
  const c = await connect(DB)
  const tables = Array.from({ length: TABLES }, (_, i) => `t${i}`)
  const checkpoints: number[] = []
  const rollbacks: number[] = []
  try {
    for (let round = 0; round < 3; round++) {
      checkpoints.push(
        await timed(() =>
          c.query(tables.map((t) => `DROP TABLE IF EXISTS _copy_${t}; CREATE TABLE _copy_${t} LIKE ${t}; INSERT INTO _copy_${t} SELECT * FROM ${t}`).join(';')),
        ),
      )
      for (let p = 0; p < 2; p++) {
        await changeHundredRows(c, round * 2 + p)
        rollbacks.push(
          await timed(() =>
            c.query(
              [
                'SET FOREIGN_KEY_CHECKS = 0',
                'START TRANSACTION',
                ...tables.flatMap((t) => [`DELETE FROM ${t}`, `INSERT INTO ${t} SELECT * FROM _copy_${t}`]),
                'COMMIT',
                'SET FOREIGN_KEY_CHECKS = 1',
              ].join(';'),
            ),
          ),
        )
      }
    }
    await c.query(`DROP TABLE ${tables.map((t) => `_copy_${t}`).join(', ')}`)
  } finally {
    await c.end()
  }
  return row('whole-table copy (baseline, not a mechanism)', checkpoints, rollbacks)
}

/** Checkpoint and rollback latency per mechanism, measured in one run. */
export async function benchMysql(): Promise<MysqlBenchRow[]> {
  await createBenchDatabase()
  try {
    const snapshot = await benchSnapshot()
    const savepoint = await benchSavepoint()
    const baseline = await benchWholeTableCopy()
    return [...snapshot, savepoint, baseline]
  } finally {
    const c = await connect()
    await c.query(`DROP DATABASE IF EXISTS ${DB}`)
    await c.end()
  }
}

/** Run the section and print its table and ratios. */
export async function runMysql(): Promise<void> {
  const c = await connect()
  const [[{ v }]] = (await c.query('SELECT VERSION() AS v')) as unknown as [[{ v: string }]]
  await c.end()
  console.log(`\nMySQL/MariaDB (${v}): ${TABLES} tables x ${ROWS} rows, a path changes ~100 rows; ${ROUNDS} checkpoints x ${PATHS} paths per mechanism`)
  const rows = await benchMysql()
  const cell = (n: number) => (Number.isNaN(n) ? '-' : n.toFixed(2)).padStart(10)
  console.log(`${'mechanism'.padEnd(48)}  cp median    cp p95   rb median    rb p95   (ms)`)
  for (const r of rows)
    console.log(`${r.mechanism.padEnd(48)}${cell(r.checkpointMedianMs)}${cell(r.checkpointP95Ms)}${cell(r.rollbackMedianMs)}${cell(r.rollbackP95Ms)}`)
  if (breakdown)
    console.log(
      `snapshot rollback, median parts: read marks + schema + counters ${breakdown.probe.toFixed(2)} ms, rows of ${breakdown.tables} tables ${breakdown.rows.toFixed(2)} ms, ` +
        `${breakdown.countersReset} AUTO_INCREMENT reset(s) ${breakdown.counters.toFixed(2)} ms`,
    )
  const snapshot = rows[0]!
  const baseline = rows[rows.length - 1]!
  console.log(
    `snapshot vs whole-table copy: rollback ${(baseline.rollbackMedianMs / snapshot.rollbackMedianMs).toFixed(1)}x faster, checkpoint ${(baseline.checkpointMedianMs / snapshot.checkpointMedianMs).toFixed(1)}x faster (medians)`,
  )
}

export default runMysql

// `npx jiti bench/rollback/mysql.ts` runs this file alone; imported by index.ts, it waits to be called.
if (process.argv.some((a) => /rollback[\\/]mysql\.ts$/.test(a))) await runMysql()
