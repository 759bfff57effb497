/**
 * Options that used to put the state backend or a worker on keys that are not theirs, silently: a `db`
 * next to a client of another DB, and two workers given one place. Redis DB 13 only, emptied after.
 */
import { ConfigError } from '@venomqa/core'
import { SERVICES, describeWithService } from '@venomqa/test-utils'
import { Redis } from 'ioredis'
import { afterAll, afterEach, expect, it } from 'vitest'
import { RedisCache, RedisState, redisWorkers } from '../src'
import { rawClient } from './helpers'

const describeRedis = await describeWithService('Redis', SERVICES.redis.host, SERVICES.redis.port)
const DB = 13
const URL_13 = `redis://${SERVICES.redis.host}:${SERVICES.redis.port}/${DB}`

describeRedis('scope guards (DB 13)', () => {
  const raw = rawClient(DB)
  afterEach(async () => {
    await raw.flushdb()
  })
  afterAll(async () => {
    await raw.flushdb()
    await raw.quit()
  })

  it('refuses `db` or `url` next to a client of its own, instead of working on the client\'s DB', () => {
    const client = new Redis({ host: SERVICES.redis.host, port: SERVICES.redis.port, db: DB, lazyConnect: true })
    try {
      for (const make of [
        () => new RedisState({ redis: client, db: DB - 1, wholeDb: true }),
        () => new RedisState({ redis: client, url: `redis://${SERVICES.redis.host}:${SERVICES.redis.port}/${DB - 1}`, prefix: 'app:' }),
        () => new RedisCache({ redis: client, db: DB - 1, prefix: 'app:' }),
      ]) {
        let thrown: unknown
        let made: RedisState | RedisCache | undefined
        try {
          made = make()
        } catch (err) {
          thrown = err
        }
        // Built, it would have rolled back DB 13 (the client's) while told DB 12: close it without a command.
        if (made) made instanceof RedisState ? void made.disconnect() : void made.close()
        expect(thrown).toBeInstanceOf(ConfigError)
        expect((thrown as Error).message).toMatch(/give `redis` or `url`\/`db`, not both/)
      }
      // The same DB as the client's says nothing new: allowed.
      expect(new RedisState({ redis: client, db: DB, prefix: 'app:' }).scope).toBe(`keys app:* in DB ${DB}`)
    } finally {
      client.disconnect()
    }
  })

  const noApp = async () => ({ baseUrl: 'http://127.0.0.1:1' })
  const main = { baseUrl: '', ports: new Map(), stateBackends: [] }
  const sameSetup = () => {
    const setup = redisWorkers({ url: URL_13, prefix: 'app:', keyPrefix: () => 'w:', startApp: noApp })
    return [setup, setup]
  }
  // Two plugin entries, each with its redisWorkers, can map workers onto one place just as well.
  const twoSetups = () => [1, 2].map(() => redisWorkers({ url: URL_13, prefix: 'app:', keyPrefix: () => 'w:', startApp: noApp }))

  // The same server under another name: still one place.
  const loopbackNames = () =>
    [URL_13, URL_13.replace(SERVICES.redis.host, 'localhost')].map((url) => redisWorkers({ url, prefix: 'app:', keyPrefix: () => 'w:', startApp: noApp }))

  for (const [name, setups] of [
    ['of one setup', sameSetup],
    ['of two setups', twoSetups],
    ['of two setups, one naming the server localhost', loopbackNames],
  ] as const)
    it(`refuses a second worker ${name} in a place a live worker holds, and leaves the first one's keys alone`, async () => {
      const [a, b] = setups()
      const first = await a!.create(1, main)
      try {
        await raw.set('w:app:cart', 'worker 1 wrote it')
        const second = await b!.create(2, main).catch((err: unknown) => err)
        if (!(second instanceof Error)) await (second as typeof first).close?.()
        expect(await raw.get('w:app:cart')).toBe('worker 1 wrote it')
        expect(second).toBeInstanceOf(ConfigError)
        expect((second as Error).message).toMatch(/redisWorkers: worker 2's place \(DB 13, keys under "w:"\) overlaps worker 1's \(DB 13, keys under "w:"\), which is in use/)
      } finally {
        await first.close?.()
      }
      // Once the first is closed, its place is free again.
      const again = await b!.create(2, main)
      await again.close?.()
      expect(await raw.dbsize()).toBe(0)
    })

  // Two plugin entries on one server: one app's main DB is 13 (keys under app:, its workers on DB 14),
  // another app's is 12, all of it, with a worker given DB 13.
  const URL_12 = `redis://${SERVICES.redis.host}:${SERVICES.redis.port}/12`
  const others = [rawClient(12), rawClient(14)]
  afterAll(async () => {
    for (const c of others) {
      await c.flushdb()
      await c.quit()
    }
  })
  const mainOn13 = () => redisWorkers({ url: URL_13, prefix: 'app:', db: () => 14, startApp: noApp })
  const workerOn13 = () => redisWorkers({ url: URL_12, wholeDb: true, db: () => DB, startApp: noApp })
  type Made = Awaited<ReturnType<ReturnType<typeof mainOn13>['create']>>
  /** What the main app writes into its DB during the run; a worker of the other setup on DB 13 deleted it at its close. */
  const appWrites = () => raw.set('app:cart', 'the main app wrote it')

  it("refuses a worker in another setup's main DB, whose keys it would delete at its close", async () => {
    const ownersWorker = await mainOn13().create(1, main)
    try {
      const made = await workerOn13()
        .create(1, main)
        .catch((err: unknown) => err)
      await appWrites()
      if (!(made instanceof Error)) await (made as Made).close?.()
      expect(made).toBeInstanceOf(ConfigError)
      expect((made as Error).message).toMatch(
        /redisWorkers: worker 1's place \(DB 13\) holds keys of another redisWorkers setup's main DB \(DB 13, keys under "app:"\), which a worker would overwrite and delete at its end; db\(index\) must give each worker a place no setup uses/,
      )
    } finally {
      await ownersWorker.close?.()
    }
    expect(await raw.get('app:cart')).toBe('the main app wrote it')
  })

  it("refuses a setup whose main DB another setup's live worker uses; once that worker is closed, the setup runs", async () => {
    const squatter = await workerOn13().create(1, main)
    let made: unknown
    try {
      made = await mainOn13()
        .create(1, main)
        .catch((err: unknown) => err)
      await appWrites()
    } finally {
      await squatter.close?.()
      if (!(made instanceof Error)) await (made as Made | undefined)?.close?.()
    }
    expect(made).toBeInstanceOf(ConfigError)
    expect((made as Error).message).toMatch(/redisWorkers: the main DB 13, keys under "app:" is in use as worker 1's place by another redisWorkers setup/)
    await raw.del('app:cart')
    // Its last worker closed, a setup holds no place: DB 13 is the other setup's main alone.
    const ownersWorker = await mainOn13().create(1, main)
    await ownersWorker.close?.()
  })

  it("validate, asked before a run's first journey, refuses a main DB in use the same way, and holds nothing", async () => {
    // Asked by a run that then makes no worker (parallel paths, no branch): its main DB is not held after.
    mainOn13().validate!(main)
    const squatter = await workerOn13().create(1, main)
    try {
      expect(() => mainOn13().validate!(main)).toThrow(/^redisWorkers: the main DB 13, keys under "app:" is in use as worker 1's place by another redisWorkers setup/)
    } finally {
      await squatter.close?.()
    }
  })

  it('lets workers share a DB under key prefixes that do not overlap', async () => {
    const setup = redisWorkers({ url: URL_13, prefix: 'app:', keyPrefix: (i) => `w${i}:`, startApp: noApp })
    const workers = [await setup.create(1, main), await setup.create(2, main)]
    for (const worker of workers) await worker.close?.()
    expect(await raw.dbsize()).toBe(0)
  })
})
