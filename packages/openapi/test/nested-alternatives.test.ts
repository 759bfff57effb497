/**
 * A `oneOf` or `anyOf` inside a request body (a property's, an item's of an array), not at its top: the
 * sampler knows only its first alternative, and sends that one as it reads the schema (a discriminator's
 * value `'string'`, a pattern unmet). So `{ amount, method: Card | Voucher }` was never sent as a voucher,
 * and its card was refused. Each alternative is now a body variant of its own, named by the property and
 * the alternative (`method.oneOf-2:voucher`), a bounded number of them in all.
 */
import { describe, expect, it } from 'vitest'
import { byName, feesDoc, ref } from './fees-doc'
import { MAX_NESTED_ALTERNATIVES, bodyVariants } from '../src'

const doc = feesDoc({
  Payment: {
    type: 'object',
    required: ['amount', 'method'],
    properties: { amount: { type: 'integer', minimum: 1, maximum: 500 }, method: { $ref: '#/components/schemas/Method' } },
  },
})

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
    // The typical body is the first alternative with the other parts, as that alternative's variant would
    // send it (its pattern met): the sampler's own (`number: 'string'`) was sent beside it as `oneOf-1:card`.
    expect(bodies).toEqual([
      { variant: 'sample', body: { amount: 1, kind: 'card', number: '0000000000000000' } },
      { variant: 'empty', body: {} },
      { variant: 'oneOf-2:voucher', body: { amount: 1, kind: 'voucher', code: 'V-0000' } },
    ])
  })

  it('as an allOf part of the whole body: the typical and the required-only bodies are those of the first alternative with the other parts', () => {
    const base = { type: 'object', required: ['amount'], properties: { amount: { type: 'integer', minimum: 1 }, note: { type: 'string' } } }
    const first = { type: 'object', required: ['code'], properties: { code: { type: 'string', pattern: '^X[0-9]$' }, tag: { type: 'string', enum: ['a', 'b'] } } }
    const second = { type: 'object', required: ['gift'], properties: { gift: { type: 'boolean' } } }
    const bodies = bodyVariants({ allOf: [base, { oneOf: [first, second] }] } as never)
    expect(bodies).toEqual([
      { variant: 'sample', body: { amount: 1, note: 'note-1', code: 'X0', tag: 'a' } },
      { variant: 'required', body: { amount: 1, code: 'X0' } },
      // Its bounds too, within that alternative with the other parts (see choice-bodies.test.ts).
      { variant: 'min', body: { amount: 1, note: '', code: 'X0', tag: 'a' } },
      { variant: 'max', body: { amount: 1, note: 'x'.repeat(64), code: 'X0', tag: 'a' } },
      { variant: 'empty', body: {} },
      { variant: 'enum-last', body: { amount: 1, note: 'note-1', code: 'X0', tag: 'b' } },
      { variant: 'oneOf-2', body: { amount: 1, note: 'note-1', gift: true } },
      // The second alternative's bounds, with the other parts (see alternative-bounds.test.ts).
      { variant: 'oneOf-2/min', body: { amount: 1, note: '', gift: true } },
      { variant: 'oneOf-2/max', body: { amount: 1, note: 'x'.repeat(64), gift: true } },
      { variant: 'oneOf-2/required', body: { amount: 1, gift: true } },
    ])
    // An example of the whole body is the document's typical body: kept.
    const example = { amount: 7, gift: false }
    expect(bodyVariants({ allOf: [base, { oneOf: [first, second] }], example } as never)[0]).toEqual({ variant: 'sample', body: example })
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
    // Their bounds after them (see alternative-bounds.test.ts): the first alternatives' too.
    const nested = bodies.filter((b) => b.variant.includes('.') && !b.variant.includes('/'))
    expect(nested.map((b) => b.variant)).toEqual(['order.delivery.anyOf-2:pickup', 'lines[].oneOf-2:Voucher'])
    expect(bodies.filter((b) => b.variant.includes('/')).map((b) => b.variant)).toEqual([
      'order.delivery.anyOf-1:post/min',
      'order.delivery.anyOf-1:post/max',
      'lines[].oneOf-1:Card/min',
      'lines[].oneOf-1:Card/max',
      'lines[].oneOf-2:Voucher/min',
      'lines[].oneOf-2:Voucher/max',
      'order.delivery.anyOf-1:post/required',
    ])
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

describe('a oneOf inside an alternative of a oneOf body', () => {
  const amount = { type: 'integer', minimum: 1, maximum: 500 }
  // Closed: open, it took every online body too (`method` one more property), and the oneOf refused them;
  // such a body is no more sent (see valid-variants.test.ts).
  const cash = { type: 'object', title: 'cash', required: ['amount'], properties: { amount, till: { type: 'integer', minimum: 1, maximum: 3 } }, additionalProperties: false }
  const online = { type: 'object', title: 'online', required: ['amount', 'method'], properties: { amount, method: ref('Method') } }
  const card = { kind: 'card', number: '0000000000000000' }
  const voucher = { kind: 'voucher', code: 'V-0000' }

  it("is sent as each of its alternatives within that alternative, named after it, and that alternative sends its first as the schema says", () => {
    const bodies = bodyVariants({ oneOf: [cash, online] } as never, doc as never)
    expect(bodies).toEqual([
      { variant: 'sample', body: { amount: 1, till: 1 } },
      { variant: 'required', body: { amount: 1 } },
      // The bounds of the first alternative (see choice-bodies.test.ts).
      { variant: 'max', body: { amount: 500, till: 3 } },
      { variant: 'empty', body: {} },
      // Was `method: { kind: 'string', number: 'string' }`, which the API refuses; and no voucher at all.
      { variant: 'oneOf-2:online', body: { amount: 1, method: card } },
      { variant: 'oneOf-2:online.method.oneOf-2:voucher', body: { amount: 1, method: voucher } },
      // Its bounds (see alternative-bounds.test.ts): with an open cash this one was both, and not sent.
      { variant: 'oneOf-2:online/max', body: { amount: 500, method: card } },
    ])
    expect(bodyVariants({ oneOf: [cash, online] } as never, doc as never)).toEqual(bodies)
  })

  it('in the first alternative: the typical body sends its first alternative as the schema says, the others after the top-level ones', () => {
    const bodies = bodyVariants({ oneOf: [online, cash] } as never, doc as never)
    expect(bodies).toEqual([
      { variant: 'sample', body: { amount: 1, method: card } },
      { variant: 'max', body: { amount: 500, method: card } },
      { variant: 'empty', body: {} },
      { variant: 'oneOf-2:cash', body: { amount: 1, till: 1 } },
      { variant: 'oneOf-1:online.method.oneOf-2:voucher', body: { amount: 1, method: voucher } },
      // The cash's bounds, after them (see alternative-bounds.test.ts).
      { variant: 'oneOf-2:cash/max', body: { amount: 500, till: 3 } },
      { variant: 'oneOf-2:cash/required', body: { amount: 1 } },
    ])
  })

  it('through $refs, allOf parts and the items of an array, in an anyOf body and in an allOf part of the body', () => {
    const basket = { title: 'basket', allOf: [{ type: 'object', properties: { lines: { type: 'array', items: { anyOf: [ref('Card'), ref('Voucher')] } } } }] }
    const anyOf = bodyVariants({ anyOf: [cash, basket] } as never, doc as never)
    expect(anyOf.filter((b) => b.variant.startsWith('anyOf-2'))).toEqual([
      { variant: 'anyOf-2:basket', body: { lines: [{ kind: 'kind-1', number: '0000000000000000' }] } },
      { variant: 'anyOf-2:basket.lines[].anyOf-2:Voucher', body: { lines: [{ kind: 'kind-1', code: 'V-0000' }] } },
      // Its bounds, then those of the anyOf inside it (see alternative-bounds.test.ts).
      { variant: 'anyOf-2:basket/min', body: { lines: [] } },
      { variant: 'anyOf-2:basket/max', body: { lines: [1, 2, 3].map(() => ({ kind: 'kind-1', number: '0000000000000000' })) } },
      { variant: 'anyOf-2:basket.lines[].anyOf-1:Card/min', body: { lines: [{ kind: '', number: '0000000000000000' }] } },
      { variant: 'anyOf-2:basket.lines[].anyOf-1:Card/max', body: { lines: [{ kind: 'x'.repeat(64), number: '0000000000000000' }] } },
      { variant: 'anyOf-2:basket.lines[].anyOf-2:Voucher/min', body: { lines: [{ kind: '', code: 'V-0000' }] } },
      { variant: 'anyOf-2:basket.lines[].anyOf-2:Voucher/max', body: { lines: [{ kind: 'x'.repeat(64), code: 'V-0000' }] } },
    ])
    // The cash closed with `at` among its properties: a closed alternative refuses what is beside it.
    const cashAt = { ...cash, properties: { ...cash.properties, at: { type: 'string' } } }
    const allOf = bodyVariants({ allOf: [{ type: 'object', required: ['at'], properties: { at: { type: 'string', example: 'now' } } }, { oneOf: [cashAt, online] }] } as never, doc as never)
    expect(allOf.filter((b) => b.variant.startsWith('oneOf-2'))).toEqual([
      { variant: 'oneOf-2:online', body: { at: 'now', amount: 1, method: card } },
      { variant: 'oneOf-2:online.method.oneOf-2:voucher', body: { at: 'now', amount: 1, method: voucher } },
      // Its bounds, which an open cash took too, and were not sent.
      { variant: 'oneOf-2:online/min', body: { at: '', amount: 1, method: card } },
      { variant: 'oneOf-2:online/max', body: { at: 'x'.repeat(64), amount: 500, method: card } },
    ])
  })

  it('shares the bound of 8 with those beside the alternatives, in turns, those beside first and named as they were', () => {
    const choice = (place: string) => ({ oneOf: Array.from({ length: 6 }, (_, i) => ({ type: 'object', required: ['k'], properties: { k: { type: 'string', enum: [`${place}${i + 1}`] } } })) })
    // Each requires its own: with nothing required, every body was both, and the oneOf refused it.
    const one = { type: 'object', title: 'one', required: ['b'], properties: { b: choice('b') } }
    const two = { type: 'object', title: 'two', required: ['c'], properties: { c: choice('c') } }
    const schema = { type: 'object', properties: { a: choice('a') }, oneOf: [one, two] }
    const bodies = bodyVariants(schema as never)
    const nested = bodies.filter((b) => b.variant.includes('.'))
    expect(nested.map((b) => b.variant)).toEqual([
      'a.oneOf-2:a2',
      'oneOf-1:one.b.oneOf-2:b2',
      'oneOf-2:two.c.oneOf-2:c2',
      'a.oneOf-3:a3',
      'oneOf-1:one.b.oneOf-3:b3',
      'oneOf-2:two.c.oneOf-3:c3',
      'a.oneOf-4:a4',
      'oneOf-1:one.b.oneOf-4:b4',
    ])
    expect(byName(bodies)['oneOf-2:two.c.oneOf-3:c3']).toEqual({ a: { k: 'a1' }, c: { k: 'c3' } })
    expect(byName(bodies)['oneOf-2:two']).toEqual({ a: { k: 'a1' }, c: { k: 'c1' } })
  })

  it('leaves the variants of a body with none inside its alternatives as they were', () => {
    const first = { type: 'object', required: ['x'], properties: { x: { type: 'string', pattern: '^X[0-9]$' }, tag: { type: 'string', enum: ['a', 'b'] } } }
    const second = { type: 'object', title: 'bee', required: ['z'], properties: { z: { type: 'boolean' } } }
    const beside = { type: 'object', required: ['amount', 'method'], properties: { amount: { type: 'integer', minimum: 1, maximum: 5 }, method: ref('Method') }, oneOf: [first, second] }
    const exampled = { type: 'object', example: { amount: 2, method: { kind: 'voucher', code: 'V-1111' }, z: false }, properties: { amount: { type: 'integer' }, method: ref('Method') }, anyOf: [first, second] }
    const exampledAllOf = { allOf: [{ type: 'object', properties: { method: ref('Method') } }, { oneOf: [first, second] }], example: { method: { kind: 'card', number: '1234123412341234' }, x: 'X9' } }
    // What they were given before a oneOf inside an alternative was looked into, but where a choice body's
    // typical body, bounds and example were mended (see choice-bodies.test.ts): `beside`'s typical and
    // required-only bodies are its first alternative's (`x: 'X0'`, where `'string'` missed its pattern), so
    // `oneOf-1` is no more sent beside them, and it has that alternative's bounds (`enum-last`, `tag: 'b'`);
    // the alternatives of `exampled` and `exampledAllOf` send `method` as the schema says, not as the
    // sampler read it (`number: 'string'`), the example of the whole body being one alternative's only.
    // Last, the bounds of the alternatives the body's own are not within (see alternative-bounds.test.ts).
    expect(bodyVariants(beside as never, doc as never)).toEqual([{"variant":"sample","body":{"amount":1,"method":{"kind":"card","number":"0000000000000000"},"x":"X0","tag":"a"}},{"variant":"required","body":{"amount":1,"method":{"kind":"card","number":"0000000000000000"},"x":"X0"}},{"variant":"max","body":{"amount":5,"method":{"kind":"card","number":"0000000000000000"},"x":"X0","tag":"a"}},{"variant":"empty","body":{}},{"variant":"enum-last","body":{"amount":1,"method":{"kind":"card","number":"0000000000000000"},"x":"X0","tag":"b"}},{"variant":"oneOf-2:bee","body":{"amount":1,"method":{"kind":"card","number":"0000000000000000"},"z":true}},{"variant":"method.oneOf-2:voucher","body":{"amount":1,"method":{"kind":"voucher","code":"V-0000"},"x":"X0","tag":"a"}},{"variant":"oneOf-2:bee/max","body":{"amount":5,"method":{"kind":"card","number":"0000000000000000"},"z":true}}])
    expect(bodyVariants(exampled as never, doc as never)).toEqual([{"variant":"sample","body":{"amount":2,"method":{"kind":"voucher","code":"V-1111"},"z":false}},{"variant":"empty","body":{}},{"variant":"anyOf-1","body":{"amount":1,"method":{"kind":"card","number":"0000000000000000"},"x":"X0","tag":"a"}},{"variant":"anyOf-2:bee","body":{"amount":1,"method":{"kind":"card","number":"0000000000000000"},"z":true}},{"variant":"method.oneOf-1:card","body":{"amount":2,"method":{"kind":"card","number":"0000000000000000"},"z":false}},{"variant":"method.oneOf-2:voucher","body":{"amount":2,"method":{"kind":"voucher","code":"V-0000"},"z":false}},{"variant":"anyOf-1/enum-last","body":{"amount":1,"method":{"kind":"card","number":"0000000000000000"},"x":"X0","tag":"b"}},{"variant":"anyOf-1/required","body":{"x":"X0"}}])
    expect(bodyVariants(exampledAllOf as never, doc as never)).toEqual([{"variant":"sample","body":{"method":{"kind":"card","number":"1234123412341234"},"x":"X9"}},{"variant":"empty","body":{}},{"variant":"oneOf-1","body":{"method":{"kind":"card","number":"0000000000000000"},"x":"X0","tag":"a"}},{"variant":"oneOf-2:bee","body":{"method":{"kind":"card","number":"0000000000000000"},"z":true}},{"variant":"method.oneOf-1:card","body":{"method":{"kind":"card","number":"0000000000000000"},"x":"X9"}},{"variant":"method.oneOf-2:voucher","body":{"method":{"kind":"voucher","code":"V-0000"},"x":"X9"}},{"variant":"oneOf-2:bee/required","body":{"z":true}}])
  })
})
