import type { EmailFilter, MailPort, OutgoingEmail } from '@venomqa/core'
import { AbortedError, TimeoutError, TransportError, VenomError, errorMessage, raceDeadline, redactWholeUrl, refuseRenamed } from '@venomqa/core'
import { MailApiError, leadsNowhere } from './http-api'
import { describeFilter, describeMail, matchesFilter, pickFilter } from './filter'
import type { CaughtEmail } from './mime'
import type { SmtpSender } from './smtp-sender'

export interface WaitOptions extends EmailFilter {
  /** ms; default the client's `defaultTimeoutMs` (10 000). */
  timeoutMs?: number
  /** Stop waiting when aborted: pass the action's `signal`. */
  signal?: AbortSignal
  /** ms between looks; default the client's `pollIntervalMs` (100). */
  pollIntervalMs?: number
}

/** What the timeout message says about the mailbox. */
export interface MailboxGlance {
  total: number
  newest: { subject: string; from: string; to: string[] }[]
}

/**
 * What to do about a mail that never came. The issue's own: E_TIMEOUT's advice (the API's latency, the
 * step timeout) is about a step cut short, and this wait ended by itself with the step on time.
 */
const MAIL_WAIT_SUGGESTION =
  "No mail matching the filter arrived: check that the app sent it at all (its logs, its SMTP settings) and that it went to the address and with the subject the filter names; the error says what the box held. If the app is just slow to send, raise waitForEmail's `timeoutMs` (or the plugin's `defaultTimeoutMs`)."

/**
 * What to do when no look of the wait reached the mail API (nothing listens at its address): whether the app
 * sent the mail is unknown, so the advice above would send the user after the wrong thing.
 */
const MAIL_API_UNREACHED_SUGGESTION =
  "No look at the mailbox reached the mail server's API, so nothing tells whether the app sent the mail: start the mail server (MailHog, Mailpit, or `npx venomqa mail-catcher`), or correct its address in the plugin's options (plugins[N].url, which the error names); `venomqa doctor` checks it."

/** waitForEmail gave up: the message names the filter, the wait and what the mailbox held. */
export class MailWaitTimeoutError extends TimeoutError {
  readonly filter: EmailFilter
  readonly mailboxTotal?: number
  /** For the issue: about the mail, which the step timeout's generic advice is not (see suggestionForError). */
  readonly suggestion: string
  /** `apiUnreached`: no look of the wait got an answer from the mail API. */
  constructor(filter: EmailFilter, timeoutMs: number, detail: string, mailboxTotal?: number, apiUnreached = false) {
    super(`waitForEmail(${describeFilter(filter)})`, timeoutMs)
    this.message = `waitForEmail: no mail matching ${describeFilter(filter)} arrived within ${timeoutMs} ms. ${detail}`
    this.filter = filter
    this.mailboxTotal = mailboxTotal
    this.suggestion = apiUnreached ? MAIL_API_UNREACHED_SUGGESTION : MAIL_WAIT_SUGGESTION
  }
}

/**
 * The MailPort behaviour every backend shares: exact filtering, newest-first order, waiting, sending.
 * A backend supplies `fetch` (the mails a filter may match, newest first; it may return more, never
 * fewer), `deleteAll`, `glance` and `healthCheck`.
 */
export abstract class MailClientBase implements MailPort {
  /** Which API the client speaks, for messages: 'mailhog', 'mailpit', 'embedded'. */
  abstract readonly dialect: string
  /** Where the client reads mail, for messages. */
  abstract readonly location: string
  protected readonly pollIntervalMs: number
  protected readonly defaultTimeoutMs: number
  protected readonly sender?: SmtpSender
  /** Called before each look at the box (list, getLatest, each poll of waitForEmail): the plugin's watch on paths that share it. */
  onLook: (() => void) | undefined

  constructor(options: { sender?: SmtpSender; pollIntervalMs?: number; defaultTimeoutMs?: number }) {
    refuseRenamed(options, { pollInterval: 'pollIntervalMs', defaultTimeout: 'defaultTimeoutMs' }, 'mail client options')
    this.sender = options.sender
    this.pollIntervalMs = options.pollIntervalMs ?? 100
    this.defaultTimeoutMs = options.defaultTimeoutMs ?? 10_000
  }

  protected abstract fetch(filter: EmailFilter): Promise<CaughtEmail[]>
  protected abstract glance(): Promise<MailboxGlance>
  abstract deleteAll(): Promise<void>
  /** Why the mail server is not usable (it does not answer, or is no mail API of this kind); undefined when it is. */
  abstract healthProblem(): Promise<string | undefined>

  /** True when the mail server answers as one of its kind (see healthProblem, which says why not). */
  async healthCheck(): Promise<boolean> {
    return (await this.healthProblem()) === undefined
  }

  /** Mails that match, newest first. */
  async list(filter: EmailFilter = {}): Promise<CaughtEmail[]> {
    const f = pickFilter(filter)
    this.onLook?.()
    return (await this.fetch(f)).filter((m) => matchesFilter(m, f))
  }

  async getLatest(filter: EmailFilter = {}): Promise<CaughtEmail | undefined> {
    return (await this.list(filter))[0]
  }

  /**
   * The newest mail that matches, as soon as there is one. A matching mail already in the box counts:
   * clear the box (deleteAll) or roll back to a checkpoint first when an older one could match.
   */
  async waitForEmail(options: WaitOptions): Promise<CaughtEmail> {
    refuseRenamed(options, { timeout: 'timeoutMs', pollInterval: 'pollIntervalMs' }, 'mail.waitForEmail()')
    const filter = pickFilter(options)
    const timeout = options.timeoutMs ?? this.defaultTimeoutMs
    const interval = options.pollIntervalMs ?? this.pollIntervalMs
    const deadline = Date.now() + timeout
    let polls = 0
    let lastError: unknown
    let answered = false
    for (;;) {
      if (options.signal?.aborted) throw new AbortedError(`waitForEmail(${describeFilter(filter)}) was aborted`)
      polls++
      try {
        const found = await this.#lookWithin(filter, Math.max(1, deadline - Date.now()), options.signal)
        if (found) return found
        lastError = undefined
        answered = true
      } catch (err) {
        if (err instanceof AbortedError || isPermanent(err)) throw err
        // A look the wait's end cut short, after the box had answered: the wait is over, not failed.
        if (!(err instanceof LookCut) || !answered) lastError = err
      }
      const left = deadline - Date.now()
      if (left <= 0) break
      await this.waitForChange(Math.min(interval, left), options.signal)
    }
    throw await this.timeoutError(filter, timeout, polls, lastError, answered)
  }

  /**
   * One look at the box, given up when the wait's time is over or its signal aborts. A look is a request
   * with the client's own timeout (10 s by default): waited for whole, a server that never answered held
   * a wait of 1 s for 10, and an aborted step until then. A look given up on is left to end by itself.
   */
  #lookWithin(filter: EmailFilter, ms: number, signal: AbortSignal | undefined): Promise<CaughtEmail | undefined> {
    return raceDeadline(this.getLatest(filter), ms, () => new LookCut(ms), { signal, aborted: () => new AbortedError(`waitForEmail(${describeFilter(filter)}) was aborted`) })
  }

  async send(mail: OutgoingEmail): Promise<void> {
    if (!this.sender)
      throw new VenomError('E_MAIL_SEND', `this ${this.dialect} client has no SMTP address to send through: give it \`smtp\``)
    await this.sender.send(mail)
  }

  /** Release sockets (HTTP pool, SMTP transport). The client is unusable afterwards. */
  async close(): Promise<void> {
    this.sender?.close()
  }

  /** Where the timeout message says the client looked. */
  protected get lookedAt(): string {
    return `${this.location} (${this.dialect} API)`
  }

  /** What the timeout message asks about an empty mailbox: where the app should be sending. */
  protected emptyBoxHint(): string {
    // The SMTP URL may carry the app's password (smtp://user:pass@host): masked, as every message does.
    return this.sender ? `: is the app sending to ${redactWholeUrl(this.sender.smtpUrl)}?` : '.'
  }

  /** Resolve after `ms`, sooner if the backend knows a mail arrived, or when `signal` aborts. */
  protected waitForChange(ms: number, signal?: AbortSignal): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer)
        signal?.removeEventListener('abort', done)
        resolve()
      }
      const timer = setTimeout(done, ms)
      signal?.addEventListener('abort', done, { once: true })
    })
  }

  private async timeoutError(filter: EmailFilter, timeout: number, polls: number, lastError: unknown, answered: boolean): Promise<Error> {
    const where = `Looked ${polls} time${polls === 1 ? '' : 's'} at ${this.lookedAt}.`
    if (lastError !== undefined)
      return new MailWaitTimeoutError(filter, timeout, `${where} The last look failed: ${errorMessage(lastError)}`, undefined, !answered)
    let box: string
    let total: number | undefined
    try {
      const g = await this.glance()
      total = g.total
      if (g.total === 0) {
        box = `The mailbox is empty${this.emptyBoxHint()}`
      } else {
        const shown = g.newest.map(describeMail).join('; ')
        box = `The mailbox holds ${g.total} mail${g.total === 1 ? '' : 's'}, none matching; newest: ${shown}${g.total > g.newest.length ? '; ...' : ''}.`
      }
    } catch (err) {
      box = `The mailbox could not be read: ${errorMessage(err)}`
    }
    return new MailWaitTimeoutError(filter, timeout, `${where} ${box}`, total)
  }
}

/** A look at the box given up at the wait's end (see #lookWithin). */
class LookCut extends Error {
  constructor(ms: number) {
    super(`no answer within ${ms} ms`)
  }
}

/**
 * Errors that waiting longer cannot cure: a refused login, a wrong API path, a bad certificate, no such host,
 * nothing listening. A refused connection ends the wait at its first look: the app's SMTP goes to the same
 * server, so no mail can arrive while nothing listens, and a catcher started again later has lost what it
 * held (MailHog, Mailpit and the built-in catcher keep mail only while they run, by default). Waiting out the timeout
 * only delayed the answer that the server is not there.
 */
function isPermanent(err: unknown): boolean {
  if (err instanceof MailApiError) return err.status >= 400 && err.status < 500 && err.status !== 429
  if (err instanceof TransportError) return err.kind === 'tls' || leadsNowhere(err.kind)
  return false
}
