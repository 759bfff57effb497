import { randomBytes } from 'node:crypto'
import { EventEmitter } from 'node:events'
import type { ParsedMail } from 'mailparser'
import { type CaughtEmail, emailFromParsed, parseMessage } from '../mime'

export interface Envelope {
  /** MAIL FROM. */
  from: string
  /** RCPT TO, in order. */
  to: string[]
  /** What the client said in HELO/EHLO. */
  helo: string
  /** The SMTP AUTH user, '' without AUTH. */
  username: string
}

/** One received message. Everything but `read` is fixed at arrival. */
export interface StoredMessage {
  readonly seq: number
  /** The id Mailpit's API uses (22 characters, base62). */
  readonly mailpitId: string
  /** The id MailHog's API uses (`<base64url>@<hostname>`). */
  readonly mailhogId: string
  readonly raw: Buffer
  readonly envelope: Envelope
  readonly parsed: ParsedMail
  readonly email: CaughtEmail
  readonly receivedAt: Date
  /** Mailpit's read flag: set when the message is fetched through GET /api/v1/message/{ID}. */
  read: boolean
}

/** What a checkpoint keeps: the messages present then, and their read flags. */
export interface MailboxSnapshot {
  readonly messages: readonly StoredMessage[]
  readonly read: readonly boolean[]
}

const BASE62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz'

function mailpitId(): string {
  let out = ''
  for (const b of randomBytes(22)) out += BASE62[b % 62]
  return out
}

function mailhogId(hostname: string): string {
  // Go's base64.URLEncoding keeps the padding.
  return `${randomBytes(32).toString('base64').replace(/\+/g, '-').replace(/\//g, '_')}@${hostname}`
}

/**
 * The catcher's mailbox: messages in arrival order, counters for Mailpit's /api/v1/info, and an
 * event (`message`) per arrival so that waiting clients wake at once.
 */
export class MessageStore extends EventEmitter {
  readonly hostname: string
  readonly startedAt = Date.now()
  readonly stats = { accepted: 0, acceptedSize: 0, rejected: 0, deleted: 0 }
  #messages: StoredMessage[] = []
  #seq = 0

  constructor(hostname = 'mailhog.example') {
    super()
    this.hostname = hostname
  }

  async add(raw: Buffer, envelope: Envelope): Promise<StoredMessage> {
    const parsed = await parseMessage(raw)
    const receivedAt = new Date()
    const id = mailpitId()
    const message: StoredMessage = {
      seq: ++this.#seq,
      mailpitId: id,
      mailhogId: mailhogId(this.hostname),
      raw,
      envelope,
      parsed,
      email: emailFromParsed(id, parsed, receivedAt, { from: envelope.from, to: envelope.to }),
      receivedAt,
      read: false,
    }
    this.#messages.push(message)
    this.stats.accepted++
    this.stats.acceptedSize += raw.length
    this.emit('message', message)
    return message
  }

  /** Newest first, as both APIs list. */
  newestFirst(): StoredMessage[] {
    return [...this.#messages].reverse()
  }

  get size(): number {
    return this.#messages.length
  }

  get unread(): number {
    return this.#messages.filter((m) => !m.read).length
  }

  /** By either id form. */
  find(id: string): StoredMessage | undefined {
    return this.#messages.find((m) => m.mailpitId === id || m.mailhogId === id)
  }

  latest(): StoredMessage | undefined {
    return this.#messages[this.#messages.length - 1]
  }

  delete(ids: Iterable<string>): number {
    const gone = new Set(ids)
    const before = this.#messages.length
    this.#messages = this.#messages.filter((m) => !gone.has(m.mailpitId) && !gone.has(m.mailhogId))
    const n = before - this.#messages.length
    this.stats.deleted += n
    return n
  }

  clear(): void {
    this.stats.deleted += this.#messages.length
    this.#messages = []
  }

  snapshot(): MailboxSnapshot {
    return { messages: [...this.#messages], read: this.#messages.map((m) => m.read) }
  }

  /**
   * Hold copies of another mailbox's messages at `snapshot` (same ids, read flags of their own): a worker's
   * catcher made equal to the main one's at a checkpoint.
   */
  copyFrom(snapshot: MailboxSnapshot): void {
    this.#messages = snapshot.messages.map((m, i) => ({ ...m, read: snapshot.read[i]! }))
    // New arrivals number on from the copied ones.
    for (const m of this.#messages) this.#seq = Math.max(this.#seq, m.seq)
  }

  /** Back to the snapshot: later arrivals go, messages deleted since come back, read flags as they were. */
  restore(snapshot: MailboxSnapshot): void {
    this.#messages = [...snapshot.messages]
    snapshot.messages.forEach((m, i) => {
      m.read = snapshot.read[i]!
    })
  }
}
