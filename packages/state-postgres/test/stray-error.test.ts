/**
 * A step that forgets an `await`: its rejection is unhandled a moment after the step returned, when the
 * rollback that ends its path is running. Against the todo app in its own process with its own pool, the
 * rollback must run to its end and the error be charged to the step. Before, the stray error rejected the
 * rollback's guard: the runner gave up on the rollback while it still ran and released the backend under
 * it, and the path's row stayed while users_id_seq went back, so the app's next sign-up failed with 409.
 *
 * The run is a Node process of its own (the built runner and plugin): the fault monitor listens to the
 * process's unhandledRejection, which the test runner's worker listens to as well.
 */
import { spawnSync } from 'node:child_process'
import path from 'node:path'
import { pathToFileURL } from 'node:url'
import { REPO_ROOT, type RunningProcess, describeWithService, startTodoApp } from '@venomqa/test-utils'
import { afterAll, beforeAll, expect, it } from 'vitest'
import { PG, createDatabase, dropDatabase, trackingLeftovers, withClient } from './helpers'

const DB = `venomqa_pg_stray_${process.pid}`
const describe = await describeWithService('PostgreSQL', PG.host, PG.port)
const built = (pkg: string) => pathToFileURL(path.join(REPO_ROOT, 'packages', pkg, 'dist/index.js')).href

/** One run of the journey in a process of its own: the path's issues and the journey's status. */
function runOnce(url: string, baseUrl: string, how: 'rejection' | 'timer') {
  const forget = how === 'rejection' ? "Promise.reject(new Error('forgotten await'))" : "setTimeout(() => { throw new Error('thrown in a timer') }, 0)"
  const script = `
import { branch, checkpoint, journey, path, step } from '${built('core')}'
import { createRunner } from '${built('runner')}'
import plugin from '${built('state-postgres')}'
const email = 'stray' + Date.now() + Math.random() + '@example.test'
const runner = createRunner({ baseUrl: process.env.APP_URL, plugins: [[plugin, { url: process.env.DATABASE_URL }]] })
try {
  const result = await runner.run(journey('stray', { steps: [
    checkpoint('cp'),
    branch('cp', [path('p', [
      step('sign_up', ({ http }) => http.post('/api/users', { json: { email, password: 'a long password', name: 'Stray' } })),
      step('forgot_await', () => { ${forget} }),
    ])]),
  ] }))
  const j = result.journeys[0]
  const paths = j.nodes.find((n) => n.kind === 'branch').paths
  console.log(JSON.stringify({ status: j.status, issues: j.issues.map((i) => ({ step: i.step, kind: i.kind, error: i.error })), signUp: paths[0].nodes[0].response?.status }))
} finally {
  await runner.close()
}
`
  const res = spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8', timeout: 60_000, env: { ...process.env, APP_URL: baseUrl, DATABASE_URL: url } })
  const line = res.stdout.trim().split('\n').pop() ?? ''
  try {
    return JSON.parse(line) as { status: string; issues: { step: string; kind: string; error: string }[]; signUp?: number }
  } catch {
    throw new Error(`the run printed no result (status ${res.status}):\n${res.stdout}\n${res.stderr}`)
  }
}

const users = (url: string) =>
  withClient(url, async (c) => ({
    rows: (await c.query('SELECT id, email FROM users ORDER BY id')).rows,
    seq: (await c.query('SELECT last_value, is_called FROM users_id_seq')).rows[0],
  }))

describe('a step that forgets an await, at the end of a path (snapshot mechanism)', () => {
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

  it.each(['rejection', 'timer'] as const)('an unhandled %s: the rollback runs to its end, the error is the step\'s, the next run signs up again', (how) => {
    return (async () => {
      const before = await users(url)
      for (const round of [1, 2]) {
        const run = runOnce(url, app.url, how)
        expect(run.signUp, `round ${round}: the sign-up of the path`).toBe(201)
        expect(run.status).toBe('failed')
        expect(run.issues).toEqual([
          { step: 'forgot_await', kind: 'stray-error', error: expect.stringMatching(/^code started by step "forgot_await" failed after the step had ended: (forgotten await|thrown in a timer)$/) },
        ])
        expect(await users(url), `round ${round}: the users and their sequence, as before the run`).toEqual(before)
      }
      expect(await trackingLeftovers(url)).toEqual([])
    })()
  }, 90_000)
})
