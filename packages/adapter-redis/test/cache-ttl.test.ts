import { UserError } from '@venomqa/core'
import { SERVICES, describeWithService } from '@venomqa/test-utils'
import { afterAll, beforeEach, expect, it, vi } from 'vitest'
import { RedisCache } from '../src'
import { rawClient } from './helpers'

/**
 * A DB of this package's (see SERVICES), emptied before each test and after the last: the package's files
 * run one at a time, but other packages' suites run beside them, and DB 3 is no package's.
 */
const DB = 13
const describeRedis = await describeWithService('Redis', SERVICES.redis.host, SERVICES.redis.port)

/**
 * Redis keeps a TTL in whole milliseconds: `ttlMs: 1.5` cannot be kept as the user thinks, and was rounded
 * (to 2, or to 1 for 0.4) without a word. It is refused with the key and the value named, as the in-memory
 * cache refuses it, before anything is sent.
 */
describeRedis(`RedisCache: a TTL that is no whole number of milliseconds (DB ${DB})`, () => {
  const raw = rawClient(DB)
  const cache = new RedisCache({ url: `redis://${SERVICES.redis.host}:${SERVICES.redis.port}/${DB}`, prefix: 'ttl:' })

  beforeEach(async () => {
    await raw.flushdb()
  })
  afterAll(async () => {
    await raw.flushdb()
    await Promise.all([cache.close(), raw.quit()])
  })

  const refusals: [string, () => Promise<unknown>, string][] = [
    ['set', () => cache.set('k', 1, { ttlMs: 1.5 }), 'cache.set("k", ...): ttlMs: expected a positive whole number of milliseconds, got 1.5'],
    ['set, under 1 ms', () => cache.set('k', 1, { ttlMs: 0.4 }), 'cache.set("k", ...): ttlMs: expected a positive whole number of milliseconds, got 0.4'],
    ['set, 0', () => cache.set('k', 1, { ttlMs: 0 }), 'cache.set("k", ...): ttlMs: expected a positive whole number of milliseconds, got 0'],
    ['set, a string', () => cache.set('k', 1, { ttlMs: '100' as never }), 'cache.set("k", ...): ttlMs: expected a positive whole number of milliseconds, got "100"'],
    ['setMany', () => cache.setMany({ k: 1 }, { ttlMs: 2.25 }), 'cache.setMany(...): ttlMs: expected a positive whole number of milliseconds, got 2.25'],
    ['setTtlMs', () => cache.setTtlMs('there', 60_000.4), 'cache.setTtlMs("there", ...): ttlMs: expected a whole number of milliseconds (0 or less deletes the key), got 60000.4'],
    ['setTtlMs under 1 ms', () => cache.setTtlMs('there', 0.4), 'cache.setTtlMs("there", ...): ttlMs: expected a whole number of milliseconds (0 or less deletes the key), got 0.4'],
    ['setTtlMs, negative fraction', () => cache.setTtlMs('there', -0.4), 'cache.setTtlMs("there", ...): ttlMs: expected a whole number of milliseconds (0 or less deletes the key), got -0.4'],
  ]

  for (const [what, call, message] of refusals) {
    it(`${what}: refused with a UserError naming ttlMs and the value; Redis is not asked`, async () => {
      await raw.set('ttl:there', '"v"')
      const sent = [vi.spyOn(cache.redis, 'set'), vi.spyOn(cache.redis, 'pexpire'), vi.spyOn(cache.redis, 'multi')]
      try {
        const err = await call().catch((e: unknown) => e)
        expect(err).toBeInstanceOf(UserError)
        expect((err as Error).message).toBe(message)
        for (const spy of sent) expect(spy).not.toHaveBeenCalled()
      } finally {
        for (const spy of sent) spy.mockRestore()
      }
      expect(await raw.exists('ttl:k')).toBe(0)
      expect(await raw.pttl('ttl:there')).toBe(-1)
    })
  }

  it('whole milliseconds go to Redis as given; setTtlMs with 0 or less still deletes the key', async () => {
    await cache.set('month', 1, { ttlMs: 2_592_000_000 })
    expect(await raw.pttl('ttl:month')).toBeGreaterThan(2_591_000_000)
    await cache.setMany({ a: 1 }, { ttlMs: 60_000 })
    expect(await raw.pttl('ttl:a')).toBeGreaterThan(55_000)
    expect(await cache.setTtlMs('a', 0)).toBe(true)
    expect(await raw.exists('ttl:a')).toBe(0)
    await cache.set('b', 1)
    expect(await cache.setTtlMs('b', -5)).toBe(true)
    expect(await raw.exists('ttl:b')).toBe(0)
  })
})
