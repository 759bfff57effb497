/** What history keeps of a request: compact records, redacted when read, shared defaults never copied. */
import { REDACTED, knownSecrets } from '@venomqa/core'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { ExchangeRecord, rememberSecrets } from '../../src/http/record'
import { prepareRequest } from '../../src/http/prepare'

const startedAt = '2026-01-01T00:00:00.000Z'
const fields = { durationMs: 3, attempt: 1, startedAtMs: Date.parse(startedAt) }
afterEach(() => knownSecrets.clear())

describe('ExchangeRecord', () => {
  const { sent } = prepareRequest('POST', 'http://api.test', { authorization: 'Bearer tok-1234567' }, '/login?api_key=k-98765', { json: { user: 'ada', password: 'hunter22' } })
  const received = { status: 201, headers: { 'content-type': 'application/json', 'set-cookie': 'sid=s-424242' }, bodyText: '{"id":7,"token":"t-777777"}' }

  it('reads as a plain redacted exchange: JSON, Object.entries and spreading see request and response', () => {
    const record = new ExchangeRecord(sent, received, undefined, fields)
    const plain = JSON.parse(JSON.stringify(record))
    expect(plain).toEqual({
      request: { method: 'POST', url: `http://api.test/login?api_key=${REDACTED}`, headers: { authorization: REDACTED, 'content-type': 'application/json' }, body: { user: 'ada', password: REDACTED } },
      response: { status: 201, headers: { 'content-type': 'application/json', 'set-cookie': REDACTED }, body: { id: 7, token: REDACTED } },
      durationMs: 3,
      attempt: 1,
      startedAt,
    })
    expect(Object.keys(record)).toEqual(['request', 'response', 'durationMs', 'attempt', 'startedAt'])
    expect({ ...record }.response).toEqual(plain.response)
  })

  it('works the redacted form out once, on first read', () => {
    const record = new ExchangeRecord(sent, received, undefined, fields)
    expect(record.request).toBe(record.request)
    expect(record.response).toBe(record.response)
  })

  it('has no response for a failed attempt, and says why', () => {
    const record = new ExchangeRecord(sent, undefined, undefined, { ...fields, error: 'connection refused' })
    expect('response' in record).toBe(false)
    expect(record.error).toBe('connection refused')
    expect(record.request.method).toBe('POST')
  })

  it('redacts the extra keys the client was given', () => {
    const record = new ExchangeRecord(sent, { ...received, bodyText: '{"id":7,"user":"ada"}' }, ['user'], fields)
    expect(record.request.body).toEqual({ user: REDACTED, password: REDACTED })
    expect(record.response!.body).toEqual({ id: 7, user: REDACTED })
  })

  it('cuts a huge body and still redacts what is kept', () => {
    const big = JSON.stringify({ token: 'zz-secret-zz', pad: 'x'.repeat(70_000) })
    const record = new ExchangeRecord(sent, { ...received, bodyText: big }, undefined, fields)
    const body = record.response!.body as string
    expect(body).toMatch(/more characters\]$/)
    expect(body).not.toContain('zz-secret-zz')
  })

  it('a cache hit is a new entry over the same messages', () => {
    const first = new ExchangeRecord(sent, received, undefined, fields)
    const again = ExchangeRecord.cached(first)
    expect(again.fromCache).toBe(true)
    expect(again.durationMs).toBe(0)
    expect(again.response).toEqual(first.response)
    expect(ExchangeRecord.received(again)).toBe(received)
  })
})

describe('prepareRequest', () => {
  const defaults = Object.freeze({ accept: 'application/json' })

  it('shares the defaults when the request adds no headers, and one typed copy for every JSON body', () => {
    expect(prepareRequest('GET', 'http://api.test', defaults, '/a', {}).sent.headers).toBe(defaults)
    const one = prepareRequest('POST', 'http://api.test', defaults, '/a', { json: { n: 1 } }).sent.headers
    const two = prepareRequest('POST', 'http://api.test', defaults, '/b', { json: { n: 2 } }).sent.headers
    expect(one).toBe(two)
    expect(one).toEqual({ accept: 'application/json', 'content-type': 'application/json' })
  })

  it("merges the request's own headers without touching the defaults; undefined removes one", () => {
    const { sent } = prepareRequest('POST', 'http://api.test', defaults, '/a', { headers: { Accept: undefined, 'X-Trace': '1', 'Content-Type': 'text/plain' }, body: 'hi' })
    expect(sent.headers).toEqual({ 'x-trace': '1', 'content-type': 'text/plain' })
    expect(defaults).toEqual({ accept: 'application/json' })
    expect(sent.text).toBe('hi')
  })

  it("a made-up secret header value yields to the client's own value for that header, and is sent where the client has none", () => {
    const withKey = Object.freeze({ 'x-api-key': 'real-key-from-config' })
    const ownKey = prepareRequest('GET', 'http://api.test', withKey, '/a', { headers: { 'X-Api-Key': 'made-up-secret-X-Api-Key-1', 'X-Tenant': 't1' } })
    expect(ownKey.sent.headers).toEqual({ 'x-api-key': 'real-key-from-config', 'x-tenant': 't1' })
    // A real value the request gives still replaces the default, as any header does.
    expect(prepareRequest('GET', 'http://api.test', withKey, '/a', { headers: { 'x-api-key': 'another-real-key' } }).sent.headers).toEqual({ 'x-api-key': 'another-real-key' })
    expect(prepareRequest('GET', 'http://api.test', defaults, '/a', { headers: { 'X-Api-Key': 'made-up-secret-X-Api-Key-1' } }).sent.headers).toEqual({
      accept: 'application/json',
      'x-api-key': 'made-up-secret-X-Api-Key-1',
    })
  })

  it("a request's own Cookie header adds its cookies to the client's own, the request's winning for a name; other headers still replace", () => {
    const withSession = Object.freeze({ cookie: 'session=s3cr3t; theme=dark', 'x-tenant': 't0' })
    const { sent } = prepareRequest('GET', 'http://api.test', withSession, '/a', { headers: { Cookie: 'theme=light; lang=en', 'X-Tenant': 't1' } })
    expect(sent.headers).toEqual({ cookie: 'session=s3cr3t; theme=light; lang=en', 'x-tenant': 't1' })
    expect(withSession.cookie).toBe('session=s3cr3t; theme=dark')
    // With no cookie of the client's, the request's is sent as it is; undefined still removes the client's.
    expect(prepareRequest('GET', 'http://api.test', defaults, '/a', { headers: { cookie: 'lang=en' } }).sent.headers.cookie).toBe('lang=en')
    expect(prepareRequest('GET', 'http://api.test', withSession, '/a', { headers: { Cookie: undefined } }).sent.headers.cookie).toBeUndefined()
  })

  it('builds the URL from the base, the path and the query', () => {
    expect(prepareRequest('GET', 'http://api.test', defaults, 'items', { query: { q: 'a b', n: 2, skip: undefined } }).sent.url).toBe('http://api.test/items?q=a+b&n=2')
    expect(prepareRequest('GET', 'http://api.test', defaults, 'https://other.test/x?y=1', { query: { z: true } }).sent.url).toBe('https://other.test/x?y=1&z=true')
    expect(() => prepareRequest('GET', '', defaults, '/x', {})).toThrow(/needs a base URL/)
  })

  it('encodes a form body and shows a binary body by its size', () => {
    const form = prepareRequest('POST', 'http://api.test', {}, '/f', { form: { a: '1', b: 'x y' } })
    expect(form.body).toBe('a=1&b=x+y')
    expect(form.sent.headers['content-type']).toBe('application/x-www-form-urlencoded')
    const bin = prepareRequest('PUT', 'http://api.test', {}, '/b', { body: new Uint8Array(5) })
    expect(bin.sent.text).toBe('<5 bytes>')
    expect(bin.sent.headers).toEqual({})
  })
})

describe('rememberSecrets', () => {
  it('makes secrets of a request known to the process, so they are masked anywhere later', () => {
    rememberSecrets('http://u:pw-secret-1@api.test/x?token=q-secret-2', { authorization: 'Bearer b-secret-3', accept: 'text/plain' }, '{"password":"p-secret-4","name":"ada lovelace"}')
    const masked = knownSecrets.mask('pw-secret-1 q-secret-2 b-secret-3 p-secret-4 ada lovelace')
    expect(masked).toBe(`${REDACTED} ${REDACTED} ${REDACTED} ${REDACTED} ada lovelace`)
  })

  it('remembers the value of a header whose name holds a secret word (X-Client-Key, X-Custom-Auth), not of one that only looks alike', () => {
    rememberSecrets(undefined, { 'X-Client-Key': 'ck-secret-6', 'x-custom-auth': 'ca-secret-7', 'x-author': 'ada-lovelace' }, undefined)
    expect(knownSecrets.mask('ck-secret-6 ca-secret-7 ada-lovelace')).toBe(`${REDACTED} ${REDACTED} ada-lovelace`)
  })

  it("remembers the secrets of a redirect's URL (an OAuth code in `Location`) as the response comes, before the code is sent", () => {
    rememberSecrets(undefined, { location: '/oauth/callback?code=oc-secret-8&state=st-1', 'content-type': 'text/plain' }, undefined)
    expect(knownSecrets.mask('spent oc-secret-8 (st-1)')).toBe(`spent ${REDACTED} (st-1)`)
  })

  it('queues nothing for a message that can hold none, and still finds each kind of secret alone', () => {
    const queued = vi.spyOn(knownSecrets, 'addLater')
    try {
      rememberSecrets('http://api.test/items/7', { 'content-type': 'application/json', date: 'Mon' }, '{"id":7,"name":"item 7"}')
      rememberSecrets(undefined, Object.freeze({ accept: 'application/json' }), undefined)
      expect(queued).not.toHaveBeenCalled()

      rememberSecrets('http://api.test/x?sig=s-secret-1', {}, undefined)
      rememberSecrets(undefined, { cookie: 'sid=c-secret-2' }, undefined)
      rememberSecrets(undefined, {}, '{"refresh_token":"r-secret-3"}')
      // A redactKeys entry makes any body worth reading: its key may be any word.
      rememberSecrets(undefined, {}, '{"ssn":"n-secret-4"}', ['ssn'])
      // ... and so does a query parameter of that name.
      rememberSecrets('http://api.test/x?ssn=q-secret-5&page=2', {}, undefined, ['ssn'])
      expect(queued).toHaveBeenCalledTimes(5)
    } finally {
      queued.mockRestore()
    }
    expect(knownSecrets.mask('s-secret-1 c-secret-2 r-secret-3 n-secret-4 q-secret-5 item 7')).toBe(`${REDACTED} ${REDACTED} ${REDACTED} ${REDACTED} ${REDACTED} item 7`)
  })
})
