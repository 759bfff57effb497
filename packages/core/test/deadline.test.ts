import { describe, expect, it } from 'vitest'
import { MAX_TIMEOUT_MS, TIMER_MS_EXPECTED, isTimerMs, raceDeadline } from '../src'

describe('raceDeadline', () => {
  const never = () => new Promise<never>(() => {})

  it("gives the work's outcome when it settles in time, and clears its timer", async () => {
    expect(await raceDeadline(Promise.resolve(7), 1000, () => new Error('late'))).toBe(7)
    await expect(raceDeadline(Promise.reject(new Error('own')), 1000, () => new Error('late'))).rejects.toThrow('own')
  })

  it('rejects with late() once the time is over, and the work rejecting later is no unhandled rejection', async () => {
    let fail = (_: Error) => {}
    const work = new Promise<never>((_, reject) => (fail = reject))
    await expect(raceDeadline(work, 20, () => new Error('no answer within 20 ms'))).rejects.toThrow('no answer within 20 ms')
    fail(new Error('the work, later'))
    await new Promise((r) => setTimeout(r, 10))
  })

  it('rejects with aborted() when the signal aborts first, or has already', async () => {
    const ac = new AbortController()
    setTimeout(() => ac.abort(), 10)
    await expect(raceDeadline(never(), 10_000, () => new Error('late'), { signal: ac.signal, aborted: () => new Error('aborted') })).rejects.toThrow('aborted')
    await expect(raceDeadline(never(), 10_000, () => new Error('late'), { signal: AbortSignal.abort(), aborted: () => new Error('at once') })).rejects.toThrow('at once')
  })
})

describe('isTimerMs', () => {
  it('takes a whole number of milliseconds from 1 to what a timer keeps, nothing else', () => {
    for (const ok of [1, 250, 60_000, MAX_TIMEOUT_MS]) expect(isTimerMs(ok), String(ok)).toBe(true)
    for (const bad of [0, -1, 1.5, 0.5, MAX_TIMEOUT_MS + 1, 99_999_999_999, Number.NaN, Number.POSITIVE_INFINITY, '5000', null, undefined])
      expect(isTimerMs(bad), String(bad)).toBe(false)
    expect(TIMER_MS_EXPECTED).toBe('expected a positive whole number of milliseconds, at most 2147483647 (about 24.8 days)')
  })
})
