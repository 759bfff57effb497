import type { StateCalls } from './world'

/** One piece of abandoned work, as `AbandonedWork.add` takes it. */
export interface Abandoned<T> {
  item: T
  /** What the run waits for, as a warning says it: `state backend "pg" to finish the connect the run abandoned, ...`. */
  waitingFor: string
  /** The name of the wait, bounded by the call timeout: `state backend "pg" connect, abandoned`. */
  call: string
  /** The problem when the wait ends before the work did. */
  still: string
  /** Settles, never rejects, once the work finished and what it made was undone: a problem, or undefined. */
  done: Promise<string | undefined>
}

/**
 * Work the run stopped waiting for at a timeout or a Ctrl-C that may still finish and make something in
 * the system under test (a backend's connect, a worker's create): each is undone when it finishes. At the
 * end the run says what it waits for (a run's end silent that long looks hung), then waits for all of it at
 * once, each as long as one call may take.
 */
export class AbandonedWork<T> {
  readonly #calls: StateCalls
  readonly #items: (Abandoned<T> & { settled: boolean })[] = []

  constructor(calls: StateCalls) {
    this.#calls = calls
  }

  add(work: Abandoned<T>): void {
    const entry = { ...work, settled: false }
    void work.done.finally(() => (entry.settled = true))
    this.#items.push(entry)
  }

  /** What `settle()` would wait for: the work not finished yet, as its `waitingFor`. */
  stillRunning(): string[] {
    return this.#items.filter((w) => !w.settled).map((w) => w.waitingFor)
  }

  /**
   * Wait at most `ms` for the work still running: what stops at once when abandoned (a connect that honours
   * its signal rejects a moment after the abort) is then no longer running, and no warning says the run
   * waits for it.
   */
  async settledWithin(ms: number): Promise<void> {
    const running = this.#items.filter((w) => !w.settled).map((w) => w.done)
    if (!running.length) return
    let timer: ReturnType<typeof setTimeout> | undefined
    await Promise.race([Promise.all(running), new Promise<void>((resolve) => (timer = setTimeout(resolve, ms)))])
    clearTimeout(timer)
  }

  /** Wait for all of it: what each left, as problems. Work still running then is undone if it finishes later. */
  async settle(): Promise<{ item: T; problem: string }[]> {
    const waits = this.#items.splice(0).map(async ({ item, call, still, done }) => {
      const problem = await this.#calls.call(call, () => done).catch(() => still)
      return problem ? [{ item, problem }] : []
    })
    return (await Promise.all(waits)).flat()
  }
}
