import { AssertionFailed } from './errors'

/** Assertions for actions. Each throws AssertionFailed, which fails the step with expected and actual shown. */

export function assert(condition: unknown, message: string): asserts condition {
  if (!condition) throw new AssertionFailed(message)
}

export function assertEqual<T>(actual: unknown, expected: T, label = 'value'): asserts actual is T {
  if (!deepEqual(actual, expected))
    throw new AssertionFailed(`${label}: expected ${show(expected)}, got ${show(actual)}`, { expected, actual })
}

/** The response's status is one of `expected`. */
export function assertStatus(res: { status: number; method?: string; url?: string; bodyText?: string }, ...expected: number[]): void {
  if (!expected.includes(res.status)) {
    const body = res.bodyText ? `: ${res.bodyText.length > 200 ? `${res.bodyText.slice(0, 200)}...` : res.bodyText}` : ''
    throw new AssertionFailed(
      `${res.method ? `${res.method} ${res.url} ` : ''}expected status ${expected.join(' or ')}, got ${res.status}${body}`,
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
  return ka.every((k) => Object.prototype.hasOwnProperty.call(b, k) && deepEqual((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k]))
}

function show(v: unknown): string {
  try {
    const s = JSON.stringify(v)
    return s === undefined ? String(v) : s.length > 300 ? `${s.slice(0, 300)}...` : s
  } catch {
    return String(v)
  }
}
