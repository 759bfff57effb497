import type { CaughtEmail } from './mime'

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
