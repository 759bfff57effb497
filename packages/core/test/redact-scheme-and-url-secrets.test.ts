import { describe, expect, it } from 'vitest'
import { knownSecrets, redactText, secretsOfBodyText, secretsOfUrl, secretsOfValue } from '../src/index'

// An API key sent as Elasticsearch sends one (`Authorization: ApiKey <base64 of id:api_key>`), or as
// Django REST framework's `Token <key>`, quoted back by a server or a proxy in an error.
describe('an ApiKey or Token credential in free text', () => {
  const key = 'VnVhQ2ZHY0JDZGJrUW0tZTVhT3g6dWkybHAyYXhUTm1zeWFrdzl0dk5udw=='
  it('is masked after its scheme, as a Bearer one is', () => {
    expect(redactText(`proxy said: missing authentication credentials for ApiKey ${key} [401]`)).toBe('proxy said: missing authentication credentials for ApiKey [REDACTED] [401]')
    expect(redactText('refused: Authorization: Token 9944b09199c62bcf9418ad846dd0e4bbdfc6ee4b')).toBe('refused: Authorization: Token [REDACTED]')
  })
  it('leaves the words of a message alone', () => {
    expect(redactText('ApiKey is missing; Token expired at 12:00')).toBe('ApiKey is missing; Token expired at 12:00')
  })
})

// A plugin's options name a server by a URL with its password in it (`redis://:pw@host`), under a key that
// names no secret: the password is still one, and every output masks it once the options were seen.
describe('secretsOfValue and a URL with credentials', () => {
  it('finds the password of a URL under any key, and the values of its secret query parameters', () => {
    expect(secretsOfValue({ url: 'redis://:s3cr3t-pass@127.0.0.1:6379/2' })).toContain('s3cr3t-pass')
    expect(secretsOfValue({ nodes: ['http://elastic:changeme-now@es:9200'] })).toContain('changeme-now')
    expect(secretsOfValue({ webhook: 'https://hooks.example.test/in?token=abcdef123456' })).toContain('abcdef123456')
  })
  it('finds nothing in a URL without credentials, nor in a user name alone: a role, not a secret', () => {
    expect(secretsOfValue({ url: 'http://127.0.0.1:8080/api?page=2' })).toEqual([])
    expect(secretsOfValue({ url: 'postgres://postgres@127.0.0.1:5432/shop' })).toEqual([])
    expect(secretsOfValue({ url: 'mysql://root:hunter2-long@127.0.0.1/shop' })).toEqual(['hunter2-long', 'hunter2-long'])
  })
})

// A development server's default password is its user name or its scheme's word: known as a secret, it
// masked "postgres" (or "root", "redis") in every message, URL and name shown, as a user name alone did.
describe('a URL whose password it also writes in clear', () => {
  it('gives no secret, and every output keeps the word', () => {
    expect(secretsOfValue({ url: 'postgres://postgres:postgres@127.0.0.1:5432/shop' })).toEqual([])
    expect(secretsOfValue({ url: 'mysql://root:root@127.0.0.1/shop' })).toEqual([])
    expect(secretsOfValue({ url: 'redis://:redis@redis:6379/0' })).toEqual([])
    expect(secretsOfValue({ url: 'postgres://app:shop@db/shop' })).toEqual([])
    knownSecrets.add(secretsOfValue({ plugins: [{ db: 'postgres://postgres:postgres@db:5432/app' }] }))
    expect(redactText('state backend "postgres": role "postgres" does not exist')).toBe('state backend "postgres": role "postgres" does not exist')
  })
  it('still gives a password written nowhere else in it', () => {
    expect(secretsOfValue({ url: 'postgres://postgres:s3cret-pw@db/app' })).toEqual(['s3cret-pw', 's3cret-pw'])
  })
})

// An API's error codes follow the words too (`Token signature_verification_failed`): long enough, they were
// masked, and a failed check no longer said why. A key has a digit; such words none.
describe('an error code after ApiKey or Token', () => {
  it('is left as it is', () => {
    expect(redactText('401: Token signature_verification_failed; ApiKey authentication/required')).toBe('401: Token signature_verification_failed; ApiKey authentication/required')
    expect(redactText('Token refresh_token_expired')).toBe('Token refresh_token_expired')
  })
})

// The URL a request went to (a base URL with its credentials): its password is a secret, its user name an
// identity beside one. Only a user name with no password can be the credential itself (`-u sk_test_...:`).
describe('secretsOfUrl and a user name', () => {
  it('takes the password, not the user name beside it', () => {
    expect(secretsOfUrl('http://admin:Tr0ub4dor-and-3@api.test/items')).toEqual(['Tr0ub4dor-and-3', 'Tr0ub4dor-and-3'])
  })
  it('takes a user name given with no password: a key sent as one', () => {
    expect(secretsOfUrl('https://sk_test_4eC39HqLyjWDarjtT1zdp7dc@api.test/v1')).toContain('sk_test_4eC39HqLyjWDarjtT1zdp7dc')
  })
})

// A URL inside a longer string (a DSN list, a note, a command line) holds its credentials as one alone does:
// only a string that was itself a URL was looked into, and the password, echoed alone later, was printed.
describe('secretsOfValue and a URL inside a longer string', () => {
  it('finds the password and the secret query values of every URL in it', () => {
    expect(secretsOfValue({ dsn: 'primary=postgres://app:s3cret-one@db/app replica=postgres://app:r3plica-two@db2/app' })).toEqual(['s3cret-one', 's3cret-one', 'r3plica-two', 'r3plica-two'])
    expect(secretsOfValue({ note: 'callback https://hooks.example/x?token=abc123def, then retry' })).toEqual(['abc123def', 'abc123def'])
    expect(secretsOfValue({ args: ['--verbose --url=redis://:pw-x9@host:6379/0'] })).toEqual(['pw-x9', 'pw-x9'])
    expect(secretsOfValue({ cmd: "connect 'mysql://root:hunter2-long@127.0.0.1/shop' now" })).toEqual(['hunter2-long', 'hunter2-long'])
  })
  it('keeps the rules of a URL alone: no user name, no password written in clear in that URL', () => {
    expect(secretsOfValue({ dsn: 'primary=postgres://postgres@db/app replica=postgres://postgres:postgres@db2/app' })).toEqual([])
    expect(secretsOfValue({ note: 'see http://127.0.0.1:8080/api?page=2 or mailto:a@b.test' })).toEqual([])
  })
  it('makes the password masked where it is later printed alone', () => {
    knownSecrets.add(secretsOfValue({ plugins: [{ options: { dsn: 'primary=postgres://app:Zq7-inline-pw@db/app' } }] }))
    expect(redactText('auth failed for password Zq7-inline-pw')).toBe('auth failed for password [REDACTED]')
  })
  it('is found in a response body too: the pre-test does not pass over a URL with credentials', () => {
    expect(secretsOfBodyText('{"db":"redis://:pw1234-body@host"}')).toEqual(['pw1234-body', 'pw1234-body'])
    expect(secretsOfBodyText('{"next":"see https://h.test/cb?code=c0de-123456 now"}')).toEqual(['c0de-123456', 'c0de-123456'])
  })
})

// A transport error names the request's URL, then what went wrong after a colon: `GET
// http://h/x?api_key=...: connection refused`. The colon is the message's, not the value's.
describe("a secret query value followed by the message's colon", () => {
  it('is masked, the colon kept', () => {
    expect(redactText('GET http://h/x?api_key=SECRET-value-1: connection refused')).toBe('GET http://h/x?api_key=[REDACTED]: connection refused')
    expect(redactText('POST http://h/x?key=abc123def456ghi: timed out')).toBe('POST http://h/x?key=[REDACTED]: timed out')
    expect(redactText('failed at http://h/x?password=hunter2:')).toBe('failed at http://h/x?password=[REDACTED]:')
  })
  it('masked once more, stays as it was: no bracket doubled', () => {
    const once = redactText('GET http://h/x?api_key=SECRET-value-1: connection refused')
    expect(redactText(once)).toBe(once)
    expect(redactText('GET http://h/x?api_key=[REDACTED]: connection refused')).toBe('GET http://h/x?api_key=[REDACTED]: connection refused')
  })
  it('a colon inside the value is still part of it', () => {
    expect(redactText('GET http://h/x?api_key=abc:def-secret-1 refused')).toBe('GET http://h/x?api_key=[REDACTED] refused')
    expect(redactText('GET http://h/x?token=a:b:c&page=2')).toBe('GET http://h/x?token=[REDACTED]&page=2')
  })
})
