/**
 * Parallel paths on composed workers: the todo app on PostgreSQL, Redis (its todo cache) and mail (its
 * password-reset mail), one app process per worker with its own database, Redis DB and mail catcher. The
 * worker setup is the one in docs/parallel.md, loaded as written (only the app's path is this repository's).
 * Every path checks it starts from the checkpoint on all three (a cached todo, the reset mail, whose token
 * is a database row), changes all three, and sees only its own changes.
 */
import fs from 'node:fs'
import path from 'node:path'
import mailPlugin from '@venomqa/adapter-mailhog'
import redisPlugin, { RedisCache } from '@venomqa/adapter-redis'
import { type MailPort, type WorkerSetup, assertEqual, assertStatus, branch, checkpoint, journey, path as pathNode, step } from '@venomqa/core'
import { createRunner } from '@venomqa/runner'
import postgresPlugin from '@venomqa/state-postgres'
import { REPO_ROOT, type RunningProcess, TODO_APP_SERVER, describeWithService, freePort, startTodoApp, expectBranchOnWorkers } from '@venomqa/test-utils'
import { PG_ADMIN_URL, pgDatabaseUrl, pgTestDatabases, withPgClient } from '@venomqa/test-utils/postgres'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { signUpAndLogIn } from './todo-sign-in'

const DB = 'venomqa_compose_main'
const DATABASE_URL = pgDatabaseUrl(DB)
const databases = pgTestDatabases(new RegExp(`^${DB}$`))
/** DB 6 is the main app's; its workers get 7, 8 and 9 (the main DB's index + the worker's). */
const REDIS_DBS = [6, 7, 8, 9]
const REDIS_URL = 'redis://127.0.0.1:6379/6'

const postgres = await describeWithService('PostgreSQL', '127.0.0.1', 5432)
// Both services are needed: the one that is missing decides (skipped here, failing under CI).
const d = postgres === describe ? await describeWithService('Redis', '127.0.0.1', 6379) : postgres

/** A whole-DB handle on one of our Redis DBs, to empty it or count its keys. */
async function withRedisDb<T>(db: number, use: (r: RedisCache) => Promise<T>): Promise<T> {
  const r = new RedisCache({ url: `redis://127.0.0.1:6379/${db}`, wholeDb: true })
  try {
    return await use(r)
  } finally {
    await r.close()
  }
}

async function flushRedis() {
  for (const db of REDIS_DBS) await withRedisDb(db, (r) => r.clear())
}

/** The composed config of docs/parallel.md, written next to the demo journeys and imported as it is. */
async function docsConfig(): Promise<{ parallelPaths: number; workerSetup: WorkerSetup }> {
  const doc = fs.readFileSync(path.join(REPO_ROOT, 'docs/parallel.md'), 'utf8')
  const block = [...doc.matchAll(/```ts\n([\s\S]*?)```/g)].map((m) => m[1]!).find((b) => b.includes('composeWorkers(') && b.includes('defineConfig('))
  if (!block) throw new Error('docs/parallel.md has no composeWorkers config')
  const file = path.join(REPO_ROOT, 'examples/journeys/.docs-parallel-compose.ts')
  fs.writeFileSync(file, block.replace("'dist/server.js'", JSON.stringify(TODO_APP_SERVER)))
  const saved = { DATABASE_URL: process.env.DATABASE_URL, REDIS_URL: process.env.REDIS_URL }
  process.env.DATABASE_URL = DATABASE_URL
  process.env.REDIS_URL = REDIS_URL
  try {
    return ((await import(/* @vite-ignore */ file)) as { default: { parallelPaths: number; workerSetup: WorkerSetup } }).default
  } finally {
    fs.rmSync(file, { force: true })
    for (const [k, v] of Object.entries(saved)) if (v === undefined) delete process.env[k]
    else process.env[k] = v
  }
}

const resetToken = (text: string) => /\/api\/auth\/reset\/([\w-]+)/.exec(text)?.[1] ?? ''
const titlesOf = async (http: { get(p: string): Promise<{ json(): unknown }> }) =>
  ((await http.get('/api/todos')).json() as { title: string }[]).map((t) => t.title).sort()

function parallelJourney(run: number) {
  const email = `compose${run}@example.test`
  const paths = Array.from({ length: 8 }, (_, i) =>
    pathNode(`p${i}`, [
      step('starts_at_checkpoint', async ({ http, ports, ctx }) => {
        // Redis: the todo cached before the checkpoint is in this worker's Redis DB.
        const cached = await http.get(`/api/todos/${ctx.require<number>('firstId')}`)
        assertEqual([cached.status, cached.headers['x-cache']], [200, 'hit'], `cached todo at the start of p${i}`)
        // Mail: the reset mail is in this worker's catcher; its token is a row of this worker's database.
        const mails = await ports.require<MailPort>('mail').list({ to: email })
        assertEqual(mails.length, 1, `reset mails at the start of p${i}`)
        assertStatus(await http.get(`/api/auth/reset/${resetToken(mails[0]!.text)}`), 200)
        ctx.set('token', resetToken(mails[0]!.text))
        // PostgreSQL: rows and the id sequence as at the checkpoint.
        const created = await http.post('/api/todos', { json: { title: `p${i}` } })
        assertEqual(created.json().id, ctx.require<number>('lastId') + 1, `id on p${i}`)
      }),
      step('changes_all_three', async ({ http, ports, ctx }) => {
        assertStatus(await http.post(`/api/auth/reset/${ctx.require<string>('token')}`, { json: { password: 'another long password' } }), 200)
        assertStatus(await http.patch(`/api/todos/${ctx.require<number>('firstId')}`, { json: { title: `base-1 by p${i}` } }), 200)
        const read = await http.get(`/api/todos/${ctx.require<number>('firstId')}`)
        assertEqual(read.headers['x-cache'], 'miss', `cache after p${i}'s change`)
        assertStatus(await http.post('/api/auth/forgot-password', { json: { email } }), 202)
        await ports.require<MailPort>('mail').waitForEmail({ to: email, subject: /reset/i, timeoutMs: 10_000 })
      }),
      step('sees_only_its_own', async ({ http, ports, ctx }) => {
        assertEqual(await titlesOf(http), ['base-1 by p' + i, 'base-2', `p${i}`].sort(), `todos seen by p${i}`)
        assertEqual((await ports.require<MailPort>('mail').list({ to: email })).length, 2, `reset mails seen by p${i}`)
        assertStatus(await http.get(`/api/auth/reset/${ctx.require<string>('token')}`), 400)
      }),
    ]),
  )
  return journey(`compose_parallel_${run}`, {
    requires: ['mail'],
    steps: [
      ...signUpAndLogIn(email, 'C'),
      step('base_rows', async ({ http, ctx }) => {
        const first = await http.post('/api/todos', { json: { title: 'base-1' } })
        ctx.set('firstId', first.json().id)
        const second = await http.post('/api/todos', { json: { title: 'base-2' } })
        ctx.set('lastId', second.json().id)
        await http.get(`/api/todos/${first.json().id}`) // cached from now on
      }),
      step('reset_mail', async ({ http, ports }) => {
        assertStatus(await http.post('/api/auth/forgot-password', { json: { email } }), 202)
        await ports.require<MailPort>('mail').waitForEmail({ to: email, timeoutMs: 10_000 })
      }),
      checkpoint('base'),
      branch('base', paths),
      step('main_line_back_at_base', async ({ http, ports, ctx }) => {
        assertEqual(await titlesOf(http), ['base-1', 'base-2'], 'todos after the branch')
        assertEqual((await http.get(`/api/todos/${ctx.require<number>('firstId')}`)).headers['x-cache'], 'hit', 'cache after the branch')
        assertEqual((await ports.require<MailPort>('mail').list({ to: email })).length, 1, 'reset mails after the branch')
      }),
    ],
  })
}

d('parallel paths on composed PostgreSQL + Redis + mail workers', () => {
  let app: RunningProcess
  let smtpPort: number
  beforeAll(async () => {
    await databases.create(DB)
    await flushRedis()
    smtpPort = await freePort()
    app = await startTodoApp({ DATABASE_URL, REDIS_URL, SMTP_URL: `smtp://127.0.0.1:${smtpPort}` })
  })
  afterAll(async () => {
    await app?.stop()
    await databases.drop(DB)
    await flushRedis()
  })

  it('runs 8 paths on 4 workers, each with its own database, Redis DB and mailbox at the checkpoint, 10 times over', async () => {
    const config = await docsConfig()
    expect(config.parallelPaths).toBe(4)
    const runner = createRunner({
      baseUrl: app.url,
      // The docs config's plugins, as the CLI would load them.
      plugins: [
        [postgresPlugin, { url: DATABASE_URL }],
        [redisPlugin, { url: REDIS_URL, state: { wholeDb: true } }],
        [mailPlugin, { smtpPort }],
      ],
      parallelPaths: config.parallelPaths,
      workerSetup: config.workerSetup,
    })
    try {
      // Ten runs of eight paths, each run syncing every worker: the suite's time budget, where twenty ran before.
      for (let run = 0; run < 10; run++) expectBranchOnWorkers(await runner.run(parallelJourney(run)), run)
    } finally {
      await runner.close()
    }
    // Worker databases and Redis DBs are left empty when the run ends.
    expect((await withPgClient(PG_ADMIN_URL, (c) => c.query(`SELECT datname FROM pg_database WHERE datname LIKE '${DB}_w%'`))).rows).toEqual([])
    for (const db of [7, 8, 9]) expect((await withRedisDb(db, (r) => r.stats())).keys, `Redis DB ${db}`).toBe(0)
  }, 180_000)
})
