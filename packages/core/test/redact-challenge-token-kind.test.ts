/**
 * What a server says about a credential is no credential: a challenge's parameters (`WWW-Authenticate:
 * Bearer realm="api", error="invalid_token"`) and a token's kind (`token_type=bearer` beside an OAuth
 * `access_token`). The credential beside them is still masked.
 */
import { afterEach, describe, expect, it } from 'vitest'
import { REDACTED, type RunResult, isSecretKey, isSecretQueryName, knownSecrets, redactBody, redactCredentials, redactHeaders, redactRun, redactText, redactUrl, secretsOfBodyText, secretsOfUrl } from '../src'
import { finishes } from './hang-guard'

afterEach(() => knownSecrets.clear())

const CHALLENGE = 'Bearer realm="api", error="invalid_token", error_description="The access token expired"'

describe("a challenge's parameters are shown, the credential is not", () => {
  it('in a header value, a log line and free text', () => {
    expect(redactHeaders({ 'WWW-Authenticate': CHALLENGE })).toEqual({ 'www-authenticate': CHALLENGE })
    expect(redactText(`WWW-Authenticate: ${CHALLENGE}`)).toBe(`WWW-Authenticate: ${CHALLENGE}`)
    expect(redactText(`401 from GET /me (www-authenticate: ${CHALLENGE})`)).toBe(`401 from GET /me (www-authenticate: ${CHALLENGE})`)
    expect(redactCredentials(`plugin saw ${CHALLENGE}`)).toBe(`plugin saw ${CHALLENGE}`)
    for (const challenge of [
      'Bearer error="insufficient_scope", scope="orders:write"',
      'Bearer scope="read write"',
      'Bearer error_uri="https://docs.test/errors#token"',
      'Bearer resource_metadata="https://api.test/.well-known/oauth-protected-resource"',
      'Basic realm="admin", charset="UTF-8"',
      'Basic Realm="admin"',
      'Bearer realm = "api"',
      'Bearer realm=api',
    ]) {
      expect(redactText(`WWW-Authenticate: ${challenge}`), challenge).toBe(`WWW-Authenticate: ${challenge}`)
      expect(redactCredentials(`WWW-Authenticate: ${challenge}`), challenge).toBe(`WWW-Authenticate: ${challenge}`)
    }
    // Escaped in JSON, as a results file or a logged header object holds it.
    const logged = JSON.stringify({ headers: { 'www-authenticate': CHALLENGE } })
    expect(redactText(logged)).toBe(logged)
  })

  it('a token is masked, with its `=` padding, whatever stands around it', () => {
    expect(redactText('Authorization: Bearer abc.def==')).toBe(`Authorization: Bearer ${REDACTED}`)
    expect(redactText('sent Bearer abc.def== to /me')).toBe(`sent Bearer ${REDACTED} to /me`)
    expect(redactText('Basic dXNlcjpwYXNzd29yZA==')).toBe(`Basic ${REDACTED}`)
    // One `=` of padding before the quote that ends a JSON string is no parameter.
    expect(redactText('{"auth":"Bearer dGVzdA="}')).toBe(`{"auth":"Bearer ${REDACTED}"}`)
    expect(redactText('Bearer dGVzdA=","next":1')).toBe(`Bearer ${REDACTED}","next":1`)
    // A token that only starts like a parameter's name.
    for (const token of ['realmQ9xLmTk2', 'error_descriptionXYZ1234567890', 'scopeQ.abc==', 'charset-Q7mLpZ'])
      expect(redactText(`Authorization: Bearer ${token}`), token).toBe(`Authorization: Bearer ${REDACTED}`)
    expect(redactCredentials('failed with Bearer error_descriptionXYZ1234567890==')).toBe(`failed with Bearer ${REDACTED}`)
    // A secret-named parameter keeps its value masked by its name.
    expect(redactText('Bearer realm="api", access_token="Tk-51ab9"')).toBe(`Bearer realm="api", access_token="${REDACTED}"`)
  })
})

describe("a token's kind is shown, the token is not", () => {
  const FRAGMENT = 'https://app.test/cb#access_token=SECRET-AT-1&token_type=bearer&expires_in=3600'
  const QUERY = 'https://app.test/cb?access_token=SECRET-AT-1&token_type=bearer&expires_in=3600&state=xyz'

  it('in the fragment of an implicit redirect and in a query', () => {
    expect(redactText(FRAGMENT)).toBe(`https://app.test/cb#access_token=${REDACTED}&token_type=bearer&expires_in=3600`)
    expect(redactUrl(FRAGMENT)).toBe(`https://app.test/cb#access_token=${REDACTED}&token_type=bearer&expires_in=3600`)
    expect(redactText(QUERY)).toBe(`https://app.test/cb?access_token=${REDACTED}&token_type=bearer&expires_in=3600&state=xyz`)
    expect(redactUrl(QUERY, { extraKeys: ['state'] })).toBe(`https://app.test/cb?access_token=${REDACTED}&token_type=bearer&expires_in=3600&state=${REDACTED}`)
    expect(secretsOfUrl(QUERY)).toEqual(['SECRET-AT-1', 'SECRET-AT-1'])
    expect(redactText('GET /cb?token_type=Bearer&token=Tk-2')).toBe(`GET /cb?token_type=Bearer&token=${REDACTED}`)
  })

  it('as a body key, a query name and in text JSON or a log line holds', () => {
    for (const name of ['token_type', 'tokenType', 'TOKEN_TYPE', 'token_type_hint', 'subject_token_type', 'requested_token_type', 'issued_token_type']) {
      expect(isSecretKey(name), name).toBe(false)
      expect(isSecretQueryName(name), name).toBe(false)
    }
    // Names that only start like one hold a token.
    for (const name of ['token_type_secret', 'token_typeahead_key', 'subject_token', 'access_token']) expect(isSecretKey(name), name).toBe(true)
    const response = { access_token: 'SECRET-AT-1', token_type: 'bearer', expires_in: 3600, refresh_token: 'SECRET-RT-1' }
    expect(redactBody(response)).toEqual({ access_token: REDACTED, token_type: 'bearer', expires_in: 3600, refresh_token: REDACTED })
    expect(secretsOfBodyText(JSON.stringify(response))).toEqual(['SECRET-AT-1', 'SECRET-RT-1'])
    expect(redactText('{"access_token":"SECRET-AT-1","token_type":"bearer"')).toBe(`{"access_token":"${REDACTED}","token_type":"bearer"`)
    expect(redactText('token_type: bearer, token: Tk-2')).toBe(`token_type: bearer, token: ${REDACTED}`)
    expect(redactText('token_type_hint=refresh_token&token=Tk-2')).toBe(`token_type_hint=refresh_token&token=${REDACTED}`)
  })

  it("a run's token response does not make the word `bearer` a secret of every text", () => {
    const run = {
      journeys: [
        {
          steps: [
            { response: { body: { access_token: 'SECRET-AT-1', token_type: 'bearer' } }, message: 'got a bearer token SECRET-AT-1; redirect to #token_type=bearer' },
          ],
        },
      ],
    } as unknown as RunResult
    const message = (redactRun(run) as unknown as { journeys: { steps: { message: string }[] }[] }).journeys[0]!.steps[0]!.message
    expect(message).toBe(`got a bearer token ${REDACTED}; redirect to #token_type=bearer`)
  })
})

describe('the challenge and token-kind patterns on hostile text', () => {
  it('are read a bounded number of times', () => {
    for (const [label, hostile] of [
      ['Bearer+spaces', `Bearer${' '.repeat(1_400_000)}`],
      ['(Bearer realm=)*', 'Bearer realm='.repeat(120_000)],
      ['(Bearer error)*', 'Bearer error'.repeat(120_000)],
      ['Bearer error_description+', `Bearer ${'error_description'.repeat(80_000)}`],
      ['Bearer realm+tabs', `Bearer realm${'\t'.repeat(1_400_000)}`],
      ['(Basic  )*', 'Basic  '.repeat(200_000)],
      ['Bearer a+', `Bearer ${'a'.repeat(1_400_000)}`],
      ['Bearer =+', `Bearer x${'='.repeat(1_400_000)}`],
      ['(token_type=bearer&)*', 'token_type=bearer&'.repeat(80_000)],
      ['x_+token_type', `${'x_'.repeat(700_000)}token_type=1`],
      ['(token_)*', `${'token_'.repeat(240_000)}=1`],
      ['("token_type":)*', '"token_type":'.repeat(100_000)],
    ] as const) {
      // Linear, this takes milliseconds; quadratic, far longer than the guard (see finishes).
      finishes(label, () => {
        redactText(hostile)
        redactCredentials(hostile)
      })
    }
  })
})
