import { PluginError, PLUGIN_API_VERSION, definePlugin, TIMER_MS_EXPECTED, isTimerMs, optionPath } from '@venomqa/core'
import * as z from 'zod/mini'
import en from 'zod/v4/locales/en.js'
import { RedisCache } from './cache'
import { DEFAULT_REDIS_URL, hasDbIndexPath, keyPrefixOfUrl, pingProblem, redisUrlProblem } from './connection'
import { BullQueue } from './queue'
import { REDIS_STATE_NAME, RedisState } from './state'

// zod/mini, bundled into this package tree-shaken (see tsup.config.ts): a configured plugin no longer costs
// every run the start-up of the whole of zod (95 modules, about 50 ms), only of what this schema uses.
z.config(en())

export const PLUGIN_NAME = '@venomqa/adapter-redis'

const text = z.string({ error: 'expected a string' })
const nonEmpty = z.string({ error: 'expected a non-empty string' }).check(z.minLength(1, { error: 'expected a non-empty string' }))
const bool = z.boolean({ error: 'expected true or false' })
/** The name a port is registered under: another than the default when two instances of the plugin run. */
const portName = z
  .string({ error: 'expected a port name' })
  .check(z.regex(/^[A-Za-z_$][\w$]*$/, { error: 'expected a port name: letters, digits, _ or $, not starting with a digit' }))
/** `true`/absent: on with defaults; `false`: off; an object: on with these settings. */
const section = <T extends z.core.$ZodLooseShape>(shape: T, expected: string) =>
  z.optional(z.union([z.boolean(), z.strictObject(shape)], { error: `expected true, false or an object with ${expected}` }))

/** The options of the Redis plugin. */
export const redisPluginOptions = z.strictObject({
  /** Default redis://127.0.0.1:6379; the path selects the DB. */
  url: z.optional(
    z.string().check(
      z.regex(/^rediss?:\/\//, { error: 'expected a redis:// or rediss:// URL' }),
      // Else setup failed with ioredis' "Invalid URL" or "URI malformed", naming no option.
      z.superRefine((url, ctx) => {
        const problem = /^rediss?:\/\//.test(url) ? redisUrlProblem(url) : undefined
        if (problem) ctx.issues.push({ code: 'custom', message: problem, input: url })
      }),
      // ioredis would send SELECT NaN for `/abc` (see openClient), and read `?keyPrefix=`, which breaks
      // the state backend and the cache silently (see refuseKeyPrefix) and which BullMQ refuses.
      z.refine(hasDbIndexPath, { error: 'expected a redis:// URL whose path is a DB index, as in redis://host:6379/2' }),
      z.refine((url) => keyPrefixOfUrl(url) === undefined, { error: 'expected a URL without keyPrefix: give the key prefix as the "prefix" option (cache.prefix, state.prefix, queue.prefix)' }),
    ),
  ),
  /** Key prefix for the cache port and the state backend, unless they name their own. */
  prefix: z.optional(text),
  /** DB index; wins over the one in the URL. */
  db: z.optional(z.number().check(z.int({ error: 'expected an integer >= 0' }), z.gte(0, { error: 'expected an integer >= 0' }))),
  /** The `cache` port. On by default. `port` registers it under another name (a second Redis instance). */
  cache: section({ prefix: z.optional(text), wholeDb: z.optional(bool), port: z.optional(portName) }, 'prefix, wholeDb, port'),
  /** The `queue` port on BullMQ. On by default. `name` is the default queue, `prefix` BullMQ's key prefix. */
  queue: section(
    {
      name: z.optional(nonEmpty.check(z.refine((n) => !n.includes(':'), { error: 'expected a non-empty queue name without ":"' }))),
      prefix: z.optional(nonEmpty),
      /** getJobResult's wait when the call gives none, ms. Default 30 000. */
      defaultTimeoutMs: z.optional(z.number({ error: TIMER_MS_EXPECTED }).check(z.refine(isTimerMs, { error: TIMER_MS_EXPECTED }))),
      defaultTimeout: z.optional(z.unknown().check(z.refine(() => false, { error: 'renamed to defaultTimeoutMs (milliseconds)' }))),
      port: z.optional(portName),
    },
    'name, prefix, defaultTimeoutMs, port',
  ),
  /**
   * The state backend. On by default, and then it needs a scope: a prefix (`state.prefix`, or the shared
   * `prefix`) or `state: { wholeDb: true }`.
   */
  state: section(
    {
      prefix: z.optional(z.union([nonEmpty, z.array(nonEmpty).check(z.minLength(1))], { error: 'expected a non-empty string or a list of them' })),
      wholeDb: z.optional(bool),
      name: z.optional(nonEmpty),
    },
    'prefix, wholeDb, name',
  ),
})

export type RedisPluginOptions = z.input<typeof redisPluginOptions>
type Checked = z.output<typeof redisPluginOptions>

function fail(message: string): never {
  throw new PluginError(PLUGIN_NAME, `${PLUGIN_NAME}: ${message}`)
}

/** A section's settings: undefined when it is off. */
function settings<T extends object>(value: boolean | T | undefined): T | undefined {
  if (value === false) return undefined
  return value === undefined || value === true ? ({} as T) : value
}

/** Whether the state section names its own prefix (else the shared `prefix` sets its scope). */
function hasStatePrefix(state: Checked['state']): boolean {
  return typeof state === 'object' && state.prefix !== undefined
}

/** Resolve defaults and check what spans several options; each option's own type is the schema's job. */
export function resolveOptions(options: Checked) {
  const cache = settings(options.cache)
  const queue = settings(options.queue)
  const state = settings(options.state)
  const statePrefix = state?.prefix
  if (state?.wholeDb && statePrefix !== undefined) fail('give "state.prefix" or "state.wholeDb: true", not both')
  const sharedPrefix = options.prefix === '' ? undefined : options.prefix
  if (state && !state.wholeDb && statePrefix === undefined && sharedPrefix === undefined)
    fail(
      'the state backend needs a scope, because a rollback deletes every key in scope that the checkpoint did not ' +
        "have. Give the app's key prefix: ['@venomqa/adapter-redis', { prefix: 'myapp:' }] (or " +
        "{ state: { prefix: ['myapp:', 'sess:'] } }); or { state: { wholeDb: true } } to roll back every key of " +
        'the selected DB, deleting what other programs wrote there; or { state: false } for no Redis rollback',
    )

  // The runner lets one plugin entry register a port name twice (the later wins): the cache would be lost.
  if (cache && queue && (cache.port ?? 'cache') === (queue.port ?? 'queue'))
    fail(`"cache.port" and "queue.port" both name the port "${cache.port ?? 'cache'}": give each its own name`)
  const connection = { url: options.url ?? DEFAULT_REDIS_URL, db: options.db }
  return {
    connection,
    cache: cache && { ...connection, prefix: cache.prefix ?? sharedPrefix ?? '', wholeDb: cache.wholeDb, port: cache.port ?? 'cache' },
    queue: queue && { ...connection, name: queue.name, prefix: queue.prefix, defaultTimeoutMs: queue.defaultTimeoutMs, port: queue.port ?? 'queue' },
    state: state && {
      ...connection,
      name: state.name,
      wholeDb: state.wholeDb,
      prefix: state.wholeDb ? undefined : (statePrefix ?? sharedPrefix),
    },
  }
}

/**
 * Why the state backend's rollback would leave a queue's jobs (keys under `queueKeys`), or undefined when
 * its scope holds them or there is no backend. `where` names the option that set the scope.
 */
function jobsOutsideRollback(
  state: ReturnType<typeof resolveOptions>['state'],
  where: string | undefined,
): ((queueKeys: string, queue: string) => string | undefined) | undefined {
  if (!state || state.wholeDb || state.prefix === undefined) return undefined
  const scope = [state.prefix].flat()
  return (queueKeys, queue) => {
    if (scope.some((prefix) => queueKeys.startsWith(prefix))) return undefined
    const queuePrefix = queueKeys.slice(0, queueKeys.length - queue.length - 1)
    const at = where === undefined ? '' : `${where}: `
    return (
      `${at}the jobs of queue "${queue}" (keys ${queueKeys}*) are outside the scope of the Redis state backend (keys ${scope.map((p) => `${p}*`).join(', ')}), ` +
      "so a rollback leaves every job a path enqueued, and the paths after it see them: add the queue's prefix to the scope, " +
      `state: { prefix: [${[...scope, queuePrefix].map((p) => JSON.stringify(p)).join(', ')}] }`
    )
  }
}

/**
 * The Redis plugin: registers the `cache` and `queue` ports (or the names `cache.port` and `queue.port`
 * give), a `dump-restore` state backend and a `redis` health check. Nothing connects until first use; the
 * run's end closes every connection.
 */
const redisPlugin = definePlugin({
  name: PLUGIN_NAME,
  version: __VENOMQA_PKG_VERSION__,
  apiVersion: PLUGIN_API_VERSION,
  reporters: [],
  options: redisPluginOptions,
  // Declared for a refusal before setup (see Plugin.stateBackends). Options that setup refuses (no scope)
  // throw here too: then nothing is declared, and setup says what is wrong.
  stateBackends(options) {
    const { state } = resolveOptions(options)
    return state ? [{ name: state.name ?? REDIS_STATE_NAME, mechanism: 'dump-restore', parallelSafe: false }] : []
  },
  setup(api) {
    const resolved = resolveOptions(api.options)
    // A mistake in `url` found only on connecting (rediss:// for a server without TLS) is named where the
    // user wrote it, as the schema names the others.
    const urlWhere = api.where === undefined ? undefined : optionPath(api.where, ['url'])
    const closers: (() => Promise<void>)[] = []
    // Why the server does not answer, for `venomqa doctor`, not only that it does not.
    let health: (() => Promise<true | string>) | undefined
    // What the connections find that fails nothing (a password the server asks none for, a server BullMQ
    // advises against), said once for the entry as the plugin's warning, where ioredis and BullMQ printed
    // it to the console on every connection. Each port's connections find it alike.
    const told = new Set<string>()
    const onNotice = (message: string) => {
      if (told.has(message)) return
      told.add(message)
      api.log.warn(message)
    }
    let queuePort: BullQueue | undefined

    if (resolved.cache) {
      const { port, ...options } = resolved.cache
      const cache = new RedisCache({ ...options, urlWhere, onNotice })
      api.addPort(port, cache)
      closers.push(() => cache.close())
      health ??= () => pingProblem(cache.redis)
    }
    if (resolved.queue) {
      const { port, ...options } = resolved.queue
      const scopeWhere = api.where === undefined ? undefined : optionPath(api.where, hasStatePrefix(api.options.state) ? ['state', 'prefix'] : ['prefix'])
      const outsideRollback = jobsOutsideRollback(resolved.state, scopeWhere)
      const queue = new BullQueue({ ...options, urlWhere, onNotice, outsideRollback })
      queuePort = queue
      api.addPort(port, queue)
      closers.push(() => queue.close())
      health ??= () => pingProblem(queue.redis)
    }
    if (resolved.state) {
      const state = new RedisState({ ...resolved.state, urlWhere, onNotice })
      api.addStateBackend(state)
      // The runner disconnects backends itself; closing again here is harmless and covers a run that never connected.
      closers.push(() => state.disconnect())
      health ??= () => pingProblem(state.redis)
      api.log.debug(`redis state: ${state.scope}`)
    }
    const ping = health
    if (ping)
      api.addHealthCheck('redis', async () => {
        const answer = await ping()
        // `venomqa doctor` is where to hear the queue's advice on the server (its eviction policy) before
        // a run; what the queue refuses (a user without INFO) its first call tells, as a run meets it.
        if (answer === true) await queuePort?.checkServer().catch(() => {})
        return answer
      })
    api.onClose(async () => {
      await Promise.allSettled(closers.map((close) => close()))
    })
  },
})

export default redisPlugin
