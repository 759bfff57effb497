/**
 * An ACL user that may not run INFO: ioredis runs INFO on connecting (its ready check) and printed its own
 * warning ("Skipping the ready check because INFO command fails ...") to the console, outside VenomQA's
 * output, at `venomqa doctor`'s health check and at a run's first call. The adapter's connections make no
 * ready check; what does need INFO (BullMQ's check of the server's version, for the queue port) says in
 * VenomQA's words which user of which entry's url may not run it, never the password.
 */
import { SERVICES } from '@venomqa/test-utils'
import { Redis } from 'ioredis'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { sameDb } from '../src/connection'
import { captureConsole, pluginEntry } from './helpers'

const USER = 'hadp_noinfo'
const PASSWORD = 'hadp-NoInfo-S3cret'
const DB = 3
const hostPort = `${SERVICES.redis.host}:${SERVICES.redis.port}`
const url = `redis://${USER}:${PASSWORD}@${hostPort}/${DB}`

let admin: Redis
beforeAll(async () => {
  admin = new Redis({ host: SERVICES.redis.host, port: SERVICES.redis.port, db: DB, maxRetriesPerRequest: 1 })
  await admin.call('ACL', 'SETUSER', USER, 'reset', 'on', `>${PASSWORD}`, '~hadp-noinfo:*', '~bull:*', '&*', '+@all', '-info')
})
afterAll(async () => {
  await admin.call('ACL', 'DELUSER', USER)
  const keys = [...(await admin.keys('hadp-noinfo:*')), ...(await admin.keys('bull:hadp-noinfo*'))]
  if (keys.length) await admin.del(...keys)
  await admin.quit()
})

const printed = captureConsole()
/** The entry at `plugins[2]`, as the limited user (see pluginEntry). */
const entry = () => pluginEntry({ url, prefix: 'hadp-noinfo:', queue: { name: 'hadp-noinfo' } })

describe('a Redis user that may not run INFO', () => {
  it('passes the health check and uses the cache with nothing printed by a library', async () => {
    const e = await entry()
    try {
      expect(await e.health()).toBe(true)
      await e.cache.set('k', { a: 1 })
      expect(await e.cache.get('k')).toEqual({ a: 1 })
    } finally {
      await e.close()
    }
    expect(printed()).toEqual([])
  })

  it('the queue, which needs INFO, says so naming plugins[2].url and the user, never the password', async () => {
    const e = await entry()
    let message = ''
    try {
      message = await e.queue.enqueue('job', { n: 1 }).then(
        () => 'no error',
        (err: Error) => err.message,
      )
    } finally {
      await e.close()
    }
    expect(message).toContain(`the Redis user "${USER}" of plugins[2].url may not run INFO`)
    expect(message).toContain(`ACL SETUSER ${USER} +info`)
    expect(message).not.toContain(PASSWORD)
    expect(printed()).toEqual([])
  })

  it('comparing two clients by server needs no INFO when they name one server, and says a refused INFO when it does', async () => {
    const a = new Redis(url, { lazyConnect: true, enableReadyCheck: false })
    const b = new Redis(url, { lazyConnect: true, enableReadyCheck: false })
    const other = new Redis(url.replace(SERVICES.redis.host, 'localhost'), { lazyConnect: true, enableReadyCheck: false })
    try {
      expect(await sameDb(a, b)).toBe(true)
      const refused = await sameDb(a, other).then(
        () => 'no error',
        (err: Error) => err.message,
      )
      expect(refused).toContain(`the Redis user "${USER}" of the client may not run INFO`)
      expect(refused).not.toContain(PASSWORD)
    } finally {
      a.disconnect()
      b.disconnect()
      other.disconnect()
    }
    expect(printed()).toEqual([])
  })
})
