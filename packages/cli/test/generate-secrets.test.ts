import { type OpenApiDocument, operations } from '@venomqa/openapi'
import { secretsOfUrl } from '@venomqa/core'
import { describe, expect, it } from 'vitest'
import { generateJourneys } from '../src/generate/journeys'
import { sample, sampleParameter } from '../src/generate/sample'

// `venomqa generate` writes journeys that are committed: no secret of the document may be in one, whatever
// name it sits under. (generate-import.test.ts runs the written journeys end to end.)

const JWT = 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJhbCJ9.c2lnbmF0dXJlLXJlc3VsdA'
const STRIPE_KEY = 'sk_live_abcdefghijklmnopqrst'
const RANDOM_KEY = '9fK2mQ7xLp3RtV8wZ1nB4cD6'
const EXAMPLE_API_KEY = 'rk-EXAMPLE-API-KEY-1234'

const json = (schema: unknown) => ({ 'application/json': { schema } })

/** One operation of each kind these tests need, all tagged `notes`. */
function notesDocument(): OpenApiDocument {
  const note = {
    type: 'object',
    required: ['title', 'note', 'description'],
    properties: {
      title: { type: 'string', example: 'Groceries' },
      note: { type: 'string', example: JWT },
      description: { type: 'string', example: 'log in with password=hunter2 first' },
    },
  }
  return {
    openapi: '3.1.0',
    info: { title: 'notes', version: '1' },
    components: { securitySchemes: { WidgetKey: { type: 'apiKey', in: 'header', name: 'X-Widget-Key' } } },
    paths: {
      '/notes': {
        post: {
          tags: ['notes'],
          operationId: 'create_note',
          requestBody: { required: true, content: json(note) },
          responses: { 201: { description: 'made', content: json({ type: 'object', properties: { id: { type: 'integer' } } }) } },
        },
      },
      '/notes/{id}': {
        get: { tags: ['notes'], operationId: 'get_note', parameters: [{ name: 'id', in: 'path', required: true, schema: { type: 'integer' } }], responses: { 200: { description: 'ok' } } },
      },
      '/search': {
        get: {
          tags: ['notes'],
          operationId: 'search',
          parameters: [
            { name: 'cursor', in: 'query', required: true, schema: { type: 'string' }, example: STRIPE_KEY },
            { name: 'q', in: 'query', required: true, schema: { type: 'string' }, example: 'milk' },
          ],
          responses: { 200: { description: 'ok' } },
        },
      },
      '/reports': {
        get: {
          tags: ['notes'],
          operationId: 'list_reports',
          parameters: [
            { name: 'X-Api-Key', in: 'header', required: true, schema: { type: 'string' }, example: EXAMPLE_API_KEY },
            { name: 'X-Custom-Auth', in: 'header', required: true, schema: { type: 'string' } },
            // Optional: sent, it would make the journey fail where its variable is unset and the API needs none.
            { name: 'X-Session-Id', in: 'header', required: false, schema: { type: 'string' } },
            { name: 'X-Request-Id', in: 'header', required: true, schema: { type: 'string' } },
            { name: 'Accept-Version', in: 'header', required: true, schema: { type: 'string', enum: ['v2', 'v1'] } },
            { name: 'X-Tenant', in: 'header', required: true, schema: { type: 'string' }, example: 'acme' },
            { name: 'X-Trace', in: 'header', required: false, schema: { type: 'string' }, example: 'on' },
            { name: 'Content-Type', in: 'header', required: true, schema: { type: 'string' }, example: 'application/json' },
          ],
          responses: { 200: { description: 'ok' } },
        },
      },
      '/widgets': {
        get: {
          tags: ['notes'],
          operationId: 'list_widgets',
          security: [{ WidgetKey: [] }],
          // Declared as a parameter too, as documents often do: its scheme sends it already.
          parameters: [{ name: 'X-Widget-Key', in: 'header', required: true, schema: { type: 'string' } }],
          responses: { 200: { description: 'ok' } },
        },
      },
    },
  } as OpenApiDocument
}

function generated() {
  const doc = notesDocument()
  const result = generateJourneys(doc, operations(doc), { source: 'api.json' })
  return { ...result, content: result.files.map((f) => f.content).join('\n') }
}

describe('venomqa generate: required header parameters', () => {
  it('an innocent one is sent with its example or a value of its schema; one the client sets from the body is not', () => {
    const { content } = generated()
    expect(content).toContain("'X-Request-Id': 'XRequestId'")
    expect(content).toContain("'Accept-Version': 'v2'")
    expect(content).toContain("'X-Tenant': 'acme'")
    expect(content).not.toMatch(/'Content-Type'/)
  })
})

describe('venomqa generate: secret-named header parameters', () => {
  it('are sent, each read from an environment variable the file names, never the example', () => {
    const { content, secrets } = generated()
    expect(content).toContain("headers: {\n        'X-Api-Key': fromEnvironment('API_KEY'),\n        'X-Custom-Auth': fromEnvironment('API_CUSTOM_AUTH'),")
    expect(content).not.toContain(EXAMPLE_API_KEY)
    expect(secrets).toContainEqual({ name: 'API_KEY', standsFor: 'the X-Api-Key header of GET /reports (list_reports) of api.json' })
    expect(secrets).toContainEqual({ name: 'API_CUSTOM_AUTH', standsFor: 'the X-Custom-Auth header of GET /reports (list_reports) of api.json' })
    // The file's header names them, and the function that names every unset variable knows them.
    expect(content).toContain('//   API_KEY: the X-Api-Key header of GET /reports (list_reports) of api.json')
    expect(content).toMatch(/const secretSources: Record<string, string> = \{[^}]*API_KEY: 'the X-Api-Key header/)
    expect(content).toContain('function fromEnvironment(name: string): string {')
  })

  it('an optional one and one the security scheme sends are not sent as parameters', () => {
    const { content, secrets } = generated()
    for (const name of ['X-Session-Id', 'X-Trace']) expect(content).not.toContain(`'${name}'`)
    // The scheme's key, set once for the journey: not a second variable for the same header.
    expect(content).toContain("http.setHeader('X-Widget-Key', fromEnvironment('API_WIDGET_KEY'))")
    expect(secrets.map((s) => s.name).sort()).toEqual(['API_CUSTOM_AUTH', 'API_KEY', 'API_WIDGET_KEY'])
  })
})

describe('venomqa generate: secret-named path parameters', () => {
  const HOOK_TOKEN = 'hk_EXAMPLE_HOOK_TOKEN_77'
  const pathParameter = (name: string, example?: string) => ({ name, in: 'path', required: true, schema: { type: 'string' }, ...(example ? { example } : {}) })
  const doc = (): OpenApiDocument => ({
    openapi: '3.1.0',
    info: { title: 'hooks', version: '1' },
    paths: {
      '/hooks/{token}': { get: { tags: ['hooks'], operationId: 'get_hook', parameters: [pathParameter('token', HOOK_TOKEN)], responses: { 200: { description: 'ok' } } } },
      '/invites/{inviteSecret}/status': { get: { tags: ['hooks'], operationId: 'invite_status', parameters: [pathParameter('inviteSecret')], responses: { 200: { description: 'ok' } } } },
      // An id no operation creates is still left out: a journey could only make one up.
      '/hooks/{token}/deliveries/{deliveryId}': {
        get: { tags: ['hooks'], operationId: 'get_delivery', parameters: [pathParameter('token'), pathParameter('deliveryId')], responses: { 200: { description: 'ok' } } },
      },
    },
  })

  it('make a journey of their operations, each value read from an environment variable the file names, never the example', () => {
    const d = doc()
    const result = generateJourneys(d, operations(d), { source: 'api.json' })
    const content = result.files.map((f) => f.content).join('\n')
    expect(result.journeys).toEqual({ 'hooks.journey.ts': ['hooks_reads'] })
    expect(content).toContain("const res = await http.get(`/hooks/${encodeURIComponent(fromEnvironment('API_TOKEN_2'))}`)")
    expect(content).toContain("const res = await http.get(`/invites/${encodeURIComponent(fromEnvironment('API_INVITE_SECRET'))}/status`)")
    expect(content).not.toContain(HOOK_TOKEN)
    expect(result.secrets).toEqual([
      { name: 'API_TOKEN_2', standsFor: 'the token path parameter of GET /hooks/{token} (get_hook) of api.json' },
      { name: 'API_INVITE_SECRET', standsFor: 'the inviteSecret path parameter of GET /invites/{inviteSecret}/status (invite_status) of api.json' },
    ])
    expect(content).toContain('failFast: true')
    expect(content).toContain('//   GET /hooks/{token}/deliveries/{deliveryId} (get_delivery)')
  })

  it("in a created resource's action, the id from the context and the secret from the environment", () => {
    const order = { type: 'object', properties: { id: { type: 'integer' } } }
    const d: OpenApiDocument = {
      openapi: '3.1.0',
      info: { title: 'orders', version: '1' },
      paths: {
        '/orders': { post: { tags: ['orders'], operationId: 'create_order', responses: { 201: { description: 'made', content: json(order) } } } },
        '/orders/{id}': { get: { tags: ['orders'], operationId: 'get_order', parameters: [pathParameter('id')], responses: { 200: { description: 'ok', content: json(order) } } } },
        '/orders/{id}/confirm/{confirmToken}': {
          post: { tags: ['orders'], operationId: 'confirm_order', parameters: [pathParameter('id'), pathParameter('confirmToken', HOOK_TOKEN)], responses: { 200: { description: 'ok' } } },
        },
      },
    }
    const content = generateJourneys(d, operations(d), { source: 'api.json' }).files.map((f) => f.content).join('\n')
    expect(content).toContain("path('confirm_order', [")
    expect(content).toContain("const res = await http.post(`/orders/${encodeURIComponent(String(ctx.require('id')))}/confirm/${encodeURIComponent(fromEnvironment('API_CONFIRM_TOKEN'))}`)")
    expect(content).not.toContain(HOOK_TOKEN)
    expect(content).not.toContain('Not in a journey above')
  })
})

describe('venomqa generate: secret query parameters', () => {
  /** The required query parameters named, each with an example, on one operation: the journey's query line. */
  const queryOf = (names: string[]) => {
    const parameters = names.map((name) => ({ name, in: 'query', required: true, schema: { type: 'string' }, example: `doc-${name}-4711` }))
    const d = { openapi: '3.1.0', info: { title: 'me', version: '1' }, paths: { '/me': { get: { tags: ['me'], operationId: 'get_me', parameters, responses: { 200: { description: 'ok' } } } } } } as OpenApiDocument
    const result = generateJourneys(d, operations(d), { source: 'api.json' })
    return { content: result.files.map((f) => f.content).join('\n'), secrets: result.secrets }
  }

  it('`?session=` is read from the environment, never the example, as a secret path parameter is', () => {
    const { content, secrets } = queryOf(['session'])
    expect(content).toContain("http.get('/me', { query: { session: fromEnvironment('API_SESSION') } })")
    expect(content).not.toContain('doc-session-4711')
    expect(secrets).toEqual([{ name: 'API_SESSION', standsFor: 'the session query parameter of GET /me (get_me) of api.json' }])
    expect(content).toContain('failFast: true')
  })

  it('by the one rule the HTTP client takes the secrets of a URL by: a name whose value it keeps as secret is read from the environment', () => {
    const names = ['session', 'key', 'sig', 'pwd', 'otp', 'access_token', 'api-key', 'signature', 'page_token', 'nextPageToken', 'page', 'q', 'cursor']
    const { content } = queryOf(names)
    for (const name of names) {
      const secret = secretsOfUrl(`http://api.test/me?${name}=v4lue-123456`).includes('v4lue-123456')
      expect(content.includes(`doc-${name}-4711`), name).toBe(!secret)
    }
    // A cursor of a list opens nothing: sent as the document gives it, no variable to set for it.
    expect(content).toContain("page_token: 'doc-page_token-4711'")
    expect(content).toContain("key: fromEnvironment('API_KEY')")
  })
})

describe('venomqa generate: examples that are credentials by their form, under innocent names', () => {
  it('are made up from the schema in a written journey: a body property, a query parameter', () => {
    const { content } = generated()
    for (const secret of [JWT, STRIPE_KEY, 'hunter2']) expect(content).not.toContain(secret)
    // Innocent examples stay as the document gives them.
    expect(content).toContain("title: 'Groceries'")
    expect(content).toContain("q: 'milk'")
    expect(content).toContain('fill in: body.note, whose value in the document looks like a credential, body.description, whose value in the document looks like a credential')
    // The query parameter's too, on a line of its own above the request.
    expect(content).toContain('// venomqa generate: fill in: query.cursor, whose value in the document looks like a credential\n')
  })

  it('sample: a property example, a whole-body example, an array item; the rest kept', () => {
    const schema = {
      type: 'object',
      required: ['memo', 'title'],
      properties: { memo: { type: 'string' }, title: { type: 'string' }, tags: { type: 'array', items: { type: 'string' } } },
      example: { memo: `key ${RANDOM_KEY}`, title: 'Groceries', tags: ['food', STRIPE_KEY] },
    }
    const { value, needsReview } = sample(schema, 'body')
    expect(value).toEqual({ memo: 'memo', title: 'Groceries', tags: ['food', 'tags'] })
    expect(needsReview).toEqual(['body.memo, whose value in the document looks like a credential', 'body.tags[], whose value in the document looks like a credential'])
    // A schema's example that is a credential gives way to its default.
    expect(sample({ type: 'string', example: JWT, default: 'plain' }, 'body.note', 'note').value).toBe('plain')
  })

  it('sampleParameter: an example that is a credential gives way to a value of the schema', () => {
    expect(sampleParameter({ example: STRIPE_KEY, schema: { type: 'string' } }, 'query.cursor', 'cursor')).toEqual({
      value: 'cursor',
      needsReview: ['query.cursor, whose value in the document looks like a credential'],
    })
    expect(sampleParameter({ example: 'milk', schema: { type: 'string' } }, 'query.q', 'q')).toEqual({ value: 'milk', needsReview: [] })
    expect(sampleParameter({ example: { after: JWT, size: 10 }, schema: { type: 'object', properties: { after: { type: 'string' } } } }, 'query.page', 'page')).toEqual({
      value: { after: 'after', size: 10 },
      needsReview: ['query.page.after, whose value in the document looks like a credential'],
    })
  })
})

// `?code=` is OAuth's authorization code, masked by its name in every URL. An API's own `code` is often
// data (a country, a currency, a language): read from API_CODE, the journey asked for a secret no one had.
describe('venomqa generate: a `code` query parameter the document shows to be data', () => {
  const op = (operationId: string, parameters: unknown[], summary?: string) => ({ get: { tags: ['codes'], operationId, summary, parameters, responses: { 200: { description: 'ok' } } } })
  const code = (extra: Record<string, unknown>, schema: Record<string, unknown> = { type: 'string' }) => ({ name: 'code', in: 'query', required: true, schema, ...extra })
  const d = {
    openapi: '3.1.0',
    info: { title: 'codes', version: '1' },
    paths: {
      '/countries': op('find_country', [code({ example: 'FR' })]),
      '/currencies': op('find_currency', [code({}, { type: 'string', enum: ['EUR', 'USD'] })]),
      '/languages': op('find_language', [code({ description: 'An ISO 639-1 language code', example: 'de-CH' })]),
      '/oauth/callback': op('oauth_callback', [code({ example: 'SplxlOBeZQQYbYS6WxSbIA' }), { name: 'state', in: 'query', required: true, schema: { type: 'string' }, example: 'xyz' }]),
      '/sessions/complete': op('complete_sign_in', [code({ description: 'The authorization code the provider redirected with', example: 'ab' })]),
      '/return': op('come_back', [code({ example: 'FR' }), { name: 'state', in: 'query', required: true, schema: { type: 'string' }, example: 'xyz' }]),
      '/verify': op('verify_email', [code({ example: '123456' })]),
      '/lookup': op('lookup', [code({ example: 'q7Zp2Lx9Wm4Rt8Vb' })]),
    },
  } as OpenApiDocument
  const result = generateJourneys(d, operations(d), { source: 'api.json' })
  const content = result.files.map((f) => f.content).join('\n')

  it('writes a country, currency or language code as the document gives it', () => {
    expect(content).toContain("http.get('/countries', { query: { code: 'FR' } })")
    expect(content).toContain("http.get('/currencies', { query: { code: 'EUR' } })")
    expect(content).toContain("http.get('/languages', { query: { code: 'de-CH' } })")
  })

  it('still reads an OAuth code, a verification code or a secret-shaped one from the environment', () => {
    expect(content).not.toContain('SplxlOBeZQQYbYS6WxSbIA')
    expect(content).not.toContain('123456')
    expect(content).not.toContain('q7Zp2Lx9Wm4Rt8Vb')
    for (const path of ['/oauth/callback', '/sessions/complete', '/return', '/verify', '/lookup'])
      expect(content).toMatch(new RegExp(`http\\.get\\('${path}', \\{ query: \\{ code: fromEnvironment\\('API_CODE(?:_\\d+)?'\\)`))
    // One variable for the parameter wherever it is secret: named after the first such operation, not a country lookup.
    expect(result.secrets.filter((s) => s.name.startsWith('API_CODE'))).toEqual([{ name: 'API_CODE', standsFor: 'the code query parameter of GET /oauth/callback (oauth_callback) of api.json' }])
  })
})
