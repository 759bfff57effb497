import {
  type MailHogMessage,
  type MailHogMessages,
  contentFromString,
  isMIME,
  parseMIMEBody,
  pathFromString,
  pathToAddress,
} from '../mailhog/shapes'
import type { MessageStore, StoredMessage } from './store'

const rendered = new WeakMap<StoredMessage, MailHogMessage>()

/** Go's time.RFC1123Z, in UTC: `Mon, 02 Jan 2006 15:04:05 +0000`. */
function rfc1123z(d: Date): string {
  return d.toUTCString().replace('GMT', '+0000')
}

/** A stored message as MailHog's server renders it, with the headers MailHog adds on receipt. */
export function toMailHogMessage(m: StoredMessage, hostname: string): MailHogMessage {
  const cached = rendered.get(m)
  if (cached) return cached
  const data = m.raw.toString('utf8')
  const content = contentFromString(data)
  const mime = isMIME(content) ? parseMIMEBody(content) : null
  const keyOf = (name: string) => Object.keys(content.Headers).find((k) => k.toLowerCase() === name.toLowerCase())
  if (!keyOf('Message-ID')) content.Headers['Message-ID'] = [m.mailhogId]
  const received = `from ${m.envelope.helo} by ${hostname} (MailHog)\r\n          id ${m.mailhogId}; ${rfc1123z(m.receivedAt)}`
  const receivedKey = keyOf('Received')
  if (receivedKey) content.Headers[receivedKey]!.push(received)
  else content.Headers.Received = [received]
  const returnPathKey = keyOf('Return-Path')
  if (returnPathKey) content.Headers[returnPathKey]!.push(`<${m.envelope.from}>`)
  else content.Headers['Return-Path'] = [`<${m.envelope.from}>`]
  const message: MailHogMessage = {
    ID: m.mailhogId,
    From: pathFromString(m.envelope.from),
    To: m.envelope.to.map(pathFromString),
    Content: content,
    Created: m.receivedAt.toISOString(),
    MIME: mime,
    Raw: { From: m.envelope.from, To: [...m.envelope.to], Data: data, Helo: m.envelope.helo },
  }
  rendered.set(m, message)
  return message
}

/** MailHog's getStartLimit: start >= 0, limit 1..250, default 50. */
export function startLimit(params: URLSearchParams): { start: number; limit: number } {
  const s = Number.parseInt(params.get('start') ?? '', 10)
  const l = Number.parseInt(params.get('limit') ?? '', 10)
  return { start: Number.isNaN(s) ? 0 : Math.max(s, 0), limit: l > 0 ? Math.min(l, 250) : 50 }
}

export function mailhogList(store: MessageStore, params: URLSearchParams): MailHogMessages {
  const { start, limit } = startLimit(params)
  const all = store.newestFirst()
  const items = all.slice(start, start + limit).map((m) => toMailHogMessage(m, store.hostname))
  return { total: all.length, count: items.length, start, items }
}

/**
 * MailHog's in-memory Search: `to` and `from` look in the envelope path and the header, `containing`
 * in the body and every header value; all case-insensitive substrings. `total` counts the matches.
 */
export function mailhogSearch(store: MessageStore, params: URLSearchParams): MailHogMessages | undefined {
  const kind = params.get('kind') ?? ''
  const query = (params.get('query') ?? '').toLowerCase()
  if (!['to', 'from', 'containing'].includes(kind) || query === '') return undefined
  const { start, limit } = startLimit(params)
  const contains = (v: string | undefined) => (v ?? '').toLowerCase().includes(query)
  const header = (msg: MailHogMessage, name: string) => msg.Content.Headers[name] ?? []
  const matched = store.newestFirst().filter((m) => {
    const msg = toMailHogMessage(m, store.hostname)
    if (kind === 'to') return msg.To.some((p) => contains(pathToAddress(p))) || header(msg, 'To').some(contains)
    if (kind === 'from') return contains(pathToAddress(msg.From)) || header(msg, 'From').some(contains)
    return contains(msg.Content.Body) || Object.values(msg.Content.Headers).some((vs) => vs.some(contains))
  })
  const items = matched.slice(start, start + limit).map((m) => toMailHogMessage(m, store.hostname))
  return { total: matched.length, count: items.length, start, items }
}
