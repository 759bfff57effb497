import { createHash } from 'node:crypto'
import type { Attachment } from 'mailparser'
import type {
  MailpitAddress,
  MailpitAppInformation,
  MailpitAttachment,
  MailpitMessage,
  MailpitMessageHeaders,
  MailpitMessageSummary,
  MailpitMessagesSummary,
} from '../mailpit/shapes'
import { addressesOf, canonicalHeaderKey, headerFields, splitHeaderAndBody } from '../mime'
import { startLimit } from './mailhog-api'
import type { MessageStore, StoredMessage } from './store'

export const CATCHER_VERSION = __VENOMQA_PKG_VERSION__

function addressList(list: { name: string; address: string }[]): MailpitAddress[] {
  return list.map((a) => ({ Name: a.name, Address: a.address }))
}

function stripAngles(v: string | undefined): string {
  return (v ?? '').trim().replace(/^<|>$/g, '')
}

function snippet(text: string): string {
  const flat = text.replace(/\s+/g, ' ').trim()
  return flat.length > 250 ? `${flat.slice(0, 250)}...` : flat
}

function isInline(a: Attachment): boolean {
  return a.related === true || (a.contentDisposition === 'inline' && !!a.cid)
}

function partIdOf(a: Attachment, index: number): string {
  return a.partId ?? String(index + 1)
}

function toAttachment(a: Attachment, index: number): MailpitAttachment {
  const hash = (algo: string) => createHash(algo).update(a.content).digest('hex')
  return {
    PartID: partIdOf(a, index),
    FileName: a.filename ?? '',
    ContentType: a.contentType,
    ContentID: a.cid ?? '',
    Size: a.content.length,
    Checksums: { MD5: hash('md5'), SHA1: hash('sha1'), SHA256: hash('sha256') },
  }
}

function from(m: StoredMessage): MailpitAddress | null {
  const a = addressesOf(m.parsed.from)[0]
  return a ? { Name: a.name, Address: a.address } : null
}

function bcc(m: StoredMessage): MailpitAddress[] {
  const named = addressesOf(m.parsed.bcc)
  const known = new Set(named.map((a) => a.address.toLowerCase()))
  return [...addressList(named), ...m.email.bcc.filter((a) => !known.has(a.toLowerCase())).map((a) => ({ Name: '', Address: a }))]
}

export function toSummary(m: StoredMessage): MailpitMessageSummary {
  return {
    ID: m.mailpitId,
    MessageID: stripAngles(m.parsed.messageId),
    Read: m.read,
    From: from(m),
    To: addressList(addressesOf(m.parsed.to)),
    Cc: addressList(addressesOf(m.parsed.cc)),
    Bcc: bcc(m),
    ReplyTo: addressList(addressesOf(m.parsed.replyTo)),
    Subject: m.parsed.subject ?? '',
    Created: m.receivedAt.toISOString(),
    Username: m.envelope.username,
    Tags: [],
    Size: m.raw.length,
    Attachments: m.parsed.attachments.filter((a) => !isInline(a)).length,
    Snippet: snippet(m.email.text),
  }
}

function rawHeader(m: StoredMessage, name: string): string {
  return mailpitHeaders(m)[canonicalHeaderKey(name)]?.[0] ?? ''
}

export function toMessage(m: StoredMessage): MailpitMessage {
  const unsubscribe = rawHeader(m, 'List-Unsubscribe')
  const indexed = m.parsed.attachments.map((a, i) => ({ a, i }))
  return {
    ID: m.mailpitId,
    MessageID: stripAngles(m.parsed.messageId),
    From: from(m),
    To: addressList(addressesOf(m.parsed.to)),
    Cc: addressList(addressesOf(m.parsed.cc)),
    Bcc: bcc(m),
    ReplyTo: addressList(addressesOf(m.parsed.replyTo)),
    ReturnPath: stripAngles(rawHeader(m, 'Return-Path') || m.envelope.from),
    Subject: m.parsed.subject ?? '',
    ListUnsubscribe: {
      Header: unsubscribe,
      Links: [...unsubscribe.matchAll(/<([^>]+)>/g)].map((x) => x[1]!),
      Errors: '',
      HeaderPost: rawHeader(m, 'List-Unsubscribe-Post'),
    },
    Date: (m.parsed.date ?? m.receivedAt).toISOString(),
    Tags: [],
    Username: m.envelope.username,
    Text: m.parsed.text ?? '',
    HTML: m.parsed.html ? m.parsed.html : '',
    Size: m.raw.length,
    Inline: indexed.filter(({ a }) => isInline(a)).map(({ a, i }) => toAttachment(a, i)),
    Attachments: indexed.filter(({ a }) => !isInline(a)).map(({ a, i }) => toAttachment(a, i)),
  }
}

/** As Go's net/mail reads them: canonical names, folded lines joined with a space, not decoded; keys sorted. */
export function mailpitHeaders(m: StoredMessage): MailpitMessageHeaders {
  const out: MailpitMessageHeaders = {}
  for (const [name, value] of headerFields(splitHeaderAndBody(m.raw.toString('utf8')).header, 'single-space'))
    (out[canonicalHeaderKey(name)] ??= []).push(value)
  return Object.fromEntries(Object.entries(out).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
}

export function findPart(m: StoredMessage, partId: string): Attachment | undefined {
  return m.parsed.attachments.find((a, i) => partIdOf(a, i) === partId)
}

function summaries(store: MessageStore, matched: StoredMessage[], params: URLSearchParams): MailpitMessagesSummary {
  const { start, limit } = startLimit(params)
  const messages = matched.slice(start, start + limit).map(toSummary)
  return {
    total: store.size,
    unread: store.unread,
    count: messages.length,
    messages_count: matched.length,
    start,
    tags: [],
    messages,
  }
}

export function mailpitList(store: MessageStore, params: URLSearchParams): MailpitMessagesSummary {
  return summaries(store, store.newestFirst(), params)
}

export function mailpitSearch(store: MessageStore, params: URLSearchParams): MailpitMessagesSummary {
  const terms = parseQuery(params.get('query') ?? '')
  return summaries(
    store,
    store.newestFirst().filter((m) => terms.every((t) => matchesTerm(m, t) !== t.negated)),
    params,
  )
}

export function matchingIds(store: MessageStore, query: string): string[] {
  const terms = parseQuery(query)
  return store
    .newestFirst()
    .filter((m) => terms.every((t) => matchesTerm(m, t) !== t.negated))
    .map((m) => m.mailpitId)
}

export function mailpitInfo(store: MessageStore): MailpitAppInformation {
  return {
    Version: `${CATCHER_VERSION} (venomqa mail catcher)`,
    LatestVersion: '',
    Database: 'memory',
    DatabaseSize: store.newestFirst().reduce((n, m) => n + m.raw.length, 0),
    Messages: store.size,
    Unread: store.unread,
    Tags: {},
    RuntimeStats: {
      Uptime: Math.round((Date.now() - store.startedAt) / 1000),
      Memory: process.memoryUsage().rss,
      MessagesDeleted: store.stats.deleted,
      SMTPAccepted: store.stats.accepted,
      SMTPAcceptedSize: store.stats.acceptedSize,
      SMTPRejected: store.stats.rejected,
      SMTPIgnored: 0,
    },
  }
}

// ---- search (https://mailpit.axllent.org/docs/usage/search-filters/) ---------------------------------

interface Term {
  negated: boolean
  field?: string
  value: string
}

const FIELDS = new Set(['to', 'from', 'cc', 'bcc', 'reply-to', 'addressed', 'subject', 'message-id', 'tag', 'is', 'has', 'before', 'after'])

/** `subject:"a b" !from:x@y word` -> terms; unknown `field:` prefixes are plain words. */
export function parseQuery(query: string): Term[] {
  const terms: Term[] = []
  const re = /([!-]?)(?:([A-Za-z-]+):)?(?:"([^"]*)"?|(\S+))/g
  for (const m of query.trim().matchAll(re)) {
    if (!m[0].trim()) continue
    let field: string | undefined = m[2]?.toLowerCase()
    let value = m[3] ?? m[4] ?? ''
    if (field && !FIELDS.has(field)) {
      value = `${m[2]}:${value}`
      field = undefined
    }
    terms.push({ negated: m[1] !== '', field, value: value.toLowerCase() })
  }
  return terms
}

function addressText(list: MailpitAddress[] | MailpitAddress | null): string {
  const arr = Array.isArray(list) ? list : list ? [list] : []
  return arr.map((a) => `${a.Name} <${a.Address}>`).join(', ').toLowerCase()
}

function matchesTerm(m: StoredMessage, t: Term): boolean {
  const s = toSummary(m)
  const has = (text: string) => text.toLowerCase().includes(t.value)
  switch (t.field) {
    case 'to':
      return has(addressText(s.To))
    case 'from':
      return has(addressText(s.From))
    case 'cc':
      return has(addressText(s.Cc))
    case 'bcc':
      return has(addressText(s.Bcc))
    case 'reply-to':
      return has(addressText(s.ReplyTo))
    case 'addressed':
      return [s.From, s.To, s.Cc, s.Bcc, s.ReplyTo].some((l) => has(addressText(l)))
    case 'subject':
      return has(s.Subject)
    case 'message-id':
      return has(s.MessageID)
    case 'tag':
      return false
    case 'is':
      return t.value === 'read' ? m.read : t.value === 'unread' ? !m.read : t.value !== 'tagged'
    case 'has':
      return t.value.startsWith('attachment') ? s.Attachments > 0 : true
    case 'before':
    case 'after': {
      const at = Date.parse(t.value.replace(/\//g, '-'))
      if (Number.isNaN(at)) return true // Mailpit ignores (and logs) a date it cannot read
      return t.field === 'before' ? m.receivedAt.getTime() < at : m.receivedAt.getTime() > at
    }
    default: {
      const text = [
        s.Subject,
        addressText(s.From),
        addressText(s.To),
        addressText(s.Cc),
        addressText(s.Bcc),
        addressText(s.ReplyTo),
        s.MessageID,
        m.email.text,
        ...m.email.attachments.map((a) => a.filename ?? ''),
      ].join(' ')
      return has(text)
    }
  }
}
