import { StateError } from './errors'

/** One open checkpoint: its name and what its owner saved to restore it. */
export interface OpenCheckpoint<T> {
  readonly name: string
  readonly data: T
}

/**
 * Frees what checkpoints leaving the stack held (a savepoint, a database copy, saved rows). It runs after
 * they have left, so a free that fails never leaves a half-released checkpoint that a rollback could find.
 * `gone` is oldest first: the one named comes first, then the ones taken after it.
 */
export type FreeCheckpoints<T> = (gone: OpenCheckpoint<T>[]) => void | Promise<void>

/**
 * The open checkpoints of one owner (a state backend, or the World), oldest first. Every backend and the
 * World keep theirs here, so they all follow one rule, the rule of nested savepoints:
 *
 * - **take** puts a checkpoint on top. Taking a name that is open releases it first, with every checkpoint
 *   taken after it, then takes it anew: never an error. A search that comes back up to a level takes that
 *   level's checkpoint again, and a backend that missed a release (it failed, or the World stopped half
 *   way) must not refuse the next journey that uses the name.
 * - **rollback** restores a checkpoint and keeps it, so a branch can come back to it before every path and
 *   after the last. Every checkpoint taken after it is dropped: it describes a future that no longer
 *   happened. A restore that fails drops nothing.
 * - **release** forgets a checkpoint and every one taken after it (they were nested in it). Releasing a
 *   name that is not open does nothing: an outer rollback or release already dropped it.
 * - **rollback to a name that is not open** is a StateError that lists the open ones.
 */
export class CheckpointStack<T> {
  readonly #owner: string
  readonly #open: OpenCheckpoint<T>[] = []

  /** `owner` names the backend (or 'world') in errors. */
  constructor(owner: string) {
    this.#owner = owner
  }

  /** Names of the open checkpoints, oldest first. */
  get names(): string[] {
    return this.#open.map((c) => c.name)
  }

  get size(): number {
    return this.#open.length
  }

  has(name: string): boolean {
    return this.#indexOf(name) >= 0
  }

  /** What was saved for an open checkpoint, or undefined. */
  find(name: string): T | undefined {
    return this.#open[this.#indexOf(name)]?.data
  }

  /** What was saved for an open checkpoint; a StateError listing the open ones when it is not open. */
  get(name: string): T {
    return this.#open[this.#existing(name)]!.data
  }

  /** Release `name` if it is open (see release), then capture the state and put it on top. */
  async take(name: string, capture: () => T | Promise<T>, free?: FreeCheckpoints<T>): Promise<void> {
    await this.release(name, free)
    const data = await capture()
    this.#open.push({ name, data })
  }

  /** Restore `name` and keep it; the checkpoints taken after it are dropped once the restore succeeded. */
  async rollback(name: string, restore: (data: T) => void | Promise<void>, free?: FreeCheckpoints<T>): Promise<void> {
    const i = this.#existing(name)
    await restore(this.#open[i]!.data)
    const later = this.#open.splice(i + 1)
    if (later.length) await free?.(later)
  }

  /** Forget `name` and every checkpoint taken after it; nothing happens when `name` is not open. */
  async release(name: string, free?: FreeCheckpoints<T>): Promise<void> {
    const i = this.#indexOf(name)
    if (i < 0) return
    const gone = this.#open.splice(i)
    await free?.(gone)
  }

  /** Forget every checkpoint, at once (a disconnect); returns them, oldest first, for the caller to free. */
  clear(): OpenCheckpoint<T>[] {
    return this.#open.splice(0)
  }

  #indexOf(name: string): number {
    return this.#open.findIndex((c) => c.name === name)
  }

  #existing(name: string): number {
    const i = this.#indexOf(name)
    if (i < 0) throw new StateError(this.#owner, `no checkpoint "${name}" (open: ${this.names.join(', ') || 'none'})`)
    return i
  }
}
