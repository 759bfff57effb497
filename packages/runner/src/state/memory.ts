import { CheckpointStack, type StateBackend } from '@venomqa/core'

/**
 * A state backend over a plain object that steps change through `state.data`. For tests of journeys that
 * keep their own state, and for unit tests of the runner. Rollback restores a deep copy.
 */
export class MemoryState<T extends object = Record<string, unknown>> implements StateBackend {
  readonly name: string
  readonly mechanism = 'memory'
  readonly parallelSafe = false
  /** Everything is in this process's memory: a quit leaves nothing. */
  readonly leftWhenQuit = false
  data: T
  readonly #stack: CheckpointStack<T>

  constructor(initial: T = {} as T, name = 'memory') {
    this.data = structuredClone(initial)
    this.name = name
    this.#stack = new CheckpointStack(name)
  }

  /** Names of the open checkpoints, oldest first. */
  get checkpoints(): string[] {
    return this.#stack.names
  }

  async connect(): Promise<void> {}
  async disconnect(): Promise<void> {
    this.#stack.clear()
  }

  async checkpoint(name: string): Promise<void> {
    await this.#stack.take(name, () => structuredClone(this.data))
  }

  async rollback(name: string): Promise<void> {
    // A copy again: the path after the rollback must not change what a later rollback restores.
    await this.#stack.rollback(name, (saved) => {
      this.data = structuredClone(saved)
    })
  }

  async release(name: string): Promise<void> {
    await this.#stack.release(name)
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
