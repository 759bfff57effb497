import type * as Crypto from 'node:crypto'
import type * as Fsp from 'node:fs/promises'
import path from 'node:path'
import { type Duration, TEMP_PREFIX, type TimePort, UserError, atomicWriteFile, durationToMs, errorMessage, lazyBuiltin } from '@venomqa/core'

// Loaded at first use, not when the package is imported: a run that never writes a file never loads them.
const crypto = lazyBuiltin<typeof Crypto>('node:crypto')
const fsp = lazyBuiltin<typeof Fsp>('node:fs/promises')

export interface FixtureCacheOptions {
  /** Where entries live. Default `.venomqa-cache` in the current directory. */
  dir?: string
  /** How long an entry stays valid: ms, or a duration like `{ hours: 1 }`. Default: forever. */
  ttl?: number | Duration
  /** Expiry follows this clock. Default: the real clock. */
  clock?: Pick<TimePort, 'now'>
  /** Where warnings go (a corrupt entry). Default console.warn. */
  warn?: (message: string) => void
}

interface EntryFile {
  format: typeof FORMAT
  name: string
  key: string
  createdAt: string
  /** Epoch ms; null for no expiry. */
  expiresAt: number | null
  value: unknown
}

const FORMAT = 'venomqa-fixture/1'

/**
 * Expensive setup results kept on disk between runs, keyed by the setup's name and its inputs:
 *
 *   const users = await fixtures.cached('seed-users', { count: 50 }, () => seedUsers(50))
 *
 * The key is a SHA-256 of the name and the inputs in a canonical JSON form (object keys sorted), so the
 * same inputs in any key order hit the same entry. Values go through JSON: a hit returns what a miss
 * returned. A file that cannot be read back is a miss with a warning, never a crash, and is rewritten.
 * Change the inputs (e.g. add a `version`) when the setup itself changes.
 */
export class FixtureCache {
  readonly dir: string
  readonly #ttlMs?: number
  readonly #clock?: Pick<TimePort, 'now'>
  readonly #warn: (message: string) => void
  /** Setups running now, so concurrent callers of one key share a single run. */
  readonly #inFlight = new Map<string, Promise<unknown>>()

  constructor(options: FixtureCacheOptions = {}) {
    this.dir = path.resolve(options.dir ?? '.venomqa-cache')
    this.#ttlMs = options.ttl === undefined ? undefined : checkTtl(options.ttl, 'FixtureCache({ ttl })')
    this.#clock = options.clock
    this.#warn = options.warn ?? ((m) => console.warn(m))
  }

  /** The stable key of a setup and its inputs (hex SHA-256). */
  key(name: string, inputs: unknown): string {
    checkName(name)
    return crypto().createHash('sha256').update(`${JSON.stringify(name)}\n${canonicalJson(inputs, name)}`).digest('hex')
  }

  /** The cached result of `fn` for these inputs, running it (once, however many callers wait) on a miss. */
  async cached<T>(name: string, inputs: unknown, fn: () => T | Promise<T>, options: { ttl?: number | Duration } = {}): Promise<T> {
    if (typeof fn !== 'function') throw new UserError('E_FIXTURE', `fixture "${name}": the setup must be a function`)
    const key = this.key(name, inputs)
    const running = this.#inFlight.get(key)
    if (running) return running as Promise<T>
    const work = (async () => {
      const hit = await this.#read(name, key)
      if (hit.found) return hit.value as T
      const value = await fn()
      return (await this.#write(name, key, value, options.ttl)) as T
    })()
    this.#inFlight.set(key, work)
    try {
      return await work
    } finally {
      this.#inFlight.delete(key)
    }
  }

  async get<T = unknown>(name: string, inputs: unknown): Promise<T | undefined> {
    const hit = await this.#read(name, this.key(name, inputs))
    return hit.found ? (hit.value as T) : undefined
  }

  async set(name: string, inputs: unknown, value: unknown, options: { ttl?: number | Duration } = {}): Promise<void> {
    await this.#write(name, this.key(name, inputs), value, options.ttl)
  }

  async has(name: string, inputs: unknown): Promise<boolean> {
    return (await this.#read(name, this.key(name, inputs))).found
  }

  async delete(name: string, inputs: unknown): Promise<boolean> {
    const file = this.#file(name, this.key(name, inputs))
    try {
      await fsp().rm(file)
      return true
    } catch {
      return false
    }
  }

  /** Remove every entry, or only those of the setup `name`. Returns how many files went. */
  async clear(name?: string): Promise<number> {
    let files: string[]
    try {
      files = await fsp().readdir(this.dir)
    } catch {
      return 0
    }
    let removed = 0
    for (const f of files) {
      if (!f.endsWith('.json') && !f.startsWith(TEMP_PREFIX)) continue
      if (name !== undefined && !(await this.#belongsTo(f, name))) continue
      await fsp().rm(path.join(this.dir, f), { force: true })
      removed++
    }
    return removed
  }

  #file(name: string, key: string): string {
    return path.join(this.dir, `${slug(name)}-${key}.json`)
  }

  async #belongsTo(file: string, name: string): Promise<boolean> {
    if (!file.startsWith(`${slug(name)}-`)) return false
    // Two names can share a slug: the entry itself says whose it is (an unreadable one goes too).
    try {
      return (JSON.parse(await fsp().readFile(path.join(this.dir, file), 'utf8')) as EntryFile).name === name
    } catch {
      return true
    }
  }

  async #read(name: string, key: string): Promise<{ found: true; value: unknown } | { found: false }> {
    const file = this.#file(name, key)
    let text: string
    try {
      text = await fsp().readFile(file, 'utf8')
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { found: false }
      this.#warn(`fixture cache: cannot read ${file} (${errorMessage(err)}); running the setup "${name}" again`)
      return { found: false }
    }
    let entry: EntryFile
    try {
      entry = JSON.parse(text)
      if (entry?.format !== FORMAT || entry.key !== key || !('value' in entry)) throw new Error('not a fixture cache entry')
    } catch (err) {
      this.#warn(`fixture cache: ${file} is corrupt (${errorMessage(err)}); treating it as a miss for "${name}"`)
      return { found: false }
    }
    if (entry.expiresAt !== null && typeof entry.expiresAt === 'number' && entry.expiresAt <= this.#now()) {
      await fsp().rm(file, { force: true })
      return { found: false }
    }
    return { found: true, value: entry.value }
  }

  async #write(name: string, key: string, value: unknown, ttl?: number | Duration): Promise<unknown> {
    if (value === undefined)
      throw new UserError('E_FIXTURE', `fixture "${name}": the setup returned undefined, which cannot be cached (return null or a value)`)
    const ttlMs = ttl === undefined ? this.#ttlMs : checkTtl(ttl, `fixture "${name}": ttl`)
    const now = this.#now()
    const entry: EntryFile = { format: FORMAT, name, key, createdAt: new Date(now).toISOString(), expiresAt: ttlMs === undefined ? null : now + ttlMs, value }
    let text: string
    try {
      text = JSON.stringify(entry, null, 2)
    } catch (err) {
      throw new UserError('E_FIXTURE', `fixture "${name}": the result cannot be stored as JSON (${errorMessage(err)})`)
    }
    await atomicWriteFile(this.#file(name, key), text)
    // Hand back what a later hit will return, so a miss and a hit never differ (Dates become strings, ...).
    return (JSON.parse(text) as EntryFile).value
  }

  #now(): number {
    return this.#clock ? this.#clock.now().getTime() : Date.now()
  }
}

function checkName(name: unknown): asserts name is string {
  if (typeof name !== 'string' || name.trim() === '') throw new UserError('E_FIXTURE', 'fixture cache: a setup needs a non-empty name')
}

function checkTtl(ttl: number | Duration, where: string): number {
  const ms = durationToMs(ttl)
  if (!Number.isFinite(ms) || ms <= 0) throw new UserError('E_FIXTURE', `${where} must be more than 0 ms, got ${JSON.stringify(ttl)}`)
  return ms
}

/** A readable, filesystem-safe prefix for entry files. */
function slug(name: string): string {
  return (
    name
      .toLowerCase()
      .replace(/[^a-z0-9._-]+/g, '-')
      .replace(/^[-.]+|-+$/g, '')
      .slice(0, 40) || 'fixture'
  )
}

/**
 * JSON with object keys sorted, refusing what JSON would silently change (a Map becomes {}, NaN becomes
 * null) because two different inputs must never share a key.
 */
function canonicalJson(value: unknown, fixture: string): string {
  const seen = new Set<object>()
  const walk = (v: unknown, at: string): string => {
    if (v === null || typeof v === 'boolean' || typeof v === 'string') return JSON.stringify(v)
    if (typeof v === 'number') {
      if (!Number.isFinite(v)) throw badInput(fixture, at, String(v))
      return JSON.stringify(v)
    }
    if (v === undefined) return 'null'
    if (typeof v !== 'object') throw badInput(fixture, at, `a ${typeof v}`)
    if (seen.has(v)) throw badInput(fixture, at, 'a circular reference')
    if (typeof (v as { toJSON?: unknown }).toJSON === 'function') return walk((v as { toJSON(): unknown }).toJSON(), at)
    seen.add(v)
    try {
      if (Array.isArray(v)) return `[${v.map((item, i) => walk(item, `${at}[${i}]`)).join(',')}]`
      const proto = Object.getPrototypeOf(v)
      if (proto !== Object.prototype && proto !== null) throw badInput(fixture, at, `a ${v.constructor?.name ?? 'non-plain object'}`)
      const keys = Object.keys(v)
        .filter((k) => (v as Record<string, unknown>)[k] !== undefined)
        .sort()
      return `{${keys.map((k) => `${JSON.stringify(k)}:${walk((v as Record<string, unknown>)[k], `${at}.${k}`)}`).join(',')}}`
    } finally {
      seen.delete(v)
    }
  }
  return walk(value, 'inputs')
}

function badInput(fixture: string, at: string, what: string): UserError {
  return new UserError('E_FIXTURE', `fixture "${fixture}": ${at} is ${what}; inputs must be plain JSON values`, {
    where: fixture,
  })
}
