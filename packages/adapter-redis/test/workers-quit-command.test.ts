/**
 * The redis-cli command a run quit at once prints to delete a worker's keys, run as a user would: by a
 * real shell, with the real redis-cli. It was one EVAL of a script that SCANned the whole DB and deleted
 * inside it: a script is atomic, so on a large DB it blocked every client of the server until it was
 * done. It is now a shell loop of short EVALs, one SCAN step each, the cursor kept by the shell.
 * A redis-server of the test's own: the test counts the server's EVAL calls, which other clients would add to.
 */
import { execFile } from 'node:child_process'
import { promisify } from 'node:util'
import { type MainSystem, madeByWorkerSetups } from '@venomqa/core'
import { SERVICES, describeWithService } from '@venomqa/test-utils'
import { expect, it } from 'vitest'
import { redisWorkers } from '../src'
import { ownRedisForSuite } from './helpers'

const d = await describeWithService('Redis', SERVICES.redis.host, SERVICES.redis.port)
const main: MainSystem = { baseUrl: 'http://127.0.0.1:1', ports: new Map(), stateBackends: [] }
const noApp = async () => ({ baseUrl: 'http://127.0.0.1:1' })

/** Keys no shell word survives unquoted, and one that is not UTF-8. */
const awkward = ['w1:app:with space', "w1:app:it's", 'w1:app:"gift" list', 'w1:app:new\nline', 'w1:app:tab\there', 'w1:app:$(echo x)', 'w1:app:*']
const notUtf8 = Buffer.concat([Buffer.from('w1:app:'), Buffer.from([0xff, 0xfe, 0x00, 0x0a, 0x27])])
/** Keys that are not worker 1's, among them some that look like it. */
const others = ['app:cart', 'w2:app:cart', 'w1:appx', 'w1:other', 'x\nw1:app:cart', ' w1:app:cart', 'w11:app:cart']

d("the command that deletes a worker's keys after a run quit at once", () => {
  const own = ownRedisForSuite()

  it("deletes exactly the worker's keys, awkward names included, in many short scripts rather than one over the whole DB", async () => {
    const setup = redisWorkers({ url: `redis://${own.hostPort}/0`, prefix: 'app:', keyPrefix: (i) => `w${i}:`, guardWrites: false, startApp: noApp })
    const worker = await setup.create(1, main)
    try {
      const many = Array.from({ length: 5000 }, (_, i) => `w1:app:item:${i}`)
      for (let i = 0; i < many.length; i += 1000) await own.raw.mset(...many.slice(i, i + 1000).flatMap((k) => [k, 'x']))
      for (const k of [...awkward, notUtf8, ...others]) await own.raw.set(k, 'x')
      await own.raw.select(1)
      await own.raw.set('w1:app:cart', 'another DB')
      await own.raw.select(0)

      const [made] = madeByWorkerSetups().filter((m) => m.kind === 'Redis keys')
      expect(made?.name).toBe('w1:app:*')
      await own.raw.call('CONFIG', 'RESETSTAT')
      const { stderr } = await promisify(execFile)('sh', ['-c', made!.remove])
      expect(stderr).toBe('')

      const left = (await own.raw.keysBuffer('*')).map((k) => k.toString('latin1')).sort()
      expect(left).toEqual([...others].sort())
      await own.raw.select(1)
      expect(await own.raw.keys('*')).toEqual(['w1:app:cart'])
      await own.raw.select(0)
      // About 1000 slots of the keyspace per script: the server answered others between them.
      const evals = /cmdstat_eval:calls=(\d+)/.exec(await own.raw.info('commandstats'))
      expect(Number(evals?.[1])).toBeGreaterThanOrEqual(5)
    } finally {
      await worker.close?.()
    }
  })

  it('stops, saying why, when redis-cli prints an error instead of a cursor', async () => {
    const setup = redisWorkers({ url: `redis://${own.hostPort}/0`, prefix: 'app:', keyPrefix: (i) => `w${i}:`, guardWrites: false, startApp: noApp })
    const worker = await setup.create(3, main)
    try {
      const [made] = madeByWorkerSetups().filter((m) => m.kind === 'Redis keys')
      // A user who may not run EVAL: redis-cli prints the error (exit status 0) and the loop must end.
      await own.raw.call('ACL', 'SETUSER', 'noeval', 'reset', 'on', '>pw', '~*', '+@all', '-eval')
      const asNoEval = made!.remove.replaceAll('redis-cli ', 'redis-cli --user noeval --pass pw --no-auth-warning ')
      const { stderr } = await promisify(execFile)('sh', ['-c', asNoEval], { timeout: 20_000 })
      expect(stderr).toMatch(/NOPERM/)
    } finally {
      await own.raw.call('ACL', 'DELUSER', 'noeval')
      await worker.close?.()
    }
  })
})
