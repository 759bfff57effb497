/**
 * A Redis that asks for a password, refuses the one given, or whose ACL user may not run a command: the
 * errors say that, naming the entry's url (`plugins[1].url`), showing its user and never the password
 * (`redis://limited:***@host/0`, as every package shows a URL). The state backend
 * said "cannot reach Redis", the health check and `venomqa doctor` "did not answer PING: NOAUTH ...
 * (is Redis running there?)", the same with no password and with a wrong one. A redis-server of the
 * suite's own with a password (the shared one has none, and its users are not ours to change).
 */
import { Redis } from 'ioredis'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { RedisCache } from '../src'
import { pluginEntry, startOwnRedis } from './helpers'

const PASSWORD = 'hpf-S3cret-pw'
const USER_PASSWORD = 'limited-S3cret'

let server: Awaited<ReturnType<typeof startOwnRedis>>
beforeAll(async () => {
  server = await startOwnRedis(['--requirepass', PASSWORD])
  const admin = new Redis(`redis://:${PASSWORD}@${server.hostPort}/0`, { maxRetriesPerRequest: 1 })
  // A user that may look (PING, INFO, SELECT, GET) and nothing else: no SET, no SCAN.
  await admin.call('ACL', 'SETUSER', 'limited', 'on', `>${USER_PASSWORD}`, '~*', '+ping', '+info', '+select', '+get')
  admin.disconnect()
})
afterAll(() => server?.stop())

/** The entry at `where`, on `url` (see pluginEntry). */
const entry = (url: string, where = 'plugins[1]') => pluginEntry({ url, prefix: 'creds:' }, where)

const failure = (p: Promise<unknown>) => p.then(() => 'no error', (err: Error) => err.message)

describe('Redis credentials', () => {
  it('a wrong password: the state backend, the health check and the cache say it was refused, not that Redis is unreachable', async () => {
    const e = await entry(`redis://:wrong-pw@${server.hostPort}/0`)
    try {
      const said = `plugins[1].url: Redis at redis://:***@${server.hostPort}/0 refused the password given (WRONGPASS invalid username-password pair or user is disabled.): put the right one in the URL (percent-encoded)`
      expect(await failure(e.state.connect())).toBe(said)
      expect(await e.health()).toBe(said)
      expect(await failure(e.cache.get('x'))).toBe(said)
      expect(said).not.toContain('wrong-pw')
    } finally {
      await e.close()
    }
  })

  it('no password where one is required: says so, and how to give one', async () => {
    const e = await entry(`redis://${server.hostPort}/0`)
    try {
      const said = `plugins[1].url: Redis at redis://${server.hostPort}/0 requires a password (NOAUTH Authentication required.), and the URL gives none: put it in the URL (percent-encoded), with the user's name before it for a user of its ACL`
      expect(await failure(e.state.connect())).toBe(said)
      expect(await e.health()).toBe(said)
      expect(await failure(e.cache.set('x', 1))).toBe(said)
    } finally {
      await e.close()
    }
  })

  it('a user the server does not know, or its wrong password: the user is named, the password never', async () => {
    const e = await entry(`redis://nobody:${USER_PASSWORD}@${server.hostPort}/0`)
    try {
      const message = await failure(e.state.connect())
      expect(message).toBe(
        `plugins[1].url: Redis at redis://nobody:***@${server.hostPort}/0 refused the user "nobody" with the password given (WRONGPASS invalid username-password pair or user is disabled.): put a user it has, with that user's password, in the URL (both percent-encoded)`,
      )
      expect(message).not.toContain(USER_PASSWORD)
    } finally {
      await e.close()
    }
  })

  it('a user its ACL does not allow a command: the user and the command are named, for the state backend and for a port', async () => {
    const e = await entry(`redis://limited:${USER_PASSWORD}@${server.hostPort}/0`)
    try {
      // It may PING and SELECT: connected.
      await e.state.connect()
      expect(await e.health()).toBe(true)
      expect(await failure(e.state.checkpoint('cp'))).toBe(
        `state backend "redis": checkpoint "cp" failed (redis://limited:***@${server.hostPort}/0): the Redis user "limited" of plugins[1].url may not run SCAN (NOPERM this user has no permissions to run the 'scan' command): allow it in the user's ACL (ACL SETUSER limited +scan), or give plugins[1].url a user that may`,
      )
      const message = await failure(e.cache.set('x', 1))
      expect(message).toBe(
        `cache set "x" failed on redis://limited:***@${server.hostPort}/0: the Redis user "limited" of plugins[1].url may not run SET (NOPERM this user has no permissions to run the 'set' command): allow it in the user's ACL (ACL SETUSER limited +set), or give plugins[1].url a user that may`,
      )
      expect(message).not.toContain(USER_PASSWORD)
    } finally {
      await e.state.disconnect()
      await e.close()
    }
  })

  it('made in code, with no config key: named as the `url` option', async () => {
    const cache = new RedisCache({ url: `redis://:wrong-pw@${server.hostPort}/0` })
    try {
      expect(await failure(cache.get('x'))).toMatch(/^Redis: `url`: Redis at redis:\/\/:\*\*\*@127\.0\.0\.1:\d+\/0 refused the password given \(WRONGPASS /)
    } finally {
      await cache.close()
    }
  })
})
