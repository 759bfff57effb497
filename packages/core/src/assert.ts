import { AssertionFailed } from './errors'
import { REDACTED, knownSecrets, labelNamesSecret, redactBody, redactText, redactValue } from './redact'

/**
 * Assertions for actions. Each throws AssertionFailed, which fails the step with expected and actual shown.
 *
 * A failure is built from its parts (label, expected, actual), and the values are masked before any text
 * is made of them: the whole value when the label names a secret (`token`, `body.refresh_token`), a
 * nested secret field by its key, and any value the HTTP client has seen in a secret place (a token from
 * a response compared under an innocent label). The message and the error's `expected` and `actual`
 * carry only the masked values, so no report, log or `--debug` print can show more.
 */

export function assert(condition: unknown, message: string): asserts condition {
  if (!condition) throw new AssertionFailed(message)
}

export function assertEqual<T>(actual: unknown, expected: T, label = 'value'): asserts actual is T {
  if (deepEqual(actual, expected)) return
  const secret = labelNamesSecret(label)
  const shownExpected = secret ? REDACTED : maskValue(expected)
  const shownActual = secret ? REDACTED : maskValue(actual)
  throw new AssertionFailed(`${label}: expected ${show(shownExpected)}, got ${show(shownActual)}`, { expected: shownExpected, actual: shownActual })
}

/**
 * The response's status is one of `expected`: `assertStatus(res, 201, 409)`, or a list, `assertStatus(res,
 * [201, 409])`. A status that is no whole number (`'201'`, from a journey not type-checked) is refused with a
 * TypeError naming it: it never matched, and the step failed on a 201 with "expected status 201, got 201".
 */
export function assertStatus(
  res: { status: number; method?: string; url?: string; bodyText?: string; exchange?: { request?: { url?: string } } },
  ...given: (number | readonly number[])[]
): void {
  // The usual call, one status and the one answered: no list made (a step of every journey makes it).
  if (given.length === 1 && given[0] === res.status) return
  const expected = given.flat()
  const wrong = expected.find((s) => !Number.isInteger(s))
  if (wrong !== undefined || !expected.length)
    throw new TypeError(
      `assertStatus(res, ...statuses): ${expected.length ? `a status must be a whole number, got ${typeof wrong === 'string' ? JSON.stringify(wrong) : String(wrong)}` : 'no status given'}: write assertStatus(res, 200) or assertStatus(res, 200, 201)`,
    )
  if (!expected.includes(res.status)) {
    // The URL as the runner recorded it, when it did: masked by name (its `redactKeys` too).
    const url = res.exchange?.request?.url ?? res.url ?? ''
    // Redacted whole, then cut: a cut JSON body could no longer be parsed to find its secret fields.
    const text = res.bodyText ? String(redactBody(res.bodyText)) : ''
    const body = text ? `: ${text.length > 200 ? `${text.slice(0, 200)}...` : text}` : ''
    throw new AssertionFailed(
      `${res.method ? `${res.method} ${redactText(url)} ` : ''}expected status ${expected.join(' or ')}, got ${res.status}${body}`,
      { expected, actual: res.status },
    )
  }
}

export function deepEqual(a: unknown, b: unknown): boolean {
  if (Object.is(a, b)) return true
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false
  if (Array.isArray(a) !== Array.isArray(b)) return false
  const ka = Object.keys(a as object)
  const kb = Object.keys(b as object)
  if (ka.length !== kb.length) return false
  return ka.every((k) => Object.hasOwn(b, k) && deepEqual((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k]))
}

/**
 * Whether `container` includes `member`, as Chai's `include` (and Postman's `pm.expect(x).to.include(y)`)
 * means it for each kind of container: a string holds `member` as a substring, an array holds it as an
 * item, an object holds each of `member`'s properties with the same value. `deep` (Chai's `deep.include`)
 * compares items and property values by deepEqual, else by identity, so that `include({ id: 1 })` on a
 * parsed JSON object is about its `id`, not about one object being another. Anything else includes nothing.
 */
export function includesValue(container: unknown, member: unknown, deep = false): boolean {
  const same = (a: unknown, b: unknown) => (deep ? deepEqual(a, b) : Object.is(a, b))
  if (typeof container === 'string') return typeof member === 'string' && container.includes(member)
  if (Array.isArray(container)) return container.some((item) => same(item, member))
  if (container === null || typeof container !== 'object' || member === null || typeof member !== 'object' || Array.isArray(member)) return false
  return Object.keys(member).every((k) => Object.hasOwn(container, k) && same((container as Record<string, unknown>)[k], (member as Record<string, unknown>)[k]))
}

/** A value as an assertion may show it: secret fields and known secret values replaced by the mask. */
function maskValue(value: unknown, depth = 0): unknown {
  if (knownSecrets.has(value)) return REDACTED
  if (depth > 50) return REDACTED
  if (Array.isArray(value)) return value.map((v) => maskValue(v, depth + 1))
  if (value && typeof value === 'object' && Object.getPrototypeOf(value) === Object.prototype) {
    const redacted = redactValue(value) as Record<string, unknown>
    return Object.fromEntries(Object.entries(redacted).map(([k, v]) => [k, maskValue(v, depth + 1)]))
  }
  if (value && typeof value === 'object') {
    // A class instance (a response, a Date) is shown as its JSON, so it goes through the same masking.
    let plain: unknown
    try {
      plain = JSON.parse(JSON.stringify(value) ?? 'null')
    } catch {
      return redactText(String(value))
    }
    return maskValue(plain, depth + 1)
  }
  return typeof value === 'string' ? redactText(value) : value
}

function show(v: unknown): string {
  if (v === REDACTED) return REDACTED
  try {
    const s = JSON.stringify(v)
    return s === undefined ? String(v) : s.length > 300 ? `${s.slice(0, 300)}...` : s
  } catch {
    return String(v)
  }
}
