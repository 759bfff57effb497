import type { EmailFilter } from '@venomqa/core'
import { MailClientBase, type MailboxGlance } from '../mail-client'
import type { CaughtEmail } from '../mime'
import { SmtpSender } from '../smtp-sender'
import type { MessageStore } from './store'

/** MailPort over the catcher's mailbox in the same process: no HTTP, and a waiting call wakes at each arrival. */
export class CatcherMailClient extends MailClientBase {
  readonly dialect = 'embedded'
  readonly location: string
  readonly #store: MessageStore
  readonly #isOpen: () => boolean
  /** The timings it was made with: a worker's client of the same port gets them too (see mailCatcherWorkers). */
  readonly settings: { pollIntervalMs?: number; defaultTimeoutMs?: number; requestTimeoutMs?: number }

  constructor(
    store: MessageStore,
    smtpUrl: string,
    /** `requestTimeoutMs` bounds each stage of a `send` (the mailbox is read in-process, without requests). */
    options: { pollIntervalMs?: number; defaultTimeoutMs?: number; requestTimeoutMs?: number; isOpen?: () => boolean } = {},
  ) {
    super({ sender: new SmtpSender(smtpUrl, undefined, options.requestTimeoutMs), pollIntervalMs: options.pollIntervalMs ?? 250, defaultTimeoutMs: options.defaultTimeoutMs })
    this.#store = store
    this.#isOpen = options.isOpen ?? (() => true)
    this.settings = { pollIntervalMs: options.pollIntervalMs, defaultTimeoutMs: options.defaultTimeoutMs, requestTimeoutMs: options.requestTimeoutMs }
    this.location = `the embedded mail catcher (SMTP ${smtpUrl})`
  }

  /** The mailbox this client reads. */
  get store(): MessageStore {
    return this.#store
  }

  protected override get lookedAt(): string {
    return this.location
  }

  protected async fetch(_filter: EmailFilter): Promise<CaughtEmail[]> {
    return this.#store.newestFirst().map((m) => copy(m.email))
  }

  async get(id: string): Promise<CaughtEmail | undefined> {
    const m = this.#store.find(id)
    return m ? copy(m.email) : undefined
  }

  async deleteAll(): Promise<void> {
    this.#store.clear()
  }

  /** True while the catcher's SMTP and HTTP servers listen. */
  async healthProblem(): Promise<string | undefined> {
    return this.#isOpen() ? undefined : 'the mail catcher is closed'
  }

  protected async glance(): Promise<MailboxGlance> {
    return { total: this.#store.size, newest: this.#store.newestFirst().slice(0, 3).map((m) => m.email) }
  }

  protected override waitForChange(ms: number, signal?: AbortSignal): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer)
        this.#store.off('message', done)
        signal?.removeEventListener('abort', done)
        resolve()
      }
      const timer = setTimeout(done, ms)
      this.#store.on('message', done)
      signal?.addEventListener('abort', done, { once: true })
    })
  }
}

function copy(m: CaughtEmail): CaughtEmail {
  return { ...m, to: [...m.to], cc: [...m.cc], bcc: [...m.bcc], headers: { ...m.headers }, attachments: [...m.attachments] }
}
