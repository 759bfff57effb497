/**
 * The cache port against keys other programs wrote in its DB with other Redis types. Redis DB 13 only,
 * emptied after.
 */
import { UserError } from '@venomqa/core'
import { SERVICES, describeWithService } from '@venomqa/test-utils'
import { afterAll, afterEach, expect, it } from 'vitest'
import { RedisCache } from '../src'
import { rawClient } from './helpers'

const describeRedis = await describeWithService('Redis', SERVICES.redis.host, SERVICES.redis.port)
const DB = 13

describeRedis('RedisCache and keys of other types (DB 13)', () => {
  const raw = rawClient(DB)
  const cache = new RedisCache({ url: `redis://${SERVICES.redis.host}:${SERVICES.redis.port}/${DB}`, prefix: 'app:' })
  afterEach(async () => {
    await raw.flushdb()
  })
  afterAll(async () => {
    await raw.flushdb()
    await Promise.all([cache.close(), raw.quit()])
  })

  it('getMany refuses a key of another type as get does, instead of calling it missing', async () => {
    await raw.set('app:name', '"Ada"')
    await raw.hset('app:profile', 'name', 'Ada')
    const err = await cache.getMany(['name', 'profile', 'missing']).catch((e: unknown) => e)
    expect(err).toBeInstanceOf(UserError)
    expect((err as Error).message).toMatch(/cache: key "app:profile" holds a Redis hash, not a string value/)
    // What is really missing or a string still reads as before.
    expect(await cache.getMany(['name', 'missing'])).toEqual({ name: 'Ada', missing: undefined })
  })
})
