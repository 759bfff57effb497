import type { StateBackend } from '@venomqa/core'
import { StateError } from '@venomqa/core'

/**
 * A state backend over a plain object that steps change through `state.data`. For tests of journeys that
 * keep their own state, and for unit tests of the runner. Rollback restores a deep copy.
 */
export class MemoryState<T extends object = Record<string, unknown>> implements StateBackend {
  readonly name: string
  readonly mechanism = 'memory'
  readonly parallelSafe = false
  data: T
  readonly #snapshots = new Map<string, T>()
  readonly #order: string[] = []

  constructor(initial: T = {} as T, name = 'memory') {
    this.data = structuredClone(initial)
    this.name = name
  }

  async connect(): Promise<void> {}
  async disconnect(): Promise<void> {
    this.#snapshots.clear()
    this.#order.length = 0
  }

  async checkpoint(name: string): Promise<void> {
    if (this.#snapshots.has(name)) throw new StateError(this.name, `checkpoint "${name}" already exists`)
    this.#snapshots.set(name, structuredClone(this.data))
    this.#order.push(name)
  }

  async rollback(name: string): Promise<void> {
    const snap = this.#snapshots.get(name)
    if (!snap) throw new StateError(this.name, `no checkpoint "${name}"`)
    this.data = structuredClone(snap)
    for (const later of this.#order.splice(this.#order.indexOf(name) + 1)) this.#snapshots.delete(later)
  }

  async release(name: string): Promise<void> {
    this.#snapshots.delete(name)
    const i = this.#order.indexOf(name)
    if (i >= 0) this.#order.splice(i, 1)
  }

  async reset(): Promise<void> {
    this.data = {} as T
  }

  async observe(): Promise<Record<string, unknown>> {
    return { keys: Object.keys(this.data).length }
  }
}

export function memoryState<T extends object>(initial?: T, name?: string): MemoryState<T> {
  return new MemoryState(initial, name)
}
