import { describe, expect, it } from 'vitest'
import { SeededRng, rngFor } from '../src/rng'

describe('the seeded generator', () => {
  it('gives the same numbers for the same seed, and others for another seed', () => {
    const draw = (rng: SeededRng) => Array.from({ length: 20 }, () => rng.int(0, 1000))
    expect(draw(new SeededRng(42))).toEqual(draw(new SeededRng(42)))
    expect(draw(new SeededRng(42))).not.toEqual(draw(new SeededRng(43)))
  })

  it('stays in range: int includes both ends, float is in [0, 1)', () => {
    const rng = new SeededRng(1)
    const ints = new Set(Array.from({ length: 500 }, () => rng.int(2, 5)))
    expect([...ints].sort()).toEqual([2, 3, 4, 5])
    for (let i = 0; i < 500; i++) {
      const f = rng.float()
      expect(f >= 0 && f < 1).toBe(true)
    }
    expect(() => rng.pick([])).toThrow(/no items/)
  })

  it('a place in the search (seed and path) always gets the same generator', () => {
    expect(rngFor(7, '[["a",1]]').int(0, 1e9)).toBe(rngFor(7, '[["a",1]]').int(0, 1e9))
    expect(rngFor(7, '[["a",1]]').int(0, 1e9)).not.toBe(rngFor(7, '[["a",2]]').int(0, 1e9))
  })
})
