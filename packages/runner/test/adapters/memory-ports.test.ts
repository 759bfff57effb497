import { access, mkdtemp, rm } from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import { PLUGIN_API_VERSION, type PluginApi, PluginError, type StateBackend } from '@venomqa/core'
import { describe, expect, it } from 'vitest'
import { ControllableClock } from '../../src/adapters/controllable-clock'
import { LocalStorage } from '../../src/adapters/local-storage'
import { MemoryCache } from '../../src/adapters/memory-cache'
import { type MemoryPortsOptions, memoryPorts } from '../../src/adapters/memory-ports'
import { TaskPool } from '../../src/adapters/task-pool'

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
    await cache.set('session', 'x', 60)
    time.advance({ minutes: 1 })
    expect(await cache.exists('session')).toBe(false)

    const storage = ports.get('storage') as LocalStorage
    await storage.put('a.txt', 'hello')
    expect(storage.root.startsWith(os.tmpdir())).toBe(true)
    await close()
    await expect(access(storage.root)).rejects.toThrow() // the temp dir went with the run
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
    await expect(state.rollback('nope')).rejects.toThrow(/no checkpoint named "nope"/)
    await close()
  })

  it.each([
    [{ ports: ['cache', 'redis'] }, /option "ports" must be a list of cache, mail, queue, storage, time, concurrency, got "redis"/],
    [{ freezeTime: 'yesterday-ish' }, /option "freezeTime" must be true, false or a date/],
    [{ maxWorkers: 0 }, /option "maxWorkers" must be a whole number of 1 or more, got 0/],
    [{ storageDir: 42 }, /option "storageDir" must be a directory path/],
  ])('refuses bad options %j with a PluginError naming the option', async (options, message) => {
    const { api } = fakeApi(options)
    const setup = memoryPorts().setup!(api)
    await expect(setup).rejects.toBeInstanceOf(PluginError)
    await expect(memoryPorts().setup!(fakeApi(options).api)).rejects.toThrow(message)
  })
})
