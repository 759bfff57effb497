import type { Rng } from '@venomqa/core'

/**
 * mulberry32: a small seeded PRNG, good enough to pick edges and inputs. Math.random cannot be seeded,
 * and the same seed must give the same search twice in a row.
 */
export class SeededRng implements Rng {
  #state: number

  constructor(seed: number) {
    this.#state = seed >>> 0
  }

  float(): number {
    this.#state = (this.#state + 0x6d2b79f5) >>> 0
    let t = this.#state
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }

  int(min: number, max: number): number {
    const lo = Math.ceil(min)
    const hi = Math.floor(max)
    if (hi < lo) throw new RangeError(`rng.int(${min}, ${max}): max is below min`)
    return lo + Math.floor(this.float() * (hi - lo + 1))
  }

  bool(probability = 0.5): boolean {
    return this.float() < probability
  }

  pick<T>(items: readonly T[]): T {
    if (!items.length) throw new RangeError('rng.pick: no items to pick from')
    return items[Math.floor(this.float() * items.length)]!
  }
}

/**
 * A generator for one place in the search, derived from the seed and that place's key (the path that
 * reached it). Inputs drawn there then do not depend on the order the search happened to visit things,
 * so iterative deepening meets the same edges on each pass, and a shrunk sequence asks for the same ones.
 */
export function rngFor(seed: number, key: string): SeededRng {
  let h = (seed ^ 0x9e3779b9) >>> 0
  for (let i = 0; i < key.length; i++) h = Math.imul(h ^ key.charCodeAt(i), 0x01000193) >>> 0
  return new SeededRng(h)
}

/** A seed when none was given: printed and saved, so the run can be repeated. */
export function randomSeed(): number {
  return Math.floor(Math.random() * 2 ** 31)
}
