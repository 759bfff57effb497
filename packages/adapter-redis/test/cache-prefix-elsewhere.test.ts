/**
 * A port prefix other than the app's (`prefix: 'shop-'` for an app writing `shop:order:1`): every read
 * missed without a word, and the journey failed on "expected 4200, got undefined" with nothing pointing at
 * the prefix, while the state backend on the same prefix rolled back none of the app's keys. A miss whose key
 * is there under another prefix now says so, once, naming the prefix the app uses.
 */
import { SERVICES, describeWithService } from '@venomqa/test-utils'
import { afterEach, expect, it } from 'vitest'
import { RedisCache } from '../src'
import { removeKeys, withRawClient } from './helpers'

const describe = await describeWithService('Redis', SERVICES.redis.host, SERVICES.redis.port)
const DB = 3
const URL = `redis://${SERVICES.redis.host}:${SERVICES.redis.port}/${DB}`
/** What the app writes under, and a port prefix that differs from it by one character. */
const APP_PREFIX = 'vqwhole:celsewhere:'
const PORT_PREFIX = 'vqwhole:celsewhere-'

describe('a cache key the app wrote under another prefix than the port', () => {
  afterEach(() => removeKeys(DB, 'vqwhole:celsewhere*'))

  it('is told once, naming the key found and its prefix', async () => {
    const notices: string[] = []
    const cache = new RedisCache({ url: URL, prefix: PORT_PREFIX, onNotice: (m) => notices.push(m) })
    try {
      await withRawClient(DB, (r) => r.set(`${APP_PREFIX}order:1:total`, '4200'))
      expect(await cache.get('order:1:total')).toBeUndefined()
      expect(await cache.exists('order:1:total')).toBe(false)
      expect(notices).toEqual([
        `cache key "order:1:total" missed: the port read "${PORT_PREFIX}order:1:total", which is not there, while "${APP_PREFIX}order:1:total" is. If the app writes its keys under "${APP_PREFIX}", give that as the plugin's prefix: the port reads, and the state backend rolls back, only the keys under "${PORT_PREFIX}"`,
      ])
    } finally {
      await cache.close()
    }
  })

  it('says nothing when no other key ends with it', async () => {
    const notices: string[] = []
    const cache = new RedisCache({ url: URL, prefix: APP_PREFIX, onNotice: (m) => notices.push(m) })
    try {
      await withRawClient(DB, (r) => r.set(`${APP_PREFIX}order:1:total`, '4200'))
      expect(await cache.get('order:1:total')).toBe(4200)
      expect(await cache.get('order:1:paid')).toBeUndefined()
      expect(notices).toEqual([])
    } finally {
      await cache.close()
    }
  })

  it('says nothing for a key of its own namespace that ends alike, nor for a copy of its key under a wider prefix', async () => {
    const notices: string[] = []
    const cache = new RedisCache({ url: URL, prefix: APP_PREFIX, onNotice: (m) => notices.push(m) })
    try {
      // Another key of the app's own (its prefix is the port's): not a prefix mistake.
      await withRawClient(DB, (r) => r.set(`${APP_PREFIX}order:1:total`, '4200'))
      expect(await cache.get('total')).toBeUndefined()
      // The same key under a worker's prefix (redisWorkers copies `<app prefix>key` under `w1:`): another lane's, not the app's prefix.
      await withRawClient(DB, (r) => r.set(`vqwhole:celsewhere-w1:${APP_PREFIX}order:2:paid`, 'true'))
      expect(await cache.get('order:2:paid')).toBeUndefined()
      expect(notices).toEqual([])
    } finally {
      await cache.close()
    }
  })
})
