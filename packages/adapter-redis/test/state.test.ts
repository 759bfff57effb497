import { randomUUID } from 'node:crypto'
import { ConfigError, StateError } from '@venomqa/core'
import { SERVICES, describeWithService } from '@venomqa/test-utils'
import { afterAll, beforeAll, beforeEach, expect, it } from 'vitest'
import { RedisState } from '../src'
import { restoreBatch } from '../src/scripts'
import { DB_A, URL_A, flushOurDbs, rawClient, sleep, snapshotDb } from './helpers'

const describeRedis = await describeWithService('Redis', SERVICES.redis.host, SERVICES.redis.port)

describeRedis('RedisState (dump-restore) against the real Redis (DB 1)', () => {
  const raw = rawClient(DB_A)
  const whole = new RedisState({ url: URL_A, wholeDb: true })

  /** A little of every Redis type, some with TTLs. */
  async function seed(): Promise<void> {
    await raw.set('s:plain', 'v1')
    await raw.set('s:ttl', 'v2', 'PX', 60_000)
    await raw.hset('h:user', { name: 'Ada', age: '36' })
    await raw.rpush('l:list', 'a', 'b', 'c')
    await raw.sadd('set:tags', 'x', 'y')
    await raw.zadd('z:scores', 1, 'one', 2, 'two')
    await raw.xadd('st:events', '*', 'type', 'created')
    await raw.set('bin:\xff\x00key', Buffer.from([0, 1, 2, 255]))
  }

  beforeAll(async () => {
    await flushOurDbs()
    await whole.connect()
  })
  beforeEach(async () => {
    await raw.flushdb()
    for (const cp of ['cp', 'outer', 'inner', 'big']) await whole.release(cp)
  })
  afterAll(async () => {
    await whole.disconnect()
    await flushOurDbs()
    await raw.quit()
  })

  it('says what it is: mechanism dump-restore, not parallel-safe', () => {
    expect(whole.mechanism).toBe('dump-restore')
    // Its checkpoints live in the run's memory: a quit run leaves nothing of it in Redis.
    expect(whole.leftWhenQuit).toBe(false)
    expect(whole.parallelSafe).toBe(false)
    expect(whole.name).toBe('redis')
    expect(whole.scope).toBe('whole DB 1')
  })

  it('a branch whose paths add, change, expire and delete keys: each path starts from the checkpoint, and so does the line after', async () => {
    await seed()
    await raw.set('victim', 'will be expired by a path')
    const atCheckpoint = await snapshotDb(raw)
    await whole.checkpoint('cp')

    const paths: Record<string, () => Promise<void>> = {
      add: async () => {
        await raw.set('new:key', '1')
        await raw.hset('new:hash', 'f', 'v')
        await raw.set('new:ttl', '1', 'EX', 100)
      },
      change: async () => {
        await raw.set('s:plain', 'changed')
        await raw.hset('h:user', 'name', 'Grace')
        await raw.rpush('l:list', 'd')
        await raw.persist('s:ttl')
        await raw.expire('s:plain', 500)
        await raw.xadd('st:events', '*', 'type', 'updated')
      },
      expire: async () => {
        await raw.pexpire('victim', 30)
        await raw.pexpire('h:user', 30)
        await sleep(120)
        expect(await raw.exists('victim', 'h:user')).toBe(0)
      },
      delete: async () => {
        await raw.del('s:plain', 'set:tags', 'z:scores', 'bin:\xff\x00key')
      },
    }
    for (const [name, run] of Object.entries(paths)) {
      await whole.rollback('cp')
      expect(await snapshotDb(raw), `state before path "${name}"`).toEqual(atCheckpoint)
      await run()
      expect(await snapshotDb(raw), `path "${name}" changed something`).not.toEqual(atCheckpoint)
    }
    await whole.rollback('cp')
    expect(await snapshotDb(raw)).toEqual(atCheckpoint)
    expect(await raw.getBuffer('bin:\xff\x00key')).toEqual(Buffer.from([0, 1, 2, 255]))
  })

  it('TTLs keep running: a restored key gets the time it had left, minus the time spent since', async () => {
    await raw.set('k', 'v', 'PX', 5000)
    await whole.checkpoint('cp')
    await sleep(300)
    await raw.del('k')
    await whole.rollback('cp')
    const pttl = await raw.pttl('k')
    expect(pttl).toBeGreaterThan(0)
    expect(pttl).toBeLessThanOrEqual(4700)
    expect(await raw.get('k')).toBe('v')
  })

  it('a key whose TTL ran out since the checkpoint stays absent after rollback', async () => {
    await raw.set('short', 'v', 'PX', 100)
    await raw.set('keeps', 'v')
    await whole.checkpoint('cp')
    await raw.set('short', 'rewritten with no TTL') // even if a path brought it back
    await sleep(250)
    await whole.rollback('cp')
    expect(await raw.exists('short')).toBe(0)
    expect(await raw.get('keeps')).toBe('v')
  })

  it('nested checkpoints: roll back to the inner, then the outer; a later checkpoint goes away with the earlier rollback', async () => {
    await raw.set('n', '0')
    await whole.checkpoint('outer')
    await raw.set('n', '1')
    await raw.set('only-inner', 'x')
    await whole.checkpoint('inner')
    await raw.set('n', '2')
    await raw.del('only-inner')
    await whole.rollback('inner')
    expect(await raw.mget('n', 'only-inner')).toEqual(['1', 'x'])
    await raw.set('n', '3')
    await whole.rollback('outer')
    expect(await raw.mget('n', 'only-inner')).toEqual(['0', null])
    await expect(whole.rollback('inner')).rejects.toThrow(/no checkpoint "inner"/)
    await whole.rollback('outer') // still there, and again
    expect(await raw.get('n')).toBe('0')
  })

  it('release forgets a checkpoint; taking an open name again replaces it and the later ones', async () => {
    await raw.set('n', 'first')
    await whole.checkpoint('cp')
    await whole.checkpoint('inner')
    await raw.set('n', 'second')
    await whole.checkpoint('cp')
    expect(whole.checkpoints).toEqual(['cp'])
    await raw.set('n', 'third')
    await whole.rollback('cp')
    expect(await raw.get('n')).toBe('second')
    await whole.release('cp')
    await expect(whole.rollback('cp')).rejects.toThrow(/state backend "redis": no checkpoint "cp"/)
    await whole.release('never-existed')
  })

  it('a prefix scope leaves every other key alone, created or changed after the checkpoint', async () => {
    const scoped = new RedisState({ url: URL_A, prefix: ['app:', 'sess:'], name: 'redis-app' })
    try {
      await raw.set('app:a', '1')
      await raw.set('sess:s', '1')
      await raw.set('outside', '1')
      await scoped.checkpoint('cp')
      await raw.set('app:a', '2')
      await raw.set('app:new', '2')
      await raw.del('sess:s')
      await raw.set('outside', '2')
      await raw.set('outside:new', '2')
      await raw.set('apple', 'not app: either')
      await scoped.rollback('cp')
      expect(await snapshotDb(raw)).toEqual({
        'app:a': { type: 'string', value: '1', expires: false },
        apple: { type: 'string', value: 'not app: either', expires: false },
        outside: { type: 'string', value: '2', expires: false },
        'outside:new': { type: 'string', value: '2', expires: false },
        'sess:s': { type: 'string', value: '1', expires: false },
      })
      expect(await scoped.observe()).toEqual({ keys: 2, scope: 'keys app:*, sess:* in DB 1' })
    } finally {
      await scoped.disconnect()
    }
  })

  it("with a prefix, what another program writes outside it survives a rollback; with the whole DB it would not", async () => {
    const run = randomUUID().slice(0, 8)
    const prefix = `venomqa-test-${run}:`
    const theirs = `other-program-${run}`
    const scoped = new RedisState({ url: URL_A, prefix })
    const other = rawClient(DB_A) // its own connection, as another program sharing the DB would have
    try {
      await raw.set(`${prefix}cart`, 'apple')
      await other.set(`${theirs}:config`, 'v1')
      await scoped.checkpoint('cp')
      await whole.checkpoint('cp')
      await raw.set(`${prefix}cart`, 'apple,pear')
      await other.set(`${theirs}:session`, 'written after the checkpoint')
      await other.set(`${theirs}:config`, 'v2')

      await scoped.rollback('cp')
      expect(await raw.get(`${prefix}cart`)).toBe('apple')
      expect(await raw.mget(`${theirs}:session`, `${theirs}:config`)).toEqual(['written after the checkpoint', 'v2'])

      // The same rollback over the whole DB takes the other program's work away: what the prefix prevents.
      await whole.rollback('cp')
      expect(await raw.mget(`${theirs}:session`, `${theirs}:config`)).toEqual([null, 'v1'])
    } finally {
      await scoped.disconnect()
      await other.quit()
    }
  })

  it('restores 10 000 keys exactly (content, not speed)', async () => {
    const pipe = raw.pipeline()
    for (let i = 0; i < 10_000; i++) {
      if (i % 10 === 0) pipe.set(`big:${i}`, `value-${i}`, 'EX', 600)
      else pipe.set(`big:${i}`, `value-${i}`)
    }
    await pipe.exec()
    await whole.checkpoint('big')
    const change = raw.pipeline()
    for (let i = 0; i < 10_000; i += 3) change.del(`big:${i}`)
    for (let i = 0; i < 2_000; i++) change.set(`extra:${i}`, 'x')
    await change.exec()
    await whole.rollback('big')
    expect(await raw.dbsize()).toBe(10_000)
    expect(await raw.get('big:9999')).toBe('value-9999')
    expect(await raw.get('big:3')).toBe('value-3')
    expect(await raw.ttl('big:30')).toBeGreaterThan(590)
    expect(await raw.ttl('big:31')).toBe(-1)
  })

  it('restores values larger together than one RESTORE call may carry, in several calls', async () => {
    // Three values of 23 MB: 69 MB, past the 64 MiB (67.1 MB) of one call (RESTORE_BATCH_BYTES).
    const value = (i: number) => Buffer.alloc(23_000_000, i)
    for (let i = 0; i < 3; i++) await raw.set(`large:${i}`, value(i))
    await whole.checkpoint('big')
    for (let i = 0; i < 3; i++) await raw.set(`large:${i}`, 'changed')
    await whole.rollback('big')
    for (let i = 0; i < 3; i++) expect((await raw.getBuffer(`large:${i}`))!.equals(value(i))).toBe(true)
  })

  it('reset empties the scope; observe counts keys', async () => {
    await seed()
    expect(await whole.observe()).toEqual({ keys: 8, scope: 'whole DB 1' })
    await whole.reset()
    expect(await raw.dbsize()).toBe(0)
  })

  it('fails with a StateError naming the backend when Redis cannot be reached', async () => {
    const dead = new RedisState({ url: 'redis://127.0.0.1:1/1', name: 'redis-dead', prefix: 'dead:' })
    try {
      await expect(dead.connect()).rejects.toThrow(/state backend "redis-dead": cannot reach Redis at redis:\/\/127.0.0.1:1\/1/)
      await expect(dead.checkpoint('x')).rejects.toBeInstanceOf(StateError)
    } finally {
      await dead.disconnect()
    }
  })

  it('a DB the server does not have is a config error naming it, never DB 0 (where ioredis would go on)', async () => {
    const { RedisCache } = await import('../src')
    const databases = Number(((await raw.config('GET', 'databases')) as string[])[1])
    const url = `redis://${SERVICES.redis.host}:${SERVICES.redis.port}/${databases}`
    const missing = new RedisState({ url, prefix: 'nodb:' })
    const cache = new RedisCache({ url, prefix: 'nodb:' })
    try {
      const err = await missing.connect().catch((e: unknown) => e)
      expect(err).toBeInstanceOf(ConfigError)
      expect((err as Error).message).toMatch(new RegExp(`^Redis DB ${databases} does not exist at redis://127\\.0\\.0\\.1:\\d+/${databases} \\(ERR DB index is out of range\\)`))
      // A port on it fails its commands rather than write to DB 0.
      await expect(cache.set('k', 'v')).rejects.toThrow()
    } finally {
      await missing.disconnect()
      await cache.close()
    }
  })

  it('reports each key RESTORE refused, and still applies the rest of the batch', async () => {
    await raw.set('good', 'v')
    const dump = await raw.dumpBuffer('good')
    const failed = await restoreBatch(raw, [
      { key: Buffer.from('a'), ttl: 0, dump: dump! },
      { key: Buffer.from('corrupt'), ttl: 0, dump: Buffer.from('not a dump payload') },
      { key: Buffer.from('good'), ttl: -1 },
    ])
    expect(failed.map((f) => [f.key.toString(), f.error])).toEqual([['corrupt', expect.stringMatching(/payload version or checksum are wrong/)]])
    expect(await raw.get('a')).toBe('v')
    expect(await raw.exists('good', 'corrupt')).toBe(0)
  })

  it('refuses a scope given twice or an empty prefix', () => {
    expect(() => new RedisState({ prefix: 'a:', wholeDb: true })).toThrow(/either "prefix" or "wholeDb: true"/)
    expect(() => new RedisState({ prefix: '' })).toThrow(/non-empty string/)
  })

  it('refuses to guess a scope, and says how to give one', () => {
    for (const options of [{}, { url: URL_A }, { url: URL_A, wholeDb: false }, { url: URL_A, prefix: [] }]) {
      const attempt = () => new RedisState(options)
      expect(attempt).toThrow(StateError)
      expect(attempt).toThrow(/state backend "redis": no scope given\..*`prefix: 'myapp:'`.*`wholeDb: true`/)
    }
  })
})
