import { describe, expect, it } from 'vitest'
import { ControllableClock } from '../../src/adapters/controllable-clock'
import { MemoryQueue } from '../../src/adapters/memory-queue'

// The guide's "Queue Testing Patterns", on the in-memory queue with a registered processor as the worker.
describe('MemoryQueue: the guide pattern', () => {
  it('test_job_queue: enqueue, see it pending, wait for the result, no failed jobs', async () => {
    const queue = new MemoryQueue()
    await queue.clear('test')
    queue.process('send_notification', async ({ data }: { data: { user_id: number; message: string } }) => ({ sentTo: data.user_id }))
    const jobId = await queue.enqueue('send_notification', { user_id: 123, message: 'Hello!' }, { queue: 'test' })
    // Jobs run asynchronously: right after enqueue the job is still waiting.
    expect((await queue.getJob(jobId))?.status).toBe('waiting')
    const result = await queue.getJobResult(jobId, { timeoutMs: 5000 })
    expect(result).toEqual({ id: jobId, success: true, result: { sentTo: 123 } })
    expect(await queue.getFailedJobs('test')).toEqual([])
  })
})

describe('MemoryQueue', () => {
  it('a failing job ends failed with its error, after every attempt', async () => {
    const queue = new MemoryQueue()
    let calls = 0
    queue.process('charge', () => {
      calls++
      throw new Error('card declined')
    })
    const id = await queue.enqueue('charge', { amount: 5 }, { attempts: 3 })
    expect(await queue.getJobResult(id)).toEqual({ id, success: false, error: 'card declined' })
    expect(calls).toBe(3)
    const [failed] = await queue.getFailedJobs()
    expect(failed).toMatchObject({ id, status: 'failed', attempts: 3, error: 'card declined', data: { amount: 5 } })
    expect(failed.finishedAt).toBeDefined()
  })

  it('retries until an attempt succeeds; retry() re-runs a failed job', async () => {
    const queue = new MemoryQueue()
    let calls = 0
    queue.process('flaky', ({ attempt }) => {
      calls++
      if (attempt < 2) throw new Error(`attempt ${attempt} failed`)
      return 'ok'
    })
    const id = await queue.enqueue('flaky', null, { attempts: 2 })
    expect(await queue.getJobResult(id)).toMatchObject({ success: true, result: 'ok' })
    expect((await queue.getJob(id))?.attempts).toBe(2)

    let healthy = false
    queue.process('later', () => {
      if (!healthy) throw new Error('down')
      return 'up'
    })
    const late = await queue.enqueue('later', {})
    expect((await queue.getJobResult(late))?.success).toBe(false)
    healthy = true
    expect(await queue.retry(late)).toBe(true)
    expect(await queue.getJobResult(late)).toMatchObject({ success: true, result: 'up' })
    expect(await queue.retry(late)).toBe(false) // only failed jobs can be retried
    expect(calls).toBe(2)
  })

  it('getJobResult answers undefined at the timeout while no worker takes the job', async () => {
    const queue = new MemoryQueue()
    const id = await queue.enqueue('nobody-handles-this', { x: 1 })
    expect(await queue.getJobResult(id, { timeoutMs: 30 })).toBeUndefined()
    expect((await queue.getJob(id))?.status).toBe('waiting')
    expect(await queue.length()).toBe(1)
    // Registering a processor later picks the waiting job up.
    queue.process('nobody-handles-this', ({ data }) => data)
    expect(await queue.getJobResult(id, { timeoutMs: 2000 })).toMatchObject({ success: true, result: { x: 1 } })
    await expect(queue.getJobResult('job-unknown', { timeoutMs: 10_000 })).rejects.toThrow('queue "default" has no job "job-unknown"')
  })

  it('cancel works on waiting jobs only', async () => {
    const queue = new MemoryQueue()
    const id = await queue.enqueue('idle', {})
    expect(await queue.cancel(id)).toBe(true)
    expect((await queue.getJob(id))?.status).toBe('cancelled')
    expect(await queue.getJobResult(id)).toEqual({ id, success: false, error: 'cancelled' })
    queue.process('quick', () => 1)
    const done = await queue.enqueue('quick', {})
    await queue.getJobResult(done)
    expect(await queue.cancel(done)).toBe(false)
  })

  it('delayed jobs wait on the clock and run when it is advanced', async () => {
    const clock = new ControllableClock({ frozen: true })
    const queue = new MemoryQueue({ clock })
    queue.process('reminder', ({ data }) => `reminded ${(data as { who: string }).who}`)
    const id = await queue.enqueue('reminder', { who: 'ann' }, { delayMs: 60_000 })
    await new Promise((r) => setTimeout(r, 10))
    expect((await queue.getJob(id))?.status).toBe('delayed')
    expect(await queue.length()).toBe(1)
    clock.advance({ minutes: 1 })
    expect(await queue.getJobResult(id, { timeoutMs: 2000 })).toMatchObject({ success: true, result: 'reminded ann' })
  })

  it('runs one job per queue at a time by default; active jobs are visible', async () => {
    const queue = new MemoryQueue()
    let running = 0
    let max = 0
    let release!: () => void
    const hold = new Promise<void>((r) => {
      release = r
    })
    queue.process('slow', async () => {
      running++
      max = Math.max(max, running)
      await hold
      running--
    })
    const ids = await Promise.all([1, 2, 3].map((n) => queue.enqueue('slow', { n })))
    await new Promise((r) => setTimeout(r, 20))
    expect((await queue.getActiveJobs()).map((j) => j.id)).toEqual([ids[0]])
    expect(await queue.length()).toBe(2)
    release()
    await queue.drain()
    expect(max).toBe(1)
  })

  it('the same jobId twice keeps the first job; clear() removes the queue jobs', async () => {
    const queue = new MemoryQueue()
    expect(await queue.enqueue('a', { v: 1 }, { jobId: 'fixed', queue: 'q' })).toBe('fixed')
    expect(await queue.enqueue('a', { v: 2 }, { jobId: 'fixed', queue: 'q' })).toBe('fixed')
    expect((await queue.getJob('fixed', 'q'))?.data).toEqual({ v: 1 })
    expect(await queue.getJob('fixed', 'other')).toBeUndefined()
    await queue.clear('q')
    expect(await queue.getJob('fixed')).toBeUndefined()
    expect(await queue.length('q')).toBe(0)
  })

  it('refuses bad options and unserialisable data clearly', async () => {
    const queue = new MemoryQueue()
    await expect(queue.enqueue('a', {}, { attempts: 0 })).rejects.toThrow(/attempts must be a whole number/)
    const loop: Record<string, unknown> = {}
    loop.self = loop
    await expect(queue.enqueue('a', loop)).rejects.toThrow(/queue.enqueue\("a"\): data cannot be serialised as JSON/)
  })
})
