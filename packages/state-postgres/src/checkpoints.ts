import { StateError } from '@venomqa/core'

/**
 * The open checkpoints of one backend, oldest first. Like savepoints: rolling back to one keeps it and
 * drops every later one; releasing one drops it and every later one.
 */
export class CheckpointStack<T> {
  readonly #items: { name: string; data: T }[] = []

  constructor(private readonly backend: string) {}

  get names(): string[] {
    return this.#items.map((c) => c.name)
  }

  get size(): number {
    return this.#items.length
  }

  /** Taking a name again replaces the old checkpoint of that name (and what came after it). */
  push(name: string, data: T): { name: string; data: T }[] {
    const dropped = this.#drop(name)
    this.#items.push({ name, data })
    return dropped
  }

  /** The checkpoint, or a StateError that lists the open ones. */
  get(name: string): T {
    const found = this.#items.find((c) => c.name === name)
    if (!found)
      throw new StateError(this.backend, `no checkpoint "${name}" (open: ${this.names.join(', ') || 'none'})`)
    return found.data
  }

  has(name: string): boolean {
    return this.#items.some((c) => c.name === name)
  }

  /** After a rollback to `name`: forget the checkpoints taken after it; returns them. */
  dropAfter(name: string): { name: string; data: T }[] {
    const i = this.#items.findIndex((c) => c.name === name)
    return i < 0 ? [] : this.#items.splice(i + 1)
  }

  /** Forget `name` and every later checkpoint; returns them (empty when `name` is not open). */
  release(name: string): { name: string; data: T }[] {
    return this.#drop(name)
  }

  clear(): { name: string; data: T }[] {
    return this.#items.splice(0)
  }

  #drop(name: string) {
    const i = this.#items.findIndex((c) => c.name === name)
    return i < 0 ? [] : this.#items.splice(i)
  }
}
