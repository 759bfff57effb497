/**
 * The credentials of a URL as a config error, a plugin error or a report quotes them, written well or
 * slightly wrong (`http//`, `http:/`, `postgres:`, no scheme at all), with a password as users write
 * them: unencoded `@`, `#`, `/`, `:`, `?`, `'`, `%` in it, digits before a `/` as a port would stand, and a
 * user of digits only. No piece of the password may stay.
 */
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { redactCredentials, redactText } from '../src'

/**
 * Every piece of a password starts with `Q`, and its digits are `8`s, which nothing else in the text
 * holds: a `Q` or an `8` left is a piece of it.
 */
const PASSWORD_PIECES = ['Q', 'Qx', 'Q7', 'Q@', 'Q#', 'Q/', 'Q:', 'Q?', 'Q%', 'Q%2', 'Q&', 'Q=', "Q'", 'Q!', 'Q$', 'Q;', 'Q,', 'Q.', 'Q~', 'Q*', 'Q+', 'Q(', 'Q)', 'Q[', 'Q]', 'Q\\']
/** Digits that start a password, and what follows them: `u:4821/x@db` reads like a host and a port. */
const DIGITS = ['', '8', '88', '888', '8888', '88888']
const AFTER_DIGITS = ['', '/', '?', '#', '@', "'", ':']
const password = fc
  .tuple(fc.constantFrom(...DIGITS), fc.constantFrom(...AFTER_DIGITS), fc.array(fc.constantFrom(...PASSWORD_PIECES), { maxLength: 8 }))
  .map(([digits, after, pieces]) => `${digits}${digits ? after : ''}${pieces.join('')}`)
  .filter((pw) => /[Q8]/.test(pw))
  // The price of keeping `https://u:p@host/x?email=a@b.test` and `http://api:3000/x?email=a@b.test`
  // readable: after an `@` of the password, or after digits where a port stands, a `?`, a name and `=` (or
  // a `&`) read as a host or a port and its query, as a URL parser reads them.
  .filter((pw) => !/@[^?@]*\?[^@=&]*[=&]/.test(pw) && !/^8{1,5}(?:[/#][^?@]*)?\?[^@=&]*[=&]/.test(pw))
/**
 * Not a host by its form (`localhost`, `db.internal`: a host and its port, see notPort) nor an address
 * label (`mailto:`, `from:`): see LOOSE_CREDENTIALS. Digits only are a user too.
 */
const user = fc.constantFrom('', 'u', 'app', 'root', 'deploy', 'svc.acct-1', 'a_b', 'ADMIN', 'u%40corp', '0', '42', '1234')
const scheme = fc.constantFrom('http', 'https', 'postgres', 'postgresql', 'mysql', 'mariadb', 'redis', 'rediss', 'amqp', 'mongodb+srv')
/** How the part before the user is written: well, slightly wrong, or not at all. */
const form = fc.constantFrom('://', ':/', '//', ':', '')
const host = fc.constantFrom('127.0.0.1', 'db.internal:5432', 'h', '[::1]:6379', 'localhost:3306')
const rest = fc.constantFrom('', '/', '/db', '/app?sslmode=require', '/0', '/users/ada?email=a@b.test', '#frag')
/**
 * Where the URL stands: alone, quoted by a config error, in a connection error, a variable and its
 * default, brackets, a query's value.
 */
// biome-ignore lint/suspicious/noTemplateCurlyInString: a config variable's default, as a config error quotes it
const context = fc.constantFrom('%', 'got "%"', 'cannot connect to %: refused', 'DATABASE_URL=%', '[%]', '<%>', "url '%' failed", '(%)', '%\nnext line', '${DATABASE_URL:-%}', 'GET /x?dsn=%&page=2')

describe('the credentials of a URL, however it is written', () => {
  it('leave no piece of the password in redactText or redactCredentials', () => {
    fc.assert(
      fc.property(scheme, form, user, password, host, rest, context, (s, f, u, pw, h, r, c) => {
        // A query's value ends where a `&`, a name and `=` start the next pair, as a parser ends it, unless a
        // `://` says a URL starts there.
        fc.pre(!(c.includes('?dsn=') && f !== '://' && /&[^\s&=@#"'<>]*=/.test(pw)))
        const url = `${f === '' ? '' : s + f}${u}:${pw}@${h}${r}`
        const text = c.replace('%', url)
        const masked = redactText(text)
        expect(masked, text).not.toMatch(/[Q8]/)
        expect(redactCredentials(text), text).not.toMatch(/[Q8]/)
        // Masked once is masked for good: a report masks again what the runner masked.
        expect(redactText(masked), text).toBe(masked)
      }),
      { numRuns: 5000 },
    )
  })

  it('keep the host, what stands before the user, and the user where nothing else can be read as it', () => {
    fc.assert(
      fc.property(scheme, form, user, password, host, (s, f, u, pw, h) => {
        const before = `${f === '' ? '' : s + f}${u}:`
        const masked = redactText(`got "${before}${pw}@${h}/db"`)
        // After a slash the user is sure: shown, the password masked as every package masks it.
        // Else the user shown too, or, when a word and a colon before it may be the scheme or the user
        // (`postgres:app:Q@h`, `app:Q:Q@h`), masked from where the two readings part.
        const whole = f.includes('/') ? undefined : /^got "(.*)\[REDACTED\]@/.exec(masked)?.[1]
        if (whole === undefined) expect(masked).toBe(`got "${before}***@${h}/db"`)
        else {
          expect(masked.endsWith(`[REDACTED]@${h}/db"`), masked).toBe(true)
          expect(before.startsWith(whole), masked).toBe(true)
        }
      }),
      { numRuns: 2000 },
    )
  })
})

/**
 * A Bearer or Basic credential and a challenge's parameters, side by side in the texts that quote them: a
 * header line, an error, a JSON string. Every piece of a token starts with `Q` (nothing else holds one);
 * some start as a parameter's name does (`realmQ...`). A challenge's parameters are shown as written.
 */
const TOKEN_CHARS = ['Q', 'Qx', 'Q7', 'Q-', 'Q.', 'Q_', 'Q~', 'Q+', 'Q/']
const PARAM_NAMES = ['realm', 'scope', 'error', 'error_description', 'error_uri', 'charset', 'resource_metadata', 'Realm', 'ERROR']
const token = fc
  .tuple(fc.constantFrom('', ...PARAM_NAMES), fc.array(fc.constantFrom(...TOKEN_CHARS), { minLength: 1, maxLength: 12 }), fc.constantFrom('', '=', '=='))
  .map(([start, pieces, padding]) => `${start}${pieces.join('')}${padding}`)
const paramValue = fc.constantFrom('"api"', '"invalid_token"', '"read write"', '"The access token expired"', 'api', '"https://as.test/x"', '"UTF-8"')
const challenge = fc
  .array(fc.tuple(fc.constantFrom(...PARAM_NAMES), fc.constantFrom('=', ' = '), paramValue), { minLength: 1, maxLength: 4 })
  .map((params) => params.map(([name, eq, value]) => `${name}${eq}${value}`).join(', '))
const authScheme = fc.constantFrom('Bearer', 'Basic')
const quoted = fc.constantFrom('%', 'WWW-Authenticate: %', 'Authorization: %', 'got 401 (%)', '[%]', 'JSON')
const inContext = (where: string, text: string) => (where === 'JSON' ? JSON.stringify({ header: text }) : where.replace('%', text))

describe('a Bearer or Basic credential and a challenge, however they are quoted', () => {
  it('the credential leaves no piece, with or without its padding', () => {
    fc.assert(
      fc.property(authScheme, token, quoted, (s, t, where) => {
        const text = inContext(where, `${s} ${t}`)
        const masked = redactText(text)
        expect(masked, text).not.toMatch(/Q/)
        expect(redactText(masked), text).toBe(masked)
        // redactCredentials leaves a short value, which a message's words may be; one of 16 characters before its padding goes.
        if (t.replace(/=+$/, '').length >= 16) expect(redactCredentials(text), text).not.toMatch(/Q/)
      }),
      { numRuns: 3000 },
    )
  })

  it("a challenge's parameters are shown as written", () => {
    fc.assert(
      fc.property(authScheme, challenge, quoted, (s, c, where) => {
        const text = inContext(where, `${s} ${c}`)
        expect(redactText(text), text).toBe(text)
        expect(redactCredentials(text), text).toBe(text)
      }),
      { numRuns: 3000 },
    )
  })
})
