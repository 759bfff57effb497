import { mkdtemp, rm } from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import { type Email, PLUGIN_API_VERSION, type Plugin, PluginError, type StateBackend, definePlugin } from '@venomqa/core'
import { RUNNER_VERSION } from '../runner'
import { type ClockSnapshot, ControllableClock } from './controllable-clock'
import { LocalStorage } from './local-storage'
import { MemoryCache } from './memory-cache'
import { MemoryMail } from './memory-mail'
import { MemoryQueue } from './memory-queue'
import { TaskPool } from './task-pool'

export const MEMORY_PORT_NAMES = ['cache', 'mail', 'queue', 'storage', 'time', 'concurrency'] as const
export type MemoryPortName = (typeof MEMORY_PORT_NAMES)[number]

export interface MemoryPortsOptions {
  /** Which ports to register. Default: all six. */
  ports?: MemoryPortName[]
  /** Start the clock frozen: `true` at the current instant, or at this date (ISO string or Date). */
  freezeTime?: boolean | string | Date
  /** Most tasks the concurrency port runs at once. Default: no limit. */
  maxWorkers?: number
  /** Storage directory, relative to the project root. Default: a fresh temp directory, removed when the run closes. */
  storageDir?: string
  /** Jobs of one queue the queue port runs at once. Default 1. */
  queueConcurrency?: number
  /** Register a state backend so branches roll the in-memory cache, mailbox and clock back. Default true. */
  state?: boolean
}

/** The adapters behind one `memoryPorts` plugin, reachable for tests that drive them directly. */
export interface MemoryAdapters {
  clock: ControllableClock
  cache: MemoryCache
  mail: MemoryMail
  queue: MemoryQueue
  pool: TaskPool
  storage?: LocalStorage
}

const PLUGIN = 'memory'

/**
 * In-memory ports as a plugin: cache, mail, queue, storage (a local directory), time (a controllable clock)
 * and concurrency. Cache expiry, queue delays and mail timestamps all follow the one clock, so
 * `ports.time.advance(...)` moves them together. Put it in a profile to swap real adapters out:
 *
 *   profiles: { unit: { plugins: [memoryPorts()] }, staging: { plugins: [['redis', { url }]] } }
 */
export function memoryPorts(options: MemoryPortsOptions = {}): Plugin<MemoryPortsOptions> & { readonly adapters?: MemoryAdapters } {
  let adapters: MemoryAdapters | undefined
  const plugin = definePlugin<MemoryPortsOptions>({
    name: PLUGIN,
    version: RUNNER_VERSION,
    apiVersion: PLUGIN_API_VERSION,
    async setup(api) {
      const opts = checkOptions({ ...options, ...(api.options ?? {}) })
      const wanted = new Set<MemoryPortName>(opts.ports ?? MEMORY_PORT_NAMES)
      const clock = new ControllableClock(frozenAt(opts.freezeTime))
      const cache = new MemoryCache({ clock })
      const mail = new MemoryMail({ clock })
      const queue = new MemoryQueue({ clock, concurrency: opts.queueConcurrency })
      const pool = new TaskPool({ maxWorkers: opts.maxWorkers })
      let storage: LocalStorage | undefined
      if (wanted.has('storage')) {
        const ownDir = opts.storageDir === undefined
        const dir = ownDir ? await mkdtemp(path.join(os.tmpdir(), 'venomqa-storage-')) : path.resolve(api.root ?? process.cwd(), opts.storageDir!)
        storage = new LocalStorage({ dir })
        if (ownDir) api.onClose(() => rm(dir, { recursive: true, force: true }))
      }
      adapters = { clock, cache, mail, queue, pool, storage }
      const ports = { cache, mail, queue, storage, time: clock, concurrency: pool }
      for (const name of wanted) api.addPort(name, ports[name])
      if (opts.state !== false)
        api.addStateBackend(
          memoryPortsState({
            cache: wanted.has('cache') ? cache : undefined,
            mail: wanted.has('mail') ? mail : undefined,
            clock: wanted.has('time') ? clock : undefined,
          }),
        )
      api.onClose(() => {
        pool.cancelAll()
        queue.close()
        clock.dispose()
      })
    },
  })
  return Object.defineProperty(plugin, 'adapters', { get: () => adapters, enumerable: false }) as Plugin<MemoryPortsOptions> & {
    readonly adapters?: MemoryAdapters
  }
}

/**
 * Checkpoints the in-memory cache, mailbox and clock, so each path of a branch starts from the same
 * entries, mail and time. (Queue jobs and stored files are not rolled back.)
 */
export function memoryPortsState(parts: { cache?: MemoryCache; mail?: MemoryMail; clock?: ControllableClock }): StateBackend {
  const { cache, mail, clock } = parts
  const saved = new Map<string, { cache?: ReturnType<MemoryCache['snapshot']>; mail?: Email[]; clock?: ClockSnapshot }>()
  return {
    name: 'memory-ports',
    mechanism: 'snapshot',
    parallelSafe: false,
    async connect() {},
    async checkpoint(name) {
      saved.set(name, { cache: cache?.snapshot(), mail: mail?.snapshot(), clock: clock?.snapshot() })
    },
    async rollback(name) {
      const s = saved.get(name)
      if (!s) throw new PluginError(PLUGIN, `memory-ports: no checkpoint named "${name}"`)
      if (s.cache) cache?.restore(s.cache)
      if (s.mail) mail?.restore(s.mail)
      if (s.clock) clock?.restore(s.clock)
    },
    async release(name) {
      saved.delete(name)
    },
    async disconnect() {
      saved.clear()
    },
  }
}

function frozenAt(freeze: MemoryPortsOptions['freezeTime']): { frozen?: boolean; at?: Date } {
  if (freeze === undefined || freeze === false) return {}
  if (freeze === true) return { frozen: true }
  return { frozen: true, at: freeze instanceof Date ? freeze : new Date(freeze) }
}

/** Options may come from YAML: check each one and name it when it is wrong. */
function checkOptions(o: MemoryPortsOptions): MemoryPortsOptions {
  const fail = (key: string, expected: string, got: unknown): never => {
    throw new PluginError(PLUGIN, `plugin "memory": option "${key}" must be ${expected}, got ${JSON.stringify(got)}`)
  }
  if (o.ports !== undefined) {
    if (!Array.isArray(o.ports)) fail('ports', `a list of ${MEMORY_PORT_NAMES.join(', ')}`, o.ports)
    for (const p of o.ports!) if (!MEMORY_PORT_NAMES.includes(p)) fail('ports', `a list of ${MEMORY_PORT_NAMES.join(', ')}`, p)
  }
  const f = o.freezeTime
  if (f !== undefined && typeof f !== 'boolean') {
    const date = f instanceof Date ? f : typeof f === 'string' ? new Date(f) : undefined
    if (!date || Number.isNaN(date.getTime())) fail('freezeTime', 'true, false or a date (e.g. "2024-01-01T00:00:00Z")', f)
  }
  if (o.maxWorkers !== undefined && !(Number.isInteger(o.maxWorkers) && o.maxWorkers > 0)) fail('maxWorkers', 'a whole number of 1 or more', o.maxWorkers)
  if (o.queueConcurrency !== undefined && !(Number.isInteger(o.queueConcurrency) && o.queueConcurrency > 0))
    fail('queueConcurrency', 'a whole number of 1 or more', o.queueConcurrency)
  if (o.storageDir !== undefined && (typeof o.storageDir !== 'string' || o.storageDir === '')) fail('storageDir', 'a directory path', o.storageDir)
  if (o.state !== undefined && typeof o.state !== 'boolean') fail('state', 'true or false', o.state)
  return o
}
