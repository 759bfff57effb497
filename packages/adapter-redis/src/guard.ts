import { createHash, randomBytes } from 'node:crypto'
import { StateError } from '@venomqa/core'
import type { Redis } from 'ioredis'
import { prefixPattern } from './connection'
import { RedisState, type RedisStateOptions } from './state'

/**
 * Workers isolated by key prefix share the main DB: a key the app of one writes without its prefix lands
 * in the main line's keys or in another worker's, where no rollback of that worker reaches it, and the
 * paths see each other's writes without a word. No SCAN can tell who wrote a key, as every lane writes at
 * once. So the app of each worker gets a Redis user of its own (in the URL it is given), which may read any
 * key but write only under its prefix: Redis refuses any other write (NOPERM) and records it in its ACL
 * LOG, which the worker's state backend reads at each checkpoint, rollback and release.
 */

/**
 * The Redis user of worker `index`'s app: one name per place (server, DB, key prefix), so that a later run
 * that makes the same worker replaces one a quit run left behind.
 */
export function guardUserOf(server: string, db: number, keyPrefix: string, index: number): string {
  const place = createHash('sha1').update(`${server}\0${db}\0${keyPrefix}`).digest('hex').slice(0, 10)
  return `venomqa-w${index}-${place}`
}

/**
 * Make (or make again) `user`: it may read and write keys under `keyPrefix`, only read the others, use any
 * channel, and not empty a DB (FLUSHDB and FLUSHALL name no key, and would delete every lane's). Returns
 * its password, a new one each time, which only the worker's app is given. Under the prefix it is `~`, not
 * `%W~`: Redis wants one pattern to grant all a command needs, and INCR both reads and writes.
 */
export async function createGuardUser(redis: Redis, user: string, keyPrefix: string): Promise<string> {
  const password = randomBytes(24).toString('hex')
  try {
    await redis.call('ACL', 'SETUSER', user, 'reset', 'on', `>${password}`, `~${prefixPattern(keyPrefix)}`, '%R~*', '&*', '+@all', '-flushdb', '-flushall')
  } catch (err) {
    // ioredis keeps the command on its error, the password with it: gone before anything can print it.
    if (err && typeof err === 'object' && 'command' in err) delete (err as { command?: unknown }).command
    throw err
  }
  return password
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
 * What Redis refused a user since the last look: each refusal is told once. Redis puts each refusal at the
 * head of its log, in a new entry or one it adds to (its count grows, its age starts again), so an entry
 * that changed since the last look is one whose age is less than the time since. Neither counts nor the
 * newest entry can tell that: Redis adds a refusal to an equal entry only among the newest ten of the last
 * minute, else logs a new one with a count of 1, which reads as an older one of the same key (an earlier
 * run's, or one told before) once that is gone or as long as it is the newest; a refusal was then never told.
 * The log gives ages in whole ms: an entry of the last look's ms is new unless that look saw it as it is.
 */
export class RefusalWatch {
  readonly user: string
  /** The server's time (ms) at the last look; undefined before the first, which only takes it. */
  #since: number | undefined
  /** This user's entries as the last look that read the whole log saw them. */
  #known: LogEntry[] = []

  constructor(user: string) {
    this.user = user
  }

  async unreported(redis: Redis): Promise<Refusal[]> {
    const since = this.#since
    // The newest entry first: when it has not changed since the last look, neither has any (0.4 ms saved).
    let log = await readLog(redis, 1)
    this.#since = log.now
    const head = log.entries[0]
    // An empty log (ACL LOG RESET) holds nothing known either.
    if (!head) this.#known = []
    if (!head || (since !== undefined && head.at < since - 1)) return []
    log = await readLog(redis, WHOLE_LOG)
    this.#since = log.now
    const mine = log.entries.filter((e) => e.user === this.user)
    const known = this.#known
    this.#known = mine
    return since === undefined ? [] : sumRefusals(newSince(mine, known, since - 1))
  }
}

/**
 * The entries of `now` that changed at or after `from` and are not in `known` as they are, each with the
 * count it gained: one that grew from an entry of `known` (Redis moved it to the head) counts the difference.
 */
function newSince(now: readonly LogEntry[], known: readonly LogEntry[], from: number): LogEntry[] {
  const same = (a: LogEntry, b: LogEntry) => a.reason === b.reason && a.object === b.object
  const unchanged = (k: LogEntry) => now.some((e) => same(e, k) && e.count === k.count && e.at === k.at)
  const grownFrom = known.filter((k) => !unchanged(k))
  return now
    .filter((e) => e.at >= from && !known.some((k) => same(k, e) && k.count === e.count && k.at === e.at))
    .map((e) => {
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

/** Who the guard is for, in messages. */
export interface GuardedWorker {
  index: number
  keyPrefix: string
  watch: RefusalWatch
}

/**
 * The state backend of a worker isolated by key prefix: a RedisState of its scope that also fails, at each
 * checkpoint, rollback, release and at its disconnect, when Redis refused a write of the worker's app
 * outside its key prefix since the last one. The refused write changed nothing; the app meant it though,
 * and a path that read the main line's keys instead of its own passed on them. A rollback is done all the
 * same (what the app wrote around it is undone), then fails.
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
    const refused = await this.#unreported(`rollback to "${name}"`)
    await super.rollback(name)
    if (refused.length) throw this.#refusedError(`rollback to "${name}"`, refused, ` (rolled back to "${name}" all the same)`)
  }

  override async release(name: string): Promise<void> {
    await super.release(name)
    // Worded as the runner words any failed release, which it then shows as it is.
    await this.#refuse(`release "${name}" failed`)
  }

  override async disconnect(): Promise<void> {
    let refused: Refusal[] = []
    try {
      refused = await this.#unreported('disconnect')
    } finally {
      await super.disconnect()
    }
    if (refused.length) throw this.#refusedError('disconnect', refused)
  }

  async #refuse(doing: string): Promise<void> {
    const refused = await this.#unreported(doing)
    if (refused.length) throw this.#refusedError(doing, refused)
  }

  async #unreported(doing: string): Promise<Refusal[]> {
    try {
      return await this.#worker.watch.unreported(this.redis)
    } catch (err) {
      throw new StateError(this.name, `${doing}: cannot read the ACL LOG, where Redis records the writes it refused worker ${this.#worker.index}'s app: ${(err as Error).message}`, {
        cause: err,
      })
    }
  }

  #refusedError(doing: string, refused: readonly Refusal[], after = ''): StateError {
    const { index, keyPrefix } = this.#worker
    return new StateError(
      this.name,
      `${doing}: worker ${index}'s app wrote outside its key prefix ${JSON.stringify(keyPrefix)}, and Redis refused it: ${listRefusals(refused)}. Workers share the main DB: such a write would land in the main line's keys or another worker's, which no rollback of this worker puts back, and the paths would see each other's writes; the app must put resources.redisKeyPrefix before every key it writes${after}`,
      {
        failure: 'refused',
        suggestion: `Start worker ${index}'s app with resources.redisKeyPrefix (${JSON.stringify(keyPrefix)}) before every key it writes: its cache's, its sessions' and BullMQ's prefixes (REDIS_PREFIX=\`\${resources.redisKeyPrefix}app:\`), or give each worker a DB of its own (leave keyPrefix out).`,
      },
    )
  }
}
