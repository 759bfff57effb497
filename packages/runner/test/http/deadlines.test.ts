import { MAX_TIMEOUT_MS } from '@venomqa/core'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { type Deadline, Deadlines } from '../../src/http/deadlines'

// Each test's own: a deadline one leaves pending (its timer unref'd) ends in no other.
let deadlines: Deadlines
beforeEach(() => {
  deadlines = new Deadlines()
})
/** Deadlines whose timers are watched: Node's, through spies. */
const watchedClock = () => ({ now: () => performance.now(), setTimeout: vi.fn((fire: () => void, ms: number) => setTimeout(fire, ms)), clearTimeout: vi.fn((t?: NodeJS.Timeout) => clearTimeout(t)) })
afterEach(() => {
  vi.useRealTimers()
  vi.restoreAllMocks()
})

/** Resolves with the time each deadline expired at, in the order they expired. */
function expiries(...ms: number[]): Promise<{ ms: number; after: number }[]> {
  const started = performance.now()
  const out: { ms: number; after: number }[] = []
  return new Promise((resolve) => {
    for (const m of ms)
      deadlines.add(m, () => {
        out.push({ ms: m, after: performance.now() - started })
        if (out.length === ms.length) resolve(out)
      })
  })
}

describe('Deadlines', () => {
  it('ends each deadline at its time, never before, the earliest first whatever the order they came in', async () => {
    const ended = await expiries(120, 30, 60)
    expect(ended.map((e) => e.ms)).toEqual([30, 60, 120])
    for (const e of ended) expect(e.after).toBeGreaterThanOrEqual(e.ms)
  })

  it('a cleared deadline never ends, and the others still do', async () => {
    const gone = vi.fn()
    const cleared = deadlines.add(20, gone)
    const ended = expiries(40)
    deadlines.clear(cleared)
    expect((await ended).map((e) => e.ms)).toEqual([40])
    expect(gone).not.toHaveBeenCalled()
  })

  it('ends the rest in order whichever one is cleared (first, middle, last), and a second clear, or one after it ended, changes nothing', async () => {
    const gone = vi.fn()
    const ended = expiries(10, 20, 30, 40, 50, 60)
    const first = deadlines.add(5, gone)
    const middle = deadlines.add(25, gone)
    const last = deadlines.add(70, gone)
    deadlines.clear(middle)
    deadlines.clear(first)
    deadlines.clear(last)
    deadlines.clear(middle)
    // Another pool's deadline is not this one's to clear.
    new Deadlines().clear(deadlines.add(15, () => {}))
    expect((await ended).map((e) => e.ms)).toEqual([10, 20, 30, 40, 50, 60])
    expect(gone).not.toHaveBeenCalled()
    const once = vi.fn()
    let ending: Deadline | undefined
    await new Promise<void>((resolve) => {
      ending = deadlines.add(1, () => {
        once()
        resolve()
      })
    })
    deadlines.clear(ending!)
    const after = expiries(5, 10)
    deadlines.clear(deadlines.add(1, () => {}))
    expect((await after).map((e) => e.ms)).toEqual([5, 10])
    expect(once).toHaveBeenCalledTimes(1)
  })

  it('a deadline cleared by the expiry of another due at the same moment never ends', async () => {
    // A clock that stands still until the test moves it: the three are due at the same firing.
    let now = 0
    const still = new Deadlines({ now: () => now, setTimeout: (fire, ms) => setTimeout(fire, ms), clearTimeout: (t) => clearTimeout(t) })
    const gone = vi.fn()
    const ended: string[] = []
    let second: Deadline | undefined
    const done = new Promise<void>((resolve) => {
      still.add(5, () => {
        ended.push('first')
        still.clear(second!)
      })
      second = still.add(5, gone)
      still.add(5, () => {
        ended.push('third')
        resolve()
      })
    })
    now = 10
    await done
    expect(ended).toEqual(['first', 'third'])
    expect(gone).not.toHaveBeenCalled()
  })

  it('arms its timer only when a deadline comes before the armed one: requests of a run do not touch it', () => {
    const clock = watchedClock()
    const watched = new Deadlines(clock)
    // A run's requests: one after another, the same timeout, each settled before the next.
    for (let i = 0; i < 100; i++) watched.clear(watched.add(30_000, () => {}))
    expect(clock.setTimeout).toHaveBeenCalledTimes(1)
    // A shorter one is earlier than the armed timer: armed again for it.
    watched.add(1000, () => {})
    expect(clock.setTimeout).toHaveBeenCalledTimes(2)
    expect(clock.clearTimeout).toHaveBeenCalledTimes(1)
  })

  it('keeps the process alive for nothing: its timer is unref-ed', () => {
    const clock = watchedClock()
    const watched = new Deadlines(clock)
    watched.add(30_000, () => {})
    expect(clock.setTimeout.mock.results[0]?.value.hasRef()).toBe(false)
  })

  it('keeps its deadlines in real time, whatever fake timers a test installs and uninstalls', async () => {
    const gone = vi.fn()
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] })
    // Armed with the fake setTimeout, the timer never fired: while the fakes were there, or after.
    const during = expiries(20)
    deadlines.clear(deadlines.add(50, gone))
    expect((await during).map((e) => e.ms)).toEqual([20])
    vi.useRealTimers()
    // Later than the deadline the timer was last armed for: it was not armed again, and never ended.
    expect((await expiries(60)).map((e) => e.ms)).toEqual([60])
    expect(gone).not.toHaveBeenCalled()
    // Without real timers the first wait never ends: fail in seconds, not at the suite's limit.
  }, 10_000)

  it('waits for a deadline further off than a Node timer keeps in hops, never re-armed at once', async () => {
    const clock = watchedClock()
    const watched = new Deadlines(clock)
    const warnings: Error[] = []
    const onWarning = (w: Error) => warnings.push(w)
    process.on('warning', onWarning)
    try {
      // A request's timeout meant as "no limit": Node fires a longer timer after 1 ms, with a warning, and
      // the deadline, not due, armed it again: every millisecond while the request was under way.
      watched.add(3_000_000_000, () => {})
      // Node emits the warning on the next tick.
      await new Promise((resolve) => setImmediate(resolve))
      expect(clock.setTimeout.mock.calls.map(([, ms]) => ms)).toEqual([MAX_TIMEOUT_MS])
      expect(warnings.filter((w) => w.name === 'TimeoutOverflowWarning')).toEqual([])
    } finally {
      process.off('warning', onWarning)
    }
  })

})
