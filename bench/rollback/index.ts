/**
 * Rollback latency per state backend and mechanism. `pnpm bench rollback` runs every section found
 * here: postgres.ts, mysql.ts when present, then the PostgreSQL `proxy` mechanism interleaved with
 * `snapshot` (bench/proxy-rollback, also runnable on its own).
 */
import { existsSync } from 'node:fs'
import { runPostgres } from './postgres'

await runPostgres()

const mysql = new URL('./mysql.ts', import.meta.url)
if (existsSync(mysql)) {
  const section = (await import('./mysql')) as { default?: () => Promise<void>; runMysql?: () => Promise<void> }
  await (section.runMysql ?? section.default)?.()
}

// The proxy beside snapshot, in the same run: each iteration alternates the two on the same data shape.
await import('../proxy-rollback/index')
