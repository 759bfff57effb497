import { ConfigError, StateError, type StateBackend, type WorkerApp, type WorkerAppResources, type WorkerPart, asWorkerSetup, errorMessage, leftBehindBy, workerSetupMade } from '@venomqa/core'
import { type Redis, ReplyError } from 'ioredis'
import { RedisCache } from './cache'
import { DB_PATH_EXPECTED, DEFAULT_REDIS_URL, type OwnedClient, chunks, closeClient, dbFromPath, openClient, prefixPattern, requireDb, sameDb, scanScope } from './connection'
import { GuardedRedisState, type GuardedPlace, RefusalWatch, createGuardUser, deleteGuardUser, guardBlindness, guardUserOf, placeWords, strayConnections, urlWithUser } from './guard'
import { BullQueue } from './queue'
import { type DumpedKey, dumpBatch, restoreBatch, restoreBatches, restoreOpOf } from './scripts'
import { RedisState } from './state'

/** What a redis part gives the app of each worker. */
export interface RedisWorkerResources {
  /** The worker's Redis: the main one's server, and the worker's own DB (`redis://host:6379/<db>`). */
  redisUrl: string
  /** With `keyPrefix`: what the app must put before every key it writes (its cache prefix, BullMQ's prefix); '' with a DB per worker. */
  redisKeyPrefix: string
}

export interface RedisWorkersOptions {
  /** The main Redis and DB (`redis://host:6379/<db>`), worker 0's. Default redis://127.0.0.1:6379. */
  url?: string
  /** The app's keys, copied at each sync: a prefix or several, as for the state backend. This or `wholeDb` is required. */
  prefix?: string | string[]
  /** Every key of the main DB is the app's (each worker's DB is then the app's alone too). */
  wholeDb?: boolean
  /** The DB of worker `index`. Default: the main DB's index + `index` (DB 0's workers use DBs 1, 2, 3...). */
  db?(index: number, mainDb: number): number
  /**
   * Isolate workers by key prefix instead, in the main DB: worker `index`'s copy of a key is `keyPrefix(index)
   * + key`, and its app must put `resources.redisKeyPrefix` before every key it writes. Needs `prefix`.
   */
  keyPrefix?(index: number): string
  /** Start the app for worker `index` against `redisUrl`. Leave it out inside composeWorkers, whose startApp gets every part's resources. */
  startApp?(index: number, redisUrl: string, resources: WorkerAppResources<RedisWorkerResources>): Promise<WorkerApp>
  /** The environment variable that carries the worker's Redis URL to its app (`resources.env`). Default REDIS_URL. */
  env?: string
  /**
   * The app of each worker connects as a Redis user of its own (in `redisUrl`). With `keyPrefix` it may read
   * any key but write only under its prefix; with a DB per worker it may SELECT no other DB. A write elsewhere
   * (the main line's keys, another worker's) is refused and fails the worker's next checkpoint, rollback or
   * release, naming the key or the command; so does a connection of the user found in another DB.
   * Default true; needs Redis 7 and a connection allowed ACL SETUSER, ACL DELUSER, ACL LOG and CLIENT LIST. `false` goes without.
   */
  guardWrites?: boolean
}

const PART = 'redisWorkers'
/** Keys per script call, as the state backend does. */
const BATCH = 2000

/** One worker's view: its DB (or key prefix), and clients on the main DB and on its own. */
interface Worker {
  main: OwnedClient
  mine: OwnedClient
  /** Put before every main key to get the worker's key; empty with a DB per worker. */
  keyPrefix: Buffer
}

/**
 * Worker setup (and part for composeWorkers) for apps that keep state in Redis: each worker gets a DB of
 * its own (or, with `keyPrefix`, a key prefix in the main DB), its own state backend, and its own copy of
 * the run's `cache` and `queue` ports when they are on the main DB. At each sync the app's keys in the
 * main DB, at the checkpoint, are copied into the worker's with DUMP/RESTORE, their TTLs still running,
 * and the worker's keys in scope that the main DB does not have are deleted.
 */
export function redisWorkers(options: RedisWorkersOptions) {
  const o = options ?? ({} as RedisWorkersOptions)
  const prefixes = o.prefix === undefined ? [] : Array.isArray(o.prefix) ? o.prefix : [o.prefix]
  if (prefixes.some((p) => typeof p !== 'string' || p === ''))
    throw new ConfigError(`${PART}: \`prefix\` must be a non-empty string or a list of them, got ${JSON.stringify(o.prefix)}`, { where: 'prefix' })
  if (o.wholeDb && prefixes.length) throw new ConfigError(`${PART}: give \`prefix\` or \`wholeDb: true\`, not both`, { where: 'prefix' })
  if (!o.wholeDb && !prefixes.length)
    throw new ConfigError(
      `${PART}: say which keys are the app's, the ones copied to every worker: \`prefix: 'myapp:'\` (or a list), or \`wholeDb: true\` when the main DB is the app's alone`,
      { where: 'prefix' },
    )
  if (o.keyPrefix && o.db) throw new ConfigError(`${PART}: give \`db\` (a DB per worker) or \`keyPrefix\` (a key prefix per worker), not both`, { where: 'keyPrefix' })
  if (o.keyPrefix && o.wholeDb)
    throw new ConfigError(`${PART}: with \`wholeDb\` every key of the main DB is the app's, workers' keys included; give the app's \`prefix\` to isolate workers by \`keyPrefix\``, {
      where: 'keyPrefix',
    })
  for (const key of ['db', 'keyPrefix', 'startApp'] as const)
    if (o[key] !== undefined && typeof o[key] !== 'function') throw new ConfigError(`${PART}: \`${key}\` must be a function of the worker's index`, { where: key })
  if (o.guardWrites !== undefined && typeof o.guardWrites !== 'boolean')
    throw new ConfigError(`${PART}: \`guardWrites\` must be true or false, got ${JSON.stringify(o.guardWrites)}`, { where: 'guardWrites' })
  /** Each worker's app gets a Redis user that may write only under its key prefix, or only in its DB (see guard.ts). */
  const guarded = o.guardWrites !== false
  const url = o.url ?? DEFAULT_REDIS_URL
  const mainDb = dbOf(url)
  const workers = new Map<number, Worker>()
  const server = serverOf(url)
  /** This setup's own entry in `heldPlaces`, one object per worker, so that each removes only its own. */
  const placeHeld = new Map<number, HeldPlace>()
  /** The main DB's keys this setup copies from and its state backend rolls back: no worker of another setup may land there. */
  const mainHeld: HeldPlace = { server, db: mainDb, keyPrefix: '', scope: prefixes.length ? prefixes : [''], worker: 0, main: true }
  /** The main place is held while this setup has workers: given up with its last one, so that a later setup may use that DB for its workers. */
  const releaseMainWhenIdle = () => {
    if (!placeHeld.size) heldPlaces.delete(mainHeld)
  }

  /** Worker `index`'s DB and key prefix, checked against the main's scope. */
  const placeOf = (index: number): { db: number; keyPrefix: string } => {
    if (o.keyPrefix) {
      const keyPrefix = o.keyPrefix(index)
      if (typeof keyPrefix !== 'string' || keyPrefix === '')
        throw new ConfigError(`${PART}: keyPrefix(${index}) must return a non-empty string, got ${JSON.stringify(keyPrefix)}`, { where: 'keyPrefix' })
      // The main's rollback deletes the keys in its scope that its checkpoint lacks: a worker's keys must lie outside it.
      const clash = prefixes.flatMap((p) => prefixes.filter((q) => (keyPrefix + p).startsWith(q) || q.startsWith(keyPrefix + p)).map((q) => [p, q]))
      if (clash.length)
        throw new ConfigError(
          `${PART}: worker ${index}'s keys ("${keyPrefix}${clash[0]![0]}...") would be inside the main's scope ("${clash[0]![1]}..."), whose rollback deletes them; choose a keyPrefix that no prefix of the app starts with`,
          { where: 'keyPrefix' },
        )
      return { db: mainDb, keyPrefix }
    }
    const db = o.db ? o.db(index, mainDb) : mainDb + index
    if (!Number.isInteger(db) || db < 0) throw new ConfigError(`${PART}: db(${index}) must return a DB index (an integer >= 0), got ${JSON.stringify(db)}`, { where: 'db' })
    if (db === mainDb) throw new ConfigError(`${PART}: worker ${index} would use the main DB ${mainDb}; give each worker a DB of its own (or use keyPrefix)`, { where: 'db' })
    return { db, keyPrefix: '' }
  }

  /** The main DB in use as a worker's place by another setup, which would overwrite and delete its keys: refused. */
  const refuseMainInUse = () => {
    const worker = [...heldPlaces].find((other) => !other.main && placesOverlap(other, mainHeld))
    if (worker)
      throw new ConfigError(
        `${PART}: the main DB ${mainDb}${describeScope(mainHeld)} is in use as worker ${worker.worker}'s place by another redisWorkers setup, which overwrites and deletes keys there; give that setup's workers places no setup uses (its db(index) or keyPrefix(index))`,
        { where: 'url' },
      )
  }

  const part: WorkerPart<RedisWorkerResources> = {
    part: PART,
    needsApp: true,
    /**
     * Asked for every part before any part's worker is prepared (composeWorkers): the main place is held
     * from then, so that another setup's worker made at the same moment cannot land on it.
     */
    check() {
      if (heldPlaces.has(mainHeld)) return
      refuseMainInUse()
      heldPlaces.add(mainHeld)
    },
    // Before the run's first journey: the same refusal, holding nothing (no worker may be made after it).
    checkConfig() {
      if (!heldPlaces.has(mainHeld)) refuseMainInUse()
    },
    async prepare(index, main, signal) {
      // Given up before it began: nothing held, nothing written.
      signal?.throwIfAborted()
      part.check?.(main)
      const { db, keyPrefix } = placeOf(index)
      const held: HeldPlace = { server, db, keyPrefix, scope: prefixes.length ? prefixes.map((p) => keyPrefix + p) : [keyPrefix], worker: index }
      const taken = [...heldPlaces].find((other) => other !== mainHeld && placeHeld.get(index) !== other && placesOverlap(other, held))
      if (taken?.main)
        throw new ConfigError(
          `${PART}: worker ${index}'s place (DB ${db}${keyPrefix ? `, keys under "${keyPrefix}"` : ''}) holds keys of another redisWorkers setup's main DB (DB ${taken.db}${describeScope(taken)}), which a worker would overwrite and delete at its end; ${keyPrefix ? 'keyPrefix(index)' : 'db(index)'} must give each worker a place no setup uses`,
          { where: keyPrefix ? 'keyPrefix' : 'db' },
        )
      if (taken)
        throw new ConfigError(
          `${PART}: worker ${index}'s place (DB ${db}${keyPrefix ? `, keys under "${keyPrefix}"` : ''}) overlaps worker ${taken.worker}'s (DB ${taken.db}${taken.keyPrefix ? `, keys under "${taken.keyPrefix}"` : ''}), which is in use; ${keyPrefix ? 'keyPrefix(index)' : 'db(index)'} must give each worker a place of its own`,
          { where: keyPrefix ? 'keyPrefix' : 'db' },
        )
      const release = () => {
        heldPlaces.delete(held)
        if (placeHeld.get(index) === held) placeHeld.delete(index)
        releaseMainWhenIdle()
      }
      const connection = { url, db }
      const worker: Worker = { main: openClient({ url, db: mainDb }), mine: openClient(connection), keyPrefix: Buffer.from(keyPrefix) }
      // Still before the first await, so that two workers prepared at once cannot both pass the check.
      const previous = placeHeld.get(index)
      if (previous) heldPlaces.delete(previous)
      heldPlaces.add(held)
      placeHeld.set(index, held)
      const scope = scopeOf(prefixes, keyPrefix)
      const keysLeft = keysLeftOf(url, db, scope, prefixes.length ? markerOf(worker) : undefined)
      /** Set once this worker writes to its place: from then on, a run quit at once names its keys. */
      let removed: (() => void) | undefined
      const user = guarded ? guardUserOf(server, db, keyPrefix, index) : undefined
      const userLeft = user ? userLeftOf(url, user) : undefined
      /** Set once its app's Redis user is made: from then on, a run quit at once names it. */
      let userRemoved: (() => void) | undefined
      let guard: { password: string; watch: RefusalWatch } | undefined
      // The run's ports on the main DB get a twin on the worker's; ports elsewhere stay shared.
      const ports: Record<string, unknown> = {}
      try {
        await requireDb(worker.mine, 'db')
        // Given up (the run closes, or the create ran past pluginTimeout): stop before writing anything.
        signal?.throwIfAborted()
        await refuseForeignKeys(worker, scope, index)
        removed = workerSetupMade(keysLeft)
        await takePlace(worker, scope, index)
        if (user) {
          const place = { keyPrefix, db }
          const password = await guardCall(index, place, () => createGuardUser(worker.mine.redis, user, place))
          userRemoved = workerSetupMade(userLeft!)
          const blind = await guardCall(index, place, () => guardBlindness(worker.mine.redis, urlWithUser(withDb(url, db), user, password), user, place, mainDb))
          if (blind)
            throw new ConfigError(
              `${PART}: cannot guard worker ${index}'s ${placeWords(place)}: ${blind}. Set acllog-max-len to 128 or more on this Redis (redis-cli CONFIG SET acllog-max-len 128), or give \`guardWrites: false\` to go without; a write of the app outside its ${place.keyPrefix ? 'key prefix' : `DB ${place.db}`} then goes unseen`,
              { where: 'guardWrites' },
            )
          // Refusals an earlier run's worker of this place left in the ACL LOG are not this run's.
          const watch = new RefusalWatch(user)
          await guardCall(index, place, () => watch.unreported(worker.mine.redis))
          // Each check also looks for the app's connections in another DB: a server that refuses it, refused now.
          await guardCall(index, place, () => strayConnections(worker.mine.redis, user, db))
          guard = { password, watch }
        }
        signal?.throwIfAborted()
        for (const [name, port] of main.ports)
          if ((port instanceof RedisCache || port instanceof BullQueue) && (await sameDb(port.redis, worker.main.redis))) ports[name] = port.twin(connection, keyPrefix)
        signal?.throwIfAborted()
      } catch (err) {
        // Undone here: composeWorkers undoes only the parts whose prepare returned. Keys that cannot be
        // deleted would outlive the run unseen: the error says so, with the command that deletes them.
        await Promise.allSettled(Object.values(ports).map((p) => (p as RedisCache | BullQueue).close()))
        const userLeftMessage = userRemoved ? await removeUser(`${PART}: `) : undefined
        const keysLeftMessage = removed
          ? await removeWorkerKeys(worker, scope).then(
              () => void removed?.(),
              (removeErr: unknown) => `${PART}: deleting worker ${index}'s keys failed (${errorMessage(removeErr)}); they are left behind: ${keysLeft.remove}`,
            )
          : undefined
        release()
        await Promise.all([closeClient(worker.main), closeClient(worker.mine)])
        const out =
          err instanceof ConfigError || (signal?.aborted && err === signal.reason)
            ? err
            : new StateError(`redis:w${index}`, `cannot use Redis DB ${db} at ${worker.mine.where}: ${errorMessage(err)}`, { cause: err })
        const left = [keysLeftMessage, userLeftMessage].filter((m): m is string => m !== undefined)
        throw left.length ? leftBehindBy(out, left) : out
      }
      /** Delete the app's Redis user (which ends the app's connections): undefined when done, else what is left behind. */
      async function removeUser(from = ''): Promise<string | undefined> {
        try {
          await deleteGuardUser(worker.mine.redis, user!)
          userRemoved?.()
          return undefined
        } catch (err) {
          return `${from}deleting worker ${index}'s Redis user failed (${errorMessage(err)}); it is left behind: ${userLeft!.remove}`
        }
      }
      workers.set(index, worker)
      const redisUrl = guard ? urlWithUser(withDb(url, db), user!, guard.password) : withDb(url, db)
      const stateOptions = { ...connection, name: `redis:w${index}`, ...(o.wholeDb ? { wholeDb: true } : { prefix: prefixes.map((p) => keyPrefix + p) }) }
      return {
        resources: { redisUrl, redisKeyPrefix: keyPrefix },
        env: { [o.env ?? 'REDIS_URL']: redisUrl },
        stateBackends: [guard ? new GuardedRedisState(stateOptions, { index, keyPrefix, db, watch: guard.watch }) : new RedisState(stateOptions)],
        ports,
        close: async () => {
          workers.delete(index)
          await Promise.allSettled(Object.values(ports).map((p) => (p as RedisCache | BullQueue).close()))
          const left: string[] = []
          try {
            await removeWorkerKeys(worker, scope).then(
              () => removed?.(),
              (err: unknown) => left.push(`deleting worker ${index}'s keys failed (${errorMessage(err)}); they are left behind: ${keysLeft.remove}`),
            )
            const userLeftMessage = userRemoved ? await removeUser() : undefined
            if (userLeftMessage) left.push(userLeftMessage)
          } finally {
            release()
            await Promise.all([closeClient(worker.main), closeClient(worker.mine)])
          }
          if (left.length) throw new Error(left.join('; '))
        },
      }
    },
    async sync(index) {
      const worker = workers.get(index)
      if (!worker) throw new Error(`worker ${index} was not created`)
      try {
        await copyKeys(worker, prefixes, `redis:w${index}`)
      } catch (err) {
        if (err instanceof StateError) throw err
        throw new StateError(`redis:w${index}`, `copying the main DB (${worker.main.where}) to worker ${index}'s (${worker.mine.where}) failed: ${(err as Error).message}`, { cause: err })
      }
    },
    covers: (b: StateBackend) => b instanceof RedisState,
  }
  const startApp = o.startApp
  return asWorkerSetup(part, startApp && ((index, resources) => startApp(index, resources.redisUrl, resources)), 'startApp(index, redisUrl)')
}

/** Where a worker's keys are: a server, a DB, and the key prefixes in scope there ('' for every key). */
interface HeldPlace {
  server: string
  db: number
  keyPrefix: string
  scope: string[]
  worker: number
  /** A setup's main DB, not a worker's place: no worker may overlap it. */
  main?: boolean
}

/** `, keys under "app:"`, or nothing for a whole DB. */
function describeScope(place: HeldPlace): string {
  return place.scope.length === 1 && place.scope[0] === '' ? '' : `, keys under ${place.scope.map((s) => `"${s}"`).join(', ')}`
}

/**
 * The places of the workers being prepared or running, in this process, whichever redisWorkers setup
 * made them (two plugin entries may map workers onto one DB). A worker that claimed a place another holds
 * deleted that one's keys (the marker is there), and the two then shared their state without a word.
 */
const heldPlaces = new Set<HeldPlace>()

/** The server a URL names, loopback names counted as one (`localhost` and `127.0.0.1` are the same Redis). */
function serverOf(url: string): string {
  const u = new URL(url)
  const host = /^(localhost|127(\.\d+){3}|\[::1\]|::1)$/i.test(u.hostname) ? 'loopback' : u.hostname.toLowerCase()
  return `${host}:${u.port || '6379'}`
}

/** Whether two places share keys: one DB of one server, and a key prefix in scope that one starts with the other. */
function placesOverlap(a: HeldPlace, b: HeldPlace): boolean {
  if (a.server !== b.server || a.db !== b.db) return false
  return a.scope.some((x) => b.scope.some((y) => x.startsWith(y) || y.startsWith(x)))
}

/** SCAN patterns of a scope: the prefixes (each after `keyPrefix`), or every key. */
function scopeOf(prefixes: string[], keyPrefix: string): (string | undefined)[] {
  return prefixes.length ? prefixes.map((p) => prefixPattern(keyPrefix + p)) : [undefined]
}

/** Says that the keys in scope around it are a worker's: written by this package, to be deleted at will. */
const MARKER = '__venomqa_worker__'
const markerOf = (worker: Worker) => Buffer.concat([worker.keyPrefix, Buffer.from(MARKER)])
const isMarker = (worker: Worker, key: Buffer) => key.equals(markerOf(worker))

/**
 * A worker's place (DB or key prefix) holding keys in scope that no worker wrote (no marker) is someone
 * else's: refused rather than emptied. Writes nothing.
 */
async function refuseForeignKeys(worker: Worker, patterns: (string | undefined)[], index: number): Promise<void> {
  const redis = worker.mine.redis
  const found = (await scanScope(redis, patterns)).filter((k) => !isMarker(worker, k))
  if (found.length && !(await redis.exists(markerOf(worker))))
    throw new ConfigError(
      `${PART}: worker ${index}'s place (${worker.mine.where}${worker.keyPrefix.length ? `, keys under "${worker.keyPrefix}"` : ''}) already holds ${found.length} key(s) of the app's scope that no worker wrote (${found
        .slice(0, 3)
        .map((k) => `"${k.toString()}"`)
        .join(', ')}${found.length > 3 ? ', ...' : ''}); a worker deletes them. Give workers places of their own with ${worker.keyPrefix.length ? 'keyPrefix(index)' : 'db(index)'}, or empty that one`,
      { where: worker.keyPrefix.length ? 'keyPrefix' : 'db' },
    )
}

/** Make the worker's place its own: marked as a worker's, and emptied of what an earlier worker left there. */
async function takePlace(worker: Worker, patterns: (string | undefined)[], index: number): Promise<void> {
  await worker.mine.redis.set(markerOf(worker), `worker ${index}`)
  await removeKeys(worker.mine.redis, patterns, markerOf(worker))
}

/** Delete a worker's keys in scope, then its marker: its place is left as it was before the worker. */
async function removeWorkerKeys(worker: Worker, patterns: (string | undefined)[]): Promise<void> {
  await removeKeys(worker.mine.redis, patterns, markerOf(worker))
  await worker.mine.redis.del(markerOf(worker))
}

/**
 * A worker's keys as a run quit at once names them: their patterns and DB (the server too, when it is not
 * redis-cli's default), with the redis-cli command that deletes them, which holds no password.
 */
function keysLeftOf(url: string, db: number, patterns: (string | undefined)[], marker: Buffer | undefined) {
  const { cli, server } = redisCliOf(url)
  const shown = patterns.map((p) => p ?? '*')
  // One short EVAL per SCAN step, the cursor kept by the shell: a script is atomic, and one that SCANned a
  // whole DB blocked every client of the server for as long as it ran. The loop stops at the cursor 0, or
  // at anything else redis-cli prints (an error, said on stderr).
  const commands = shown.map(
    (p) => `c=0; while c=$(${cli} -n ${db} EVAL ${shellQuoted(DELETE_STEP)} 0 ${shellQuoted(p)} "$c") && [ "$c" != 0 ]; do case $c in ''|*[!0-9]*) echo "$c" >&2; break; esac; done`,
  )
  if (marker) commands.push(`${cli} -n ${db} del ${shellQuoted(marker.toString())}`)
  return {
    kind: 'Redis keys',
    name: shown.join(', '),
    where: `DB ${db}${server ? ` at ${server}` : ''}`,
    remove: commands.join('; '),
  }
}

/** A worker's Redis user as a run quit at once names it (see guard.ts), with the redis-cli command that deletes it. */
function userLeftOf(url: string, user: string) {
  const { cli, server } = redisCliOf(url)
  return { kind: 'Redis user', name: user, ...(server ? { where: `at ${server}` } : {}), remove: `${cli} ACL DELUSER ${shellQuoted(user)}` }
}

/** The redis-cli command for the server of `url`, with no password, and the server when it is not redis-cli's default. */
function redisCliOf(url: string): { cli: string; server?: string } {
  const u = new URL(url)
  const host = u.hostname.replace(/^\[(.*)\]$/, '$1')
  const port = u.port || '6379'
  const defaultServer = /^(127\.0\.0\.1|localhost)$/i.test(host) && port === '6379'
  const cli = `redis-cli${defaultServer ? '' : ` -h ${shellQuoted(host)} -p ${port}`}${u.protocol === 'rediss:' ? ' --tls' : ''}`
  return defaultServer ? { cli } : { cli, server: `${host.includes(':') ? `[${host}]` : host}:${port}` }
}

/**
 * Make or read what keeps worker `index`'s app to its key prefix (see guard.ts): a server that refuses (no
 * ACL before Redis 6, no key permissions before 7, a user not allowed ACL) is a ConfigError saying how to go without.
 */
async function guardCall<T>(index: number, place: GuardedPlace, call: () => Promise<T>): Promise<T> {
  try {
    return await call()
  } catch (err) {
    if (!(err instanceof ReplyError)) throw err
    throw new ConfigError(
      `${PART}: cannot make the Redis user that lets worker ${index}'s app write only ${place.keyPrefix ? `under its key prefix "${place.keyPrefix}"` : `in its DB ${place.db}`} (${errorMessage(err)}): that needs Redis 7 or later, and a connection allowed ACL SETUSER, ACL DELUSER, ACL LOG and CLIENT LIST. Give \`guardWrites: false\` to go without; a write of the app outside its ${place.keyPrefix ? 'key prefix' : `DB ${place.db}`} then goes unseen`,
      { where: 'guardWrites' },
    )
  }
}

/**
 * One step of deleting every key matching ARGV[1]: a SCAN from cursor ARGV[2] (of about 1000 slots of the
 * keyspace) and an UNLINK of what it found (freed in the background), returning the next cursor, "0" at
 * the end. Keys travel as Lua values, never as shell words: `redis-cli --scan | xargs redis-cli del` broke
 * on a key with a space, a quote or a newline. Written without `'`, so that it stays one readable
 * single-quoted shell word.
 */
const DELETE_STEP =
  'local r = redis.call("SCAN", ARGV[2], "MATCH", ARGV[1], "COUNT", 1000) local keys = r[2] for i = 1, #keys, 500 do redis.call("UNLINK", unpack(keys, i, math.min(i + 499, #keys))) end return r[1]'

/** `text` as one shell word: in single quotes, each `'` in it closed, escaped and reopened. */
function shellQuoted(text: string): string {
  return /^[\w./:@%+=-]+$/.test(text) ? text : `'${text.replace(/'/g, "'\\''")}'`
}

async function removeKeys(redis: Redis, patterns: (string | undefined)[], keep?: Buffer): Promise<void> {
  const keys = (await scanScope(redis, patterns)).filter((k) => !keep || !k.equals(keep))
  for (const batch of chunks(keys, BATCH)) await redis.unlink(...batch)
}

/**
 * The main DB's keys in scope, DUMPed with their remaining TTL, RESTOREd (REPLACE) under the worker's
 * names; the worker's keys in scope the main does not have are deleted. TTLs keep running: a key gets
 * what it had left when dumped minus the time since.
 */
async function copyKeys(worker: Worker, prefixes: string[], backend: string): Promise<void> {
  const mainKeys = await scanScope(worker.main.redis, scopeOf(prefixes, ''))
  const rename = (key: Buffer) => (worker.keyPrefix.length ? Buffer.concat([worker.keyPrefix, key]) : key)
  const saved: ({ key: Buffer } & DumpedKey)[] = []
  for (const batch of chunks(mainKeys, BATCH)) {
    const dumped = await dumpBatch(worker.main.redis, batch)
    batch.forEach((key, i) => {
      const d = dumped[i]
      if (d) saved.push({ key: rename(key), ...d })
    })
  }
  const keep = new Set(saved.map((s) => s.key.toString('latin1')))
  const stale = (await scanScope(worker.mine.redis, scopeOf(prefixes, worker.keyPrefix.toString()))).filter((k) => !keep.has(k.toString('latin1')) && !isMarker(worker, k))
  type Op = { key: Buffer; saved?: DumpedKey }
  const ops: Op[] = [...stale.map((key) => ({ key })), ...saved.map((s) => ({ key: s.key, saved: s }))]
  const failures: string[] = []
  for (const batch of restoreBatches(ops, BATCH)) {
    const now = performance.now()
    // A key expired since it was dumped is absent on the main DB by now too: restoreOpOf deletes it.
    const failed = await restoreBatch(
      worker.mine.redis,
      batch.map(({ key, saved }) => (saved ? restoreOpOf(key, saved, now) : { key, ttl: -1 })),
    )
    for (const f of failed) failures.push(`${f.key.toString()}: ${f.error}`)
  }
  if (failures.length)
    throw new StateError(backend, `could not copy ${failures.length} key(s) to ${worker.mine.where}: ${failures.slice(0, 5).join('; ')}${failures.length > 5 ? '; ...' : ''}`)
}

function dbOf(url: string): number {
  let path = ''
  try {
    path = new URL(url).pathname.replace(/^\//, '')
  } catch {
    throw new ConfigError(`${PART}: \`url\` is not a valid redis:// URL`, { where: 'url' })
  }
  const db = dbFromPath(path)
  if (db === undefined) throw new ConfigError(`${PART}: ${DB_PATH_EXPECTED}`, { where: 'url' })
  return db
}

function withDb(url: string, db: number): string {
  const u = new URL(url)
  u.pathname = `/${db}`
  return u.toString()
}
