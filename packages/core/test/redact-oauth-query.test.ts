/**
 * OAuth's secrets in a query or a form body: an authorization code (`?code=`, RFC 6749 4.1.2), a PKCE
 * `code_verifier` (RFC 7636), a `device_code` (RFC 8628), a client's `assertion` (RFC 7521), a signed
 * callback's `hmac`. Secret by the one rule for a query's names (isSecretQueryName), which every writer
 * asks: the record of a URL, a form body, free text, a regression journey. As a body key `code` stays
 * data (an error's code, a country's).
 */
import { afterEach, describe, expect, it } from 'vitest'
import { REDACTED, type RunResult, isSecretQueryName, knownSecrets, redactBody, redactHeaders, redactRun, redactText, redactUrl, redactValue, secretsOfBodyText, secretsOfUrl, secretsOfUrlHeader } from '../src'

afterEach(() => knownSecrets.clear())

const CODE = 'SplxlOBeZQQYbYS6WxSbIA'
const VERIFIER = 'dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk'

describe('an OAuth secret in a query or a form', () => {
  it('is secret by its name in a query, whatever its case; names that merely end in `code` are not', () => {
    for (const name of ['code', 'Code', 'code_verifier', 'codeVerifier', 'device_code', 'auth_code', 'assertion', 'client_assertion', 'hmac'])
      expect(isSecretQueryName(name), name).toBe(true)
    for (const name of ['country_code', 'error_code', 'zip_code', 'promo', 'state', 'nonce', 'codec', 'encode', 'redirect_uri', 'grant_type'])
      expect(isSecretQueryName(name), name).toBe(false)
  })

  it('is masked in a URL and in text holding one (an error, a log line), the other parameters shown', () => {
    const url = `https://app.test/oauth/callback?code=${CODE}&state=st-1`
    expect(redactUrl(url)).toBe(`https://app.test/oauth/callback?code=${REDACTED}&state=st-1`)
    expect(redactText(`GET ${url} failed: ECONNRESET`)).toBe(`GET https://app.test/oauth/callback?code=${REDACTED}&state=st-1 failed: ECONNRESET`)
    expect(redactText(`/cb?state=st-1&hmac=9f86d081884c7d65&shop=a`)).toBe(`/cb?state=st-1&hmac=${REDACTED}&shop=a`)
    expect(redactHeaders({ location: `/oauth/callback?code=${CODE}&state=st-1` })).toEqual({ location: `/oauth/callback?code=${REDACTED}&state=st-1` })
  })

  it('is remembered from the URL, and then masked wherever it turns up', () => {
    const secrets = secretsOfUrl(`https://app.test/oauth/callback?code=${CODE}&state=st-1`)
    expect(secrets).toContain(CODE)
    expect(secrets).not.toContain('st-1')
    knownSecrets.add(secrets)
    expect(redactText(`exchanged ${CODE} twice`)).toBe(`exchanged ${REDACTED} twice`)
  })

  it('is read from a URL given relative to its origin, as a Location header gives it', () => {
    expect(secretsOfUrl(`/oauth/callback?code=${CODE}&state=st-1`)).toContain(CODE)
  })

  it('is masked in a form body, and found there as a secret, as a token request sends it', () => {
    const form = `grant_type=authorization_code&code=${CODE}&code_verifier=${VERIFIER}&redirect_uri=https%3A%2F%2Fapp.test%2Fcb`
    expect(redactBody(form)).toBe(`grant_type=authorization_code&code=${REDACTED}&code_verifier=${REDACTED}&redirect_uri=https%3A%2F%2Fapp.test%2Fcb`)
    expect(secretsOfBodyText(form)).toEqual([CODE, VERIFIER])
  })

  it('leaves `code` as a JSON key alone: there it is data', () => {
    expect(redactValue({ code: 'NOT_FOUND', message: 'no such order' })).toEqual({ code: 'NOT_FOUND', message: 'no such order' })
    expect(redactText('{"code":"NOT_FOUND"} code: 404')).toBe('{"code":"NOT_FOUND"} code: 404')
  })
})

describe('a URL in a response header', () => {
  it('gives the secrets of its query (a redirect with a code), and a header holding no URL gives none', () => {
    expect(new Set(secretsOfUrlHeader('Location', `/oauth/callback?code=${CODE}&state=st-1`))).toEqual(new Set([CODE]))
    expect(new Set(secretsOfUrlHeader('content-location', `https://app.test/cb?access_token=${VERIFIER}`))).toEqual(new Set([VERIFIER]))
    expect(secretsOfUrlHeader('x-next', `/oauth/callback?code=${CODE}`)).toEqual([])
    expect(secretsOfUrlHeader('location', '/items/4')).toEqual([])
  })

  it('in a run a report shows, masks the code wherever else it stands', () => {
    const run = {
      journeys: [
        {
          name: 'j',
          nodes: [{ kind: 'step', name: 's', error: { kind: 'assertion', message: `kept ${CODE}` }, response: { status: 302, headers: { location: `/cb?code=${CODE}` } } }],
          issues: [],
        },
      ],
      issues: [],
    } as unknown as RunResult
    expect(JSON.stringify(redactRun(run))).not.toContain(CODE)
  })
})
