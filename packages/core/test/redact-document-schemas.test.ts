/**
 * An API that serves its own OpenAPI document (`GET /openapi.json`, which `venomqa explore --openapi`
 * takes as an action) answers with schemas under secret names: a `Credentials` schema, a `password`
 * property, an `ApiKeyAuth` security scheme. What stands there describes a secret and holds none: its
 * words (`string`, `object`, `email`, `password`, `header`) remembered as secrets were masked in every
 * later text and HAR entry, and a regression journey read a body's `notify: 'email'` from
 * `VENOMQA_SECRET_NOTIFY`, refusing to run without it.
 */
import { afterEach, describe, expect, it } from 'vitest'
import { REDACTED, knownSecrets, redactText, secretsOfBodyText } from '../src'

const document = {
  openapi: '3.1.0',
  paths: {},
  components: {
    schemas: {
      Credentials: {
        type: 'object',
        properties: { email: { type: 'string', format: 'email', maxLength: 254 }, password: { type: 'string', format: 'password', maxLength: 200 } },
        required: ['email', 'password'],
      },
      NewUser: { allOf: [{ $ref: '#/components/schemas/Credentials' }, { type: 'object', properties: { name: { type: 'string' } } }] },
      Tokens: { type: 'object', properties: { token: { type: ['string', 'null'], description: 'Bearer token' }, apiKeys: { type: 'array', items: { type: 'string' } } } },
    },
    securitySchemes: {
      ApiKeyAuth: { type: 'apiKey', in: 'header', name: 'X-API-Key' },
      bearerToken: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' },
    },
  },
}

afterEach(() => knownSecrets.clear())

describe('a document served by the API', () => {
  it('gives no secret: its schemas and security schemes describe secrets, they hold none', () => {
    expect(secretsOfBodyText(JSON.stringify(document))).toEqual([])
  })

  it('leaves the words of later texts alone once it was answered', () => {
    knownSecrets.add(secretsOfBodyText(JSON.stringify(document)))
    const message = '/unitPrice must be string (an object with an email; the header X-API-Key)'
    expect(redactText(message)).toBe(message)
  })

  it('still gives the value a schema under a secret name documents as sent: an example, a default', () => {
    const doc = { components: { schemas: { password: { type: 'string', example: 'changeme-4711', default: 'dflt-pw-99' } } } }
    expect(secretsOfBodyText(JSON.stringify(doc)).sort()).toEqual(['changeme-4711', 'dflt-pw-99'])
  })

  it('still takes every value of a credentials object, and of one with a type that is no schema type', () => {
    const body = { credentials: { user: 'alice-7f3a', password: 'pw-9c1e2d' }, token: { type: 'bearer', value: 'tok-5e6f7a8b' }, apiKey: { type: 'string', value: 'key-1a2b3c4d' } }
    const secrets = secretsOfBodyText(JSON.stringify(body))
    expect(secrets).toEqual(expect.arrayContaining(['alice-7f3a', 'pw-9c1e2d', 'tok-5e6f7a8b', 'key-1a2b3c4d']))
    knownSecrets.add(secrets)
    expect(redactText('sent key-1a2b3c4d')).toBe(`sent ${REDACTED}`)
  })
})
