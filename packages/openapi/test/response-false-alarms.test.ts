/**
 * Responses valid by OpenAPI's rules that the response checker must not refuse: where ajv's reading of a
 * converted schema differed from OpenAPI's (3.0 `nullable` beside other keywords, `multipleOf` with
 * decimals, closed `allOf` parts, `writeOnly` across `allOf`, formats, ECMA-262 patterns), and beside each,
 * the real contract break that must still be found.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import type { ResponseView } from '@venomqa/core'
import { describe, expect, it } from 'vitest'
import { SchemaChecker, bodyVariants, openApiInvariants } from '../src'
import type { JsonSchema, OpenApiDocument } from '../src/document'

const V30 = '3.0.3'
const V31 = '3.1.0'
const check = (version: string, schema: JsonSchema, value: unknown, doc?: OpenApiDocument) => new SchemaChecker(version, doc).check(schema, value)

const PET = { type: 'object', required: ['id'], properties: { id: { type: 'integer' } } }

describe('nullable (3.0)', () => {
  it('beside allOf, oneOf or anyOf (the form generators write for a nullable $ref) takes null; other values are still checked', () => {
    for (const keyword of ['allOf', 'oneOf', 'anyOf']) {
      const schema = { nullable: true, [keyword]: [PET] }
      expect(check(V30, schema, null), keyword).toBeUndefined()
      expect(check(V30, schema, { id: 1 }), keyword).toBeUndefined()
      expect(check(V30, schema, { id: 'x' }), keyword).toMatch(/\/id must be integer/)
      expect(check(V30, schema, {}), keyword).toMatch(/must have required property 'id'/)
    }
  })

  it('beside a $ref the checker keeps (a recursive schema) takes null', () => {
    const doc = { openapi: V30, components: { schemas: { Pet: PET } } } as unknown as OpenApiDocument
    const schema = { $ref: '#/components/schemas/Pet', nullable: true }
    expect(check(V30, schema, null, doc)).toBeUndefined()
    expect(check(V30, schema, {}, doc)).toMatch(/must have required property 'id'/)
  })

  it('with an enum that does not list null takes null, and still no value outside the enum', () => {
    const schema = { type: 'string', enum: ['open', 'closed'], nullable: true }
    expect(check(V30, schema, null)).toBeUndefined()
    expect(check(V30, schema, 'open')).toBeUndefined()
    expect(check(V30, schema, 'lost')).toMatch(/must be equal to one of the allowed values/)
  })

  it('on alternatives of a oneOf: null, which each takes, is not refused as matching two', () => {
    const schema = { oneOf: [{ type: 'string', nullable: true }, { type: 'integer', nullable: true }] }
    expect(check(V30, schema, null)).toBeUndefined()
    expect(check(V30, schema, 3)).toBeUndefined()
    expect(check(V30, schema, true)).toMatch(/must/)
  })

  it('a mistake below a nullable schema is named where it is written, not where the rewrite moved it', () => {
    const checker = new SchemaChecker(V30)
    expect(checker.mistakeAt({ nullable: true, allOf: [{ properties: { qty: { type: 'int' } } }] })).toBe('/allOf/0/properties/qty')
    expect(checker.mistakeAt({ nullable: true, anyOf: [{}], oneOf: [{ type: 'int' }, {}] })).toBe('/oneOf/0')
    expect(checker.mistakeAt({ oneOf: [{ type: 'string', nullable: true }, { type: 'integer', nullable: true, minimum: 'x' }] })).toBe('/oneOf/1')
    // And a violation below it names the place as written too.
    expect(check(V30, { type: 'object', nullable: true, allOf: [{ required: ['a'] }] }, {})).toMatch(/required property 'a' \(schema #\/allOf\/0\/required\)$/)
  })

  it('without it, null is still refused', () => {
    expect(check(V30, { type: 'string' }, null)).toMatch(/must be string/)
    expect(check(V30, { allOf: [PET] }, null)).toMatch(/must be object/)
    expect(check(V30, { type: 'string', enum: ['a'], nullable: false }, null)).toMatch(/must be/)
  })

  it('left over in a 3.1 document reads the same (it threw "nullable" cannot be used without "type" beside an allOf)', () => {
    expect(check(V31, { nullable: true, allOf: [PET] }, null)).toBeUndefined()
    expect(check(V31, { nullable: true, allOf: [PET] }, {})).toMatch(/must have required property 'id'/)
    expect(check(V31, { type: 'string', enum: ['a'], nullable: true }, null)).toBeUndefined()
    expect(check(V31, { type: ['string', 'null'] }, null)).toBeUndefined()
    expect(check(V31, { type: 'string' }, null)).toMatch(/must be string/)
  })
})

describe('multipleOf with a decimal', () => {
  it('takes a decimal that is a multiple (0.07 and 19.99 of 0.01, 0.3 of 0.1), where floating point division says no', () => {
    for (const [value, step] of [
      [0.07, 0.01],
      [19.99, 0.01],
      [1234567.89, 0.01],
      [1e12 + 0.07, 0.01],
      [0.3, 0.1],
      [2.5, 0.5],
      [12, 3],
      [1e-7, 1e-8],
    ])
      expect(check(V30, { type: 'number', multipleOf: step }, value), `${value} of ${step}`).toBeUndefined()
  })

  it('still refuses one that is not', () => {
    for (const [value, step] of [
      [0.075, 0.01],
      [19.999, 0.01],
      [7, 2],
      [1e-7, 0.01],
      [0.30000000000000004, 0.1],
    ])
      expect(check(V30, { type: 'number', multipleOf: step }, value), `${value} of ${step}`).toMatch(/must be multiple of/)
  })
})

describe('an allOf part closed with additionalProperties: false (or unevaluatedProperties: false)', () => {
  const OPEN_BASE = { type: 'object', required: ['id'], properties: { id: { type: 'integer' } } }
  const BASE = { ...OPEN_BASE, additionalProperties: false }

  it('takes the properties the other parts declare', () => {
    const schema = { allOf: [BASE, { type: 'object', properties: { name: { type: 'string' } } }] }
    expect(check(V30, schema, { id: 1, name: 'x' })).toBeUndefined()
    expect(check(V31, schema, { id: 1, name: 'x' })).toBeUndefined()
    const open = { allOf: [{ ...OPEN_BASE, unevaluatedProperties: false }, { properties: { name: { type: 'string' } } }] }
    expect(check(V31, open, { id: 1, name: 'x' })).toBeUndefined()
  })

  it('and closed beside an allOf, the properties of its parts', () => {
    const schema = { allOf: [OPEN_BASE], properties: { name: { type: 'string' } }, additionalProperties: false }
    expect(check(V30, schema, { id: 1, name: 'x' })).toBeUndefined()
    expect(check(V30, schema, { id: 1, name: 'x', extra: 1 })).toMatch(/must NOT have additional properties \(extra\)/)
  })

  it('still refuses a property no part declares, a wrong type, a missing required one; and the part alone stays closed', () => {
    const schema = { allOf: [BASE, { properties: { name: { type: 'string' } } }] }
    expect(check(V30, schema, { id: 1, name: 'x', extra: true })).toMatch(/must NOT have additional properties \(extra\)/)
    expect(check(V30, schema, { id: 1, name: 2 })).toMatch(/\/name must be string/)
    expect(check(V30, schema, { name: 'x' })).toMatch(/must have required property 'id'/)
    const checker = new SchemaChecker(V30)
    expect(checker.check(schema, { id: 1, name: 'x' })).toBeUndefined()
    expect(checker.check(BASE, { id: 1, name: 'x' })).toMatch(/must NOT have additional properties \(name\)/)
  })
})

describe('required and writeOnly / readOnly', () => {
  it('a property required in one allOf part and writeOnly in another is not required in a response', () => {
    const schema = {
      allOf: [
        { type: 'object', required: ['id', 'password'], properties: { id: { type: 'integer' } } },
        { properties: { password: { type: 'string', writeOnly: true } } },
      ],
    }
    expect(check(V30, schema, { id: 1 })).toBeUndefined()
    expect(check(V31, schema, { id: 1 })).toBeUndefined()
    expect(check(V30, schema, {})).toMatch(/must have required property 'id'/)
  })

  it('a required readOnly property is required in a response (3.0 and 3.1)', () => {
    const schema = { type: 'object', required: ['id'], properties: { id: { type: 'integer', readOnly: true } } }
    expect(check(V30, schema, {})).toMatch(/must have required property 'id'/)
    expect(check(V31, schema, {})).toMatch(/must have required property 'id'/)
  })
})

describe('formats', () => {
  it('email: a mailbox RFC 5321 allows (a domain of one label, an address literal, a quoted local part)', () => {
    for (const email of ['admin@localhost', 'user@[127.0.0.1]', 'user@[IPv6:2001:db8::1]', '"john doe"@example.com', 'A.B+tag@Example.COM'])
      expect(check(V30, { type: 'string', format: 'email' }, email), email).toBeUndefined()
    for (const email of ['not-an-email', 'a@@b.c', 'a b@c.d', '.a@b.c', 'a..b@c.d', 'a@-b.c', 'a@b.c.', 'jose\u0301@example.com', 'a@[300.1.1.1]'])
      expect(check(V30, { type: 'string', format: 'email' }, email), email).toMatch(/must match format "email"/)
  })

  it('time without an offset: not refused in 3.0 (which does not define the format), refused in 3.1 (RFC 3339 full-time)', () => {
    expect(check(V30, { type: 'string', format: 'time' }, '10:00:00')).toBeUndefined()
    expect(check(V30, { type: 'string', format: 'time' }, '10:00:00.250+02:00')).toBeUndefined()
    expect(check(V30, { type: 'string', format: 'time' }, '25:00:00')).toMatch(/must match format "time"/)
    expect(check(V31, { type: 'string', format: 'time' }, '10:00:00')).toMatch(/must match format "time"/)
  })

  it('date-time without an offset and a relative uri are real violations; int64 beyond 2^53, unknown formats are not', () => {
    expect(check(V30, { type: 'string', format: 'date-time' }, '2024-01-01T10:00:00')).toMatch(/must match format "date-time"/)
    expect(check(V30, { type: 'string', format: 'date-time' }, '2024-01-01t10:00:00.123z')).toBeUndefined()
    expect(check(V30, { type: 'string', format: 'uri' }, '/things/1')).toMatch(/must match format "uri"/)
    expect(check(V30, { type: 'integer', format: 'int64' }, 2 ** 60)).toBeUndefined()
    expect(check(V30, { type: 'string', format: 'int64' }, '9223372036854775807')).toBeUndefined()
    expect(check(V30, { type: 'string', format: 'uuid' }, 'A0EEBC99-9C0B-4EF8-BB6D-6BB9BD380A11')).toBeUndefined()
  })
})

describe('patterns', () => {
  it('a pattern valid ECMA-262 only without the u flag (an escaped "-" or "_") is read, not refused as no regular expression', () => {
    const schema = { type: 'string', pattern: '^\\d{3}\\-\\d{4}$' }
    expect(new SchemaChecker(V30).mistakeAt(schema)).toBeUndefined()
    expect(check(V30, schema, '123-4567')).toBeUndefined()
    expect(check(V30, schema, '1234567')).toMatch(/must match pattern/)
    expect(check(V30, { type: 'string', pattern: '^[a-z\\_]+$' }, 'a_b')).toBeUndefined()
  })

  it('a request body is sampled to meet it, as the checker reads it', () => {
    const schema = { type: 'object', required: ['phone'], properties: { phone: { type: 'string', pattern: '^\\d{3}\\-\\d{4}$' } } }
    const sample = bodyVariants(schema, { openapi: V30 } as OpenApiDocument).find((v) => v.variant === 'sample')
    expect((sample?.body as { phone?: string } | undefined)?.phone).toMatch(/^\d{3}-\d{4}$/)
  })

  it('one that needs the u flag still has it; one that is none is still a mistake', () => {
    expect(check(V31, { type: 'string', pattern: '^\\p{L}+$' }, '\u00e9t\u00e9')).toBeUndefined()
    expect(check(V31, { type: 'string', pattern: '^\\p{L}+$' }, 'a1')).toMatch(/must match pattern/)
    expect(new SchemaChecker(V30).mistakeAt({ type: 'string', pattern: '([a-z' })).toBe('')
  })
})

describe('values in a schema are not schemas', () => {
  it('an enum, const, default or example holding keywords of OpenAPI is kept as written', () => {
    const field = { type: 'string', nullable: true, minimum: 1, exclusiveMinimum: true }
    expect(check(V30, { enum: [field] }, field)).toBeUndefined()
    expect(check(V30, { type: 'object', example: field, default: field }, { a: 1 })).toBeUndefined()
    expect(check(V31, { const: { required: ['secret'], properties: { secret: { writeOnly: true } } } }, { required: ['secret'], properties: { secret: { writeOnly: true } } })).toBeUndefined()
  })

  it('a property named like one of them is still a schema', () => {
    const schema = { type: 'object', properties: { enum: { type: 'string', nullable: true }, example: { type: 'integer', multipleOf: 0.5 } } }
    expect(check(V30, schema, { enum: null, example: 2 })).toBeUndefined()
    expect(check(V30, schema, { enum: 1 })).toMatch(/\/enum must be string/)
  })
})

describe('response_schema, end to end', () => {
  const BASE = 'http://127.0.0.1:9'
  const DOCUMENT = {
    openapi: V30,
    info: { title: 't', version: '1' },
    paths: {
      '/orders/{id}': {
        get: {
          operationId: 'getOrder',
          responses: {
            200: {
              description: 'ok',
              content: {
                'application/json': {
                  schema: {
                    type: 'object',
                    required: ['id', 'total', 'customer'],
                    properties: {
                      id: { type: 'integer' },
                      total: { type: 'number', multipleOf: 0.01 },
                      customer: { nullable: true, allOf: [{ $ref: '#/components/schemas/Customer' }] },
                    },
                  },
                },
              },
            },
          },
        },
      },
    },
    components: { schemas: { Customer: { type: 'object', required: ['email'], properties: { email: { type: 'string', format: 'email' } } } } },
  }
  const view = (body: unknown): ResponseView =>
    ({ status: 200, headers: { 'content-type': 'application/json' }, text: JSON.stringify(body), json: () => body, request: { method: 'GET', url: `${BASE}/orders/1`, headers: {} }, action: 'getOrder', input: undefined }) as unknown as ResponseView

  it('holds for a total of 19.99, a null customer, a customer at localhost; fails for a total of 19.999', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'venomqa-openapi-false-alarms-'))
    try {
      await writeFile(path.join(dir, 'api.json'), JSON.stringify(DOCUMENT))
      const loaded = await openApiInvariants('api.json').load({ root: dir, baseUrl: BASE, signal: new AbortController().signal })
      const responseSchema = loaded.find((i) => i.name === 'response_schema')!.response!
      expect(responseSchema(view({ id: 1, total: 19.99, customer: null }))).toBeUndefined()
      expect(responseSchema(view({ id: 1, total: 0.07, customer: { email: 'admin@localhost' } }))).toBeUndefined()
      expect(responseSchema(view({ id: 1, total: 19.999, customer: null }))).toMatch(/\/total must be multiple of 0.01/)
      expect(responseSchema(view({ id: 1, total: 1, customer: {} }))).toMatch(/must have required property 'email'/)
    } finally {
      await rm(dir, { recursive: true, force: true })
    }
  })
})
