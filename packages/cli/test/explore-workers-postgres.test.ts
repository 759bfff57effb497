/**
 * `venomqa explore --workers 2` with postgresWorkers, end to end: the built `venomqa`, the todo app on
 * PostgreSQL in a process of its own as worker 0's app, one more started by `startAppProcess` on worker 1's
 * database. Its saved results and what it prints name each worker's state backends and their timings, and
 * the worker's database is dropped when it ends.
 */
import { readFile, symlink } from 'node:fs/promises'
import path from 'node:path'
import type { RunResult } from '@venomqa/core'
import { REPO_ROOT, type RunningProcess, TODO_APP_SERVER, describeWithService, startTodoApp } from '@venomqa/test-utils'
import { PG_ADMIN_URL, pgTestDatabases, withPgClient } from '@venomqa/test-utils/postgres'
import { afterAll, beforeAll, expect, it } from 'vitest'
import { type Project, assertBuilt, makeProject, waitUntil, writeFiles } from './helpers/project'

const DB = 'venomqa_test_wrk_explore'
const databases = pgTestDatabases(/^venomqa_test_wrk_explore(_w\d+)?$/)
const DATABASE_URL = `postgres://postgres@127.0.0.1:5432/${DB}`
const describe = await describeWithService('PostgreSQL', '127.0.0.1', 5432)

const CONFIG = `import { postgresWorkers, startAppProcess } from '@venomqa/state-postgres'

export default {
  baseUrl: '\${TODO_URL}',
  plugins: [['@venomqa/state-postgres', { url: '\${DATABASE_URL}' }]],
  workerSetup: postgresWorkers({
    url: process.env.DATABASE_URL!,
    startApp: (_index: number, databaseUrl: string, { signal }: { signal: AbortSignal }) =>
      startAppProcess({ command: [process.execPath, process.env.TODO_SERVER!], env: { DATABASE_URL: databaseUrl, PORT: '0', HOST: '127.0.0.1' }, signal }),
  }),
}
`

// Two edges out of the root: one for each worker, each taken again below it.
const EXPLORATION = `import { action, exploration } from '@venomqa/core'

const signUp = (who: string) => action('sign_up_' + who, async ({ http }) => http.post('/api/users', { json: { email: who + '-' + Math.random().toString(36).slice(2) + '@example.test', password: 'correct horse' } }))

export default exploration('users', { actions: [signUp('ann'), signUp('bob')], depth: 2, seed: 1, dedupe: false })
`

// Two slow edges out of the root, one for each worker; each says when it starts.
const SLOW = `import { appendFileSync } from 'node:fs'
import { action, exploration } from '@venomqa/core'

const slow = (name: string) => action(name, async ({ http }) => {
  appendFileSync('started', 'x')
  return http.get('/api/slow', { query: { ms: 20000 } })
})

export default exploration('slow', { actions: [slow('slow_a'), slow('slow_b')], depth: 1, seed: 1 })
`

const workerDatabases = () =>
  withPgClient(PG_ADMIN_URL, async (c) => (await c.query('SELECT datname FROM pg_database WHERE datname LIKE $1 ORDER BY 1', [`${DB}\\_w%`])).rows.map((r) => r.datname as string))

describe('venomqa explore --workers 2 with postgresWorkers', () => {
  let app: RunningProcess
  let project: Project
  beforeAll(async () => {
    assertBuilt()
    for (const db of [`${DB}_w1`, `${DB}_w2`]) await databases.drop(db)
    await databases.create(DB)
    app = await startTodoApp({ DATABASE_URL })
    project = await makeProject(null, { TODO_URL: app.url, DATABASE_URL, TODO_SERVER: TODO_APP_SERVER, CI: 'true' })
    await symlink(path.join(REPO_ROOT, 'packages/state-postgres'), path.join(project.dir, 'node_modules/@venomqa/state-postgres'), 'dir')
    await writeFiles(project.dir, {
      'package.json': JSON.stringify({ name: 'explore-workers-tests', private: true, type: 'module' }),
      'venomqa.config.ts': CONFIG,
      'explore/users.explore.ts': EXPLORATION,
      'explore/slow.explore.ts': SLOW,
    })
  }, 60_000)
  afterAll(async () => {
    await project?.remove()
    await app?.stop()
    for (const db of [`${DB}_w1`, `${DB}_w2`, DB]) await databases.drop(db)
  })

  it("names each worker's state backends and their timings, and drops the worker's database", async () => {
    const r = await project.venomqa(['explore', 'users', '--workers', '2', '--no-emit', '--save', 'out/results.json'], { timeoutMs: 60_000 })
    expect(r.code, r.stdout + r.stderr).toBe(0)
    expect(r.stderr).toContain('venomqa: explored users (dfs, depth 2, seed 1, 2 workers)')
    const saved: RunResult = JSON.parse(await readFile(path.join(project.dir, 'out/results.json'), 'utf8'))
    const [main, worker] = [`postgres:${DB}`, `postgres:${DB}_w1`]
    expect(saved.backends).toEqual([
      { name: main, mechanism: 'snapshot', parallelSafe: false },
      { name: worker, mechanism: 'snapshot', parallelSafe: false, worker: 1 },
    ])
    const x = saved.explorations![0]!
    // Each worker's database timed under its own name; the World's restoring, which each has, pooled.
    expect(Object.keys(x.timings.rollback).sort()).toEqual(['context on workers 0, 1', main, worker])
    expect(Object.keys(x.timings.observe).sort()).toEqual([main, worker])
    // Both took edges: the root's two are dealt one to each.
    expect(x.workers!.map((w) => w.worker)).toEqual([0, 1])
    for (const w of x.workers!) expect(w.transitions, JSON.stringify(x.workers)).toBeGreaterThan(0)
    // What it prints says the same.
    expect(r.stdout).toMatch(new RegExp(`^  rollback: .*postgres:${DB} p50 .*, postgres:${DB}_w1 p50 `, 'm'))
    expect(r.stdout).toMatch(new RegExp(`^  observe: postgres:${DB} p50 .*, postgres:${DB}_w1 p50 `, 'm'))
    expect(r.stdout).toMatch(new RegExp(`^State +postgres:${DB} \\(snapshot\\), postgres:${DB}_w1 \\(snapshot\\)$`, 'm'))
    expect(await workerDatabases()).toEqual([])
  }, 60_000)

  it("on Ctrl-C exits 130 and leaves no worker database", async () => {
    const run = project.spawn(['explore', 'slow', '--workers', '2', '--no-emit'])
    // Each worker is in its edge out of the root, its request sent: the worker's app and database made.
    await waitUntil(async () => (await readFile(path.join(project.dir, 'started'), 'utf8').catch(() => '')).length === 2, 'both workers to take their edge', 30_000)
    expect(await workerDatabases()).toEqual([`${DB}_w1`])
    run.child.kill('SIGINT')
    const r = await run.done
    expect(r.code, r.stdout + r.stderr).toBe(130)
    expect(await workerDatabases()).toEqual([])
  }, 60_000)
})
