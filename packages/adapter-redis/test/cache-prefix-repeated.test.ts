/**
 * A key given with the port's prefix in it (`cache.get('shop:user:1')` with `prefix: 'shop:'`, copied from
 * redis-cli): the port reads `shop:shop:user:1`, and answered "missing" without a word, so a journey's
 * "was it deleted?" passed on a key that was there. A miss on such a key now says so, once.
 */
import { SERVICES, describeWithService } from '@venomqa/test-utils'
import { afterEach, expect, it } from 'vitest'
import { RedisCache } from '../src'
import { removeKeys, withRawClient } from './helpers'

const describe = await describeWithService('Redis', SERVICES.redis.host, SERVICES.redis.port)
/** A DB the other cache tests do not empty, and a prefix of this file's own. */
const DB = 4
const URL = `redis://${SERVICES.redis.host}:${SERVICES.redis.port}/${DB}`
const PREFIX = 'cprefix-shop:'

describe('a cache key that repeats the port prefix', () => {
  afterEach(() => removeKeys(DB, `${PREFIX}*`))

  it('is told once when a read misses while the key as written is there', async () => {
    const notices: string[] = []
    const cache = new RedisCache({ url: URL, prefix: PREFIX, onNotice: (m) => notices.push(m) })
    try {
      await withRawClient(DB, (r) => r.set(`${PREFIX}user:1`, '{"name":"Ann"}'))
      expect(await cache.exists(`${PREFIX}user:1`)).toBe(false)
      expect(await cache.get(`${PREFIX}user:1`)).toBeUndefined()
      expect(await cache.getTtlMs(`${PREFIX}user:1`)).toBe(-2)
      expect(notices).toEqual([
        `cache key "${PREFIX}user:1" begins with the port's prefix "${PREFIX}", which the port puts before every key: it read "${PREFIX}${PREFIX}user:1", which is not there, while "${PREFIX}user:1" is. Give the key without the prefix: "user:1"`,
      ])
      // The key as the port wants it is found, and a miss on a key without the prefix says nothing.
      expect(await cache.get('user:1')).toEqual({ name: 'Ann' })
      expect(await cache.get('user:2')).toBeUndefined()
      expect(notices).toHaveLength(1)
    } finally {
      await cache.close()
    }
  })

  it('says nothing when the key as written is not there either', async () => {
    const notices: string[] = []
    const cache = new RedisCache({ url: URL, prefix: PREFIX, onNotice: (m) => notices.push(m) })
    try {
      expect(await cache.get(`${PREFIX}user:9`)).toBeUndefined()
      expect(notices).toEqual([])
    } finally {
      await cache.close()
    }
  })
})
