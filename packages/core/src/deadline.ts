/**
 * The longest delay a Node timer keeps: a longer one (setTimeout, AbortSignal.timeout) fires after 1 ms,
 * with a TimeoutOverflowWarning. A timeout of 99999999999 ms, meant as "no limit", failed every step at once.
 * Timeouts are refused above it, where they are given (about 24.8 days).
 */
export const MAX_TIMEOUT_MS = 2_147_483_647

/** How a refused duration in milliseconds is told, by every option that takes one (with `, got ...` after it). */
export const TIMER_MS_EXPECTED = `expected a positive whole number of milliseconds, at most ${MAX_TIMEOUT_MS} (about 24.8 days)`

/**
 * Whether `value` is a duration a timer keeps: a whole number of milliseconds from 1 to MAX_TIMEOUT_MS. A
 * fraction makes AbortSignal.timeout() throw, and a longer one fires at once. For the duration options of
 * plugins' schemas, which core (it depends on no validator) cannot build itself; with zod, as a check,
 * so that the object's own checks still run beside a refused one and every problem is told at once:
 *
 *   const ms = z.number({ error: TIMER_MS_EXPECTED }).check(z.refine(isTimerMs, { error: TIMER_MS_EXPECTED }))
 */
export function isTimerMs(value: unknown): value is number {
  return typeof value === 'number' && Number.isInteger(value) && value > 0 && value <= MAX_TIMEOUT_MS
}

/**
 * `work`'s outcome, or a rejection once `ms` have passed (with `late()`), or once `stop.signal` aborts
 * (with `stop.aborted()`), whichever comes first. For work that takes no signal of its own (a library's
 * fetch, a render, a look at a mail box): it is left to itself, its own later rejection caught, so the
 * caller must not use what it works on until it may have settled. The timer is not unref'd: a deadline
 * keeps the process alive, as the work it stands in for would.
 */
export function raceDeadline<T>(work: Promise<T>, ms: number, late: () => Error, stop?: { signal?: AbortSignal; aborted: () => Error }): Promise<T> {
  work.catch(() => {})
  let timer: NodeJS.Timeout | undefined
  let onAbort = () => {}
  const ended = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(late()), ms)
    if (!stop?.signal) return
    onAbort = () => reject(stop.aborted())
    if (stop.signal.aborted) onAbort()
    else stop.signal.addEventListener('abort', onAbort, { once: true })
  })
  return Promise.race([work, ended]).finally(() => {
    clearTimeout(timer)
    stop?.signal?.removeEventListener('abort', onAbort)
  })
}
