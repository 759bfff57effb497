import { describe, expect, it } from 'vitest'
import { MADE_UP_SECRET_PREFIX, type RunResult, isMadeUpSecret, isSecretKey, knownSecrets, redactBody, redactHeaders, redactRun, redactText, redactUrl, secretsOfBodyText } from '../src'

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

describe('a value VenomQA made up for a secret query parameter or form field', () => {
  // An OpenAPI sample of `?session=` was masked in the request line, and a regression journey then read it
  // from a variable no one could know the value of, as it did for a body's `secret`.
  it('is shown in a query and a form as under a body key; a real value beside it is masked', () => {
    const made = `${MADE_UP_SECRET_PREFIX}session-1`
    expect(redactText(`GET /me?session=${made}&password=${MADE_UP_SECRET_PREFIX}password-1&token=real-token-4711`)).toBe(
      `GET /me?session=${made}&password=${MADE_UP_SECRET_PREFIX}password-1&token=[REDACTED]`,
    )
    // And in a log line, or JSON kept as text: what a body shows parsed.
    expect(redactText(`password: ${MADE_UP_SECRET_PREFIX}password-1, token: real-token-4711`)).toBe(`password: ${MADE_UP_SECRET_PREFIX}password-1, token: [REDACTED]`)
    expect(redactText(`{"secret":"${MADE_UP_SECRET_PREFIX}secret-1","token":"real-token-4711"`)).toBe(`{"secret":"${MADE_UP_SECRET_PREFIX}secret-1","token":"[REDACTED]"`)
    expect(redactBody(`user=ada&key=${MADE_UP_SECRET_PREFIX}key-1&sig=real-sig-4711`)).toBe(`user=ada&key=${MADE_UP_SECRET_PREFIX}key-1&sig=[REDACTED]`)
    expect(redactUrl(`http://h.test/me?shop_ref=${MADE_UP_SECRET_PREFIX}x-1&session=${made}`, { extraKeys: ['shop_ref'] })).toBe(
      `http://h.test/me?shop_ref=${MADE_UP_SECRET_PREFIX}x-1&session=${made}`,
    )
  })
})

describe('a value VenomQA made up for a secret header', () => {
  // An OpenAPI sample of a required `X-Api-Key` header parameter was masked in every record, and a
  // regression journey then read it from a variable no one could know the value of.
  it('is shown as sent, in a record and in a report; a real value beside it is masked', () => {
    const made = `${MADE_UP_SECRET_PREFIX}X-Api-Key-1`
    const headers = { 'X-Api-Key': made, 'x-session-token': 'real-session-4711', authorization: `Bearer ${MADE_UP_SECRET_PREFIX}token-1`, 'x-tenant': 'acme' }
    const shown = { 'x-api-key': made, 'x-session-token': '[REDACTED]', authorization: '[REDACTED]', 'x-tenant': 'acme' }
    expect(redactHeaders(headers)).toEqual(shown)
    const run = { journeys: [{ steps: [{ exchanges: [{ request: { method: 'GET', url: 'http://h.test/me', headers } }] }] }] } as unknown as RunResult
    expect(JSON.stringify(redactRun(run))).toContain(JSON.stringify(shown))
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

describe('a body field named auth', () => {
  // `?auth=` in a query and an `X-Auth` header were masked, and `{"auth": "..."}` in a body was shown in every report.
  it('is masked as the query parameter and the header are, and so is one ending in _auth or -auth', () => {
    for (const key of ['auth', 'Auth', 'AUTH', 'basic_auth', 'proxy-auth', 'x_auth', 'GITHUB_AUTH']) expect(isSecretKey(key), key).toBe(true)
    // Inside a word, or before the last part (what the value is about): shown, as `X-Author` and `X-Auth-User` are.
    for (const key of ['author', 'authority', 'authors', 'oauth', 'auth_type', 'auth_url', 'authMethod', 'authenticated', 'co_author']) expect(isSecretKey(key), key).toBe(false)
    const body = { auth: 'Zm9vOmJhcg-auth-7c1e', author: 'Ada', authority: 'example.test', basic_auth: 'dXNlcjpwdw-77', auth_type: 'basic' }
    expect(redactBody(body)).toEqual({ auth: '[REDACTED]', author: 'Ada', authority: 'example.test', basic_auth: '[REDACTED]', auth_type: 'basic' })
    expect(redactBody(JSON.stringify(body))).toBe(JSON.stringify({ ...body, auth: '[REDACTED]', basic_auth: '[REDACTED]' }))
    // Remembered, from a JSON or a form body, so that the value is masked wherever else it turns up (an echo, an error).
    expect(secretsOfBodyText(JSON.stringify(body))).toEqual(['Zm9vOmJhcg-auth-7c1e', 'dXNlcjpwdw-77'])
    expect(secretsOfBodyText('auth=Zm9vOmJhcg-auth-7c1e&author=Ada')).toEqual(['Zm9vOmJhcg-auth-7c1e'])
    // In a report: where it sits, and where the step's error quotes it.
    const run = {
      journeys: [
        {
          name: 'j',
          nodes: [
            {
              kind: 'step',
              name: 's',
              error: { kind: 'assertion', message: 'login with Zm9vOmJhcg-auth-7c1e was refused' },
              request: { method: 'POST', url: 'http://h.test/login', headers: {}, body: { auth: 'Zm9vOmJhcg-auth-7c1e', author: 'Ada' } },
            },
          ],
          issues: [],
        },
      ],
      issues: [],
    } as unknown as RunResult
    const report = JSON.stringify(redactRun(run))
    expect(report).not.toContain('Zm9vOmJhcg-auth-7c1e')
    expect(report).toContain('"author":"Ada"')
    // An object under `auth` says how to authenticate: read field by field, its secrets masked by their own names.
    expect(redactBody({ auth: { type: 'bearer', bearer: [{ key: 'token', value: 'tok-1a2b3c4d' }] } })).toEqual({
      auth: { type: 'bearer', bearer: [{ key: 'token', value: '[REDACTED]' }] },
    })
  })
})
