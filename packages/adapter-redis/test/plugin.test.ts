import { ConfigError, PLUGIN_API_VERSION, type PluginApi, PluginError, type StateBackend, parseOptions } from '@venomqa/core'
import { SERVICES, describeWithService, freePort } from '@venomqa/test-utils'
import { afterAll, beforeAll, expect, it } from 'vitest'
import redisPlugin, { BullQueue, RedisCache, RedisState, redisPluginOptions, resolveOptions } from '../src'
import { URL_A, flushOurDbs } from './helpers'

const describeRedis = await describeWithService('Redis', SERVICES.redis.host, SERVICES.redis.port)

/** What setup registered, through a PluginApi that records instead of running anything. */
async function setupWith(options: unknown) {
  const ports = new Map<string, unknown>()
  const backends: StateBackend[] = []
  const health = new Map<string, () => Promise<boolean | string>>()
  const closers: (() => void | Promise<void>)[] = []
  const api = {
    options,
    root: process.cwd(),
    log: { info() {}, warn() {}, debug() {} },
    addReporter() {},
    addPort: (name: string, port: unknown) => ports.set(name, port),
    addStateBackend: (b: StateBackend) => backends.push(b),
    addHook() {},
    addHealthCheck: (name: string, check: () => Promise<boolean | string>) => health.set(name, check),
    onClose: (fn: () => void | Promise<void>) => closers.push(fn),
  } as unknown as PluginApi<any>
  await redisPlugin.setup!(api)
  return { ports, backends, health, close: () => Promise.all(closers.map((c) => c())) }
}

it('is a plugin for this API version', () => {
  expect(redisPlugin.name).toBe('@venomqa/adapter-redis')
  expect(redisPlugin.apiVersion).toBe(PLUGIN_API_VERSION)
  expect(redisPlugin.version).toMatch(/^\d+\.\d+\.\d+/)
})

it('resolves defaults: cache, queue and state on redis://127.0.0.1:6379', () => {
  const r = resolveOptions({ prefix: 'app:' })
  expect(r.cache).toMatchObject({ url: 'redis://127.0.0.1:6379', prefix: 'app:' })
  expect(r.queue).toMatchObject({ url: 'redis://127.0.0.1:6379' })
  expect(r.state).toMatchObject({ url: 'redis://127.0.0.1:6379', prefix: 'app:' })
  expect(resolveOptions({ state: false }).cache).toMatchObject({ prefix: '' })
})

it('never picks the state scope itself: without a prefix or wholeDb it says how to give one', () => {
  for (const options of [undefined, {}, { prefix: '' }, { state: true }, { state: {} }, { state: { wholeDb: false } }, { cache: { prefix: 'c:' } }]) {
    let err: unknown
    try {
      resolveOptions(parseOptions(redisPluginOptions, options ?? {}, 'options'))
    } catch (e) {
      err = e
    }
    expect(err, JSON.stringify(options)).toBeInstanceOf(PluginError)
    const message = (err as Error).message
    expect(message).toMatch(/^@venomqa\/adapter-redis: the state backend needs a scope/)
    expect(message).toContain("['@venomqa/adapter-redis', { prefix: 'myapp:' }]")
    expect(message).toContain('{ state: { wholeDb: true } }')
    expect(message).toContain('{ state: false }')
  }
  expect(resolveOptions({ state: { wholeDb: true } }).state).toMatchObject({ wholeDb: true, prefix: undefined })
  expect(resolveOptions({ state: { prefix: ['a:', 'b:'] } }).state).toMatchObject({ prefix: ['a:', 'b:'] })
})

it('shares the top-level prefix with cache and state unless they name their own', () => {
  const r = resolveOptions({ prefix: 'app:', cache: { prefix: 'c:' } })
  expect(r.cache!.prefix).toBe('c:')
  expect(r.state!.prefix).toBe('app:')
  expect(resolveOptions({ prefix: 'app:', state: { wholeDb: true } }).state!.prefix).toBeUndefined()
  expect(resolveOptions({ cache: false, queue: false, state: false })).toMatchObject({ cache: undefined, queue: undefined, state: undefined })
})

it('registers the ports as cache and queue unless cache.port and queue.port name them otherwise', () => {
  expect(resolveOptions({ state: false })).toMatchObject({ cache: { port: 'cache' }, queue: { port: 'queue' } })
  expect(resolveOptions({ state: false, cache: { port: 'sessions' }, queue: { port: 'mailQueue' } })).toMatchObject({ cache: { port: 'sessions' }, queue: { port: 'mailQueue' } })
  // One name for both would have the queue replace the cache.
  expect(() => resolveOptions({ state: false, cache: { port: 'queue' } })).toThrow('"cache.port" and "queue.port" both name the port "queue": give each its own name')
  expect(() => resolveOptions({ state: false, cache: { port: 'jobs' }, queue: { port: 'jobs' } })).toThrow(/both name the port "jobs"/)
  expect(() => resolveOptions({ state: false, cache: { port: 'queue' }, queue: false })).not.toThrow()
})

it('the schema names every wrong option at once, each at its key', () => {
  let err: unknown
  try {
    parseOptions(
      redisPluginOptions,
      { url: 'http://localhost', db: -1, cache: 'yes', queue: { name: 'a:b', defaultTimeoutMs: 2.5, defaultTimeout: 5, port: '2nd' }, state: { prefix: [] }, urll: 'redis://x' },
      'plugins[0]',
    )
  } catch (e) {
    err = e
  }
  expect(err).toBeInstanceOf(ConfigError)
  const lines = (err as Error).message.split('\n').slice(1).map((l) => l.replace(/^ {2}- /, ''))
  expect(lines).toEqual([
    'plugins[0].url: expected a redis:// or rediss:// URL, got "http://localhost"',
    'plugins[0].db: expected an integer >= 0, got -1',
    'plugins[0].cache: expected true, false or an object with prefix, wholeDb, port, got "yes"',
    'plugins[0].queue.name: expected a non-empty queue name without ":", got "a:b"',
    'plugins[0].queue.defaultTimeoutMs: expected a positive whole number of milliseconds, at most 2147483647 (about 24.8 days), got 2.5',
    'plugins[0].queue.defaultTimeout: renamed to defaultTimeoutMs (milliseconds)',
    'plugins[0].queue.port: expected a port name: letters, digits, _ or $, not starting with a digit, got "2nd"',
    'plugins[0].state.prefix: expected array to have >=1 items, got a list of 0',
    'plugins[0].urll: unknown option (did you mean "url"?)',
  ])
})

it('refuses state.prefix together with state.wholeDb', () => {
  expect(() => resolveOptions({ state: { prefix: 'a:', wholeDb: true } })).toThrow(/"state.prefix" or "state.wholeDb: true", not both/)
})

describeRedis('setup against the real Redis (DB 1)', () => {
  beforeAll(flushOurDbs)
  afterAll(flushOurDbs)

  it('registers the cache and queue ports, the state backend and a health check; onClose closes every connection', async () => {
    const reg = await setupWith({ url: URL_A, cache: { prefix: 'p:' }, queue: { name: 'q', prefix: 'vqa-plugin' }, state: { prefix: 'p:' } })
    const cache = reg.ports.get('cache') as RedisCache
    const queue = reg.ports.get('queue') as BullQueue
    const state = reg.backends[0] as RedisState
    expect(cache).toBeInstanceOf(RedisCache)
    expect(queue).toBeInstanceOf(BullQueue)
    expect(state).toBeInstanceOf(RedisState)
    expect([state.name, state.mechanism, state.parallelSafe, state.scope]).toEqual(['redis', 'dump-restore', false, 'keys p:* in DB 1'])
    expect(cache.prefix).toBe('p:')
    expect([queue.defaultQueue, queue.prefix]).toEqual(['q', 'vqa-plugin'])

    await cache.set('k', 1)
    await queue.enqueue('job', {})
    await state.connect()
    expect(await reg.health.get('redis')!()).toBe(true)
    await reg.close()
    expect([cache.redis.status, queue.redis.status, state.redis.status]).toEqual(['end', 'end', 'end'])
  })

  it("a server that does not answer: the health check says why (the connection's error), for venomqa doctor", async () => {
    // A free port nothing listens on: the check must name the refusal, not only fail.
    const port = await freePort()
    const reg = await setupWith({ url: `redis://127.0.0.1:${port}/1`, queue: false, state: false })
    try {
      expect(await reg.health.get('redis')!()).toBe(`Redis at redis://127.0.0.1:${port}/1 did not answer PING: connect ECONNREFUSED 127.0.0.1:${port}`)
    } finally {
      await reg.close()
    }
  })

  it('registers nothing it was told not to', async () => {
    const reg = await setupWith({ url: URL_A, cache: false, queue: false, state: false })
    expect([reg.ports.size, reg.backends.length, reg.health.size]).toEqual([0, 0, 0])
    await reg.close()
  })
})
