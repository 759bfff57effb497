/** Something that can hold the upstream session: a client connection, or the proxy's own work. */
export interface Holder {
  /** Called on the holder when another starts waiting (a client idle in a transaction arms its timer). */
  onContention?(): void
  /** Called on the holder when nobody waits any more, the last waiter gone without the session. */
  onUncontended?(): void
}

export interface WaitStats {
  /** Times the upstream was handed over. */
  acquisitions: number
  /** Of those, how many had to wait for another holder. */
  waits: number
  /** Waits that ended without the session: the statement that waited was cancelled, or its client left. */
  withdrawn: number
  /** Over every wait, withdrawn ones too. */
  totalWaitMs: number
  maxWaitMs: number
}

/**
 * The upstream session is one, the app's connections are many: whoever holds it runs until it is idle
 * outside a transaction; the others wait in arrival order.
 */
export class UpstreamLock {
  #owner?: Holder
  readonly #queue: { holder: Holder; since: number; grant: () => void; reject: (err: Error) => void }[] = []
  readonly stats: WaitStats = { acquisitions: 0, waits: 0, withdrawn: 0, totalWaitMs: 0, maxWaitMs: 0 }
  #closed?: Error

  get owner(): Holder | undefined {
    return this.#owner
  }

  get waiting(): number {
    return this.#queue.length
  }

  acquire(holder: Holder): Promise<void> {
    if (this.#closed) return Promise.reject(this.#closed)
    if (this.#owner === holder) return Promise.resolve()
    if (!this.#owner) {
      this.#owner = holder
      this.stats.acquisitions++
      return Promise.resolve()
    }
    return new Promise<void>((grant, reject) => {
      this.#queue.push({ holder, since: performance.now(), grant, reject })
      this.#owner?.onContention?.()
    })
  }

  release(holder: Holder): void {
    if (this.#owner !== holder) return
    const next = this.#queue.shift()
    this.#owner = next?.holder
    if (!next) return
    this.stats.acquisitions++
    this.stats.waits++
    this.#waited(next.since)
    next.grant()
    // The new owner may already have company waiting behind it.
    if (this.#queue.length) this.#owner?.onContention?.()
  }

  /**
   * Take a waiting holder out of the queue: its acquire rejects with `reason`. False when it was not
   * waiting (it has the session already, or never asked).
   */
  withdraw(holder: Holder, reason: Error): boolean {
    const i = this.#queue.findIndex((w) => w.holder === holder)
    if (i < 0) return false
    const [waiter] = this.#queue.splice(i, 1)
    this.stats.withdrawn++
    this.#waited(waiter!.since)
    waiter!.reject(reason)
    if (!this.#queue.length) this.#owner?.onUncontended?.()
    return true
  }

  /** Forget a holder that went away, waiting or holding the session. */
  abandon(holder: Holder): void {
    this.withdraw(holder, new Error('abandoned'))
    this.release(holder)
  }

  #waited(since: number): void {
    const waited = performance.now() - since
    this.stats.totalWaitMs += waited
    this.stats.maxWaitMs = Math.max(this.stats.maxWaitMs, waited)
  }

  /** Refuse every waiter and every later request with `err`. */
  close(err: Error): void {
    this.#closed = err
    for (const w of this.#queue.splice(0)) w.reject(err)
  }
}
