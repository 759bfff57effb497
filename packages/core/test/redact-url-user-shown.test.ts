/**
 * The credentials of a URL in text: the password is masked as `***` and the user name shown, as every
 * package's own message shows them (`mysql://root:***@db/app`), so a user sees which account was used. A
 * user name alone, or beside an empty password, is shown too (`postgres://app@db/shop`, `mysql://root:@db`),
 * unless it has a token's form (`https://<token>@github.com`) or stands beside GitHub's `x-oauth-basic`:
 * then it is the credential itself, masked whole.
 */
import { describe, expect, it } from 'vitest'
import { redactCredentials, redactText } from '../src/index'

/** Both masks, and masking again changes nothing (a report masks what the runner masked already). */
function shown(text: string): string {
  const masked = redactText(text)
  expect(redactCredentials(text), text).toBe(masked)
  expect(redactText(masked), text).toBe(masked)
  return masked
}

describe('a URL with a user and a password', () => {
  it('keeps the user and masks the password, for every scheme', () => {
    expect(shown('cannot connect to mysql://root:secret@host/db: refused')).toBe('cannot connect to mysql://root:***@host/db: refused')
    for (const scheme of ['postgres', 'postgresql', 'mysql', 'mariadb', 'redis', 'rediss', 'amqp', 'amqps', 'http', 'https', 'mongodb+srv', 'smtp'])
      expect(shown(`${scheme}://app:s3cret-Pw@db.internal:1234/x`)).toBe(`${scheme}://app:***@db.internal:1234/x`)
  })

  it('shows HTTP basic auth the same way, in a request line and in a sentence', () => {
    expect(shown('GET https://api:t0p-s3cret@api.example.test/v1/orders?page=2 failed: 502')).toBe('GET https://api:***@api.example.test/v1/orders?page=2 failed: 502')
  })

  it('keeps a masked URL as a package masked it', () => {
    const said = 'state backend "mysql": cannot connect to mysql://root:***@127.0.0.1:1/shop: connection refused'
    expect(shown(said)).toBe(said)
    expect(shown('[postgres://app:***@127.0.0.1:5432/app]')).toBe('[postgres://app:***@127.0.0.1:5432/app]')
  })

  it('masks all of a password that is percent-encoded, or holds an unencoded @, / or :', () => {
    expect(shown('postgres://app:p%40ss%2Fw0rd%3A@db/app')).toBe('postgres://app:***@db/app')
    expect(shown('postgres://app:p@ss@db/app')).toBe('postgres://app:***@db/app')
    expect(shown('mysql://root:p@ss/w0rd@db/app')).toBe('mysql://root:***@db/app')
    expect(shown('amqp://guest:pa:ss:w0rd@rabbit:5672/%2F')).toBe('amqp://guest:***@rabbit:5672/%2F')
  })

  it('masks the password after a user that is an address, whose @ is not encoded', () => {
    // As Jira's basic auth takes one: before, no rule read it, and the password was shown.
    expect(shown('GET https://ada@corp.example:t0ken-LEAK@jira.example.test/rest/api failed')).toBe('GET https://ada@corp.example:***@jira.example.test/rest/api failed')
    // A user alone before a host and its port stays a host and its port, as without the user; the user
    // alone is shown, as it is with no `@` in the path (the authority ends at the first `/`).
    expect(shown('GET http://ada@corp.example:8080/users/bob@example.test')).toBe('GET http://ada@corp.example:8080/users/bob@example.test')
  })

  it('keeps the host after a user named like a secret (a token, a key), which other rules read as `token: value`', () => {
    expect(shown('https://x-access-token:ghs_0123456789abcdef0123@github.com/org/repo.git')).toBe('https://x-access-token:***@github.com/org/repo.git')
    expect(shown('https://api_key:s3cret-pw@host.test/x')).toBe('https://api_key:***@host.test/x')
  })

  it('shows an empty user and a percent-encoded one as written', () => {
    expect(shown('redis://:s3cret-pw@cache:6379/0')).toBe('redis://:***@cache:6379/0')
    expect(shown('postgres://ada%40corp:s3cret-pw@db/app')).toBe('postgres://ada%40corp:***@db/app')
  })
})

describe('a URL with a user and no password', () => {
  it('shows the user, which says which account a failing connection used', () => {
    for (const text of [
      'postgres://app@127.0.0.1:5432/shop',
      'cannot connect to postgres://app@127.0.0.1:5432/shop: connection refused',
      'state backend "redis": redis://default@cache:6379/0 refused',
      'GET https://ada@api.example.test/v1/orders failed: 502',
      'amqp://guest@rabbit:5672/%2F',
    ])
      expect(shown(text), text).toBe(text)
  })

  it('shows a user beside an empty password, as a database with no password is reached', () => {
    expect(shown('cannot connect to mysql://root:@127.0.0.1:3306/app: refused')).toBe('cannot connect to mysql://root:@127.0.0.1:3306/app: refused')
  })
})

describe('a URL whose user name has the form of a credential', () => {
  it('masks a user alone that reads as a generated key or a token: one is often written there', () => {
    expect(shown('git clone https://0a1b2c3d4e5f60718293a4b5c6d7e8f9@github.com/org/repo.git')).toBe('git clone https://[REDACTED]@github.com/org/repo.git')
    expect(shown('git clone https://ghp_0123456789abcdefABCDEF0123456789abcd@github.com/org/repo.git')).toBe('git clone https://[REDACTED]@github.com/org/repo.git')
    expect(shown('https://9fK2mQ7xLp3RtV8wZ1nB4cD6@api.example.test/v1')).toBe('https://[REDACTED]@api.example.test/v1')
    expect(shown('https://eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.c2lnbmF0dXJl@api.example.test/v1')).toBe('https://[REDACTED]@api.example.test/v1')
  })

  it('masks such a user beside an empty password, and any user beside GitHub\'s x-oauth-basic', () => {
    expect(shown('https://key-0a1b2c3d4e5f6071:@api.example.test/v1')).toBe('https://[REDACTED]@api.example.test/v1')
    expect(shown('curl -u https://sk_test_0123456789abcdefABCDEF:@api.stripe.test/v1')).toBe('curl -u https://[REDACTED]@api.stripe.test/v1')
    expect(shown('https://0a1b2c3d4e5f60718293a4b5c6d7e8f9:x-oauth-basic@github.com/org/repo.git')).toBe('https://[REDACTED]@github.com/org/repo.git')
    expect(shown('https://octocat:x-oauth-basic@github.com/org/repo.git')).toBe('https://[REDACTED]@github.com/org/repo.git')
  })

  it('masks the password alone beside an empty user', () => {
    expect(shown('redis://:s3cret-pw@127.0.0.1:6379/0')).toBe('redis://:***@127.0.0.1:6379/0')
  })
})

describe('credentials written without the //', () => {
  it('keep the user where nothing else can be read as it', () => {
    expect(shown('DATABASE_URL=app:s3cret-pw@db/app')).toBe('DATABASE_URL=app:***@db/app')
    expect(shown('got "http//app:s3cret-pw@host/x"')).toBe('got "http//app:***@host/x"')
    expect(shown('got "http:/app:s3cret-pw@host/x"')).toBe('got "http:/app:***@host/x"')
  })

  it('mask the user too where the word before it may be a scheme or the user', () => {
    // `postgres:app:pw@db`: the scheme `postgres:` and the user `app`, or the user `postgres` and the password `app:pw`.
    expect(shown('got "postgres:app:s3cret-pw@db/x"')).toBe('got "postgres:[REDACTED]@db/x"')
  })
})
