/**
 * The write guard of workers isolated by key prefix (see workers-guard.test.ts) reads Redis's ACL LOG,
 * which holds refusals of every kind and every user: a failed AUTH under the app's user name (an app of an
 * earlier run, still up with the password of then) is no write, and was told as one ("the command AUTH").
 * And the app's user had `+@all`: the app could lift its own rules (ACL SETUSER), empty the log (ACL LOG
 * RESET) or stop it (CONFIG SET acllog-max-len 0), after which no write outside its prefix was refused or seen.
 * A redis-server of the test's own: the test changes what every client of a server shares (its ACL LOG, and
 * its config when the guard lets it).
 */
import { type MainSystem, StateError } from '@venomqa/core'
import { SERVICES, describeWithService } from '@venomqa/test-utils'
import { Redis } from 'ioredis'
import { expect, it } from 'vitest'
import { type RedisState, redisWorkers } from '../src'
import { ownRedisForSuite } from './helpers'

const d = await describeWithService('Redis', SERVICES.redis.host, SERVICES.redis.port)
const main: MainSystem = { baseUrl: 'http://127.0.0.1:1', ports: new Map(), stateBackends: [] }

d("the write guard and the ACL LOG's other entries", () => {
  const own = ownRedisForSuite()

  it("takes a failed AUTH under the app's user name for no write, and refuses the app's lifting its own rules or blinding the log", async () => {
    const setup = redisWorkers({ url: `redis://${own.hostPort}/0`, prefix: 'app:', keyPrefix: (i) => `w${i}:` })
    const worker = await setup.prepare(1, main)
    const backend = (worker.stateBackends as RedisState[])[0]!
    const { redisUrl } = worker.resources!
    const user = new URL(redisUrl).username
    const app = new Redis(redisUrl, { maxRetriesPerRequest: 1 })
    try {
      await backend.connect()
      await backend.checkpoint('a')
      // An app of an earlier run of this worker, still up with the password of then.
      await expect(own.raw.call('AUTH', user, 'the-password-of-an-earlier-run')).rejects.toThrow(/WRONGPASS/)
      // Another user refused a command, a channel and a key: not this worker's app.
      await own.raw.call('ACL', 'SETUSER', 'someone-else', 'reset', 'on', '>pw', '~elsewhere:*', 'resetchannels', '+@all', '-info')
      const other = new Redis(`redis://someone-else:pw@${own.hostPort}/0`, { maxRetriesPerRequest: 1 })
      await expect(other.info()).rejects.toThrow(/NOPERM/)
      await expect(other.publish('news', 'x')).rejects.toThrow(/NOPERM/)
      await expect(other.set('w1:app:cart', 'x')).rejects.toThrow(/NOPERM/)
      other.disconnect()
      await backend.checkpoint('b')

      // What would let a write outside the prefix through, or out of the log, unseen.
      const refused = /NOPERM/
      await expect(app.call('ACL', 'SETUSER', user, 'allkeys')).rejects.toThrow(refused)
      await expect(app.call('ACL', 'LOG', 'RESET')).rejects.toThrow(refused)
      await expect(app.call('CONFIG', 'SET', 'acllog-max-len', '0')).rejects.toThrow(refused)
      await expect(app.set('app:cart', 'x')).rejects.toThrow(refused)
      const err = await backend.checkpoint('c').then(
        () => undefined,
        (e: unknown) => e,
      )
      expect(err).toBeInstanceOf(StateError)
      for (const said of ['the command ACL|SETUSER', 'the command ACL|LOG', 'the command CONFIG|SET', '"app:cart" (SET)']) expect((err as Error).message).toContain(said)
      expect((err as Error).message).not.toMatch(/AUTH|elsewhere|INFO|news/)
    } finally {
      app.disconnect()
      await backend.disconnect()
      await worker.close?.()
      await own.raw.call('ACL', 'DELUSER', 'someone-else')
    }
  })
})
