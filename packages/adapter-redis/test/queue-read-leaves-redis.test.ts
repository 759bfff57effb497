/**
 * A test tool leaves the app's Redis as it found it: a journey that only reads the queue must not write
 * into it. Opening a BullMQ Queue writes `<prefix>:<name>:meta`, which the port's reads did, on a queue
 * the app had not used yet too.
 */
import { BullQueue } from '../src'
import { SERVICES, describeWithService } from '@venomqa/test-utils'
import { afterEach, expect, it } from 'vitest'
import { removeKeys, withRawClient } from './helpers'

const describe = await describeWithService('Redis', SERVICES.redis.host, SERVICES.redis.port)
/** A DB of its own, and a BullMQ prefix of this file's own. */
const DB = 4
const URL = `redis://${SERVICES.redis.host}:${SERVICES.redis.port}/${DB}`
const PREFIX = 'venomqa-test-qread'

/** Every key under the prefix, with its type and value: what "as it was" compares. */
const keysUnderPrefix = () =>
  withRawClient(DB, async (r) => {
    const keys = (await r.keys(`${PREFIX}:*`)).sort()
    return Promise.all(keys.map(async (k) => [k, await r.type(k), (await r.type(k)) === 'hash' ? await r.hgetall(k) : null]))
  })

describe('reading the queue', () => {
  afterEach(() => removeKeys(DB, `${PREFIX}:*`))

  it('writes nothing into Redis on a queue nothing has used', async () => {
    const port = new BullQueue({ url: URL, prefix: PREFIX, name: 'emails' })
    try {
      expect(await port.length()).toBe(0)
      expect(await port.getJobs()).toEqual([])
      expect(await port.getJob('1')).toBeUndefined()
      expect(await port.getActiveJobs()).toEqual([])
      expect(await port.getFailedJobs()).toEqual([])
    } finally {
      await port.close()
    }
    expect(await keysUnderPrefix()).toEqual([])
  })

  it("leaves the app's queue as it was, its meta included", async () => {
    const app = new BullQueue({ url: URL, prefix: PREFIX, name: 'emails' })
    await app.enqueue('welcome', { n: 1 })
    await app.close()
    // As an app of another BullMQ version would have left it.
    await withRawClient(DB, (r) => r.hset(`${PREFIX}:emails:meta`, 'version', 'bullmq:0.0.1'))
    const before = await keysUnderPrefix()
    const port = new BullQueue({ url: URL, prefix: PREFIX, name: 'emails' })
    try {
      expect(await port.length()).toBe(1)
      expect((await port.getJobs()).map((j) => j.name)).toEqual(['welcome'])
    } finally {
      await port.close()
    }
    expect(await keysUnderPrefix()).toEqual(before)
  })
})
