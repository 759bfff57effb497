import { describe, expect, it } from 'vitest'
import { MADE_UP_SECRET_PREFIX, isMadeUpSecret, isSecretKey, knownSecrets, redactBody, secretsOfBodyText } from '../src'

describe('a value VenomQA made up for a secret-named field', () => {
  // An OpenAPI sample of `secret` was masked in the record, and a regression journey then read it from a
  // variable no one could know the value of.
  it('is no secret: left as it is under a secret key, and never remembered as a known secret', () => {
    const made = `${MADE_UP_SECRET_PREFIX}password-1`
    expect(isMadeUpSecret(made)).toBe(true)
    expect(redactBody({ password: made, token: 'real-token-value', name: 'n' })).toEqual({ password: made, token: '[REDACTED]', name: 'n' })
    knownSecrets.add([made])
    expect(knownSecrets.has(made)).toBe(false)
    expect(isMadeUpSecret('password-1')).toBe(false)
  })
})

describe('a session token in a body', () => {
  // Masked where it sat, but never remembered: the quick look for secret names said the body held none,
  // so the value was printed in clear wherever else it turned up (an echo, an error, the issues).
  it('is remembered as a known secret, as it is masked where it sits', () => {
    const body = JSON.stringify({ session: 'sessTokVal1234567890', note: 'morning' })
    expect(secretsOfBodyText(body)).toEqual(['sessTokVal1234567890'])
    expect(secretsOfBodyText(JSON.stringify({ session: 'morning' }))).toEqual([])
  })
})

describe('a key ending in _PASS', () => {
  // `DB_PWD` was a secret and `DB_PASS`, `REDIS_PASS`, `smtp_pass` were printed in clear everywhere.
  it('names a secret, as one ending in _PWD does; a word that merely ends in "pass" does not', () => {
    for (const key of ['DB_PASS', 'redis_pass', 'smtp-pass', 'pass', 'db_pwd']) expect(isSecretKey(key), key).toBe(true)
    for (const key of ['bypass', 'compass', 'passage', 'first_passenger']) expect(isSecretKey(key), key).toBe(false)
    expect(redactBody({ smtp_pass: 'SmtpPa55', bypass: 'yes' })).toEqual({ smtp_pass: '[REDACTED]', bypass: 'yes' })
  })
})
