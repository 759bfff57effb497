/**
 * The config's `app`: `venomqa run` starts the API under test itself, once the plugins are set up and the
 * state backends connected (so the in-process PostgreSQL proxy's address is there to give it), waits until
 * it answers, and stops it when the run ends, before the proxy rolls everything back.
 */
import { existsSync, readFileSync } from 'node:fs'
import { mkdir, symlink } from 'node:fs/promises'
import http from 'node:http'
import path from 'node:path'
import { REPO_ROOT, TODO_APP_SERVER, canConnect, describeWithService, freePort, listenLocally, processAlive, startTodoApp, waitUntil } from '@venomqa/test-utils'
import { afterAll, beforeAll, expect, it } from 'vitest'
import { ADMIN_URL, dumpDatabase, sql } from './helpers/postgres'
import { type Project, projectsOfFiles } from './helpers/project'

const describe = await describeWithService('PostgreSQL', '127.0.0.1', 5432)
const DB = `h_app_todo_${process.pid}`
const DATABASE_URL = `postgres://postgres@127.0.0.1:5432/${DB}`
const project = projectsOfFiles()

/** A project with @venomqa/pg-proxy installed, as a user's would have it. */
async function withPgProxy(files: Record<string, string>): Promise<Project> {
  const p = await project(files)
  await symlink(path.join(REPO_ROOT, 'packages/pg-proxy'), path.join(p.dir, 'node_modules/@venomqa/pg-proxy'), 'dir')
  return p
}

/** A config that starts the todo app on `port`, its database behind the in-process proxy. */
const todoAppOnProxy = (port: number) => `export default {
  baseUrl: 'http://127.0.0.1:${port}',
  plugins: [['@venomqa/pg-proxy', { upstream: '${DATABASE_URL}' }]],
  app: { command: [process.execPath, ${JSON.stringify(TODO_APP_SERVER)}], env: { DATABASE_URL: '\${VENOMQA_PG_PROXY_URL}', PORT: '${port}', HOST: '127.0.0.1' } },
}
`

const TODO_JOURNEY = `import { assertEqual, assertStatus, branch, checkpoint, journey, path, step } from '@venomqa/core'
const titles = async (http) => (await http.get('/api/todos')).json().map((t) => t.title)
export default journey('todos', {
  steps: [
    step('sign_up', ({ http }) => http.post('/api/users', { json: { email: 'ada@example.test', password: 'a long password', name: 'Ada' } })),
    step('log_in', async ({ http }) => {
      const res = await http.post('/api/auth/login', { json: { email: 'ada@example.test', password: 'a long password' } })
      http.setAuthToken(res.json().token)
      return res
    }),
    step('first_todo', async ({ http, ctx }) => {
      const res = await http.post('/api/todos', { json: { title: 'first' } })
      ctx.set('todoId', res.json().id)
      return res
    }),
    checkpoint('one_todo'),
    branch('one_todo', [
      path('add', [
        step('add', async ({ http, ctx }) => {
          const res = await http.post('/api/todos', { json: { title: 'second' } })
          assertStatus(res, 201)
          assertEqual(res.json().id, ctx.require('todoId') + 1, 'id')
        }),
      ]),
      path('delete', [step('delete', ({ http, ctx }) => http.delete('/api/todos/' + ctx.require('todoId')))]),
    ]),
    step('back_at_the_checkpoint', async ({ http }) => assertEqual(await titles(http), ['first'], 'todos')),
  ],
})
`

describe('venomqa run with the config key app', () => {
  beforeAll(async () => {
    await sql(ADMIN_URL, (c) => c.query(`DROP DATABASE IF EXISTS ${DB}`))
    await sql(ADMIN_URL, (c) => c.query(`CREATE DATABASE ${DB}`))
    // The app's tables, made once by the app itself, so that the database holds something to compare.
    const app = await startTodoApp({ DATABASE_URL })
    await app.stop()
  })
  afterAll(async () => {
    await sql(ADMIN_URL, (c) => c.query(`DROP DATABASE IF EXISTS ${DB} WITH (FORCE)`))
  })

  it("starts the todo app on the in-process proxy, its DATABASE_URL from ${VENOMQA_PG_PROXY_URL}, and stops it before the rollback: the pg-proxy README's config, as written", async () => {
    // The README's config, with a free port for its 3000; its command's path resolves in the project, where
    // the example app is linked as in a checkout of the repository.
    const readme = readFileSync(path.join(REPO_ROOT, 'packages/pg-proxy/README.md'), 'utf8')
    const config = /```ts\n(\/\/ venomqa\.config\.ts, the app started by the run[\s\S]*?)```/.exec(readme)?.[1]
    if (!config) throw new Error("no 'venomqa.config.ts, the app started by the run' example in packages/pg-proxy/README.md")
    const port = await freePort()
    const p = await withPgProxy({ 'venomqa.config.ts': config.replaceAll('3000', String(port)), 'journeys/todos.journey.mjs': TODO_JOURNEY })
    await mkdir(path.join(p.dir, 'examples'))
    await symlink(path.dirname(path.dirname(TODO_APP_SERVER)), path.join(p.dir, 'examples/todo-app'), 'dir')
    const before = await dumpDatabase(DATABASE_URL)
    const r = await p.venomqa(['run', '--save', 'results.json'], { timeoutMs: 60_000, env: { DATABASE_URL } })
    expect(r.code, r.stdout + r.stderr).toBe(0)
    const result = JSON.parse(readFileSync(path.join(p.dir, 'results.json'), 'utf8'))
    expect(result.journeys.map((j: { status: string }) => j.status)).toEqual(['passed'])
    expect(result.backends.map((b: { mechanism: string }) => b.mechanism)).toEqual(['proxy'])
    // Rolled back all the way: the user, the todos and the sequences as they were.
    expect(await dumpDatabase(DATABASE_URL)).toBe(before)
    expect(await canConnect('127.0.0.1', port, 1000)).toBe(false)
  })

  it('venomqa explore starts the app too, on the proxy, and stops it before the rollback: the database as it was', async () => {
    const port = await freePort()
    const p = await withPgProxy({
      'venomqa.config.mjs': todoAppOnProxy(port),
      'explore/todos.explore.mjs': `import { action, assertStatus, exploration, step } from '@venomqa/core'
export default exploration('todos', {
  setup: [
    step('sign_up', ({ http }) => http.post('/api/users', { json: { email: 'ex@example.test', password: 'a long password' } })),
    step('log_in', async ({ http }) => {
      const res = await http.post('/api/auth/login', { json: { email: 'ex@example.test', password: 'a long password' } })
      assertStatus(res, 200)
      http.setAuthToken(res.json().token)
      return res
    }),
  ],
  actions: [action('create_todo', ({ http }) => http.post('/api/todos', { json: { title: 'explored' } }), { maxPerPath: 2 }), action('list', ({ http }) => http.get('/api/todos'))],
  depth: 3,
  seed: 1,
})
`,
    })
    const before = await dumpDatabase(DATABASE_URL)
    const r = await p.venomqa(['explore', 'explore/todos.explore.mjs', '--no-emit', '--save', 'results.json'], { timeoutMs: 60_000 })
    expect(r.code, r.stdout + r.stderr).toBe(0)
    const result = JSON.parse(readFileSync(path.join(p.dir, 'results.json'), 'utf8'))
    expect(result.explorations.map((e: { status: string }) => e.status)).toEqual(['passed'])
    expect(result.explorations[0].stats.transitions).toBeGreaterThan(0)
    expect(await dumpDatabase(DATABASE_URL)).toBe(before)
    expect(await canConnect('127.0.0.1', port, 1000)).toBe(false)
  })

  it('venomqa explore: Ctrl-C while the app starts gives its start up and stops it, rather than wait for it to answer', async () => {
    const port = await freePort()
    const p = await project({
      'venomqa.json': JSON.stringify({
        baseUrl: `http://127.0.0.1:${port}`,
        // Never answers: a start not given up ends at the timeout, as an app that did not answer.
        app: { command: `node -e "require('fs').writeFileSync('app.pid', String(process.pid)); setInterval(() => {}, 1000)"`, timeoutMs: 4000 },
      }),
      'explore/a.explore.mjs': `import { action, exploration } from '@venomqa/core'\nexport default exploration('a', { actions: [action('get', ({ http }) => http.get('/'))], depth: 1 })\n`,
    })
    const run = p.spawn(['explore', 'explore/a.explore.mjs', '--no-emit', '--prefix-replay'])
    await waitUntil(() => existsSync(path.join(p.dir, 'app.pid')) && readFileSync(path.join(p.dir, 'app.pid'), 'utf8') !== '', 'the app to start')
    run.child.kill('SIGINT')
    const r = await run.done
    expect(r.code, r.stdout + r.stderr).toBe(130)
    expect(r.stdout + r.stderr).not.toContain('did not answer within')
    expect(r.stdout).toContain('Result: INTERRUPTED')
    expect(processAlive(Number(readFileSync(path.join(p.dir, 'app.pid'), 'utf8')))).toBe(false)
  })

  it('fails the run, nothing run, when the app does not answer in time, naming app and its last lines; the app is stopped', async () => {
    const port = await freePort()
    const p = await project({
      'venomqa.json': JSON.stringify({
        baseUrl: `http://127.0.0.1:${port}`,
        app: {
          command: `node -e "require('fs').writeFileSync('app.pid', String(process.pid)); console.log('booting, token=hunter2'); console.log('listening on :4712'); setInterval(() => {}, 1000)"`,
          timeoutMs: 1500,
        },
      }),
      'journeys/a.journey.mjs': `import { journey, step } from '@venomqa/core'\nexport default journey('a', { steps: [step('get', ({ http }) => http.get('/'))] })\n`,
    })
    const r = await p.venomqa(['run', '--save', 'results.json'])
    expect(r.code, r.stdout + r.stderr).toBe(1)
    const out = r.stdout + r.stderr
    expect(out).toContain('app: the app (node -e')
    expect(out).toContain(`did not answer within 1500 ms: nothing answered HTTP at http://127.0.0.1:${port}`)
    expect(out).toContain('booting, token=')
    expect(out).not.toContain('hunter2')
    // It names another port than the one waited at: which key to change.
    expect(out).toContain(`it names port 4712 ("listening on :4712"), not port ${port} of http://127.0.0.1:${port}: if the app listens there, change baseUrl, or have the app listen at port ${port}`)
    const result = JSON.parse(readFileSync(path.join(p.dir, 'results.json'), 'utf8'))
    expect(result.journeys[0].notRun).toBe(true)
    expect(result.journeys[0].issues[0].error).toContain('not run: app: the app (node -e')
    // The shell ran node, which is stopped with it: its process group.
    const pid = Number(readFileSync(path.join(p.dir, 'app.pid'), 'utf8'))
    expect(processAlive(pid)).toBe(false)
  })

  it('venomqa explore: an app that ends before it answers is told once, with the app\'s advice and its last stdout and stderr lines', async () => {
    const port = await freePort()
    const p = await project({
      'venomqa.json': JSON.stringify({
        baseUrl: `http://127.0.0.1:${port}`,
        app: { command: `node -e "console.log('fatal: DATABASE_URL is not set'); console.error('npm ERR! code 1'); process.exit(1)"`, timeoutMs: 10_000 },
      }),
      'explore/a.explore.mjs': `import { action, exploration } from '@venomqa/core'\nexport default exploration('a', { actions: [action('get', ({ http }) => http.get('/'))], depth: 1 })\n`,
    })
    const r = await p.venomqa(['explore', 'explore/a.explore.mjs', '--no-emit', '--prefix-replay', '--save', 'results.json'])
    expect(r.code, r.stdout + r.stderr).toBe(1)
    const ended = 'exited with code 1 before it was ready; its last stderr lines: "npm ERR! code 1"; its last stdout lines: "fatal: DATABASE_URL is not set"'
    expect(r.stdout).toContain(ended)
    expect(r.stdout.split(ended).length - 1, r.stdout).toBe(1)
    expect(r.stdout).toContain('The app under test (the config\'s `app`) did not answer at its URL in time, or ended first')
    expect(r.stdout).not.toContain('A state backend could not save or put back the state')
    // Filed as the app's start, as `venomqa run` files it: not under a step "state".
    expect(r.stdout).toContain('a › start app [critical] app')
    const result = JSON.parse(readFileSync(path.join(p.dir, 'results.json'), 'utf8'))
    expect(result.explorations[0].status).toBe('failed')
    expect(result.explorations[0].issues.filter((i: { severity: string }) => i.severity === 'critical')).toEqual([expect.objectContaining({ step: 'start app', kind: 'crash', source: 'app' })])
    expect(result.issues).toEqual([])
  })

  it('a program of app.command that is not there is the config\'s mistake, named by its key (exit 2), and so is an app.cwd that is not there', async () => {
    const journey = `import { journey, step } from '@venomqa/core'\nexport default journey('a', { steps: [step('get', ({ http }) => http.get('/'))] })\n`
    const p = await project({ 'venomqa.json': JSON.stringify({ baseUrl: 'http://127.0.0.1:1', app: { command: ['nosuchcommand', 'serve'] } }), 'journeys/a.journey.mjs': journey })
    const r = await p.venomqa(['run'])
    expect(r.code, r.stdout + r.stderr).toBe(2)
    expect(r.stderr).toContain(`app.command: the program "nosuchcommand" was not found (not on PATH, nor a file relative to ${p.dir})`)
    expect(r.stdout + r.stderr).not.toContain('ENOENT')

    const noDir = await project({ 'venomqa.json': JSON.stringify({ baseUrl: 'http://127.0.0.1:1', app: { command: 'node server.js', cwd: 'server' } }), 'journeys/a.journey.mjs': journey })
    const d = await noDir.venomqa(['run'])
    expect(d.code, d.stdout + d.stderr).toBe(2)
    expect(d.stderr).toContain(`app.cwd: the directory ${path.join(noDir.dir, 'server')} does not exist`)
  })

  it('refuses to run when something already answers at the app\'s URL before it starts (an app left running), rather than test that one', async () => {
    // An instance left from an earlier run, or a dev server, on the port: the app started would fail to
    // listen, and the journeys would run against the old one (its database not behind the run's proxy).
    const journeyRequests: string[] = []
    const stale = await listenLocally(
      http.createServer((req, res) => {
        if (req.url !== '/') journeyRequests.push(req.url ?? '')
        res.end('old instance')
      }),
    )
    try {
      const p = await project({
        'venomqa.json': JSON.stringify({
          baseUrl: stale.url,
          app: { command: `node -e "require('fs').writeFileSync('app.pid', String(process.pid)); setInterval(() => {}, 1000)"`, timeoutMs: 5000 },
        }),
        'journeys/a.journey.mjs': `import { journey, step } from '@venomqa/core'\nexport default journey('a', { steps: [step('get', ({ http }) => http.get('/journey'))] })\n`,
      })
      const r = await p.venomqa(['run', '--save', 'results.json'])
      expect(r.code, r.stdout + r.stderr).toBe(1)
      expect(r.stdout + r.stderr).toContain(`app: something already answers HTTP at ${stale.url}`)
      expect(journeyRequests).toEqual([])
      const result = JSON.parse(readFileSync(path.join(p.dir, 'results.json'), 'utf8'))
      expect(result.journeys[0].notRun).toBe(true)
      // Nothing started: the command would only have failed to listen.
      expect(existsSync(path.join(p.dir, 'app.pid'))).toBe(false)
    } finally {
      await stale.close()
    }
  })

  it('venomqa doctor starts the app as a run would, says it answered, and stops it; an app that fails is a failed check naming it', async () => {
    const port = await freePort()
    const p = await project({
      'app.mjs': `import http from 'node:http'
import { writeFileSync } from 'node:fs'
writeFileSync('app.pid', String(process.pid))
if (process.env.FAIL) { console.error('cannot reach the database'); process.exit(3) }
http.createServer((req, res) => res.end('ok')).listen(${port}, '127.0.0.1')
`,
      'venomqa.yaml': `baseUrl: http://127.0.0.1:${port}\napp:\n  command: node app.mjs\n  env:\n    FAIL: \${APP_FAIL:-}\n`,
      'journeys/a.journey.mjs': `import { journey, step } from '@venomqa/core'\nexport default journey('a', { steps: [step('get', ({ http }) => http.get('/'))] })\n`,
    })
    const r = await p.venomqa(['doctor'])
    expect(r.code, r.stdout + r.stderr).toBe(0)
    expect(r.stdout).toMatch(/✓ app +node app\.mjs started and answered in \d+ ms/)
    expect(r.stdout).toMatch(/✓ base URL +http:\/\/127\.0\.0\.1:\d+ answered 200/)
    expect(processAlive(Number(readFileSync(path.join(p.dir, 'app.pid'), 'utf8')))).toBe(false)

    const failing = await p.venomqa(['doctor'], { env: { APP_FAIL: '1' } })
    expect(failing.code, failing.stdout + failing.stderr).toBe(1)
    expect(failing.stdout).toContain('✗ app        app: the app (node app.mjs) exited with code 3 before it was ready; its last stderr lines: "cannot reach the database"\n')
  })

  it('says at the failing step that the app ended, with its exit code and last lines; the journeys after it are not run', async () => {
    const port = await freePort()
    const p = await project({
      'app.mjs': `import http from 'node:http'
http.createServer((req, res) => {
  if (req.url === '/crash') { console.error('out of memory, pretend'); process.exit(3) }
  res.end('ok')
}).listen(${port}, '127.0.0.1')
`,
      'venomqa.yaml': `baseUrl: http://127.0.0.1:${port}\napp:\n  command: node app.mjs\n`,
      'journeys/a.journey.mjs': `import { journey, step } from '@venomqa/core'
export const first = journey('first', { steps: [step('fine', ({ http }) => http.get('/')), step('crash', ({ http }) => http.get('/crash'))] })
export const second = journey('second', { steps: [step('fine', ({ http }) => http.get('/'))] })
`,
    })
    const r = await p.venomqa(['run', '--save', 'results.json'])
    expect(r.code, r.stdout + r.stderr).toBe(1)
    const result = JSON.parse(readFileSync(path.join(p.dir, 'results.json'), 'utf8'))
    const [first, second] = result.journeys
    const errors = first.issues.map((i: { error: string }) => i.error).join('\n')
    expect(errors).toContain('the app the run started (`app`) ended unexpectedly (exit code 3)')
    expect(errors).toContain('"out of memory, pretend"')
    // The step that met it says it, as for a worker's app, and the journey's issue too.
    const crash = first.nodes.find((n: { name: string }) => n.name === 'crash')
    expect(crash.status).toBe('failed')
    expect(crash.error.message).toContain('the app the run started (`app`) ended unexpectedly (exit code 3)')
    expect(second.notRun).toBe(true)
    expect(second.issues[0].error).toContain('not run: the app the run started (`app`) ended unexpectedly (exit code 3)')
  })

  it('refuses a mistake in app, naming the key, exit 2, and an app.env variable that is unset when the app starts', async () => {
    const wrong = await project({
      'venomqa.json': JSON.stringify({ baseUrl: 'http://127.0.0.1:1', app: { command: 3, timeoutMs: -1 } }),
      'journeys/a.journey.mjs': `import { journey, step } from '@venomqa/core'\nexport default journey('a', { steps: [step('get', ({ http }) => http.get('/'))] })\n`,
    })
    const r = await wrong.venomqa(['run'])
    expect(r.code, r.stdout + r.stderr).toBe(2)
    expect(r.stderr).toContain('app.command')
    expect(r.stderr).toContain('app.timeoutMs')

    const unset = await project({
      'venomqa.json': JSON.stringify({ baseUrl: 'http://127.0.0.1:1', app: { command: 'node -e "setInterval(() => {}, 1000)"', env: { DATABASE_URL: '${VENOMQA_PG_PROXY_URL}' } } }),
      'journeys/a.journey.mjs': `import { journey, step } from '@venomqa/core'\nexport default journey('a', { steps: [step('get', ({ http }) => http.get('/'))] })\n`,
    })
    const u = await unset.venomqa(['run'])
    expect(u.code, u.stdout + u.stderr).toBe(2)
    expect(u.stderr).toContain('app.env.DATABASE_URL: environment variable VENOMQA_PG_PROXY_URL is not set when the app starts')
  })
})
