import { UserError } from '@venomqa/core'
import { CLOSED_PORT, SERVICES, describeWithService } from '@venomqa/test-utils'
import { type Job as BullJob, Worker } from 'bullmq'
import { afterAll, beforeAll, expect, it } from 'vitest'
import { BullQueue, toJobStatus } from '../src'
import { DB_A, URL_A, flushOurDbs, rawClient, sleep } from './helpers'

const describeRedis = await describeWithService('Redis', SERVICES.redis.host, SERVICES.redis.port)

const PREFIX = 'vqa-test'
const WORKED = 'work'
const IDLE = 'idle' // no worker listens here: jobs stay waiting

describeRedis('BullQueue against the real Redis (DB 1) with a real BullMQ Worker', () => {
  const queue = new BullQueue({ url: URL_A, prefix: PREFIX, name: WORKED })
  let worker: Worker
  /** Jobs named 'fail-until-fixed' fail while this is false. */
  let fixed = false
  /** Resolves the running 'hold' job. */
  let releaseHold: () => void = () => {}

  async function process(job: BullJob): Promise<unknown> {
    switch (job.name) {
      case 'double':
        return { doubled: (job.data as { n: number }).n * 2 }
      case 'boom':
        throw new Error('boom: the processor failed')
      case 'flaky':
        if (job.attemptsMade < 1) throw new Error('flaky: first attempt fails')
        return 'second time lucky'
      case 'fail-until-fixed':
        if (!fixed) throw new Error('not fixed yet')
        return 'fixed'
      case 'hold':
        await new Promise<void>((resolve) => (releaseHold = resolve))
        return 'released'
      default:
        throw new Error(`unknown job ${job.name}`)
    }
  }

  beforeAll(async () => {
    await flushOurDbs()
    worker = new Worker(WORKED, process, {
      connection: { host: SERVICES.redis.host, port: SERVICES.redis.port, db: DB_A, maxRetriesPerRequest: null },
      prefix: PREFIX,
      concurrency: 4,
    })
    await worker.waitUntilReady()
  })
  afterAll(async () => {
    releaseHold()
    await worker?.close()
    await queue.close()
    await flushOurDbs()
  })

  it('a job the worker completes: enqueue, getJobResult, getJob', async () => {
    const id = await queue.enqueue('double', { n: 21 })
    expect(await queue.getJobResult(id, { timeoutMs: 10_000 })).toEqual({ id, success: true, result: { doubled: 42 } })
    const job = await queue.getJob(id)
    expect(job).toMatchObject({ id, name: 'double', queue: WORKED, data: { n: 21 }, status: 'completed', attempts: 1, result: { doubled: 42 } })
    expect(job!.createdAt).toMatch(/^\d{4}-/)
    expect(job!.finishedAt).toMatch(/^\d{4}-/)
  })

  it('getJobResult of a job that already finished answers at once', async () => {
    const id = await queue.enqueue('double', { n: 1 })
    await queue.getJobResult(id, { timeoutMs: 10_000 })
    expect(await queue.getJobResult(id, { timeoutMs: 10_000 })).toEqual({ id, success: true, result: { doubled: 2 } })
  })

  it('a job that fails: the result says why, and it is among the failed jobs', async () => {
    const id = await queue.enqueue('boom', {}, { jobId: 'boom-1' })
    expect(id).toBe('boom-1')
    expect(await queue.getJobResult(id, { timeoutMs: 10_000 })).toEqual({ id, success: false, error: 'boom: the processor failed' })
    expect(await queue.getJob(id)).toMatchObject({ status: 'failed', error: 'boom: the processor failed', attempts: 1 })
    expect((await queue.getFailedJobs()).map((j) => j.id)).toContain('boom-1')
  })

  it('attempts: a job that fails once then succeeds reports success after its second attempt', async () => {
    const id = await queue.enqueue('flaky', {}, { attempts: 3 })
    expect(await queue.getJobResult(id, { timeoutMs: 10_000 })).toEqual({ id, success: true, result: 'second time lucky' })
    expect((await queue.getJob(id))!.attempts).toBe(2)
  })

  it('retry() moves a failed job back, and the worker then completes it', async () => {
    fixed = false
    const id = await queue.enqueue('fail-until-fixed', {})
    expect(await queue.getJobResult(id, { timeoutMs: 10_000 })).toMatchObject({ success: false, error: 'not fixed yet' })
    fixed = true
    expect(await queue.retry(id)).toBe(true)
    expect(await queue.getJobResult(id, { timeoutMs: 10_000 })).toEqual({ id, success: true, result: 'fixed' })
    // Only a failed job can be retried.
    expect(await queue.retry(id)).toBe(false)
    expect(await queue.retry('no-such-job')).toBe(false)
  })

  it('getActiveJobs lists a job while the worker runs it', async () => {
    const id = await queue.enqueue('hold', { x: 1 })
    let active: string[] = []
    for (let i = 0; i < 100 && !active.includes(id); i++) {
      active = (await queue.getActiveJobs()).map((j) => j.id)
      if (!active.includes(id)) await sleep(50)
    }
    expect(active).toContain(id)
    expect((await queue.getJob(id))!.status).toBe('active')
    expect(await queue.cancel(id)).toBe(false) // running: not cancellable
    releaseHold()
    expect(await queue.getJobResult(id, { timeoutMs: 10_000 })).toEqual({ id, success: true, result: 'released' })
    expect((await queue.getActiveJobs()).map((j) => j.id)).not.toContain(id)
  })

  it('getJobResult answers undefined at the timeout for a job nobody processes', async () => {
    const id = await queue.enqueue('double', { n: 1 }, { queue: IDLE })
    const started = Date.now()
    expect(await queue.getJobResult(id, { queue: IDLE, timeoutMs: 300 })).toBeUndefined()
    expect(Date.now() - started).toBeGreaterThanOrEqual(290)
    expect((await queue.getJob(id, IDLE))!.status).toBe('waiting')
  })

  it('length counts waiting and delayed jobs; cancel removes one that has not started', async () => {
    await queue.clear(IDLE)
    const a = await queue.enqueue('double', { n: 1 }, { queue: IDLE })
    const b = await queue.enqueue('double', { n: 2 }, { queue: IDLE, delayMs: 60_000 })
    await queue.enqueue('double', { n: 3 }, { queue: IDLE })
    expect(await queue.length(IDLE)).toBe(3)
    expect((await queue.getJob(b, IDLE))!.status).toBe('delayed')
    expect(await queue.cancel(a, IDLE)).toBe(true)
    expect(await queue.cancel(b, IDLE)).toBe(true)
    expect(await queue.cancel(b, IDLE)).toBe(false)
    expect(await queue.getJob(a, IDLE)).toBeUndefined()
    expect(await queue.length(IDLE)).toBe(1)
  })

  it('clear() empties a queue in every state, and the queue still works afterwards', async () => {
    await queue.enqueue('double', { n: 1 }, { queue: IDLE })
    await queue.enqueue('double', { n: 1 }, { queue: IDLE, delayMs: 60_000 })
    await queue.clear(IDLE)
    expect(await queue.length(IDLE)).toBe(0)
    const raw = rawClient(DB_A)
    try {
      expect(await raw.keys(`${PREFIX}:${IDLE}:*`)).toEqual([])
    } finally {
      await raw.quit()
    }

    const failed = await queue.enqueue('boom', {})
    await queue.getJobResult(failed, { timeoutMs: 10_000 })
    expect((await queue.getFailedJobs()).length).toBeGreaterThan(0)
    await queue.clear()
    expect(await queue.getFailedJobs()).toEqual([])
    const id = await queue.enqueue('double', { n: 5 })
    expect(await queue.getJobResult(id, { timeoutMs: 10_000 })).toMatchObject({ success: true, result: { doubled: 10 } })
  })

  it('explains user mistakes: unknown job, bad queue name, bad options', async () => {
    await expect(queue.getJobResult('nope', { timeoutMs: 100 })).rejects.toThrow(/queue "work" has no job "nope"/)
    await expect(queue.enqueue('x', {}, { queue: 'a:b' })).rejects.toBeInstanceOf(UserError)
    await expect(queue.enqueue('x', {}, { attempts: 0 })).rejects.toThrow(/"attempts" must be an integer >= 1/)
    await expect(queue.enqueue('x', {}, { delayMs: -1 })).rejects.toThrow(/"delayMs"/)
    expect(await queue.getJob('nope')).toBeUndefined()
  })

  it('getJobs finds jobs by state, for apps that do not say the id of the job they enqueued', async () => {
    await queue.clear(IDLE)
    const waiting = await queue.enqueue('double', { n: 1 }, { queue: IDLE })
    const delayed = await queue.enqueue('double', { n: 2 }, { queue: IDLE, delayMs: 60_000 })
    const done = await queue.enqueue('double', { n: 3 })
    await queue.getJobResult(done, { timeoutMs: 10_000 })
    const idle = await queue.getJobs({ queue: IDLE })
    expect(idle.map((j) => [j.id, j.status]).sort()).toEqual([[delayed, 'delayed'], [waiting, 'waiting']].sort())
    expect((await queue.getJobs({ queue: IDLE, status: ['delayed'] })).map((j) => j.id)).toEqual([delayed])
    const completed = await queue.getJobs({ status: ['completed'] })
    expect(completed.find((j) => j.id === done)).toMatchObject({ status: 'completed', data: { n: 3 }, result: { doubled: 6 } })
    expect(await queue.getJobs({ status: [] })).toEqual([])
  })

  it('maps every BullMQ state onto the port', () => {
    expect(['waiting', 'prioritized', 'waiting-children', 'delayed', 'active', 'completed', 'failed', 'weird'].map(toJobStatus)).toEqual([
      'waiting', 'waiting', 'waiting', 'delayed', 'active', 'completed', 'failed', 'unknown',
    ])
  })

  it('healthCheck answers true; against a Redis that is not there, false, and calls fail saying where', async () => {
    expect(await queue.healthCheck()).toBe(true)
    const port = CLOSED_PORT
    const dead = new BullQueue({ url: `redis://127.0.0.1:${port}/1` })
    try {
      expect(await dead.healthCheck()).toBe(false)
      await expect(dead.enqueue('x', {})).rejects.toThrow(new RegExp(`queue enqueue failed on redis://127.0.0.1:${port}/1: .*is Redis running there`))
    } finally {
      await dead.close()
    }
  })
})
