/**
 * A step's view of a port refuses every call once the step's deadline passed (see outlived.ts). An async
 * method refused with a rejected promise, but one that returns a promise without being `async` threw at the
 * call: `port.get('k').catch(...)` then met an exception its `.catch()` never saw. Both now reject, once the
 * view has seen the method return a promise; a plain synchronous method, whose callers use its value, and
 * one never called before, which cannot be told from it, still throw.
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
  it('a method returning a promise rejects, async or not: .catch() sees the refusal', async () => {
    const { store, port, expire, reason } = view()
    expect(await port.get('k')).toBeUndefined()
    expire()
    const caught: unknown[] = []
    await port.set('k', 2).catch((err: unknown) => void caught.push(err))
    await port.get('k').catch((err: unknown) => void caught.push(err))
    expect(caught).toEqual([reason, reason])
    await expect(port.get('k')).rejects.toBe(reason)
    expect(store.calls).toEqual(['get k'])
  })

  it('a method not async and never called before the deadline throws: nothing tells it from a synchronous one', () => {
    const { store, port, expire, reason } = view()
    expire()
    expect(() => port.delete('k')).toThrow(reason)
    expect(store.calls).toEqual([])
  })

  it('a plain synchronous method throws: it has no promise to reject, and its callers use its value', () => {
    const { store, port, expire, reason } = view()
    expect(port.size()).toBe(0)
    expire()
    expect(() => port.size()).toThrow(reason)
    expect(() => port.now()).toThrow(reason)
    expect(store.calls).toEqual(['size'])
  })

})
