/**
 * A known secret that reads as an ordinary word or number (a fixture's `secret`, a placeholder
 * `API_TOKEN=wrong`, `test`, `123456`) is masked where it stands as a value, never inside other words,
 * file names or numbers; a long random one is masked wherever it stands, glued to other text too.
 */
import { afterEach, describe, expect, it } from 'vitest'
import { REDACTED, knownSecrets, redactText } from '../src/index'

afterEach(() => knownSecrets.clear())

describe('a known secret that reads as a word', () => {
  it('is masked as a whole token: in a sentence, a query, JSON, after a colon', () => {
    knownSecrets.add(['wrong', 'test', 'secret', 'changeme', 'Welcome', 'PASSWORD'])
    expect(redactText('the API said: wrong')).toBe(`the API said: ${REDACTED}`)
    expect(redactText('GET /login?u=ada&p=changeme&next=/')).toBe(`GET /login?u=ada&p=${REDACTED}&next=/`)
    expect(redactText('{"user":"ada","value":"secret"}')).toBe(`{"user":"ada","value":"${REDACTED}"}`)
    expect(redactText('sent Welcome, then PASSWORD.')).toBe(`sent ${REDACTED}, then ${REDACTED}.`)
    expect(redactText('value=test')).toBe(`value=${REDACTED}`)
  })

  it('is left alone inside other words, names and file names', () => {
    knownSecrets.add(['wrong', 'test', 'secret', 'changeme', 'Welcome', 'PASSWORD'])
    for (const text of ['3 secrets rotated', 'changemenow', 'Welcomed', 'PASSWORDS', 'wrongly', 'testing tests', 'failed in journeys/login.test.ts:12', 'GET http://test.example.test/x', 'wrong-way_test'])
      expect(redactText(text), text).toBe(text)
  })

  it('a number of 12 digits at most is masked as a whole number, not inside a longer one', () => {
    knownSecrets.add(['123456', '482913'])
    expect(redactText('otp 482913 refused')).toBe(`otp ${REDACTED} refused`)
    for (const text of ['at 1701234567', 'order 9482913', 'took 1234567ms']) expect(redactText(text), text).toBe(text)
  })
})

describe('a known secret that does not read as a word', () => {
  it('is masked wherever it stands, glued to other text too', () => {
    const random = 'Xk29fLq0Zp7'
    const passphrase = 'correcthorsebatterystaple'
    const card = '4111111111111111'
    knownSecrets.add([random, passphrase, card, 'Pa55word'])
    expect(redactText(`abc${random}def and key_${random}`)).toBe(`abc${REDACTED}def and key_${REDACTED}`)
    expect(redactText(`x${passphrase}x`)).toBe(`x${REDACTED}x`)
    expect(redactText(`pan_${card}9`)).toBe(`pan_${REDACTED}9`)
    expect(redactText('myPa55words')).toBe(`my${REDACTED}s`)
  })
})
