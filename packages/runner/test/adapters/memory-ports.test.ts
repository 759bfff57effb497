import { access, mkdtemp, rm } from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import { ConfigError, PLUGIN_API_VERSION, type PluginApi, type StateBackend } from '@venomqa/core'
import { describe, expect, it } from 'vitest'
import { ControllableClock } from '../../src/adapters/controllable-clock'
import { LocalStorage } from '../../src/adapters/local-storage'
import { MemoryCache } from '../../src/adapters/memory-cache'
import { type MemoryPortsOptions, memoryPorts } from '../../src/adapters/memory-ports'
import { TaskPool } from '../../src/adapters/task-pool'
import { createRunner } from '../../src/runner'
import { MemoryState } from '../../src/state/memory'

/** The slice of the plugin API memoryPorts uses, recording what it registers. */
function fakeApi(options: Record<string, unknown> = {}, root = process.cwd()) {
  const ports = new Map<string, unknown>()
  const backends: StateBackend[] = []
  const closers: (() => unknown)[] = []
  const api = {
    options,
    root,
    log: { info() {}, warn() {}, debug() {} },
    addPort: (name: string, port: unknown) => ports.set(name, port),
    addStateBackend: (b: StateBackend) => backends.push(b),
    onClose: (fn: () => unknown) => closers.push(fn),
    addReporter() {},
    addHook() {},
    addHealthCheck() {},
  } as unknown as PluginApi<MemoryPortsOptions>
  const close = async () => {
    for (const fn of closers.reverse()) await fn()
  }
  return { api, ports, backends, close }
}

describe('memoryPorts plugin', () => {
  it('is a plugin named "memory" for this API version', () => {
    const plugin = memoryPorts()
    expect(plugin).toMatchObject({ name: 'memory', apiVersion: PLUGIN_API_VERSION })
  })

  it('registers cache, mail, queue, storage, time and concurrency, sharing one clock', async () => {
    const { api, ports, close } = fakeApi()
    await memoryPorts({ freezeTime: '2024-01-01T00:00:00Z' }).setup!(api)
    expect([...ports.keys()].sort()).toEqual(['cache', 'concurrency', 'mail', 'queue', 'storage', 'time'])
    const time = ports.get('time') as ControllableClock
    const cache = ports.get('cache') as MemoryCache
    expect(time).toBeInstanceOf(ControllableClock)
    expect(ports.get('concurrency')).toBeInstanceOf(TaskPool)
    expect(time.frozen).toBe(true)
    expect(time.now().toISOString()).toBe('2024-01-01T00:00:00.000Z')
    await cache.set('session', 'x', { ttlMs: 60_000 })
    time.advance({ minutes: 1 })
    expect(await cache.exists('session')).toBe(false)

    const storage = ports.get('storage') as LocalStorage
    await storage.put('a.txt', 'hello')
    expect(storage.root.startsWith(os.tmpdir())).toBe(true)
    await close()
    await expect(access(storage.root)).rejects.toThrow() // the temp dir went with the run
  })

  it('its state backend, like MemoryState, leaves nothing when a run is quit: a quit does not name it among what closing would have tidied', async () => {
    const { api, backends, close } = fakeApi()
    await memoryPorts().setup!(api)
    expect(backends.map((b) => [b.name, b.leftWhenQuit])).toEqual([['memory-ports', false]])
    expect(new MemoryState().leftWhenQuit).toBe(false)
    await close()
  })

  it('options from config ([plugin, options]) win; only the listed ports are registered; a given storageDir is kept', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'venomqa-mp-test-'))
    try {
      const { api, ports, backends, close } = fakeApi({ ports: ['storage', 'time'], storageDir: 'files', state: false }, dir)
      await memoryPorts({ ports: ['cache'] }).setup!(api)
      expect([...ports.keys()].sort()).toEqual(['storage', 'time'])
      expect(backends).toEqual([])
      const storage = ports.get('storage') as LocalStorage
      expect(storage.root).toBe(path.join(dir, 'files'))
      await storage.put('keep.txt', 'kept')
      await close()
      expect(await storage.getText('keep.txt')).toBe('kept')
    } finally {
      await rm(dir, { recursive: true, force: true })
    }
  })

  it('its state backend rolls the cache, mailbox and clock back to a checkpoint', async () => {
    const { api, ports, backends, close } = fakeApi()
    const plugin = memoryPorts()
    await plugin.setup!(api)
    const [state] = backends
    expect(state).toMatchObject({ name: 'memory-ports', mechanism: 'snapshot', parallelSafe: false })
    const cache = ports.get('cache') as MemoryCache
    const { mail } = plugin.adapters!
    await cache.set('kept', 1)
    mail.deliver({ from: 'a@x.test', to: 'b@x.test', subject: 'before' })
    const clock = ports.get('time') as ControllableClock
    clock.freeze(new Date('2024-02-02T00:00:00Z'))
    const reminders: string[] = []
    clock.scheduleAfter(60_000, () => reminders.push('fired'))
    await state.checkpoint('cp')
    clock.advance({ hours: 2 })
    expect(reminders).toEqual(['fired'])
    await cache.set('added', 2)
    await cache.delete('kept')
    mail.deliver({ from: 'a@x.test', to: 'b@x.test', subject: 'after' })
    await state.rollback('cp')
    expect(await cache.getMany(['kept', 'added'])).toEqual({ kept: 1, added: undefined })
    expect((await mail.list()).map((m) => m.subject)).toEqual(['before'])
    // Time is back, and the callback that fired after the checkpoint is pending again.
    expect(clock.now().toISOString()).toBe('2024-02-02T00:00:00.000Z')
    expect(clock.pending()).toHaveLength(1)
    clock.advance({ minutes: 1 })
    expect(reminders).toEqual(['fired', 'fired'])
    await expect(state.rollback('nope')).rejects.toThrow('state backend "memory-ports": no checkpoint "nope" (open: cp)')
    await close()
  })

  it('refuses bad options from config through its schema, every problem at once, naming plugins[N].key', async () => {
    const runner = createRunner({ plugins: [[memoryPorts(), { ports: ['cache', 'redis'], freezeTime: 'yesterday-ish', maxWorkers: 0, storageDir: 42 }]] })
    const err = await runner.init().catch((e: unknown) => e)
    expect(err).toBeInstanceOf(ConfigError)
    const message = (err as Error).message
    expect(message).toContain('4 problems with plugin options')
    expect(message).toContain('plugins[0].ports[1]: expected one of cache, mail, queue, storage, time, concurrency, got "redis"')
    expect(message).toContain('plugins[0].freezeTime: expected true, false or a date (e.g. "2024-01-01T00:00:00Z"), got "yesterday-ish"')
    expect(message).toContain('plugins[0].maxWorkers: expected a whole number of 1 or more, got 0')
    expect(message).toContain('plugins[0].storageDir: expected string, got 42')
  })

  it('checks the options memoryPorts() is called with in code too', () => {
    expect(() => memoryPorts({ maxWorkers: 0 })).toThrow('memoryPorts().maxWorkers: expected a whole number of 1 or more, got 0')
  })
})
