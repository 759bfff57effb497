import type { TimingStats } from '@venomqa/core'

/** Samples of one kind of timing (rollback, observe) by backend; percentiles at the end. */
export class Timings {
  readonly #samples = new Map<string, number[]>()

  add(name: string, ms: number): void {
    let list = this.#samples.get(name)
    if (!list) this.#samples.set(name, (list = []))
    list.push(ms)
  }

  /** Add another's samples to these. */
  addAll(other: Timings): void {
    for (const [name, samples] of other.#samples) for (const ms of samples) this.add(name, ms)
  }

  stats(): Record<string, TimingStats> {
    const out: Record<string, TimingStats> = {}
    for (const [name, samples] of this.#samples) out[name] = statsOf(samples)
    return out
  }
}

export function statsOf(samples: readonly number[]): TimingStats {
  if (!samples.length) return { count: 0, p50: 0, p95: 0, max: 0 }
  const sorted = [...samples].sort((a, b) => a - b)
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)]!
  return { count: sorted.length, p50: round(at(0.5)), p95: round(at(0.95)), max: round(sorted[sorted.length - 1]!) }
}

function round(ms: number): number {
  return Math.round(ms * 1000) / 1000
}
