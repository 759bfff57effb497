/**
 * A session connected to the database directly, around the proxy, that waits on a lock the proxy's
 * transaction holds (a table the app made through the proxy) waits until the proxy stops: the step of the
 * run that waits on it times out. The failed step's suggestion names that session and what to do, both
 * from a proxy in the run's process and from one started on its own (GET /blocked on its control port).
 */
import path from 'node:path'
import { journey, step } from '@venomqa/core'
import { createRunner } from '@venomqa/runner'
import { type RunningProcess, describeWithService, startNodeProcess } from '@venomqa/test-utils'
import pg from 'pg'
import { afterAll, beforeAll, expect, it } from 'vitest'
import plugin, { pgProxyState } from '../src/index'
import { FIXTURES, PG, type StartedCli, createDatabase, dbName, dbUrl, dropDatabase, startCli, stopCli } from './helpers'

const describe = await describeWithService('PostgreSQL', PG.host, PG.port)

/** A direct session whose `sql` waits on the proxy's lock; it waits until the proxy's transaction ends. */
async function waitingClient(url: string, sql: string, applicationName: string): Promise<{ client: pg.Client; waiting: Promise<unknown> }> {
  const client = new pg.Client({ connectionString: url, application_name: applicationName })
  client.on('error', () => {})
  await client.connect()
  const waiting = client.query(sql).catch((e: Error) => e)
  return { client, waiting }
}

describe('a session around the proxy waiting on its lock', () => {
  const DB = dbName('blocked_inproc')
  // The schema made on the database directly: a table the app made through the proxy, no other session sees at all.
  beforeAll(() => createDatabase(DB, 'CREATE TABLE jobs (id int PRIMARY KEY, state text); INSERT INTO jobs VALUES (1, $$new$$), (2, $$new$$); CREATE TABLE tasks (id int PRIMARY KEY, state text); INSERT INTO tasks VALUES (1, $$new$$)'))
  afterAll(() => dropDatabase(DB))

  /**
   * An in-process proxy and an app's client through it that runs `appSql`, then a worker connected to the
   * database directly that runs `workerSql` and waits on the proxy's lock: what blockedByIt says once
   * PostgreSQL lists the worker as waiting (its wait starts on the server's time, after the query is sent),
   * and what the worker's query answered once the proxy's transaction ended.
   */
  async function whileWaiting(appSql: string, workerSql: string, worker: string): Promise<{ before?: string; said?: string; answered: unknown }> {
    const backend = pgProxyState({ upstream: dbUrl(DB) }, () => {})
    await backend.connect()
    const app = new pg.Client({ connectionString: backend.url })
    await app.connect()
    let waiting: Awaited<ReturnType<typeof waitingClient>> | undefined
    try {
      await app.query(appSql)
      const before = await backend.blockedByIt()
      waiting = await waitingClient(dbUrl(DB), workerSql, worker)
      let said: string | undefined
      for (let i = 0; i < 200 && !said; i++) said = await backend.blockedByIt()
      await app.end()
      await backend.disconnect() // the proxy's transaction ends: the worker's query goes on
      return { before, said, answered: await waiting.waiting }
    } finally {
      await app.end().catch(() => {})
      await backend.disconnect()
      await waiting?.client.end()
    }
  }

  it('an in-process proxy names the waiting session, the table and the URL to use; nothing when none waits', async () => {
    // The app's migration, through the proxy: its lock stays taken until the proxy stops.
    const { before, said, answered } = await whileWaiting('ALTER TABLE jobs ADD COLUMN note text', 'SELECT count(*) FROM jobs', 'job-worker')
    expect(before).toBeUndefined()
    expect(said).toMatch(
      /^A session connected to the database directly waits on a lock the venomqa-pg-proxy's transaction holds: pid \d+ \(application_name "job-worker", from 127\.0\.0\.1:\d+\) has waited [\d.]+ m?s for table "jobs"\. .*Connect it through the proxy too \(DATABASE_URL=postgres:\/\/postgres@127\.0\.0\.1:\d+\/venomqa_proxy_\d+_blocked_inproc\), and run the migrations that alter a table on the database directly before the proxy starts\.$/,
    )
    expect(answered).toMatchObject({ rows: [{ count: '2' }] })
  })

  it('a row the app changed through the proxy, which a worker connected directly updates too', async () => {
    const { said, answered } = await whileWaiting("UPDATE tasks SET state = 'taken' WHERE id = 1", "UPDATE tasks SET state = 'done' WHERE id = 1", 'task-worker')
    expect(said).toMatch(/: pid \d+ \(application_name "task-worker", from 127\.0\.0\.1:\d+\) has waited [\d.]+ m?s for a row the app changed through the proxy\. .*\/venomqa_proxy_\d+_blocked_inproc\)\.$/)
    expect(answered).toMatchObject({ rowCount: 1 })
  })
})

describe('an app with a pool around venomqa-pg-proxy started from the command line', () => {
  const DB = dbName('blocked_cli')
  let proxy: StartedCli
  let app: RunningProcess

  beforeAll(async () => {
    await createDatabase(DB, 'CREATE TABLE reports (id serial PRIMARY KEY, body text NOT NULL)')
    proxy = await startCli(dbUrl(DB))
    // Its reports pool is pointed at the database itself: it waits on the table the app made through the proxy.
    app = await startNodeProcess(path.join(FIXTURES, 'two-pools-app.mjs'), { env: { DATABASE_URL: proxy.url, REPORTS_DATABASE_URL: dbUrl(DB) } })
  })

  afterAll(async () => {
    await app?.stop()
    if (proxy) await stopCli(proxy)
    await dropDatabase(DB)
  })

  it("the step that timed out has the blocked session as its suggestion, not the timeout's generic one", async () => {
    const runner = createRunner({ baseUrl: app.url, plugins: [[plugin, { control: proxy.control }]] })
    let result
    try {
      result = await runner.run(
        journey('reports', {
          steps: [
            step('count', ({ http }) => http.get('/')),
            step('report', ({ http }) => http.get('/reports', { timeout: 1000, retry: false })),
          ],
        }),
      )
    } finally {
      await runner.close()
    }
    const [issue, ...more] = result.journeys[0]!.issues
    expect(more).toEqual([])
    expect([issue?.step, issue?.kind]).toEqual(['report', 'timeout'])
    expect(issue?.suggestion).toMatch(
      /^A session connected to the database directly waits on a lock the venomqa-pg-proxy's transaction holds: pid \d+ \(application_name "reports-pool", from 127\.0\.0\.1:\d+\) has waited [\d.]+ m?s for table "reports"\..* \(DATABASE_URL=postgres:\/\/postgres@127\.0\.0\.1:\d+\//,
    )
  })
})
