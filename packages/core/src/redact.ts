/**
 * Secret redaction, used by the HTTP history and by every reporter. Header names and JSON keys are
 * matched case-insensitively; nested objects and arrays are walked; strings that look like bearer tokens
 * in free text are masked too.
 */
export const REDACTED = '[REDACTED]'

const SECRET_HEADERS = new Set([
  'authorization',
  'proxy-authorization',
  'cookie',
  'set-cookie',
  'x-api-key',
  'api-key',
  'x-auth-token',
  'x-access-token',
  'x-csrf-token',
  'x-xsrf-token',
])

/** Keys whose string values are secrets. Anchored where a bare word would catch innocent keys (`passed`, `bypass`). */
const SECRET_KEY = /password|passwd|passphrase|^pass$|secret|token|api[-_]?key|apikey|authorization|cookie|credential|private[-_]?key|session[-_]?id|card[-_]?number/i
/** Keys secret whatever their type (a PIN may be a number). */
const SECRET_ANY = /^(pin|otp|cvv|cvc|password|passwd|pass)$/i

export interface RedactOptions {
  /** Extra header names or body keys to hide. */
  extraKeys?: string[]
}

export function isSecretKey(key: string, options?: RedactOptions): boolean {
  const k = key.toLowerCase()
  if (SECRET_HEADERS.has(k)) return true
  if (options?.extraKeys?.some((e) => e.toLowerCase() === k)) return true
  return SECRET_KEY.test(key)
}

export function redactHeaders(headers: Record<string, string | string[] | undefined>, options?: RedactOptions): Record<string, string> {
  const out: Record<string, string> = {}
  for (const [k, v] of Object.entries(headers)) {
    if (v === undefined) continue
    out[k.toLowerCase()] = isSecretKey(k, options) ? REDACTED : Array.isArray(v) ? v.join(', ') : v
  }
  return out
}

export function redactValue(value: unknown, options?: RedactOptions, depth = 0): unknown {
  if (depth > 50) return value
  if (Array.isArray(value)) return value.map((v) => redactValue(v, options, depth + 1))
  if (value && typeof value === 'object') {
    const out: Record<string, unknown> = {}
    for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
      const secret = typeof v === 'string' ? isSecretKey(k, options) : v !== null && v !== undefined && typeof v !== 'object' && SECRET_ANY.test(k)
      out[k] = secret ? REDACTED : redactValue(v, options, depth + 1)
    }
    return out
  }
  if (typeof value === 'string') return redactText(value)
  return value
}

const BEARER = /\b(Bearer|Basic)\s+[A-Za-z0-9\-._~+/]+=*/g
const SECRET_NAMES = 'password|passwd|passphrase|token|access_token|refresh_token|id_token|api_key|apikey|secret|client_secret'
/** `password=...` in a query, a form body or a sentence. */
const KEY_VALUE = new RegExp(`(\\b(?:${SECRET_NAMES})=)[^&\\s"']*`, 'gi')
/** `"password": "..."` inside text that is not parsed as JSON (a truncated body, an error message). */
const JSON_PAIR = new RegExp(`("(?:${SECRET_NAMES})"\\s*:\\s*)"(?:[^"\\\\]|\\\\.)*"`, 'gi')

/** Mask tokens that appear inside free text (error messages, raw bodies, form bodies). */
export function redactText(text: string): string {
  return text.replace(BEARER, `$1 ${REDACTED}`).replace(KEY_VALUE, `$1${REDACTED}`).replace(JSON_PAIR, `$1"${REDACTED}"`)
}

/** Redact a body that may be a JSON string, a form string or plain text. */
export function redactBody(body: unknown, options?: RedactOptions): unknown {
  if (typeof body === 'string') {
    const trimmed = body.trim()
    if (trimmed.startsWith('{') || trimmed.startsWith('[')) {
      try {
        return JSON.stringify(redactValue(JSON.parse(trimmed), options))
      } catch {
        /* not JSON: fall through */
      }
    }
    return redactText(body)
  }
  return redactValue(body, options)
}
