import { describe, expect, it } from 'vitest'
import { isoNow } from '../src/execution/iso-now'

describe('isoNow', () => {
  it('is toISOString for any instant, across seconds, minutes, days and years, in any order', () => {
    const instants = [
      0, 1, 9, 10, 99, 100, 999, 1000, 1001, 59_999, 60_000, 86_399_999, 86_400_000,
      Date.UTC(2026, 10, 30, 23, 59, 59, 999), Date.UTC(2026, 11, 31, 23, 59, 59, 998), Date.UTC(2027, 0, 1, 0, 0, 0, 0), Date.UTC(2024, 1, 29, 12, 0, 0, 5),
    ]
    // Forwards, backwards and twice each: the cached second must never leak into another one.
    for (const t of [...instants, ...[...instants].reverse(), ...instants.flatMap((t) => [t, t])]) expect(isoNow(t), String(t)).toBe(new Date(t).toISOString())
    for (let t = 1_764_460_799_000; t < 1_764_460_801_000; t += 7) expect(isoNow(t)).toBe(new Date(t).toISOString())
  })

  it('without an argument, is now', () => {
    const before = Date.now()
    const text = isoNow()
    const after = Date.now()
    const at = Date.parse(text)
    expect(at).toBeGreaterThanOrEqual(before)
    expect(at).toBeLessThanOrEqual(after)
  })
})
