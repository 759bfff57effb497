import { afterEach, describe, expect, it } from 'vitest'
import { knownSecrets, redactText, secretsOfHeader } from '../src/index'

afterEach(() => knownSecrets.clear())

// A step that builds its header from a value an earlier step never set sends `Bearer undefined`. The word
// was then a known secret, and every later message that said `undefined` hid it: `Cannot read properties
// of [REDACTED]`, a URL `/api/todos/[REDACTED]`, in the journey whose error it was and in every other one.
describe('a secret header built from a value that was never set', () => {
  it('makes no secret of the word undefined: the messages that say it keep it', () => {
    knownSecrets.add(secretsOfHeader('authorization', 'Bearer undefined'))
    knownSecrets.add(secretsOfHeader('cookie', 'session=undefined'))
    expect(redactText("Cannot read properties of undefined (reading 'json')")).toBe("Cannot read properties of undefined (reading 'json')")
    expect(redactText('GET http://127.0.0.1:3000/api/todos/undefined expected status 200, got 404')).toBe(
      'GET http://127.0.0.1:3000/api/todos/undefined expected status 200, got 404',
    )
  })

  it('still masks a real token sent the same way', () => {
    knownSecrets.add(secretsOfHeader('authorization', 'Bearer tok_4f1c9a07e2'))
    expect(redactText('the token tok_4f1c9a07e2 is not valid, undefined user')).toBe('the token [REDACTED] is not valid, undefined user')
  })
})
