import { CheckpointStack, type StateBackend } from '@venomqa/core'
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
  /** Its checkpoints, as the mailbox itself, are in this process's memory: a quit leaves nothing. */
  readonly leftWhenQuit = false
  readonly #store: MessageStore
  readonly #stack: CheckpointStack<MailboxSnapshot>

  constructor(store: MessageStore, name = 'mail-catcher') {
    this.#store = store
    this.name = name
    this.#stack = new CheckpointStack(name)
  }

  /** Names of the open checkpoints, oldest first. */
  get checkpoints(): string[] {
    return this.#stack.names
  }

  async connect(): Promise<void> {}

  async checkpoint(name: string): Promise<void> {
    await this.#stack.take(name, () => this.#store.snapshot())
  }

  async rollback(name: string): Promise<void> {
    await this.#stack.rollback(name, (snapshot) => this.#store.restore(snapshot))
  }

  async release(name: string): Promise<void> {
    await this.#stack.release(name)
  }

  async reset(): Promise<void> {
    this.#store.clear()
  }

  async observe(): Promise<Record<string, unknown>> {
    const latest = this.#store.latest()
    return { messages: this.#store.size, latest: latest?.mailpitId ?? null }
  }

  async disconnect(): Promise<void> {
    this.#stack.clear()
  }
}
