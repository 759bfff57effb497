import type { CachePort, QueuePort } from '@venomqa/core'
import { freePort } from '@venomqa/test-utils'
import { expect, it } from 'vitest'
import redisPlugin, { RedisCache } from '../src'

// A Redis that is not at the configured address is found on the first call of a port: the error names the
// config key that gave the address (`plugins[1].url`), as a TLS mistake in it is named, so that a config
// with two Redis entries says which one. No Redis is needed: the address is a port nothing listens on.

/** The ports a plugin entry at `where` registers, through a PluginApi that records instead of running anything. */
async function portsOf(options: unknown, where: string) {
  const ports = new Map<string, unknown>()
  const closers: (() => void | Promise<void>)[] = []
  const api = {
    options,
    where,
    root: process.cwd(),
    log: { info() {}, warn() {}, debug() {} },
    addReporter() {},
    addPort: (name: string, port: unknown) => ports.set(name, port),
    addStateBackend() {},
    addHook() {},
    addHealthCheck() {},
    onClose: (fn: () => void | Promise<void>) => closers.push(fn),
  } as unknown as Parameters<NonNullable<typeof redisPlugin.setup>>[0]
  await redisPlugin.setup!(api)
  return { cache: ports.get('cache') as CachePort, queue: ports.get('queue') as QueuePort, close: () => Promise.all(closers.map((c) => c())) }
}

const failure = (p: Promise<unknown>) => p.then(() => 'no error', (err: Error) => err.message)

it("a plugin's cache and queue with no Redis at their address name the entry's url", async () => {
  const port = await freePort()
  const { cache, queue, close } = await portsOf({ url: `redis://127.0.0.1:${port}/3`, state: false }, 'plugins[1]')
  try {
    expect(await failure(cache.get('x'))).toMatch(new RegExp(`^plugins\\[1\\]\\.url: cache get "x" failed on redis://127\\.0\\.0\\.1:${port}/3: .*\\(is Redis running there\\?\\)$`))
    expect(await failure(queue.enqueue('job', {}))).toMatch(new RegExp(`^plugins\\[1\\]\\.url: queue enqueue failed on redis://127\\.0\\.0\\.1:${port}/3: .*\\(is Redis running there\\?\\)$`))
  } finally {
    await close()
  }
})

it('a cache made in code names no config key: it has none', async () => {
  const port = await freePort()
  const cache = new RedisCache({ url: `redis://127.0.0.1:${port}/3` })
  try {
    expect(await failure(cache.get('x'))).toMatch(new RegExp(`^cache get "x" failed on redis://127\\.0\\.0\\.1:${port}/3: `))
  } finally {
    await cache.close()
  }
})

it("a plugin's cache used after it was closed names no url: the address is not what is wrong", async () => {
  const port = await freePort()
  const { cache, close } = await portsOf({ url: `redis://127.0.0.1:${port}/3`, state: false }, 'plugins[1]')
  await close()
  const message = await failure(cache.get('x'))
  expect(message).toMatch(new RegExp(`^cache get "x" failed on redis://127\\.0\\.0\\.1:${port}/3: .*Connection is closed`))
  expect(message).not.toContain('plugins[1].url')
})
