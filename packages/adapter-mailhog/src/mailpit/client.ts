import { type EmailAttachment, type EmailFilter, errorMessage } from '@venomqa/core'
import { matchesFilter } from '../filter'
import type { MailboxGlance } from '../mail-client'
import { type CaughtEmail, decodeEncodedWords } from '../mime'
import { RemoteMailClient } from '../remote-common'
import {
  type MailpitAppInformation,
  type MailpitAttachment,
  type MailpitMessage,
  type MailpitMessageHeaders,
  type MailpitMessageSummary,
  type MailpitMessagesSummary,
  mailpitQuery,
} from './shapes'

/**
 * MailPort over Mailpit's API v1. Lists and searches return summaries (`GET /api/v1/messages`,
 * `GET /api/v1/search?query=`); only the summaries that pass the filter are read in full
 * (`GET /api/v1/message/{ID}`, its `/headers` and each attachment's `/part/{PartID}`), once per id.
 * Reading a message marks it read in Mailpit, as opening it in the web UI does.
 */
export class MailpitClient extends RemoteMailClient {
  readonly dialect = 'mailpit'

  protected async fetch(filter: EmailFilter): Promise<CaughtEmail[]> {
    const summaries = await this.#summaries(mailpitQuery(filter))
    const wanted = summaries.filter((s) => matchesFilter(summaryAsEmail(s), filter))
    return Promise.all(wanted.map((s) => this.cache.get(s.ID, () => this.#read(s.ID, s.Created))))
  }

  /** Without a filter, Mailpit's own `latest` answers in one request. */
  override async getLatest(filter: EmailFilter = {}): Promise<CaughtEmail | undefined> {
    if (filter.to !== undefined || filter.from !== undefined || filter.subject !== undefined) return super.getLatest(filter)
    return this.get('latest')
  }

  #summaries(query: string, cap?: number): Promise<MailpitMessageSummary[]> {
    return this.allPages(async (start, limit) => {
      const page = query
        ? await this.api.getJson<MailpitMessagesSummary>('/api/v1/search', { query, start, limit })
        : await this.api.getJson<MailpitMessagesSummary>('/api/v1/messages', { start, limit })
      return { items: page.messages ?? [], total: page.messages_count }
    }, cap)
  }

  async #read(id: string, created?: string, fetched?: MailpitMessage): Promise<CaughtEmail> {
    const path = `/api/v1/message/${encodeURIComponent(id)}`
    const message = fetched ?? (await this.api.getJson<MailpitMessage>(path, undefined, { oneMessage: true }))
    const rawHeaders = await this.api.getJson<MailpitMessageHeaders>(`${path}/headers`, undefined, { oneMessage: true })
    const parts = [...(message.Attachments ?? []), ...(message.Inline ?? [])]
    const attachments: EmailAttachment[] = []
    for (const a of parts) attachments.push(await this.#attachment(message.ID, a))
    const headers: Record<string, string> = {}
    for (const [name, values] of Object.entries(rawHeaders ?? {}))
      headers[name.toLowerCase()] = values.map(decodeEncodedWords).join(', ')
    return {
      id: message.ID,
      from: message.From?.Address ?? '',
      to: addresses(message.To),
      cc: addresses(message.Cc),
      bcc: addresses(message.Bcc),
      subject: message.Subject ?? '',
      text: message.Text ?? '',
      html: message.HTML ? message.HTML : undefined,
      headers,
      attachments,
      receivedAt: new Date(created ?? message.Date).toISOString(),
    }
  }

  async #attachment(messageId: string, a: MailpitAttachment): Promise<EmailAttachment> {
    const res = await this.api.call(
      'GET',
      `/api/v1/message/${encodeURIComponent(messageId)}/part/${encodeURIComponent(a.PartID)}`,
      { oneMessage: true },
    )
    const content = new Uint8Array(res.bytes.buffer, res.bytes.byteOffset, res.bytes.length)
    return { filename: a.FileName || undefined, contentType: a.ContentType, size: content.length, content }
  }

  /** One message by its Mailpit id, or `latest`; undefined when there is none. */
  async get(id: string): Promise<CaughtEmail | undefined> {
    const res = await this.api.call('GET', `/api/v1/message/${encodeURIComponent(id)}`, { ok: [200, 404] })
    if (res.status === 404) return undefined
    const message = res.json<MailpitMessage>()
    return this.cache.get(message.ID, () => this.#read(message.ID, undefined, message))
  }

  async deleteAll(): Promise<void> {
    await this.api.call('DELETE', '/api/v1/messages')
    this.cache.clear()
  }

  async ids(): Promise<string[]> {
    return (await this.#summaries('', Number.POSITIVE_INFINITY)).map((s) => s.ID)
  }

  async deleteIds(ids: string[]): Promise<void> {
    if (ids.length > 0) await this.api.call('DELETE', '/api/v1/messages', { json: { IDs: ids } })
  }

  /** Mailpit's runtime information (`GET /api/v1/info`). */
  info(): Promise<MailpitAppInformation> {
    return this.api.getJson<MailpitAppInformation>('/api/v1/info')
  }

  protected async glance(): Promise<MailboxGlance> {
    const page = await this.api.getJson<MailpitMessagesSummary>('/api/v1/messages', { start: 0, limit: 3 })
    return { total: page.total, newest: (page.messages ?? []).map(summaryAsEmail) }
  }

  async healthProblem(): Promise<string | undefined> {
    try {
      const info = await this.info()
      return typeof info?.Messages === 'number' ? undefined : this.atUrl(`${this.location} answered /api/v1/info without a message count: is it Mailpit?`)
    } catch (err) {
      return errorMessage(err)
    }
  }

  override async close(): Promise<void> {
    await super.close()
    await this.api.close()
  }
}

function addresses(list: { Address: string }[] | null | undefined): string[] {
  return (list ?? []).map((a) => a.Address)
}

/** The filterable part of a summary, so that only matching mails are read in full. */
function summaryAsEmail(s: MailpitMessageSummary) {
  return { from: s.From?.Address ?? '', to: addresses(s.To), cc: addresses(s.Cc), bcc: addresses(s.Bcc), subject: s.Subject ?? '' }
}
