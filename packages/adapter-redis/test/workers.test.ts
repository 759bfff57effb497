/**
 * Parallel paths on Redis workers, with a DB per worker and with a key prefix per worker: a small app that
 * keeps its items in Redis runs as its own process per worker, and the journey also reads and writes through
 * the `cache` port, which each worker gets a copy of. Every path checks it starts from the checkpoint's keys
 * (values, TTLs, the id counter), changes them, and sees only its own changes.
 */
import { type CachePort, assertEqual, assertStatus, branch, checkpoint, journey, path, step } from '@venomqa/core'
import { createRunner } from '@venomqa/runner'
import { type RunningProcess, SERVICES, describeWithService, startNodeProcess, expectBranchOnWorkers } from '@venomqa/test-utils'
import { afterAll, beforeAll, expect, it } from 'vitest'
import redisPlugin, { RedisCache, type RedisWorkersOptions, redisWorkers } from '../src'
import { rawClient, withRawClient } from './helpers'

const d = await describeWithService('Redis', SERVICES.redis.host, SERVICES.redis.port)
const APP = new URL('./fixtures/items-app.mjs', import.meta.url).pathname
/** The DBs these tests own: 10 (workers by key prefix), 11 and its workers' 12, 13, 14. */
const OUR_DBS = [10, 11, 12, 13, 14]
const urlOf = (db: number) => `redis://${SERVICES.redis.host}:${SERVICES.redis.port}/${db}`
const PREFIX = 'rw:'

async function flushOurDbs(): Promise<void> {
  for (const db of OUR_DBS) await withRawClient(db, (r) => r.flushdb())
}

const startApp = (redisUrl: string, prefix: string) => startNodeProcess(APP, { env: { REDIS_URL: redisUrl, REDIS_PREFIX: prefix } })

function parallelJourney(run: number) {
  const paths = Array.from({ length: 8 }, (_, i) =>
    path(`p${i}`, [
      step('starts_at_checkpoint', async ({ http, ports, ctx }) => {
        assertEqual((await http.get('/items')).json(), ['base-1', 'base-2'], `items at the start of p${i}`)
        const cache = ports.require<CachePort>('cache')
        assertEqual(await cache.get('session'), `s${run}`, `session at the start of p${i}`)
        const ttl = await cache.getTtlMs('session')
        assertEqual(ttl > 0 && ttl <= 600_000, true, `session TTL at the start of p${i} is ${ttl}`)
        assertEqual(await cache.getTtlMs('flag'), -1, `flag TTL at the start of p${i}`)
        const created = await http.post('/items', { json: { name: `p${i}` } })
        assertStatus(created, 201)
        // The counter key came with the others: ids go on from the checkpoint's on every worker.
        assertEqual(created.json().id, ctx.require<number>('lastId') + 1, `id on p${i}`)
        assertStatus(await http.delete(`/items/${ctx.require<number>('lastId')}`), 204)
        await cache.set('session', `p${i}`)
        await cache.delete('flag')
      }),
      step('sees_only_its_own_changes', async ({ http, ports }) => {
        assertEqual((await http.get('/items')).json(), ['base-1', `p${i}`], `items seen by p${i}`)
        assertEqual(await ports.require<CachePort>('cache').get('session'), `p${i}`, `session seen by p${i}`)
        assertEqual(await ports.require<CachePort>('cache').exists('flag'), false, `flag seen by p${i}`)
      }),
    ]),
  )
  return journey(`redis_parallel_${run}`, {
    requires: ['cache'],
    steps: [
      step('seed', async ({ http, ports, ctx }) => {
        const cache = ports.require<CachePort>('cache')
        // The app's keys and the cache's share the prefix: this empties both.
        await cache.clear()
        await http.post('/items', { json: { name: 'base-1' } })
        const two = await http.post('/items', { json: { name: 'base-2' } })
        ctx.set('lastId', two.json().id)
        await cache.set('session', `s${run}`, { ttlMs: 600_000 })
        await cache.set('flag', true)
      }),
      checkpoint('base'),
      branch('base', paths),
      step('main_line_back_at_base', async ({ http, ports }) => {
        assertEqual((await http.get('/items')).json(), ['base-1', 'base-2'], 'items after the branch')
        assertEqual(await ports.require<CachePort>('cache').get('session'), `s${run}`, 'session after the branch')
      }),
    ],
  })
}

const keysOf = (db: number, pattern: string): Promise<string[]> => withRawClient(db, async (r) => (await r.keys(pattern)).sort())

d('redisWorkers', () => {
  beforeAll(flushOurDbs)
  afterAll(flushOurDbs)

  const modes: { name: string; mainDb: number; isolation: Pick<RedisWorkersOptions, 'keyPrefix'>; leftover: () => Promise<string[]> }[] = [
    {
      name: 'a DB per worker',
      mainDb: 11,
      isolation: {},
      leftover: async () => [...(await keysOf(12, '*')), ...(await keysOf(13, '*')), ...(await keysOf(14, '*'))],
    },
    { name: 'a key prefix per worker', mainDb: 10, isolation: { keyPrefix: (i) => `w${i}:` }, leftover: () => keysOf(10, 'w*') },
  ]

  for (const mode of modes)
    it(`runs 8 paths on 4 workers with ${mode.name}, each seeing only the checkpoint keys plus its own changes, 10 times over`, async () => {
      const main = await startApp(urlOf(mode.mainDb), PREFIX)
      const apps: RunningProcess[] = []
      const runner = createRunner({
        baseUrl: main.url,
        plugins: [[redisPlugin, { url: urlOf(mode.mainDb), prefix: PREFIX, queue: false }]],
        parallelPaths: 4,
        workerSetup: redisWorkers({
          url: urlOf(mode.mainDb),
          prefix: PREFIX,
          ...mode.isolation,
          async startApp(_index, redisUrl, resources) {
            const app = await startApp(redisUrl, resources.redisKeyPrefix + PREFIX)
            apps.push(app)
            return { baseUrl: app.url, close: () => app.stop() }
          },
        }),
      })
      try {
        // Ten runs of eight paths, each run syncing every worker: the suite's time budget, where twenty ran before.
        for (let run = 0; run < 10; run++) expectBranchOnWorkers(await runner.run(parallelJourney(run)), run)
      } finally {
        await runner.close()
        await main.stop()
      }
      expect(apps).toHaveLength(3)
      // What the workers wrote goes with them; the main DB keeps its own keys.
      expect(await mode.leftover()).toEqual([])
      expect(await keysOf(mode.mainDb, `${PREFIX}session`)).toEqual([`${PREFIX}session`])
    }, 120_000)

  it("refuses a worker DB that holds keys of the app's scope no worker wrote, instead of deleting them", async () => {
    const raw = rawClient(12)
    try {
      await raw.set(`${PREFIX}someone-elses`, 'x')
      const setup = redisWorkers({ url: urlOf(11), prefix: PREFIX, startApp: async () => ({ baseUrl: 'http://127.0.0.1:1' }) })
      await expect(setup.create(1, { baseUrl: '', ports: new Map(), stateBackends: [] })).rejects.toThrow(
        /redisWorkers: worker 1's place \(redis:\/\/127\.0\.0\.1:6379\/12\) already holds 1 key\(s\) of the app's scope that no worker wrote \("rw:someone-elses"\); a worker deletes them\. Give workers places of their own with db\(index\), or empty that one/,
      )
      expect(await raw.get(`${PREFIX}someone-elses`)).toBe('x')
    } finally {
      await raw.flushdb()
      await raw.quit()
    }
  })

  it('gives a worker its own copy of a cache port on the main DB, also when the two URLs name the server differently', async () => {
    // The plugin's cache says `localhost`, redisWorkers `127.0.0.1`: one server, one DB. Compared by the
    // URLs' text, the port was left shared, and every worker wrote the main DB's cache.
    const cache = new RedisCache({ url: `redis://localhost:${SERVICES.redis.port}/11`, prefix: PREFIX })
    const elsewhere = new RedisCache({ url: `redis://localhost:${SERVICES.redis.port}/14`, prefix: PREFIX })
    const setup = redisWorkers({ url: urlOf(11), prefix: PREFIX, startApp: async () => ({ baseUrl: 'http://127.0.0.1:1' }) })
    const main = { baseUrl: '', ports: new Map<string, unknown>([['cache', cache], ['other', elsewhere]]), stateBackends: [] }
    const app = await setup.create(1, main as Parameters<typeof setup.create>[1])
    try {
      const copy = app.ports?.cache as RedisCache | undefined
      expect(copy).toBeInstanceOf(RedisCache)
      expect(copy).not.toBe(cache)
      expect(copy!.redis.options.db).toBe(12)
      // A port on another DB stays the run's own: it is not the app's state the workers copy.
      expect(app.ports?.other).toBeUndefined()
    } finally {
      await app.close?.()
      await Promise.all([cache.close(), elsewhere.close()])
    }
  })

  it('refuses a key prefix that the main scope would roll back, and a missing scope', () => {
    expect(() => redisWorkers({ url: urlOf(10), prefix: 'app:' })).not.toThrow()
    expect(() => redisWorkers({ url: urlOf(10) })).toThrow(/redisWorkers: say which keys are the app's/)
    expect(() => redisWorkers({ url: urlOf(10), wholeDb: true, keyPrefix: (i) => `w${i}:` })).toThrow(/give the app's `prefix` to isolate workers by `keyPrefix`/)
    const inside = redisWorkers({ url: urlOf(10), prefix: 'app', keyPrefix: (i) => `app:w${i}:`, startApp: async () => ({ baseUrl: 'http://127.0.0.1:1' }) })
    return expect(inside.create(1, { baseUrl: '', ports: new Map(), stateBackends: [] })).rejects.toThrow(
      /worker 1's keys \("app:w1:app\.\.\."\) would be inside the main's scope \("app\.\.\."\), whose rollback deletes them/,
    )
  })
})
