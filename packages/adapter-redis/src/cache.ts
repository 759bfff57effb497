import { type CachePort, type CacheSetOptions, type CacheStats, UserError, cacheExpiryMs, cacheTtlMs } from '@venomqa/core'
import type { Redis } from 'ioredis'
import { type ConnectionOptions, type OwnedClient, chunks, closeClient, explained, openClient, ping, prefixPattern, refuseKeyPrefix, scanKeys, whenAnswering } from './connection'

export interface RedisCacheOptions extends ConnectionOptions {
  /** Every key the port reads or writes is `prefix + key`; clear() and stats() stay within it. */
  prefix?: string
  /** With no prefix, allow clear() to empty the whole selected DB. Off by default. */
  wholeDb?: boolean
}

/** How many misses of one port are looked up under other prefixes before it stops asking. */
const ELSEWHERE_LOOKUPS = 3

/**
 * CachePort over Redis. Values are stored as JSON; a value some other program wrote that is not JSON is
 * returned as the raw string. Hits and misses are counted by this port (per instance), not read from the
 * server's INFO, which mixes every client and every DB.
 */
export class RedisCache implements CachePort {
  readonly prefix: string
  readonly #client: OwnedClient
  readonly #wholeDb: boolean
  readonly #onNotice: ((message: string) => void) | undefined
  #hits = 0
  #misses = 0
  /** Whether a key repeating the prefix was told (see #tellIfPrefixRepeated): once per port is enough. */
  #toldPrefixRepeated = false
  /** Misses looked up under other prefixes (see #tellIfElsewhere): bounded, since each is a SCAN of the DB. */
  #elsewhereLookups = 0
  #toldElsewhere = false

  constructor(options: RedisCacheOptions = {}) {
    this.prefix = options.prefix ?? ''
    this.#wholeDb = options.wholeDb ?? false
    this.#onNotice = options.onNotice
    this.#client = openClient(options)
    // clear() and stats() find keys with SCAN, which gives full names that ioredis would prefix again:
    // with a keyPrefix clear() deleted nothing. The cache's own `prefix` does what keyPrefix is for.
    refuseKeyPrefix(this.#client, 'cache')
  }

  /**
   * The same port on another Redis DB, with `keyPrefix` put before its prefix: a worker's copy for
   * parallel paths (redisWorkers).
   */
  twin(connection: ConnectionOptions, keyPrefix = ''): RedisCache {
    return new RedisCache({ ...connection, prefix: keyPrefix + this.prefix, wholeDb: this.#wholeDb, onNotice: this.#onNotice })
  }

  /** The underlying client, for what the port does not cover. */
  get redis(): Redis {
    return this.#client.redis
  }

  #key(key: string): string {
    if (typeof key !== 'string' || key === '') throw new UserError('E_CACHE_KEY', `cache: a key must be a non-empty string, got ${JSON.stringify(key)}`)
    return this.prefix + key
  }

  #encode(key: string, value: unknown): string {
    let text: string | undefined
    try {
      text = JSON.stringify(value)
    } catch (err) {
      throw new UserError('E_CACHE_VALUE', `cache: the value for "${key}" cannot be stored as JSON: ${(err as Error).message}`, { cause: err })
    }
    if (text === undefined) throw new UserError('E_CACHE_VALUE', `cache: the value for "${key}" is ${typeof value}, which JSON cannot hold`)
    return text
  }

  #decode<T>(raw: string | null): T | undefined {
    if (raw === null) return undefined
    try {
      return JSON.parse(raw) as T
    } catch {
      return raw as T
    }
  }

  /** The TTL for PX: whole milliseconds, as Redis takes them (a fraction is refused, not rounded). */
  #ttlMs(where: string, options: CacheSetOptions | undefined): number | undefined {
    return cacheTtlMs(options, `cache.${where}`)
  }

  #do<T>(what: string, run: () => Promise<T>): Promise<T> {
    return explained(`cache ${what}`, this.#client, async () => {
      await whenAnswering(this.redis)
      return run()
    })
  }

  async #wrongType<T>(key: string, run: () => Promise<T>): Promise<T> {
    try {
      return await this.#do(`get "${key}"`, run)
    } catch (err) {
      if (/WRONGTYPE/.test(String((err as Error).message)))
        throw new UserError('E_CACHE_TYPE', `cache: key "${this.prefix + key}" holds a Redis ${await this.redis.type(this.prefix + key)}, not a string value`, { cause: err })
      throw err
    }
  }

  /**
   * A key given with the prefix in it (`get('shop:user:1')` with prefix `shop:`, copied from redis-cli) is
   * read as `shop:shop:user:1`: a miss there, while the key as written exists, is told once, since the
   * journey would otherwise take "missing" at its word. Asked on a miss only, so a hit costs nothing.
   */
  async #tellIfPrefixRepeated(key: string): Promise<void> {
    if (this.#toldPrefixRepeated || !this.#onNotice || this.prefix === '' || !key.startsWith(this.prefix)) return
    if ((await this.redis.exists(key)) === 0) return
    this.#toldPrefixRepeated = true
    this.#onNotice(
      `cache key "${key}" begins with the port's prefix "${this.prefix}", which the port puts before every key: it read "${this.prefix}${key}", which is not there, while "${key}" is. Give the key without the prefix: "${key.slice(this.prefix.length)}"`,
    )
  }

  /**
   * A port prefix other than the app's (`shop-` for the app's `shop:`) makes every read miss, and the state
   * backend on that prefix rolls back none of the app's keys: the journey saw "missing" and nothing pointed at
   * the prefix. A miss whose key exists under another prefix is told once. Only the first few misses of a
   * port are looked up, each a SCAN of the DB, so a long journey on a big DB pays for it at most that often.
   */
  async #tellIfElsewhere(key: string): Promise<void> {
    // A key that holds the prefix already is #tellIfPrefixRepeated's case.
    if (this.#toldElsewhere || !this.#onNotice || this.#elsewhereLookups >= ELSEWHERE_LOOKUPS) return
    if (this.prefix !== '' && key.startsWith(this.prefix)) return
    this.#elsewhereLookups++
    const full = this.prefix + key
    const found = (await scanKeys(this.redis, `*${prefixPattern(key).slice(0, -1)}`))
      .map((name) => name.toString())
      // Not a key of the port's own namespace that ends alike (`shop:order:1:total` for `total`), nor a copy
      // of the port's key under a wider prefix (a worker's `w1:shop:total`): neither says the prefix is wrong.
      // (Without a prefix of the port's, any key ending with the one read may be the app's under its prefix.)
      .find((name) => name !== full && name.endsWith(key) && !(this.prefix !== '' && (name.startsWith(this.prefix) || name.endsWith(full))))
    if (found === undefined) return
    this.#toldElsewhere = true
    const theirs = found.slice(0, found.length - key.length)
    const ours = this.prefix === '' ? 'the keys as given' : `only the keys under "${this.prefix}"`
    const advice = theirs === '' ? 'If the app writes its keys without a prefix, leave the plugin\'s prefix out' : `If the app writes its keys under "${theirs}", give that as the plugin's prefix`
    this.#onNotice(
      `cache key "${key}" missed: the port read "${full}", which is not there, while "${found}" is. ${advice}: the port reads, and the state backend rolls back, ${ours}`,
    )
  }

  async #tellMiss(key: string): Promise<void> {
    await this.#tellIfPrefixRepeated(key)
    if (!this.#toldPrefixRepeated) await this.#tellIfElsewhere(key)
  }

  async get<T = unknown>(key: string): Promise<T | undefined> {
    const raw = await this.#wrongType(key, () => this.redis.get(this.#key(key)))
    if (raw === null) {
      this.#misses++
      await this.#tellMiss(key)
    } else this.#hits++
    return this.#decode<T>(raw)
  }

  async set(key: string, value: unknown, options?: CacheSetOptions): Promise<void> {
    const full = this.#key(key)
    const text = this.#encode(key, value)
    const ms = this.#ttlMs(`set("${key}", ...)`, options)
    await this.#do(`set "${key}"`, () => (ms === undefined ? this.redis.set(full, text) : this.redis.set(full, text, 'PX', ms)))
  }

  async delete(key: string): Promise<boolean> {
    const full = this.#key(key)
    const deleted = (await this.#do(`delete "${key}"`, () => this.redis.del(full))) > 0
    if (!deleted) await this.#tellMiss(key)
    return deleted
  }

  async exists(key: string): Promise<boolean> {
    const full = this.#key(key)
    const found = (await this.#do(`exists "${key}"`, () => this.redis.exists(full))) > 0
    if (!found) await this.#tellMiss(key)
    return found
  }

  async getMany<T = unknown>(keys: string[]): Promise<Record<string, T | undefined>> {
    const out: Record<string, T | undefined> = {}
    if (keys.length === 0) return out
    const full = keys.map((k) => this.#key(k))
    const raws = await this.#do('getMany', () => this.redis.mget(full))
    // MGET answers nil for a key of another type, as for a missing one: ask the type of the nils, so that
    // such a key is refused as get() refuses it rather than reported missing while exists() says it is there.
    const nils = full.filter((_, i) => (raws[i] ?? null) === null)
    if (nils.length > 0) {
      const types = await this.#do('getMany', async () => {
        const pipe = this.redis.pipeline()
        for (const key of nils) pipe.type(key)
        return ((await pipe.exec()) ?? []).map(([err, type]) => {
          if (err) throw err
          return type as string
        })
      })
      const wrong = types.findIndex((type) => type !== 'none' && type !== 'string')
      if (wrong >= 0) throw new UserError('E_CACHE_TYPE', `cache: key "${nils[wrong]}" holds a Redis ${types[wrong]}, not a string value`)
    }
    keys.forEach((k, i) => {
      const raw = raws[i] ?? null
      if (raw === null) this.#misses++
      else this.#hits++
      out[k] = this.#decode<T>(raw)
    })
    const missed = keys.find((k) => out[k] === undefined && k.startsWith(this.prefix))
    if (missed !== undefined) await this.#tellMiss(missed)
    return out
  }

  async setMany(entries: Record<string, unknown>, options?: CacheSetOptions): Promise<void> {
    const ms = this.#ttlMs('setMany(...)', options)
    const list = Object.entries(entries)
    if (list.length === 0) return
    // Encode everything first, so a bad value writes nothing.
    const encoded = list.map(([k, v]) => [this.#key(k), this.#encode(k, v), ms] as const)
    const tx = this.redis.multi()
    for (const [full, text, ms] of encoded) {
      if (ms === undefined) tx.set(full, text)
      else tx.set(full, text, 'PX', ms)
    }
    const results = await this.#do('setMany', () => tx.exec())
    const failed = results?.find(([err]) => err)
    if (failed) throw failed[0]
  }

  async deleteMany(keys: string[]): Promise<number> {
    if (keys.length === 0) return 0
    const full = keys.map((k) => this.#key(k))
    return this.#do('deleteMany', () => this.redis.del(...full))
  }

  async clear(): Promise<void> {
    if (this.prefix === '') {
      if (!this.#wholeDb)
        throw new UserError(
          'E_CACHE_CLEAR',
          `cache: clear() with no prefix would empty the whole Redis DB ${this.redis.options.db ?? 0}; set the cache "prefix", or "wholeDb: true" if that is really what you want`,
        )
      await this.#do('clear', () => this.redis.flushdb())
      return
    }
    await this.#do('clear', async () => {
      const keys = await scanKeys(this.redis, prefixPattern(this.prefix))
      for (const batch of chunks(keys, 1000)) await this.redis.unlink(...batch)
    })
  }

  /** Milliseconds left; -1 no expiry; -2 no such key (Redis PTTL). */
  async getTtlMs(key: string): Promise<number> {
    const full = this.#key(key)
    const ms = await this.#do(`getTtlMs "${key}"`, () => this.redis.pttl(full))
    if (ms === -2) await this.#tellMiss(key)
    return ms
  }

  /** Expire the key after `ttlMs` whole milliseconds; 0 or less deletes it, as Redis PEXPIRE does. False if there is no such key. */
  async setTtlMs(key: string, ttlMs: number): Promise<boolean> {
    const ms = cacheExpiryMs(ttlMs, `cache.setTtlMs("${key}", ...)`)
    const full = this.#key(key)
    return (await this.#do(`setTtlMs "${key}"`, () => this.redis.pexpire(full, Math.max(0, ms)))) === 1
  }

  /** Renamed: refused loudly, since its number was seconds. */
  async getTtl(): Promise<never> {
    throw new UserError('E_CACHE_TTL', 'cache.getTtl() is now cache.getTtlMs(), which answers in milliseconds')
  }

  /** Renamed: refused loudly, since its number was seconds. */
  async setTtl(): Promise<never> {
    throw new UserError('E_CACHE_TTL', 'cache.setTtl(key, seconds) is now cache.setTtlMs(key, milliseconds)')
  }

  async stats(): Promise<CacheStats> {
    const total = this.#hits + this.#misses
    const keys = await this.#do('stats', async () =>
      this.prefix === '' ? this.redis.dbsize() : (await scanKeys(this.redis, prefixPattern(this.prefix))).length,
    )
    return {
      hits: this.#hits,
      misses: this.#misses,
      hitRate: total === 0 ? 0 : Math.round((this.#hits / total) * 10_000) / 100,
      keys,
    }
  }

  /** Start counting hits and misses from zero. */
  resetStats(): void {
    this.#hits = 0
    this.#misses = 0
  }

  healthCheck(): Promise<boolean> {
    return ping(this.redis)
  }

  async close(): Promise<void> {
    await closeClient(this.#client)
  }
}
