/**
 * A database's connection URL as every state backend and the pg-proxy show it in messages: the password
 * masked whole, however it is written; the user name shown, a role the reader needs; a secret query
 * parameter masked by name, as in any URL.
 */
import { describe, expect, it } from 'vitest'
import { REDACTED, redactConnectionUrl, redactWholeUrl } from '../src/index'

describe('redactWholeUrl', () => {
  it('masks a password that holds what ends a URL in text whole, and a user alone, which may be a token', () => {
    expect(redactWholeUrl('smtp://app:se cret@127.0.0.1:1025')).toBe('smtp://app:***@127.0.0.1:1025')
    expect(redactWholeUrl('https://tok3n@mail.example.test/api')).toBe(`https://${REDACTED}@mail.example.test/api`)
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
  })
})
