import { type CachePort, type CacheSetOptions, type CacheStats, TTL_MS_EXPECTED, type TimePort, UserError, cacheExpiryMs, cacheTtlMs, isTtlMs, refuseRenamed, ttlRefused } from '@venomqa/core'

interface Entry {
  /** Values are kept as JSON text, as a Redis cache would: what comes back is a copy, and what cannot be serialised is refused. */
  json: string
  /** Epoch ms, or undefined for no expiry. */
  expiresAt?: number
}

export interface MemoryCacheOptions {
  /** Expiry follows this clock (e.g. a ControllableClock, so `advance` expires entries). Default: the real clock. */
  clock?: Pick<TimePort, 'now'>
  /** TTL in whole milliseconds for `set` without one. Default: no expiry. */
  defaultTtlMs?: number
}

/** The cache port in memory, with TTLs and hit/miss stats, for unit tests and local runs. */
export class MemoryCache implements CachePort {
  readonly #entries = new Map<string, Entry>()
  readonly #clock?: Pick<TimePort, 'now'>
  readonly #defaultTtlMs?: number
  #hits = 0
  #misses = 0

  constructor(options: MemoryCacheOptions = {}) {
    this.#clock = options.clock
    refuseRenamed(options, { defaultTtl: 'defaultTtlMs' }, 'MemoryCache()')
    if (options.defaultTtlMs !== undefined && !isTtlMs(options.defaultTtlMs)) throw ttlRefused('MemoryCache(): defaultTtlMs', TTL_MS_EXPECTED, options.defaultTtlMs)
    this.#defaultTtlMs = options.defaultTtlMs
  }

  async get<T = unknown>(key: string): Promise<T | undefined> {
    const entry = this.#live(key)
    if (!entry) {
      this.#misses++
      return undefined
    }
    this.#hits++
    return JSON.parse(entry.json) as T
  }

  async set(key: string, value: unknown, options?: CacheSetOptions): Promise<void> {
    const json = serialise(key, value)
    this.#entries.set(key, { json, expiresAt: this.#expiresAt(cacheTtlMs(options, `cache.set("${key}", ...)`)) })
  }

  async delete(key: string): Promise<boolean> {
    const had = this.#live(key) !== undefined
    this.#entries.delete(key)
    return had
  }

  async exists(key: string): Promise<boolean> {
    return this.#live(key) !== undefined
  }

  async getMany<T = unknown>(keys: string[]): Promise<Record<string, T | undefined>> {
    const out: Record<string, T | undefined> = {}
    for (const key of keys) out[key] = await this.get<T>(key)
    return out
  }

  async setMany(entries: Record<string, unknown>, options?: CacheSetOptions): Promise<void> {
    // Serialise everything first: one bad value must not leave half of the entries written.
    const expiresAt = this.#expiresAt(cacheTtlMs(options, 'cache.setMany(...)'))
    const prepared = Object.entries(entries).map(([key, value]) => [key, { json: serialise(key, value), expiresAt }] as const)
    for (const [key, entry] of prepared) this.#entries.set(key, entry)
  }

  async deleteMany(keys: string[]): Promise<number> {
    let n = 0
    for (const key of keys) if (await this.delete(key)) n++
    return n
  }

  async clear(): Promise<void> {
    this.#entries.clear()
  }

  /** Milliseconds left; -1 no expiry; -2 no such key (as Redis PTTL answers). */
  async getTtlMs(key: string): Promise<number> {
    const entry = this.#live(key)
    if (!entry) return -2
    if (entry.expiresAt === undefined) return -1
    return entry.expiresAt - this.#now()
  }

  /** Set a key's TTL in whole milliseconds; 0 or less deletes it, as Redis PEXPIRE does. False if there is no such key. */
  async setTtlMs(key: string, ttlMs: number): Promise<boolean> {
    // Checked first: a wrong TTL is refused whether or not the key is there, as Redis refuses it.
    const ms = cacheExpiryMs(ttlMs, `cache.setTtlMs("${key}", ...)`)
    const entry = this.#live(key)
    if (!entry) return false
    if (ms <= 0) this.#entries.delete(key)
    else entry.expiresAt = this.#now() + ms
    return true
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
    const lookups = this.#hits + this.#misses
    let keys = 0
    for (const key of [...this.#entries.keys()]) if (this.#live(key)) keys++
    return { hits: this.#hits, misses: this.#misses, hitRate: lookups === 0 ? 0 : (this.#hits / lookups) * 100, keys }
  }

  resetStats(): void {
    this.#hits = 0
    this.#misses = 0
  }

  async healthCheck(): Promise<boolean> {
    return true
  }

  /** A new, empty cache with this one's settings, on the clock `clockFor` gives for this one's: for a worker of parallel paths. */
  twin(clockFor: (clock: Pick<TimePort, 'now'> | undefined) => Pick<TimePort, 'now'> | undefined = (c) => c): MemoryCache {
    return new MemoryCache({ clock: clockFor(this.#clock), defaultTtlMs: this.#defaultTtlMs })
  }

  /** Every live key and its JSON value and expiry, for a state backend to save and put back. */
  snapshot(): Map<string, { json: string; expiresAt?: number }> {
    for (const key of [...this.#entries.keys()]) this.#live(key)
    return new Map([...this.#entries].map(([k, e]) => [k, { ...e }]))
  }

  restore(snapshot: Map<string, { json: string; expiresAt?: number }>): void {
    this.#entries.clear()
    for (const [k, e] of snapshot) this.#entries.set(k, { ...e })
  }

  #expiresAt(ttlMs: number | undefined): number | undefined {
    const ms = ttlMs ?? this.#defaultTtlMs
    return ms === undefined ? undefined : this.#now() + ms
  }

  #now(): number {
    return this.#clock ? this.#clock.now().getTime() : Date.now()
  }

  /** The entry if it exists and has not expired; an expired one is dropped. */
  #live(key: string): Entry | undefined {
    const entry = this.#entries.get(key)
    if (!entry) return undefined
    if (entry.expiresAt !== undefined && entry.expiresAt <= this.#now()) {
      this.#entries.delete(key)
      return undefined
    }
    return entry
  }
}

function serialise(key: string, value: unknown): string {
  let json: string | undefined
  try {
    json = JSON.stringify(value)
  } catch (err) {
    throw new UserError('E_CACHE_VALUE', `cache key "${key}": the value cannot be stored as JSON (${(err as Error).message})`, { where: key })
  }
  if (json === undefined) throw new UserError('E_CACHE_VALUE', `cache key "${key}": ${typeof value} values cannot be stored as JSON`, { where: key })
  return json
}
