/**
 * redactText skips its eight replaces when MAYBE_SECRET does not match. That is only safe if no rule can
 * match a text the pre-test passes over: checked here on texts built from the rules' own trigger words,
 * cut and mixed with ordinary URL and JSON characters.
 */
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { mayHoldSecrets, redactText, secretsOfBodyText, secretsOfValue } from '../src'
import { JWT, MAYBE_SECRET, REDACTED, TEXT_RULES, applyRule } from '../src/redact-text-rules'

const PIECES = [
  'https://', 'user:pw@', '@', 'Bearer ', 'Basic ', 'bearer', 'Cookie: ', 'set-cookie=', '?key=', '&sig=', '?auth=',
  'password', 'passwd', 'pass', 'token', 'tok', 'api_key', 'api-key', 'apikey', 'secret', 'credential', 'private_key',
  'session_id', 'sessionid', 'signature', 'sign', ': expected ', ', got ', '"', ':', '=', '&', '?', '/', ' ', '\n',
  'abc123', 'x.y-z', 'eyJhbGci', '.', '{"id":1}', 'http://127.0.0.1:3000/api/items/42',
  '"name":"x-a', '-key"', '-auth"', '-session-1"', '-sig"', '-keys', ',"value":', '"key":', 'Idempotency-Key"',
  'http//', 'http:/', 'u:p#w@', ':pw@', 'mailto:', '10:30', 'git@github.com:o/r', '[REDACTED]', '@sha256:',
  'realm="', 'error=', ' scope = ', 'token_type', '_type', '_hint', '#access_token=', 'page_token',
  '?code=', '&code_verifier=', 'device_code=', '&hmac=', 'client_assertion', 'country_code=',
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
        // JSON Web Tokens first: their own pre-test is the `eyJ` every one starts with.
        let all = t.replace(JWT, REDACTED)
        for (const rule of TEXT_RULES) all = applyRule(all, rule)
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

/**
 * The HTTP client queues a message's secrets for reading only when mayHoldSecrets says its body may hold
 * some. Safe only if a body it passes over holds nothing that reading it field by field would find.
 */
describe('the pre-test of a body for secrets', () => {
  const KEYS = ['id', 'name', 'password', 'pass', 'passphrase', 'refresh_token', 'tokens', 'apiKey', 'api-key', 'secret', 'pin', 'otp', 'cvv', 'cvc', 'user_pin', 'session_id', 'sessionId', 'card_number', 'cookie', 'authorization', 'credentials', 'private_key', 'bypass', 'spin', 'topt', 'auth', 'basic_auth', 'author', 'oauth']
  const body = fc.dictionary(fc.constantFrom(...KEYS), fc.oneof(fc.string(), fc.integer(), fc.dictionary(fc.constantFrom(...KEYS), fc.string(), { maxKeys: 3 })), { maxKeys: 5 })

  it('passes over only bodies in which reading every field finds no secret', () => {
    fc.assert(
      fc.property(body, (value) => {
        const text = JSON.stringify(value)
        if (!mayHoldSecrets(text)) expect(secretsOfValue(value)).toEqual([])
      }),
      { numRuns: 2000 },
    )
  })

  // secretsOfValue takes the secrets of a URL under any key, even inside longer text: a body whose strings
  // hold URLs with credentials or secret query parameters must not be passed over.
  const URL_PIECES = ['redis://', 'https://h.test/', 'http:\\/\\/', '//', ':pw-1@', 'u:p@', '@', '?', '&', 'code=', 'key=', 'sig=x', 'page=2', 'c0de', ' ', '/', '#', 'x']
  const urlText = fc.array(fc.constantFrom(...URL_PIECES), { maxLength: 10 }).map((parts) => parts.join(''))
  const urlBody = fc.dictionary(fc.constantFrom('id', 'url', 'note', 'db'), fc.oneof(urlText, fc.array(urlText, { maxLength: 2 })), { maxKeys: 3 })

  it('passes over only bodies whose URLs give no secret', () => {
    fc.assert(
      fc.property(urlBody, (value) => {
        const text = JSON.stringify(value)
        if (!mayHoldSecrets(text)) expect(secretsOfValue(value), text).toEqual([])
      }),
      { numRuns: 3000 },
    )
  })

  it('passes over an ordinary body, not one with a secret field, and none when extra keys are set', () => {
    expect(mayHoldSecrets('{"id":7,"name":"item 7"}')).toBe(false)
    expect(mayHoldSecrets('')).toBe(false)
    expect(mayHoldSecrets('{"refresh_token":"r-1"}')).toBe(true)
    // Once missed: the pre-test's own list of words had no `card`.
    expect(secretsOfBodyText('{"card_number":"4111111111111111"}')).toEqual(['4111111111111111'])
    expect(mayHoldSecrets('{"ssn":"1"}', { extraKeys: ['ssn'] })).toBe(true)
  })
})
