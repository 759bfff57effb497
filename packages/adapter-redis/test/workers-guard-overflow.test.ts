/**
 * The guard of a keyPrefix worker finds the writes Redis refused its app in Redis's ACL LOG, which keeps
 * only its newest `acllog-max-len` entries (128 by default) of every user of the server. Enough refusals of
 * other users (another app, other workers) between two checks push the app's refusal out of it; the check
 * then found nothing and passed. It now fails, saying it could not see every refusal since the last one.
 * The ACL LOG is one for the whole server, and filling it would blind the guards of every other test on
 * it: these tests run a redis-server of their own (DB 3, keys under `gx`), and delete the users they make
 * even when they fail.
 */
import { ConfigError, type MainSystem, StateError } from '@venomqa/core'
import { describeWithCommand } from '@venomqa/test-utils'
import { Redis } from 'ioredis'
import { afterAll, afterEach, beforeAll, beforeEach, expect, it } from 'vitest'
import { type RedisState, redisWorkers } from '../src'
import { startOwnRedis } from './helpers'

const d = describeWithCommand('redis-server', 'the redis-server of Redis 7')
const DB = 3
let server: Awaited<ReturnType<typeof startOwnRedis>> | undefined
const host = () => server!.hostPort
const url = () => `redis://${host()}/${DB}`
const PREFIX = 'gx:'
const keyPrefix = (index: number) => `gx_w${index}:`
const main: MainSystem = { baseUrl: 'http://127.0.0.1:1', ports: new Map(), stateBackends: [] }
const OTHER = `venomqa-test-flood-${process.pid}`
const NO_CONFIG = `venomqa-test-noconfig-${process.pid}`

/** Run `fn` with a client of the test's server, closed after. */
async function withClient<T>(fn: (r: Redis) => Promise<T>): Promise<T> {
  const r = new Redis(url(), { maxRetriesPerRequest: 1 })
  try {
    return await fn(r)
  } finally {
    await r.quit()
  }
}

const aclUsers = (): Promise<string[]> => withClient(async (r) => (await r.call('ACL', 'USERS')) as string[])

/** How many entries the server's ACL LOG keeps (its default: not changed here). */
const logMaxLen = (): Promise<number> => withClient(async (r) => Number(((await r.call('CONFIG', 'GET', 'acllog-max-len')) as string[])[1]))

/** The users named in the server's ACL LOG. */
const usersInLog = (): Promise<string[]> =>
  withClient(async (r) =>
    ((await r.call('ACL', 'LOG')) as unknown[][]).map((entry) => String(entry[entry.indexOf('username') + 1])),
  )

/** How many keys floodingUser has been refused, in every test: each is refused once. */
let floodKeys = 0

/**
 * Another user of the server whose writes Redis refuses (another app, another run's worker): `refuse(n)`
 * makes `n` refusals of keys never refused before, so each is an entry of its own in the ACL LOG.
 */
function floodingUser(): { refuse(n: number): Promise<void>; close(): void } {
  const app = new Redis(`redis://${OTHER}:flood-pw@${host()}/${DB}`, { maxRetriesPerRequest: 1 })
  return {
    async refuse(n) {
      const pipeline = app.pipeline()
      for (let i = 0; i < n; i++) pipeline.set(`gx-elsewhere:${floodKeys++}`, 'x')
      const replies = (await pipeline.exec()) ?? []
      expect(replies.map(([err]) => /NOPERM/.test(String(err)))).toEqual(replies.map(() => true))
      expect(replies).toHaveLength(n)
    },
    close: () => app.disconnect(),
  }
}

/** A worker of `url`'s server with its state backend connected and its app connected as the app would be. */
async function guardedWorker(url: string): Promise<{ backend: RedisState; app: Redis; user: string; close(): Promise<void> }> {
  const setup = redisWorkers({ url, prefix: PREFIX, keyPrefix })
  const worker = await setup.prepare(1, main)
  const backend = (worker.stateBackends as RedisState[])[0]!
  const user = new URL(worker.resources!.redisUrl as string).username
  const app = new Redis(worker.resources!.redisUrl as string, { maxRetriesPerRequest: 1 })
  const close = async () => {
    app.disconnect()
    try {
      await backend.disconnect()
    } finally {
      await worker.close?.()
    }
  }
  try {
    await backend.connect()
  } catch (err) {
    await close()
    throw err
  }
  return { backend, app, user, close }
}

const failureOf = (p: Promise<unknown>): Promise<unknown> =>
  p.then(
    () => undefined,
    (e: unknown) => e,
  )

d("redisWorkers' guard when the ACL LOG overflows between two checks", () => {
  beforeAll(async () => {
    server = await startOwnRedis()
  })
  afterAll(async () => {
    await server?.stop()
  })
  beforeEach(() => withClient((r) => r.call('ACL', 'SETUSER', OTHER, 'reset', 'on', '>flood-pw', '~nothing:*', '+@all')))
  // Each test's users go with it, failed or not; the workers' own go with each worker.
  afterEach(async () => {
    await withClient((r) => r.call('ACL', 'DELUSER', OTHER, NO_CONFIG))
    expect(await aclUsers()).toEqual(['default'])
  })

  it("fails the check when the app's refusal may have been pushed out of the ACL LOG, where it passed without a word", async () => {
    const maxLen = await logMaxLen()
    const flood = floodingUser()
    const worker = await guardedWorker(url())
    const { backend, app } = worker
    try {
      await backend.checkpoint('a')
      await expect(app.set('gx:cart', 'x')).rejects.toThrow(/NOPERM/)
      // As many refusals of another user as the log holds: the app's is pushed out, nothing names it any more.
      await flood.refuse(maxLen)
      expect(await usersInLog()).not.toContain(worker.user)

      const err = await failureOf(backend.checkpoint('b'))
      expect(err).toBeInstanceOf(StateError)
      // Critical wherever it is met, even at a release: the state may be wrong, and nobody can tell.
      expect((err as StateError).stateIsWrong).toBe(true)
      expect((err as Error).message).toBe(
        `state backend "redis:w1": checkpoint "b": cannot tell whether Redis refused worker 1's app a write outside its key prefix "gx_w1:" since the last check: Redis's ACL LOG keeps only its newest ${maxLen} entries (acllog-max-len), of every user of the server, and all ${maxLen} came since then, so a refusal may have been pushed out unseen`,
      )
      expect((err as StateError).suggestion).toMatch(/^Raise acllog-max-len on this Redis .*\(redis-cli CONFIG SET acllog-max-len \d+\)/)

      // Told once: the next check starts from what the log holds now.
      await backend.checkpoint('c')
      // A full log whose oldest entry is older than the last check lost nothing since: a refusal is told as ever.
      await flood.refuse(1)
      await expect(app.set('gx:cart', 'x')).rejects.toThrow(/NOPERM/)
      const told = (await failureOf(backend.checkpoint('d'))) as Error
      expect(told.message).toMatch(/^state backend "redis:w1": checkpoint "d": worker 1's app wrote outside its key prefix "gx_w1:", and Redis refused it: "gx:cart" \(SET\)\. Workers share/)
      expect(told.message).not.toContain('acllog-max-len')
      await backend.checkpoint('e')
    } finally {
      flood.close()
      await worker.close()
    }
  })

  it('tells the refusals it sees, and that there may be more, when the log overflowed after them', async () => {
    const maxLen = await logMaxLen()
    const flood = floodingUser()
    const { backend, app, close } = await guardedWorker(url())
    try {
      await backend.checkpoint('a')
      await flood.refuse(maxLen)
      await expect(app.set('gx:cart', 'x')).rejects.toThrow(/NOPERM/)
      const err = (await failureOf(backend.rollback('a'))) as StateError
      expect(err.message).toMatch(
        new RegExp(
          `^state backend "redis:w1": rollback to "a": worker 1's app wrote outside its key prefix "gx_w1:", and Redis refused it: "gx:cart" \\(SET\\), and maybe more: Redis's ACL LOG keeps only its newest ${maxLen} entries \\(acllog-max-len\\), of every user of the server, and all ${maxLen} came since the last check, so others may have been pushed out unseen\\. Workers share the main DB: .* \\(rolled back to "a" all the same\\)$`,
        ),
      )
      expect(err.suggestion).toMatch(/resources\.redisKeyPrefix .*\(leave keyPrefix out\)\. Also raise acllog-max-len on this Redis .*\(redis-cli CONFIG SET acllog-max-len \d+\)/)
      await backend.release('a')
    } finally {
      flood.close()
      await close()
    }
  })

  it('takes the log as full when its connection may not read acllog-max-len, and says so', async () => {
    const maxLen = await logMaxLen()
    // The run's connection may make users and read the ACL LOG, but not CONFIG (a managed Redis, say).
    await withClient((r) => r.call('ACL', 'SETUSER', NO_CONFIG, 'reset', 'on', '>noconfig-pw', '~*', '&*', '+@all', '-config'))
    const flood = floodingUser()
    const { backend, close } = await guardedWorker(`redis://${NO_CONFIG}:noconfig-pw@${host()}/${DB}`)
    try {
      await backend.checkpoint('a')
      await flood.refuse(maxLen)
      const err = (await failureOf(backend.checkpoint('b'))) as StateError
      expect(err.message).toBe(
        `state backend "redis:w1": checkpoint "b": cannot tell whether Redis refused worker 1's app a write outside its key prefix "gx_w1:" since the last check: Redis's ACL LOG keeps only its newest acllog-max-len entries, of every user of the server, all ${maxLen} of its entries came since then, and this connection may not read acllog-max-len (CONFIG GET) to tell whether that is all of them, so a refusal may have been pushed out unseen`,
      )
      expect(err.suggestion).toMatch(/^Allow the run.s connection CONFIG GET, so that the guard can tell a full ACL LOG from one that is not, and raise acllog-max-len/)
      await backend.checkpoint('c')
      // The oldest entry is older than the last check: nothing can have been pushed out since.
      await flood.refuse(1)
      await backend.checkpoint('d')
    } finally {
      flood.close()
      await close()
    }
  })

  it('refuses to make a worker whose guard could never see a refusal: Redis keeps no ACL LOG (acllog-max-len 0)', async () => {
    const maxLen = await logMaxLen()
    await withClient((r) => r.call('CONFIG', 'SET', 'acllog-max-len', '0'))
    try {
      const setup = redisWorkers({ url: url(), prefix: PREFIX, keyPrefix })
      const err = await failureOf(setup.prepare(1, main))
      expect(err).toBeInstanceOf(ConfigError)
      expect((err as Error).message).toBe(
        `redisWorkers: cannot guard worker 1's key prefix "gx_w1:": Redis refused the app's user a write outside its key prefix, but did not log it in its ACL LOG (acllog-max-len is 0), so no refusal of the app could ever be seen. Set acllog-max-len to 128 or more on this Redis (redis-cli CONFIG SET acllog-max-len 128), or give \`guardWrites: false\` to go without; a write of the app outside its key prefix then goes unseen`,
      )
      // Its user is gone with it (the afterEach checks), and so are its keys.
      expect(await withClient((r) => r.keys('gx_w1:*'))).toEqual([])
    } finally {
      await withClient((r) => r.call('CONFIG', 'SET', 'acllog-max-len', String(maxLen)))
    }
    // With the log kept again, the same worker is made, and its own look leaves no refusal to tell.
    const { backend, close } = await guardedWorker(url())
    try {
      await backend.checkpoint('a')
    } finally {
      await close()
    }
  })
})
