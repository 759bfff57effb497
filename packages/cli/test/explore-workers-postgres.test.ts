/**
 * `venomqa explore --workers 2` with postgresWorkers, end to end: the built `venomqa`, the todo app on
 * PostgreSQL in a process of its own as worker 0's app, one more started by `startAppProcess` on worker 1's
 * database. Its saved results and what it prints name each worker's state backends and their timings, and
 * the worker's database is dropped when it ends.
 */
import { readFile } from 'node:fs/promises'
import path from 'node:path'
import type { RunResult } from '@venomqa/core'
import { describeWithService } from '@venomqa/test-utils'
import { runDatabaseName } from '@venomqa/test-utils/postgres'
import { expect, it } from 'vitest'
import { todoWorkersProject } from './helpers/todo-workers'

const DB = runDatabaseName('venomqa_workers_explore')
const describe = await describeWithService('PostgreSQL', '127.0.0.1', 5432)

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

describe('venomqa explore --workers 2 with postgresWorkers', () => {
  const made = todoWorkersProject(DB, {
    'explore/users.explore.ts': EXPLORATION,
    'explore/slow.explore.ts': SLOW,
  })
  const { workerDatabases } = made

  it("names each worker's state backends and their timings, and drops the worker's database", async () => {
    const r = await made.project.venomqa(['explore', 'users', '--workers', '2', '--no-emit', '--save', 'out/results.json'], { timeoutMs: 60_000 })
    expect(r.code, r.stdout + r.stderr).toBe(0)
    expect(r.stderr).toContain('venomqa: explored users (dfs, depth 2, seed 1, 2 workers)')
    const saved: RunResult = JSON.parse(await readFile(path.join(made.project.dir, 'out/results.json'), 'utf8'))
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

  it('on Ctrl-C exits 130 and leaves no worker database', async () => {
    // Each worker is in its edge out of the root: the worker's app and database are made.
    const started = () => readFile(path.join(made.project.dir, 'started'), 'utf8').catch(() => '')
    const { result: r, before } = await made.interruptedOnce(['explore', 'slow', '--workers', '2', '--no-emit'], async () => (await started()).length === 2, 'both workers to take their edge')
    expect(before).toEqual([`${DB}_w1`])
    expect(r.code, r.stdout + r.stderr).toBe(130)
    expect(await workerDatabases()).toEqual([])
  }, 60_000)
})
