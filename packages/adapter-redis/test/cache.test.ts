import { UserError } from '@venomqa/core'
import { CLOSED_PORT, SERVICES, describeWithService } from '@venomqa/test-utils'
import { afterAll, beforeAll, beforeEach, expect, it } from 'vitest'
import { RedisCache } from '../src'
import { DB_A, URL_A, flushOurDbs, rawClient, sleep } from './helpers'

const describeRedis = await describeWithService('Redis', SERVICES.redis.host, SERVICES.redis.port)

describeRedis('RedisCache against the real Redis (DB 1)', () => {
  const raw = rawClient(DB_A)
  const cache = new RedisCache({ url: URL_A, prefix: 'app:' })
  const other = new RedisCache({ url: URL_A, prefix: 'other:' })

  beforeAll(flushOurDbs)
  beforeEach(async () => {
    await raw.flushdb()
    cache.resetStats()
  })
  afterAll(async () => {
    await flushOurDbs()
    await Promise.all([cache.close(), other.close(), raw.quit()])
  })

  it('stores JSON values under the prefix and reads them back', async () => {
    await cache.set('user:1', { name: 'Ada', roles: ['admin'], n: 1 })
    expect(await cache.get('user:1')).toEqual({ name: 'Ada', roles: ['admin'], n: 1 })
    expect(await raw.get('app:user:1')).toBe('{"name":"Ada","roles":["admin"],"n":1}')
    await cache.set('flag', false)
    expect(await cache.get('flag')).toBe(false)
    expect(await cache.get('missing')).toBeUndefined()
    expect(await cache.exists('user:1')).toBe(true)
    expect(await cache.exists('missing')).toBe(false)
    expect(await cache.delete('user:1')).toBe(true)
    expect(await cache.delete('user:1')).toBe(false)
  })

  it('returns a value another program wrote that is not JSON as the raw string', async () => {
    await raw.set('app:plain', 'hello world')
    expect(await cache.get('plain')).toBe('hello world')
  })

  it('applies TTLs in milliseconds: getTtlMs, setTtlMs, and expiry', async () => {
    await cache.set('short', 1, { ttlMs: 200 })
    await cache.set('long', 1, { ttlMs: 60_000 })
    await cache.set('forever', 1)
    expect(await cache.getTtlMs('long')).toBeGreaterThan(55_000)
    expect(await cache.getTtlMs('long')).toBeLessThanOrEqual(60_000)
    expect(await cache.getTtlMs('forever')).toBe(-1)
    expect(await cache.getTtlMs('missing')).toBe(-2)
    expect(await cache.setTtlMs('forever', 120_000)).toBe(true)
    expect(await cache.getTtlMs('forever')).toBeGreaterThan(115_000)
    expect(await cache.setTtlMs('missing', 10_000)).toBe(false)
    await sleep(400)
    expect(await cache.get('short')).toBeUndefined()
    expect(await cache.exists('short')).toBe(false)
  })

  it('setTtlMs with 0 or less deletes the key, as PEXPIRE does (a fraction is refused: see cache-ttl.test.ts)', async () => {
    await cache.set('gone', 1)
    expect(await cache.setTtlMs('gone', -1)).toBe(true)
    expect(await cache.exists('gone')).toBe(false)
  })

  it('getMany, setMany with a TTL on every key, deleteMany', async () => {
    await cache.setMany({ a: 1, b: { x: 2 }, c: 'three' }, { ttlMs: 30_000 })
    expect(await cache.getMany(['a', 'b', 'c', 'd'])).toEqual({ a: 1, b: { x: 2 }, c: 'three', d: undefined })
    for (const k of ['a', 'b', 'c']) {
      const ttl = await raw.ttl(`app:${k}`)
      expect(ttl).toBeGreaterThan(25)
      expect(ttl).toBeLessThanOrEqual(30)
    }
    expect(await cache.deleteMany(['a', 'b', 'nope'])).toBe(2)
    expect(await cache.getMany([])).toEqual({})
    expect(await cache.deleteMany([])).toBe(0)
  })

  it('setMany writes nothing when one value cannot be stored', async () => {
    await expect(cache.setMany({ good: 1, bad: undefined })).rejects.toThrow(/"bad"/)
    expect(await cache.exists('good')).toBe(false)
  })

  it('counts hits and misses and reports the hit rate as a percentage and the keys in its prefix', async () => {
    await cache.setMany({ a: 1, b: 2 })
    await other.set('x', 1)
    await raw.set('unrelated', '1')
    await cache.get('a')
    await cache.get('b')
    await cache.get('a')
    await cache.get('nope')
    await cache.getMany(['a', 'zzz'])
    const stats = await cache.stats()
    expect(stats).toEqual({ hits: 4, misses: 2, hitRate: 66.67, keys: 2 })
    cache.resetStats()
    expect(await cache.stats()).toMatchObject({ hits: 0, misses: 0, hitRate: 0 })
  })

  it('clear() removes only the keys within its prefix', async () => {
    await cache.setMany({ a: 1, b: 2, 'c:d': 3 })
    await other.set('a', 'kept')
    await raw.set('app', 'no colon, not in the prefix')
    await raw.set('unrelated', 'kept')
    await cache.clear()
    expect(await raw.keys('app:*')).toEqual([])
    expect(await other.get('a')).toBe('kept')
    expect((await raw.keys('*')).sort()).toEqual(['app', 'other:a', 'unrelated'])
  })

  it('clear() treats glob characters in the prefix literally', async () => {
    const odd = new RedisCache({ url: URL_A, prefix: 'a*[b]?:' })
    try {
      await odd.set('k', 1)
      await raw.set('aXXbY:k', 'must survive: it matches the prefix only as a glob')
      await odd.clear()
      expect(await raw.keys('*')).toEqual(['aXXbY:k'])
    } finally {
      await odd.close()
    }
  })

  it('refuses clear() with no prefix unless wholeDb is set', async () => {
    const bare = new RedisCache({ url: URL_A })
    const whole = new RedisCache({ url: URL_A, wholeDb: true })
    try {
      await raw.set('k', '1')
      const err = await bare.clear().catch((e) => e)
      expect(err).toBeInstanceOf(UserError)
      expect(err.message).toMatch(/whole Redis DB 1/)
      expect(await raw.exists('k')).toBe(1)
      await whole.clear()
      expect(await raw.dbsize()).toBe(0)
    } finally {
      await Promise.all([bare.close(), whole.close()])
    }
  })

  it('explains user mistakes: bad TTL, a value JSON cannot hold, a key of another type', async () => {
    await expect(cache.set('k', 1, { ttlMs: 0 })).rejects.toThrow('cache.set("k", ...): ttlMs: expected a positive whole number of milliseconds, got 0')
    await expect(cache.set('k', 1, { ttlMs: -5 })).rejects.toBeInstanceOf(UserError)
    await expect(cache.set('k', 1, 60 as never)).rejects.toThrow('the TTL is now given as { ttlMs } in milliseconds')
    await expect((cache as unknown as { setTtl(k: string, s: number): Promise<boolean> }).setTtl('k', 5)).rejects.toThrow('cache.setTtlMs(key, milliseconds)')
    await expect(cache.set('k', undefined)).rejects.toThrow(/value for "k" is undefined/)
    const circular: Record<string, unknown> = {}
    circular.self = circular
    await expect(cache.set('k', circular)).rejects.toThrow(/cannot be stored as JSON/)
    await raw.hset('app:h', 'f', 'v')
    await expect(cache.get('h')).rejects.toThrow(/key "app:h" holds a Redis hash/)
  })

  it('healthCheck is true against Redis and false, without throwing, when nothing listens; calls then fail saying where', async () => {
    expect(await cache.healthCheck()).toBe(true)
    const port = CLOSED_PORT
    const dead = new RedisCache({ url: `redis://127.0.0.1:${port}/1` })
    try {
      expect(await dead.healthCheck()).toBe(false)
      await expect(dead.get('x')).rejects.toThrow(new RegExp(`cache get "x" failed on redis://127.0.0.1:${port}/1: .*\\(is Redis running there\\?\\)`))
      await expect(dead.set('x', 1)).rejects.toThrow(/cache set "x" failed on/)
    } finally {
      await dead.close()
    }
  })
})
