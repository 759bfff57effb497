import type { Email, EmailAttachment } from '@venomqa/core'
import type { AddressObject, HeaderValue, ParsedMail } from 'mailparser'
import { lazyRequire } from './lazy-require'

// libmime ships ES and CommonJS builds: required, it is the instance mailparser uses (its functions keep no state).
const libmime = lazyRequire<(typeof import('libmime'))['default']>('libmime')
const mailparser = lazyRequire<typeof import('mailparser')>('mailparser')

/**
 * What the clients return: the core `Email`, plus the SMTP envelope recipients that appear in no header
 * (Bcc), so that a `to` filter finds a mail whose recipient was only blind-copied.
 */
export interface CaughtEmail extends Email {
  bcc: string[]
}

/** Split a raw message at the first empty line. Accepts CRLF and bare LF line ends. */
export function splitHeaderAndBody(raw: string): { header: string; body: string } {
  const m = /\r?\n\r?\n/.exec(raw)
  if (!m) return { header: raw, body: '' }
  return { header: raw.slice(0, m.index), body: raw.slice(m.index + m[0].length) }
}

/**
 * Header lines in order, as `[name, value]`, continuation lines joined. `join` is what replaces the line
 * break of a folded header: MailHog keeps the folding whitespace, Go's net/mail (Mailpit) a single space.
 */
export function headerFields(header: string, join: 'keep-whitespace' | 'single-space'): [string, string][] {
  const unfolded =
    join === 'keep-whitespace' ? header.replace(/\r?\n(?=[ \t])/g, '') : header.replace(/\r?\n[ \t]+/g, ' ')
  const out: [string, string][] = []
  for (const line of unfolded.split(/\r?\n/)) {
    const colon = line.indexOf(':')
    if (colon <= 0) continue
    const name = line.slice(0, colon).trim()
    let value = line.slice(colon + 1)
    value = join === 'keep-whitespace' ? value.replace(/^ /, '') : value.trim()
    out.push([name, value])
  }
  return out
}

/** Go's textproto.CanonicalMIMEHeaderKey: `message-id` -> `Message-Id`. */
export function canonicalHeaderKey(name: string): string {
  return name
    .toLowerCase()
    .split('-')
    .map((w) => (w ? w[0]!.toUpperCase() + w.slice(1) : w))
    .join('-')
}

/**
 * Decode RFC 2047 encoded words (`=?UTF-8?B?...?=`), as found in raw Subject or From headers. libmime joins
 * the bytes of adjacent words of one charset before decoding them, so a character that a mailer split across
 * two words (an emoji's four UTF-8 bytes, say) comes out whole; the whitespace between them is dropped, as
 * RFC 2047 section 6.2 says. Text outside encoded words is kept as it is.
 */
export function decodeEncodedWords(value: string): string {
  return libmime().decodeWords(value)
}

/** The bare address of `Name <addr>` or `addr`, lower-cased for comparison. */
export function bareAddress(value: string): string {
  const m = /<([^>]*)>/.exec(value)
  return (m ? m[1]! : value).trim().toLowerCase()
}

export function addressesOf(obj: AddressObject | AddressObject[] | undefined): { name: string; address: string }[] {
  if (!obj) return []
  const out: { name: string; address: string }[] = []
  const visit = (list: AddressObject['value']) => {
    for (const a of list) {
      if (a.group) visit(a.group)
      else if (a.address) out.push({ name: a.name ?? '', address: a.address })
    }
  }
  for (const o of Array.isArray(obj) ? obj : [obj]) visit(o.value)
  return out
}

function isAddressObject(v: unknown): v is AddressObject {
  return typeof v === 'object' && v !== null && Array.isArray((v as AddressObject).value) && 'text' in v
}

/** The raw text of a header as it appears in the message, unfolded; '' when absent. */
function rawHeaderLine(parsed: ParsedMail, key: string): string {
  const lines = parsed.headerLines.filter((h) => h.key === key)
  return lines
    .map((h) => h.line.replace(/\r?\n[ \t]+/g, ' ').replace(/^[^:]*:\s*/, ''))
    .join(', ')
}

/**
 * Headers as a flat record with lower-case names. Text headers come decoded (mailparser decodes encoded
 * words); address headers as their display text; structured ones (Content-Type, Date) as written.
 */
export function headersOf(parsed: ParsedMail): Record<string, string> {
  const out: Record<string, string> = {}
  for (const [key, value] of parsed.headers as Map<string, HeaderValue>) {
    if (typeof value === 'string') out[key] = value
    else if (Array.isArray(value) && value.every((v) => typeof v === 'string')) out[key] = (value as string[]).join(', ')
    else if (isAddressObject(value)) out[key] = value.text
    else if (Array.isArray(value) && value.every(isAddressObject)) out[key] = (value as AddressObject[]).map((v) => v.text).join(', ')
    else out[key] = rawHeaderLine(parsed, key)
  }
  return out
}

export function attachmentsOf(parsed: ParsedMail): EmailAttachment[] {
  return parsed.attachments.map((a) => ({
    filename: a.filename,
    contentType: a.contentType,
    size: a.content.length,
    content: new Uint8Array(a.content.buffer, a.content.byteOffset, a.content.length),
  }))
}

/** The `Email` of a parsed message. Envelope recipients missing from To and Cc become `bcc`. */
export function emailFromParsed(
  id: string,
  parsed: ParsedMail,
  receivedAt: Date,
  envelope?: { from?: string; to?: string[] },
): CaughtEmail {
  const to = addressesOf(parsed.to).map((a) => a.address)
  const cc = addressesOf(parsed.cc).map((a) => a.address)
  const headerBcc = addressesOf(parsed.bcc).map((a) => a.address)
  const known = new Set([...to, ...cc].map((a) => a.toLowerCase()))
  const bcc = [...headerBcc, ...(envelope?.to ?? []).filter((a) => !known.has(a.toLowerCase()))]
  const from = addressesOf(parsed.from)[0]?.address ?? envelope?.from ?? ''
  return {
    id,
    from,
    // The To header's only, as Mailpit gives it: a recipient no header names is in `bcc`, never in both.
    to,
    cc,
    bcc: [...new Set(bcc)],
    subject: parsed.subject ?? '',
    text: parsed.text ?? '',
    html: parsed.html ? parsed.html : undefined,
    headers: headersOf(parsed),
    attachments: attachmentsOf(parsed),
    receivedAt: receivedAt.toISOString(),
  }
}

export function parseMessage(raw: Buffer | string): Promise<ParsedMail> {
  return mailparser().simpleParser(raw, { skipImageLinks: true, skipTextToHtml: true, keepCidLinks: true })
}
