/**
 * An app whose BullMQ Queue has a prefix of its own (`new Queue('emails', { prefix: 'myapp' })`) while the
 * port reads BullMQ's default `bull`: every read found nothing, said nothing (no queue under `bull:` has had
 * a job), and getJobResult said the job was never added. The port now names the prefix the jobs are under.
 */
import { BullQueue } from '../src'
import { SERVICES, describeWithService } from '@venomqa/test-utils'
import { afterEach, expect, it } from 'vitest'
import { removeKeys } from './helpers'

const describe = await describeWithService('Redis', SERVICES.redis.host, SERVICES.redis.port)
/** The DB of the queue-name test, with BullMQ prefixes of this file's own. */
const DB = 4
const URL = `redis://${SERVICES.redis.host}:${SERVICES.redis.port}/${DB}`
const APP_PREFIX = 'qprefix-app'
const PORT_PREFIX = 'qprefix-port'
/**
 * A queue name of this file's own: the port looks for `*:<name>:id` under every prefix, and another file's
 * "emails" in this DB (queue-unknown-name's, running beside it) would be the prefix it names.
 */
const QUEUE = 'qprefix-emails'

describe('a queue whose jobs are under another BullMQ prefix', () => {
  afterEach(async () => {
    await removeKeys(DB, `${APP_PREFIX}:*`)
    await removeKeys(DB, `${PORT_PREFIX}:*`)
  })

  it('is told once, naming the prefix the app uses, when a read finds nothing', async () => {
    const notices: string[] = []
    const app = new BullQueue({ url: URL, prefix: APP_PREFIX, name: QUEUE })
    const port = new BullQueue({ url: URL, prefix: PORT_PREFIX, name: QUEUE, onNotice: (m) => notices.push(m) })
    try {
      await app.enqueue('welcome', { n: 1 })
      expect(await port.getJob('1')).toBeUndefined()
      expect(await port.length()).toBe(0)
      expect(notices).toEqual([
        `queue "${QUEUE}" has had no job under the BullMQ prefix "${PORT_PREFIX}" in Redis at redis://${SERVICES.redis.host}:${SERVICES.redis.port}/${DB} (no key ${PORT_PREFIX}:${QUEUE}:id), but it has under "${APP_PREFIX}" (${APP_PREFIX}:${QUEUE}:id): the app's Queue is made with prefix "${APP_PREFIX}". Give it as the plugin's queue: { prefix: "${APP_PREFIX}" }`,
      ])
    } finally {
      await Promise.all([app.close(), port.close()])
    }
  })

  // Both the name and the prefix wrong (`email` under `bull` for the app's `emails` under `myapp`): no queue
  // under the port's prefix had a job and none of the port's name under another, so nothing was said, and
  // an assertion that the app queued nothing (length() is 0) passed.
  it('is told when no queue under the port prefix has had a job, naming the queues under other prefixes', async () => {
    const notices: string[] = []
    const app = new BullQueue({ url: URL, prefix: APP_PREFIX, name: QUEUE })
    const port = new BullQueue({ url: URL, prefix: PORT_PREFIX, name: `${QUEUE}-typo`, onNotice: (m) => notices.push(m) })
    try {
      await app.enqueue('welcome', { n: 1 })
      expect(await port.length()).toBe(0)
      expect(notices).toHaveLength(1)
      expect(notices[0]).toContain(`queue "${QUEUE}-typo" has had no job under the BullMQ prefix "${PORT_PREFIX}"`)
      expect(notices[0]).toContain(`${APP_PREFIX}:${QUEUE}`)
      expect(notices[0]).toContain('queue: { name, prefix }')
    } finally {
      await Promise.all([app.close(), port.close()])
    }
  })

  it('getJobResult of the app job says where the job is rather than that it was never added', async () => {
    const app = new BullQueue({ url: URL, prefix: APP_PREFIX, name: QUEUE })
    const port = new BullQueue({ url: URL, prefix: PORT_PREFIX, name: QUEUE })
    try {
      const id = await app.enqueue('welcome', { n: 1 })
      await expect(port.getJobResult(id, { timeoutMs: 100 })).rejects.toThrow(
        `queue "${QUEUE}" has no job "${id}" under the BullMQ prefix "${PORT_PREFIX}", but it has jobs under "${APP_PREFIX}" (${APP_PREFIX}:${QUEUE}:id): the app's Queue is made with prefix "${APP_PREFIX}". Give it as the plugin's queue: { prefix: "${APP_PREFIX}" }`,
      )
    } finally {
      await Promise.all([app.close(), port.close()])
    }
  })
})
