/**
 * A `oneOf` or `anyOf` inside a request body (a property's, an item's of an array), not at its top: the
 * sampler knows only its first alternative, and sends that one as it reads the schema (a discriminator's
 * value `'string'`, a pattern unmet). So `{ amount, method: Card | Voucher }` was never sent as a voucher,
 * and its card was refused. Each alternative is now a body variant of its own, named by the property and
 * the alternative (`method.oneOf-2:voucher`), a bounded number of them in all.
 */
import { describe, expect, it } from 'vitest'
import { MAX_NESTED_ALTERNATIVES, bodyVariants } from '../src'

const doc = {
  openapi: '3.0.3',
  info: { title: 'fees', version: '1' },
  paths: {},
  components: {
    schemas: {
      Card: {
        type: 'object',
        required: ['kind', 'number'],
        properties: { kind: { type: 'string' }, number: { type: 'string', pattern: '^[0-9]{16}$' } },
      },
      Voucher: { type: 'object', required: ['kind', 'code'], properties: { kind: { type: 'string' }, code: { type: 'string', pattern: '^V-[0-9]{4}$' } } },
      Method: {
        oneOf: [{ $ref: '#/components/schemas/Card' }, { $ref: '#/components/schemas/Voucher' }],
        discriminator: { propertyName: 'kind', mapping: { card: '#/components/schemas/Card', voucher: '#/components/schemas/Voucher' } },
      },
      Payment: {
        type: 'object',
        required: ['amount', 'method'],
        properties: { amount: { type: 'integer', minimum: 1, maximum: 500 }, method: { $ref: '#/components/schemas/Method' } },
      },
    },
  },
}
const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` })
const byName = (bodies: { variant: string; body: unknown }[]) => Object.fromEntries(bodies.map((b) => [b.variant, b.body]))

describe('a oneOf in a property of the body', () => {
  it('is sent as each alternative, named by the property and the alternative, after the variants it had', () => {
    const bodies = bodyVariants(ref('Payment') as never, doc as never)
    // `required` and `min` are the typical body here (every property required, the amount at 1): given once.
    expect(bodies.map((b) => b.variant)).toEqual(['sample', 'max', 'empty', 'method.oneOf-2:voucher'])
    const bodyOf = byName(bodies)
    // The typical body sends the first alternative as the schema says: its discriminator's value, its pattern met.
    expect(bodyOf.sample).toEqual({ amount: 1, method: { kind: 'card', number: '0000000000000000' } })
    expect(bodyOf.max).toEqual({ amount: 500, method: { kind: 'card', number: '0000000000000000' } })
    expect(bodyOf['method.oneOf-2:voucher']).toEqual({ amount: 1, method: { kind: 'voucher', code: 'V-0000' } })
    // The same schema, the same variants: an input names one by its name.
    expect(bodyVariants(ref('Payment') as never, doc as never)).toEqual(bodies)
  })

  it('inside an allOf: a property of an allOf part, and a oneOf that is an allOf part of the property', () => {
    const schema = {
      allOf: [
        { type: 'object', required: ['amount'], properties: { amount: { type: 'integer', minimum: 1 } } },
        {
          type: 'object',
          properties: {
            method: { allOf: [{ type: 'object', required: ['currency'], properties: { currency: { type: 'string', enum: ['EUR'] } } }, ref('Method')] },
          },
        },
      ],
    }
    const bodyOf = byName(bodyVariants(schema as never, doc as never))
    expect(bodyOf['method.oneOf-2:voucher']).toEqual({ amount: 1, method: { currency: 'EUR', kind: 'voucher', code: 'V-0000' } })
    expect(bodyOf.sample).toEqual({ amount: 1, method: { currency: 'EUR', kind: 'card', number: '0000000000000000' } })
  })

  it('as an allOf part of the whole body: each alternative a top-level variant, as a oneOf of the body is', () => {
    const schema = { allOf: [{ type: 'object', required: ['amount'], properties: { amount: { type: 'integer', minimum: 1 } } }, ref('Method')] }
    const bodies = bodyVariants(schema as never, doc as never)
    expect(bodies.filter((b) => b.variant.startsWith('oneOf-'))).toEqual([
      { variant: 'oneOf-1:card', body: { amount: 1, kind: 'card', number: '0000000000000000' } },
      { variant: 'oneOf-2:voucher', body: { amount: 1, kind: 'voucher', code: 'V-0000' } },
    ])
    expect(bodies[0]).toMatchObject({ variant: 'sample', body: { kind: 'card' } })
  })

  it('deeper, and in the items of an array, anyOf too, without a discriminator: named by component or title', () => {
    const schema = {
      type: 'object',
      properties: {
        order: { type: 'object', properties: { delivery: { anyOf: [{ title: 'post', type: 'object', properties: { street: { type: 'string' } } }, { title: 'pickup', type: 'object', properties: { shop: { type: 'integer', minimum: 3 } } }] } } },
        lines: { type: 'array', items: { oneOf: [ref('Card'), ref('Voucher')] } },
      },
    }
    const bodies = bodyVariants(schema as never, doc as never)
    const nested = bodies.filter((b) => b.variant.includes('.'))
    expect(nested.map((b) => b.variant)).toEqual(['order.delivery.anyOf-2:pickup', 'lines[].oneOf-2:Voucher'])
    expect(byName(nested)['order.delivery.anyOf-2:pickup']).toEqual({ order: { delivery: { shop: 3 } }, lines: [{ kind: 'kind-1', number: '0000000000000000' }] })
    expect(byName(nested)['lines[].oneOf-2:Voucher']).toEqual({ order: { delivery: { street: 'street-1' } }, lines: [{ kind: 'kind-1', code: 'V-0000' }] })
  })

  it("keeps the document's example of the property, with its discriminator's value", () => {
    const schema = {
      type: 'object',
      properties: { method: { ...doc.components.schemas.Method, example: { kind: 'voucher', code: 'V-1234' } } },
    }
    const bodyOf = byName(bodyVariants(schema as never, doc as never))
    expect(bodyOf.sample).toEqual({ method: { kind: 'voucher', code: 'V-1234' } })
    expect(bodyOf['method.oneOf-1:card']).toEqual({ method: { kind: 'card', number: '0000000000000000' } })
    expect(bodyOf['method.oneOf-2:voucher']).toEqual({ method: { kind: 'voucher', code: 'V-0000' } })
  })

  it('gives a bounded number of them in all, the second alternative of every place before the third of any', () => {
    const choice = (place: string) => ({ oneOf: Array.from({ length: 6 }, (_, i) => ({ type: 'object', required: ['k'], properties: { k: { type: 'string', enum: [`${place}${i + 1}`] } } })) })
    const schema = { type: 'object', properties: { a: choice('a'), b: choice('b'), c: choice('c'), d: choice('d'), e: choice('e') } }
    const nested = bodyVariants(schema as never).filter((b) => b.variant.includes('.'))
    expect(MAX_NESTED_ALTERNATIVES).toBe(8)
    expect(nested.map((b) => b.variant)).toEqual(['a.oneOf-2:a2', 'b.oneOf-2:b2', 'c.oneOf-2:c2', 'd.oneOf-2:d2', 'e.oneOf-2:e2', 'a.oneOf-3:a3', 'b.oneOf-3:b3', 'c.oneOf-3:c3'])
  })

  it('is no choice when its other alternative is null (3.1 nullable): that gives no variant, and what it holds is looked into', () => {
    const schema = {
      type: 'object',
      properties: {
        note: { anyOf: [{ type: 'string' }, { type: 'null' }] },
        payment: { anyOf: [{ type: 'object', properties: { method: ref('Method') } }, { type: 'null' }] },
      },
    }
    const bodies = bodyVariants(schema as never, doc as never)
    expect(bodies.filter((b) => b.variant.includes('.')).map((b) => b.variant)).toEqual(['payment.method.oneOf-2:voucher'])
  })

  it('leaves the variants of a body with none as they were', () => {
    const schema = { type: 'object', required: ['name'], properties: { name: { type: 'string', maxLength: 5 }, tier: { type: 'string', enum: ['a', 'b'] } } }
    expect(bodyVariants(schema as never).map((b) => b.variant)).toEqual(['sample', 'required', 'min', 'max', 'empty', 'enum-last'])
  })
})
