import { spawn } from 'node:child_process'
import { SERVICES, freePort } from '@venomqa/test-utils'
import { Redis } from 'ioredis'
import type { CachePort, HealthCheck, QueuePort, StateBackend } from '@venomqa/core'
import { afterAll, afterEach, beforeAll, beforeEach, vi } from 'vitest'
import redisPlugin from '../src'

/** The Redis DBs these tests may use. DB 0 and the others belong to someone else. */
export const DB_A = 1
export const DB_B = 2
export const URL_A = `redis://${SERVICES.redis.host}:${SERVICES.redis.port}/${DB_A}`
export const URL_B = `redis://${SERVICES.redis.host}:${SERVICES.redis.port}/${DB_B}`


/** A raw client on one of our DBs, to look at Redis without going through the code under test. */
export function rawClient(db: number): Redis {
  return new Redis({ host: SERVICES.redis.host, port: SERVICES.redis.port, db, lazyConnect: true, maxRetriesPerRequest: 1 })
}

/** Run `fn` with a raw client on `db` (see rawClient), closed after. */
export async function withRawClient<T>(db: number, fn: (r: Redis) => Promise<T>): Promise<T> {
  const r = rawClient(db)
  try {
    return await fn(r)
  } finally {
    await r.quit()
  }
}

/** Delete the keys of `db` that match `pattern`: a test's own, by their prefix. */
export function removeKeys(db: number, pattern: string): Promise<void> {
  return withRawClient(db, async (r) => {
    const keys = await r.keys(pattern)
    if (keys.length) await r.del(...keys)
  })
}

/** Empty our two DBs (never FLUSHALL, which would empty every DB on the server). */
export async function flushOurDbs(): Promise<void> {
  for (const db of [DB_A, DB_B]) await withRawClient(db, (r) => r.flushdb())
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

/** Every key with its type, value and whether it expires, for comparing states. */
export async function snapshotDb(redis: Redis): Promise<Record<string, { type: string; value: unknown; expires: boolean }>> {
  const out: Record<string, { type: string; value: unknown; expires: boolean }> = {}
  for (const key of (await redis.keys('*')).sort()) {
    const type = await redis.type(key)
    let value: unknown
    if (type === 'string') value = await redis.get(key)
    else if (type === 'hash') value = await redis.hgetall(key)
    else if (type === 'list') value = await redis.lrange(key, 0, -1)
    else if (type === 'set') value = (await redis.smembers(key)).sort()
    else if (type === 'zset') value = await redis.zrange(key, 0, -1, 'WITHSCORES')
    else if (type === 'stream') value = await redis.xrange(key, '-', '+')
    out[key] = { type, value, expires: (await redis.pttl(key)) > 0 }
  }
  return out
}

/**
 * A redis-server of the test's own on a free port, for a test that fills what every client of a server
 * shares (its ACL LOG), which would disturb the tests of others on the shared one, or that needs a server
 * set up otherwise (`args`: `--requirepass`). Ready once it says so.
 */
export async function startOwnRedis(args: readonly string[] = []): Promise<{ hostPort: string; stop(): Promise<void> }> {
  const port = await freePort()
  const server = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', ...args], { stdio: ['ignore', 'pipe', 'ignore'] })
  const exited = new Promise<void>((resolve) => server.once('exit', () => resolve()))
  const stop = async () => {
    if (server.exitCode === null && server.signalCode === null) server.kill('SIGTERM')
    await exited
  }
  let said = ''
  const ready = await new Promise<boolean>((resolve) => {
    // Read for as long as it runs, so that its later lines never fill the pipe.
    server.stdout!.on('data', (chunk: Buffer) => {
      if (said.length < 10_000) said += chunk.toString()
      if (said.includes('Ready to accept connections')) resolve(true)
    })
    server.once('error', () => resolve(false))
    void exited.then(() => resolve(false))
  })
  if (!ready) {
    await stop()
    throw new Error(`redis-server on port ${port} did not start: ${said.trim().split('\n').slice(-3).join(' | ')}`)
  }
  return { hostPort: `127.0.0.1:${port}`, stop }
}

/**
 * A redis-server of the suite's own (see startOwnRedis), started before its tests and stopped after them,
 * with a plain client on its DB 0. For the suites that change what a whole server keeps (users, its ACL LOG).
 */
export function ownRedisForSuite(): { readonly hostPort: string; readonly raw: Redis } {
  let server: Awaited<ReturnType<typeof startOwnRedis>> | undefined
  let raw: Redis | undefined
  beforeAll(async () => {
    server = await startOwnRedis()
    raw = new Redis(`redis://${server.hostPort}/0`, { maxRetriesPerRequest: 1 })
  })
  afterAll(async () => {
    raw?.disconnect()
    await server?.stop()
  })
  return {
    get hostPort() {
      return server!.hostPort
    },
    get raw() {
      return raw!
    },
  }
}

/**
 * What the console would have shown during each test: every console.warn, console.error, console.log and
 * console.info, caught instead of printed. Call at a file's top level; read `printed()` in a test.
 */
export function captureConsole(): () => string[] {
  let printed: string[] = []
  beforeEach(() => {
    printed = []
    for (const method of ['warn', 'error', 'log', 'info'] as const)
      vi.spyOn(console, method).mockImplementation((...args: unknown[]) => void printed.push(args.map(String).join(' ')))
  })
  afterEach(() => vi.restoreAllMocks())
  return () => printed
}

/**
 * What one plugin entry at `where` registers, through a PluginApi that records instead of running
 * anything: its ports, state backend and health check, the warnings it told (api.log.warn), and its closers.
 */
export async function pluginEntry(options: Record<string, unknown>, where = 'plugins[2]') {
  let cache: CachePort | undefined
  let queue: QueuePort | undefined
  let state: StateBackend | undefined
  let health: HealthCheck | undefined
  const warned: string[] = []
  const closers: (() => void | Promise<void>)[] = []
  const api = {
    options,
    where,
    root: process.cwd(),
    log: { info() {}, warn: (m: string) => void warned.push(m), debug() {} },
    addReporter() {},
    addPort: (name: string, port: unknown) => (name === 'cache' ? (cache = port as CachePort) : (queue = port as QueuePort)),
    addStateBackend: (b: StateBackend) => (state = b),
    addHook() {},
    addHealthCheck: (_name: string, check: HealthCheck) => (health = check),
    onClose: (fn: () => void | Promise<void>) => closers.push(fn),
  } as unknown as Parameters<NonNullable<typeof redisPlugin.setup>>[0]
  await redisPlugin.setup!(api)
  return { cache: cache!, queue: queue!, state: state!, health: health!, warned, close: () => Promise.all(closers.map((c) => c())) }
}
