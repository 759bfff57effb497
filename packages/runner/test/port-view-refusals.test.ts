/**
 * A step's view of a port refuses every call once the step's deadline passed (see outlived.ts). An async
 * method refused with a rejected promise, but one that returns a promise without being `async` threw at the
 * call: `port.get('k').catch(...)` then met an exception its `.catch()` never saw. Both now reject; a plain
 * synchronous method, whose callers use its value, still throws.
 */
import { describe, expect, it } from 'vitest'
import { portsForStep } from '../src/execution/outlived'
import { makePorts } from '../src/runner'

class Store {
  readonly calls: string[] = []
  #values = new Map<string, unknown>()
  /** Async. */
  async set(key: string, value: unknown): Promise<void> {
    this.calls.push(`set ${key}`)
    this.#values.set(key, value)
  }
  /** Not async: returns a promise all the same, as a method that hands on a client's promise does. */
  get(key: string): Promise<unknown> {
    this.calls.push(`get ${key}`)
    return Promise.resolve(this.#values.get(key))
  }
  /** Not async either, and never called before the deadline. */
  delete(key: string): Promise<boolean> {
    this.calls.push(`delete ${key}`)
    return Promise.resolve(this.#values.delete(key))
  }
  /** Plain synchronous. */
  size(): number {
    this.calls.push('size')
    return this.#values.size
  }
  /** Plain synchronous, never called before the deadline. */
  now(): Date {
    this.calls.push('now')
    return new Date(0)
  }
}

function view() {
  const store = new Store()
  const controller = new AbortController()
  const ports = portsForStep(makePorts(new Map([['store', store]])), controller.signal)
  const port = ports.require('store') as Store
  const reason = new Error('step "slow" timed out after 50 ms')
  return { store, port, expire: () => controller.abort(reason), reason }
}

describe("a step's view of a port after the step's deadline", () => {
  it('a method returning a promise rejects, async or not, called before the deadline or not: .catch() sees the refusal', async () => {
    const { store, port, expire, reason } = view()
    await port.set('k', 1)
    expect(await port.get('k')).toBe(1)
    expire()
    const caught: unknown[] = []
    await port.set('k', 2).catch((err: unknown) => void caught.push(err))
    await port.get('k').catch((err: unknown) => void caught.push(err))
    await port.delete('k').catch((err: unknown) => void caught.push(err))
    expect(caught).toEqual([reason, reason, reason])
    await expect(port.get('k')).rejects.toBe(reason)
    await expect(port.delete('k')).rejects.toBe(reason)
    expect(store.calls).toEqual(['set k', 'get k'])
  })

  it('a plain synchronous method throws: it has no promise to reject, and its callers use its value', () => {
    const { store, port, expire, reason } = view()
    expect(port.size()).toBe(0)
    expire()
    expect(() => port.size()).toThrow(reason)
    // One never called before the deadline cannot be told from a promise's: what it gives rejects when
    // awaited and throws the refusal at any other use of it.
    const now = port.now()
    expect(() => now.getTime()).toThrow(reason)
    expect(() => String(now)).toThrow(reason)
    expect(store.calls).toEqual(['size'])
  })

  it('a refusal no one looks at is no unhandled rejection, when the method may be synchronous', async () => {
    const { port, expire } = view()
    expire()
    const unhandled: unknown[] = []
    const onUnhandled = (reason: unknown) => void unhandled.push(reason)
    process.on('unhandledRejection', onUnhandled)
    try {
      port.now()
      await new Promise((resolve) => setTimeout(resolve, 20))
    } finally {
      process.off('unhandledRejection', onUnhandled)
    }
    expect(unhandled).toEqual([])
  })
})
