/**
 * redactText skips its eight replaces when MAYBE_SECRET does not match. That is only safe if no rule can
 * match a text the pre-test passes over: checked here on texts built from the rules' own trigger words,
 * cut and mixed with ordinary URL and JSON characters.
 */
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { redactText } from '../src'
import { MAYBE_SECRET, TEXT_RULES } from '../src/redact-text-rules'

const PIECES = [
  'https://', 'user:pw@', '@', 'Bearer ', 'Basic ', 'bearer', 'Cookie: ', 'set-cookie=', '?key=', '&sig=', '?auth=',
  'password', 'passwd', 'pass', 'token', 'tok', 'api_key', 'api-key', 'apikey', 'secret', 'credential', 'private_key',
  'session_id', 'sessionid', 'signature', 'sign', ': expected ', ', got ', '"', ':', '=', '&', '?', '/', ' ', '\n',
  'abc123', 'x.y-z', '{"id":1}', 'http://127.0.0.1:3000/api/items/42',
]
const text = fc.array(fc.oneof(fc.constantFrom(...PIECES), fc.string({ maxLength: 6 })), { maxLength: 12 }).map((parts) => parts.join(''))

describe('the pre-test of redactText', () => {
  it('passes over only texts no rule matches', () => {
    fc.assert(
      fc.property(text, (t) => {
        if (MAYBE_SECRET.test(t)) return
        for (const [pattern] of TEXT_RULES) expect(t.match(pattern), `${pattern} on ${JSON.stringify(t)}`).toBeNull()
      }),
      { numRuns: 5000 },
    )
  })

  it('gives the same text as applying every rule', () => {
    fc.assert(
      fc.property(text, (t) => {
        let all = t
        for (const [pattern, replacement] of TEXT_RULES) all = all.replace(pattern, replacement)
        expect(redactText(t)).toBe(all)
      }),
      { numRuns: 5000 },
    )
  })

  it('passes over an ordinary URL and message, and not over one with a secret', () => {
    expect(MAYBE_SECRET.test('http://127.0.0.1:3000/api/items/42?page=2')).toBe(false)
    expect(MAYBE_SECRET.test('expected status 201, got 404')).toBe(false)
    expect(redactText('http://127.0.0.1:3000/api/items?access_token=abc')).toBe('http://127.0.0.1:3000/api/items?access_token=[REDACTED]')
  })
})
