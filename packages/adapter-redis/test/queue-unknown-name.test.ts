/**
 * A queue name the app never used (`queue: { name: 'email' }` for the app's "emails"): every read finds
 * nothing, and the journey's assertion said only that no job was there. The port now tells once, naming
 * the queues that the DB does hold.
 */
import { BullQueue } from '../src'
import { SERVICES, describeWithService } from '@venomqa/test-utils'
import { afterEach, expect, it } from 'vitest'
import { removeKeys } from './helpers'

const describe = await describeWithService('Redis', SERVICES.redis.host, SERVICES.redis.port)
/** A DB of its own, and a BullMQ prefix of this file's own. */
const DB = 4
const URL = `redis://${SERVICES.redis.host}:${SERVICES.redis.port}/${DB}`
const PREFIX = 'qname-bull'

describe('a queue the app never added a job to', () => {
  afterEach(() => removeKeys(DB, `${PREFIX}:*`))

  it('is told once, with the queues there are, when a read finds nothing', async () => {
    const notices: string[] = []
    const app = new BullQueue({ url: URL, prefix: PREFIX, name: 'emails' })
    const port = new BullQueue({ url: URL, prefix: PREFIX, name: 'email', onNotice: (m) => notices.push(m) })
    try {
      await app.enqueue('welcome', { n: 1 })
      expect(await port.getJob('1')).toBeUndefined()
      expect(await port.length()).toBe(0)
      expect(await port.getJobs()).toEqual([])
      expect(notices).toEqual([
        `queue "email" has had no job in Redis at redis://${SERVICES.redis.host}:${SERVICES.redis.port}/${DB} (no key ${PREFIX}:email:id); the queues there are: emails. Is "email" the queue the app adds its jobs to? Give the app's as the plugin's queue: { name } (or the call's queue)`,
      ])
      // The right name finds the job and says nothing.
      expect(await port.length('emails')).toBe(1)
      expect(notices).toHaveLength(1)
    } finally {
      await Promise.all([app.close(), port.close()])
    }
  })

  it('says nothing while no queue has had a job: the app may not have enqueued yet', async () => {
    const notices: string[] = []
    const port = new BullQueue({ url: URL, prefix: PREFIX, name: 'emails', onNotice: (m) => notices.push(m) })
    try {
      expect(await port.length()).toBe(0)
      expect(notices).toEqual([])
    } finally {
      await port.close()
    }
  })
})
