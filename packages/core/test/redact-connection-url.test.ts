/**
 * A database's connection URL as every state backend and the pg-proxy show it in messages: the password
 * masked whole, however it is written; the user name shown, a role the reader needs; a secret query
 * parameter masked by name, as in any URL.
 */
import { describe, expect, it } from 'vitest'
import { REDACTED, mayHoldSecrets, redactConnectionUrl, redactCredentials, redactText, redactUrl, redactWholeUrl, secretsOfValue } from '../src/index'

describe('redactWholeUrl', () => {
  it('masks a password that holds what ends a URL in text whole, and a user alone with the form of a token', () => {
    expect(redactWholeUrl('smtp://app:se cret@127.0.0.1:1025')).toBe('smtp://app:***@127.0.0.1:1025')
    expect(redactWholeUrl('https://0a1b2c3d4e5f60718293a4b5c6d7e8f9@mail.example.test/api')).toBe(`https://${REDACTED}@mail.example.test/api`)
    expect(redactWholeUrl('https://mailer@mail.example.test/api')).toBe('https://mailer@mail.example.test/api')
  })
})

describe('redactConnectionUrl', () => {
  it('masks the password and keeps the user, the host and the rest', () => {
    expect(redactConnectionUrl('mysql://root:pw@db:3306/app')).toBe('mysql://root:***@db:3306/app')
    expect(redactConnectionUrl('postgres://app:s3cret@db:5432/shop?sslmode=require')).toBe('postgres://app:***@db:5432/shop?sslmode=require')
    expect(redactConnectionUrl('mariadb://:secret@db/app')).toBe('mariadb://:***@db/app')
    expect(redactConnectionUrl('postgres://u:pw@127.0.0.1/db?application_name=a@b#x')).toBe('postgres://u:***@127.0.0.1/db?application_name=a@b#x')
  })

  it('masks a password that holds an @, a / or a # whole (the host starts after the last @)', () => {
    for (const url of ['postgres://postgres:up@secret@127.0.0.1:5999/db', 'postgres://postgres:p@ss/w@rd@127.0.0.1:5999/db', 'postgres://postgres:a/b@c@127.0.0.1:5999/db', 'postgres://postgres:p#w@rd@127.0.0.1:5999/db'])
      expect(redactConnectionUrl(url), url).toBe('postgres://postgres:***@127.0.0.1:5999/db')
  })

  it('masks a password that holds what ends a URL in text (a line break, a space, a quote) whole', () => {
    for (const password of ['se\ncret', 'se\rcret', 'se\u2028cret', 'se cret', 'se"cret', "se'cret", 'se<cret>', 'se`cret'])
      expect(redactConnectionUrl(`mysql://root:${password}@127.0.0.1:3306/app`), password).toBe('mysql://root:***@127.0.0.1:3306/app')
  })

  it('masks a secret query parameter by its name', () => {
    expect(redactConnectionUrl('postgres://app@db/shop?password=s3cret&sslmode=disable')).toBe(`postgres://app@db/shop?password=${REDACTED}&sslmode=disable`)
    for (const query of ['password=se-cret', 'user=root&pwd=se-cret&ssl=false', 'PASSWORD=se%2Dcret', 'sslpassword=se-cret'])
      expect(redactConnectionUrl(`mysql://root@db/app?${query}`), query).not.toMatch(/se-?(%2D)?cret/)
    expect(redactConnectionUrl('mysql://root@db/app?ssl=true&charset=utf8mb4')).toBe('mysql://root@db/app?ssl=true&charset=utf8mb4')
  })

  it('shows a user with no password (a role), unless it has the form of a token', () => {
    expect(redactConnectionUrl('postgres://postgres@127.0.0.1:6543/db')).toBe('postgres://postgres@127.0.0.1:6543/db')
    expect(redactConnectionUrl('mysql://root:@db/app')).toBe('mysql://root:@db/app')
    const jwt = 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.c2lnbmF0dXJl'
    expect(redactConnectionUrl(`postgres://${jwt}@db/app`)).toBe(`postgres://${REDACTED}@db/app`)
    expect(redactConnectionUrl('postgres://ghp_abcdefghijklmnopqrstuvwxyz0123:@db/app')).toBe(`postgres://${REDACTED}@db/app`)
    // A generated key goes as in any text: shown here, it was hidden again where every printed line is masked.
    expect(redactConnectionUrl('postgres://0a1b2c3d4e5f60718293a4b5c6d7e8f9@db/app')).toBe(`postgres://${REDACTED}@db/app`)
  })
})

// A user alone may hold an unencoded `@` (`tok@en`): the authority runs from `//` to the first `/`, `?` or
// `#`, and its last `@` ends the user part, as a URL's parser reads it. Shown as written before; masked
// whole, where a user alone without one is shown. Each way a message or a report shows a URL masks it the same.
describe('a user alone that holds an @', () => {
  const written = ['postgres://tok@en@db/x', 'postgres://tok@en@db:5432/x?sslmode=disable', 'postgres://a@b@c@db', 'redis://tok@en@127.0.0.1:6379/0']
  const masked = [`postgres://${REDACTED}@db/x`, `postgres://${REDACTED}@db:5432/x?sslmode=disable`, `postgres://${REDACTED}@db`, `redis://${REDACTED}@127.0.0.1:6379/0`]

  it('is masked whole by redactWholeUrl and redactConnectionUrl (no role: a later @ may make it a credential)', () => {
    written.forEach((url, i) => {
      expect(redactWholeUrl(url), url).toBe(masked[i])
      expect(redactConnectionUrl(url), url).toBe(masked[i])
    })
  })

  it('is masked whole in free text, as the console, the logs and every report show it', () => {
    written.forEach((url, i) => {
      expect(redactText(`cannot connect to ${url}: refused`), url).toBe(`cannot connect to ${masked[i]}: refused`)
      expect(redactCredentials(`DATABASE_URL=${url}`), url).toBe(`DATABASE_URL=${masked[i]}`)
      expect(redactUrl(url), url).toBe(masked[i])
    })
  })

  it('an @ after the authority is the path\'s: the user before the first is the user, the path kept', () => {
    expect(redactText('postgres://app@db/x@y')).toBe('postgres://app@db/x@y')
    expect(redactConnectionUrl('postgres://app@db/x@y')).toBe('postgres://app@db/x@y')
    expect(redactText('https://h/users/ada@example.test')).toBe('https://h/users/ada@example.test')
  })

  it('leaves an scp-style Git remote and its ref (no scheme, a / before the last @) as written', () => {
    expect(redactText('git@github.com:org/repo@v1.2')).toBe('git@github.com:org/repo@v1.2')
    expect(redactText('install git@github.com:org/repo@v1.2 first')).toBe('install git@github.com:org/repo@v1.2 first')
  })

  it('is a secret of the options that hold the URL, so a message that names the user masks it too; a plain role is none', () => {
    expect(secretsOfValue({ url: 'postgres://tok@en@db/x' })).toContain('tok@en')
    expect(secretsOfValue({ url: 'postgres://app@db/x' })).toEqual([])
    expect(secretsOfValue({ url: 'postgres://tok@en:pw@db/x' })).not.toContain('tok@en')
  })

  it('keeps the user beside a password, and masks the password', () => {
    expect(redactText('postgres://tok@en:pw@db/x')).toBe('postgres://tok@en:***@db/x')
    expect(redactConnectionUrl('postgres://tok@en:pw@db/x')).toBe('postgres://tok@en:***@db/x')
  })
})

// A user alone (or beside an empty password) may hold an unencoded `/` (`to/k`): a database's, a cache's or a
// broker's client reads its user part to the last `@` before the host, while a URL's parser reads `to` as the
// host and the rest as a path, and the user was shown. Masked whole, as a user that holds an `@` is; a web
// URL's `@` after a `/` stays its path's.
describe('a user alone that holds a /', () => {
  const written = ['postgres://to/k@db/x', 'mysql://u/x:@db:3306/app', 'redis://a/b/c@127.0.0.1:6379/0', 'amqp://to/k@mq/vhost?heartbeat=5']
  const masked = [`postgres://${REDACTED}@db/x`, `mysql://${REDACTED}@db:3306/app`, `redis://${REDACTED}@127.0.0.1:6379/0`, `amqp://${REDACTED}@mq/vhost?heartbeat=5`]

  it('is masked whole in free text, whole URLs and connection URLs', () => {
    written.forEach((url, i) => {
      expect(redactText(`cannot connect to ${url}: refused`), url).toBe(`cannot connect to ${masked[i]}: refused`)
      expect(redactCredentials(`DATABASE_URL=${url}`), url).toBe(`DATABASE_URL=${masked[i]}`)
      expect(redactWholeUrl(url), url).toBe(masked[i])
      expect(redactConnectionUrl(url), url).toBe(masked[i])
    })
  })

  it('is a secret of the options that hold the URL; a web path and a user beside a password are as before', () => {
    expect(secretsOfValue({ url: 'postgres://to/k@db/x' })).toContain('to/k')
    // A body that holds such a URL is read for its secrets, its slashes escaped or not.
    expect(mayHoldSecrets(JSON.stringify({ id: 'redis://to/k@db/x' }))).toBe(true)
    expect(mayHoldSecrets('{"id":"redis:\\/\\/to\\/k@db\\/x"}')).toBe(true)
    expect(redactText('https://api/users/ada@example.test')).toBe('https://api/users/ada@example.test')
    expect(redactText('postgres://to/k:pw@db/x')).toBe('postgres://to/k:***@db/x')
  })
})
