/**
 * Connection settings that would make the ports and the state backend silently wrong are refused up front,
 * with a ConfigError naming the option: an ioredis `keyPrefix` (SCAN answers full key names, which ioredis
 * would prefix once more in every command, so a checkpoint saved nothing and cache.clear() deleted nothing),
 * and a URL path that is not a DB index (ioredis sent SELECT NaN, an unhandled rejection).
 */
import { ConfigError, parseOptions } from '@venomqa/core'
import { SERVICES, describeWithService } from '@venomqa/test-utils'
import { Redis } from 'ioredis'
import { afterAll, beforeAll, expect, it } from 'vitest'
import { BullQueue, RedisCache, RedisState, redisPluginOptions } from '../src'
import { DB_A, URL_A, flushOurDbs, rawClient } from './helpers'

/** What `run` threw (or undefined). */
function thrown(run: () => unknown): unknown {
  try {
    run()
  } catch (err) {
    return err
  }
  return undefined
}

it('refuses an ioredis client with keyPrefix in the state backend and the cache, naming the option', () => {
  const client = new Redis({ host: SERVICES.redis.host, port: SERVICES.redis.port, db: DB_A, keyPrefix: 'app:', lazyConnect: true })
  try {
    for (const make of [() => new RedisState({ redis: client, prefix: 'app:' }), () => new RedisCache({ redis: client, prefix: 'c:' })]) {
      const err = thrown(make)
      expect(err).toBeInstanceOf(ConfigError)
      expect((err as Error).message).toMatch(/keyPrefix "app:"/)
      expect((err as Error).message).toMatch(/"prefix" option/)
    }
  } finally {
    client.disconnect()
  }
})

it('refuses keyPrefix given in the URL query, which ioredis reads, in the classes and the plugin schema', () => {
  const url = `${URL_A}?keyPrefix=app:`
  for (const make of [() => new RedisState({ url, prefix: 'app:' }), () => new RedisCache({ url, prefix: 'c:' })]) {
    const err = thrown(make)
    expect(err).toBeInstanceOf(ConfigError)
    expect((err as Error).message).toMatch(/keyPrefix "app:"/)
  }
  const err = thrown(() => parseOptions(redisPluginOptions, { url, prefix: 'app:' }, 'plugins[0]'))
  expect(err).toBeInstanceOf(ConfigError)
  expect((err as Error).message).toContain('plugins[0].url: ')
  expect((err as Error).message).toMatch(/keyPrefix/)
})

it('a URL path that is not a DB index is a ConfigError naming url, in every class and in the plugin schema', () => {
  for (const path of ['abc', '1.5', '-1', '1/2']) {
    const url = `redis://127.0.0.1:6379/${path}`
    for (const make of [() => new RedisState({ url, prefix: 'x:' }), () => new RedisCache({ url, prefix: 'x:' }), () => new BullQueue({ url })]) {
      const err = thrown(make)
      expect(err, `${url}`).toBeInstanceOf(ConfigError)
      expect((err as ConfigError).message).toMatch(/the path of `url` must be a DB index, as in redis:\/\/host:6379\/2/)
    }
    const err = thrown(() => parseOptions(redisPluginOptions, { url, prefix: 'x:' }, 'plugins[0]'))
    expect(err, url).toBeInstanceOf(ConfigError)
    expect((err as Error).message).toContain('plugins[0].url: expected a redis:// URL whose path is a DB index')
  }
  // `db` replaces the URL's path, so a path that is not a DB index is then no mistake.
  expect(thrown(() => new RedisCache({ url: 'redis://127.0.0.1:6379/abc', db: DB_A, prefix: 'x:' }))).toBeUndefined()
  expect(() => parseOptions(redisPluginOptions, { url: 'redis://127.0.0.1:6379/', prefix: 'x:' }, 'p')).not.toThrow()
  expect(() => parseOptions(redisPluginOptions, { url: 'redis://127.0.0.1:6379/3', prefix: 'x:' }, 'p')).not.toThrow()
})

it('a redis:// URL ioredis cannot open is refused by the plugin schema at plugins[N].url, and by the classes naming url', () => {
  const cases: [string, RegExp][] = [
    ['redis://127.0.0.1:notaport', /that parses, as in redis:\/\/host:6379\/2 \(the port a number from 0 to 65535/],
    ['redis://127.0.0.1:99999', /that parses/],
    ['redis://127.0.0.1:6379.5/1', /that parses/],
    ['redis://[::1/1', /that parses/],
    ['rediss://cache host:6380', /that parses/],
    ['redis://app:50%off@127.0.0.1:6379', /whose user and password are percent-encoded: a "%" there must start a %XX escape \(write "%" as %25\)/],
  ]
  for (const [url, problem] of cases) {
    // Found at setup, these were ioredis' "Invalid URL" and "URI malformed", naming no option.
    const err = thrown(() => parseOptions(redisPluginOptions, { url, prefix: 'x:' }, 'plugins[2]'))
    expect(err, url).toBeInstanceOf(ConfigError)
    expect((err as Error).message, url).toMatch(new RegExp(`^plugins\\[2\\]\\.url: expected a redis:\\/\\/ URL ${problem.source}`))
    // The password is never shown.
    expect((err as Error).message).not.toContain('50%off')
    for (const make of [() => new RedisState({ url, prefix: 'x:' }), () => new RedisCache({ url, prefix: 'x:' }), () => new BullQueue({ url })]) {
      const made = thrown(make)
      expect(made, url).toBeInstanceOf(ConfigError)
      expect((made as Error).message).toMatch(/^Redis: `url`: expected a redis:\/\/ URL/)
      expect((made as ConfigError).where).toBe('url')
    }
  }
  // A scheme other than redis:// and rediss:// is told once, as before.
  const other = thrown(() => parseOptions(redisPluginOptions, { url: 'redis:/host', prefix: 'x:' }, 'plugins[0]'))
  expect((other as Error).message).toBe('plugins[0].url: expected a redis:// or rediss:// URL, got "redis:/host"')
  expect(() => parseOptions(redisPluginOptions, { url: 'rediss://user:p%40ss@127.0.0.1:6380/2', prefix: 'x:' }, 'p')).not.toThrow()
  // An unencoded `#` or `/` in the password: read as written, the host was `ss`, a piece of it, and an error named it.
  for (const url of ['redis://:p@ss#LEAK1@127.0.0.1:6379/10', 'redis://:p#LEAK2@127.0.0.1:6379/10', 'rediss://u:p@ss/LEAK3@127.0.0.1:6380/2']) {
    const said = 'reads as a URL with part of its password as the host: percent-encode a "#", "/", "?" or "@" in the user name or password ("#" as %23, "/" as %2F, "?" as %3F, "@" as %40)'
    expect((thrown(() => parseOptions(redisPluginOptions, { url, prefix: 'x:' }, 'plugins[2]')) as Error).message, url).toBe(`plugins[2].url: ${said}`)
    for (const make of [() => new RedisState({ url, prefix: 'x:' }), () => new RedisCache({ url, prefix: 'x:' }), () => new BullQueue({ url })])
      expect((thrown(make) as Error).message, url).toBe(`Redis: \`url\`: ${said}`)
  }
})

const describeRedis = await describeWithService('Redis', SERVICES.redis.host, SERVICES.redis.port)

describeRedis('with Redis (DB 1)', () => {
  const raw = rawClient(DB_A)
  beforeAll(flushOurDbs)
  afterAll(async () => {
    await flushOurDbs()
    await raw.quit()
  })

  it('a client without keyPrefix still works after the check: checkpoint and rollback of a prefix', async () => {
    const client = new Redis({ host: SERVICES.redis.host, port: SERVICES.redis.port, db: DB_A, lazyConnect: true })
    const state = new RedisState({ redis: client, prefix: 'app:' })
    try {
      await state.connect()
      await raw.set('app:a', 'original')
      await state.checkpoint('cp')
      await raw.set('app:a', 'changed')
      await raw.set('app:new', '1')
      await state.rollback('cp')
      expect(await raw.get('app:a')).toBe('original')
      expect(await raw.exists('app:new')).toBe(0)
    } finally {
      await state.disconnect()
      client.disconnect()
    }
  })
})
