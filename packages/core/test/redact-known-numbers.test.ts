/**
 * A known secret sent as a JSON number (a PIN read from the environment, parsed into the body) is masked
 * as its text is: redactValue masked only strings, so the recorded body showed the number.
 */
import { afterEach, expect, it } from 'vitest'
import { knownSecrets, redactValue } from '../src/index'

afterEach(() => knownSecrets.clear())

it('masks a number, or a bigint, whose text is a known secret; leaves other numbers', () => {
  knownSecrets.add(['482913', '90071992547409931'])
  expect(redactValue({ code: 482913, big: 90071992547409931n, page: 2, items: [482913, 7] })).toEqual({ code: '[REDACTED]', big: '[REDACTED]', page: 2, items: ['[REDACTED]', 7] })
})

it('leaves every number when no secret is known', () => {
  expect(redactValue({ code: 482913 })).toEqual({ code: 482913 })
})
