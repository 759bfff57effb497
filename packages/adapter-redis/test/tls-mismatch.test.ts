/**
 * A rediss:// URL for a server that speaks Redis without TLS (the local one): the TLS client's hello goes
 * unanswered (Redis waits for an end of line it never finds), so every call waited for the connect
 * timeout and failed as if Redis were down. It now fails within a couple of seconds with a ConfigError
 * that names the option, says the server did not complete a TLS handshake and gives the redis:// URL.
 * Nothing is written: the URLs name DB 12, which a plain connection never reaches.
 */
import { type AddressInfo, type Socket, createServer } from 'node:net'
import { ConfigError, journey, step } from '@venomqa/core'
import type { Redis } from 'ioredis'
import { createRunner } from '@venomqa/runner'
import { SERVICES, describeWithService } from '@venomqa/test-utils'
import { afterAll, beforeAll, expect, it } from 'vitest'
import redisPlugin, { BullQueue, RedisCache, RedisState } from '../src'

const describeRedis = await describeWithService('Redis', SERVICES.redis.host, SERVICES.redis.port)

const PASSWORD = 'tls-mismatch-s3cret'
const HOST_PORT = `${SERVICES.redis.host}:${SERVICES.redis.port}`
const TLS_URL = `rediss://:${PASSWORD}@${HOST_PORT}/12`
/** The plain URL the message tells to use instead, its password masked as every URL a message shows. */
const PLAIN_URL = `redis://:***@${HOST_PORT}/12`
/** What `call` rejected with; it must reject. */
async function failureOf(call: () => Promise<unknown>): Promise<{ err: Error }> {
  try {
    await call()
  } catch (err) {
    return { err: err as Error }
  }
  throw new Error('the call succeeded over TLS against a server without TLS')
}

/**
 * The connection attempts a client starts, and whether one ran into the connect timeout (5 s). The call
 * used to wait that out, then retried: told promptly, the mismatch is found at the handshake grace (1 s)
 * of the first attempt, none timed out, and the closed client starts no other.
 */
function attemptsOf(redis: Redis): { started: number; timedOut: boolean } {
  const seen = { started: 0, timedOut: false }
  redis.on('connecting', () => void seen.started++)
  redis.on('error', (err: Error & { code?: string }) => {
    if (err.code === 'ETIMEDOUT' || /ETIMEDOUT/.test(err.message)) seen.timedOut = true
  })
  return seen
}

function expectTlsMismatch(err: Error, where: string): void {
  expect(err).toBeInstanceOf(ConfigError)
  expect((err as ConfigError).where).toBe(where)
  expect(err.message).toContain(`did not complete a TLS handshake`)
  expect(err.message).toContain(`use ${PLAIN_URL}`)
  expect(err.message).not.toContain(PASSWORD)
}

describeRedis('rediss:// to the local Redis, which has no TLS', () => {
  it('a cache call fails promptly with a ConfigError naming url', async () => {
    const cache = new RedisCache({ url: TLS_URL, prefix: 'tls:' })
    const attempts = attemptsOf(cache.redis)
    try {
      const { err } = await failureOf(() => cache.get('k'))
      expectTlsMismatch(err, 'url')
      expect(err.message).toMatch(/^Redis: `url`: the server at rediss:\/\/:\*\*\*@127\.0\.0\.1:6379\/12 did not complete a TLS handshake; it answers Redis without TLS, so use redis:\/\/:\*\*\*@127\.0\.0\.1:6379\/12 \(/)
      expect(attempts).toEqual({ started: 1, timedOut: false })
      // Told again, at once, on the next call: the client is closed, not retrying (no new attempt, whose
      // handshake grace it would wait again).
      const again = await failureOf(() => cache.set('k', 1))
      expectTlsMismatch(again.err, 'url')
      expect(cache.redis.status).toBe('end')
      expect(attempts).toEqual({ started: 1, timedOut: false })
    } finally {
      await cache.close()
    }
  }, 20_000)

  it('the state backend and the queue fail their first call the same way', async () => {
    const state = new RedisState({ url: TLS_URL, prefix: 'tls:' })
    const queue = new BullQueue({ url: TLS_URL, name: 'tls' })
    const stateAttempts = attemptsOf(state.redis)
    const queueAttempts = attemptsOf(queue.redis)
    try {
      const connecting = await failureOf(() => state.connect())
      expectTlsMismatch(connecting.err, 'url')
      expect(stateAttempts).toEqual({ started: 1, timedOut: false })
      const enqueueing = await failureOf(() => queue.enqueue('job', {}))
      expectTlsMismatch(enqueueing.err, 'url')
      expect(queueAttempts).toEqual({ started: 1, timedOut: false })
    } finally {
      await state.disconnect()
      await queue.close()
    }
  }, 20_000)

  it('in a run, the plugin names its entry: plugins[N].url, in the step, the state connect and the health check', async () => {
    let cacheError: string | undefined
    const runner = createRunner({
      baseUrl: 'http://127.0.0.1:1',
      plugins: [
        [redisPlugin, { url: 'redis://127.0.0.1:6379/12', prefix: 'tls:', queue: false, state: false, cache: { port: 'other' } }],
        [redisPlugin, { url: TLS_URL, prefix: 'tls:', queue: false, state: false }],
      ],
    })
    try {
      await runner.init()
      const attempts = attemptsOf((runner.registry.ports.get('cache') as RedisCache).redis)
      const run = await runner.run(
        journey('tls_cache', {
          steps: [
            step('read', async ({ ports }) => {
              try {
                await ports.require('cache').get('k')
              } catch (err) {
                cacheError = (err as Error).message
                throw err
              }
            }),
          ],
        }),
      )
      expect(attempts).toEqual({ started: 1, timedOut: false })
      expect(run.status).toBe('failed')
      expect(cacheError).toMatch(/^plugins\[1\]\.url: the server at rediss:\/\/:\*\*\*@127\.0\.0\.1:6379\/12 did not complete a TLS handshake/)
      expect(cacheError).toContain(`use ${PLAIN_URL}`)
      expect(JSON.stringify(run)).not.toContain(PASSWORD)
      // What `venomqa doctor` shows for this entry.
      const health = await runner.registry.healthChecks.get('redis (plugins[1])')!()
      expect(health).toMatch(/^plugins\[1\]\.url: the server at rediss:\/\/:\*\*\*@127\.0\.0\.1:6379\/12 did not complete a TLS handshake/)
    } finally {
      await runner.close()
    }

    const withState = createRunner({ baseUrl: 'http://127.0.0.1:1', plugins: [[redisPlugin, { url: TLS_URL, prefix: 'tls:', queue: false, cache: false }]] })
    try {
      // A mistake in the entry (the scheme), met as the state backend connects: refused at its key, as every
      // option's mistake is (exit 2 from the CLI), not a connection failure of the run.
      const refused = await withState.run(journey('tls_state', { steps: [step('nothing', () => {})] })).then(
        () => undefined,
        (err: Error & { where?: string }) => err,
      )
      expect(refused?.where).toBe('plugins[0].url')
      expect(refused?.message).toMatch(/^plugins\[0\]\.url: the server at rediss:\/\/:\*\*\*@127\.0\.0\.1:6379\/12 did not complete a TLS handshake/)
      expect(refused?.message).not.toContain(PASSWORD)
    } finally {
      await withState.close()
    }
  }, 30_000)
})

/** A server that accepts and never answers, TLS or not: silence is no sign of plain Redis. */
const sockets: Socket[] = []
const silent = createServer((socket) => void sockets.push(socket))
let silentUrl = ''
beforeAll(async () => {
  await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve))
  silentUrl = `rediss://127.0.0.1:${(silent.address() as AddressInfo).port}/12`
})
afterAll(async () => {
  for (const socket of sockets) socket.destroy()
  await new Promise<void>((resolve) => silent.close(() => resolve()))
})

it('a server that answers nothing, not even a plain PING, is not taken for Redis without TLS', async () => {
  const cache = new RedisCache({ url: silentUrl, prefix: 'tls:' })
  try {
    const { err } = await failureOf(() => cache.get('k'))
    expect(err).not.toBeInstanceOf(ConfigError)
    expect(err.message).toMatch(/did not answer/)
  } finally {
    await cache.close()
  }
}, 30_000)
