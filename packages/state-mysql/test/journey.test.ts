/**
 * The real thing: the example todo app as its own process with its own mysql2 pool, driven by a journey
 * through createRunner, the state backend registered by this package's plugin.
 */
import { type BranchResult, type JourneyResult, branch, checkpoint, journey, path, step } from '@venomqa/core'
import { createRunner } from '@venomqa/runner'
import { type RunningProcess, describeWithService, startTodoApp } from '@venomqa/test-utils'
import { afterEach, expect, it } from 'vitest'
import plugin from '../src'
import { type Dump, HOST, PORT, admin, dbName, dropDatabase, dump, freshDatabase, privateObjects, urlFor } from './helpers'

const DB = dbName('journey')
const describe = await describeWithService('MariaDB', HOST, PORT)

/**
 * signup, login, two todos and a comment; checkpoint; four paths that insert, update and delete rows in
 * users, sessions, todos and comments (linked by foreign keys). Each path first checks it starts from the
 * checkpoint state; ids handed out by AUTO_INCREMENT are recorded to compare across paths.
 */
function todoJourney(record: { atCheckpoint?: Dump; ids: Record<string, number> }) {
  const checkStart = step('starts_at_checkpoint', async () => {
    expect(await dump(DB)).toEqual(record.atCheckpoint)
  })
  return journey('todo_branches', {
    steps: [
      step('signup', ({ http }) => http.post('/api/users', { json: { email: 'ann@example.test', password: 'pw-123456', name: 'Ann' } })),
      step('login', async ({ http, ctx }) => {
        const res = await http.post('/api/auth/login', { json: { email: 'ann@example.test', password: 'pw-123456' } })
        http.setAuthToken(res.json().token)
        ctx.set('token', res.json().token)
        return res
      }),
      step('todos', async ({ http, ctx }) => {
        ctx.set('milk', (await http.post('/api/todos', { json: { title: 'milk' } })).json().id)
        return http.post('/api/todos', { json: { title: 'bread' } })
      }),
      step('comment', ({ http, ctx }) => http.post(`/api/todos/${ctx.get('milk')}/comments`, { json: { text: 'skimmed' } })),
      step('remember_checkpoint_state', async () => {
        record.atCheckpoint = await dump(DB)
      }),
      checkpoint('ready'),
      branch('ready', [
        path('add_todo_and_comment', [
          checkStart,
          step('add', async ({ http }) => {
            const todo = await http.post('/api/todos', { json: { title: 'eggs' } })
            record.ids.first = todo.json().id
            return http.post(`/api/todos/${todo.json().id}/comments`, { json: { text: 'a dozen' } })
          }),
        ]),
        path('edit_and_delete', [
          checkStart,
          step('done', ({ http, ctx }) => http.patch(`/api/todos/${ctx.get('milk')}`, { json: { done: true } })),
          step('delete_with_comments', ({ http, ctx }) => http.delete(`/api/todos/${ctx.get('milk')}`)),
        ]),
        path('second_user', [
          checkStart,
          step('signup_bob', ({ http }) => http.post('/api/users', { json: { email: 'bob@example.test', password: 'pw-123456', name: 'Bob' } })),
          step('login_bob', ({ http }) => http.post('/api/auth/login', { json: { email: 'bob@example.test', password: 'pw-123456' } })),
          step('duplicate_signup', ({ http }) => http.post('/api/users', { json: { email: 'ann@example.test', password: 'pw-123456', name: 'A' } }), {
            expectFailure: true,
          }),
        ]),
        path('add_again', [
          checkStart,
          step('add', async ({ http }) => {
            const todo = await http.post('/api/todos', { json: { title: 'jam' } })
            record.ids.again = todo.json().id
            return todo
          }),
        ]),
      ]),
      step('main_line_back_at_checkpoint', async () => {
        expect(await dump(DB)).toEqual(record.atCheckpoint)
      }),
    ],
  })
}

const branchOf = (j: JourneyResult) => j.nodes.find((n): n is BranchResult => n.kind === 'branch')!
const failedSteps = (b: BranchResult) =>
  b.paths.flatMap((p) => p.nodes.filter((n) => n.kind === 'step' && n.status === 'failed').map((n) => `${p.name} > ${n.kind === 'step' ? n.name : ''}`))

describe('a journey against the todo app in its own process (MariaDB)', () => {
  let app: RunningProcess | undefined
  afterEach(async () => {
    await app?.stop()
    app = undefined
    await dropDatabase(DB)
  })

  async function run(mechanism: 'snapshot' | 'savepoint') {
    await freshDatabase(DB, [])
    app = await startTodoApp({ DATABASE_URL: urlFor(DB) })
    const record: { atCheckpoint?: Dump; ids: Record<string, number> } = { ids: {} }
    const runner = createRunner({ baseUrl: app.url, plugins: [[plugin, { url: urlFor(DB), mechanism }]] })
    await runner.init()
    try {
      const result = await runner.run(todoJourney(record))
      return { result, record, journey: result.journeys[0]! }
    } finally {
      await runner.close()
    }
  }

  it('snapshot: every path starts from the checkpoint, ids continue as at the checkpoint, the run leaves the checkpoint state', async () => {
    const { result, record, journey: j } = await run('snapshot')
    expect(failedSteps(branchOf(j))).toEqual([])
    expect(j.issues).toEqual([])
    expect(j.status).toBe('passed')
    expect(result.backends).toEqual([{ name: 'mysql', mechanism: 'snapshot', parallelSafe: false }])
    const b = branchOf(j)
    expect(b.paths.map((p) => p.rollback?.backends.map((t) => t.mechanism))).toEqual([['snapshot'], ['snapshot'], ['snapshot'], ['snapshot']])
    expect(b.finalRollback?.backends[0]?.backend).toBe('mysql')
    expect(record.ids.again).toBe(record.ids.first)
    // After the run: the database is as it was at the checkpoint, and nothing private is left in it.
    expect(await dump(DB)).toEqual(record.atCheckpoint)
    expect(await privateObjects(DB)).toEqual([])
  })

  it('DDL run by a path stops the branch with a critical issue naming the change; no path runs on unknown state', async () => {
    await freshDatabase(DB, [])
    app = await startTodoApp({ DATABASE_URL: urlFor(DB) })
    const ran: string[] = []
    const runner = createRunner({ baseUrl: app.url, plugins: [[plugin, { url: urlFor(DB) }]] })
    await runner.init()
    try {
      const result = await runner.run(
        journey('migration_in_a_path', {
          steps: [
            step('signup', ({ http }) => http.post('/api/users', { json: { email: 'ddl@example.test', password: 'pw-123456', name: 'D' } })),
            checkpoint('ready'),
            branch('ready', [
              path('migrates', [
                step('alter', async () => {
                  ran.push('migrates')
                  const conn = await admin(DB)
                  await conn.query('ALTER TABLE todos ADD COLUMN priority INT NOT NULL DEFAULT 0')
                  await conn.end()
                }),
              ]),
              path('after_migration', [step('noop', () => void ran.push('after_migration'))]),
            ]),
          ],
        }),
      )
      const j = result.journeys[0]!
      expect(j.status).toBe('failed')
      expect(ran).toEqual(['migrates'])
      const critical = j.issues.filter((i) => i.severity === 'critical')
      expect(critical.length).toBeGreaterThan(0)
      expect(critical[0]!.error).toContain('table `todos`: column `priority` was added')
    } finally {
      await runner.close()
    }
    expect(await privateObjects(DB)).toEqual([])
  })

  it('contrast: a savepoint on the backend own connection cannot restore the app: the first rollback fails the journey saying so', async () => {
    const { record, journey: j } = await run('savepoint')
    expect(j.status).toBe('failed')
    // Before, the rollbacks "passed" and every later path ran on what the earlier ones committed through
    // the app. Now the rollback before the second path sees the app's rows still there, and the branch stops.
    expect(failedSteps(branchOf(j))).toEqual([])
    expect(j.issues).toEqual([
      expect.objectContaining({
        severity: 'critical',
        kind: 'state',
        path: 'edit_and_delete',
        error: expect.stringMatching(/rollback to "ready" left rows written since: (comments|todos) has rows with id above \d+ .*use mechanism 'snapshot'/),
        // What to do is what the message says, not to check a connection that works.
        suggestion: "The app writes through connections of its own, which a savepoint cannot undo: remove `mechanism: 'savepoint'` from this plugin's options (the snapshot mechanism, the default, restores what any connection wrote), or have the app take its connection from this backend.",
      }),
    ])
    // What the first path wrote through the app is still there: said, not undone.
    expect(await dump(DB)).not.toEqual(record.atCheckpoint)
  })
})
