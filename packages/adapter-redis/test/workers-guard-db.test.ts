/**
 * Workers with a DB each: Redis ACL cannot keep a user to one DB, so a worker's app that selects another DB
 * (the main one, another worker's) wrote there without a word, where no rollback of its worker reached.
 * Its app now connects as a Redis user of its own that may SELECT only its DB (nor MOVE, COPY, MIGRATE,
 * SWAPDB, FLUSHALL), and the worker's next check fails naming the worker and its DB: for a refused SELECT
 * (the ACL LOG), and for a connection of the app's user that is in another DB all the same (CLIENT LIST:
 * one opened on DB 0 never sends SELECT).
 * A redis-server of the test's own: a refused SELECT leaves a connection on DB 0, whose writes land there.
 */
import { type MainSystem, StateError, madeByWorkerSetups } from '@venomqa/core'
import { SERVICES, describeWithService } from '@venomqa/test-utils'
import { Redis } from 'ioredis'
import { expect, it } from 'vitest'
import { type RedisState, redisWorkers } from '../src'
import { ownRedisForSuite } from './helpers'

const d = await describeWithService('Redis', SERVICES.redis.host, SERVICES.redis.port)
const main: MainSystem = { baseUrl: 'http://127.0.0.1:1', ports: new Map(), stateBackends: [] }

const failureOf = (p: Promise<unknown>) =>
  p.then(
    () => undefined,
    (e: unknown) => e,
  )

d('redisWorkers with a DB per worker: writes into another DB', () => {
  const own = ownRedisForSuite()

  it("refuses a worker's app another DB, and fails the worker's next check naming the worker and its DB", async () => {
    const setup = redisWorkers({ url: `redis://${own.hostPort}/0`, wholeDb: true })
    const worker = await setup.prepare(1, main)
    const backend = (worker.stateBackends as RedisState[])[0]!
    const { redisUrl } = worker.resources!
    const app = new Redis(redisUrl, { maxRetriesPerRequest: 1 })
    try {
      expect(new URL(redisUrl).pathname).toBe('/1')
      const user = new URL(redisUrl).username
      expect(user).toMatch(/^venomqa-w1-[0-9a-f]{10}$/)
      expect(madeByWorkerSetups()).toContainEqual(expect.objectContaining({ kind: 'Redis user', name: user }))
      await backend.connect()
      await backend.checkpoint('a')
      // In its own DB, anything, FLUSHDB too.
      await app.set('cart', 'x')
      await app.flushdb()
      await app.set('cart', 'x')
      await backend.checkpoint('b')
      // Elsewhere: the main DB, another worker's, every DB.
      const refused = /NOPERM/
      await expect(app.select(0)).rejects.toThrow(refused)
      await expect(app.move('cart', 2)).rejects.toThrow(refused)
      await expect(app.copy('cart', 'cart', 'DB', 0)).rejects.toThrow(refused)
      await expect(app.swapdb(0, 1)).rejects.toThrow(refused)
      await expect(app.flushall()).rejects.toThrow(refused)
      await expect(app.eval("return redis.call('SELECT', '0')", 0)).rejects.toThrow()
      const err = await failureOf(backend.rollback('b'))
      expect(err).toBeInstanceOf(StateError)
      expect((err as StateError).failure).toBe('refused')
      expect((err as Error).message).toMatch(/^state backend "redis:w1": rollback to "b": worker 1's app reached outside its DB 1, and Redis refused it: .*\(rolled back to "b" all the same\)$/)
      for (const said of ['the command SELECT', 'the command MOVE', 'the command COPY', 'the command SWAPDB', 'the command FLUSHALL']) expect((err as Error).message).toContain(said)
      expect((err as StateError).suggestion).toMatch(/resources\.redisUrl/)
      await backend.checkpoint('c')

      // A connection of the app's user opened on DB 0 sends no SELECT: Redis refuses nothing, its writes land there.
      const onMain = new URL(redisUrl)
      onMain.pathname = '/0'
      const stray = new Redis(onMain.toString(), { maxRetriesPerRequest: 1 })
      try {
        await stray.set('stray', 'x')
        await expect(backend.checkpoint('d')).rejects.toThrow(/^state backend "redis:w1": checkpoint "d": worker 1's app has 1 connection in DB 0, not its DB 1/)
      } finally {
        stray.disconnect()
        await own.raw.del('stray')
      }
    } finally {
      app.disconnect()
      await backend.disconnect().catch(() => {})
      await worker.close?.()
    }
    expect(((await own.raw.call('ACL', 'USERS')) as string[]).filter((u) => u.startsWith('venomqa-'))).toEqual([])
  })

  it('refuses to make a worker whose guard could never see a refused SELECT: Redis keeps no ACL LOG', async () => {
    await own.raw.call('CONFIG', 'SET', 'acllog-max-len', '0')
    try {
      const setup = redisWorkers({ url: `redis://${own.hostPort}/0`, wholeDb: true })
      await expect(setup.prepare(2, main)).rejects.toThrow(
        "redisWorkers: cannot guard worker 2's DB 2: Redis refused the app's user a SELECT of DB 0, but did not log it in its ACL LOG (acllog-max-len is 0), so no refusal of the app could ever be seen.",
      )
      expect(((await own.raw.call('ACL', 'USERS')) as string[]).filter((u) => u.startsWith('venomqa-'))).toEqual([])
    } finally {
      await own.raw.call('CONFIG', 'SET', 'acllog-max-len', '128')
    }
  })
})
