/**
 * Parallel paths on apps driven by the http-control protocol: the todo app keeps its data in memory, one
 * process per worker, and httpControlWorkers copies the main app's state at the checkpoint into each
 * worker's app (GET /__venomqa/export, POST /__venomqa/import). Every path writes and checks it sees exactly
 * the checkpoint state plus its own writes, ids continuing from the checkpoint's.
 */
import { assertEqual, assertStatus, branch, checkpoint, journey, path, step } from '@venomqa/core'
import { type RunningProcess, startNodeProcess, startTodoApp, expectBranchOnWorkers } from '@venomqa/test-utils'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createRunner, httpControlState, httpControlWorkers } from '../src/index'

function parallelJourney(run: number) {
  const email = `hc${run}@example.test`
  const paths = Array.from({ length: 8 }, (_, i) =>
    path(`p${i}`, [
      step('write_own_rows', async ({ http, ctx }) => {
        const first = await http.post('/api/todos', { json: { title: `p${i}-a` } })
        assertStatus(first, 201)
        // Ids continue from the checkpoint on every worker: the id counters are part of the copied state.
        assertEqual(first.json().id, ctx.require<number>('lastId') + 1, `first id on path p${i}`)
        assertStatus(await http.post('/api/todos', { json: { title: `p${i}-b` } }), 201)
        await http.get('/api/slow?ms=20') // keep paths overlapping in time
      }),
      step('sees_checkpoint_plus_own', async ({ http }) => {
        const titles = ((await http.get('/api/todos')).json() as { title: string }[]).map((t) => t.title).sort()
        assertEqual(titles, ['base-1', 'base-2', `p${i}-a`, `p${i}-b`], `todos seen by path p${i}`)
      }),
    ]),
  )
  return journey(`http_control_parallel_${run}`, {
    steps: [
      step('sign_up', ({ http }) => http.post('/api/users', { json: { email, password: 'a long password', name: 'P' } })),
      step('log_in', async ({ http }) => {
        const res = await http.post('/api/auth/login', { json: { email, password: 'a long password' } })
        // The session lives in the app's state: a worker's app knows it only if the state was copied.
        http.setAuthToken(res.json().token)
        return res
      }),
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

describe('httpControlWorkers', () => {
  let main: RunningProcess
  beforeAll(async () => {
    main = await startTodoApp()
  })
  afterAll(async () => {
    await main?.stop()
  })

  it('runs 8 paths on 4 workers, each app importing the checkpoint state, 20 times over', async () => {
    const apps: RunningProcess[] = []
    const runner = createRunner({
      baseUrl: main.url,
      stateBackends: [httpControlState({ url: main.url })],
      parallelPaths: 4,
      workerSetup: httpControlWorkers({
        async startApp() {
          const app = await startTodoApp()
          apps.push(app)
          return { baseUrl: app.url, close: () => app.stop() }
        },
      }),
    })
    try {
      for (let run = 0; run < 20; run++) expectBranchOnWorkers(await runner.run(parallelJourney(run)), run)
    } finally {
      await runner.close()
    }
    expect(apps).toHaveLength(3)
    expect(apps.every((a) => a.child.exitCode !== null || a.child.signalCode !== null)).toBe(true)
  }, 120_000)

  it('names the missing export route of an app that has only checkpoint, rollback and release', async () => {
    // The same protocol minus export and import: the worker cannot be made equal to the main app.
    const bare = await startNodeProcess(new URL('./fixtures/control-without-export.mjs', import.meta.url).pathname)
    const runner = createRunner({
      baseUrl: bare.url,
      stateBackends: [httpControlState({ url: bare.url })],
      parallelPaths: 2,
      workerSetup: httpControlWorkers({
        async startApp() {
          const app = await startNodeProcess(new URL('./fixtures/control-without-export.mjs', import.meta.url).pathname)
          return { baseUrl: app.url, close: () => app.stop() }
        },
      }),
    })
    try {
      const j = (await runner.run(journey('bare', { steps: [checkpoint('c'), branch('c', [path('a', [step('x', () => {})]), path('b', [step('y', () => {})])])] })))
        .journeys[0]!
      expect(j.status).toBe('failed')
      expect(j.issues.map((i) => i.error).join('\n')).toMatch(
        /GET http:\/\/127\.0\.0\.1:\d+\/__venomqa\/export answered 404: the app has no export route\. Parallel paths with httpControlWorkers copy the main app's state into each worker's app through GET \/__venomqa\/export and POST \/__venomqa\/import/,
      )
    } finally {
      await runner.close()
      await bare.stop()
    }
  })
})
