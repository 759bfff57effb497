/**
 * What an app does around the proxy's rollback, with the app in its own process and its own pool:
 * - connected to the database directly instead of through the proxy, its commits land for real, which no
 *   rollback undoes: the checkpoint or rollback fails naming its sessions, and the sequences are never put
 *   back under the rows it committed (which made the app fail with duplicate keys);
 * - a temporary table its connection made when it opened, after the checkpoint, is dropped by the
 *   rollback to it: the app's error says why, and the run gets a critical issue, instead of flaky bugs.
 */
import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process'
import path from 'node:path'
import readline from 'node:readline'
import { describeWithService } from '@venomqa/test-utils'
import pg from 'pg'
import { afterAll, afterEach, beforeAll, expect, it } from 'vitest'
import { PgProxy } from '../src/index'
import { FIXTURES, PG, createDatabase, dbName, dbUrl, dropDatabase, one, withClient } from './helpers'

const describe = await describeWithService('PostgreSQL', PG.host, PG.port)
const DB = dbName('around')

interface LineApp {
  run(sql: string): Promise<{ rows?: Record<string, unknown>[]; error?: { code: string; message: string; hint?: string } }>
  stop(): Promise<void>
}

function startApp(url: string, env: Record<string, string> = {}): LineApp {
  const child: ChildProcessWithoutNullStreams = spawn(process.execPath, [path.join(FIXTURES, 'line-app.mjs')], {
    env: { ...process.env, DATABASE_URL: url, ...env },
  })
  const lines = readline.createInterface({ input: child.stdout })
  const waiting: ((line: string) => void)[] = []
  lines.on('line', (line) => waiting.shift()?.(line))
  return {
    run: (sql) =>
      new Promise((resolve) => {
        waiting.push((line) => resolve(JSON.parse(line)))
        child.stdin.write(`${sql}\n`)
      }),
    stop: () =>
      new Promise((resolve) => {
        if (child.exitCode !== null) return resolve()
        child.once('exit', () => resolve())
        child.stdin.end('end\n')
      }),
  }
}

describe('what an app does around the proxy', () => {
  let proxy: PgProxy | undefined
  const apps: LineApp[] = []

  beforeAll(async () => {
    await createDatabase(DB, 'CREATE TABLE products (id serial PRIMARY KEY, sku text UNIQUE NOT NULL)')
  })
  afterEach(async () => {
    for (const app of apps.splice(0)) await app.stop()
    await proxy?.stop().catch(() => {})
    proxy = undefined
    await withClient(dbUrl(DB), (c) => c.query(`TRUNCATE products; SELECT setval('products_id_seq', 1, false)`))
  })
  afterAll(async () => {
    await dropDatabase(DB)
  })

  it('fails the checkpoint and the rollback when the app connects to the database directly, and never puts the sequences back under its rows', async () => {
    // A developer's psql left open on the database, idle since before the run, and one opened during the
    // run that ran nothing: not the app.
    const idle = new pg.Client({ connectionString: dbUrl(DB), application_name: 'idle psql' })
    await idle.connect()
    await idle.query('SELECT count(*) FROM products')
    proxy = new PgProxy({ upstream: dbUrl(DB), password: 'proxy-secret-pw' })
    await proxy.start()
    const opened = new pg.Client({ connectionString: dbUrl(DB), application_name: 'opened psql' })
    await opened.connect()
    try {
      await proxy.checkpoint('start')
      // The mistake: the app's DATABASE_URL is the database's, not the proxy's.
      const app = startApp(dbUrl(DB))
      apps.push(app)
      expect((await app.run(`INSERT INTO products (sku) VALUES ('a') RETURNING id`)).rows).toEqual([{ id: 1 }])

      const rollback = proxy.rollback('start')
      await expect(rollback).rejects.toThrow(/connected to the database "\w+" directly, not through the proxy/)
      const message = await rollback.catch((e: Error) => e.message)
      expect(message).toMatch(/application_name "line-app"/)
      expect(message).toMatch(/pid \d+/)
      expect(message).toContain(`connect through the proxy at 127.0.0.1:${proxy.port}`)
      expect(message).not.toMatch(/idle psql|opened psql/)
      expect(message).not.toContain('proxy-secret-pw')
      // The sequence stays past the committed row: the app's next insert does not collide with it.
      expect((await app.run(`INSERT INTO products (sku) VALUES ('b') RETURNING id`)).rows).toEqual([{ id: 2 }])
      await expect(proxy.checkpoint('again')).rejects.toThrow(/connected to the database "\w+" directly, not through the proxy/)

      await proxy.stop()
      proxy = undefined
      // Nor at the end: the committed rows stay, and so does the sequence above them.
      expect(await withClient(dbUrl(DB), (c) => one(c, `SELECT last_value::int FROM products_id_seq`))).toBe(2)
    } finally {
      await idle.end()
      await opened.end()
    }
  })

  it('takes no session of its own, nor an idle one, for the app', async () => {
    proxy = new PgProxy({ upstream: dbUrl(DB) })
    await proxy.start()
    const app = startApp(proxy.url)
    apps.push(app)
    await proxy.checkpoint('start')
    for (let i = 0; i < 3; i++) {
      expect((await app.run(`INSERT INTO products (sku) VALUES ('x') RETURNING id`)).rows).toEqual([{ id: 1 }])
      await proxy.rollback('start')
    }
  })

  it('says that a temporary table made after the checkpoint was dropped by the rollback, when the app uses it', async () => {
    proxy = new PgProxy({ upstream: dbUrl(DB) })
    await proxy.start()
    await proxy.checkpoint('start')
    const app = startApp(proxy.url, { TEMP_ON_CONNECT: 'CREATE TEMP TABLE IF NOT EXISTS recent_reservations (id int)' })
    apps.push(app)
    expect((await app.run('INSERT INTO recent_reservations VALUES (1)')).error).toBeUndefined()
    await proxy.rollback('start')
    expect(proxy.refusals).toEqual([])
    const { error } = await app.run('INSERT INTO recent_reservations VALUES (2)')
    expect(error?.code).toBe('42P01')
    expect(error?.message).toMatch(/relation "recent_reservations" does not exist/)
    expect(error?.hint).toMatch(/rollback to checkpoint "start" dropped it/)
    expect(proxy.refusals.map((r) => r.reason)).toEqual(['temp-table-dropped'])
    expect(proxy.refusals[0]!.hint).toMatch(/before the run's first checkpoint|snapshot/)
  })
})
