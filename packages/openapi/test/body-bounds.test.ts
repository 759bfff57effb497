/**
 * The bounds of a body's leaves, where the schema gives them in more than one place, and the variants
 * they make:
 * - two `allOf` parts bounding one property: the last part's bound was sent, where a value must meet both
 *   (the largest minimum, the smallest maximum);
 * - a property that wraps a `$ref` in an `allOf` to describe it (`address: { allOf: [Address],
 *   description }`) had no bounds at all: they were looked for beside the `allOf`, where there are none;
 * - a body of plain values with no lower bound (a string, a list, a `oneOf` of a string and a number) had
 *   a `min` that was its empty value, and the `empty` variant was dropped as the same body;
 * - a string with a `pattern` was left as sampled at every bound: a code of 4 to 8 characters was never
 *   sent at 8.
 */
import { describe, expect, it } from 'vitest'
import { byName, ref } from './fees-doc'
import { bodyVariants } from '../src'

describe('a property two allOf parts bound', () => {
  const tags = { type: 'array', items: { type: 'string', enum: ['red'] } }
  const base = {
    type: 'object',
    required: ['name', 'qty', 'tags'],
    properties: { name: { type: 'string', minLength: 2, maxLength: 40 }, qty: { type: 'integer', minimum: 1, maximum: 100 }, tags: { ...tags, minItems: 2, maxItems: 5 } },
  }
  const extra = {
    type: 'object',
    properties: { name: { type: 'string', minLength: 1, maxLength: 10 }, qty: { type: 'integer', minimum: 5, maximum: 500 }, tags: { ...tags, minItems: 1, maxItems: 2 } },
  }

  it('is sent at the stricter of the two: the largest minimum, the smallest maximum, whichever part gives it', () => {
    const bodyOf = byName(bodyVariants({ allOf: [base, extra] } as never))
    expect(bodyOf.min).toEqual({ name: 'xx', qty: 5, tags: ['red', 'red'] })
    expect(bodyOf.max).toEqual({ name: 'x'.repeat(10), qty: 100, tags: ['red', 'red'] })
  })

  it('so it is in a property of the body, and in a property that is itself an allOf of bounds', () => {
    const inside = byName(bodyVariants({ type: 'object', required: ['line'], properties: { line: { allOf: [base, extra] } } } as never))
    expect(inside.min).toEqual({ line: { name: 'xx', qty: 5, tags: ['red', 'red'] } })
    expect(inside.max).toEqual({ line: { name: 'x'.repeat(10), qty: 100, tags: ['red', 'red'] } })
    const qty = { allOf: [{ type: 'integer', minimum: 1, maximum: 100 }, { minimum: 5 }, { maximum: 500 }] }
    const leaf = byName(bodyVariants({ type: 'object', required: ['qty'], properties: { qty } } as never))
    expect(leaf.min).toEqual({ qty: 5 })
    expect(leaf.max).toEqual({ qty: 100 })
  })

  it('takes an exclusive bound of one part over an inclusive one of another, in 3.1 and in 3.0 spelling', () => {
    for (const exclusive of [{ exclusiveMinimum: 5 }, { minimum: 5, exclusiveMinimum: true }]) {
      const qty = { allOf: [{ type: 'integer', ...exclusive }, { minimum: 3, maximum: 9 }] }
      const bodyOf = byName(bodyVariants({ type: 'object', required: ['qty'], properties: { qty } } as never))
      expect(bodyOf.min, JSON.stringify(exclusive)).toEqual({ qty: 6 })
      expect(bodyOf.max, JSON.stringify(exclusive)).toEqual({ qty: 9 })
    }
  })

  it('is not sent where the parts contradict each other (no value meets both): no body meets the schema', () => {
    const low = { type: 'object', required: ['name', 'qty', 'note'], properties: { name: { type: 'string', minLength: 20 }, qty: { type: 'integer', minimum: 10 }, note: { type: 'string', minLength: 1, maxLength: 9 } } }
    const high = { type: 'object', properties: { name: { type: 'string', maxLength: 5 }, qty: { type: 'integer', maximum: 5 } } }
    const bodyOf = byName(bodyVariants({ allOf: [low, high] } as never))
    // They were `{ name, qty, note: 'x' }` and `{ name, qty, note: 'xxxxxxxxx' }`, the sampled name and qty:
    // no body meets this schema, so neither is sent now, a body the schema refuses (see
    // valid-variants.test.ts), nor is the typical body (see unsampled-bodies.test.ts).
    expect(Object.keys(bodyOf)).toEqual(['empty'])
  })
})

describe('a property that wraps a $ref in an allOf', () => {
  const doc = {
    openapi: '3.0.3',
    info: { title: 'shipping', version: '1' },
    paths: {},
    components: {
      schemas: {
        Address: {
          type: 'object',
          required: ['street', 'zip', 'kind'],
          properties: { street: { type: 'string', minLength: 3, maxLength: 30 }, zip: { type: 'integer', minimum: 1000, maximum: 9999 }, kind: { type: 'string', enum: ['home', 'office'] } },
        },
      },
    },
  }
  const wrapped = { allOf: [ref('Address')], description: 'where the parcel goes' }

  it('has the bounds of what it wraps: the same variants as the $ref itself', () => {
    const body = (address: unknown) => bodyVariants({ type: 'object', required: ['address'], properties: { address, note: { type: 'string', maxLength: 4 } } } as never, doc as never)
    const direct = body(ref('Address'))
    expect(body(wrapped)).toEqual(direct)
    const bodyOf = byName(direct)
    expect(bodyOf.min).toMatchObject({ address: { street: 'xxx', zip: 1000, kind: 'home' } })
    expect(bodyOf.max).toMatchObject({ address: { street: 'x'.repeat(30), zip: 9999, kind: 'home' } })
    expect(bodyOf['enum-last']).toMatchObject({ address: { kind: 'office' } })
  })

  it('in the items of an array too', () => {
    const list = (items: unknown) => bodyVariants({ type: 'object', required: ['stops'], properties: { stops: { type: 'array', maxItems: 2, items } } } as never, doc as never)
    expect(list(wrapped)).toEqual(list(ref('Address')))
    expect(byName(list(wrapped)).max).toEqual({ stops: [1, 2].map(() => ({ street: 'x'.repeat(30), zip: 9999, kind: 'home' })) })
  })
})

describe('a body of plain values with no lower bound', () => {
  const long = 'x'.repeat(64)

  it('keeps its empty value as `empty`: a `min` that is that value is not sent under a name of its own', () => {
    // The `min` of a string with no minLength was '', and the `empty` variant went as the same body.
    expect(bodyVariants({ oneOf: [{ type: 'string' }, { type: 'integer' }] } as never)).toEqual([
      { variant: 'sample', body: 'string' },
      { variant: 'max', body: long },
      { variant: 'empty', body: '' },
      { variant: 'oneOf-2', body: 1 },
    ])
    expect(bodyVariants({ type: 'string' } as never).map((b) => b.variant)).toEqual(['sample', 'max', 'empty'])
    expect(bodyVariants({ type: 'array', items: { type: 'string' } } as never).map((b) => b.variant)).toEqual(['sample', 'max', 'empty'])
    // Its typical body, 'string', is refused, not sent: '' is its one value, sent as `empty`.
    expect(bodyVariants({ type: 'string', maxLength: 0 } as never).map((b) => b.variant)).toEqual(['empty'])
  })

  it('sends a `min` that is not the empty value as before: a string with a minLength, an object with a property', () => {
    expect(bodyVariants({ type: 'string', minLength: 2 } as never)).toEqual([
      { variant: 'sample', body: 'string' },
      { variant: 'min', body: 'xx' },
      { variant: 'max', body: long },
      { variant: 'empty', body: '' },
    ])
    expect(byName(bodyVariants({ type: 'object', properties: { a: { type: 'string' } } } as never)).min).toEqual({ a: '' })
  })
})

describe('a string with a pattern and lengths', () => {
  it('is sent at the lengths the schema gives, matching its pattern; a pattern with no lengths given is left as sampled', () => {
    const schema = {
      type: 'object',
      required: ['name', 'code', 'sku'],
      properties: {
        name: { type: 'string', minLength: 1, maxLength: 100, pattern: '\\S' },
        code: { type: 'string', minLength: 4, maxLength: 8, pattern: '^[A-Z]{2}[0-9]+$' },
        sku: { type: 'string', pattern: '^[a-z]+$' },
      },
    }
    const bodyOf = byName(bodyVariants(schema as never))
    const { sku } = bodyOf.sample as { sku: string }
    // Was the sampled value in both: a code of 8 characters was never sent.
    expect(bodyOf.min).toEqual({ name: 'x', code: expect.stringMatching(/^[A-Z]{2}[0-9]{2}$/), sku })
    expect(bodyOf.max).toEqual({ name: 'x'.repeat(64), code: expect.stringMatching(/^[A-Z]{2}[0-9]{6}$/), sku })
  })
})
