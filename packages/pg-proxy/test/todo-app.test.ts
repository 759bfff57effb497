/**
 * The example todo app, as its own process with its own pool of 5, connected to the proxy; the proxy
 * started on its own from the command line (`venomqa-pg-proxy`, as for an app in a container); the run
 * drives it through the plugin's `control` option. Every path starts from the checkpoint, ids repeat
 * across paths, the main line ends at the checkpoint.
 */
import { existsSync } from 'node:fs'
import { type Journey, assertEqual, assertStatus, branch, checkpoint, journey, path as pathOf, step } from '@venomqa/core'
import { createRunner } from '@venomqa/runner'
import { type RunningProcess, TODO_APP_SERVER, describeWithService, startTodoApp } from '@venomqa/test-utils'
import pg from 'pg'
import { afterAll, beforeAll, expect, it } from 'vitest'
import plugin, { pgProxyState } from '../src/index'
import { CLI, PG, type StartedCli, createDatabase, dbName, dbUrl, dropDatabase, startCli, stopCli, withClient } from './helpers'

const describe = await describeWithService('PostgreSQL', PG.host, PG.port)
for (const file of [CLI, TODO_APP_SERVER]) if (!existsSync(file)) throw new Error(`build first: ${file} is missing (pnpm turbo run build --filter @venomqa/pg-proxy...)`)
const DB = dbName('todo')

const titles = async (http: { get(p: string): Promise<{ json(): unknown }> }) =>
  ((await http.get('/api/todos')).json() as { title: string }[]).map((t) => t.title).sort()

function todoJourney(): Journey {
  const add = (name: string) =>
    pathOf(name, [
      step('add_rows', async ({ http, ctx }) => {
        const todo = await http.post('/api/todos', { json: { title: 'extra' } })
        assertStatus(todo, 201)
        assertEqual(todo.json().id, ctx.require<number>('todoId') + 1, 'id of the new todo')
        const comment = await http.post(`/api/todos/${todo.json().id}/comments`, { json: { text: 'more' } })
        assertEqual(comment.json().id, ctx.require<number>('commentId') + 1, 'id of the new comment')
        const bob = await http.post('/api/users', { json: { email: 'bob@example.test', password: 'a long password', name: 'Bob' } })
        assertStatus(bob, 201)
        return bob
      }),
      step('sees_checkpoint_plus_own_rows', async ({ http }) => assertEqual(await titles(http), ['base', 'extra'], 'todos')),
    ])
  return journey('todo_through_the_proxy', {
    steps: [
      step('sign_up', ({ http }) => http.post('/api/users', { json: { email: 'alice@example.test', password: 'a long password', name: 'Alice' } })),
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
      checkpoint('ready'),
      branch('ready', [
        add('add'),
        pathOf('update_and_delete', [
          step('sees_checkpoint', async ({ http }) => assertEqual(await titles(http), ['base'], 'todos')),
          step('update_then_delete', async ({ http, ctx }) => {
            assertStatus(await http.patch(`/api/todos/${ctx.require('todoId')}`, { json: { done: true } }), 200)
            assertStatus(await http.delete(`/api/todos/${ctx.require('todoId')}`), 204)
            const stats = (await http.get('/api/stats')).json()
            assertEqual([stats.todos, stats.comments], [0, 0], 'todos and comments after the delete')
          }),
        ]),
        add('add_again'),
      ]),
      step('main_line_back_at_checkpoint', async ({ http }) => {
        assertEqual(await titles(http), ['base'], 'todos')
        const stats = (await http.get('/api/stats')).json()
        assertEqual([stats.users, stats.todos, stats.comments], [1, 1, 1], 'users, todos, comments')
      }),
    ],
  })
}

describe('the todo app in its own process, behind venomqa-pg-proxy started from the command line', () => {
  let proxy: StartedCli
  let app: RunningProcess

  beforeAll(async () => {
    await createDatabase(DB)
    proxy = await startCli(dbUrl(DB))
    app = await startTodoApp({ DATABASE_URL: proxy.url }) // creates its tables through the proxy
  })

  afterAll(async () => {
    await app?.stop()
    if (proxy) await stopCli(proxy)
    await dropDatabase(DB)
  })

  it('passes with mechanism "proxy"; the database itself never saw a committed row; the proxy said what differs', async () => {
    const runner = createRunner({ baseUrl: app.url, plugins: [[plugin, { control: proxy.control }]] })
    let result
    try {
      result = await runner.run(todoJourney())
    } finally {
      await runner.close()
    }
    const j = result.journeys[0]!
    expect(j.issues).toEqual([])
    expect(j.status).toBe('passed')
    expect(result.backends).toEqual([{ name: 'pg-proxy:control', mechanism: 'proxy', parallelSafe: false }])
    const br = j.nodes.find((n) => n.kind === 'branch')
    if (br?.kind !== 'branch') throw new Error('no branch result')
    expect(br.paths.map((p) => [p.name, p.status, p.rollback?.backends[0]?.mechanism])).toEqual([
      ['add', 'passed', 'proxy'],
      ['update_and_delete', 'passed', 'proxy'],
      ['add_again', 'passed', 'proxy'],
    ])
    // Everything lives in the proxy's open transaction: another session sees no table at all.
    expect(await withClient(dbUrl(DB), async (c) => (await c.query("SELECT count(*)::int AS n FROM pg_tables WHERE schemaname = 'public'")).rows[0].n)).toBe(0)
    expect(proxy.output()).toMatch(/warning: advisory locks never contend/)
  })

  it('observe() through the control port is the row counts only: equal while nothing changes, changed by a write, back after a rollback', async () => {
    const backend = pgProxyState({ control: proxy.control }, () => {})
    await backend.connect()
    try {
      await backend.checkpoint('observed')
      const before = await backend.observe()
      expect(Object.values(before).every((n) => typeof n === 'number')).toBe(true)
      expect(await backend.observe()).toEqual(before) // no counters, no checkpoint list: state only
      await fetch(`${app.url}/api/users`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ email: 'obs@example.test', password: 'a long password', name: 'O' }) })
      const after = await backend.observe()
      expect(after).not.toEqual(before)
      await backend.rollback('observed')
      expect(await backend.observe()).toEqual(before)
    } finally {
      await backend.release('observed')
      await backend.disconnect()
    }
  })
})

describe('a refusal met during a run, behind venomqa-pg-proxy started from the command line', () => {
  let proxy: StartedCli
  let app: RunningProcess

  beforeAll(async () => {
    await createDatabase(`${DB}_refused`)
    proxy = await startCli(dbUrl(`${DB}_refused`), ['--idle-in-transaction-timeout', '300'])
    app = await startTodoApp({ DATABASE_URL: proxy.url })
  })

  afterAll(async () => {
    await app?.stop()
    if (proxy) await stopCli(proxy)
    await dropDatabase(`${DB}_refused`)
  })

  it("a connection held open in its transaction while the app's request waits: the critical issue's suggestion is the proxy's hint, not the generic one", async () => {
    const holdsATransaction = journey('another_connection_holds_a_transaction', {
      steps: [
        step('sign_up', ({ http }) => http.post('/api/users', { json: { email: 'ada@example.test', password: 'a long password', name: 'Ada' } })),
        checkpoint('ready'),
        branch('ready', [
          pathOf('held', [
            step('hold_a_transaction_then_request', async ({ http }) => {
              const held = new pg.Client({ connectionString: proxy.url })
              held.on('error', () => {}) // ended by the proxy with FATAL 25P03
              await held.connect()
              await held.query('BEGIN')
              await held.query("INSERT INTO users (email, password_hash, name) VALUES ('held@example.test', 'x', 'Held')")
              try {
                return await http.get('/api/stats') // waits for the held transaction until the proxy ends it
              } finally {
                await held.end().catch(() => {})
              }
            }),
          ]),
        ]),
      ],
    })
    const runner = createRunner({ baseUrl: app.url, plugins: [[plugin, { control: proxy.control }]] })
    let result
    try {
      result = await runner.run(holdsATransaction)
    } finally {
      await runner.close()
    }
    const issues = result.journeys[0]!.issues.filter((i) => i.severity === 'critical')
    expect(issues.map((i) => i.step)).toEqual(['rollback ready'])
    expect(issues[0]!.error).toMatch(/stayed idle inside a transaction for 300 ms.*\[25P03\]/)
    expect(issues[0]!.suggestion).toMatch(/Use the snapshot mechanism of @venomqa\/state-postgres for this app, or raise idleInTransactionTimeoutMs if the app is only slow\./)
    expect(issues[0]!.suggestion).not.toMatch(/connection and permissions/)
    // The proxy's own log says what to do too.
    expect(proxy.output()).toMatch(/refused: venomqa-pg-proxy: this connection stayed idle .*\[25P03\]\n {2}hint: Use the snapshot mechanism/)
  })
})
