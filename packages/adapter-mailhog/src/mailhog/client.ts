import { type EmailFilter, errorMessage } from '@venomqa/core'
import type { MailboxGlance } from '../mail-client'
import { type CaughtEmail, bareAddress, decodeEncodedWords, emailFromParsed, parseMessage } from '../mime'
import { RemoteMailClient } from '../remote-common'
import {
  type MailHogMessage,
  type MailHogMessages,
  headerValue,
  mailhogRawText,
  pathToAddress,
} from './shapes'

/**
 * MailPort over MailHog's HTTP API: v2 to list and search (`GET /api/v2/messages`, `GET /api/v2/search`),
 * v1 to read one message and to delete (`GET|DELETE /api/v1/messages/{id}`, `DELETE /api/v1/messages`).
 * A v2 list carries each whole message, which is parsed (mailparser) into text, HTML, headers and
 * attachments; parsed mails are cached by id, since MailHog never changes a stored message.
 */
export class MailHogClient extends RemoteMailClient {
  readonly dialect = 'mailhog'

  /**
   * MailHog searches one field at a time; the narrowest address the filter gives is sent, the rest is
   * checked here. Never the subject: MailHog's `containing` search matches the raw message, where a
   * non-ASCII subject is RFC 2047-encoded (`=?UTF-8?Q?R=C3=A9initialisation...?=`), so it never found
   * one; a subject is matched on the decoded one (matchesFilter) instead.
   */
  protected async fetch(filter: EmailFilter): Promise<CaughtEmail[]> {
    const search =
      filter.to !== undefined && bareAddress(filter.to)
        ? { kind: 'to', query: bareAddress(filter.to) }
        : filter.from !== undefined && bareAddress(filter.from)
          ? { kind: 'from', query: bareAddress(filter.from) }
          : undefined
    const messages = await this.#pages(search)
    return Promise.all(messages.map((m) => this.#toEmail(m)))
  }

  #pages(search?: { kind: string; query: string }, cap?: number): Promise<MailHogMessage[]> {
    return this.allPages(async (start, limit) => {
      const page = search
        ? await this.api.getJson<MailHogMessages>('/api/v2/search', { kind: search.kind, query: search.query, start, limit })
        : await this.api.getJson<MailHogMessages>('/api/v2/messages', { start, limit })
      return { items: page.items ?? [], total: page.total }
    }, cap)
  }

  async #toEmail(m: MailHogMessage): Promise<CaughtEmail> {
    return this.cache.get(m.ID, async () =>
      emailFromParsed(m.ID, await parseMessage(mailhogRawText(m)), new Date(m.Created), {
        from: pathToAddress(m.From),
        to: (m.To ?? []).map(pathToAddress),
      }),
    )
  }

  /** One message by its MailHog id (`GET /api/v1/messages/{id}`); undefined when there is none. */
  async get(id: string): Promise<CaughtEmail | undefined> {
    const res = await this.api.call('GET', `/api/v1/messages/${encodeURIComponent(id)}`, { ok: [200, 404] })
    if (res.status === 404) return undefined
    // MailHog answers 200 with `null` for an unknown id.
    const m = res.json<MailHogMessage | null>()
    return m ? this.#toEmail(m) : undefined
  }

  async deleteAll(): Promise<void> {
    await this.api.call('DELETE', '/api/v1/messages')
    this.cache.clear()
  }

  /** Every stored id (for the rollback backend). */
  async ids(): Promise<string[]> {
    return (await this.#pages(undefined, Number.POSITIVE_INFINITY)).map((m) => m.ID)
  }

  async deleteIds(ids: string[]): Promise<void> {
    for (const id of ids) await this.api.call('DELETE', `/api/v1/messages/${encodeURIComponent(id)}`, { oneMessage: true })
  }

  protected async glance(): Promise<MailboxGlance> {
    const page = await this.api.getJson<MailHogMessages>('/api/v2/messages', { start: 0, limit: 3 })
    return {
      total: page.total,
      newest: (page.items ?? []).map((m) => ({
        subject: decodeEncodedWords(headerValue(m.Content?.Headers ?? {}, 'Subject') ?? ''),
        from: pathToAddress(m.From),
        to: (m.To ?? []).map(pathToAddress),
      })),
    }
  }

  async healthProblem(): Promise<string | undefined> {
    try {
      const page = await this.api.getJson<MailHogMessages>('/api/v2/messages', { limit: 1 })
      return typeof page?.total === 'number' ? undefined : this.atUrl(`${this.location} answered /api/v2/messages without a message count: is it MailHog?`)
    } catch (err) {
      return errorMessage(err)
    }
  }

  override async close(): Promise<void> {
    await super.close()
    await this.api.close()
  }
}
