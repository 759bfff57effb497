/**
 * The queue port with a state backend whose scope leaves out the queue's keys: every job a path enqueued
 * survives the rollback, and the paths after it see it. Nothing said so; the first use of such a queue
 * now tells, naming the option to change, and says nothing when the jobs are in scope.
 */
import { type QueuePort, assertEqual, branch, checkpoint, journey, path, step } from '@venomqa/core'
import { createRunner } from '@venomqa/runner'
import { SERVICES, describeWithService } from '@venomqa/test-utils'
import { afterEach, expect, it } from 'vitest'
import redisPlugin, { BullQueue } from '../src'
import { removeKeys } from './helpers'

const describe = await describeWithService('Redis', SERVICES.redis.host, SERVICES.redis.port)
/** A DB of its own, and keys under prefixes of this file's own. */
const DB = 4
const URL = `redis://${SERVICES.redis.host}:${SERVICES.redis.port}/${DB}`
const APP = 'qscope-app:'
const BULL = 'qscope-bull'
/** The prefix of an app's own Queue, other than the port's. */
const OTHER = 'qscope-other'

async function runWith(options: Record<string, unknown>) {
  const warnings: string[] = []
  const runner = createRunner({
    plugins: [[redisPlugin, { url: URL, prefix: APP, queue: { name: 'mails', prefix: BULL }, ...options }]],
    logger: { info() {}, debug() {}, error() {}, warn: (m) => warnings.push(m) },
  })
  const queueLength = ({ ports }: { ports: { require<T>(name: string): T } }) => ports.require<QueuePort>('queue').length()
  const result = await runner.run(
    journey('jobs_per_path', {
      requires: ['queue'],
      steps: [
        step('first_job', async ({ ports }) => void (await ports.require<QueuePort>('queue').enqueue('welcome', { n: 1 }))),
        checkpoint('one_job'),
        branch('one_job', [
          path('adds_one', [step('second_job', async ({ ports }) => void (await ports.require<QueuePort>('queue').enqueue('welcome', { n: 2 })))]),
          path('sees_one', [step('count', async (s) => assertEqual(await queueLength(s), 1, 'jobs waiting'))]),
        ]),
      ],
    }),
  )
  await runner.close()
  return { result, warnings }
}

describe('the queue port and the Redis state backend', () => {
  afterEach(async () => {
    await removeKeys(DB, `${APP}*`)
    await removeKeys(DB, `${BULL}:*`)
    await removeKeys(DB, `${OTHER}:*`)
  })

  it("says first that the app's jobs are under another prefix, with the scope that prefix needs, not the scope of the port's prefix", async () => {
    const app = new BullQueue({ url: URL, prefix: OTHER, name: 'mails' })
    await app.enqueue('welcome', { n: 1 })
    await app.close()
    const warnings: string[] = []
    const runner = createRunner({
      plugins: [[redisPlugin, { url: URL, prefix: APP, queue: { name: 'mails', prefix: BULL } }]],
      logger: { info() {}, debug() {}, error() {}, warn: (m) => warnings.push(m) },
    })
    await runner.run(journey('reads', { requires: ['queue'], steps: [step('length', async ({ ports }) => void (await ports.require<QueuePort>('queue').length()))] }))
    await runner.close()
    const told = warnings.filter((w) => w.includes('queue "mails"'))
    expect(told).toHaveLength(1)
    expect(told[0]).toMatch(new RegExp(`^\\[@venomqa/adapter-redis\\] queue "mails" has had no job under the BullMQ prefix "${BULL}" `))
    expect(told[0]).toContain(
      `Give it as the plugin's queue: { prefix: "${OTHER}" }. Then: plugins[0].prefix: the jobs of queue "mails" (keys ${OTHER}:mails:*) are outside the scope of the Redis state backend (keys ${APP}*), so a rollback leaves every job a path enqueued, and the paths after it see them: add the queue's prefix to the scope, state: { prefix: ["${APP}", "${OTHER}:"] }`,
    )
    expect(told[0]).not.toContain(`keys ${BULL}:mails:*`)
  })

  it("tells once, at the queue's first use, that a rollback leaves its jobs, naming the option to change", async () => {
    const { result, warnings } = await runWith({})
    // What the notice is about: the second path sees the first one's job.
    expect(result.journeys[0]!.issues.map((i) => i.error)).toEqual(['jobs waiting: expected 1, got 2'])
    const told = warnings.filter((w) => w.includes('queue "mails"'))
    expect(told).toHaveLength(1)
    expect(told[0]).toContain(
      `plugins[0].prefix: the jobs of queue "mails" (keys ${BULL}:mails:*) are outside the scope of the Redis state backend (keys ${APP}*), so a rollback leaves every job a path enqueued, and the paths after it see them: add the queue's prefix to the scope, state: { prefix: ["${APP}", "${BULL}:"] }`,
    )
  })

  it('says nothing when the state scope holds the queue, and each path sees only its own jobs', async () => {
    for (const state of [{ prefix: [APP, `${BULL}:`] }, { prefix: [APP, `${BULL}:mails:`] }]) {
      const { result, warnings } = await runWith({ state })
      expect(result.status, JSON.stringify(state)).toBe('passed')
      expect(warnings.filter((w) => w.includes('queue "mails"'))).toEqual([])
      await removeKeys(DB, `${BULL}:*`)
    }
  })
})
