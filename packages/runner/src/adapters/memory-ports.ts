import type * as Fsp from 'node:fs/promises'
import type * as Os from 'node:os'
import path from 'node:path'
import { CheckpointStack, type Email, PLUGIN_API_VERSION, type Plugin, type StateBackend, definePlugin, parseOptions, lazyBuiltin } from '@venomqa/core'
import * as z from 'zod/mini'
import en from 'zod/v4/locales/en.js'
import { RUNNER_VERSION } from '../runner'
import { type ClockSnapshot, ControllableClock } from './controllable-clock'
import { LocalStorage } from './local-storage'
import { MemoryCache } from './memory-cache'
import { MemoryMail } from './memory-mail'
import { MemoryQueue } from './memory-queue'
import { TaskPool } from './task-pool'

// Loaded at first use, not when the package is imported: a run that never writes a file never loads them.
const fsp = lazyBuiltin<typeof Fsp>('node:fs/promises')
const os = lazyBuiltin<typeof Os>('node:os')

// zod/mini, bundled into the runner tree-shaken (see tsup.config.ts): checking these options costs the runner's
// import about 3 ms, where the whole of zod cost 40 to 55 ms. Here, not in a module imported for its effect:
// the package is free of side effects, and the build drops such an import.
z.config(en())

export const MEMORY_PORT_NAMES = ['cache', 'mail', 'queue', 'storage', 'time', 'concurrency'] as const
export type MemoryPortName = (typeof MEMORY_PORT_NAMES)[number]

const A_DATE = 'expected true, false or a date (e.g. "2024-01-01T00:00:00Z")'

const wholeAtLeastOne = z
  .number()
  .check(z.int({ error: 'expected a whole number of 1 or more' }), z.gte(1, { error: 'expected a whole number of 1 or more' }))

/** The options of the `memory` plugin (from config, `--plugin` or `memoryPorts({...})`). */
export const memoryPortsOptions = z.strictObject({
  /** Which ports to register. Default: all six. */
  ports: z.optional(z.array(z.enum(MEMORY_PORT_NAMES, { error: `expected one of ${MEMORY_PORT_NAMES.join(', ')}` }))),
  /** Start the clock frozen: `true` at the current instant, or at this date (ISO string or Date). */
  freezeTime: z.optional(
    z.union([z.boolean(), z.date(), z.string().check(z.refine((s) => !Number.isNaN(new Date(s).getTime()), { error: A_DATE }))], { error: A_DATE }),
  ),
  /** Most tasks the concurrency port runs at once. Default: no limit. */
  maxWorkers: z.optional(wholeAtLeastOne),
  /** Storage directory, relative to the project root. Default: a fresh temp directory, removed when the run closes. */
  storageDir: z.optional(z.string().check(z.minLength(1, { error: 'expected a directory path' }))),
  /** Jobs of one queue the queue port runs at once. Default 1. */
  queueConcurrency: z.optional(wholeAtLeastOne),
  /** Register a state backend so branches roll the in-memory cache, mailbox and clock back. Default true. */
  state: z.optional(z.boolean({ error: 'expected true or false' })),
})

export type MemoryPortsOptions = z.input<typeof memoryPortsOptions>

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
/** The plugin's state backend, as it is registered and as the plugin declares it before setup. */
const MEMORY_PORTS_STATE_NAME = 'memory-ports'
const MEMORY_PORTS_MECHANISM = 'snapshot'

/**
 * In-memory ports as a plugin: cache, mail, queue, storage (a local directory), time (a controllable clock)
 * and concurrency. Cache expiry, queue delays and mail timestamps all follow the one clock, so
 * `ports.time.advance(...)` moves them together. Put it in a profile to swap real adapters out:
 *
 *   profiles: { unit: { plugins: [memoryPorts()] }, staging: { plugins: [['redis', { url }]] } }
 */
export function memoryPorts(options: MemoryPortsOptions = {}): Plugin<MemoryPortsOptions> & { readonly adapters?: MemoryAdapters } {
  let adapters: MemoryAdapters | undefined
  const fromCode = parseOptions(memoryPortsOptions, options, 'memoryPorts()')
  const plugin = definePlugin({
    name: PLUGIN,
    version: RUNNER_VERSION,
    apiVersion: PLUGIN_API_VERSION,
    reporters: [],
    options: memoryPortsOptions,
    // Declared for a refusal before setup (see Plugin.stateBackends), with the options setup merges.
    stateBackends: (options) => ({ ...fromCode, ...options }.state === false ? [] : [{ name: MEMORY_PORTS_STATE_NAME, mechanism: MEMORY_PORTS_MECHANISM, parallelSafe: false }]),
    async setup(api) {
      // Options from config win over the ones memoryPorts() was called with.
      const opts = { ...fromCode, ...api.options }
      const wanted = new Set<MemoryPortName>(opts.ports ?? MEMORY_PORT_NAMES)
      const clock = new ControllableClock(frozenAt(opts.freezeTime))
      const cache = new MemoryCache({ clock })
      const mail = new MemoryMail({ clock })
      const queue = new MemoryQueue({ clock, concurrency: opts.queueConcurrency })
      const pool = new TaskPool({ maxWorkers: opts.maxWorkers })
      let storage: LocalStorage | undefined
      if (wanted.has('storage')) {
        const ownDir = opts.storageDir === undefined
        const dir = ownDir ? await fsp().mkdtemp(path.join(os().tmpdir(), 'venomqa-storage-')) : path.resolve(api.root ?? process.cwd(), opts.storageDir!)
        storage = new LocalStorage({ dir })
        if (ownDir) api.onClose(() => fsp().rm(dir, { recursive: true, force: true }))
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
 * entries, mail and time. (Queue jobs and stored files are not rolled back.) `name`: a worker's copy is
 * `memory-ports:w1`, as every worker setup names its worker's backends.
 */
export function memoryPortsState(parts: MemoryPortsParts, name = MEMORY_PORTS_STATE_NAME): StateBackend {
  const { cache, mail, clock } = parts
  const stack = new CheckpointStack<{ cache?: ReturnType<MemoryCache['snapshot']>; mail?: Email[]; clock?: ClockSnapshot }>(name)
  const backend: StateBackend = {
    name,
    mechanism: MEMORY_PORTS_MECHANISM,
    parallelSafe: false,
    // The ports and their checkpoints are in this process's memory: a quit leaves nothing.
    leftWhenQuit: false,
    async connect() {},
    async checkpoint(name) {
      await stack.take(name, () => ({ cache: cache?.snapshot(), mail: mail?.snapshot(), clock: clock?.snapshot() }))
    },
    async rollback(name) {
      await stack.rollback(name, (s) => {
        if (s.cache) cache?.restore(s.cache)
        if (s.mail) mail?.restore(s.mail)
        if (s.clock) clock?.restore(s.clock)
      })
    },
    async release(name) {
      await stack.release(name)
    },
    async disconnect() {
      stack.clear()
    },
  }
  PARTS.set(backend, parts)
  return backend
}

/** What a memory-ports state backend rolls back. */
export interface MemoryPortsParts {
  cache?: MemoryCache
  mail?: MemoryMail
  clock?: ControllableClock
}

const PARTS = new WeakMap<StateBackend, MemoryPortsParts>()

/** The adapters behind a backend made by memoryPortsState, for memoryWorkers to give each worker its own. */
export function memoryPortsParts(backend: StateBackend): MemoryPortsParts | undefined {
  return PARTS.get(backend)
}

function frozenAt(freeze: MemoryPortsOptions['freezeTime']): { frozen?: boolean; at?: Date } {
  if (freeze === undefined || freeze === false) return {}
  if (freeze === true) return { frozen: true }
  return { frozen: true, at: freeze instanceof Date ? freeze : new Date(freeze) }
}
