import { UserError } from '@venomqa/core'
import { describe, expect, it } from 'vitest'
import { ControllableClock } from '../../src/adapters/controllable-clock'
import { MemoryCache } from '../../src/adapters/memory-cache'

/**
 * A TTL is a whole number of milliseconds, as Redis keeps it: `ttlMs: 1.5` is refused with the key and the
 * value named, here as in the Redis cache, rather than kept as a fraction one cache honours and the other
 * rounds.
 */
describe('MemoryCache: a TTL that is no whole number of milliseconds', () => {
  const refusals: [string, (cache: MemoryCache) => Promise<unknown>, string][] = [
    ['set', (c) => c.set('k', 1, { ttlMs: 1.5 }), 'cache.set("k", ...): ttlMs: expected a positive whole number of milliseconds, got 1.5'],
    ['set, under 1 ms', (c) => c.set('k', 1, { ttlMs: 0.4 }), 'cache.set("k", ...): ttlMs: expected a positive whole number of milliseconds, got 0.4'],
    ['set, 0', (c) => c.set('k', 1, { ttlMs: 0 }), 'cache.set("k", ...): ttlMs: expected a positive whole number of milliseconds, got 0'],
    ['set, negative', (c) => c.set('k', 1, { ttlMs: -3 }), 'cache.set("k", ...): ttlMs: expected a positive whole number of milliseconds, got -3'],
    ['set, a string', (c) => c.set('k', 1, { ttlMs: '100' as never }), 'cache.set("k", ...): ttlMs: expected a positive whole number of milliseconds, got "100"'],
    ['set, Infinity', (c) => c.set('k', 1, { ttlMs: Number.POSITIVE_INFINITY }), 'cache.set("k", ...): ttlMs: expected a positive whole number of milliseconds, got Infinity'],
    ['setMany', (c) => c.setMany({ a: 1 }, { ttlMs: 2.25 }), 'cache.setMany(...): ttlMs: expected a positive whole number of milliseconds, got 2.25'],
    ['setTtlMs', (c) => c.setTtlMs('there', 1.5), 'cache.setTtlMs("there", ...): ttlMs: expected a whole number of milliseconds (0 or less deletes the key), got 1.5'],
    ['setTtlMs, NaN', (c) => c.setTtlMs('there', Number.NaN), 'cache.setTtlMs("there", ...): ttlMs: expected a whole number of milliseconds (0 or less deletes the key), got NaN'],
    ['setTtlMs on a missing key', (c) => c.setTtlMs('missing', -0.5), 'cache.setTtlMs("missing", ...): ttlMs: expected a whole number of milliseconds (0 or less deletes the key), got -0.5'],
  ]

  for (const [what, call, message] of refusals) {
    it(`${what}: refused with a UserError naming ttlMs and the value; nothing is written`, async () => {
      const cache = new MemoryCache({ clock: new ControllableClock({ frozen: true }) })
      await cache.set('there', 'v')
      const err = await call(cache).catch((e: unknown) => e)
      expect(err).toBeInstanceOf(UserError)
      expect((err as Error).message).toBe(message)
      expect(await cache.exists('k')).toBe(false)
      expect(await cache.exists('a')).toBe(false)
      expect(await cache.getTtlMs('there')).toBe(-1)
    })
  }

  it('defaultTtlMs: a fraction is refused at construction, naming defaultTtlMs', () => {
    expect(() => new MemoryCache({ defaultTtlMs: 1.5 })).toThrow(new UserError('E_CACHE_TTL', 'MemoryCache(): defaultTtlMs: expected a positive whole number of milliseconds, got 1.5'))
    expect(() => new MemoryCache({ defaultTtlMs: 0 })).toThrow('MemoryCache(): defaultTtlMs: expected a positive whole number of milliseconds, got 0')
  })

  it('whole milliseconds are kept as given, and setTtlMs with 0 or less still deletes the key', async () => {
    const clock = new ControllableClock({ frozen: true })
    const cache = new MemoryCache({ clock, defaultTtlMs: 2_592_000_000 })
    await cache.set('month', 1)
    expect(await cache.getTtlMs('month')).toBe(2_592_000_000)
    await cache.set('k', 1, { ttlMs: 2 })
    expect(await cache.getTtlMs('k')).toBe(2)
    expect(await cache.setTtlMs('k', 0)).toBe(true)
    expect(await cache.exists('k')).toBe(false)
    await cache.set('k', 1)
    expect(await cache.setTtlMs('k', -1)).toBe(true)
    expect(await cache.exists('k')).toBe(false)
  })
})
