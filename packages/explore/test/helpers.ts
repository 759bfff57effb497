import { type Exploration, type Plugin } from '@venomqa/core'
import { type Runner, createRunner } from '@venomqa/runner'
import { postgresState } from '@venomqa/state-postgres'
import { type RunningProcess, startShopApp } from '@venomqa/test-utils'
import { pgTestDatabases, withPgClient } from '@venomqa/test-utils/postgres'
import { type ExploreOptions, explore } from '../src'

export { PG_ADMIN_URL as ADMIN_URL, pgDatabaseUrl as dbUrl } from '@venomqa/test-utils/postgres'

/** Only databases named venomqa_explore_* are ever created or dropped here. */
const databases = pgTestDatabases(/^venomqa_explore_[a-z0-9_]+$/)
export const createDatabase = (db: string) => databases.create(db)
export const dropDatabase = databases.drop

/**
 * Everything in the database's public schema: every row of every table (ordered), every sequence's
 * value, and which schemas exist. Two equal dumps: the database is as it was.
 */
export async function dumpDatabase(url: string): Promise<string> {
  return withPgClient(url, async (c) => {
    const out: string[] = []
    const schemas = await c.query(`SELECT nspname FROM pg_namespace WHERE nspname NOT LIKE 'pg_%' AND nspname <> 'information_schema' ORDER BY 1`)
    out.push(`schemas: ${schemas.rows.map((r) => r.nspname).join(',')}`)
    const tables = await c.query(`SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY 1`)
    for (const { tablename } of tables.rows) {
      const rows = await c.query(`SELECT * FROM public."${tablename}" t ORDER BY t::text`)
      out.push(`table ${tablename}: ${JSON.stringify(rows.rows)}`)
    }
    const seqs = await c.query(`SELECT sequencename, last_value FROM pg_sequences WHERE schemaname = 'public' ORDER BY 1`)
    for (const s of seqs.rows) out.push(`sequence ${s.sequencename}: ${s.last_value}`)
    return out.join('\n')
  })
}

/** The shop app in its own process, on its own database; `bugs` as SHOP_BUGS. */
export async function startShop(db: string, bugs = 'all'): Promise<{ app: RunningProcess; url: string }> {
  const url = await createDatabase(db)
  const app = await startShopApp({ DATABASE_URL: url, SHOP_BUGS: bugs })
  return { app, url }
}

/** A runner with the PostgreSQL snapshot backend (unless `state: false`) and any plugins. */
export function shopRunner(databaseUrl: string, baseUrl: string, extra: { state?: boolean; plugins?: Plugin<any>[] } = {}): Runner {
  return createRunner({
    baseUrl,
    stateBackends: extra.state === false ? [] : [postgresState({ url: databaseUrl })],
    plugins: extra.plugins,
    stepTimeout: 10_000,
  })
}

/** Explore with a fresh runner, closed afterwards. */
export async function exploreShop(e: Exploration, env: { databaseUrl: string; baseUrl: string }, options: Partial<ExploreOptions> & { plugins?: Plugin<any>[] } = {}) {
  const { plugins, ...rest } = options
  const runner = shopRunner(env.databaseUrl, env.baseUrl, { plugins })
  try {
    return await explore(e, { runner, root: process.cwd(), emitDir: false, ...rest })
  } finally {
    await runner.close()
  }
}
