import { type EmailFilter, VenomError } from '@venomqa/core'
import { bareAddress } from './mime'

/** The fields a filter looks at. */
export interface Filterable {
  from: string
  to: string[]
  cc: string[]
  bcc?: string[]
  subject: string
}

/**
 * How a filter matches, the same for every backend:
 * - `to`: any of To, Cc and Bcc (envelope) recipients. With an `@` the whole address must match;
 *   without one (`example.com`, `alice`) any address containing it matches. Case-insensitive.
 * - `from`: the sender, by the same rule.
 * - `subject`: a string matches as a case-insensitive substring; a RegExp is tested as given.
 */
export function matchesFilter(email: Filterable, filter: EmailFilter = {}): boolean {
  if (filter.to !== undefined) {
    const recipients = [...email.to, ...email.cc, ...(email.bcc ?? [])]
    if (!recipients.some((a) => addressMatches(a, filter.to!))) return false
  }
  if (filter.from !== undefined && !addressMatches(email.from, filter.from)) return false
  if (filter.subject !== undefined && !subjectMatches(email.subject, filter.subject)) return false
  return true
}

export function addressMatches(address: string, wanted: string): boolean {
  const want = bareAddress(wanted)
  const have = bareAddress(address)
  return want.includes('@') ? have === want : have.includes(want)
}

export function subjectMatches(subject: string, wanted: string | RegExp): boolean {
  if (typeof wanted === 'string') return subject.toLowerCase().includes(wanted.toLowerCase())
  wanted.lastIndex = 0
  return wanted.test(subject)
}

/** `to "a@x.com", subject /reset/i`, for error messages; `any mail` for an empty filter. */
export function describeFilter(filter: EmailFilter = {}): string {
  const parts: string[] = []
  if (filter.to !== undefined) parts.push(`to ${JSON.stringify(filter.to)}`)
  if (filter.from !== undefined) parts.push(`from ${JSON.stringify(filter.from)}`)
  if (filter.subject !== undefined)
    parts.push(`subject ${typeof filter.subject === 'string' ? JSON.stringify(filter.subject) : String(filter.subject)}`)
  return parts.length > 0 ? parts.join(', ') : 'any mail'
}

/**
 * Only the filter keys, so that `{ timeout, signal, ...filter }` leftovers never leak into matching. A key
 * given with nothing in it (`to: user.email` with the email unset, `''`, blanks) is refused: as a
 * substring it would match every mail, and a wait would pass on someone else's.
 */
export function pickFilter(value: EmailFilter): EmailFilter {
  for (const key of ['to', 'from', 'subject'] as const) {
    if (!Object.hasOwn(value, key)) continue
    const given = value[key]
    if (given === undefined || given === null || (typeof given === 'string' && !given.trim()))
      throw new VenomError(
        'E_MAIL_FILTER',
        `the mail filter's "${key}" is ${given === undefined || given === null ? String(given) : JSON.stringify(given)}: it would match every mail; give what to look for, or leave "${key}" out`,
      )
  }
  const out: EmailFilter = {}
  if (value.to !== undefined) out.to = value.to
  if (value.from !== undefined) out.from = value.from
  if (value.subject !== undefined) out.subject = value.subject
  return out
}

/** One line per mail, for the timeout message: `"Welcome" from a@x to b@y`. */
export function describeMail(mail: { subject: string; from: string; to: string[] }): string {
  return `${JSON.stringify(mail.subject)} from ${mail.from || '(no sender)'} to ${mail.to.join(', ') || '(no recipient)'}`
}
