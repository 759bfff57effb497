/**
 * Rollback latency per state backend and mechanism. `pnpm bench rollback` runs every section found
 * here: postgres.ts, and mysql.ts when present.
 */
import { existsSync } from 'node:fs'
import { runPostgres } from './postgres'

await runPostgres()

const mysql = new URL('./mysql.ts', import.meta.url)
if (existsSync(mysql)) {
  const section = (await import('./mysql')) as { default?: () => Promise<void>; runMysql?: () => Promise<void> }
  await (section.runMysql ?? section.default)?.()
}
