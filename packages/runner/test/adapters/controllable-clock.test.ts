import { UserError } from '@venomqa/core'
import { describe, expect, it } from 'vitest'
import { ControllableClock } from '../../src/adapters/controllable-clock'

const sleepReal = (ms: number) => new Promise((r) => setTimeout(r, ms))

// The guide's "Time Travel Testing" examples, translated.
describe('ControllableClock: the guide examples', () => {
  it('test_token_expiration: a 1 h token is valid after 59 min and expired one minute later', () => {
    const time = new ControllableClock()
    time.freeze()
    const createToken = (expiresInSeconds: number) => {
      const expiresAt = time.now().getTime() + expiresInSeconds * 1000
      return { isValid: () => time.now().getTime() < expiresAt }
    }
    const token = createToken(3600)
    expect(token.isValid()).toBe(true)
    time.advance({ minutes: 59 })
    expect(token.isValid()).toBe(true)
    time.advance({ minutes: 1 })
    expect(token.isValid()).toBe(false)
  })

  it('test_scheduled_task: a task scheduled after 5 s runs when time is advanced 5 s', () => {
    const time = new ControllableClock()
    const results: string[] = []
    time.scheduleAfter(5000, () => results.push('executed'))
    expect(results).toHaveLength(0)
    time.advance({ seconds: 5 })
    expect(results).toEqual(['executed'])
    expect(time.pending()).toEqual([])
  })
})

describe('ControllableClock', () => {
  it('fires due callbacks in due order, ties in scheduling order, each seeing its own due time', () => {
    const clock = new ControllableClock({ frozen: true, at: new Date('2024-01-01T00:00:00Z') })
    const seen: string[] = []
    const log = (label: string) => () => seen.push(`${label}@${clock.now().toISOString().slice(11, 23)}`)
    clock.scheduleAfter(300, log('c'))
    clock.scheduleAfter(100, log('a'))
    clock.scheduleAfter(200, log('b1'))
    clock.scheduleAfter(200, log('b2'))
    clock.scheduleAfter(1000, log('late'))
    clock.advance(500)
    expect(seen).toEqual(['a@00:00:00.100', 'b1@00:00:00.200', 'b2@00:00:00.200', 'c@00:00:00.300'])
    expect(clock.now().toISOString()).toBe('2024-01-01T00:00:00.500Z')
    expect(clock.pending().map((p) => p.dueAt.toISOString())).toEqual(['2024-01-01T00:00:01.000Z'])
  })

  it('fires callbacks scheduled by callbacks during the same advance when they come due within it', () => {
    const clock = new ControllableClock({ frozen: true })
    const seen: string[] = []
    clock.scheduleAfter(100, () => {
      seen.push('first')
      clock.scheduleAfter(50, () => seen.push('chained, due at 150'))
      clock.scheduleAfter(500, () => seen.push('chained, due at 600'))
    })
    clock.advance(200)
    expect(seen).toEqual(['first', 'chained, due at 150'])
    clock.advance(400)
    expect(seen).toEqual(['first', 'chained, due at 150', 'chained, due at 600'])
  })

  it('cancel removes a pending callback; pending() lists the rest in due order', () => {
    const clock = new ControllableClock({ frozen: true })
    const fired: number[] = []
    const a = clock.scheduleAfter(20, () => fired.push(20))
    clock.scheduleAfter(10, () => fired.push(10))
    expect(clock.pending().map((p) => p.id)).toHaveLength(2)
    expect(clock.cancel(a)).toBe(true)
    expect(clock.cancel(a)).toBe(false)
    expect(clock.cancel('nope')).toBe(false)
    clock.advance(100)
    expect(fired).toEqual([10])
  })

  it('scheduleAt and setTime: jumping forward fires what came due; jumping back fires nothing', () => {
    const start = new Date('2030-06-01T12:00:00Z')
    const clock = new ControllableClock({ frozen: true, at: start })
    const fired: string[] = []
    clock.scheduleAt(new Date('2030-06-01T13:00:00Z'), () => fired.push('13:00'))
    clock.setTime(new Date('2030-06-01T11:00:00Z'))
    expect(fired).toEqual([])
    expect(clock.now().toISOString()).toBe('2030-06-01T11:00:00.000Z')
    clock.setTime(new Date('2030-06-02T00:00:00Z'))
    expect(fired).toEqual(['13:00'])
    expect(clock.frozen).toBe(true)
  })

  it('a callback scheduled in the past fires at the next move of a frozen clock', () => {
    const clock = new ControllableClock({ frozen: true })
    let fired = 0
    clock.scheduleAt(new Date(clock.now().getTime() - 1000), () => fired++)
    expect(fired).toBe(0)
    clock.advance(0)
    expect(fired).toBe(1)
  })

  it('frozen time stands still; unfrozen it runs at real speed from the last set point', async () => {
    const clock = new ControllableClock()
    clock.freeze(new Date('2020-01-01T00:00:00Z'))
    await sleepReal(30)
    expect(clock.now().toISOString()).toBe('2020-01-01T00:00:00.000Z')
    const realBefore = performance.now()
    clock.unfreeze()
    expect(clock.frozen).toBe(false)
    await sleepReal(30)
    const elapsed = clock.now().getTime() - Date.parse('2020-01-01T00:00:00Z')
    const realElapsed = performance.now() - realBefore
    // At real speed from the set point: no more than the real time around it, however slow the machine.
    expect(elapsed).toBeGreaterThanOrEqual(25)
    expect(elapsed).toBeLessThanOrEqual(realElapsed)
    clock.advance({ days: 1 })
    expect(clock.now().getTime() - Date.parse('2020-01-02T00:00:00Z')).toBeGreaterThanOrEqual(25)
  })

  it('unfrozen, scheduled callbacks fire on real time too; frozen, only when time is moved', async () => {
    const clock = new ControllableClock()
    await new Promise<void>((resolve) => clock.scheduleAfter(20, resolve))
    clock.freeze()
    let fired = false
    clock.scheduleAfter(10, () => {
      fired = true
    })
    await sleepReal(50)
    expect(fired).toBe(false)
    clock.advance(10)
    expect(fired).toBe(true)
  })

  it('sleep() resolves when the clock is advanced past it', async () => {
    const clock = new ControllableClock({ frozen: true })
    let woke = false
    const sleeping = clock.sleep(60_000).then(() => {
      woke = true
    })
    clock.advance(59_999)
    await Promise.resolve()
    expect(woke).toBe(false)
    clock.advance(1)
    await sleeping
    expect(woke).toBe(true)
  })

  it('a throwing callback does not stop the others; the error comes out after time has moved', () => {
    const clock = new ControllableClock({ frozen: true, at: new Date(0) })
    const fired: number[] = []
    clock.scheduleAfter(10, () => {
      throw new Error('boom')
    })
    clock.scheduleAfter(20, () => fired.push(20))
    expect(() => clock.advance(100)).toThrow('boom')
    expect(fired).toEqual([20])
    expect(clock.now().getTime()).toBe(100)
  })

  it('refuses a negative advance, a bad date and a non-function callback with a clear error', () => {
    const clock = new ControllableClock({ frozen: true })
    expect(() => clock.advance(-1)).toThrow(UserError)
    expect(() => clock.advance(-1)).toThrow(/advance\(-1\)/)
    expect(() => clock.setTime(new Date('not a date'))).toThrow(/valid Date/)
    expect(() => clock.scheduleAfter(-5, () => {})).toThrow(/0 ms or more/)
    expect(() => clock.scheduleAfter(5, 'x' as unknown as () => void)).toThrow(/must be a function/)
  })
})
