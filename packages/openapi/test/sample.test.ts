/** Bodies for schemas whose strings have a pattern: each sampled string matches it, the same on every run. */
import { describe, expect, it } from 'vitest'
import { bodyVariants, operations } from '../src'
import { fromPattern } from '../src/sample'

const PATTERNS = {
  code: '^[A-Z]{3}-[0-9]{4}$',
  phone: '^\\d{3}-\\d{4}$',
  colour: '^(red|green|blue)$',
  email: '^[a-z]+@[a-z]+\\.com$',
  version: '^(?:v\\d+\\.){2}\\d+$',
  handle: '^[^\\s@]+$',
  word: '^\\w+$',
  slug: '^[a-z0-9]+(?:-[a-z0-9]+)*$',
}

describe('strings with a pattern', () => {
  it('every sampled body sends strings the patterns accept', () => {
    const schema = {
      type: 'object',
      required: Object.keys(PATTERNS),
      properties: Object.fromEntries(Object.entries(PATTERNS).map(([k, pattern]) => [k, { type: 'string', pattern }])),
    }
    const bodies = bodyVariants(schema as never)
    expect(bodies.length).toBeGreaterThan(0)
    for (const { variant, body } of bodies) {
      if (variant === 'empty') continue
      for (const [key, pattern] of Object.entries(PATTERNS)) expect((body as Record<string, string>)[key], `${variant}: ${key}`).toMatch(new RegExp(pattern, 'u'))
    }
    expect(bodies[0]!.body).toEqual({ code: 'AAA-0000', phone: '000-0000', colour: 'red', email: 'a@a.com', version: 'v0.v0.0', handle: 'handle-1', word: 'string', slug: 'slug-1' })
    expect(bodyVariants(schema as never)).toEqual(bodies)
  })

  it('meets a minLength and a maxLength with the pattern', () => {
    const made = fromPattern('^[a-z]+$', 6, 8)
    expect(made).toMatch(/^[a-z]{6,8}$/)
    expect(fromPattern('^[a-z]+$', 6, 8)).toBe(made)
    // Lengths the fewest repetitions fall short of, and seeded ones would meet only by luck.
    expect(fromPattern('^[a-z]+$', 30, 64)).toMatch(/^[a-z]{30,64}$/)
    expect(fromPattern('^\\d+$', 12, 12)).toMatch(/^\d{12}$/)
    const ranged = bodyVariants({ type: 'object', required: ['pin'], properties: { pin: { type: 'string', pattern: '^\\d+$', minLength: 4, maxLength: 6 } } } as never)[0]!.body as { pin: string }
    expect(ranged.pin).toMatch(/^\d{4,6}$/)
  })

  it('gives up on a pattern it cannot meet, and the schema keeps the value it had', () => {
    expect(fromPattern('^[a-z]{3}$', 5)).toBeUndefined()
    expect(fromPattern('(unclosed')).toBeUndefined()
  })
})

describe('schemas that hold themselves', () => {
  const doc = {
    openapi: '3.0.3',
    info: { title: 'tree', version: '1' },
    paths: {},
    components: {
      schemas: {
        Base: { type: 'object', properties: { id: { type: 'integer' } } },
        Node: {
          allOf: [
            { $ref: '#/components/schemas/Base' },
            {
              type: 'object',
              required: ['name'],
              properties: { name: { type: 'string' }, parent: { $ref: '#/components/schemas/Node' }, children: { type: 'array', items: { $ref: '#/components/schemas/Node' } } },
            },
          ],
        },
      },
    },
  }

  it('a tree is sampled as a leaf: no null child, no null parent, which the schema refuses', () => {
    const [typical] = bodyVariants({ $ref: '#/components/schemas/Node' } as never, doc as never)
    expect(typical!.body).toEqual({ id: 1, name: 'name-1', children: [] })
  })
})

describe('a parameter described by content', () => {
  it('has the schema and the example of its media type', () => {
    const filter = { type: 'object', properties: { tag: { type: 'string' } } }
    const doc = {
      openapi: '3.1.0',
      info: { title: 't', version: '1' },
      paths: {
        '/things': {
          get: {
            operationId: 'listThings',
            parameters: [{ name: 'X-Filter', in: 'header', required: true, content: { 'application/json': { schema: filter, example: { tag: 'red' } } } }],
            responses: { 200: { description: 'ok' } },
          },
        },
      },
    }
    const [parameter] = operations(doc as never)[0]!.parameters
    expect(parameter).toEqual({ name: 'X-Filter', in: 'header', required: true, schema: filter, example: { tag: 'red' } })
  })
})

describe('secret-named fields', () => {
  // Sampled as 'secret-1', such a value was kept out of every regression journey and read from
  // VENOMQA_SECRET_SECRET, a variable whose value the user could not know: the record had masked it.
  it('get a value that says it was made up, at their bounds too when long enough; an example stays', () => {
    const schema = {
      type: 'object',
      required: ['name', 'secret', 'password', 'clientSecret', 'apiKey', 'token'],
      properties: {
        name: { type: 'string' },
        secret: { type: 'string' },
        password: { type: 'string', format: 'password' },
        clientSecret: { type: 'string', minLength: 8, maxLength: 40 },
        apiKey: { type: 'string', example: 'documented-key' },
        token: { type: 'string', pattern: '^[a-f0-9]{8}$' },
      },
    }
    const bodies = bodyVariants(schema as never)
    const [sample, min, max] = (['sample', 'min', 'max'] as const).map((v) => bodies.find((b) => b.variant === v))
    expect(sample!.body).toEqual({ name: 'name-1', secret: 'made-up-secret-secret-1', password: 'made-up-secret-password-1', clientSecret: 'made-up-secret-clientSecret-1', apiKey: 'documented-key', token: expect.stringMatching(/^[a-f0-9]{8}$/) })
    expect(min).toMatchObject({ variant: 'min', body: { secret: '', clientSecret: 'xxxxxxxx' } })
    expect(max).toMatchObject({ variant: 'max', body: { secret: `made-up-secret-${'x'.repeat(49)}`, clientSecret: `made-up-secret-${'x'.repeat(25)}` } })
  })
})

describe('exclusive bounds', () => {
  /** Whether `n` is a value of `schema`: both forms of exclusive bounds, and an integer for `integer`. */
  const accepts = (schema: Record<string, unknown>, n: number) => {
    const { minimum, maximum, exclusiveMinimum: exMin, exclusiveMaximum: exMax } = schema as Record<string, number | boolean | undefined>
    if (schema.type === 'integer' && !Number.isInteger(n)) return false
    if (typeof minimum === 'number' && (exMin === true ? n <= minimum : n < minimum)) return false
    if (typeof maximum === 'number' && (exMax === true ? n >= maximum : n > maximum)) return false
    if (typeof exMin === 'number' && n <= exMin) return false
    if (typeof exMax === 'number' && n >= exMax) return false
    return true
  }
  const schemas = [
    { type: 'integer', exclusiveMinimum: 0.5 }, // 3.1: a number
    { type: 'integer', exclusiveMaximum: 0.5 },
    { type: 'integer', minimum: 0.5, exclusiveMinimum: true }, // 3.0: a flag beside minimum
    { type: 'integer', exclusiveMinimum: -10, maximum: 0.5, exclusiveMaximum: true },
    { type: 'number', exclusiveMinimum: 0, exclusiveMaximum: 0.001 },
    { type: 'number', minimum: 0, exclusiveMinimum: true, maximum: 0.001, exclusiveMaximum: true },
    { type: 'number', minimum: 3, exclusiveMinimum: 5 },
    { type: 'integer', maximum: 7, exclusiveMaximum: 2, minimum: -3 },
  ]

  it.each(schemas)('never gives a value on or past them: %j', (schema) => {
    const bodies = bodyVariants({ type: 'object', required: ['n'], properties: { n: schema } } as never)
    const values = bodies.map((b) => (b.body as { n?: unknown } | undefined)?.n).filter((n): n is number => typeof n === 'number')
    expect(values.length).toBeGreaterThan(0)
    for (const n of values) expect(accepts(schema, n), `${n} for ${JSON.stringify(schema)}`).toBe(true)
  })

  it('an integer goes one past the bound, a number strictly inside', () => {
    const values = (schema: Record<string, unknown>) => bodyVariants({ type: 'object', required: ['n'], properties: { n: schema } } as never).map((b) => (b.body as { n?: number } | undefined)?.n)
    expect(values({ type: 'integer', minimum: 5, exclusiveMinimum: true, maximum: 50 })).toEqual([6, 50, undefined])
    expect(values({ type: 'integer', exclusiveMaximum: 50, minimum: 5 })).toEqual([5, 49, undefined])
    expect(values({ type: 'number', exclusiveMinimum: 0, exclusiveMaximum: 0.001 })).toEqual([0.00025, 0.00075, undefined])
  })
})

describe('nullable properties', () => {
  it('are sent null in the variant `null`, last, in each form the document may say it in, nested objects too', () => {
    const schema = {
      type: 'object',
      properties: {
        // 3.1's type list, 3.0's nullable, an anyOf with null, null in an enum.
        email: { type: ['string', 'null'] },
        note: { type: 'string', nullable: true },
        parent: { anyOf: [{ type: 'integer' }, { type: 'null' }] },
        coupon: { enum: ['WELCOME10', null] },
        name: { type: 'string' },
        address: { type: 'object', properties: { line2: { type: ['string', 'null'] }, city: { type: 'string' } } },
      },
    }
    const bodies = bodyVariants(schema as never)
    expect(bodies.at(-1)).toEqual({
      variant: 'null',
      body: { email: null, note: null, parent: null, coupon: null, name: 'name-1', address: { line2: null, city: 'city-1' } },
    })
  })

  it('inside a top-level alternative too: the typical one in `null`, each other after its name, only where the schema accepts the body', () => {
    const card = { type: 'object', required: ['kind', 'number'], properties: { kind: { enum: ['card'] }, number: { type: 'string' }, holder: { type: 'string', nullable: true } } }
    const voucher = { type: 'object', required: ['kind', 'code'], properties: { kind: { enum: ['voucher'] }, code: { type: 'string' }, note: { type: 'string', nullable: true } } }
    // With no nullable property of its own, an alternative's `null` is that of the properties beside the `oneOf`.
    const gift = { type: 'object', required: ['kind'], properties: { kind: { enum: ['gift'] }, from: { type: 'string' } } }
    const open = { type: 'object', properties: { kind: { type: 'string', nullable: true } } }
    const bodies = bodyVariants({ type: 'object', properties: { amount: { type: 'integer', nullable: true } }, oneOf: [card, voucher, gift] } as never)
    expect(bodies.filter((b) => b.variant.endsWith('null'))).toEqual([
      { variant: 'null', body: { amount: null, kind: 'card', number: 'number-1', holder: null } },
      { variant: 'oneOf-2:voucher/null', body: { amount: null, kind: 'voucher', code: 'code-1', note: null } },
      { variant: 'oneOf-3:gift/null', body: { amount: null, kind: 'gift', from: 'from-1' } },
    ])
    // Every body of the card is the open one's too: the typical body is the open one's, and the card's with
    // a null holder, which both take, is not sent.
    const overlapping = bodyVariants({ oneOf: [card, open] } as never)
    expect(overlapping.find((b) => b.variant === 'null')).toEqual({ variant: 'null', body: { kind: null } })
    expect(overlapping.map((b) => b.variant)).not.toContain('oneOf-1/null')
  })

  it('none: no variant `null`', () => {
    expect(bodyVariants({ type: 'object', properties: { name: { type: 'string' } } } as never).map((b) => b.variant)).not.toContain('null')
  })
})
