/**
 * Workers isolated by key prefix share the main DB. An app that writes a key without its worker's prefix
 * (a cache or session store that ignores REDIS_PREFIX) lands in the main line's keys or another worker's:
 * no rollback of its worker puts it back, and the paths on other lanes see it, without a word. Each
 * worker's app now connects as a Redis user that may write only under its prefix: Redis refuses the write,
 * and the worker's next checkpoint, rollback or release fails naming the key (never a value).
 * Redis DB 15, keys under `gw` only (the README example's keys there are under `example:`).
 */
import { type MainSystem, StateError, assertStatus, branch, checkpoint, journey, madeByWorkerSetups, path, step } from '@venomqa/core'
import { createRunner } from '@venomqa/runner'
import { type RunningProcess, SERVICES, describeWithService, startNodeProcess } from '@venomqa/test-utils'
import { Redis } from 'ioredis'
import { afterAll, beforeEach, expect, it } from 'vitest'
import redisPlugin, { type RedisState, redisWorkers } from '../src'
import { rawClient, removeKeys, withRawClient } from './helpers'

const d = await describeWithService('Redis', SERVICES.redis.host, SERVICES.redis.port)
const DB = 15
const URL_15 = `redis://${SERVICES.redis.host}:${SERVICES.redis.port}/${DB}`
const PREFIX = 'gw:'
const keyPrefix = (index: number) => `gw_w${index}:`
const APP = new URL('./fixtures/items-app.mjs', import.meta.url).pathname
const main: MainSystem = { baseUrl: 'http://127.0.0.1:1', ports: new Map(), stateBackends: [] }

const ourKeys = (): Promise<Record<string, string | null>> =>
  withRawClient(DB, async (r) => {
    const keys = (await r.keys('gw*')).sort()
    return Object.fromEntries(await Promise.all(keys.map(async (k) => [k, await r.get(k)] as const)))
  })

const removeOurKeys = () => removeKeys(DB, 'gw*')

/** The users Redis knows whose name starts with `start`. */
const usersStartingWith = (start: string): Promise<string[]> =>
  withRawClient(DB, async (r) => ((await r.call('ACL', 'USERS')) as string[]).filter((u) => u.startsWith(start)))

d('redisWorkers with a key prefix per worker: writes outside it', () => {
  beforeEach(removeOurKeys)
  afterAll(removeOurKeys)

  it("refuses a write of a worker's app outside its key prefix, and fails the worker's rollback naming the key, never the value", async () => {
    const raw = rawClient(DB)
    await raw.set('gw:cart', 'main line cart')
    const setup = redisWorkers({ url: URL_15, prefix: PREFIX, keyPrefix })
    const worker = await setup.prepare(1, main)
    const backend = (worker.stateBackends as RedisState[])[0]!
    const { redisUrl } = worker.resources!
    // The worker's app, as it connects: with the URL it is given.
    const app = new Redis(redisUrl, { maxRetriesPerRequest: 1 })
    try {
      await backend.connect()
      await setup.sync!(1, { checkpoint: 'base', journey: 'j', main })
      await backend.checkpoint('base')

      // Its own keys: as before, commands that read and write them too.
      await app.set('gw_w1:gw:cart', 'worker cart')
      expect(await app.incr('gw_w1:gw:seq')).toBe(1)
      // Outside its prefix: the main line's key, another worker's, a whole DB. Reads stay allowed.
      const refused = /NOPERM/
      await expect(app.set('gw:cart', 'a secret value')).rejects.toThrow(refused)
      await expect(app.set('gw_w2:gw:cart', 'a secret value')).rejects.toThrow(refused)
      await expect(app.eval("return redis.call('SET', KEYS[1], ARGV[1])", 1, 'gw:other', 'a secret value')).rejects.toThrow()
      await expect(app.flushdb()).rejects.toThrow(refused)
      expect(await app.get('gw:cart')).toBe('main line cart')
      // It connects as a user of its own, given in its URL, and put on record until the worker is undone.
      const user = new URL(redisUrl).username
      expect(user).toMatch(/^venomqa-w1-[0-9a-f]{10}$/)
      expect(madeByWorkerSetups()).toContainEqual({ kind: 'Redis user', name: user, remove: `redis-cli ACL DELUSER ${user}` })

      const err = await backend.rollback('base').then(
        () => undefined,
        (e: unknown) => e,
      )
      expect(err).toBeInstanceOf(StateError)
      expect((err as StateError).failure).toBe('refused')
      const message = (err as Error).message
      expect(message).toMatch(
        /^state backend "redis:w1": rollback to "base": worker 1's app wrote outside its key prefix "gw_w1:", and Redis refused it: .*\. Workers share the main DB: .*; the app must put resources\.redisKeyPrefix before every key it writes \(rolled back to "base" all the same\)$/,
      )
      for (const said of ['"gw:cart" (SET)', '"gw_w2:gw:cart" (SET)', '"gw:other" (EVAL)', 'the command FLUSHDB']) expect(message).toContain(said)
      expect(message).not.toContain('secret')
      expect((err as StateError).suggestion).toMatch(/resources\.redisKeyPrefix \("gw_w1:"\) before every key it writes/)
      // Rolled back all the same; the main line's key was never touched.
      expect(await ourKeys()).toEqual({ 'gw:cart': 'main line cart', 'gw_w1:__venomqa_worker__': 'worker 1', 'gw_w1:gw:cart': 'main line cart' })
      // Each refusal is told once.
      await backend.rollback('base')
      await expect(app.set('gw:cart', 'again')).rejects.toThrow(refused)
      await expect(backend.release('base')).rejects.toThrow(/release "base" failed: worker 1's app wrote outside its key prefix "gw_w1:", and Redis refused it: "gw:cart" \(SET\)\./)
    } finally {
      app.disconnect()
      await backend.disconnect()
      await worker.close?.()
      await raw.quit()
    }
    // Undone with the worker: its user and its keys.
    expect(await usersStartingWith('venomqa-w1-')).toEqual([])
    expect(madeByWorkerSetups().filter((m) => m.kind === 'Redis user')).toEqual([])
    expect(await ourKeys()).toEqual({ 'gw:cart': 'main line cart' })
  })

  it('tells a refusal Redis logged as a new entry that reads like an older one: an earlier run\'s, or one told before', async () => {
    const raw = rawClient(DB)
    // Another user of the server whose writes Redis refuses too (another app, another run's worker).
    const other = `venomqa-test-other-${process.pid}`
    await raw.call('ACL', 'SETUSER', other, 'reset', 'on', '>other-pw', '~nothing:*', '+@all')
    const otherApp = new Redis(`redis://${other}:other-pw@${SERVICES.redis.host}:${SERVICES.redis.port}/${DB}`, { maxRetriesPerRequest: 1 })
    // Redis adds a refusal to an equal entry among the newest ten (of the last minute), else logs a new one.
    const pushedDown = async () => {
      for (let i = 0; i < 10; i++) await expect(otherApp.set(`elsewhere:${i}`, 'x')).rejects.toThrow(/NOPERM/)
    }
    const setup = redisWorkers({ url: URL_15, prefix: PREFIX, keyPrefix })
    // An earlier run's worker of this place, whose app was refused once: not this run's.
    let worker = await setup.prepare(1, main)
    let app = new Redis(worker.resources!.redisUrl, { maxRetriesPerRequest: 1 })
    await expect(app.set('gw:cart', 'x')).rejects.toThrow(/NOPERM/)
    app.disconnect()
    await worker.close?.()
    worker = await setup.prepare(1, main)
    const backend = (worker.stateBackends as RedisState[])[0]!
    app = new Redis(worker.resources!.redisUrl, { maxRetriesPerRequest: 1 })
    const refused = (cp: string) => new RegExp(`checkpoint "${cp}": worker 1's app wrote outside its key prefix "gw_w1:", and Redis refused it: "gw:cart" \\(SET\\)\\.`)
    try {
      await backend.connect()
      await backend.checkpoint('a')
      // The same write as the earlier run's, in a new entry.
      await pushedDown()
      await expect(app.set('gw:cart', 'x')).rejects.toThrow(/NOPERM/)
      await expect(backend.checkpoint('b')).rejects.toThrow(refused('b'))
      // And again, in a new entry that reads like the one just told.
      await pushedDown()
      await expect(app.set('gw:cart', 'x')).rejects.toThrow(/NOPERM/)
      await expect(backend.checkpoint('c')).rejects.toThrow(refused('c'))
      await backend.checkpoint('d')
    } finally {
      app.disconnect()
      otherApp.disconnect()
      await backend.disconnect()
      await worker.close?.()
      await raw.call('ACL', 'DELUSER', other)
      await raw.quit()
    }
  })

  it('fails the run of parallel paths whose worker app forgot its key prefix, which passed before with every lane writing the main keys', async () => {
    const apps: RunningProcess[] = []
    const mainApp = await startNodeProcess(APP, { env: { REDIS_URL: URL_15, REDIS_PREFIX: PREFIX } })
    const runner = createRunner({
      baseUrl: mainApp.url,
      plugins: [[redisPlugin, { url: URL_15, prefix: PREFIX, queue: false, cache: false }]],
      parallelPaths: 2,
      workerSetup: redisWorkers({
        url: URL_15,
        prefix: PREFIX,
        keyPrefix,
        // The mistake: the app's prefix without resources.redisKeyPrefix before it.
        async startApp(_index, redisUrl) {
          const app = await startNodeProcess(APP, { env: { REDIS_URL: redisUrl, REDIS_PREFIX: PREFIX } })
          apps.push(app)
          return { baseUrl: app.url, close: () => app.stop() }
        },
      }),
    })
    const adds = (name: string) => path(name, [step('add', async ({ http }) => assertStatus(await http.post('/items', { json: { name } }), 201))])
    try {
      const result = await runner.run(
        journey('forgot_prefix', {
          steps: [
            step('seed', async ({ http }) => assertStatus(await http.post('/items', { json: { name: 'base' } }), 201)),
            checkpoint('base'),
            branch('base', [adds('p0'), adds('p1'), adds('p2'), adds('p3')]),
          ],
        }),
      )
      expect(apps).toHaveLength(1)
      expect(result.status).toBe('failed')
      const issues = result.journeys[0]!.issues.map((i) => i.error).join('\n')
      expect(issues).toMatch(/state backend "redis:w1": (release|rollback to) "base"( failed)?: worker 1's app wrote outside its key prefix "gw_w1:", and Redis refused it: "gw:seq" \(INCR\)/)
      // The main line's keys are its own: the base item, and none of the worker's.
      const keys = await ourKeys()
      expect(Object.entries(keys).filter(([k]) => k.startsWith('gw:item:'))).toEqual([['gw:item:1', 'base']])
    } finally {
      await runner.close()
      await mainApp.stop()
    }
    expect(await usersStartingWith('venomqa-w1-')).toEqual([])
  }, 60_000)

  it('goes without the user with `guardWrites: false`, and refuses a server that cannot make one, saying so', async () => {
    const plain = redisWorkers({ url: URL_15, prefix: PREFIX, keyPrefix, guardWrites: false })
    const worker = await plain.prepare(1, main)
    try {
      expect(worker.resources!.redisUrl).toBe(URL_15)
      expect((worker.stateBackends as RedisState[])[0]!.constructor.name).toBe('RedisState')
    } finally {
      await worker.close?.()
    }
    // With a DB per worker too (see workers-guard-db.test.ts).
    expect(() => redisWorkers({ url: URL_15, prefix: PREFIX, guardWrites: true })).not.toThrow()

    // A connection that may not run ACL SETUSER (a managed Redis, a user of the app's own).
    const raw = rawClient(DB)
    const name = `venomqa-test-noacl-${process.pid}`
    await raw.call('ACL', 'SETUSER', name, 'reset', 'on', '>noacl-pw', '~*', '&*', '+@all', '-acl')
    try {
      const noAcl = redisWorkers({
        url: `redis://${name}:noacl-pw@${SERVICES.redis.host}:${SERVICES.redis.port}/${DB}`,
        prefix: PREFIX,
        keyPrefix,
      })
      await expect(noAcl.prepare(1, main)).rejects.toThrow(
        /redisWorkers: cannot make the Redis user that lets worker 1's app write only under its key prefix "gw_w1:" \(NOPERM .*\): that needs Redis 7 or later, and a connection allowed ACL SETUSER, ACL DELUSER, ACL LOG and CLIENT LIST\. Give `guardWrites: false` to go without/,
      )
      // Undone: nothing of the worker is left.
      expect(await ourKeys()).toEqual({})
      expect(madeByWorkerSetups()).toEqual([])
    } finally {
      await raw.call('ACL', 'DELUSER', name)
      await raw.quit()
    }
  })
})
