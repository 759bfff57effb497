/**
 * Work on several workers against one, each comparison in one interleaved run (1 worker, N workers, 1
 * worker, ...), so a drift in the machine's load hits both alike:
 *
 * 1. Parallel paths: a branch of 8 paths whose steps wait about 100 ms on the server, on 1 worker and on
 *    4 (todo app on PostgreSQL, one app and database per worker: postgresWorkers).
 * 2. The same on PostgreSQL + Redis state: the app caches in Redis and queues with BullMQ, each path
 *    writes both, and both are rolled back between paths. Workers: composeWorkers(postgresWorkers,
 *    redisWorkers), a database and a Redis DB per worker.
 * 3. Exploration of the shop app (its own exploration, every path to depth 4) on 1 worker and on 2.
 *
 * Each side has an app and a database of its own (a snapshot backend holds its database alone), so the
 * two runners live side by side and their rounds can alternate. The N-worker figures are the median of
 * the rounds after the first; the first, which starts the workers, is shown apart.
 */
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { type Exploration, type ExplorationResult, branch, checkpoint, composeWorkers, journey, path as p, step } from '@venomqa/core'
import { RedisState, redisWorkers } from '@venomqa/adapter-redis'
import { explore } from '@venomqa/explore'
import { type Runner, createRunner } from '@venomqa/runner'
import { postgresState, postgresWorkers } from '@venomqa/state-postgres'
import { type RunningProcess, startShopApp, startTodoApp } from '@venomqa/test-utils'
import pg from 'pg'

const here = path.dirname(fileURLToPath(import.meta.url))
const PG = `postgres://${process.env.PGUSER ?? 'postgres'}@${process.env.PGHOST ?? '127.0.0.1'}:${process.env.PGPORT ?? 5432}`
const REDIS = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379'
const ROUNDS = Number(process.env.ROUNDS ?? 5)
const EXPLORE_ROUNDS = Number(process.env.EXPLORE_ROUNDS ?? 3)
const TAG = `venomqa_bench_par_${process.pid}`
/** Every Redis key of this run, the app's cache and its BullMQ queue alike, starts with this. */
const KEYS = `${TAG}:`

// Whatever happens, the app processes this benchmark started do not outlive it.
const apps: RunningProcess[] = []
process.on('exit', () => {
  for (const a of apps) a.child.kill('SIGKILL')
})

async function admin(sql: string): Promise<void> {
  const c = new pg.Client({ connectionString: `${PG}/postgres` })
  await c.connect()
  await c.query(sql).finally(() => c.end())
}

const databases: string[] = []
async function database(name: string): Promise<string> {
  await admin(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`)
  await admin(`CREATE DATABASE ${name}`)
  databases.push(name)
  return `${PG}/${name}`
}

async function started(app: Promise<RunningProcess>): Promise<RunningProcess> {
  const a = await app
  apps.push(a)
  return a
}

/** The todo app on its database, and on a Redis DB when given (cache and BullMQ keys under KEYS). */
const todoApp = (databaseUrl: string, redisUrl?: string) =>
  started(startTodoApp({ DATABASE_URL: databaseUrl, ...(redisUrl ? { REDIS_URL: redisUrl, REDIS_PREFIX: KEYS, BULLMQ_PREFIX: `${KEYS}bull` } : {}) }))

const redisDb = (db: number) => `${REDIS.replace(/\/\d*$/, '')}/${db}`

let n = 0
/** Sign up (and with Redis: log in, create a todo, read it into the cache), then 8 paths of about 100 ms each. */
function branchJourney(withRedis: boolean) {
  const email = `b${n}@example.test`
  const password = 'a long password'
  const pathSteps = (i: number) =>
    withRedis
      ? [
          step('create_todo', async ({ http, ctx }) => {
            const res = await http.post('/api/todos', { json: { title: `path ${i}` } })
            ctx.set('todo', res.json().id)
            return res
          }),
          step('read_todo', ({ http, ctx }) => http.get(`/api/todos/${ctx.require('todo')}`)),
          step('wait_100ms', ({ http }) => http.get('/api/slow?ms=100')),
        ]
      : [step('wait_100ms', ({ http }) => http.get('/api/slow?ms=100'))]
  return journey(`parallel_bench_${n++}`, {
    steps: [
      step('sign_up', ({ http }) => http.post('/api/users', { json: { email, password, name: 'B' } })),
      ...(withRedis
        ? [
            step('log_in', async ({ http }) => {
              const res = await http.post('/api/auth/login', { json: { email, password } })
              http.setAuthToken(res.json().token)
              return res
            }),
            step('cache_a_todo', async ({ http }) => http.get(`/api/todos/${(await http.post('/api/todos', { json: { title: 'first' } })).json().id}`)),
          ]
        : []),
      checkpoint('start'),
      branch(
        'start',
        Array.from({ length: 8 }, (_, i) => p(`path_${i}`, pathSteps(i))),
      ),
    ],
  })
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!

interface Row {
  what: string
  one: number
  many: number
  first: number
  workers: number
  note?: string
}

/** Alternate `one` and `many` for `rounds` rounds (after a first `many`, which starts its workers). */
async function interleaved(rounds: number, one: () => Promise<number>, many: () => Promise<number>): Promise<{ one: number; many: number; first: number }> {
  const first = await many()
  const a: number[] = []
  const b: number[] = []
  for (let r = 0; r < rounds; r++)
    if (r % 2) {
      b.push(await many())
      a.push(await one())
    } else {
      a.push(await one())
      b.push(await many())
    }
  return { one: median(a), many: median(b), first }
}

async function timeJourney(runner: Runner, withRedis: boolean): Promise<number> {
  const t0 = performance.now()
  const r = await runner.run(branchJourney(withRedis))
  if (r.status !== 'passed') throw new Error(JSON.stringify(r.journeys[0]!.issues[0] ?? r.issues[0]))
  return performance.now() - t0
}

/** 8 paths on 1 worker against 4, on PostgreSQL (and Redis): a runner and an app of its own for each side. */
async function paths(withRedis: boolean): Promise<Row> {
  const label = withRedis ? 'redis' : 'pg'
  const [oneDb, manyDb] = [await database(`${TAG}_${label}_one`), await database(`${TAG}_${label}_many`)]
  // Redis: DB 8 for the one-worker side, DB 9 for worker 0 of the other and 10, 11, 12 for its workers.
  const [oneRedis, manyRedis] = [redisDb(8), redisDb(9)]
  const oneApp = await todoApp(oneDb, withRedis ? oneRedis : undefined)
  const manyApp = await todoApp(manyDb, withRedis ? manyRedis : undefined)
  const state = (db: string, redis: string) => [postgresState({ url: db }), ...(withRedis ? [new RedisState({ url: redis, prefix: KEYS })] : [])]
  const one = createRunner({ baseUrl: oneApp.url, stateBackends: state(oneDb, oneRedis) })
  const many = createRunner({
    baseUrl: manyApp.url,
    stateBackends: state(manyDb, manyRedis),
    parallelPaths: 4,
    workerSetup: withRedis
      ? composeWorkers(postgresWorkers({ url: manyDb }), redisWorkers({ url: manyRedis, prefix: KEYS }), {
          startApp: async (_i, r) => {
            const app = await todoApp(r.databaseUrl, r.redisUrl)
            return { baseUrl: app.url, close: () => app.stop() }
          },
        })
      : postgresWorkers({
          url: manyDb,
          async startApp(_i, databaseUrl) {
            const app = await todoApp(databaseUrl)
            return { baseUrl: app.url, close: () => app.stop() }
          },
        }),
  })
  try {
    const t = await interleaved(
      ROUNDS,
      () => timeJourney(one, withRedis),
      () => timeJourney(many, withRedis),
    )
    return { what: `8 paths x ~100 ms, PostgreSQL${withRedis ? ' + Redis' : ''}`, workers: 4, ...t }
  } finally {
    await one.close()
    await many.close()
    await oneApp.stop()
    await manyApp.stop()
    if (withRedis) for (const url of [oneRedis, manyRedis]) await removeKeys(url)
  }
}

/** What the journeys' main lines left in a Redis DB (the workers' DBs are emptied by redisWorkers). */
async function removeKeys(url: string): Promise<void> {
  // A state backend's own client, so the bench needs no Redis client of its own.
  const helper = new RedisState({ url, prefix: KEYS, name: 'cleanup' })
  await helper.connect()
  try {
    let cursor = '0'
    do {
      const [next, keys] = await helper.redis.scan(cursor, 'MATCH', `${KEYS}*`, 'COUNT', 1000)
      if (keys.length) await helper.redis.unlink(...keys)
      cursor = next
    } while (cursor !== '0')
  } finally {
    await helper.disconnect()
  }
}

/** The shop app's own exploration (every path to depth 4) on 1 worker against 2, on the fixed app. */
async function exploration(): Promise<Row> {
  const shop = ((await import(path.resolve(here, '../../examples/shop-app/explore/shop.explore.ts'))) as { default: Exploration }).default
  const [oneDb, manyDb] = [await database(`${TAG}_shop_one`), await database(`${TAG}_shop_many`)]
  const oneApp = await started(startShopApp({ DATABASE_URL: oneDb, SHOP_BUGS: 'none' }))
  const manyApp = await started(startShopApp({ DATABASE_URL: manyDb, SHOP_BUGS: 'none' }))
  const one = createRunner({ baseUrl: oneApp.url, stateBackends: [postgresState({ url: oneDb })] })
  const many = createRunner({
    baseUrl: manyApp.url,
    stateBackends: [postgresState({ url: manyDb })],
    workerSetup: postgresWorkers({
      url: manyDb,
      async startApp(_i, databaseUrl) {
        const app = await started(startShopApp({ DATABASE_URL: databaseUrl, SHOP_BUGS: 'none' }))
        return { baseUrl: app.url, close: () => app.stop() }
      },
    }),
  })
  const results: ExplorationResult[] = []
  const timed = async (runner: Runner, workers: number) => {
    const t0 = performance.now()
    const r = await explore(shop, { runner, root: process.cwd(), emitDir: false, workers })
    if (r.status !== 'passed') throw new Error(`the fixed shop app broke a rule: ${JSON.stringify(r.violations[0] ?? r.issues[0])}`)
    results.push(r)
    return performance.now() - t0
  }
  try {
    const t = await interleaved(
      EXPLORE_ROUNDS,
      () => timed(one, 1),
      () => timed(many, 2),
    )
    const split = results.find((r) => r.workers)!.workers!.map((w) => w.transitions)
    const same = new Set(results.map((r) => `${r.stats.transitions}/${r.stats.states}/${r.violations.length}`))
    return {
      what: `exploration of the shop app, ${results[0]!.stats.transitions} transitions`,
      workers: 2,
      ...t,
      note: `transitions per worker ${split.join(' + ')}; ${same.size === 1 ? 'every run the same transitions and states' : `runs differ: ${[...same].join(', ')}`}`,
    }
  } finally {
    await one.close()
    await many.close()
    await oneApp.stop()
    await manyApp.stop()
  }
}

try {
  const rows = [await paths(false), await paths(true), await exploration()]
  console.log(`parallel: 1 worker against N, interleaved; medians of ${ROUNDS} rounds (paths) and ${EXPLORE_ROUNDS} (exploration), ms`)
  console.log('')
  console.log('| what | 1 worker | N workers | N workers, first run (startup) | speed-up |')
  console.log('|---|---|---|---|---|')
  for (const r of rows)
    console.log(`| ${r.what} | ${r.one.toFixed(0)} | ${r.workers}: ${r.many.toFixed(0)} | ${r.first.toFixed(0)} | ${(r.one / r.many).toFixed(2)}x |`)
  console.log('')
  for (const r of rows) if (r.note) console.log(`${r.what}: ${r.note}`)
  for (const r of rows) console.log(`speed-up, ${r.what}, ${r.workers} workers vs 1: ${(r.one / r.many).toFixed(2)}x`)
} finally {
  for (const a of apps) await a.stop()
  for (const db of databases) await admin(`DROP DATABASE IF EXISTS ${db} WITH (FORCE)`)
}
