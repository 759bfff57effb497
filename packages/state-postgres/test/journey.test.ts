/**
 * Real journeys through the runner, against the example todo app running as its own process with its own
 * pool: the state backend comes from the plugin, exactly as a config file would load it.
 */
import { type Journey, type JourneyResult, assertEqual, assertStatus, branch, checkpoint, journey, path, step } from '@venomqa/core'
import { createRunner } from '@venomqa/runner'
import { type RunningProcess, TODO_APP_SERVER, describeWithService, startTodoApp } from '@venomqa/test-utils'
import { afterAll, beforeAll, expect, it } from 'vitest'
import plugin from '../src/index'
import { PG, createDatabase, dropDatabase, trackingLeftovers, withClient } from './helpers'
import { existsSync } from 'node:fs'

const describe = await describeWithService('PostgreSQL', PG.host, PG.port)
if (!existsSync(TODO_APP_SERVER)) throw new Error(`build the todo app first: pnpm --filter @venomqa/example-todo-app build (${TODO_APP_SERVER} is missing)`)

/** Every table of the todo app, rows in key order, and its sequences. */
async function dumpTodoDb(url: string) {
  return withClient(url, async (c) => {
    const out: Record<string, unknown> = {}
    for (const t of ['users', 'sessions', 'todos', 'comments', 'password_resets'])
      out[t] = (await c.query(`SELECT * FROM ${t} ORDER BY 1`)).rows
    for (const s of ['users_id_seq', 'todos_id_seq', 'comments_id_seq']) out[s] = (await c.query(`SELECT last_value, is_called FROM ${s}`)).rows[0]
    return out
  })
}

const titles = async (http: { get(p: string): Promise<{ json(): unknown }> }) =>
  ((await http.get('/api/todos')).json() as { title: string }[]).map((t) => t.title).sort()

/**
 * Sign up, log in, one todo with a comment; checkpoint; three paths that insert (todos, comments, users,
 * sessions), update and delete (cascading to comments); then the main line checks it is back at the checkpoint.
 */
function todoJourney(onCheckpoint: () => Promise<void>): Journey {
  const addPath = (name: string) =>
    path(name, [
      step('add_rows_everywhere', async ({ http, ctx }) => {
        const todo = await http.post('/api/todos', { json: { title: 'extra' } })
        assertStatus(todo, 201)
        assertEqual(todo.json().id, ctx.require<number>('todoId') + 1, 'id of the new todo')
        const comment = await http.post(`/api/todos/${todo.json().id}/comments`, { json: { text: 'more' } })
        assertStatus(comment, 201)
        assertEqual(comment.json().id, ctx.require<number>('commentId') + 1, 'id of the new comment')
        const bob = await http.post('/api/users', { json: { email: 'bob@example.test', password: 'a long password', name: 'Bob' } })
        assertStatus(bob, 201)
        assertEqual(bob.json().id, ctx.require<number>('userId') + 1, 'id of the new user')
        return http.post('/api/auth/login', { json: { email: 'bob@example.test', password: 'a long password' } })
      }),
      step('sees_checkpoint_plus_own_rows', async ({ http }) => assertEqual(await titles(http), ['base', 'extra'], 'todos')),
    ])
  return journey('todo_branches', {
    steps: [
      step('sign_up', async ({ http, ctx }) => {
        const res = await http.post('/api/users', { json: { email: 'alice@example.test', password: 'a long password', name: 'Alice' } })
        ctx.set('userId', res.json().id)
        return res
      }),
      step('log_in', async ({ http }) => {
        const res = await http.post('/api/auth/login', { json: { email: 'alice@example.test', password: 'a long password' } })
        http.setAuthToken(res.json().token)
        return res
      }),
      step('base_todo_with_comment', async ({ http, ctx }) => {
        const todo = await http.post('/api/todos', { json: { title: 'base' } })
        ctx.set('todoId', todo.json().id)
        const comment = await http.post(`/api/todos/${todo.json().id}/comments`, { json: { text: 'first' } })
        ctx.set('commentId', comment.json().id)
        return comment
      }),
      step('note_database', onCheckpoint),
      checkpoint('ready'),
      branch('ready', [
        addPath('add'),
        path('update_and_delete', [
          step('sees_checkpoint', async ({ http }) => assertEqual(await titles(http), ['base'], 'todos')),
          step('update_then_delete', async ({ http, ctx }) => {
            assertStatus(await http.patch(`/api/todos/${ctx.require('todoId')}`, { json: { done: true } }), 200)
            assertStatus(await http.delete(`/api/todos/${ctx.require('todoId')}`), 204)
            const stats = (await http.get('/api/stats')).json()
            assertEqual([stats.todos, stats.comments], [0, 0], 'todos and comments after the delete')
          }),
        ]),
        addPath('add_again'),
      ]),
      step('main_line_back_at_checkpoint', async ({ http }) => {
        assertEqual(await titles(http), ['base'], 'todos')
        const stats = (await http.get('/api/stats')).json()
        assertEqual([stats.users, stats.todos, stats.comments], [1, 1, 1], 'users, todos, comments')
      }),
    ],
  })
}

function failedSteps(j: JourneyResult): string[] {
  const out: string[] = []
  for (const n of j.nodes) {
    if (n.kind === 'step' && n.status === 'failed') out.push(n.name)
    if (n.kind === 'branch')
      for (const p of n.paths) for (const s of p.nodes) if (s.kind === 'step' && s.status === 'failed') out.push(`${p.name} > ${s.name}`)
  }
  return out
}

for (const mechanism of ['snapshot', 'savepoint'] as const) {
  const DB = `venomqa_pg_journey_${mechanism}`

  describe(`a journey over the todo app in its own process, ${mechanism} mechanism`, () => {
    let url: string
    let app: RunningProcess
    beforeAll(async () => {
      url = await createDatabase(DB)
      app = await startTodoApp({ DATABASE_URL: url }) // creates its tables before the backend connects
    })
    afterAll(async () => {
      await app?.stop()
      await dropDatabase(DB)
    })

    if (mechanism === 'snapshot')
      it('passes: every path starts from the checkpoint, ids continue as at the checkpoint, the database ends as it was', async () => {
        let atCheckpoint: unknown
        const runner = createRunner({ baseUrl: app.url, plugins: [[plugin, { url }]] })
        let result
        try {
          result = await runner.run(todoJourney(async () => void (atCheckpoint = await dumpTodoDb(url))))
        } finally {
          await runner.close()
        }
        const j = result.journeys[0]!
        expect(j.issues).toEqual([])
        expect(failedSteps(j)).toEqual([])
        expect(j.status).toBe('passed')
        expect(result.backends).toEqual([{ name: `postgres:${DB}`, mechanism: 'snapshot', parallelSafe: false }])
        const br = j.nodes.find((n) => n.kind === 'branch')
        if (br?.kind !== 'branch') throw new Error('no branch result')
        for (const p of br.paths) expect(p.rollback?.backends).toEqual([{ backend: `postgres:${DB}`, mechanism: 'snapshot', durationMs: expect.any(Number) }])
        expect(br.finalRollback?.backends[0]?.mechanism).toBe('snapshot')
        expect(await dumpTodoDb(url)).toEqual(atCheckpoint)
        expect(await trackingLeftovers(url)).toEqual([])
      })
    else
      it('the Python way (rollback of its own connection only) cannot restore the app: the first rollback fails the journey saying so', async () => {
        const runner = createRunner({ baseUrl: app.url, plugins: [[plugin, { url, mechanism: 'savepoint' }]] })
        let result
        try {
          result = await runner.run(todoJourney(async () => {}))
        } finally {
          await runner.close()
        }
        const j = result.journeys[0]!
        expect(j.status).toBe('failed')
        // Before, the rollbacks "passed" and every later path ran on what the earlier ones wrote. Now the
        // rollback before the second path sees the app's rows still there, and the branch stops.
        expect(failedSteps(j)).toEqual([])
        expect(j.issues).toEqual([
          expect.objectContaining({
            severity: 'critical',
            kind: 'state',
            path: 'update_and_delete',
            error: expect.stringMatching(/the rollback to "ready" left rows written since: "public"\."users" has ids from public\.users_id_seq handed out after it.*use mechanism 'snapshot'/),
            // What to do is what the message says, not to check a connection that works.
            suggestion:
              "The app writes through connections of its own, which a savepoint cannot undo: remove `mechanism: 'savepoint'` from this plugin's options (the snapshot mechanism, the default, restores what any connection wrote), or have the app take its connection from this backend (`connection()`).",
          }),
        ])
      })
  })
}

describe('DDL inside a path, snapshot mechanism', () => {
  const DB = 'venomqa_pg_journey_ddl'
  let url: string
  let app: RunningProcess
  beforeAll(async () => {
    url = await createDatabase(DB)
    app = await startTodoApp({ DATABASE_URL: url })
  })
  afterAll(async () => {
    await app?.stop()
    await dropDatabase(DB)
  })

  it('stops the branch with a critical issue naming the change; no later path runs on unknown state', async () => {
    const runner = createRunner({ baseUrl: app.url, plugins: [[plugin, { url }]] })
    let result
    try {
      result = await runner.run(
        journey('migration_in_a_path', {
          steps: [
            checkpoint('start'),
            branch('start', [
              path('migrates', [step('add_column', () => withClient(url, (c) => c.query('ALTER TABLE todos ADD COLUMN priority int')))]),
              path('never_runs', [step('would_see_unknown_state', ({ http }) => http.get('/api/stats'))]),
            ]),
          ],
        }),
      )
    } finally {
      await runner.close()
    }
    const j = result.journeys[0]!
    expect(j.status).toBe('failed')
    const critical = j.issues.filter((i) => i.severity === 'critical')
    expect(critical).toHaveLength(1)
    expect(critical[0]!.error).toMatch(/changed under checkpoint "start": table public.todos: column\(s\) priority added/)
    // The backend's own advice, not the generic one for a state failure (check the connection and permissions).
    expect(critical[0]!.suggestion).toMatch(/^DDL inside a path cannot be rolled back by the snapshot mechanism\. Run the migrations .* before the first checkpoint/)
    const br = j.nodes.find((n) => n.kind === 'branch')
    if (br?.kind !== 'branch') throw new Error('no branch result')
    // The path whose rollback failed is failed, and none of its steps ran.
    expect(br.paths.map((p) => [p.name, p.status, p.nodes.map((s) => s.status)])).toEqual([
      ['migrates', 'passed', ['passed']],
      ['never_runs', 'failed', ['skipped']],
    ])
    expect(await trackingLeftovers(url)).toEqual([])
  })
})
