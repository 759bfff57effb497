import { type Email, type EmailFilter, type MailPort, type OutgoingEmail, type TimePort, UserError, refuseRenamed, refuseUnknownEmailFields } from '@venomqa/core'

/** What `deliver` accepts: an email with only the fields a test cares about. */
export type IncomingEmail = Partial<Omit<Email, 'to' | 'cc'>> & {
  from: string
  to: string | string[]
  cc?: string | string[]
  subject: string
}

export interface MemoryMailOptions {
  /** Stamps `receivedAt`. Default: the real clock. */
  clock?: Pick<TimePort, 'now'>
  /** Default timeout of `waitForEmail`, ms. Default 10 000. */
  waitTimeoutMs?: number
}

/**
 * The mail port as an in-memory mailbox. Code under test (or the test itself) puts mail in with `deliver`;
 * `send` delivers into the same mailbox, like sending through a mail catcher, and is also kept in `sent()`.
 */
export class MemoryMail implements MailPort {
  #inbox: Email[] = []
  readonly #sent: Email[] = []
  readonly #waiters = new Set<() => void>()
  readonly #clock?: Pick<TimePort, 'now'>
  readonly #waitTimeout: number
  #nextId = 1
  /** Ids are `<prefix><n>`; a worker's twin has its own prefix, so its ids never repeat those it copies. */
  #idPrefix = 'mail-'

  constructor(options: MemoryMailOptions = {}) {
    this.#clock = options.clock
    refuseRenamed(options, { waitTimeout: 'waitTimeoutMs' }, 'MemoryMail()')
    this.#waitTimeout = options.waitTimeoutMs ?? 10_000
  }

  /** Put a message in the mailbox (as a mail catcher receiving it) and wake anyone waiting for it. */
  deliver(mail: IncomingEmail): Email {
    const email = this.#normalise(mail)
    this.#inbox.push(email)
    for (const wake of [...this.#waiters]) wake()
    return email
  }

  async list(filter: EmailFilter = {}): Promise<Email[]> {
    return this.#inbox.filter((m) => matches(m, filter)).map(copy)
  }

  async getLatest(filter: EmailFilter = {}): Promise<Email | undefined> {
    for (let i = this.#inbox.length - 1; i >= 0; i--) if (matches(this.#inbox[i], filter)) return copy(this.#inbox[i])
    return undefined
  }

  /** The first matching message, waiting for it to arrive; rejects at the timeout, saying what was there. */
  waitForEmail(filter: EmailFilter & { timeoutMs?: number }): Promise<Email> {
    refuseRenamed(filter, { timeout: 'timeoutMs' }, 'mail.waitForEmail()')
    const { timeoutMs: timeout = this.#waitTimeout, ...criteria } = filter ?? {}
    const found = () => this.#inbox.find((m) => matches(m, criteria))
    const now = found()
    if (now) return Promise.resolve(copy(now))
    return new Promise((resolve, reject) => {
      const wake = () => {
        const hit = found()
        if (!hit) return
        done()
        resolve(copy(hit))
      }
      const timer = setTimeout(() => {
        done()
        reject(
          new UserError(
            'E_MAIL_TIMEOUT',
            `no email matching ${describeFilter(criteria)} arrived within ${timeout} ms (${this.#inbox.length} in the mailbox${
              this.#inbox.length ? `; latest: "${this.#inbox[this.#inbox.length - 1].subject}" to ${this.#inbox[this.#inbox.length - 1].to.join(', ')}` : ''
            })`,
          ),
        )
      }, timeout)
      const done = () => {
        clearTimeout(timer)
        this.#waiters.delete(wake)
      }
      this.#waiters.add(wake)
    })
  }

  async deleteAll(): Promise<void> {
    this.#inbox = []
  }

  async send(mail: OutgoingEmail): Promise<void> {
    if (!mail || typeof mail.from !== 'string' || !mail.from) throw new UserError('E_MAIL', 'mail.send: "from" is required')
    refuseUnknownEmailFields(mail)
    const to = Array.isArray(mail.to) ? mail.to : [mail.to]
    if (to.length === 0 || to.some((t) => typeof t !== 'string' || !t)) throw new UserError('E_MAIL', 'mail.send: "to" needs at least one address')
    if (typeof mail.subject !== 'string') throw new UserError('E_MAIL', 'mail.send: "subject" is required')
    const email = this.deliver({
      from: mail.from,
      to,
      ...(mail.cc !== undefined ? { cc: mail.cc } : {}),
      ...(mail.bcc !== undefined ? { bcc: Array.isArray(mail.bcc) ? [...mail.bcc] : [mail.bcc] } : {}),
      subject: mail.subject,
      text: mail.text ?? '',
      html: mail.html,
      attachments: (mail.attachments ?? []).map((a) => {
        const content = typeof a.content === 'string' ? new TextEncoder().encode(a.content) : a.content
        return { filename: a.filename, contentType: a.contentType ?? 'application/octet-stream', size: content.byteLength, content }
      }),
    })
    this.#sent.push(email)
  }

  /** Messages sent through `send`, oldest first. */
  sent(): Email[] {
    return this.#sent.map(copy)
  }

  async healthCheck(): Promise<boolean> {
    return true
  }

  /**
   * A new, empty mailbox with this one's settings, for a worker of parallel paths: on the clock
   * `clockFor` gives for this one's, and with ids of its own (`mail-<tag>-<n>`).
   */
  twin(options: { tag: string; clockFor?: (clock: Pick<TimePort, 'now'> | undefined) => Pick<TimePort, 'now'> | undefined }): MemoryMail {
    const twin = new MemoryMail({ clock: options.clockFor ? options.clockFor(this.#clock) : this.#clock, waitTimeoutMs: this.#waitTimeout })
    twin.#idPrefix = `mail-${options.tag}-`
    return twin
  }

  /** The mailbox as it is now, for a state backend to put back. */
  snapshot(): Email[] {
    return [...this.#inbox]
  }

  restore(snapshot: Email[]): void {
    this.#inbox = [...snapshot]
  }

  #normalise(mail: IncomingEmail): Email {
    if (!mail || typeof mail.subject !== 'string') throw new UserError('E_MAIL', 'mail.deliver: "subject" is required')
    const list = (v: string | string[] | undefined) => (v === undefined ? [] : Array.isArray(v) ? [...v] : [v])
    const to = list(mail.to)
    if (to.length === 0) throw new UserError('E_MAIL', `mail.deliver("${mail.subject}"): "to" needs at least one address`)
    return {
      id: mail.id ?? `${this.#idPrefix}${this.#nextId++}`,
      from: mail.from,
      to,
      cc: list(mail.cc),
      // The envelope's: known here, as the embedded catcher knows it.
      ...(mail.bcc?.length ? { bcc: [...mail.bcc] } : {}),
      subject: mail.subject,
      text: mail.text ?? '',
      html: mail.html,
      headers: { ...(mail.headers ?? {}) },
      attachments: [...(mail.attachments ?? [])],
      receivedAt: mail.receivedAt ?? (this.#clock ? this.#clock.now() : new Date()).toISOString(),
    }
  }
}

/** An address filter matches the bare address inside `Name <addr>`, case-insensitively, in To or Cc. */
function matches(mail: Email, filter: EmailFilter): boolean {
  if (filter.to && ![...mail.to, ...mail.cc, ...(mail.bcc ?? [])].some((a) => sameAddress(a, filter.to!))) return false
  if (filter.from && !sameAddress(mail.from, filter.from)) return false
  if (filter.subject !== undefined) {
    if (filter.subject instanceof RegExp) {
      filter.subject.lastIndex = 0
      if (!filter.subject.test(mail.subject)) return false
    } else if (!mail.subject.includes(filter.subject)) return false
  }
  return true
}

function sameAddress(candidate: string, wanted: string): boolean {
  return bareAddress(candidate) === bareAddress(wanted)
}

function bareAddress(a: string): string {
  const m = /<([^>]+)>/.exec(a)
  return (m ? m[1] : a).trim().toLowerCase()
}

function describeFilter(f: EmailFilter): string {
  const parts = Object.entries(f)
    .filter(([, v]) => v !== undefined)
    .map(([k, v]) => `${k}=${v instanceof RegExp ? String(v) : JSON.stringify(v)}`)
  return parts.length ? parts.join(' ') : 'any filter'
}

function copy(m: Email): Email {
  return { ...m, to: [...m.to], cc: [...m.cc], headers: { ...m.headers }, attachments: m.attachments.map((a) => ({ ...a })) }
}
