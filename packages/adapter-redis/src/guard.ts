import { createHash, randomBytes } from 'node:crypto'
import { StateError, errorMessage } from '@venomqa/core'
import { Redis, ReplyError } from 'ioredis'
import { prefixPattern } from './connection'
import { RedisState, type RedisStateOptions } from './state'

/**
 * Workers isolated by key prefix share the main DB: a key the app of one writes without its prefix lands
 * in the main line's keys or in another worker's, where no rollback of that worker reaches it, and the
 * paths see each other's writes without a word. No SCAN can tell who wrote a key, as every lane writes at
 * once. So the app of each worker gets a Redis user of its own (in the URL it is given), which may read any
 * key but write only under its prefix: Redis refuses any other write (NOPERM) and records it in its ACL
 * LOG, which the worker's state backend reads at each checkpoint, rollback and release.
 * Workers with a DB each: Redis cannot keep a user's keys to a DB, but it can keep its SELECT to one
 * (`+select|<db>`), so the app's user may select no other DB, and a connection of it found in another DB
 * all the same (one opened on DB 0 sends no SELECT) fails the check too.
 */

/** Where a worker's app may write: under a key prefix of the main DB, or (keyPrefix '') anywhere in its own DB. */
export interface GuardedPlace {
  keyPrefix: string
  db: number
}

/** `key prefix "w1:"` or `DB 3`, for messages. */
export const placeWords = ({ keyPrefix, db }: GuardedPlace): string => (keyPrefix ? `key prefix ${JSON.stringify(keyPrefix)}` : `DB ${db}`)

/**
 * The Redis user of worker `index`'s app: one name per place (server, DB, key prefix), so that a later run
 * that makes the same worker replaces one a quit run left behind.
 */
export function guardUserOf(server: string, db: number, keyPrefix: string, index: number): string {
  const place = createHash('sha1').update(`${server}\0${db}\0${keyPrefix}`).digest('hex').slice(0, 10)
  return `venomqa-w${index}-${place}`
}

/**
 * What the app's user may not run, though `+@all` gives it the rest: what empties or swaps whole DBs (they
 * name no key), or writes a key into another DB (MOVE, COPY ... DB, MIGRATE), what would lift its rules or hide its refusals, after which a write outside its prefix
 * went through unseen: ACL SETUSER (of itself: `allkeys`), DELUSER, LOAD, ACL LOG (RESET empties it), CONFIG
 * SET (acllog-max-len 0 stops it), and what turns the server into a replica of another (which replaces every DB).
 */
const NOT_ALLOWED = ['-flushall', '-swapdb', '-move', '-copy', '-migrate', '-acl|setuser', '-acl|deluser', '-acl|load', '-acl|log', '-config|set', '-replicaof', '-slaveof', '-failover', '-debug', '-module']

/**
 * Make (or make again) `user`: it may read and write keys under `keyPrefix`, only read the others, use any
 * channel, and not empty a DB (FLUSHDB and FLUSHALL name no key, and would delete every lane's). Returns
 * its password, a new one each time, which only the worker's app is given (see NOT_ALLOWED for what else it may not run). Under the prefix it is `~`, not
 * `%W~`: Redis wants one pattern to grant all a command needs, and INCR both reads and writes.
 */
export async function createGuardUser(redis: Redis, user: string, { keyPrefix, db }: GuardedPlace): Promise<string> {
  const password = randomBytes(24).toString('hex')
  const keys = keyPrefix ? [`~${prefixPattern(keyPrefix)}`, '%R~*'] : ['~*']
  // With a key prefix, FLUSHDB would empty every lane's keys; with a DB of its own, only its own.
  const flushdb = keyPrefix ? ['-flushdb'] : []
  try {
    await redis.call('ACL', 'SETUSER', user, 'reset', 'on', `>${password}`, ...keys, '&*', '+@all', ...flushdb, ...NOT_ALLOWED, '-select', `+select|${db}`)
  } catch (err) {
    // ioredis keeps the command on its error, the password with it: gone before anything can print it.
    if (err && typeof err === 'object' && 'command' in err) delete (err as { command?: unknown }).command
    throw err
  }
  return password
}

/**
 * Why the guard could not see a refusal of `user` it caused itself, or undefined when it saw it. The guard
 * rests on Redis logging every refusal in its ACL LOG, which it does not when acllog-max-len is 0 (and the
 * user's rules may, on some server, let it through): so the worker's app user, once made, is refused one
 * write outside its prefix, of a key no one has (or, with a DB of its own, a SELECT of `otherDb`), and that
 * refusal must be in the log. A guard that could never see anything fails the worker at once, instead of
 * passing every check.
 */
export async function guardBlindness(redis: Redis, appUrl: string, user: string, { keyPrefix }: GuardedPlace, otherDb: number): Promise<string | undefined> {
  const probe = keyPrefix ? `venomqa-guard-probe:${randomBytes(8).toString('hex')}` : 'select'
  const app = new Redis(appUrl, { lazyConnect: true, enableReadyCheck: false, disableClientInfo: true, maxRetriesPerRequest: 0, enableOfflineQueue: false, retryStrategy: () => null })
  const watch = new RefusalWatch(user)
  try {
    await app.connect()
    await watch.unreported(redis)
    try {
      await (keyPrefix ? app.set(probe, '1') : app.select(otherDb))
    } catch (err) {
      if (!/NOPERM/.test(errorMessage(err))) throw err
      if ((await watch.unreported(redis)).refused.some((r) => r.object === probe)) return undefined
      const maxLen = await redis.call('CONFIG', 'GET', 'acllog-max-len').then(
        (reply) => (reply as string[])[1],
        () => undefined,
      )
      return `Redis refused the app's user ${keyPrefix ? 'a write outside its key prefix' : `a SELECT of DB ${otherDb}`}, but did not log it in its ACL LOG${maxLen === undefined ? ' (acllog-max-len may be 0; this connection may not read it)' : ` (acllog-max-len is ${maxLen})`}, so no refusal of the app could ever be seen`
    }
    if (!keyPrefix) return `Redis let the app's user SELECT DB ${otherDb}, though its rules allow only its own DB`
    await redis.del(probe)
    return `Redis let the app's user write "${probe}", outside its key prefix, though its rules allow writes only under it`
  } finally {
    app.disconnect()
  }
}

/**
 * The connections of `user` that are in another DB than `db` (a refused SELECT leaves a connection where it
 * was, and one opened on DB 0 sends none), by DB. CLIENT LIST says each connection's user and DB.
 */
export async function strayConnections(redis: Redis, user: string, db: number): Promise<Map<number, number>> {
  const list = String(await redis.call('CLIENT', 'LIST', 'TYPE', 'normal'))
  const byDb = new Map<number, number>()
  for (const line of list.split('\n')) {
    const field = (name: string) => new RegExp(`(?:^| )${name}=(\\S*)`).exec(line)?.[1]
    if (field('user') !== user) continue
    const at = Number(field('db'))
    if (at !== db) byDb.set(at, (byDb.get(at) ?? 0) + 1)
  }
  return byDb
}

export async function deleteGuardUser(redis: Redis, user: string): Promise<void> {
  await redis.call('ACL', 'DELUSER', user)
}

/** `url` with the worker's user and password in place of the main's. */
export function urlWithUser(url: string, user: string, password: string): string {
  const u = new URL(url)
  u.username = user
  u.password = password
  return u.toString()
}

/** A key (or a command, for FLUSHDB) Redis refused the worker's app, and how often. Never a value. */
export interface Refusal {
  /** `key` or `command`. */
  reason: string
  /** The key, or the command. */
  object: string
  /** The command of the last refusal: SET, EVAL... */
  command: string
  count: number
}

/** One entry of the ACL LOG, as a watch reads it. */
interface LogEntry {
  user: string
  reason: string
  object: string
  /** The command of its last refusal, from its client-info. */
  command: string
  count: number
  /** When Redis last added a refusal to it, in the server's ms: the look's TIME less the entry's age. */
  at: number
}

/** An ACL LOG entry's fields by name. */
function fieldsOf(entry: unknown[]): Map<string, unknown> {
  const fields = new Map<string, unknown>()
  for (let i = 0; i + 1 < entry.length; i += 2) fields.set(String(entry[i]), entry[i + 1])
  return fields
}

/**
 * The server's time (ms) and the newest `count` entries of its ACL LOG, read in one MULTI, so that both
 * are of one moment and each entry's age gives when it last changed, on the server's clock.
 */
async function readLog(redis: Redis, count: number): Promise<{ now: number; entries: LogEntry[] }> {
  const replies = (await redis.multi().time().call('ACL', 'LOG', String(count)).exec()) ?? []
  for (const [err] of replies) if (err) throw err
  const [seconds, micros] = (replies[0]?.[1] ?? []) as string[]
  const now = Number(seconds) * 1000 + Math.floor(Number(micros) / 1000)
  const entries = ((replies[1]?.[1] ?? []) as unknown[][]).map((entry) => {
    const fields = fieldsOf(entry)
    return {
      user: String(fields.get('username')),
      reason: String(fields.get('reason')),
      object: String(fields.get('object')),
      command: (/(?:^| )cmd=(\S+)/.exec(String(fields.get('client-info') ?? ''))?.[1] ?? '?').toUpperCase(),
      count: Number(fields.get('count') ?? 1),
      at: now - Math.round(Number(fields.get('age-seconds') ?? 0) * 1000),
    }
  })
  return { now, entries }
}

/** The log keeps acllog-max-len entries (128 by default), every user's: ask for more than it can hold. */
const WHOLE_LOG = 100_000

/**
 * Why a look cannot tell every refusal since the last one: the ACL LOG holds as many entries as it keeps
 * (or may, when acllog-max-len cannot be read), each of which changed since, so Redis may have dropped
 * others that had too.
 */
export interface BlindSpot {
  /** acllog-max-len; undefined when the connection may not read it. */
  maxLen: number | undefined
  /** How many entries the log holds. */
  entries: number
}

/** What a look found: the refusals since the last one, and whether the log may have lost others. */
export interface Look {
  refused: Refusal[]
  blindSpot?: BlindSpot
  /** Connections of the app's user in another DB than its own, by DB. */
  stray?: Map<number, number>
}

/**
 * What Redis refused a user since the last look: each refusal is told once. Redis puts each refusal at the
 * head of its log, in a new entry or one it adds to (its count grows, its age starts again), so an entry
 * that changed since the last look is one whose age is less than the time since. Neither counts nor the
 * newest entry can tell that: Redis adds a refusal to an equal entry only among the newest ten of the last
 * minute, else logs a new one with a count of 1, which reads as an older one of the same key (an earlier
 * run's, or one told before) once that is gone or as long as it is the newest; a refusal was then never told.
 * The log gives ages in whole ms: an entry of the last look's ms is new unless that look saw it as it is
 * (see changedSince).
 */
export class RefusalWatch {
  readonly user: string
  /** The server's time (ms) at the last look; undefined before the first, which only takes it. */
  #since: number | undefined
  /** The log as the last look that read all of it saw it, every user's entries. */
  #seen: LogEntry[] = []
  /** Set once the connection was refused CONFIG GET: it is not asked again (each refusal is an entry of the log). */
  #maxLenHidden = false

  constructor(user: string) {
    this.user = user
  }

  async unreported(redis: Redis): Promise<Look> {
    const since = this.#since
    // The newest entry first: when it has not changed since the last look, neither has any, and Redis
    // dropped none either, as it drops one only to make room for a new one (0.4 ms saved).
    let log = await readLog(redis, 1)
    this.#since = log.now
    const head = log.entries[0]
    // An empty log (ACL LOG RESET) holds nothing known either.
    if (!head) this.#seen = []
    if (!head || (since !== undefined && head.at < since - 1)) return { refused: [] }
    log = await readLog(redis, WHOLE_LOG)
    this.#since = log.now
    const seen = this.#seen
    this.#seen = log.entries
    if (since === undefined) return { refused: [] }
    const from = since - 1
    const { changed, gone } = changedSince(log.entries, seen)
    // A failed AUTH is logged under the name it tried (reason `auth`): no write, and maybe not even the app's
    // (an app of an earlier run of this place, still up with the password of then).
    const mine = (entries: readonly LogEntry[]) => entries.filter((e) => e.user === this.user && e.reason !== 'auth')
    const refused = sumRefusals(gained(mine(changed.filter((e) => e.at >= from)), mine(gone)))
    const blindSpot = await this.#blindSpot(redis, log.entries, changed, from)
    return { refused, ...(blindSpot ? { blindSpot } : {}) }
  }

  /**
   * Whether the log may have dropped an entry that changed at or after `from`. Redis drops the entry that
   * changed longest ago, and only to make room for a new one in a log that holds acllog-max-len. So while
   * the log holds an entry that has not changed since `from` (older, or seen as it is by the last look), it
   * dropped none that had; and when every entry changed since, it dropped none unless it is full. CONFIG GET
   * is asked only then.
   */
  async #blindSpot(redis: Redis, entries: readonly LogEntry[], changed: readonly LogEntry[], from: number): Promise<BlindSpot | undefined> {
    if (!entries.length || changed.length < entries.length || entries.some((e) => e.at < from)) return undefined
    const maxLen = await this.#maxLen(redis)
    return maxLen !== undefined && entries.length < maxLen ? undefined : { maxLen, entries: entries.length }
  }

  /** acllog-max-len, or undefined when the connection may not read it (CONFIG refused or renamed, as on managed Redis). */
  async #maxLen(redis: Redis): Promise<number | undefined> {
    if (this.#maxLenHidden) return undefined
    try {
      const value = Number(((await redis.call('CONFIG', 'GET', 'acllog-max-len')) as string[])[1])
      return Number.isInteger(value) ? value : undefined
    } catch (err) {
      if (!(err instanceof ReplyError)) throw err
      this.#maxLenHidden = true
      return undefined
    }
  }
}

/**
 * The entries of `now` that the last look did not see as they are (`changed`), and the entries it saw that
 * are no longer so (`gone`: grown since, or dropped). Each entry seen stands for one of `now` at most, so
 * that a new entry that reads like one still there is not taken for it. The look's TIME and the log's own
 * clock may fall in two ms, so an entry's time can read 1 ms off from one look to the next: one that
 * matches no entry exactly may match one within 1 ms.
 */
function changedSince(now: readonly LogEntry[], seen: readonly LogEntry[]): { changed: LogEntry[]; gone: LogEntry[] } {
  // By key (or command) refused, a string the entry holds already: a look compares up to two full logs.
  const left = new Map<string, LogEntry[]>()
  for (const k of seen) {
    const same = left.get(k.object)
    if (same) same.push(k)
    else left.set(k.object, [k])
  }
  const takes = (e: LogEntry, within: number) => {
    const same = left.get(e.object)
    const i = same ? same.findIndex((k) => k.count === e.count && k.user === e.user && k.reason === e.reason && Math.abs(k.at - e.at) <= within) : -1
    if (i >= 0) same!.splice(i, 1)
    return i >= 0
  }
  const changed = now.filter((e) => !takes(e, 0)).filter((e) => !takes(e, 1))
  return { changed, gone: [...left.values()].flat() }
}

/**
 * `changed` entries, each with the count it gained: one that grew from an entry of `gone` (Redis moved it
 * to the head) counts the difference.
 */
function gained(changed: readonly LogEntry[], gone: readonly LogEntry[]): LogEntry[] {
  const grownFrom = [...gone]
  const same = (a: LogEntry, b: LogEntry) => a.reason === b.reason && a.object === b.object
  return changed.map((e) => {
    const i = grownFrom.findIndex((k) => same(k, e) && k.count < e.count)
    if (i < 0) return e
    const [was] = grownFrom.splice(i, 1)
    return { ...e, count: e.count - was!.count }
  })
}

/** Entries summed by what was refused (Redis may log one thing in several entries). */
function sumRefusals(entries: readonly LogEntry[]): Refusal[] {
  const out = new Map<string, Refusal>()
  for (const e of entries) {
    const id = `${e.reason}\0${e.object}`
    const had = out.get(id)
    out.set(id, { reason: e.reason, object: e.object, command: had?.command ?? e.command, count: e.count + (had?.count ?? 0) })
  }
  return [...out.values()]
}

/** `"app:cart" (SET, 2 times), the command FLUSHDB`: key names only, never a value. */
function listRefusals(refused: readonly Refusal[]): string {
  const shown = refused.slice(0, 5).map((r) => {
    const times = r.count > 1 ? `${r.count} times` : ''
    if (r.reason !== 'key') return `the command ${r.object.toUpperCase()}${times ? ` (${times})` : ''}`
    return `${JSON.stringify(r.object)} (${[r.command, times].filter(Boolean).join(', ')})`
  })
  return `${shown.join(', ')}${refused.length > 5 ? `, and ${refused.length - 5} more` : ''}`
}

/** Who the guard is for, in messages, and where its app may write. */
export interface GuardedWorker extends GuardedPlace {
  index: number
  watch: RefusalWatch
}

/** What the log may have lost, said after `since`: `Redis's ACL LOG keeps only its newest 128 entries ...`. */
function logLost({ maxLen, entries }: BlindSpot, since: string): string {
  return maxLen === undefined
    ? `Redis's ACL LOG keeps only its newest acllog-max-len entries, of every user of the server, all ${entries} of its entries came since ${since}, and this connection may not read acllog-max-len (CONFIG GET) to tell whether that is all of them`
    : `Redis's ACL LOG keeps only its newest ${maxLen} entries (acllog-max-len), of every user of the server, and all ${entries} came since ${since}`
}

const capitalized = (s: string) => s.charAt(0).toUpperCase() + s.slice(1)

/** What to do about a blind spot, as a clause: `raise acllog-max-len on this Redis ...`. */
function blindAdvice({ maxLen }: BlindSpot): string {
  const raise = `raise acllog-max-len on this Redis so that its ACL LOG holds every refusal between two checks (redis-cli CONFIG SET acllog-max-len ${Math.max(1024, (maxLen ?? 0) * 4)}), and look in redis-cli ACL LOG for who is refused so often`
  return maxLen === undefined ? `allow the run's connection CONFIG GET, so that the guard can tell a full ACL LOG from one that is not, and ${raise}` : raise
}

/**
 * The state backend of a worker isolated by key prefix: a RedisState of its scope that also fails, at each
 * checkpoint, rollback, release and at its disconnect, when Redis refused a write of the worker's app
 * outside its key prefix since the last one. The refused write changed nothing; the app meant it though,
 * and a path that read the main line's keys instead of its own passed on them. A rollback is done all the
 * same (what the app wrote around it is undone), then fails. So does a check that cannot see every
 * refusal since the last one (the ACL LOG overflowed): it cannot tell, and a pass would say it could.
 */
export class GuardedRedisState extends RedisState {
  readonly #worker: GuardedWorker

  constructor(options: RedisStateOptions, worker: GuardedWorker) {
    super(options)
    this.#worker = worker
  }

  override async checkpoint(name: string): Promise<void> {
    await this.#refuse(`checkpoint "${name}"`)
    await super.checkpoint(name)
  }

  override async rollback(name: string): Promise<void> {
    const doing = `rollback to "${name}"`
    const look = await this.#look(doing)
    await super.rollback(name)
    const err = this.#failure(doing, look, ` (rolled back to "${name}" all the same)`)
    if (err) throw err
  }

  override async release(name: string): Promise<void> {
    await super.release(name)
    // Worded as the runner words any failed release, which it then shows as it is.
    await this.#refuse(`release "${name}" failed`)
  }

  override async disconnect(): Promise<void> {
    let look: Look = { refused: [] }
    try {
      look = await this.#look('disconnect')
    } finally {
      await super.disconnect()
    }
    const err = this.#failure('disconnect', look)
    if (err) throw err
  }

  async #refuse(doing: string): Promise<void> {
    const err = this.#failure(doing, await this.#look(doing))
    if (err) throw err
  }

  async #look(doing: string): Promise<Look> {
    const { watch, db } = this.#worker
    try {
      const [look, stray] = await Promise.all([watch.unreported(this.redis), strayConnections(this.redis, watch.user, db)])
      return { ...look, stray }
    } catch (err) {
      throw new StateError(this.name, `${doing}: cannot read the ACL LOG, where Redis records the writes it refused worker ${this.#worker.index}'s app, or CLIENT LIST: ${(err as Error).message}`, {
        cause: err,
      })
    }
  }

  #failure(doing: string, { refused, blindSpot, stray }: Look, after = ''): StateError | undefined {
    if (stray?.size) return this.#strayError(doing, stray, refused, after)
    if (refused.length) return this.#refusedError(doing, refused, blindSpot, after)
    if (!blindSpot) return undefined
    const { index, keyPrefix } = this.#worker
    // Told as a refusal: the backend did its own work, and cannot vouch for what the app did.
    return new StateError(
      this.name,
      `${doing}: cannot tell whether Redis refused worker ${index}'s app a ${keyPrefix ? 'write' : 'command'} outside its ${placeWords(this.#worker)} since the last check: ${logLost(blindSpot, 'then')}, so a refusal may have been pushed out unseen${after}`,
      { failure: 'refused', suggestion: `${capitalized(blindAdvice(blindSpot))}${keyPrefix ? '; or give each worker a DB of its own (leave keyPrefix out)' : ''}.` },
    )
  }

  #strayError(doing: string, stray: Map<number, number>, refused: readonly Refusal[], after: string): StateError {
    const { index, db } = this.#worker
    const where = [...stray].map(([at, n]) => `${n} connection${n > 1 ? 's' : ''} in DB ${at}`).join(', ')
    // Refusals are told once: said here too, or they would be lost.
    const alsoRefused = refused.length ? `; Redis also refused it: ${listRefusals(refused)}` : ''
    return new StateError(
      this.name,
      `${doing}: worker ${index}'s app has ${where}, not its DB ${db}: what it writes there lands in the main line's keys or another worker's, or another program's, which no rollback of this worker puts back${alsoRefused}${after}`,
      { failure: 'refused', suggestion: `Start worker ${index}'s app with resources.redisUrl as its Redis URL, DB ${db} included, and nothing that chooses another DB (a REDIS_DB of its own).` },
    )
  }

  #refusedError(doing: string, refused: readonly Refusal[], blindSpot: BlindSpot | undefined, after: string): StateError {
    const { index, keyPrefix, db } = this.#worker
    const more = blindSpot ? `, and maybe more: ${logLost(blindSpot, 'the last check')}, so others may have been pushed out unseen` : ''
    const also = blindSpot ? ` Also ${blindAdvice(blindSpot)}.` : ''
    if (!keyPrefix)
      return new StateError(
        this.name,
        `${doing}: worker ${index}'s app reached outside its DB ${db}, and Redis refused it: ${listRefusals(refused)}${more}. A connection refused SELECT stays in the DB it was in (DB 0 when new), where its writes land in the main line's keys or another worker's, which no rollback of this worker puts back; the app must use the DB of the URL it is given${after}`,
        { failure: 'refused', suggestion: `Start worker ${index}'s app with resources.redisUrl as its Redis URL, DB ${db} included, and nothing that chooses another DB (a REDIS_DB of its own).${also}` },
      )
    return new StateError(
      this.name,
      `${doing}: worker ${index}'s app wrote outside its key prefix ${JSON.stringify(keyPrefix)}, and Redis refused it: ${listRefusals(refused)}${more}. Workers share the main DB: such a write would land in the main line's keys or another worker's, which no rollback of this worker puts back, and the paths would see each other's writes; the app must put resources.redisKeyPrefix before every key it writes${after}`,
      {
        failure: 'refused',
        suggestion: `Start worker ${index}'s app with resources.redisKeyPrefix (${JSON.stringify(keyPrefix)}) before every key it writes: its cache's, its sessions' and BullMQ's prefixes (REDIS_PREFIX=\`\${resources.redisKeyPrefix}app:\`), or give each worker a DB of its own (leave keyPrefix out).${also}`,
      },
    )
  }

}
