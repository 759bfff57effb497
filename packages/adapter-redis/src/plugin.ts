import { type PluginApi, PluginError, PLUGIN_API_VERSION, definePlugin } from '@venomqa/core'
import { version } from '../package.json'
import { RedisCache } from './cache'
import { DEFAULT_REDIS_URL } from './connection'
import { BullQueue } from './queue'
import { RedisState } from './state'

export const PLUGIN_NAME = '@venomqa/adapter-redis'

export interface RedisPluginOptions {
  /** Default redis://127.0.0.1:6379; the path selects the DB. */
  url?: string
  /** Key prefix for the cache port and the state backend, unless they name their own. */
  prefix?: string
  /** DB index; wins over the one in the URL. */
  db?: number
  /** The `cache` port. On by default. */
  cache?: boolean | { prefix?: string; wholeDb?: boolean }
  /** The `queue` port on BullMQ. On by default. `name` is the default queue, `prefix` BullMQ's key prefix. */
  queue?: boolean | { name?: string; prefix?: string; defaultTimeout?: number }
  /**
   * The state backend. On by default, and then it needs a scope: a prefix (`state.prefix`, or the shared
   * `prefix`) or `state: { wholeDb: true }`.
   */
  state?: boolean | { prefix?: string | string[]; wholeDb?: boolean; name?: string }
}

type Section = 'cache' | 'queue' | 'state'

function fail(message: string): never {
  throw new PluginError(PLUGIN_NAME, `${PLUGIN_NAME}: ${message}`)
}

function describe(value: unknown): string {
  return value === null ? 'null' : Array.isArray(value) ? 'a list' : typeof value === 'string' ? `"${value}"` : `${typeof value} ${String(value)}`
}

function check(where: string, value: unknown, ok: boolean, expected: string): void {
  if (value !== undefined && !ok) fail(`option "${where}" must be ${expected}, got ${describe(value)}`)
}

const isString = (v: unknown) => typeof v === 'string'
const isBool = (v: unknown) => typeof v === 'boolean'

function section<T extends object>(options: RedisPluginOptions, key: Section, allowed: string[]): T | undefined {
  const value = options[key]
  if (value === undefined || value === true) return {} as T
  if (value === false) return undefined
  if (typeof value !== 'object' || value === null || Array.isArray(value)) fail(`option "${key}" must be true, false or an object, got ${describe(value)}`)
  for (const k of Object.keys(value)) if (!allowed.includes(k)) fail(`unknown option "${key}.${k}" (known: ${allowed.join(', ')})`)
  return value as T
}

/** Check the options and resolve defaults; every mistake names the option. */
export function resolveOptions(raw: unknown) {
  if (raw !== undefined && (typeof raw !== 'object' || raw === null || Array.isArray(raw))) fail(`options must be an object, got ${describe(raw)}`)
  const options = (raw ?? {}) as RedisPluginOptions
  const known = ['url', 'prefix', 'db', 'cache', 'queue', 'state']
  for (const k of Object.keys(options)) if (!known.includes(k)) fail(`unknown option "${k}" (known: ${known.join(', ')})`)
  check('url', options.url, isString(options.url) && /^rediss?:\/\//.test(options.url!), 'a redis:// or rediss:// URL')
  check('prefix', options.prefix, isString(options.prefix), 'a string')
  check('db', options.db, Number.isInteger(options.db) && options.db! >= 0, 'an integer >= 0')

  const cache = section<Exclude<RedisPluginOptions['cache'], boolean | undefined>>(options, 'cache', ['prefix', 'wholeDb'])
  check('cache.prefix', cache?.prefix, isString(cache?.prefix), 'a string')
  check('cache.wholeDb', cache?.wholeDb, isBool(cache?.wholeDb), 'true or false')

  const queue = section<Exclude<RedisPluginOptions['queue'], boolean | undefined>>(options, 'queue', ['name', 'prefix', 'defaultTimeout'])
  check('queue.name', queue?.name, isString(queue?.name) && queue!.name !== '' && !queue!.name!.includes(':'), 'a non-empty queue name without ":"')
  check('queue.prefix', queue?.prefix, isString(queue?.prefix) && queue!.prefix !== '', 'a non-empty string')
  check('queue.defaultTimeout', queue?.defaultTimeout, typeof queue?.defaultTimeout === 'number' && queue!.defaultTimeout! > 0, 'a number of ms > 0')

  const state = section<Exclude<RedisPluginOptions['state'], boolean | undefined>>(options, 'state', ['prefix', 'wholeDb', 'name'])
  const statePrefix = state?.prefix
  check(
    'state.prefix',
    statePrefix,
    (isString(statePrefix) && statePrefix !== '') || (Array.isArray(statePrefix) && statePrefix.length > 0 && statePrefix.every((p) => isString(p) && p !== '')),
    'a non-empty string or a list of them',
  )
  check('state.wholeDb', state?.wholeDb, isBool(state?.wholeDb), 'true or false')
  check('state.name', state?.name, isString(state?.name) && state!.name !== '', 'a non-empty string')
  if (state?.wholeDb && statePrefix !== undefined) fail('give "state.prefix" or "state.wholeDb: true", not both')
  const sharedPrefix = options.prefix === '' ? undefined : options.prefix
  if (state && !state.wholeDb && statePrefix === undefined && sharedPrefix === undefined)
    fail(
      'the state backend needs a scope, because a rollback deletes every key in scope that the checkpoint did not ' +
        "have. Give the app's key prefix: ['@venomqa/adapter-redis', { prefix: 'myapp:' }] (or " +
        "{ state: { prefix: ['myapp:', 'sess:'] } }); or { state: { wholeDb: true } } to roll back every key of " +
        'the selected DB, deleting what other programs wrote there; or { state: false } for no Redis rollback',
    )

  const connection = { url: options.url ?? DEFAULT_REDIS_URL, db: options.db }
  return {
    connection,
    cache: cache && { ...connection, prefix: cache.prefix ?? sharedPrefix ?? '', wholeDb: cache.wholeDb },
    queue: queue && { ...connection, name: queue.name, prefix: queue.prefix, defaultTimeout: queue.defaultTimeout },
    state: state && {
      ...connection,
      name: state.name,
      wholeDb: state.wholeDb,
      prefix: state.wholeDb ? undefined : (statePrefix ?? sharedPrefix),
    },
  }
}

/**
 * The Redis plugin: registers the `cache` and `queue` ports, a `dump-restore` state backend and a `redis`
 * health check. Nothing connects until first use; the run's end closes every connection.
 */
const redisPlugin = definePlugin<RedisPluginOptions>({
  name: PLUGIN_NAME,
  version,
  apiVersion: PLUGIN_API_VERSION,
  setup(api: PluginApi<RedisPluginOptions>) {
    const resolved = resolveOptions(api.options)
    const closers: (() => Promise<void>)[] = []
    let health: (() => Promise<boolean>) | undefined

    if (resolved.cache) {
      const cache = new RedisCache(resolved.cache)
      api.addPort('cache', cache)
      closers.push(() => cache.close())
      health ??= () => cache.healthCheck()
    }
    if (resolved.queue) {
      const queue = new BullQueue(resolved.queue)
      api.addPort('queue', queue)
      closers.push(() => queue.close())
      health ??= () => queue.healthCheck()
    }
    if (resolved.state) {
      const state = new RedisState(resolved.state)
      api.addStateBackend(state)
      // The runner disconnects backends itself; closing again here is harmless and covers a run that never connected.
      closers.push(() => state.disconnect())
      health ??= () => state.healthCheck()
      api.log.debug(`redis state: ${state.scope}`)
    }
    if (health) api.addHealthCheck('redis', health)
    api.onClose(async () => {
      await Promise.allSettled(closers.map((close) => close()))
    })
  },
})

export default redisPlugin
