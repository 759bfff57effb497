/**
 * What an app does around the proxy's rollback, with the app in its own process and its own pool:
 * - connected to the database directly instead of through the proxy, its commits land for real, which no
 *   rollback undoes: the rollback finds its rows above the checkpoint in the columns the sequences feed,
 *   fails saying so, and never puts those sequences back under them (which made the app fail with
 *   duplicate keys); a session that only reads fails nothing;
 * - a temporary table its connection made when it opened, after the checkpoint, is dropped by the
 *   rollback to it: the app's error says why, and the run gets a critical issue, instead of flaky bugs.
 */
import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process'
import path from 'node:path'
import readline from 'node:readline'
import { describeWithService } from '@venomqa/test-utils'
import pg from 'pg'
import { afterAll, afterEach, beforeAll, expect, it } from 'vitest'
import { StateError } from '@venomqa/core'
import { PgProxy, pgProxyState, startControlServer } from '../src/index'
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
    await withClient(dbUrl(DB), (c) => c.query(`TRUNCATE products; SELECT setval('products_id_seq', 1, false); ALTER DATABASE ${DB} RESET default_transaction_isolation`))
  })
  afterAll(async () => {
    await dropDatabase(DB)
  })

  // At READ COMMITTED the proxy's transaction sees others' commits; at REPEATABLE READ (a server's default)
  // it does not, and the rows are looked for from a connection of its own.
  it.each(['read committed', 'repeatable read'])('at %s, fails the rollback when the app committed rows to the database directly, and never puts the sequences back under them', async (isolation) => {
    await withClient(dbUrl(DB), (c) => c.query(`ALTER DATABASE ${DB} SET default_transaction_isolation = '${isolation}'`))
    // A developer's psql open on the database that reads during the run: not the app, fails nothing.
    const psql = new pg.Client({ connectionString: dbUrl(DB), application_name: 'reading psql' })
    await psql.connect()
    proxy = new PgProxy({ upstream: dbUrl(DB), password: 'proxy-secret-pw' })
    await proxy.start()
    try {
      await proxy.checkpoint('start')
      await psql.query('SELECT count(*) FROM products')
      const through = startApp(proxy.url)
      apps.push(through)
      expect((await through.run(`INSERT INTO products (sku) VALUES ('p') RETURNING id`)).rows).toEqual([{ id: 1 }])
      await psql.query('SELECT * FROM products')
      await proxy.rollback('start')
      await proxy.checkpoint('start')

      // The mistake: the app's DATABASE_URL is the database's, not the proxy's.
      const app = startApp(dbUrl(DB))
      apps.push(app)
      expect((await app.run(`INSERT INTO products (sku) VALUES ('a') RETURNING id`)).rows).toEqual([{ id: 1 }])

      const message = await proxy.rollback('start').then(
        () => 'no error',
        (e: Error) => e.message,
      )
      expect(message).toMatch(/rows were committed to the database "\w+" around the proxy since checkpoint "start", in table public.products \(column "id": values from 1 to 1,/)
      expect(message).toContain(`connect through the proxy at 127.0.0.1:${proxy.port}`)
      // The sessions are listed as a help: the app's among them.
      expect(message).toMatch(/pid \d+ \(application_name "line-app"/)
      expect(message).not.toContain('proxy-secret-pw')
      // The sequence stays past the committed row: the app's next insert does not collide with it.
      expect((await app.run(`INSERT INTO products (sku) VALUES ('b') RETURNING id`)).rows).toEqual([{ id: 2 }])
      await expect(proxy.checkpoint('again')).rejects.toThrow(/cannot be trusted: .*rows were committed/)

      await proxy.stop()
      proxy = undefined
      // Nor at the end: the committed rows stay, and so does the sequence above them.
      expect(await withClient(dbUrl(DB), (c) => one(c, `SELECT last_value::int FROM products_id_seq`))).toBe(2)
    } finally {
      await psql.end()
    }
  })

  // The run's issue carries the backend error's suggestion: the generic one of a state backend (check its
  // connection and permissions) sent a user whose app bypassed the proxy to look at the proxy instead.
  it.each(['in the run', 'standalone'])('the failed rollback tells the run what to do: point the app at the proxy, clean up, restart it (%s)', async (where) => {
    proxy = new PgProxy({ upstream: dbUrl(DB), password: 'proxy-secret-pw' })
    await proxy.start()
    const control = where === 'standalone' ? await startControlServer(proxy, '127.0.0.1', 0) : undefined
    const backend = pgProxyState(control ? { control: control.url } : { upstream: dbUrl(DB) }, () => {})
    if (!control) {
      await proxy.stop()
      proxy = undefined
    }
    await backend.connect()
    try {
      await backend.checkpoint('start')
      const app = startApp(dbUrl(DB))
      apps.push(app)
      await app.run(`INSERT INTO products (sku) VALUES ('a')`)
      const fix = /^The app \(or a worker, a second pool, a migration\) wrote to the database directly, not through the proxy: give each of them the proxy's URL as its DATABASE_URL \(postgres:\/\/[^@\s]*@127\.0\.0\.1:\d+\/\w+\), delete what it committed, and restart the proxy: until then no checkpoint or rollback can be trusted\.$/
      for (const next of [() => backend.rollback('start'), () => backend.checkpoint('again')]) {
        const err = await next().catch((e) => e)
        expect(err).toBeInstanceOf(StateError)
        expect(err.message).toMatch(/around the proxy/)
        expect(err.suggestion).toMatch(fix)
        expect(err.suggestion).not.toContain('proxy-secret-pw')
      }
    } finally {
      await backend.disconnect().catch(() => {})
      await control?.close()
    }
  })

  it('takes no session of its own, nor an idle one, for the app, nor a seed row far above the sequence', async () => {
    // Committed before the run with an explicit id: not a value the sequence handed out since a checkpoint.
    await withClient(dbUrl(DB), (c) => c.query(`INSERT INTO products (id, sku) VALUES (100, 'seed')`))
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
