/**
 * redisWorkers and a run that stops early. A run quit at once (a second Ctrl-C) has no time to delete the
 * keys a worker wrote under its key prefix: from when the worker writes its place until its keys are deleted,
 * they are on record (madeByWorkerSetups, which the CLI's quit message lists) with a redis-cli command that
 * deletes them, and no password; so is the Redis user its app connects as, with the command that deletes it.
 * A create the run gives up (its signal aborts) stops and deletes what it wrote.
 * Redis DB 14 only: the main DB, each worker isolated by a key prefix in it.
 */
import { execFile } from 'node:child_process'
import { promisify } from 'node:util'
import { type MainSystem, madeByWorkerSetups } from '@venomqa/core'
import { SERVICES, describeWithService } from '@venomqa/test-utils'
import { afterAll, beforeEach, expect, it } from 'vitest'
import { redisWorkers } from '../src'
import { rawClient, removeKeys, withRawClient } from './helpers'

const d = await describeWithService('Redis', SERVICES.redis.host, SERVICES.redis.port)
const DB = 14
const PASSWORD = 'workers-quit-secret-pw'
// The server asks for no password: it is only carried, as a real one would be.
const URL_WITH_PASSWORD = `redis://:${PASSWORD}@${SERVICES.redis.host}:${SERVICES.redis.port}/${DB}`
const PREFIX = 'rq:'
const keyPrefix = (index: number) => `rq_w${index}:`
const main: MainSystem = { baseUrl: 'http://127.0.0.1:1', ports: new Map(), stateBackends: [] }
const noApp = async () => ({ baseUrl: 'http://127.0.0.1:1' })

const ourKeys = (): Promise<string[]> => withRawClient(DB, async (r) => (await r.keys('rq*')).sort())
const removeOurKeys = () => removeKeys(DB, 'rq*')

const onRecord = () => madeByWorkerSetups().filter((made) => made.kind === 'Redis keys')
const usersOnRecord = () => madeByWorkerSetups().filter((made) => made.kind === 'Redis user')

/** The shell loop of short EVALs (one SCAN step each) that deletes the keys of `pattern` (both as regex sources). */
const deleteLoop = (cli: string, pattern: string) =>
  `c=0; while c=\\$\\(${cli} EVAL '[^']+' 0 '${pattern}' "\\$c"\\) && \\[ "\\$c" != 0 \\]; do case \\$c in ''\\|\\*\\[!0-9\\]\\*\\) echo "\\$c" >&2; break; esac; done`

const serverUsers = (): Promise<string[]> => withRawClient(DB, async (r) => (await r.call('ACL', 'USERS')) as string[])

d('redisWorkers and a run quit at once', () => {
  beforeEach(removeOurKeys)
  afterAll(removeOurKeys)

  it("puts a worker's keys on record from when it writes them until they are deleted, with a command that deletes them", async () => {
    const setup = redisWorkers({ url: URL_WITH_PASSWORD, prefix: PREFIX, keyPrefix, startApp: noApp })
    const worker = await setup.create(1, main)
    let closed = false
    try {
      const raw = rawClient(DB)
      // What the worker's app wrote, under its key prefix.
      await raw.set('rq_w1:rq:cart', 'one item')
      // Keys no shell word survives unquoted: `--scan | xargs del` split the first and choked on both quotes.
      await raw.set("rq_w1:rq:it's a cart", 'one item')
      await raw.set('rq_w1:rq:"gift" list', 'one item')
      await raw.quit()
      expect(onRecord()).toEqual([{ kind: 'Redis keys', name: 'rq_w1:rq:*', where: `DB ${DB}`, remove: expect.any(String) }])
      const { remove } = onRecord()[0]!
      expect(remove).toMatch(new RegExp(`^${deleteLoop(`redis-cli -n ${DB}`, 'rq_w1:rq:\\*')}; redis-cli -n ${DB} del rq_w1:__venomqa_worker__$`))
      expect(JSON.stringify(madeByWorkerSetups())).not.toContain(PASSWORD)
      expect(await ourKeys()).toEqual(['rq_w1:__venomqa_worker__', 'rq_w1:rq:"gift" list', 'rq_w1:rq:cart', "rq_w1:rq:it's a cart"])
      // The command, run as a user would after the run quit, leaves nothing of the worker's.
      await promisify(execFile)('sh', ['-c', remove])
      expect(await ourKeys()).toEqual([])
      // Nor does the one that deletes the Redis user its app connects as (see workers-guard.test.ts).
      const [user] = usersOnRecord()
      expect(user).toEqual({ kind: 'Redis user', name: expect.stringMatching(/^venomqa-w1-[0-9a-f]{10}$/), remove: `redis-cli ACL DELUSER ${user!.name}` })
      await promisify(execFile)('sh', ['-c', user!.remove])
      expect(await serverUsers()).not.toContain(user!.name)
      await worker.close?.()
      closed = true
      expect(onRecord()).toEqual([])
      expect(usersOnRecord()).toEqual([])
    } finally {
      if (!closed) await worker.close?.()
    }
  })

  it('names the server in the command when it is not the one redis-cli reaches by default', async () => {
    const setup = redisWorkers({ url: `redis://[::1]:${SERVICES.redis.port}/${DB}`, prefix: PREFIX, keyPrefix, startApp: noApp })
    const worker = await setup.create(2, main)
    try {
      const raw = rawClient(DB)
      await raw.set("rq_w2:rq:it's a cart", 'one item')
      await raw.quit()
      const cli = `redis-cli -h ::1 -p ${SERVICES.redis.port} -n ${DB}`
      expect(onRecord()).toEqual([{ kind: 'Redis keys', name: 'rq_w2:rq:*', where: `DB ${DB} at [::1]:${SERVICES.redis.port}`, remove: expect.any(String) }])
      const { remove } = onRecord()[0]!
      expect(remove).toMatch(new RegExp(`^${deleteLoop(cli, 'rq_w2:rq:\\*')}; ${cli} del rq_w2:__venomqa_worker__$`))
      await promisify(execFile)('sh', ['-c', remove])
      expect(await ourKeys()).toEqual([])
      const [user] = usersOnRecord()
      expect(user).toEqual({ kind: 'Redis user', name: expect.any(String), where: `at [::1]:${SERVICES.redis.port}`, remove: `redis-cli -h ::1 -p ${SERVICES.redis.port} ACL DELUSER ${user!.name}` })
    } finally {
      await worker.close?.()
    }
    expect(onRecord()).toEqual([])
    expect(usersOnRecord()).toEqual([])
  })
})

d('redisWorkers when the run gives a create up', () => {
  beforeEach(removeOurKeys)
  afterAll(removeOurKeys)

  it('writes nothing when the signal aborted before it began', async () => {
    const setup = redisWorkers({ url: URL_WITH_PASSWORD, prefix: PREFIX, keyPrefix, startApp: noApp })
    const reason = new Error('given up at the timeout')
    await expect(setup.prepare(1, main, AbortSignal.abort(reason))).rejects.toBe(reason)
    expect(await ourKeys()).toEqual([])
    expect(onRecord()).toEqual([])
  })

  it('stops when the signal aborts after it wrote its place, and deletes its keys', async () => {
    // An earlier worker's keys, left in this place by a run quit at once: the worker deletes them as it takes it.
    const raw = rawClient(DB)
    await raw.set('rq_w1:__venomqa_worker__', 'worker 1')
    await raw.set('rq_w1:rq:stale', 'x')
    await raw.quit()
    const setup = redisWorkers({ url: URL_WITH_PASSWORD, prefix: PREFIX, keyPrefix, startApp: noApp })
    const controller = new AbortController()
    const reason = new Error('given up at the timeout')
    let onRecordWhenGivenUp: unknown[] = []
    // The run's ports are looked at once the place is written: the create is given up right then.
    const givenUpWhenPortsAreRead = new (class extends Map<string, unknown> {
      override [Symbol.iterator](): MapIterator<[string, unknown]> {
        onRecordWhenGivenUp = onRecord()
        controller.abort(reason)
        return super[Symbol.iterator]()
      }
    })()
    await expect(setup.prepare(1, { ...main, ports: givenUpWhenPortsAreRead }, controller.signal)).rejects.toBe(reason)
    // It had written its place (its keys were on record), and deleted what it wrote and what it found.
    expect(onRecordWhenGivenUp).toHaveLength(1)
    expect(await ourKeys()).toEqual([])
    expect(onRecord()).toEqual([])
    // The place was given back: the same worker can be made again.
    const worker = await setup.create(1, main)
    await worker.close?.()
    expect(await ourKeys()).toEqual([])
  })
})
