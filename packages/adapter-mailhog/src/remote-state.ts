import { CheckpointStack, type StateBackend, StateError, errorMessage } from '@venomqa/core'
import { urlPlaceOf } from './http-api'

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
  /** Its checkpoints (the ids present) are in this process's memory: it sets nothing up on the server. */
  readonly leftWhenQuit = false
  readonly #mailbox: IdMailbox
  /** The ids present at each checkpoint. */
  readonly #stack: CheckpointStack<Set<string>>

  constructor(mailbox: IdMailbox, name = 'mailbox') {
    this.#mailbox = mailbox
    this.name = name
    this.#stack = new CheckpointStack(name)
  }

  /** Names of the open checkpoints, oldest first. */
  get checkpoints(): string[] {
    return this.#stack.names
  }

  async connect(): Promise<void> {
    await this.#ids('connect')
  }

  async checkpoint(name: string): Promise<void> {
    await this.#stack.take(name, async () => new Set(await this.#ids('checkpoint')))
  }

  async rollback(name: string): Promise<void> {
    await this.#stack.rollback(name, (kept) => this.#deleteNewer(kept))
  }

  async release(name: string): Promise<void> {
    await this.#stack.release(name)
  }

  async observe(): Promise<Record<string, unknown>> {
    return { messages: (await this.#ids('observe')).length }
  }

  async disconnect(): Promise<void> {
    this.#stack.clear()
  }

  async #deleteNewer(kept: Set<string>): Promise<void> {
    const newer = (await this.#ids('rollback')).filter((id) => !kept.has(id))
    try {
      await this.#mailbox.deleteIds(newer)
    } catch (err) {
      throw new StateError(this.name, `rollback could not delete ${newer.length} mail(s) at ${this.#mailbox.location}: ${errorMessage(err)}`, { cause: err })
    }
  }

  async #ids(during: string): Promise<string[]> {
    try {
      return await this.#mailbox.ids()
    } catch (err) {
      throw new StateError(this.name, listFailure(during, this.#mailbox.location, err), { cause: err })
    }
  }
}

/**
 * Why the mailbox could not be listed. When the URL explains it (nothing listens there, no mail API at that
 * path), the option is named first, as a schema error names it: `plugins[0].url: connect: cannot list ...`.
 */
function listFailure(during: string, location: string, err: unknown): string {
  const place = urlPlaceOf(err)
  const said = errorMessage(err)
  const why = place !== undefined && said.startsWith(`${place}: `) ? said.slice(place.length + 2) : said
  return `${place !== undefined ? `${place}: ` : ''}${during}: cannot list the mailbox at ${location}: ${why}`
}
