import { MAX_TIMEOUT_MS } from '@venomqa/core'

/**
 * The deadlines of a pool's requests, kept by one timer. A timer per request, or a socket timeout (which
 * Node re-arms at every read and write), cost more than the rest of what the transport does for a request:
 * measured in instructions on 1,500 dependent requests, a socket timeout added a tenth to a plain
 * node:http loop, a timer per request a twenty-fifth. Here a request's deadline is an entry of a list, and the
 * timer is armed for the earliest one only when a new deadline comes before it: requests of one run share
 * a timeout and start one after another, so their deadlines come in order and the timer is left alone.
 * When it fires it ends what is due and is armed for the next deadline; a request that settled is only
 * taken out of the list. Every deadline is kept to the millisecond, as a timer of its own would keep it.
 */
export class Deadlines {
  /**
   * The pending deadlines in the order they were added, as a list linked through the entries: adding and
   * clearing one is a few field writes, where a Set hashed every entry twice per request.
   */
  #first?: Entry
  #last?: Entry
  #timer?: ReturnType<typeof setTimeout>
  /** The deadline the armed timer is for, on the clock's time; Infinity when none is armed. */
  #due = Number.POSITIVE_INFINITY

  constructor(private readonly clock: DeadlineClock = REAL_CLOCK) {}

  /** Call `expire` once `ms` have passed, unless the returned deadline is cleared first. */
  add(ms: number, expire: () => void): Deadline {
    const deadline = new Entry(this.clock.now() + ms, expire, this, this.#last)
    if (this.#last) this.#last.next = deadline
    else this.#first = deadline
    this.#last = deadline
    if (deadline.at < this.#due) this.#arm(deadline.at)
    return deadline
  }

  /** Forget a deadline; one already ended or cleared, or another's, is left as it is. */
  clear(deadline: Deadline): void {
    if (deadline instanceof Entry && deadline.owner === this) this.#unlink(deadline)
  }

  #unlink(entry: Entry): void {
    const { prev, next } = entry
    if (prev) prev.next = next
    else this.#first = next
    if (next) next.prev = prev
    else this.#last = prev
    entry.prev = entry.next = undefined
    entry.owner = undefined
  }

  #arm(at: number): void {
    if (this.#timer) this.clock.clearTimeout(this.#timer)
    this.#due = at
    // Never keeps the process alive: a request under way does, through its socket. Node fires a timer
    // longer than MAX_TIMEOUT_MS after 1 ms (with a TimeoutOverflowWarning): a deadline further off is waited
    // for in hops, not re-armed every millisecond. The runner refuses such a timeout (see http-client.ts);
    // this keeps the class right for any length it is given.
    this.#timer = this.clock.setTimeout(() => this.#fire(), Math.min(MAX_TIMEOUT_MS, Math.max(0, Math.ceil(at - this.clock.now())))).unref()
  }

  #fire(): void {
    this.#timer = undefined
    this.#due = Number.POSITIVE_INFINITY
    const now = this.clock.now()
    const due: Entry[] = []
    let next = Number.POSITIVE_INFINITY
    for (let d = this.#first; d; d = d.next) {
      if (d.at <= now) due.push(d)
      else if (d.at < next) next = d.at
    }
    if (next !== Number.POSITIVE_INFINITY) this.#arm(next)
    // In the order they were due, when a late timer finds several. Each is taken out as it ends, not all
    // first: one an earlier expire cleared (its request settled by it) is no longer this list's, and does not end.
    for (const d of due.sort((a, b) => a.at - b.at)) {
      if (d.owner !== this) continue
      this.#unlink(d)
      d.expire()
    }
  }
}

/** What deadlines are kept with: a clock in ms and its timers. */
export interface DeadlineClock {
  now(): number
  setTimeout(callback: () => void, ms: number): ReturnType<typeof setTimeout>
  clearTimeout(timer: ReturnType<typeof setTimeout> | undefined): void
}

/**
 * Node's own, taken when the module loads. A test's fake timers (vi.useFakeTimers) replace the globals: a
 * timer armed with them never fires once they are uninstalled, and as the timer is armed again only for an
 * earlier deadline, every later deadline of the pool was never kept (a request to an API that never answers
 * waited forever). A request's deadline is real time, as its socket's is. The clock is process.hrtime's,
 * which they replace too: taking `performance` here would load perf_hooks with the runner.
 */
const hrtime = process.hrtime.bigint
export const REAL_CLOCK: DeadlineClock = { now: () => Number(hrtime()) / 1e6, setTimeout: globalThis.setTimeout, clearTimeout: globalThis.clearTimeout }

export interface Deadline {
  readonly at: number
  readonly expire: () => void
}

/** A pending deadline, linked to its neighbours in the order deadlines were added. */
class Entry implements Deadline {
  next?: Entry
  constructor(
    readonly at: number,
    readonly expire: () => void,
    /** The Deadlines it is pending in; none once it ended or was cleared. */
    public owner: Deadlines | undefined,
    public prev: Entry | undefined,
  ) {}
}
