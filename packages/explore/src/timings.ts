import type { TimingStats } from '@venomqa/core'

/** Samples of one kind of timing (rollback, observe) by backend; percentiles at the end. */
export class Timings {
  readonly #samples = new Map<string, number[]>()

  add(name: string, ms: number): void {
    let list = this.#samples.get(name)
    if (!list) this.#samples.set(name, (list = []))
    list.push(ms)
  }

  /**
   * The timings of an exploration's workers as one. A name only one worker has (its own backend,
   * `postgres:app_w1`) stays; a name several have (the context, the wait for unanswered requests, a
   * backend named alike on each) pools their samples as `<name> on workers 0, 1`, as the run's State line
   * says such a backend: under the bare name, a count of several workers read as one's.
   */
  static ofWorkers(parts: readonly { worker: number; timings: Timings }[]): Timings {
    const workersOf = new Map<string, number[]>()
    for (const { worker, timings } of parts) for (const name of timings.#samples.keys()) workersOf.set(name, [...(workersOf.get(name) ?? []), worker])
    const out = new Timings()
    for (const { timings } of parts)
      for (const [name, samples] of timings.#samples) {
        const workers = workersOf.get(name)!
        const key = workers.length > 1 ? `${name} on workers ${workers.join(', ')}` : name
        for (const ms of samples) out.add(key, ms)
      }
    return out
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
