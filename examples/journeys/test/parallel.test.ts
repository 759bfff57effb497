/**
 * Parallel paths, isolated by workers: the todo app on PostgreSQL, one app process and one database per
 * worker, each synced to the checkpoint state before it runs paths. Every path writes rows and checks it
 * sees exactly the checkpoint state plus its own writes.
 */
import { assertEqual, assertStatus, branch, checkpoint, journey, path, step } from '@venomqa/core'
import { createRunner } from '@venomqa/runner'
import { postgresState, postgresWorkers } from '@venomqa/state-postgres'
import { describeWithService, startTodoApp, type RunningProcess, expectBranchOnWorkers } from '@venomqa/test-utils'
import { PG_ADMIN_URL, pgDatabaseUrl, pgTestDatabases, withPgClient } from '@venomqa/test-utils/postgres'
import { afterAll, beforeAll, expect, it } from 'vitest'
import { signUpAndLogIn } from './todo-sign-in'

const DB = 'venomqa_par_main'
const MAIN_URL = pgDatabaseUrl(DB)
const databases = pgTestDatabases(new RegExp(`^${DB}$`))

const d = await describeWithService('PostgreSQL', '127.0.0.1', 5432)

function parallelJourney(run: number) {
  const email = `par${run}@example.test`
  const paths = Array.from({ length: 8 }, (_, i) =>
    path(`p${i}`, [
      step('write_own_rows', async ({ http, ctx }) => {
        const first = await http.post('/api/todos', { json: { title: `p${i}-a` } })
        assertStatus(first, 201)
        // Ids continue from the checkpoint on every worker: the sequence was copied too.
        assertEqual(first.json().id, ctx.require<number>('lastId') + 1, `first id on path p${i}`)
        assertStatus(await http.post('/api/todos', { json: { title: `p${i}-b` } }), 201)
        await http.get('/api/slow?ms=30') // keep paths overlapping in time
      }),
      step('sees_checkpoint_plus_own', async ({ http }) => {
        const titles = ((await http.get('/api/todos')).json() as { title: string }[]).map((t) => t.title).sort()
        assertEqual(titles, ['base-1', 'base-2', `p${i}-a`, `p${i}-b`], `todos seen by path p${i}`)
      }),
    ]),
  )
  return journey(`parallel_${run}`, {
    steps: [
      ...signUpAndLogIn(email, 'P'),
      step('base_rows', async ({ http, ctx }) => {
        await http.post('/api/todos', { json: { title: 'base-1' } })
        const res = await http.post('/api/todos', { json: { title: 'base-2' } })
        ctx.set('lastId', res.json().id)
        return res
      }),
      checkpoint('base'),
      branch('base', paths),
      step('main_line_back_at_base', async ({ http }) => {
        const titles = ((await http.get('/api/todos')).json() as { title: string }[]).map((t) => t.title).sort()
        assertEqual(titles, ['base-1', 'base-2'], 'todos after the parallel branch')
      }),
    ],
  })
}

d('parallel paths on PostgreSQL workers', () => {
  let app: RunningProcess
  beforeAll(async () => {
    await databases.create(DB)
    app = await startTodoApp({ DATABASE_URL: MAIN_URL })
  })
  afterAll(async () => {
    await app?.stop()
    await databases.drop(DB)
  })

  it('runs 8 paths on 4 workers, each seeing only the checkpoint state plus its own writes, 20 times over', async () => {
    const workerApps: RunningProcess[] = []
    const runner = createRunner({
      baseUrl: app.url,
      stateBackends: [postgresState({ url: MAIN_URL })],
      parallelPaths: 4,
      workerSetup: postgresWorkers({
        url: MAIN_URL,
        async startApp(_index, databaseUrl) {
          const w = await startTodoApp({ DATABASE_URL: databaseUrl })
          workerApps.push(w)
          return { baseUrl: w.url, close: () => w.stop() }
        },
      }),
    })
    try {
      for (let run = 0; run < 20; run++) expectBranchOnWorkers(await runner.run(parallelJourney(run)), run)
    } finally {
      await runner.close()
    }
    expect(workerApps).toHaveLength(3)
    expect(workerApps.every((w) => w.child.exitCode !== null || w.child.signalCode !== null)).toBe(true)
    // Worker databases are dropped when the run ends.
    const { rows } = await withPgClient(PG_ADMIN_URL, (c) => c.query(`SELECT datname FROM pg_database WHERE datname LIKE '${DB}_w%'`))
    expect(rows).toEqual([])
  }, 180_000)

  it('refuses parallel paths over a backend that is not parallel-safe, with no workers', async () => {
    const runner = createRunner({ baseUrl: app.url, stateBackends: [postgresState({ url: MAIN_URL })], parallelPaths: 4 })
    await expect(runner.run(parallelJourney(99))).rejects.toThrow(
      /parallelPaths: 4 would run paths at the same time against one system, but state backend "postgres:venomqa_par_main" \(snapshot\) is not parallel-safe[\s\S]*1\. run one at a time[\s\S]*2\. give every worker its own system: add a workerSetup/,
    )
    await runner.close()
  })
})
