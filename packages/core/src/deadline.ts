/**
 * The longest delay a Node timer keeps: a longer one (setTimeout, AbortSignal.timeout) fires after 1 ms,
 * with a TimeoutOverflowWarning. A timeout of 99999999999 ms, meant as "no limit", failed every step at once.
 * Timeouts are refused above it, where they are given (about 24.8 days).
 */
export const MAX_TIMEOUT_MS = 2_147_483_647

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
