/**
 * Parallel paths on MariaDB/MySQL workers: a small app on its own connection pool, one process and one
 * database per worker (a copy of the main one's tables), each synced to the checkpoint's rows and
 * AUTO_INCREMENT counters before it runs paths. Every path inserts, deletes and checks it sees exactly the
 * checkpoint's rows plus its own changes, ids continuing from the checkpoint's.
 */
import { assertEqual, assertStatus, branch, checkpoint, journey, path, step, madeByWorkerSetups } from '@venomqa/core'
import { createRunner } from '@venomqa/runner'
import { type RunningProcess, describeWithService, expectBranchOnWorkers } from '@venomqa/test-utils'
import type { RowDataPacket } from 'mysql2/promise'
import { afterAll, beforeAll, expect, it } from 'vitest'
import { composeWorkers, mysqlState, mysqlWorkers } from '../src'
import { HOST, PORT, admin, dbName, dropDatabase, freshDatabase, startFixtureApp, urlFor } from './helpers'

const DB = dbName('workers')
const d = await describeWithService('MySQL/MariaDB', HOST, PORT)

type Row = { title: string; comments: number }

function parallelJourney(run: number) {
  const paths = Array.from({ length: 8 }, (_, i) =>
    path(`p${i}`, [
      step('change_rows', async ({ http, ctx }) => {
        const user = ctx.require<number>('userId')
        assertEqual((await http.get(`/users/${user}/todos`)).json(), [{ title: 'base-1', comments: 1 }, { title: 'base-2', comments: 0 }], `rows at the start of p${i}`)
        const first = await http.post('/todos', { json: { userId: user, title: `p${i}-a` } })
        assertStatus(first, 201)
        // The counter was copied with the rows: the next id is the checkpoint's next id on every worker.
        assertEqual(first.json().id, ctx.require<number>('nextId'), `first id on p${i}`)
        assertStatus(await http.post(`/todos/${first.json().id}/comments`, { json: { text: `on p${i}` } }), 201)
        assertStatus(await http.post('/todos', { json: { userId: user, title: `p${i}-b` } }), 201)
        assertStatus(await http.delete(`/todos/${ctx.require<number>('lastId')}`), 204)
      }),
      step('sees_checkpoint_plus_own', async ({ http, ctx }) => {
        const rows = (await http.get(`/users/${ctx.require<number>('userId')}/todos`)).json() as Row[]
        assertEqual(rows, [{ title: 'base-1', comments: 1 }, { title: `p${i}-a`, comments: 1 }, { title: `p${i}-b`, comments: 0 }], `rows seen by p${i}`)
      }),
    ]),
  )
  return journey(`mysql_parallel_${run}`, {
    steps: [
      step('base_rows', async ({ http, ctx }) => {
        const user = await http.post('/users', { json: { email: `u${run}@example.test`, name: 'U' } })
        assertStatus(user, 201)
        ctx.set('userId', user.json().id)
        const one = await http.post('/todos', { json: { userId: user.json().id, title: 'base-1' } })
        await http.post(`/todos/${one.json().id}/comments`, { json: { text: 'base' } })
        const two = await http.post('/todos', { json: { userId: user.json().id, title: 'base-2' } })
        ctx.set('lastId', two.json().id)
        // The highest id is gone again: the counter stands past every row, so only a copied counter gives it.
        const gone = await http.post('/todos', { json: { userId: user.json().id, title: 'gone' } })
        assertStatus(await http.delete(`/todos/${gone.json().id}`), 204)
        ctx.set('nextId', gone.json().id + 1)
      }),
      checkpoint('base'),
      branch('base', paths),
      step('main_line_back_at_base', async ({ http, ctx }) => {
        const rows = (await http.get(`/users/${ctx.require<number>('userId')}/todos`)).json()
        assertEqual(rows, [{ title: 'base-1', comments: 1 }, { title: 'base-2', comments: 0 }], 'rows after the branch')
      }),
    ],
  })
}

async function workerDatabases(main = DB): Promise<string[]> {
  const conn = await admin()
  try {
    const [rows] = await conn.query<RowDataPacket[]>(`SELECT SCHEMA_NAME AS n FROM information_schema.SCHEMATA WHERE SCHEMA_NAME LIKE '${main}\\_w%'`)
    return rows.map((r) => String(r.n))
  } finally {
    await conn.end()
  }
}

d('mysqlWorkers', () => {
  let app: RunningProcess
  beforeAll(async () => {
    await freshDatabase(DB)
    app = await startFixtureApp(DB)
  })
  afterAll(async () => {
    await app?.stop()
    await dropDatabase(DB)
    for (const db of await workerDatabases()) await dropDatabase(db)
  })

  it('runs 8 paths on 4 workers, each seeing only the checkpoint rows plus its own changes, 10 times over', async () => {
    const apps: RunningProcess[] = []
    const runner = createRunner({
      baseUrl: app.url,
      stateBackends: [mysqlState({ url: urlFor(DB) })],
      parallelPaths: 4,
      workerSetup: mysqlWorkers({
        url: urlFor(DB),
        async startApp(index, databaseUrl) {
          expect(databaseUrl).toBe(urlFor(`${DB}_w${index}`))
          const w = await startFixtureApp(`${DB}_w${index}`)
          apps.push(w)
          return { baseUrl: w.url, close: () => w.stop() }
        },
      }),
    })
    try {
      // Ten runs of eight paths, each run syncing every worker: the suite's time budget, where twenty ran before.
      for (let run = 0; run < 10; run++) expectBranchOnWorkers(await runner.run(parallelJourney(run)), run)
    } finally {
      await runner.close()
    }
    expect(apps).toHaveLength(3)
    expect(apps.every((w) => w.child.exitCode !== null || w.child.signalCode !== null)).toBe(true)
    // Worker databases are dropped when the run ends.
    expect(await workerDatabases()).toEqual([])
  }, 180_000)

  it('refuses a main url without a database, the savepoint mechanism for workers, and a startApp given twice', () => {
    expect(() => mysqlWorkers({ url: `mysql://root@${HOST}:${PORT}/` })).toThrow(/^mysqlWorkers: `url`: no database named: put it in the url/)
    expect(() => mysqlWorkers({ url: urlFor(DB), state: { mechanism: 'savepoint' } as never })).toThrow(/its backend must use the snapshot mechanism, not savepoint/)
    const withApp = mysqlWorkers({ url: urlFor(DB), startApp: async () => ({ baseUrl: 'http://127.0.0.1:1' }) })
    expect(() => composeWorkers(withApp, { startApp: async () => ({ baseUrl: 'http://127.0.0.1:1' }) })).toThrow(
      /composeWorkers: mysqlWorkers was given its own startApp; inside composeWorkers one startApp, the last argument/,
    )
  })

  it("refuses the run's own backend on the savepoint mechanism when the workers are made, before any database is made", async () => {
    // Its rows sit in the backend's one open transaction, which a worker's copy, on a connection of its
    // own, cannot read: paths on other workers would start without the main line's rows.
    const savepoint = mysqlState({ url: urlFor(DB), mechanism: 'savepoint' })
    const setup = mysqlWorkers({ url: urlFor(DB), startApp: async () => ({ baseUrl: 'http://127.0.0.1:1' }) })
    const main = { baseUrl: 'http://127.0.0.1:1', ports: new Map(), stateBackends: [savepoint] }
    const refused = /^mysqlWorkers: the run's state backend "mysql" uses the savepoint mechanism: .*use the snapshot mechanism \(the default\)/
    // Asked by the run before its first journey, touching no database: exit 2, nothing run.
    expect(() => setup.validate!(main)).toThrow(refused)
    await expect(setup.create(1, main)).rejects.toThrow(refused)
    expect(await workerDatabases()).toEqual([])
  })

  it('takes no url (an environment variable unset where no worker is made) until the workers are made, and then refuses it', async () => {
    const setup = mysqlWorkers({ url: process.env.VENOMQA_UNSET_IN_THIS_TEST as string, startApp: async () => ({ baseUrl: 'http://127.0.0.1:1' }) })
    const main = { baseUrl: 'http://127.0.0.1:1', ports: new Map(), stateBackends: [] }
    // Asked by the run before its first journey, touching no database: exit 2, nothing run.
    expect(() => setup.validate!(main)).toThrow(/^mysqlWorkers: `url` \(the main database\) is required$/)
    await expect(setup.create(1, main)).rejects.toThrow(/^mysqlWorkers: `url` \(the main database\) is required$/)
    expect(await workerDatabases()).toEqual([])
  })
})

d('mysqlWorkers when a worker cannot be made and its database cannot be dropped', () => {
  const MAIN = dbName('quota')
  const WORKER_DB = `${MAIN}_w1`
  const USER = dbName('quota_user')
  const TABLES = 20

  afterAll(async () => {
    await dropDatabase(WORKER_DB)
    await dropDatabase(MAIN)
    const conn = await admin()
    await conn.query(`DROP USER IF EXISTS '${USER}'@'%'`).finally(() => conn.end())
  })

  it('says the drop failed, and how to drop the database, in the error of the create', async () => {
    // A real quota makes both fail, with no injected fault: an account limited to 30 writes an hour creates the
    // worker database and its 20 tables (22 writes), then runs out while it copies the rows (40 more), and
    // so has none left for the DROP DATABASE that undoes the worker. Before, that failure was dropped
    // silently: the create's error said only why the copy failed, and the database stayed unseen.
    await freshDatabase(MAIN, Array.from({ length: TABLES }, (_, i) => `CREATE TABLE t${i} (id INT AUTO_INCREMENT PRIMARY KEY, v TEXT)`))
    const conn = await admin()
    try {
      for (let i = 0; i < TABLES; i++) await conn.query(`INSERT INTO \`${MAIN}\`.t${i} (v) VALUES ('a'), ('b')`)
      await conn.query(`DROP USER IF EXISTS '${USER}'@'%'`)
      await conn.query(`CREATE USER '${USER}'@'%' WITH MAX_UPDATES_PER_HOUR 30`)
      await conn.query(`GRANT ALL ON \`${MAIN.replace(/_/g, '\\_')}%\`.* TO '${USER}'@'%'`)
      await conn.query('FLUSH USER_RESOURCES')
    } finally {
      await conn.end()
    }
    const setup = mysqlWorkers({ url: `mysql://${USER}@${HOST}:${PORT}/${MAIN}`, startApp: async () => ({ baseUrl: 'http://127.0.0.1:1' }) })
    const err = await setup.create(1, { baseUrl: 'http://127.0.0.1:1', ports: new Map(), stateBackends: [] }).then(
      () => undefined,
      (e: unknown) => e as Error,
    )
    const where = `database "${WORKER_DB}" on mysql://${USER}@${HOST}:${PORT}/${MAIN}`
    const quota = `ER_USER_LIMIT_REACHED: User '${USER}' has exceeded the 'max_updates_per_hour' resource (current value: 30)`
    expect(err?.message).toBe(
      `state backend "mysql:${WORKER_DB}": copying the rows of the main database (${where}) failed: ${quota}` +
        ` (and undoing worker 1 failed, so what it made is left behind: mysqlWorkers: state backend "mysql:${WORKER_DB}": dropping the worker database (${where}) failed: ${quota};` +
        ` it is left behind: drop it with DROP DATABASE IF EXISTS \`${WORKER_DB}\`)`,
    )
    expect(await workerDatabases(MAIN)).toEqual([WORKER_DB])
  })
})

d('mysqlWorkers and a run quit at once', () => {
  const MAIN = dbName('made')
  const WORKER_DB = `${MAIN}_w1`
  const sql = async (statements: string[]) => {
    const conn = await admin()
    try {
      for (const statement of statements) await conn.query(statement)
    } finally {
      await conn.end()
    }
  }
  beforeAll(() => sql([`DROP DATABASE IF EXISTS \`${WORKER_DB}\``, `DROP DATABASE IF EXISTS \`${MAIN}\``, `CREATE DATABASE \`${MAIN}\``, `CREATE TABLE \`${MAIN}\`.items (id INT PRIMARY KEY)`]))
  afterAll(() => sql([`DROP DATABASE IF EXISTS \`${WORKER_DB}\``, `DROP DATABASE IF EXISTS \`${MAIN}\``]))

  it('names the worker database from when it is made until it is dropped, with the statement that drops it', async () => {
    const setup = mysqlWorkers({ url: urlFor(MAIN), startApp: async () => ({ baseUrl: 'http://127.0.0.1:1' }) })
    const made = await setup.create(1, { baseUrl: 'http://127.0.0.1:1', ports: new Map(), stateBackends: [] })
    // What a second Ctrl-C now would leave, as the CLI says it: the name alone, never the URL.
    expect(madeByWorkerSetups()).toContainEqual({ kind: 'database', name: WORKER_DB, remove: `DROP DATABASE IF EXISTS \`${WORKER_DB}\`` })
    expect(await workerDatabases(MAIN)).toEqual([WORKER_DB])
    await made.close?.()
    expect(await workerDatabases(MAIN)).toEqual([])
    expect(madeByWorkerSetups().map((made) => made.name)).not.toContain(WORKER_DB)
  })
})
