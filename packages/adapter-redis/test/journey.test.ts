/**
 * The plugin inside real runs: ports reached from actions, Redis rolled back between the paths of a branch.
 * The todo app runs as its own process (in-memory data, rolled back through its control endpoint) with
 * REDIS_URL on DB 2, caching todos under `todo:<id>` and handing 'todo-created' jobs to its BullMQ worker.
 */
import { type CachePort, type JourneyResult, type RunResult, branch, checkpoint, journey, path, step } from '@venomqa/core'
import { createRunner, httpControlState } from '@venomqa/runner'
import { type RunningProcess, SERVICES, describeWithService, startTodoApp } from '@venomqa/test-utils'
import { afterAll, beforeAll, expect, it } from 'vitest'
import redisPlugin, { type BullQueue } from '../src'
import { DB_A, DB_B, URL_A, URL_B, flushOurDbs, rawClient, sleep } from './helpers'

const describeRedis = await describeWithService('Redis', SERVICES.redis.host, SERVICES.redis.port)

function check(ok: boolean, message: string): void {
  if (!ok) throw new Error(message)
}

/** Every step with its path and status, and the error of each failed one. */
function stepsOf(r: JourneyResult): { path: string; step: string; status: string; error?: string }[] {
  const out: { path: string; step: string; status: string; error?: string }[] = []
  const walk = (nodes: JourneyResult['nodes'], p: string) => {
    for (const n of nodes) {
      if (n.kind === 'step') out.push({ path: p, step: n.name, status: n.status, ...(n.status === 'failed' ? { error: n.error?.message } : {}) })
      if (n.kind === 'branch') for (const x of n.paths) walk(x.nodes, x.name)
    }
  }
  walk(r.nodes, 'main')
  return out
}

const failures = (run: RunResult) => run.journeys.flatMap((j) => stepsOf(j).filter((s) => s.status !== 'passed'))

describeRedis('the Redis plugin in runs', () => {
  beforeAll(flushOurDbs)
  afterAll(flushOurDbs)

  it('rolls Redis back between paths that add, change, expire and delete keys (DB 1)', async () => {
    const raw = rawClient(DB_A)
    // No HTTP in this journey; the runner still wants a base URL.
    const runner = createRunner({ baseUrl: 'http://127.0.0.1:1', plugins: [[redisPlugin, { url: URL_A, cache: { prefix: 'shop:' }, queue: false, state: { prefix: 'shop:' } }]] })
    try {
      await raw.set('elsewhere', 'outside the scope')
      const expectCheckpointState = step('sees_checkpoint_state', async ({ ports }) => {
        const cache = ports.require('cache')
        const got = await cache.getMany(['cart', 'price', 'session', 'temp'])
        check(JSON.stringify(got) === JSON.stringify({ cart: ['apple'], price: 10, session: 'abc', temp: undefined }), `not the checkpoint state: ${JSON.stringify(got)}`)
        const ttl = await cache.getTtlMs('session')
        check(ttl > 0 && ttl <= 600_000, `session TTL is ${ttl} ms, expected (0, 600 000]`)
        check((await cache.getTtlMs('cart')) === -1, 'cart gained a TTL')
      })
      const j = journey('redis_branch', {
        requires: ['cache'],
        steps: [
          step('seed', async ({ ports }) => {
            await ports.cache!.setMany({ cart: ['apple'], price: 10 })
            await ports.cache!.set('session', 'abc', { ttlMs: 600_000 })
          }),
          checkpoint('seeded'),
          branch('seeded', [
            path('add', [expectCheckpointState, step('add_keys', async ({ ports }) => void (await ports.cache!.setMany({ temp: 1, 'order:1': { total: 10 } })))]),
            path('change', [
              expectCheckpointState,
              step('change_keys', async ({ ports }) => {
                await ports.cache!.set('cart', ['apple', 'pear'])
                await ports.cache!.set('price', 12, { ttlMs: 5000 })
                await ports.cache!.setTtlMs('session', 1000)
              }),
            ]),
            path('expire', [
              expectCheckpointState,
              step('expire_keys', async ({ ports }) => {
                const cache = ports.cache as CachePort & { redis: import('ioredis').Redis }
                await cache.redis.pexpire('shop:cart', 20)
                await cache.redis.pexpire('shop:session', 20)
                await sleep(80)
                check(!(await cache.exists('cart')) && !(await cache.exists('session')), 'keys did not expire')
              }),
            ]),
            path('delete', [expectCheckpointState, step('delete_keys', async ({ ports }) => void (await ports.cache!.deleteMany(['cart', 'price', 'session'])))]),
            path('after_all', [expectCheckpointState]),
          ]),
          expectCheckpointState,
        ],
      })
      const run = await runner.run(j)
      expect(failures(run)).toEqual([])
      expect(run.journeys.flatMap((j) => j.issues).map((i) => i.error)).toEqual([])
      expect(run.status).toBe('passed')
      expect(run.backends).toEqual([{ name: 'redis', mechanism: 'dump-restore', parallelSafe: false }])
      expect(stepsOf(run.journeys[0]!).filter((s) => s.step === 'sees_checkpoint_state')).toHaveLength(6)
      expect(await raw.get('elsewhere')).toBe('outside the scope')
    } finally {
      await runner.close()
      await raw.quit()
    }
  })

  let app: RunningProcess | undefined
  afterAll(async () => {
    await app?.stop()
  })

  /** A todo app with empty memory and an empty DB 2, so each test starts from nothing. */
  async function freshApp(): Promise<RunningProcess> {
    await app?.stop()
    const raw = rawClient(DB_B)
    await raw.flushdb()
    await raw.quit()
    app = await startTodoApp({ REDIS_URL: URL_B, RUN_WORKER: '1' })
    return app
  }

  /** Cache and queue checked through ports; a branch whose edits to Redis and the app's data are undone. */
  function todoJourney() {
    const jobFor = async (queue: BullQueue, todoId: number) => {
      for (let i = 0; i < 100; i++) {
        const job = (await queue.getJobs()).find((j) => j.name === 'todo-created' && (j.data as { todoId: number }).todoId === todoId)
        if (job) return job
        await sleep(50)
      }
      throw new Error(`no 'todo-created' job for todo ${todoId} on queue todo-events`)
    }
    const expectCheckpoint = step('sees_checkpoint_state', async ({ http, ports, ctx }) => {
      const id = ctx.get<number>('todoId')!
      const cached = await ports.cache!.get<{ id: number; title: string }>(String(id))
      check(cached?.title === 'buy milk', `cache todo:${id} is ${JSON.stringify(cached)}, expected the cached 'buy milk'`)
      const ttl = await ports.cache!.getTtlMs(String(id))
      check(ttl > 0 && ttl <= 60_000, `cache TTL ${ttl} ms, expected (0, 60 000]`)
      const jobs = (await ports.require<BullQueue>('queue').getJobs()).filter((j) => j.name === 'todo-created')
      check(jobs.length === 1 && jobs[0]!.status === 'completed', `queue holds ${JSON.stringify(jobs.map((j) => [j.id, j.status]))}, expected the one completed job`)
      const titles = (http.get('/api/todos') as Promise<{ json(): { title: string }[] }>).then((r) => r.json().map((t) => t.title))
      const list = await titles
      check(JSON.stringify(list) === '["buy milk"]', `the app lists ${JSON.stringify(list)}`)
    })
    return journey('todo_cache_and_queue', {
      requires: ['cache', 'queue'],
      steps: [
        step('signup', ({ http }) => http.post('/api/users', { json: { email: 'redis@example.test', password: 'pw-123456', name: 'R' } })),
        step('login', async ({ http }) => {
          const res = await http.post('/api/auth/login', { json: { email: 'redis@example.test', password: 'pw-123456' } })
          http.setAuthToken(res.json().token)
          return res
        }),
        step('create_todo', async ({ http, ctx }) => {
          const res = await http.post('/api/todos', { json: { title: 'buy milk' } })
          ctx.set('todoId', res.json().id)
          return res
        }),
        step('job_was_queued_and_done', async ({ ports, ctx }) => {
          const queue = ports.require<BullQueue>('queue')
          const job = await jobFor(queue, ctx.get<number>('todoId')!)
          const result = await queue.getJobResult(job.id, { timeoutMs: 10_000 })
          check(result?.success === true, `job ${job.id}: ${JSON.stringify(result)}`)
          check(JSON.stringify(result!.result) === JSON.stringify({ notified: true, todoId: ctx.get('todoId') }), `job result ${JSON.stringify(result!.result)}`)
        }),
        step('not_cached_before_read', async ({ ports, ctx }) => check(!(await ports.cache!.exists(String(ctx.get('todoId')))), 'cached before any GET')),
        step('read_todo', ({ http, ctx }) => http.get(`/api/todos/${ctx.get('todoId')}`)),
        step('cached_after_read', async ({ ports, ctx }) => {
          const cached = await ports.cache!.get<{ title: string }>(String(ctx.get('todoId')))
          check(cached?.title === 'buy milk', `cache holds ${JSON.stringify(cached)}`)
        }),
        checkpoint('cached'),
        branch('cached', [
          path('edit_and_add', [
            expectCheckpoint,
            step('edit', ({ http, ctx }) => http.patch(`/api/todos/${ctx.get('todoId')}`, { json: { title: 'buy oat milk' } })),
            step('edit_invalidated_cache', async ({ ports, ctx }) => check(!(await ports.cache!.exists(String(ctx.get('todoId')))), 'PATCH did not invalidate the cache')),
            step('add_second', async ({ http, ports }) => {
              const res = await http.post('/api/todos', { json: { title: 'second' } })
              const queue = ports.require<BullQueue>('queue')
              const job = await jobFor(queue, res.json().id)
              check((await queue.getJobResult(job.id, { timeoutMs: 10_000 }))?.success === true, 'second job did not complete')
              return res
            }),
            step('cache_a_stale_value', async ({ ports }) => void (await ports.cache!.set('999', { title: 'junk' }, { ttlMs: 30_000 }))),
          ]),
          path('delete', [
            expectCheckpoint,
            step('delete', ({ http, ctx }) => http.delete(`/api/todos/${ctx.get('todoId')}`)),
            step('gone_from_cache', async ({ ports, ctx }) => check(!(await ports.cache!.exists(String(ctx.get('todoId')))), 'DELETE did not invalidate the cache')),
          ]),
          path('after_both', [expectCheckpoint, step('stale_value_gone', async ({ ports }) => check(!(await ports.cache!.exists('999')), 'a key from another path survived'))]),
        ]),
        expectCheckpoint,
      ],
    })
  }

  it('two instances on two DBs: the second names its cache port, and each DB is rolled back by its own backend', async () => {
    const [rawA, rawB] = [rawClient(DB_A), rawClient(DB_B)]
    const runner = createRunner({
      baseUrl: 'http://127.0.0.1:1',
      plugins: [
        [redisPlugin, { url: URL_A, prefix: 'two:', queue: false }],
        // Both default to a `cache` port and a backend named `redis`, which the runner would refuse twice.
        [redisPlugin, { url: URL_B, prefix: 'sess:', queue: false, cache: { port: 'sessions' }, state: { name: 'redis-sessions' } }],
      ],
    })
    try {
      const sessions = (ports: { require<T>(name: string): T }) => ports.require<CachePort>('sessions')
      const sawCheckpoint = step('sees_checkpoint_state', async ({ ports }) => {
        const [cart, token] = [await ports.cache!.get('cart'), await sessions(ports).get('token')]
        check(cart === 1 && token === 'abc', `not the checkpoint state: cart ${JSON.stringify(cart)}, token ${JSON.stringify(token)}`)
      })
      const j = journey('two_redis', {
        requires: ['cache', 'sessions'],
        steps: [
          step('seed', async ({ ports }) => {
            await ports.cache!.set('cart', 1)
            await sessions(ports).set('token', 'abc')
          }),
          checkpoint('seeded'),
          branch('seeded', [
            path('change_both', [
              step('change', async ({ ports }) => {
                await ports.cache!.set('cart', 2)
                await sessions(ports).delete('token')
                await sessions(ports).set('other', true)
              }),
            ]),
            path('after', [sawCheckpoint]),
          ]),
        ],
      })
      const result = await runner.run(j)
      expect(failures(result)).toEqual([])
      expect(result.backends.map((b) => b.name).sort()).toEqual(['redis', 'redis-sessions'])
      // Each port wrote to its own DB, and each DB is back at the checkpoint.
      expect(await rawA.keys('two:*')).toEqual(['two:cart'])
      expect(await rawA.get('two:cart')).toBe('1')
      expect(await rawB.keys('sess:*')).toEqual(['sess:token'])
      expect(await rawB.get('sess:token')).toBe('"abc"')
    } finally {
      await runner.close()
      await rawA.quit()
      await rawB.quit()
      await flushOurDbs()
    }
  })

  it('a journey against the todo app checks its cache and queue through ports, and a branch rolls Redis back (DB 2)', async () => {
    const todo = await freshApp()
    const runner = createRunner({
      baseUrl: todo.url,
      stateBackends: [httpControlState({ url: todo.url })],
      plugins: [[redisPlugin, { url: URL_B, cache: { prefix: 'todo:' }, queue: { name: 'todo-events' }, state: { wholeDb: true } }]],
    })
    try {
      const run = await runner.run(todoJourney())
      expect(failures(run)).toEqual([])
      expect(run.journeys.flatMap((j) => j.issues).map((i) => i.error)).toEqual([])
      expect(run.status).toBe('passed')
      expect(run.backends.map((b) => `${b.name}:${b.mechanism}`).sort()).toEqual(['http-control:http-control', 'redis:dump-restore'])
      expect(stepsOf(run.journeys[0]!).filter((s) => s.step === 'sees_checkpoint_state')).toHaveLength(4)
    } finally {
      await runner.close()
    }
  })

  it('without the Redis state backend the same journey fails where Redis was not rolled back (the test can tell)', async () => {
    const todo = await freshApp()
    const runner = createRunner({
      baseUrl: todo.url,
      stateBackends: [httpControlState({ url: todo.url })],
      plugins: [[redisPlugin, { url: URL_B, cache: { prefix: 'todo:' }, queue: { name: 'todo-events' }, state: false }]],
    })
    try {
      const run = await runner.run(todoJourney())
      expect(run.status).toBe('failed')
      const failed = failures(run)
      expect(failed.map((f) => `${f.path}/${f.step}`)).toContain('delete/sees_checkpoint_state')
      expect(failed.find((f) => f.path === 'delete')!.error).toMatch(/cache todo:\d+ is undefined|queue holds/)
    } finally {
      await runner.close()
    }
  })
})
