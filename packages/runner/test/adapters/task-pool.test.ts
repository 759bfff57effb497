import { UserError } from '@venomqa/core'
import { describe, expect, it } from 'vitest'
import { TaskPool } from '../../src/adapters/task-pool'

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

/** A promise the test settles by hand. */
function gate<T = void>() {
  let open!: (v: T) => void
  const opened = new Promise<T>((r) => {
    open = r
  })
  return { opened, open }
}

// The guide's "Parallel Task Execution" example, translated.
describe('TaskPool: the guide example', () => {
  it('test_concurrent_requests: 100 tasks with at most 10 workers all succeed, never more than 10 at once', async () => {
    const concurrency = new TaskPool({ maxWorkers: 10 })
    let running = 0
    let maxRunning = 0
    const makeRequest = async (userId: number) => {
      running++
      maxRunning = Math.max(maxRunning, running)
      await sleep(2 + (userId % 3))
      running--
      return { userId, status: 200 }
    }
    const taskIds = concurrency.mapAsync(Array.from({ length: 100 }, (_, i) => i), makeRequest)
    const results = await concurrency.joinAll<{ userId: number }>(taskIds, { timeoutMs: 30_000 })
    const successful = results.filter((r) => r.success)
    expect(successful).toHaveLength(100)
    expect(results.map((r) => r.value!.userId)).toEqual(Array.from({ length: 100 }, (_, i) => i))
    // The limit is real (never exceeded) and used (10 did run together).
    expect(maxRunning).toBe(10)
    expect(concurrency.stats().maxRunning).toBe(10)
  })
})

describe('TaskPool', () => {
  it("mapAsync's own limit applies within a pool that has none", async () => {
    const pool = new TaskPool()
    let running = 0
    let max = 0
    const ids = pool.mapAsync(
      [1, 2, 3, 4, 5, 6, 7],
      async (n) => {
        running++
        max = Math.max(max, running)
        await sleep(3)
        running--
        return n * 2
      },
      { limit: 3 },
    )
    const results = await pool.joinAll<number>(ids)
    expect(results.map((r) => r.value)).toEqual([2, 4, 6, 8, 10, 12, 14])
    expect(max).toBe(3)
  })

  it('reports per-task success, error and duration, whether a task throws synchronously or rejects', async () => {
    const pool = new TaskPool()
    const ok = pool.spawn(async () => {
      await sleep(15)
      return 'fine'
    })
    const rejects = pool.spawn(async () => {
      throw new Error('upstream said 500')
    })
    const throwsSync = pool.spawn(() => {
      throw new Error('bad input')
    })
    const [a, b, c] = await pool.joinAll([ok, rejects, throwsSync])
    expect(a).toMatchObject({ id: ok, success: true, value: 'fine' })
    expect(a.durationMs).toBeGreaterThanOrEqual(10)
    expect(b).toMatchObject({ success: false, error: 'upstream said 500' })
    expect(c).toMatchObject({ success: false, error: 'bad input' })
    expect(pool.status(ok)).toBe('completed')
    expect(pool.status(rejects)).toBe('failed')
  })

  it('joinAll with a timeout aborts unfinished tasks through their signal and reports them failed', async () => {
    const pool = new TaskPool()
    const signals: AbortSignal[] = []
    const quick = pool.spawn(() => 'done')
    const stuck = pool.mapAsync([1, 2], (_n, signal) => {
      signals.push(signal)
      return new Promise((_resolve, reject) => signal.addEventListener('abort', () => reject(signal.reason)))
    })
    const results = await pool.joinAll([quick, ...stuck], { timeoutMs: 50 })
    expect(results[0]).toMatchObject({ success: true, value: 'done' })
    for (const r of results.slice(1)) {
      expect(r.success).toBe(false)
      expect(r.error).toMatch(/timed out after 50 ms/)
    }
    expect(signals.every((s) => s.aborted)).toBe(true)
    expect(pool.status(stuck[0])).toBe('failed')
  })

  it('join with a timeout returns a failed result at the deadline', async () => {
    const pool = new TaskPool()
    const id = pool.spawn((signal) => new Promise((_r, reject) => signal.addEventListener('abort', () => reject(new Error('aborted')))))
    const result = await pool.join(id, { timeoutMs: 20 })
    expect(result).toMatchObject({ id, success: false })
    expect(result.error).toMatch(/timed out after 20 ms/)
  })

  it('cancel: a pending task never runs; a running one is aborted; a finished one cannot be', async () => {
    const pool = new TaskPool({ maxWorkers: 1 })
    const release = gate()
    let secondRan = false
    const first = pool.spawn(async (signal) => {
      await Promise.race([release.opened, new Promise((r) => signal.addEventListener('abort', r))])
      return signal.aborted ? 'saw abort' : 'released'
    })
    const second = pool.spawn(() => {
      secondRan = true
    })
    expect(pool.status(first)).toBe('running')
    expect(pool.status(second)).toBe('pending')
    expect(pool.cancel(second)).toBe(true)
    expect(pool.status(second)).toBe('cancelled')
    expect(pool.cancel(first)).toBe(true)
    const [r1, r2] = await pool.joinAll([first, second])
    expect(r1).toMatchObject({ success: false, error: `task ${first} was cancelled` })
    expect(r2.success).toBe(false)
    await sleep(5)
    expect(secondRan).toBe(false)
    expect(pool.cancel(first)).toBe(false)
  })

  it('keeps the limit true: a cancelled task that ignores its signal holds its slot until it really ends', async () => {
    const pool = new TaskPool({ maxWorkers: 1 })
    const release = gate()
    const stubborn = pool.spawn(() => release.opened) // ignores the signal
    const next = pool.spawn(() => 'ran')
    pool.cancel(stubborn)
    await sleep(10)
    expect(pool.status(next)).toBe('pending')
    expect(pool.stats().running).toBe(1)
    release.open()
    expect(await pool.join(next)).toMatchObject({ success: true, value: 'ran' })
    expect(pool.status(stubborn)).toBe('cancelled')
  })

  it('a task may spawn more tasks while it starts', async () => {
    const pool = new TaskPool({ maxWorkers: 2 })
    let inner = ''
    const outer = pool.spawn(() => {
      inner = pool.spawn(() => 'inner done')
      return 'outer done'
    })
    await pool.join(outer)
    expect(await pool.join(inner)).toMatchObject({ success: true, value: 'inner done' })
  })

  it('refuses unknown ids and bad limits with a clear error', async () => {
    const pool = new TaskPool()
    await expect(pool.join('task-999')).rejects.toThrow(/no task with id "task-999"/)
    expect(() => pool.cancel('task-999')).toThrow(UserError)
    expect(() => new TaskPool({ maxWorkers: 0 })).toThrow(/maxWorkers/)
    expect(() => pool.mapAsync([1], (n) => n, { limit: 1.5 })).toThrow(/limit/)
  })
})
