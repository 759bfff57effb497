import { type RedactOptions, redactText, redactValue } from '@venomqa/core'
import type { PageBody } from './page-model'

/**
 * A recorded body as the page shows it: redacted (again: a results file may come from anywhere), parsed
 * when it is JSON text so it can be pretty-printed, and cut to `maxChars` with the original length kept.
 */
export function pageBody(body: unknown, maxChars: number, redact: RedactOptions): PageBody | undefined {
  if (body === undefined || body === null || body === '') return undefined
  let value: unknown = body
  if (typeof value === 'string') {
    const parsed = parseJsonText(value)
    if (parsed === NOT_JSON) return cutText(redactText(value), maxChars)
    value = parsed
  }
  const redacted = redactValue(value, redact)
  if (typeof redacted === 'string') return cutText(redacted, maxChars)
  const text = JSON.stringify(redacted) ?? String(redacted)
  // Bodies over the limit become text: the page must not carry a 5 MB array it will only show the top of.
  return text.length > maxChars ? { t: text.slice(0, maxChars), cut: text.length } : { j: redacted }
}

const NOT_JSON = Symbol('not json')

function parseJsonText(text: string): unknown {
  const trimmed = text.trim()
  if (!(trimmed.startsWith('{') || trimmed.startsWith('['))) return NOT_JSON
  try {
    return JSON.parse(trimmed)
  } catch {
    return NOT_JSON
  }
}

function cutText(text: string, maxChars: number): PageBody {
  return text.length > maxChars ? { t: text.slice(0, maxChars), cut: text.length } : { t: text }
}
