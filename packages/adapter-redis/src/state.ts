import { CheckpointStack, ConfigError, type ConnectOptions, type StateBackend, StateError } from '@venomqa/core'
import type { Redis } from 'ioredis'
import {
  type ConnectionOptions,
  type OwnedClient,
  chunks,
  closeClient,
  credentialsError,
  credentialsProblem,
  missingDbError,
  openClient,
  ping,
  pingFailure,
  prefixPattern,
  refuseKeyPrefix,
  requireDb,
  scanScope,
  whenAnswering,
} from './connection'
import { tlsMismatchOf } from './tls'
import { type DumpedKey, dumpBatch, restoreBatch, restoreBatches, restoreOpOf } from './scripts'

export interface RedisStateOptions extends ConnectionOptions {
  /** Keys in scope: those starting with this prefix (or any of these). This or `wholeDb` is required. */
  prefix?: string | string[]
  /**
   * Every key of the selected DB is in scope: a rollback also deletes keys other programs wrote there
   * after the checkpoint. Never implied; give it only for a DB that belongs to the system under test.
   */
  wholeDb?: boolean
  /** Backend name in results. Default 'redis'. */
  name?: string
}

interface SavedKey extends DumpedKey {
  key: Buffer
}

interface Snapshot {
  keys: SavedKey[]
}

const NO_SCOPE =
  'no scope given. A rollback deletes every key in scope that the checkpoint did not have, so say which ' +
  'keys are the app\'s: `prefix: \'myapp:\'` (or a list of prefixes), or `wholeDb: true` to take every key of ' +
  'the selected DB, those of other programs included'

/** Keys per script call: one round trip each, and a short enough pause for the server. */
const BATCH = 2000

/** The state backend's name when the options give none: the plugin declares it before setup (Plugin.stateBackends) by this too. */
export const REDIS_STATE_NAME = 'redis'

/**
 * Redis state backend: a checkpoint DUMPs every key in scope with its TTL; a rollback deletes the keys in
 * scope that were not saved and RESTOREs the saved ones, so keys created after the checkpoint are gone and
 * changed or deleted ones are back. Standalone Redis only (SCAN and the batch scripts are per node).
 *
 * TTLs keep running: a key restored at rollback gets the time it had left at the checkpoint minus the time
 * spent since. A key whose TTL ran out in the meantime is not restored, because it would have expired by
 * now in any case; keys with no expiry come back with no expiry.
 */
export class RedisState implements StateBackend {
  readonly name: string
  readonly mechanism = 'dump-restore'
  /** Its checkpoints are in this process's memory: nothing stays in Redis. */
  readonly leftWhenQuit = false
  readonly parallelSafe = false
  /** The SCAN patterns in scope; [undefined] for the whole DB. */
  readonly #patterns: (string | undefined)[]
  readonly #client: OwnedClient
  readonly #stack: CheckpointStack<Snapshot>

  constructor(options: RedisStateOptions = {}) {
    this.name = options.name ?? REDIS_STATE_NAME
    const prefixes = options.prefix === undefined ? [] : Array.isArray(options.prefix) ? options.prefix : [options.prefix]
    if (prefixes.some((p) => typeof p !== 'string' || p === ''))
      throw new StateError(this.name, `"prefix" must be a non-empty string or a list of them, got ${JSON.stringify(options.prefix)}`)
    if (options.wholeDb && prefixes.length > 0)
      throw new StateError(this.name, 'give either "prefix" or "wholeDb: true", not both')
    // A rollback deletes every key in scope the checkpoint did not have: a scope chosen by default would
    // delete what other programs sharing the DB wrote, so the caller has to say which keys are the app's.
    if (!options.wholeDb && prefixes.length === 0) throw new StateError(this.name, NO_SCOPE)
    this.#patterns = prefixes.length > 0 ? prefixes.map(prefixPattern) : [undefined]
    this.#client = openClient(options)
    // SCAN gives full key names and ioredis would prefix them again in the DUMP/RESTORE scripts: with a
    // keyPrefix a checkpoint saved nothing and a rollback silently did nothing. `prefix` is the way.
    refuseKeyPrefix(this.#client, `state backend "${this.name}"`)
    this.#stack = new CheckpointStack(this.name)
  }

  /** Names of the open checkpoints, oldest first. */
  get checkpoints(): string[] {
    return this.#stack.names
  }

  get redis(): Redis {
    return this.#client.redis
  }

  /** What is in scope, for messages and results. */
  get scope(): string {
    const db = this.redis.options.db ?? 0
    return this.#patterns[0] === undefined ? `whole DB ${db}` : `keys ${this.#patterns.join(', ')} in DB ${db}`
  }

  async #do<T>(what: string, run: () => Promise<T>): Promise<T> {
    try {
      await whenAnswering(this.redis)
      return await run()
    } catch (err) {
      if (err instanceof StateError || err instanceof ConfigError) throw err
      // A command the ACL refused: the user of the URL is what to change (see credentialsProblem).
      const refused = credentialsProblem(this.redis, [err])
      throw new StateError(this.name, `${what} failed (${this.#client.where}): ${refused ?? (err as Error).message}`, { cause: err })
    }
  }

  /**
   * Reach the server and check the DB. With `options.signal`: aborted before the call, no connection is
   * opened (the client connects on its first command); aborted while it waits (a server that takes the
   * connection and never answers), the socket of a client of our own is closed at once and the call rejects
   * with the signal's reason. A client the caller gave is theirs to close: the wait alone stops.
   */
  async connect(options?: ConnectOptions): Promise<void> {
    const signal = options?.signal
    signal?.throwIfAborted()
    if (!signal) return this.#connect()
    const connecting = this.#connect()
    let onAbort = () => {}
    const aborted = new Promise<never>((_, reject) => {
      onAbort = () => {
        if (this.#client.owned) this.redis.disconnect()
        reject(signal.reason)
      }
      signal.addEventListener('abort', onAbort, { once: true })
    })
    try {
      return await Promise.race([connecting, aborted])
    } finally {
      signal.removeEventListener('abort', onAbort)
      // Settles soon after a disconnect, or at its own deadline: nobody waits for it any more.
      connecting.catch(() => {})
    }
  }

  async #connect(): Promise<void> {
    const failure = await pingFailure(this.redis, 5000)
    // A DB the server does not have closes the connection (see openClient): that is what to say, not "cannot reach".
    const missing = missingDbError(this.#client, 'db')
    if (missing) throw missing
    const mismatch = tlsMismatchOf(this.redis)
    if (mismatch) throw mismatch
    // A password refused or missing is the URL's mistake, a ConfigError at its option, not a server out of
    // reach (see credentialsProblem).
    if (failure !== true) throw failure instanceof ConfigError ? failure : new StateError(this.name, `cannot reach Redis at ${this.#client.where}`)
    // A client the caller gave has no listener of ours: its failed SELECT is found by asking again.
    await requireDb(this.#client, 'db').catch((err: unknown) => {
      throw credentialsError(this.redis, [err]) ?? err
    })
  }

  async checkpoint(name: string): Promise<void> {
    await this.#stack.take(name, () => this.#do(`checkpoint "${name}"`, () => this.#dump()))
  }

  async #dump(): Promise<Snapshot> {
    const keys = await scanScope(this.redis, this.#patterns)
    const saved: SavedKey[] = []
    for (const batch of chunks(keys, BATCH)) {
      const dumped = await dumpBatch(this.redis, batch)
      batch.forEach((key, i) => {
        const d = dumped[i]
        if (d) saved.push({ key, ...d })
      })
    }
    return { keys: saved }
  }

  async rollback(name: string): Promise<void> {
    await this.#stack.rollback(name, (snapshot) => this.#do(`rollback to "${name}"`, () => this.#restore(snapshot)))
  }

  async #restore(snapshot: Snapshot): Promise<void> {
    const current = await scanScope(this.redis, this.#patterns)
    const restoring = new Set(snapshot.keys.map((k) => k.key.toString('latin1')))
    // Keys created since the checkpoint go; those RESTORE ... REPLACE overwrites need no delete.
    const extra = current.filter((k) => !restoring.has(k.toString('latin1')))
    type Op = { key: Buffer; saved?: SavedKey }
    const ops: Op[] = [...extra.map((key) => ({ key })), ...snapshot.keys.map((saved) => ({ key: saved.key, saved }))]
    const failures: string[] = []
    for (const batch of restoreBatches(ops, BATCH)) {
      const now = performance.now()
      const failed = await restoreBatch(
        this.redis,
        batch.map(({ key, saved }) => (saved ? restoreOpOf(key, saved, now) : { key, ttl: -1 })),
      )
      for (const f of failed) failures.push(`${f.key.toString()}: ${f.error}`)
    }
    if (failures.length > 0)
      throw new StateError(this.name, `could not restore ${failures.length} key(s): ${failures.slice(0, 5).join('; ')}${failures.length > 5 ? '; ...' : ''}`)
  }

  async release(name: string): Promise<void> {
    await this.#stack.release(name)
  }

  /** Delete every key in scope. */
  async reset(): Promise<void> {
    await this.#do('reset', async () => {
      const keys = await scanScope(this.redis, this.#patterns)
      for (const batch of chunks(keys, BATCH)) await this.redis.unlink(...batch)
    })
  }

  healthCheck(): Promise<boolean> {
    return ping(this.redis)
  }

  async observe(): Promise<Record<string, unknown>> {
    const keys = this.#patterns[0] === undefined ? await this.redis.dbsize() : (await scanScope(this.redis, this.#patterns)).length
    return { keys, scope: this.scope }
  }

  async disconnect(): Promise<void> {
    this.#stack.clear()
    await closeClient(this.#client)
  }
}
