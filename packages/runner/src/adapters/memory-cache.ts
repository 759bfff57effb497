import { type CachePort, type CacheStats, type TimePort, UserError } from '@venomqa/core'

interface Entry {
  /** Values are kept as JSON text, as a Redis cache would: what comes back is a copy, and what cannot be serialised is refused. */
  json: string
  /** Epoch ms, or undefined for no expiry. */
  expiresAt?: number
}

export interface MemoryCacheOptions {
  /** Expiry follows this clock (e.g. a ControllableClock, so `advance` expires entries). Default: the real clock. */
  clock?: Pick<TimePort, 'now'>
  /** TTL in seconds for `set` without one. Default: no expiry. */
  defaultTtl?: number
}

/** The cache port in memory, with TTLs and hit/miss stats, for unit tests and local runs. */
export class MemoryCache implements CachePort {
  readonly #entries = new Map<string, Entry>()
  readonly #clock?: Pick<TimePort, 'now'>
  readonly #defaultTtl?: number
  #hits = 0
  #misses = 0

  constructor(options: MemoryCacheOptions = {}) {
    this.#clock = options.clock
    if (options.defaultTtl !== undefined) this.#defaultTtl = checkTtl(options.defaultTtl, 'MemoryCache({ defaultTtl })')
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

  async set(key: string, value: unknown, ttl?: number): Promise<void> {
    const json = serialise(key, value)
    const seconds = ttl === undefined ? this.#defaultTtl : checkTtl(ttl, `cache.set("${key}", ..., ttl)`)
    this.#entries.set(key, { json, expiresAt: seconds === undefined ? undefined : this.#now() + seconds * 1000 })
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

  async setMany(entries: Record<string, unknown>, ttl?: number): Promise<void> {
    // Serialise everything first: one bad value must not leave half of the entries written.
    const seconds = ttl === undefined ? this.#defaultTtl : checkTtl(ttl, 'cache.setMany(..., ttl)')
    const expiresAt = seconds === undefined ? undefined : this.#now() + seconds * 1000
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

  /** Seconds left, rounded up; -1 no expiry; -2 no such key (as Redis TTL answers). */
  async getTtl(key: string): Promise<number> {
    const entry = this.#live(key)
    if (!entry) return -2
    if (entry.expiresAt === undefined) return -1
    return Math.ceil((entry.expiresAt - this.#now()) / 1000)
  }

  /** Set a key's TTL in seconds; 0 or less deletes it, as Redis EXPIRE does. False if there is no such key. */
  async setTtl(key: string, ttl: number): Promise<boolean> {
    const entry = this.#live(key)
    if (!entry) return false
    if (typeof ttl !== 'number' || Number.isNaN(ttl)) throw new UserError('E_CACHE', `cache.setTtl("${key}", ${ttl}): ttl must be a number of seconds`)
    if (ttl <= 0) this.#entries.delete(key)
    else entry.expiresAt = this.#now() + ttl * 1000
    return true
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

  /** Every live key and its JSON value and expiry, for a state backend to save and put back. */
  snapshot(): Map<string, { json: string; expiresAt?: number }> {
    for (const key of [...this.#entries.keys()]) this.#live(key)
    return new Map([...this.#entries].map(([k, e]) => [k, { ...e }]))
  }

  restore(snapshot: Map<string, { json: string; expiresAt?: number }>): void {
    this.#entries.clear()
    for (const [k, e] of snapshot) this.#entries.set(k, { ...e })
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

function checkTtl(ttl: number, where: string): number {
  if (typeof ttl !== 'number' || !Number.isFinite(ttl) || ttl <= 0)
    throw new UserError('E_CACHE', `${where}: ttl must be a number of seconds greater than 0, got ${String(ttl)}`)
  return ttl
}

function serialise(key: string, value: unknown): string {
  let json: string | undefined
  try {
    json = JSON.stringify(value)
  } catch (err) {
    throw new UserError('E_CACHE', `cache key "${key}": the value cannot be stored as JSON (${(err as Error).message})`, { where: key })
  }
  if (json === undefined) throw new UserError('E_CACHE', `cache key "${key}": ${typeof value} values cannot be stored as JSON`, { where: key })
  return json
}
