import { redactText } from './redact'

/**
 * How long a quoted text may be in a message: a name or a value built from data (a journey per row of a
 * fixture, a URL with a long query) would otherwise fill the terminal.
 */
const MAX_QUOTED = 60

/** What the user wrote, in a few words: `"abc"`, `-1`, `a list of 2`, `nothing`; credentials in URLs masked. */
export function describeValue(value: unknown): string {
  if (value === undefined) return 'nothing'
  if (value === null) return 'null'
  if (typeof value === 'string') return JSON.stringify(shortText(value))
  if (typeof value === 'number' || typeof value === 'boolean') return String(value)
  if (Array.isArray(value)) return `a list of ${value.length}`
  if (typeof value === 'function') return 'a function'
  if (value instanceof Date) return 'a date'
  return 'an object'
}

/** A text as describeValue quotes it, without the quotes: masked, and cut to MAX_QUOTED characters. */
export function shortText(text: string): string {
  // Masked whole, then cut: cut first, a URL's `@` past the cut would leave its password unmasked.
  const masked = redactText(text)
  return masked.length > MAX_QUOTED ? `${masked.slice(0, MAX_QUOTED - 3)}...` : masked
}
