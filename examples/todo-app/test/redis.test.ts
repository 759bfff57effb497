import { type RunningProcess, SERVICES, describeWithService, startTodoApp } from '@venomqa/test-utils'
import { Queue } from 'bullmq'
import { Redis } from 'ioredis'
import { afterAll, beforeAll, beforeEach, expect, it } from 'vitest'
import { QUEUE_NAME, TODO_CREATED } from '../src'
import { type Client, assertFreshBuild, client, eventually } from './support'

/** The one Redis database these tests may use; flushed before and after. */
const REDIS_URL = `redis://${SERVICES.redis.host}:${SERVICES.redis.port}/5`

const describeRedis = await describeWithService('Redis', SERVICES.redis.host, SERVICES.redis.port)

describeRedis('todo app with Redis: cache and BullMQ queue', () => {
  let app: RunningProcess
  let api: Client
  let redis: Redis
  let queue: Queue

  beforeAll(async () => {
    assertFreshBuild()
    redis = new Redis(REDIS_URL)
    await redis.flushdb()
    queue = new Queue(QUEUE_NAME, { connection: { host: SERVICES.redis.host, port: SERVICES.redis.port, db: 5 } })
    app = await startTodoApp({ REDIS_URL, RUN_WORKER: '1' })
    api = client(app.url)
  })

  afterAll(async () => {
    await app?.stop()
    await queue?.close()
    await redis?.flushdb()
    await redis?.quit()
  })

  beforeEach(async () => {
    await api.post('/__venomqa/reset')
  })

  it('caches GET /api/todos/:id under todo:<id> for 60 s and invalidates it on PATCH and DELETE', async () => {
    const u = await api.user()
    const todo = (await api.post('/api/todos', { title: 'cache me' }, u.token)).body
    const key = `todo:${todo.id}`
    await redis.del(key)

    const first = await api.get(`/api/todos/${todo.id}`, u.token)
    expect(first.headers.get('x-cache')).toBe('miss')
    expect(JSON.parse((await redis.get(key))!)).toEqual(todo)
    const ttl = await redis.ttl(key)
    expect(ttl).toBeGreaterThan(55)
    expect(ttl).toBeLessThanOrEqual(60)

    const second = await api.get(`/api/todos/${todo.id}`, u.token)
    expect(second.headers.get('x-cache')).toBe('hit')
    expect(second.body).toEqual(first.body)

    // The cache is what answers a hit: change the cached copy and the app serves it.
    await redis.set(key, JSON.stringify({ ...todo, title: 'from the cache' }), 'EX', 60)
    expect((await api.get(`/api/todos/${todo.id}`, u.token)).body.title).toBe('from the cache')

    expect((await api.patch(`/api/todos/${todo.id}`, { title: 'renamed' }, u.token)).status).toBe(200)
    expect(await redis.exists(key)).toBe(0)
    const afterPatch = await api.get(`/api/todos/${todo.id}`, u.token)
    expect(afterPatch.headers.get('x-cache')).toBe('miss')
    expect(afterPatch.body.title).toBe('renamed')
    expect(await redis.exists(key)).toBe(1)

    expect((await api.del(`/api/todos/${todo.id}`, u.token)).status).toBe(204)
    expect(await redis.exists(key)).toBe(0)
    expect((await api.get(`/api/todos/${todo.id}`, u.token)).status).toBe(404)
  })

  it("never serves another user's todo from the cache", async () => {
    const alice = await api.user('alice')
    const mallory = await api.user('mallory')
    const todo = (await api.post('/api/todos', { title: 'private' }, alice.token)).body
    await api.get(`/api/todos/${todo.id}`, alice.token)
    expect(await redis.exists(`todo:${todo.id}`)).toBe(1)
    expect((await api.get(`/api/todos/${todo.id}`, mallory.token)).status).toBe(404)
  })

  it("enqueues a 'todo-created' job per new todo, which the worker (RUN_WORKER=1) processes", async () => {
    const u = await api.user()
    const states = ['waiting', 'active', 'completed', 'failed'] as const
    // The worker moves jobs between BullMQ's lists on its own, and getJobs reads the lists one by one: a job
    // of an earlier test caught in a move could be missed below and taken for new. Compare only when the
    // queue has nothing in flight. Counting (one server-side script) sees every job exactly once.
    const inFlight = async () => {
      const { waiting, active, delayed, prioritized } = await queue.getJobCounts('waiting', 'active', 'delayed', 'prioritized')
      return waiting! + active! + delayed! + prioritized!
    }
    const total = async () => Object.values(await queue.getJobCounts()).reduce((a, b) => a + b, 0)
    await eventually(async () => (await inFlight()) === 0, 5000)
    // Ids restart after each reset, so earlier tests' jobs can carry the same data: look only at new jobs.
    const earlier = new Set((await queue.getJobs([...states])).map((j) => j.id))
    const before = await total()
    const todo = (await api.post('/api/todos', { title: 'announce' }, u.token)).body
    expect(await total()).toBe(before + 1) // enqueued before the app answered
    await eventually(async () => (await inFlight()) === 0, 5000)
    const newJobs = (await queue.getJobs([...states])).filter((j) => !earlier.has(j.id))
    expect(newJobs).toHaveLength(1)
    const job = newJobs[0]!
    expect(job.name).toBe(TODO_CREATED)
    expect(job.data).toEqual({ todoId: todo.id, userId: u.id })
    expect(await job.getState()).toBe('completed')
    expect(job.returnvalue).toEqual({ notified: true, todoId: todo.id })
  })

  it('honours REDIS_PREFIX and BULLMQ_PREFIX, and shuts down cleanly on SIGTERM with worker, queue and cache open', async () => {
    const second = await startTodoApp({ REDIS_URL, RUN_WORKER: '1', REDIS_PREFIX: 'second:', BULLMQ_PREFIX: 'second-bull' })
    const secondApi = client(second.url)
    const u = await secondApi.user()
    const todo = (await secondApi.post('/api/todos', { title: 'x' }, u.token)).body
    await secondApi.get(`/api/todos/${todo.id}`, u.token)
    expect(await redis.exists(`second:todo:${todo.id}`)).toBe(1)
    expect(await redis.keys('second-bull:todo-events:*')).not.toEqual([])
    await second.stop()
    expect(second.child.exitCode).toBe(0)
    expect(second.child.signalCode).toBe(null)
  })
})
