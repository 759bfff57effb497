import path from 'node:path'
import { REPO_ROOT, type RunningProcess, startShopApp } from '@venomqa/test-utils'
import pg from 'pg'

export const SHOP_DOCUMENT = path.join(REPO_ROOT, 'examples/shop-app/openapi.json')
const ADMIN_URL = 'postgres://postgres@127.0.0.1:5432/postgres'
export const dbUrl = (db: string) => `postgres://postgres@127.0.0.1:5432/${db}`

/** Only databases named venomqa_openapi_* are ever created or dropped here. */
function checkName(db: string): void {
  if (!/^venomqa_openapi_[a-z0-9_]+$/.test(db)) throw new Error(`refusing to touch database ${db}`)
}

async function admin(sql: string): Promise<void> {
  const client = new pg.Client({ connectionString: ADMIN_URL })
  client.on('error', () => {})
  await client.connect()
  try {
    await client.query(sql)
  } finally {
    await client.end()
  }
}

export async function dropDatabase(db: string): Promise<void> {
  checkName(db)
  await admin(`DROP DATABASE IF EXISTS ${db} WITH (FORCE)`)
}

/** The shop app in its own process, on a fresh database of its own; `bugs` as SHOP_BUGS. */
export async function startShop(db: string, bugs: string): Promise<{ app: RunningProcess; databaseUrl: string; baseUrl: string }> {
  await dropDatabase(db)
  await admin(`CREATE DATABASE ${db}`)
  const app = await startShopApp({ DATABASE_URL: dbUrl(db), SHOP_BUGS: bugs })
  return { app, databaseUrl: dbUrl(db), baseUrl: app.url }
}
