import { refuseRenamed } from '@venomqa/core'
import { HttpApi } from './http-api'
import { MailClientBase } from './mail-client'
import type { CaughtEmail } from './mime'
import { SmtpSender } from './smtp-sender'
import type { MailClientOptions } from './types'

/** MailHog and Mailpit both take SMTP on 1025 by default, on the host that serves the API. */
export function defaultSmtpUrl(apiUrl: string): string {
  const u = new URL(apiUrl)
  // URL keeps the brackets of an IPv6 hostname, so this is valid for [::1] too.
  return `smtp://${u.hostname}:1025`
}

/**
 * Parsed mails by id. Stored mails never change, so each is fetched and parsed once; the cache holds
 * the newest `limit` ids and forgets a failed parse so the next look tries again.
 */
export class ParsedCache {
  readonly #entries = new Map<string, Promise<CaughtEmail>>()
  constructor(readonly limit = 2000) {}

  get(id: string, load: () => Promise<CaughtEmail>): Promise<CaughtEmail> {
    let p = this.#entries.get(id)
    if (!p) {
      p = load()
      p.catch(() => this.#entries.delete(id))
      this.#entries.set(id, p)
      if (this.#entries.size > this.limit) this.#entries.delete(this.#entries.keys().next().value!)
    }
    // Hand out copies: a caller that edits its mail must not change what the next call returns.
    return p.then((m) => ({ ...m, to: [...m.to], cc: [...m.cc], bcc: [...m.bcc], headers: { ...m.headers }, attachments: [...m.attachments] }))
  }

  clear(): void {
    this.#entries.clear()
  }
}

/** Both APIs cap a page at 250 messages. */
const PAGE = 250

/** What MailHog and Mailpit clients share: the HTTP API, SMTP for `send`, paging and the parse cache. */
export abstract class RemoteMailClient extends MailClientBase {
  readonly location: string
  readonly api: HttpApi
  protected readonly maxMessages: number
  protected readonly cache = new ParsedCache()
  readonly #urlWhere?: string
  /** Whether the user named the SMTP address, or it is only the default guess (the API host, port 1025). */
  readonly #smtpGiven: boolean

  constructor(options: MailClientOptions) {
    const smtp = options.smtp ?? defaultSmtpUrl(options.url)
    refuseRenamed(options, { requestTimeout: 'requestTimeoutMs', pollInterval: 'pollIntervalMs', defaultTimeout: 'defaultTimeoutMs' }, 'mail client options')
    const sender = new SmtpSender(smtp, options.tls, options.requestTimeoutMs, options.smtpWhere)
    super({ sender, pollIntervalMs: options.pollIntervalMs, defaultTimeoutMs: options.defaultTimeoutMs })
    this.api = new HttpApi(options.url, { tls: options.tls, auth: options.auth, timeoutMs: options.requestTimeoutMs, urlWhere: options.urlWhere })
    this.location = this.api.baseUrl
    this.maxMessages = options.maxMessages ?? 1000
    this.#urlWhere = options.urlWhere
    this.#smtpGiven = options.smtp !== undefined
  }

  /**
   * With no `smtp` given, the SMTP address is a guess that holds only for a server on its default ports:
   * naming it as where the app should send sent a user of a catcher on other ports to check a port
   * nothing listens on.
   */
  protected override emptyBoxHint(): string {
    if (this.#smtpGiven) return super.emptyBoxHint()
    return `: is the app sending to the SMTP port of the server at ${this.location}? (\`smtp\` is not set, so which port is not known here; MailHog and Mailpit take SMTP on 1025 by default, \`venomqa mail-catcher\` on the port it printed)`
  }

  /** A health problem that the URL explains (a server that is no such mail API), with the option named first. */
  protected atUrl(problem: string): string {
    return this.#urlWhere === undefined ? problem : `${this.#urlWhere}: ${problem}`
  }

  /**
   * Every page of a listing, newest first, up to `cap` (default `maxMessages`, which bounds what `list`
   * reads). The ids a checkpoint and a rollback compare are read with no cap: a rollback that saw only the
   * newest `maxMessages` left the older of a path's mails behind.
   */
  protected async allPages<T>(page: (start: number, limit: number) => Promise<{ items: T[]; total: number }>, cap = this.maxMessages): Promise<T[]> {
    const out: T[] = []
    for (let start = 0; out.length < cap; ) {
      const { items, total } = await page(start, Math.min(PAGE, cap - out.length))
      out.push(...items)
      start += items.length
      if (items.length === 0 || start >= total) break
    }
    return out
  }
}
