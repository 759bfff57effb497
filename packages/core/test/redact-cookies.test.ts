/**
 * A request's `Cookie` holds the client's session beside cookies that are plain parameters (an OpenAPI
 * operation's `shelf_size=0`): only the secret cookies are masked (named as a session or a credential is,
 * or holding a value known to be secret), and only those are learnt as secrets; the client's own cookies
 * (the config's) are secrets whatever their names. The whole header was masked, and every cookie's value
 * learnt: a report hid the very value a bug was reached through.
 */
import { afterEach, describe, expect, it } from 'vitest'
import { REDACTED, knownSecrets, redactHeaders, redactText, secretsOfHeader } from '../src'

afterEach(() => knownSecrets.clear())

describe('the Cookie header', () => {
  it('masks the cookies named as secrets and keeps the plain ones', () => {
    const cookie = 'shelf_size=0; theme=dark; sid=a1; connect.sid=s%3Aabc; PHPSESSID=x9; auth_token=t; csrftoken=c; remember_me=r; lang=en-GB'
    expect(redactHeaders({ Cookie: cookie }).cookie).toBe(
      `shelf_size=0; theme=dark; sid=${REDACTED}; connect.sid=${REDACTED}; PHPSESSID=${REDACTED}; auth_token=${REDACTED}; csrftoken=${REDACTED}; remember_me=${REDACTED}; lang=en-GB`,
    )
  })

  it('masks a cookie whose value is a known secret, holds a token or reads as a generated key, and a value with no name', () => {
    knownSecrets.add(['configured-4711'])
    const jwt = 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.c2lnbmF0dXJlc2lnbmF0dXJl'
    expect(redactHeaders({ cookie: `pref=configured-4711; view=${jwt}; page=2` }).cookie).toBe(`pref=${REDACTED}; view=${REDACTED}; page=2`)
    expect(redactHeaders({ cookie: 'x=Zq81vKx0Lr5mWp2TnB7c9; lang=en' }).cookie).toBe(`x=${REDACTED}; lang=en`)
    expect(redactHeaders({ cookie: 'Zq81vKx0Lr5mWp2TnB7c' }).cookie).toBe(REDACTED)
  })

  it("learns a request's secret cookies only, and every cookie of the client's own", () => {
    expect(secretsOfHeader('cookie', 'shelf_size=1234; session_id=v4lue-1')).toEqual(['v4lue-1', 'session_id=v4lue-1'])
    knownSecrets.add(secretsOfHeader('Cookie', 'shelf_size=1234; session_id=v4lue-1'))
    expect(redactText('shelf 1234 of v4lue-1')).toBe(`shelf 1234 of ${REDACTED}`)
    knownSecrets.add(secretsOfHeader('cookie', 'theme=darkmode', { everyCookie: true }))
    expect(redactHeaders({ cookie: 'theme=darkmode; page=2' }).cookie).toBe(`theme=${REDACTED}; page=2`)
  })

  it('masks the whole header when the caller names it a secret, and a Set-Cookie as before', () => {
    expect(redactHeaders({ Cookie: 'page=2' }, { extraKeys: ['cookie'] }).cookie).toBe(REDACTED)
    expect(redactHeaders({ 'Set-Cookie': 'page=2; Path=/' })['set-cookie']).toBe(REDACTED)
  })
})
