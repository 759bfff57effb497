/**
 * What the libraries under the adapter would print with console.warn of their own, over VenomQA's report:
 * ioredis, for a password in the URL of a server that asks none ("[WARN] This Redis server's `default` user
 * does not require a password, but a password was supplied", on every connection), and BullMQ, for a
 * server that evicts keys when full ("IMPORTANT! Eviction policy is allkeys-lru. It should be
 * "noeviction"") or is older than it recommends. The console shows none of it; the adapter tells it once,
 * in its own words, through the plugin's warning (api.log.warn), and the health check `venomqa doctor` asks
 * gives the queue's advice on the server.
 */
import { SERVICES } from '@venomqa/test-utils'
import { Redis } from 'ioredis'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { captureConsole, pluginEntry, startOwnRedis } from './helpers'

const PASSWORD = 'ha-Console-S3cret'
/** A DB of the shared server these tests use, under a prefix and a queue of their own (see afterAll). */
const DB = 3
const hostPort = `${SERVICES.redis.host}:${SERVICES.redis.port}`

const printed = captureConsole()
/** Entries at `plugins[2]` (see pluginEntry). */
const entry = (options: Record<string, unknown>) => pluginEntry(options)

describe('a password in the URL of a Redis that asks none', () => {
  beforeAll(async () => {
    // The shared server must ask no password of its default user, or this is no such server.
    const admin = new Redis({ host: SERVICES.redis.host, port: SERVICES.redis.port, maxRetriesPerRequest: 1 })
    try {
      expect(await admin.call('CONFIG', 'GET', 'requirepass')).toEqual(['requirepass', ''])
    } finally {
      admin.disconnect()
    }
  })
  afterAll(async () => {
    const admin = new Redis({ host: SERVICES.redis.host, port: SERVICES.redis.port, db: DB, maxRetriesPerRequest: 1 })
    const keys = [...(await admin.keys('ha-console:*')), ...(await admin.keys('bull:ha-console:*'))]
    if (keys.length) await admin.del(...keys)
    await admin.quit()
  })

  it('works, prints nothing of ioredis, and says once, naming the entry and never the password, that the server asks none', async () => {
    const e = await entry({ url: `redis://:${PASSWORD}@${hostPort}/${DB}`, prefix: 'ha-console:', queue: { name: 'ha-console' }, state: { prefix: ['ha-console:', 'bull:ha-console:'] } })
    try {
      // Every connection of the entry: the health check's, the cache's, the queue's (and its blocking one), the state backend's.
      expect(await e.health()).toBe(true)
      await e.cache.set('k', { a: 1 })
      expect(await e.cache.get('k')).toEqual({ a: 1 })
      const id = await e.queue.enqueue('job', { n: 1 })
      expect(await e.queue.getJobResult(id, { timeoutMs: 50 })).toBeUndefined()
      await e.state.connect()
      await e.state.disconnect()
    } finally {
      await e.close()
    }
    expect(printed()).toEqual([])
    expect(e.warned).toEqual([
      `plugins[2].url gives a password, but Redis at redis://:***@${hostPort} asks none of its default user: it is not used; take it out of the URL, or give the server one (requirepass) if it should ask for it`,
    ])
  })
})

describe('a Redis that evicts keys when full', () => {
  let server: Awaited<ReturnType<typeof startOwnRedis>>
  beforeAll(async () => {
    server = await startOwnRedis(['--maxmemory-policy', 'allkeys-lru'])
  })
  afterAll(() => server?.stop())

  it("the queue prints nothing of BullMQ; its advice is told once, at the health check doctor asks and at the queue's first call", async () => {
    const e = await entry({ url: `redis://${server.hostPort}/0`, prefix: 'ha-evict:', queue: { name: 'ha-evict' }, state: { prefix: ['ha-evict:', 'bull:ha-evict:'] } })
    const advice = `plugins[2].url: Redis at redis://${server.hostPort} has maxmemory-policy allkeys-lru: once it is full it evicts keys, BullMQ's jobs among them, so queued jobs can be lost; set it to noeviction for the queue port (CONFIG SET maxmemory-policy noeviction, or in redis.conf)`
    try {
      expect(await e.health()).toBe(true)
      expect(e.warned).toEqual([advice])
      const id = await e.queue.enqueue('job', { n: 1 })
      expect((await e.queue.getJob(id))?.status).toBe('waiting')
      expect(await e.queue.length()).toBe(1)
    } finally {
      await e.close()
    }
    expect(printed()).toEqual([])
    expect(e.warned).toEqual([advice])
  })
})
