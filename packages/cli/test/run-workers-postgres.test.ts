/**
 * `venomqa run --workers 2` with postgresWorkers, end to end as docs/parallel.md describes it: the built
 * `venomqa`, the todo app on PostgreSQL in a process of its own with its own pool as the main app, and one
 * more started by `startAppProcess` on each worker's database. The run's results name every worker's state
 * backends, each path starts from its checkpoint on every worker, and the worker databases are dropped when
 * the run ends: passed, failed, or stopped with Ctrl-C.
 */
import { readFile } from 'node:fs/promises'
import path from 'node:path'
import { describeWithService } from '@venomqa/test-utils'
import { runDatabaseName } from '@venomqa/test-utils/postgres'
import { expect, it } from 'vitest'
import { todoWorkersProject } from './helpers/todo-workers'

const DB = runDatabaseName('venomqa_workers_run')
const describe = await describeWithService('PostgreSQL', '127.0.0.1', 5432)

// Each journey signs a user up, checkpoints, and runs two paths that each sign one more up: the second path
// sees the users of the checkpoint, no more, only if the first one's was rolled back on that worker.
const JOURNEY = (name: string) => `import { assertEqual, assertStatus, branch, checkpoint, journey, path, step } from '@venomqa/core'

const users = async (http: any) => (await http.get('/api/stats')).json().users
const signUp = async (http: any, email: string) => assertStatus(await http.post('/api/users', { json: { email, password: 'correct horse' } }), 201)
const fromCheckpoint = (name: string) =>
  path(name, [
    step('same_users', async ({ http, ctx }) => assertEqual(await users(http), ctx.require('users'), 'users at the start of the path')),
    step('sign_up_more', async ({ http }) => signUp(http, name + '-${name}@example.test')),
  ])

export default journey('${name}', {
  steps: [
    step('sign_up', async ({ http, ctx }) => {
      await signUp(http, '${name}@example.test')
      ctx.set('users', await users(http))
    }),
    checkpoint('signed_up'),
    branch('signed_up', [fromCheckpoint('first'), fromCheckpoint('second')]),
    step('still_same', async ({ http, ctx }) => assertEqual(await users(http), ctx.require('users'), 'users after the branch')),
  ],
})
`

const FAILING = `import { assertEqual, journey, step } from '@venomqa/core'
export default journey('fails', { steps: [step('wrong', async ({ http }) => assertEqual((await http.get('/api/stats')).status, 418, 'status'))] })
`

const SLOW = (name: string) => `import { journey, step } from '@venomqa/core'
export default journey('${name}', { steps: [step('slow_request', ({ http }) => http.get('/api/slow', { query: { ms: 20000 } }))] })
`

describe('venomqa run --workers 2 with postgresWorkers', () => {
  const made = todoWorkersProject(DB, {
    'journeys/a.journey.ts': JOURNEY('a'),
    'journeys/b.journey.ts': JOURNEY('b'),
    'journeys/c.journey.ts': JOURNEY('c'),
    'journeys/d.journey.ts': JOURNEY('d'),
    'failing/fails.journey.ts': FAILING,
    'failing/a.journey.ts': JOURNEY('a2'),
    'slow/s1.journey.ts': SLOW('s1'),
    'slow/s2.journey.ts': SLOW('s2'),
  })
  const { workerDatabases } = made

  it("names every worker's backends, starts each path from its checkpoint on every worker, and drops the worker databases", async () => {
    const r = await made.project.venomqa(['run', 'journeys', '--workers', '2', '--save', 'out/results.json'], { timeoutMs: 60_000 })
    expect(r.code, r.stdout + r.stderr).toBe(0)
    const saved = JSON.parse(await readFile(path.join(made.project.dir, 'out/results.json'), 'utf8'))
    expect(saved.backends).toEqual([
      { name: `postgres:${DB}`, mechanism: 'snapshot', parallelSafe: false },
      { name: `postgres:${DB}_w1`, mechanism: 'snapshot', parallelSafe: false, worker: 1 },
    ])
    expect(r.stdout).toMatch(new RegExp(`^State +postgres:${DB} \\(snapshot\\), postgres:${DB}_w1 \\(snapshot\\)$`, 'm'))
    // Both workers ran journeys, and every path on each passed its check of the checkpoint's users.
    const journeys = saved.journeys as { name: string; status: string; worker?: number }[]
    expect(journeys.map((j) => j.status)).toEqual(['passed', 'passed', 'passed', 'passed'])
    expect(new Set(journeys.map((j) => j.worker ?? 0))).toEqual(new Set([0, 1]))
    // Each path was put back to the checkpoint on the database of the worker its journey ran on.
    for (const j of journeys) {
      const db = j.worker ? `${DB}_w${j.worker}` : DB
      for (const p of ['first', 'second']) expect(r.stdout).toMatch(new RegExp(`^\\[${j.name}\\] +\\[${p}\\] ↺ rollback to signed_up \\(before-path\\) \\d+ ms: postgres:${db} \\(snapshot\\)`, 'm'))
    }
    expect(await workerDatabases()).toEqual([])
  }, 60_000)

  it('drops the worker databases when a journey fails', async () => {
    const r = await made.project.venomqa(['run', 'failing', '--workers', '2', '--save', 'out/failing.json'], { timeoutMs: 60_000 })
    expect(r.code, r.stdout + r.stderr).toBe(1)
    const saved = JSON.parse(await readFile(path.join(made.project.dir, 'out/failing.json'), 'utf8'))
    // The failing one ran on the worker's app: worker 1's database is dropped all the same.
    expect(Object.fromEntries(saved.journeys.map((j: { name: string; status: string; worker?: number }) => [j.name, [j.status, j.worker ?? 0]]))).toEqual({ a2: ['passed', 0], fails: ['failed', 1] })
    expect(saved.backends.map((b: { name: string; worker?: number }) => [b.name, b.worker ?? 0])).toEqual([
      [`postgres:${DB}`, 0],
      [`postgres:${DB}_w1`, 1],
    ])
    expect(await workerDatabases()).toEqual([])
  }, 60_000)

  it('on Ctrl-C exits 130 and leaves no worker database', async () => {
    // Both journeys have started, one on each worker: the worker's app and database are made.
    const { result: r, before } = await made.interruptedOnce(['run', 'slow', '--workers', '2'], (out) => (out.stdout.match(/▶ s\d/g) ?? []).length === 2, 'both journeys to start')
    expect(before).toEqual([`${DB}_w1`])
    expect(r.code, r.stdout + r.stderr).toBe(130)
    expect(await workerDatabases()).toEqual([])
  }, 60_000)
})
