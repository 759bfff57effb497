import { type Duration, type TimePort, UserError, durationToMs } from '@venomqa/core'

interface Scheduled {
  id: string
  dueAt: number
  /** Tie-breaker: callbacks due at the same instant fire in the order they were scheduled. */
  seq: number
  callback: () => void
}

export interface ClockSnapshot {
  readonly frozen: boolean
  readonly atMs: number
  readonly offsetMs: number
  readonly queue: readonly Scheduled[]
}

/** setTimeout cannot wait longer than this; a later deadline is reached in several hops. */
const MAX_TIMER_MS = 2_147_483_647

/**
 * A clock that tests can stop and move: the guide's "time travel". Unfrozen, it runs at real speed from the
 * last instant it was set to, and scheduled callbacks fire on a real (unref'd) timer. Frozen, time only
 * moves through `advance`, `setTime` or `freeze(at)`, and callbacks fire then, synchronously, in due order.
 *
 * It affects only code that reads time from this port, not an app running in its own process.
 */
export class ControllableClock implements TimePort {
  #baseMs: number
  /** performance.now() when #baseMs was set; elapsed real time is added to it while unfrozen. */
  #baseReal: number
  #frozen = false
  #queue: Scheduled[] = []
  #seq = 0
  #nextId = 1
  #timer: ReturnType<typeof setTimeout> | undefined
  #firing = false

  constructor(options: { frozen?: boolean; at?: Date } = {}) {
    this.#baseMs = options.at ? checkedDate(options.at, 'ControllableClock({ at })') : Date.now()
    this.#baseReal = performance.now()
    if (options.frozen) this.#frozen = true
  }

  get frozen(): boolean {
    return this.#frozen
  }

  now(): Date {
    return new Date(this.#nowMs())
  }

  /** Stop time at `at`, or at the current instant. Callbacks that `at` makes due fire now. */
  freeze(at?: Date): void {
    const target = at ? checkedDate(at, 'freeze(at)') : this.#nowMs()
    this.#frozen = true
    this.#clearTimer()
    this.#moveTo(target, true)
  }

  /** Let time run again at real speed, from where it stands now. */
  unfreeze(): void {
    if (!this.#frozen) return
    this.#setBase(this.#baseMs)
    this.#frozen = false
    this.#arm()
  }

  /** Move time forward, firing every callback that comes due (including ones scheduled on the way). */
  advance(by: number | Duration): void {
    const ms = durationToMs(by)
    if (!Number.isFinite(ms) || ms < 0)
      throw new UserError('E_TIME', `clock.advance(${JSON.stringify(by)}): expected a duration of 0 ms or more`)
    this.#moveTo(this.#nowMs() + ms)
  }

  /** Jump to `at` (forward or back). Moving forward fires the callbacks that come due; frozen stays frozen. */
  setTime(at: Date): void {
    this.#moveTo(checkedDate(at, 'setTime(at)'), true)
  }

  scheduleAfter(delayMs: number, callback: () => void): string {
    if (!Number.isFinite(delayMs) || delayMs < 0)
      throw new UserError('E_TIME', `clock.scheduleAfter(${delayMs}): expected a delay of 0 ms or more`)
    return this.#schedule(this.#nowMs() + delayMs, callback)
  }

  /** A time already past fires at the next move of the clock (or at once on the real timer when unfrozen). */
  scheduleAt(at: Date, callback: () => void): string {
    return this.#schedule(checkedDate(at, 'scheduleAt(at)'), callback)
  }

  cancel(id: string): boolean {
    const i = this.#queue.findIndex((s) => s.id === id)
    if (i < 0) return false
    this.#queue.splice(i, 1)
    this.#arm()
    return true
  }

  pending(): { id: string; dueAt: Date }[] {
    return this.#queue.map((s) => ({ id: s.id, dueAt: new Date(s.dueAt) }))
  }

  /** Resolves when the clock reaches now + ms: code under test can wait on this clock and be released by `advance`. */
  sleep(ms: number): Promise<void> {
    return new Promise((resolve) => this.scheduleAfter(ms, resolve))
  }

  /**
   * The clock's state (time, frozen or not, pending callbacks) for a state backend to put back, so time
   * moved in one branch path does not leak into the next. Unfrozen, what is kept is the offset from the
   * real clock: after a restore, time runs on from where it would have been.
   */
  snapshot(): ClockSnapshot {
    return { frozen: this.#frozen, atMs: this.#nowMs(), offsetMs: this.#nowMs() - Date.now(), queue: this.#queue.map((s) => ({ ...s })) }
  }

  restore(snapshot: ClockSnapshot): void {
    this.#clearTimer()
    this.#frozen = snapshot.frozen
    this.#setBase(snapshot.frozen ? snapshot.atMs : Date.now() + snapshot.offsetMs)
    this.#queue = snapshot.queue.map((s) => ({ ...s }))
    this.#arm()
  }

  /** Drop every scheduled callback and the real timer. */
  dispose(): void {
    this.#queue = []
    this.#clearTimer()
  }

  #nowMs(): number {
    return this.#frozen ? this.#baseMs : this.#baseMs + (performance.now() - this.#baseReal)
  }

  #setBase(ms: number): void {
    this.#baseMs = ms
    this.#baseReal = performance.now()
  }

  #schedule(dueAt: number, callback: () => void): string {
    if (typeof callback !== 'function') throw new UserError('E_TIME', 'clock: a scheduled callback must be a function')
    const entry: Scheduled = { id: `timer-${this.#nextId++}`, dueAt, seq: this.#seq++, callback }
    // Keep the queue sorted by (dueAt, seq): firing then only ever looks at the head.
    let i = this.#queue.length
    while (i > 0 && this.#queue[i - 1].dueAt > dueAt) i--
    this.#queue.splice(i, 0, entry)
    this.#arm()
    return entry.id
  }

  /**
   * Step through every callback due by `target`, setting the clock to each one's due time before calling it,
   * so a callback sees the instant it was scheduled for. A throwing callback does not stop the others; the
   * errors are thrown together once time has reached `target`.
   */
  #moveTo(target: number, exact = false): void {
    const errors: unknown[] = []
    const outer = !this.#firing
    this.#firing = true
    try {
      while (this.#queue.length > 0 && this.#queue[0].dueAt <= target) {
        const next = this.#queue.shift()!
        if (next.dueAt > this.#nowMs()) this.#setBase(next.dueAt)
        try {
          next.callback()
        } catch (err) {
          errors.push(err)
        }
      }
      // A callback may itself have advanced time past `target`: advancing never moves it back.
      if (exact || target > this.#nowMs()) this.#setBase(target)
    } finally {
      if (outer) this.#firing = false
    }
    this.#arm()
    if (errors.length === 1) throw errors[0]
    if (errors.length > 1) throw new AggregateError(errors, `${errors.length} scheduled callbacks threw`)
  }

  #arm(): void {
    this.#clearTimer()
    if (this.#frozen || this.#firing || this.#queue.length === 0) return
    const wait = Math.min(MAX_TIMER_MS, Math.max(0, this.#queue[0].dueAt - this.#nowMs()))
    this.#timer = setTimeout(() => {
      this.#timer = undefined
      this.#fireDue()
    }, wait)
    // A pending callback must not keep a test process alive.
    this.#timer.unref?.()
  }

  #fireDue(): void {
    try {
      this.#moveTo(this.#nowMs())
    } catch (err) {
      // Fired from a real timer, there is no caller to throw to: surface it like any uncaught timer error.
      queueMicrotask(() => {
        throw err
      })
    }
  }

  #clearTimer(): void {
    if (this.#timer !== undefined) clearTimeout(this.#timer)
    this.#timer = undefined
  }
}

function checkedDate(at: Date, where: string): number {
  const ms = at instanceof Date ? at.getTime() : Number.NaN
  if (!Number.isFinite(ms)) throw new UserError('E_TIME', `clock.${where}: expected a valid Date, got ${String(at)}`)
  return ms
}
