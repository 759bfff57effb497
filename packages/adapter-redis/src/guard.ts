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

/** An ACL LOG entry's fields by name. */
function fieldsOf(entry: unknown[]): Map<string, unknown> {
  const fields = new Map<string, unknown>()
  for (let i = 0; i + 1 < entry.length; i += 2) fields.set(String(entry[i]), entry[i + 1])
  return fields
}

/**
 * The newest entry of the ACL LOG, as what it is and how often it happened ('' for none). Redis puts each
 * refusal at the head of its log, a new entry or one it adds to (its count grows): while this stays the
 * same, nobody was refused anything.
 */
async function newestRefusal(redis: Redis): Promise<string> {
  const [entry] = (await redis.call('ACL', 'LOG', '1')) as unknown[][]
  if (!entry) return ''
  const fields = fieldsOf(entry)
  return JSON.stringify(['username', 'reason', 'context', 'object', 'count'].map((name) => String(fields.get(name))))
}

/** Entries of the ACL LOG of `user`, summed by what was refused (Redis may log one thing in several entries). */
async function refusalsOf(redis: Redis, user: string): Promise<Map<string, Refusal>> {
  // The log keeps acllog-max-len entries (128 by default), every user's: ask for more than it can hold.
  const entries = (await redis.call('ACL', 'LOG', '100000')) as unknown[][]
  const out = new Map<string, Refusal>()
  for (const entry of entries) {
    const fields = fieldsOf(entry)
    if (String(fields.get('username')) !== user) continue
    const reason = String(fields.get('reason'))
    const object = String(fields.get('object'))
    const command = /(?:^| )cmd=(\S+)/.exec(String(fields.get('client-info') ?? ''))?.[1] ?? '?'
    const id = `${reason}\0${object}`
    const count = Number(fields.get('count') ?? 1) + (out.get(id)?.count ?? 0)
    out.set(id, { reason, object, command: command.toUpperCase(), count })
  }
  return out
}

/** What Redis refused a user since the last look: each refusal is told once. */
export class RefusalWatch {
  readonly user: string
  readonly #told = new Map<string, number>()
  /** The log's newest entry at the last look: the whole log (up to 128 entries, 0.4 ms) is read only when it changed. */
  #newest: string | undefined

  constructor(user: string) {
    this.user = user
  }

  async unreported(redis: Redis): Promise<Refusal[]> {
    // Read before the log: a refusal in between changes it again, and the next look reads the log anew.
    const newest = await newestRefusal(redis)
    if (newest === this.#newest) return []
    const now = await refusalsOf(redis, this.user)
    this.#newest = newest
    const out: Refusal[] = []
    for (const [id, refusal] of now) {
      const told = this.#told.get(id) ?? 0
      if (refusal.count > told) out.push({ ...refusal, count: refusal.count - told })
      this.#told.set(id, refusal.count)
    }
    return out
  }
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
