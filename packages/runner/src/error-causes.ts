import { AbortedError, TimeoutError, TransportError, errorMessage, redactText } from '@venomqa/core'

/**
 * The causes of a thrown error, told with it: `fetch failed` alone does not say that nothing listens on
 * the port, its cause (`connect ECONNREFUSED 127.0.0.1:3000`) does. Used where code the runner calls
 * threw (a step's action, a hook, a plugin's setup) and its error becomes the message a user reads.
 */

/** How many causes and inner errors deep the text goes: a chain past it ends in `...`. */
const MAX_DEPTH = 5
/** How many inner errors of one AggregateError are listed; the rest are counted. */
const MAX_INNER = 5
/** How long one cause's own text may be: an object given as a cause is told as JSON, which can be huge. */
const MAX_PART = 300

/**
 * The message of `err`, followed by its cause chain and an AggregateError's inner errors in parentheses:
 * `fetch failed (cause: connect ECONNREFUSED 127.0.0.1:3000)`, `several (errors: a; b)`. A cause whose
 * text the message already says is not said again (a wrapper that quotes its cause), though its own cause
 * still is; a cycle or a chain past MAX_DEPTH stops. Never throws.
 *
 * Not masked: the caller masks the whole as it masked the message alone.
 */
export function messageWithCauses(err: unknown): string {
  const own = errorMessage(err)
  if (!(err instanceof Error) || toldInItsOwnWords(err)) return own
  try {
    const seen = new Set<object>([err])
    const parts = partsOf(err, own, 1, seen)
    return parts.length ? `${own} (${parts.join('; ')})` : own
  } catch {
    return own
  }
}

/**
 * The stack of `err`, then the stack of each cause (`Caused by: ...`) and inner error (`Inner error: ...`)
 * that messageWithCauses follows, within the same bounds: what `--debug` shows. Not masked.
 */
export function stackWithCauses(err: Error): string | undefined {
  const stack = err.stack
  if (!stack || toldInItsOwnWords(err)) return stack
  const lines = [stack]
  const seen = new Set<object>([err])
  const walk = (e: Error, depth: number) => {
    if (depth > MAX_DEPTH) return
    const next: [string, unknown][] = [...innerErrors(e).slice(0, MAX_INNER).map((inner): [string, unknown] => ['Inner error', inner])]
    const cause = causeOf(e)
    if (cause !== NONE) next.push(['Caused by', cause])
    for (const [label, value] of next) {
      if (typeof value === 'object' && value !== null) {
        if (seen.has(value)) continue
        seen.add(value)
      }
      const text = value instanceof Error ? (readStack(value) ?? `${value.name}: ${errorMessage(value)}`) : cut(ownWords(value))
      lines.push(`${label}: ${text}`)
      if (value instanceof Error) walk(value, depth + 1)
    }
  }
  try {
    walk(err, 1)
  } catch {
    // A getter that throws ends the walk; what was gathered stands.
  }
  return lines.join('\n')
}

/**
 * VenomQA's own errors of a request or a deadline: their message already says, classified, what their
 * cause said (`GET /x: connection refused (ECONNREFUSED)` over `fetch failed`), so it is not doubled.
 */
function toldInItsOwnWords(err: Error): boolean {
  return err instanceof TransportError || err instanceof TimeoutError || err instanceof AbortedError
}

/** What `err` adds to `said`: its inner errors (`errors: a; b`) and its cause (`cause: c`). */
function partsOf(err: Error, said: string, depth: number, seen: Set<object>): string[] {
  const parts: string[] = []
  const inner = innerErrors(err)
  if (inner.length) {
    const list = listOf(inner, said, depth, seen)
    if (list) parts.push(`errors: ${list}`)
    said += `\n${list}`
  }
  const cause = causeOf(err)
  if (cause !== NONE) {
    const told = tell(cause, said, depth, seen)
    if (told) parts.push(`cause: ${told}`)
  }
  return parts
}

function listOf(inner: readonly unknown[], said: string, depth: number, seen: Set<object>): string {
  const told = inner.slice(0, MAX_INNER).map((e) => tell(e, said, depth, seen)).filter(Boolean)
  if (inner.length > MAX_INNER) told.push(`and ${inner.length - MAX_INNER} more`)
  return told.join('; ')
}

/**
 * A cause or inner error as text: its own words, then what it adds in parentheses. Empty when it says
 * nothing new. Words the outer text already holds are left out, and what the value adds stands alone;
 * an AggregateError without a message (as Node's net throws for a host of several addresses) stands for
 * the list of its inner errors.
 */
function tell(value: unknown, said: string, depth: number, seen: Set<object>): string {
  if (typeof value === 'object' && value !== null) {
    if (seen.has(value)) return ''
    seen.add(value)
  }
  if (depth > MAX_DEPTH) return '...'
  if (!(value instanceof Error)) {
    const own = cut(ownWords(value))
    return own && !said.includes(own) ? own : ''
  }
  const inner = innerErrors(value)
  const own = inner.length && !hasMessage(value) ? '' : cut(errorMessage(value))
  const fresh = own && !said.includes(own) ? own : ''
  if (fresh) {
    const parts = partsOf(value, `${said}\n${fresh}`, depth + 1, seen)
    return parts.length ? `${fresh} (${parts.join('; ')})` : fresh
  }
  // Nothing of its own to say: what it adds, without the labels, stands in its place.
  const list = inner.length ? listOf(inner, said, depth + 1, seen) : ''
  const cause = causeOf(value)
  const told = cause === NONE ? '' : tell(cause, `${said}\n${list}`, depth + 1, seen)
  return [list, told].filter(Boolean).join('; ')
}

/** A cause that is no Error: a string as it is, another value as errorMessage words it (JSON for an object). */
function ownWords(value: unknown): string {
  if (typeof value === 'string') return value
  if (typeof value !== 'object' && typeof value !== 'function') return String(value)
  return errorMessage(value)
}

/** Masked, then cut: cut first, a URL's `@` past the cut would leave its password unmasked. */
function cut(text: string): string {
  if (text.length <= MAX_PART) return text
  const masked = redactText(text)
  return masked.length > MAX_PART ? `${masked.slice(0, MAX_PART - 3)}...` : masked
}

const NONE = Symbol('no cause')

function causeOf(err: Error): unknown {
  try {
    if (!('cause' in err)) return NONE
    const cause = (err as { cause?: unknown }).cause
    return cause === undefined ? NONE : cause
  } catch {
    return NONE
  }
}

function innerErrors(err: Error): readonly unknown[] {
  try {
    const errors = err instanceof AggregateError ? (err as { errors?: unknown }).errors : undefined
    return Array.isArray(errors) ? errors : []
  } catch {
    return []
  }
}

function hasMessage(err: Error): boolean {
  try {
    return typeof err.message === 'string' && err.message !== ''
  } catch {
    return false
  }
}

function readStack(err: Error): string | undefined {
  try {
    return typeof err.stack === 'string' && err.stack ? err.stack : undefined
  } catch {
    return undefined
  }
}
