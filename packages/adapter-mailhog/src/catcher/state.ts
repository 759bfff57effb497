import type { StateBackend } from '@venomqa/core'
import { StateError } from '@venomqa/core'
import type { MailboxSnapshot, MessageStore } from './store'

/**
 * The catcher's mailbox as a state backend. A checkpoint keeps the list of messages present (they never
 * change, so this is cheap); rollback makes it the list again: mail received after the checkpoint is
 * gone, mail deleted since is back. One mailbox for every path, hence not parallel-safe.
 */
export class MailCatcherState implements StateBackend {
  readonly name: string
  readonly mechanism = 'memory'
  readonly parallelSafe = false
  readonly #store: MessageStore
  readonly #snapshots = new Map<string, MailboxSnapshot>()
  readonly #order: string[] = []

  constructor(store: MessageStore, name = 'mail-catcher') {
    this.#store = store
    this.name = name
  }

  async connect(): Promise<void> {}

  async checkpoint(name: string): Promise<void> {
    if (this.#snapshots.has(name)) throw new StateError(this.name, `checkpoint "${name}" already exists`)
    this.#snapshots.set(name, this.#store.snapshot())
    this.#order.push(name)
  }

  async rollback(name: string): Promise<void> {
    const snapshot = this.#snapshots.get(name)
    if (!snapshot) throw new StateError(this.name, `no checkpoint "${name}" to roll back to`)
    this.#store.restore(snapshot)
    // Checkpoints taken after this one describe a future that no longer happened.
    for (const later of this.#order.splice(this.#order.indexOf(name) + 1)) this.#snapshots.delete(later)
  }

  async release(name: string): Promise<void> {
    this.#snapshots.delete(name)
    const i = this.#order.indexOf(name)
    if (i >= 0) this.#order.splice(i, 1)
  }

  async reset(): Promise<void> {
    this.#store.clear()
  }

  async observe(): Promise<Record<string, unknown>> {
    const latest = this.#store.latest()
    return { messages: this.#store.size, latest: latest?.mailpitId ?? null }
  }

  async disconnect(): Promise<void> {
    this.#snapshots.clear()
    this.#order.length = 0
  }
}
