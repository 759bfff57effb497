/**
 * MailHog's JSON, as the MailHog server sends it (MailHog v1.0.1; github.com/mailhog/MailHog-Server
 * api/v1.go and api/v2.go, github.com/mailhog/data message.go). Go encodes struct fields under their
 * own names, so every key is capitalised except the list envelope `{total, count, start, items}`.
 *
 * Note: MailHog's published swagger (docs/APIv2/swagger-2.0.yaml) names the list `messages` and spells
 * the message fields in lower case; the server has never sent that. These shapes follow the server.
 */
import { headerFields, splitHeaderAndBody } from '../mime'

/** An SMTP forward-path or reverse-path: `relay1,relay2:mailbox@domain`. */
export interface MailHogPath {
  Relays: string[] | null
  Mailbox: string
  Domain: string
  Params: string
}

/** A message or a MIME part: its headers (each name to all its values), body as sent, size in bytes. */
export interface MailHogContent {
  Headers: Record<string, string[]>
  Body: string
  Size: number
  MIME: MailHogMIMEBody | null
}

export interface MailHogMIMEBody {
  Parts: MailHogContent[]
}

export interface MailHogSMTPMessage {
  From: string
  To: string[]
  Data: string
  Helo: string
}

export interface MailHogMessage {
  ID: string
  From: MailHogPath
  To: MailHogPath[]
  Content: MailHogContent
  /** RFC 3339. */
  Created: string
  /** The MIME parts of a multipart message, null otherwise. */
  MIME: MailHogMIMEBody | null
  Raw: MailHogSMTPMessage
}

/** GET /api/v2/messages and GET /api/v2/search. */
export interface MailHogMessages {
  total: number
  count: number
  start: number
  items: MailHogMessage[]
}

/** mailhog/data PathFromString. */
export function pathFromString(path: string): MailHogPath {
  let relays: string[] | null = null
  let email = path
  const colon = path.indexOf(':')
  if (colon >= 0) {
    relays = path.slice(0, colon).split(',')
    email = path.slice(colon + 1)
  }
  const at = email.indexOf('@')
  return {
    Relays: relays,
    Mailbox: at >= 0 ? email.slice(0, at) : email,
    Domain: at >= 0 ? email.slice(at + 1) : '',
    Params: '',
  }
}

export function pathToAddress(path: MailHogPath | null | undefined): string {
  if (!path) return ''
  return path.Domain ? `${path.Mailbox}@${path.Domain}` : path.Mailbox
}

/** mailhog/data ContentFromString: headers (folded lines joined, whitespace kept) and body. */
export function contentFromString(data: string): MailHogContent {
  const { header, body } = splitHeaderAndBody(data)
  const headers: Record<string, string[]> = {}
  // A part with no header block at all: MailHog keeps the whole text as body.
  const hasHeaders = /\r?\n\r?\n/.test(data)
  if (hasHeaders) for (const [name, value] of headerFields(header, 'keep-whitespace')) (headers[name] ??= []).push(value)
  return { Headers: headers, Body: hasHeaders ? body : data, Size: Buffer.byteLength(data), MIME: null }
}

export function headerValue(headers: Record<string, string[]>, name: string): string | undefined {
  const key = Object.keys(headers).find((k) => k.toLowerCase() === name.toLowerCase())
  return key ? headers[key]![0] : undefined
}

function boundaryOf(contentType: string): string | undefined {
  const m = /boundary\s*=\s*(?:"([^"]+)"|([^;\s]+))/i.exec(contentType)
  return m ? (m[1] ?? m[2]) : undefined
}

/** mailhog/data ParseMIMEBody: split a multipart body at its boundary, parts parsed recursively. */
export function parseMIMEBody(content: MailHogContent): MailHogMIMEBody {
  const boundary = boundaryOf(headerValue(content.Headers, 'Content-Type') ?? '')
  const parts: MailHogContent[] = []
  if (boundary) {
    const pieces = content.Body.split(`--${boundary}`).slice(1, -1)
    for (const piece of pieces) {
      if (!piece) continue
      const part = contentFromString(piece.replace(/^[\r\n]+|[\r\n]+$/g, ''))
      if (isMIME(part)) part.MIME = parseMIMEBody(part)
      parts.push(part)
    }
  }
  return { Parts: parts }
}

export function isMIME(content: MailHogContent): boolean {
  return (headerValue(content.Headers, 'Content-Type') ?? '').toLowerCase().startsWith('multipart/')
}

/** The message as RFC 5322 text again, from its parsed content (what MailHog's download endpoint sends). */
export function mailhogRawText(message: MailHogMessage): string {
  const headers = message.Content?.Headers ?? {}
  if (Object.keys(headers).length === 0) return message.Raw?.Data ?? message.Content?.Body ?? ''
  let out = ''
  for (const [name, values] of Object.entries(headers)) for (const v of values) out += `${name}: ${v}\r\n`
  return `${out}\r\n${message.Content.Body}`
}
