import { UserError } from '@venomqa/core'
import { describe, expect, it } from 'vitest'
import { ControllableClock } from '../../src/adapters/controllable-clock'
import { MemoryCache } from '../../src/adapters/memory-cache'

// The guide's "Cache Testing Patterns", on the in-memory cache with a controllable clock.
describe('MemoryCache: the guide patterns', () => {
  it('test_cache_expiration: a 60 s entry exists, reports its TTL, and expires when time moves on', async () => {
    const clock = new ControllableClock({ frozen: true })
    const cache = new MemoryCache({ clock })
    await cache.set('session:abc123', { user_id: 1 }, { ttlMs: 60_000 })
    expect(await cache.exists('session:abc123')).toBe(true)
    const ttl = await cache.getTtlMs('session:abc123')
    expect(ttl).toBeGreaterThan(0)
    expect(ttl).toBeLessThanOrEqual(60_000)

    clock.advance({ seconds: 59 })
    expect(await cache.getTtlMs('session:abc123')).toBe(1000)
    expect(await cache.get('session:abc123')).toEqual({ user_id: 1 })
    clock.advance({ seconds: 1 })
    expect(await cache.exists('session:abc123')).toBe(false)
    expect(await cache.get('session:abc123')).toBeUndefined()
    expect(await cache.getTtlMs('session:abc123')).toBe(-2)

    const stats = await cache.stats()
    expect(stats).toMatchObject({ hits: 1, misses: 1, hitRate: 50, keys: 0 })
  })

  it('test_cache_invalidation: after delete, the next read misses', async () => {
    const cache = new MemoryCache()
    await cache.set('user:1', { name: 'John', role: 'user' })
    expect(await cache.getTtlMs('user:1')).toBe(-1)
    expect(await cache.delete('user:1')).toBe(true)
    expect(await cache.get('user:1')).toBeUndefined()
    expect(await cache.delete('user:1')).toBe(false)
  })
})

describe('MemoryCache', () => {
  it('stores JSON copies: changing a value after set or get does not change the cache', async () => {
    const cache = new MemoryCache()
    const user = { name: 'Ann', tags: ['a'] }
    await cache.set('u', user)
    user.tags.push('mutated')
    const got = await cache.get<typeof user>('u')
    expect(got).toEqual({ name: 'Ann', tags: ['a'] })
    got!.name = 'changed'
    expect(await cache.get('u')).toEqual({ name: 'Ann', tags: ['a'] })
  })

  it('getMany / setMany / deleteMany, and setMany writes nothing when one value cannot be stored', async () => {
    // A frozen clock: on the real one a millisecond may pass between setMany and getTtlMs.
    const cache = new MemoryCache({ clock: new ControllableClock({ frozen: true }) })
    await cache.setMany({ a: 1, b: 'two' }, { ttlMs: 30_000 })
    expect(await cache.getMany(['a', 'b', 'c'])).toEqual({ a: 1, b: 'two', c: undefined })
    expect(await cache.getTtlMs('a')).toBe(30_000)
    await expect(cache.setMany({ x: 1, y: 10n })).rejects.toThrow(/cache key "y": the value cannot be stored as JSON/)
    expect(await cache.exists('x')).toBe(false)
    expect(await cache.deleteMany(['a', 'b', 'nope'])).toBe(2)
  })

  it('setTtlMs extends or removes an expiry; 0 deletes, as Redis PEXPIRE does; missing key is false', async () => {
    const clock = new ControllableClock({ frozen: true })
    const cache = new MemoryCache({ clock })
    await cache.set('k', 'v', { ttlMs: 10_000 })
    expect(await cache.setTtlMs('k', 100_000)).toBe(true)
    clock.advance({ seconds: 50 })
    expect(await cache.getTtlMs('k')).toBe(50_000)
    expect(await cache.setTtlMs('k', 0)).toBe(true)
    expect(await cache.exists('k')).toBe(false)
    expect(await cache.setTtlMs('missing', 5000)).toBe(false)
  })

  it('follows the real clock when none is given', async () => {
    const cache = new MemoryCache()
    await cache.set('short', 1, { ttlMs: 50 })
    expect(await cache.exists('short')).toBe(true)
    await new Promise((r) => setTimeout(r, 80))
    expect(await cache.exists('short')).toBe(false)
  })

  it('defaultTtlMs applies to set without a ttl; clear() empties it; stats reset on demand', async () => {
    const clock = new ControllableClock({ frozen: true })
    const cache = new MemoryCache({ clock, defaultTtlMs: 5000 })
    await cache.set('a', 1)
    expect(await cache.getTtlMs('a')).toBe(5000)
    await cache.get('a')
    await cache.get('zzz')
    await cache.get('zzz')
    expect((await cache.stats()).hitRate).toBeCloseTo(33.333, 2)
    await cache.clear()
    expect(await cache.exists('a')).toBe(false)
    cache.resetStats()
    expect(await cache.stats()).toEqual({ hits: 0, misses: 0, hitRate: 0, keys: 0 })
  })

  it('refuses bad TTLs and unstorable values with errors that name the key', async () => {
    const cache = new MemoryCache()
    await expect(cache.set('k', 1, { ttlMs: 0 })).rejects.toThrow('cache.set("k", ...): ttlMs: expected a positive whole number of milliseconds, got 0')
    await expect(cache.set('k', 1, { ttlMs: -3 })).rejects.toBeInstanceOf(UserError)
    await expect(cache.set('fn', () => 1)).rejects.toThrow(/cache key "fn": function values cannot be stored/)
    const circular: Record<string, unknown> = {}
    circular.self = circular
    await expect(cache.set('loop', circular)).rejects.toThrow(/cache key "loop"/)
  })

  it('refuses the old seconds-based calls, naming the new ones, instead of reading seconds as milliseconds', async () => {
    const cache = new MemoryCache()
    await expect(cache.set('k', 1, 60 as never)).rejects.toThrow('the TTL is now given as { ttlMs } in milliseconds, e.g. { ttlMs: 60000 } for 60 s')
    await expect(cache.set('k', 1, { ttl: 60 } as never)).rejects.toThrow('"ttl" is now "ttlMs"')
    await expect((cache as unknown as { getTtl(k: string): Promise<number> }).getTtl('k')).rejects.toThrow('cache.getTtl() is now cache.getTtlMs()')
    expect(() => new MemoryCache({ defaultTtl: 5 } as never)).toThrow('"defaultTtl" is now "defaultTtlMs"')
  })
})
