/**
 * A place in a source file (`password-reset.journey.ts:2:85`) is shown as it is in free text, though its
 * name holds a secret word: a stack trace under --debug and a load error must say where the journey
 * failed. A value under a secret name is masked as before, also when it is a number.
 */
import { expect, it } from 'vitest'
import { redactText } from '../src/index'

it('keeps the line and column of a file named after a secret word', () => {
  expect(redactText('    at Object.action (file:///p/journeys/password-reset.journey.ts:2:85)')).toBe('    at Object.action (file:///p/journeys/password-reset.journey.ts:2:85)')
  expect(redactText('could not load journeys/password-reset.journey.ts:2:85: Unexpected token')).toBe('could not load journeys/password-reset.journey.ts:2:85: Unexpected token')
  expect(redactText('at Timeout._onTimeout (/p/auth-token.mjs:10:5)')).toBe('at Timeout._onTimeout (/p/auth-token.mjs:10:5)')
  expect(redactText('secrets.journey.ts:7 and api_key.md:3 and venomqa.secrets.yaml:12:1')).toBe('secrets.journey.ts:7 and api_key.md:3 and venomqa.secrets.yaml:12:1')
})

it('still masks a value under a secret name, a number too, and a file name followed by something else than a place', () => {
  expect(redactText('password: 1234')).toBe('password: [REDACTED]')
  expect(redactText('token:12345 then')).toBe('token:[REDACTED] then')
  expect(redactText('secret.ts: hunter2')).toBe('secret.ts: [REDACTED]')
  expect(redactText('password.ts:abc')).toBe('password.ts:[REDACTED]')
  expect(redactText('api_token.js:12ab')).toBe('api_token.js:[REDACTED]')
  // Digits that go on into more than a line and a column are a value, not a place.
  expect(redactText('password.js:4711/extra')).toBe('password.js:[REDACTED]')
  expect(redactText('password.ts:12:34:56')).toBe('password.ts:[REDACTED]')
  expect(redactText('api_key.json:1234%21x')).toBe('api_key.json:[REDACTED]')
})
