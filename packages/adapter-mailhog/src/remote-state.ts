import type { StateBackend } from '@venomqa/core'
import { StateError, errorMessage } from '@venomqa/core'

/** What a remote mailbox must offer to take part in checkpoints. */
export interface IdMailbox {
  readonly location: string
  ids(): Promise<string[]>
  deleteIds(ids: string[]): Promise<void>
}

/**
 * Checkpoints for a remote MailHog or Mailpit: a checkpoint notes the ids present, rollback deletes
 * every mail that arrived since. Neither server can take a message back in, so a mail deleted after
 * the checkpoint stays deleted (mechanism 'delete-newer'). Everything in that mailbox is subject to it:
 * use it only on a mailbox the run owns.
 */
export class RemoteMailboxState implements StateBackend {
  readonly name: string
  readonly mechanism = 'delete-newer'
  readonly parallelSafe = false
  readonly #mailbox: IdMailbox
  readonly #snapshots = new Map<string, Set<string>>()
  readonly #order: string[] = []

  constructor(mailbox: IdMailbox, name = 'mailbox') {
    this.#mailbox = mailbox
    this.name = name
  }

  async connect(): Promise<void> {
    await this.#ids('connect')
  }

  async checkpoint(name: string): Promise<void> {
    if (this.#snapshots.has(name)) throw new StateError(this.name, `checkpoint "${name}" already exists`)
    this.#snapshots.set(name, new Set(await this.#ids('checkpoint')))
    this.#order.push(name)
  }

  async rollback(name: string): Promise<void> {
    const kept = this.#snapshots.get(name)
    if (!kept) throw new StateError(this.name, `no checkpoint "${name}" to roll back to`)
    const newer = (await this.#ids('rollback')).filter((id) => !kept.has(id))
    try {
      await this.#mailbox.deleteIds(newer)
    } catch (err) {
      throw new StateError(this.name, `rollback could not delete ${newer.length} mail(s) at ${this.#mailbox.location}: ${errorMessage(err)}`, { cause: err })
    }
    for (const later of this.#order.splice(this.#order.indexOf(name) + 1)) this.#snapshots.delete(later)
  }

  async release(name: string): Promise<void> {
    this.#snapshots.delete(name)
    const i = this.#order.indexOf(name)
    if (i >= 0) this.#order.splice(i, 1)
  }

  async observe(): Promise<Record<string, unknown>> {
    return { messages: (await this.#ids('observe')).length }
  }

  async disconnect(): Promise<void> {
    this.#snapshots.clear()
    this.#order.length = 0
  }

  async #ids(during: string): Promise<string[]> {
    try {
      return await this.#mailbox.ids()
    } catch (err) {
      throw new StateError(this.name, `${during}: cannot list the mailbox at ${this.#mailbox.location}: ${errorMessage(err)}`, { cause: err })
    }
  }
}
