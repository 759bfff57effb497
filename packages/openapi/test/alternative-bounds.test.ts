/**
 * The bounds of each alternative of a `oneOf` or `anyOf` body, not only of its first: `min`, `max`,
 * `enum-first`, `enum-last` and `required` were made within the first alternative (or the one an example
 * of the whole body is of) only, so with `oneOf: [Card, Voucher]` the voucher was sent once, as its
 * typical body, and never at its bounds: an API that mishandles a 12-character voucher code was never
 * found. Each is now a variant named after the alternative and the bound (`oneOf-2:voucher/max`), after
 * every variant the body had, at most MAX_ALTERNATIVE_BOUNDS of them; each body is one the document's
 * schema accepts (checked here with ajv, against the whole body's schema and the alternative's own).
 */
import Ajv2020 from 'ajv/dist/2020.js'
import addFormats from 'ajv-formats'
import { describe, expect, it } from 'vitest'
import { RETURN, byName, feesDoc, ref } from './fees-doc'
import { bodiesOfAction } from './helpers'
import { MAX_ALTERNATIVE_BOUNDS, bodyVariants } from '../src'
import { fromOpenApi30 } from '../src/schema'

const ajv = new Ajv2020({ strict: false, allErrors: true })
addFormats(ajv)

/**
 * ajv's errors for `body` under `schema`, [] when it validates: 3.0 rewritten (see fromOpenApi30); with a
 * document, as it is, its components beside it for its `$ref`s (which fromOpenApi30 would drop).
 */
function errorsOf(schema: unknown, body: unknown, doc?: { components?: unknown }): string[] {
  const validate = ajv.compile(doc?.components ? { ...(schema as object), components: doc.components } : (fromOpenApi30(schema as never) as object))
  return validate(body) ? [] : (validate.errors ?? []).map((e) => `${e.instancePath} ${e.message}`)
}

const isBound = (name: string) => name.includes('/')

/**
 * Every alternative's bound the body gives validates against the whole schema and against the
 * alternative it is named after (its place in `list`); the bounds given, for the assertions.
 */
function expectValid(schema: unknown, list: unknown[], doc?: { components?: unknown }) {
  const bodies = bodyVariants(schema as never, doc as never).filter((b) => isBound(b.variant))
  for (const { variant, body } of bodies) {
    expect(errorsOf(schema, body, doc), `${variant} ${JSON.stringify(body)} against the body's schema`).toEqual([])
    // A top-level alternative's, against that alternative too (one inside the body is checked where it is, by the body's schema).
    const top = /^(?:oneOf|anyOf)-(\d+)[^.]*\/[a-z-]+$/.exec(variant)
    if (top) expect(errorsOf(list[Number(top[1]) - 1], body, doc), `${variant} ${JSON.stringify(body)} against its alternative`).toEqual([])
  }
  return bodies
}

const card = { type: 'object', title: 'card', required: ['amount'], properties: { amount: { type: 'integer', minimum: 1, maximum: 500 } } }
const voucher = {
  type: 'object',
  title: 'voucher',
  required: ['code'],
  properties: { code: { type: 'string', minLength: 6, maxLength: 12, pattern: '^[A-Z0-9]+$' }, note: { type: 'string', maxLength: 20 }, tier: { type: 'string', enum: ['a', 'b', 'c'] } },
}

describe("a oneOf body: each other alternative's bounds", () => {
  it('are variants of their own, named after the alternative and the bound, after the variants the body had', () => {
    const bodies = bodyVariants({ oneOf: [card, voucher] } as never)
    expect(bodies.map((b) => b.variant)).toEqual([
      // As they were.
      'sample',
      'max',
      'empty',
      'oneOf-2:voucher',
      // New: the min and the max of every alternative, then the enums of every one, then the required-only bodies.
      'oneOf-2:voucher/min',
      'oneOf-2:voucher/max',
      'oneOf-2:voucher/enum-last',
      'oneOf-2:voucher/required',
    ])
    const bodyOf = byName(bodies)
    const typical = bodyOf['oneOf-2:voucher'] as { code: string }
    expect(bodyOf['oneOf-2:voucher/min']).toEqual({ code: expect.stringMatching(/^[A-Z0-9]{6}$/), note: '', tier: 'a' })
    // The 12-character code: a pattern with lengths is met at them.
    expect(bodyOf['oneOf-2:voucher/max']).toEqual({ code: expect.stringMatching(/^[A-Z0-9]{12}$/), note: 'x'.repeat(20), tier: 'a' })
    expect(bodyOf['oneOf-2:voucher/enum-last']).toEqual({ ...typical, tier: 'c' })
    expect(bodyOf['oneOf-2:voucher/required']).toEqual({ code: typical.code })
    // The same schema, the same variants: an input names one by its name.
    expect(bodyVariants({ oneOf: [card, voucher] } as never)).toEqual(bodies)
    expectValid({ oneOf: [card, voucher] }, [card, voucher])
  })

  it('keep every name and body the body had, in its order, no-body of a body not required among them', () => {
    expect(bodyVariants(RETURN as never, undefined, { optional: true })).toEqual([
      { variant: 'sample', body: { condition: 'good' } },
      { variant: 'empty', body: {} },
      { variant: 'oneOf-2:damaged', body: { condition: 'damaged', note: 'note-1' } },
      { variant: 'no-body', body: undefined },
      { variant: 'oneOf-2:damaged/min', body: { condition: 'damaged', note: 'x' } },
      { variant: 'oneOf-2:damaged/max', body: { condition: 'damaged', note: 'x'.repeat(64) } },
    ])
    expectValid(RETURN, RETURN.oneOf)
  })

  it("keep the alternative's discriminator value, through $refs, in an anyOf with properties beside and in an allOf with a oneOf part", () => {
    const doc = feesDoc({
      Cat: { type: 'object', required: ['petType', 'lives'], properties: { petType: { type: 'string', enum: ['cat', 'dog'] }, lives: { type: 'integer', minimum: 1, maximum: 9 } } },
      Dog: {
        type: 'object',
        required: ['petType', 'bark'],
        properties: { petType: { type: 'string', enum: ['cat', 'dog'] }, bark: { type: 'boolean' }, age: { type: 'integer', minimum: 0, maximum: 20 } },
      },
    })
    const pet = { oneOf: [ref('Cat'), ref('Dog')], discriminator: { propertyName: 'petType', mapping: { cat: '#/components/schemas/Cat', dog: '#/components/schemas/Dog' } } }
    const dogs = expectValid(pet, pet.oneOf, doc)
    expect(dogs.map((b) => b.variant)).toEqual(['oneOf-2:dog/min', 'oneOf-2:dog/max', 'oneOf-2:dog/required'])
    expect(byName(dogs)['oneOf-2:dog/max']).toEqual({ petType: 'dog', bark: true, age: 20 })
    // `enum-first` would have made the dog a cat: it is the dog's typical body with its discriminator's value kept.
    for (const { body } of dogs) expect(body).toMatchObject({ petType: 'dog' })

    const owner = { type: 'object', required: ['owner'], properties: { owner: { type: 'string', maxLength: 8 } } }
    const allOf = bodyVariants({ allOf: [owner, pet] } as never, doc as never)
    expect(byName(allOf)['oneOf-2:dog/max']).toEqual({ owner: 'x'.repeat(8), petType: 'dog', bark: true, age: 20 })
    expectValid({ allOf: [owner, pet] }, pet.oneOf, doc)

    const beside = { type: 'object', required: ['at'], properties: { at: { type: 'integer', minimum: 1, maximum: 7 } }, anyOf: [card, voucher] }
    const anyOf = expectValid(beside, beside.anyOf)
    expect(byName(anyOf)['anyOf-2:voucher/max']).toEqual({ at: 7, code: expect.stringMatching(/^[A-Z0-9]{12}$/), note: 'x'.repeat(20), tier: 'a' })
  })

  it('of a body whose example is of one alternative: those of the others, that one being the bounds the body had', () => {
    const cash = { type: 'object', title: 'cash', required: ['amount'], properties: { amount: card.properties.amount, till: { type: 'integer', minimum: 1, maximum: 3 } } }
    const schema = { oneOf: [cash, voucher], example: { code: 'ABCDEFG' } }
    const bodies = bodyVariants(schema as never)
    // The example is a voucher: `min` and `max` are the voucher's, and the cash's bounds are given under its name.
    expect(byName(bodies).max).toEqual({ code: expect.stringMatching(/^[A-Z0-9]{12}$/) })
    expect(bodies.filter((b) => isBound(b.variant))).toEqual([
      { variant: 'oneOf-1:cash/max', body: { amount: 500, till: 3 } },
      { variant: 'oneOf-1:cash/required', body: { amount: 1 } },
    ])
    expectValid(schema, schema.oneOf)
  })

  it('are never a body the schema refuses: one that two alternatives of a oneOf take is not sent, nor one past a bound it cannot meet', () => {
    const low = { type: 'object', title: 'low', required: ['n'], properties: { n: { type: 'integer', minimum: -10, maximum: 10, example: -5 } } }
    const high = { type: 'object', title: 'high', required: ['n'], properties: { n: { type: 'integer', minimum: 1, maximum: 100, example: 50 } } }
    // `n: 1` is both: a oneOf refuses it, so `oneOf-2:high/min` is not sent; an anyOf takes it.
    expect(bodyVariants({ oneOf: [low, high] } as never).filter((b) => isBound(b.variant))).toEqual([{ variant: 'oneOf-2:high/max', body: { n: 100 } }])
    expect(bodyVariants({ anyOf: [low, high] } as never).filter((b) => isBound(b.variant))).toEqual([
      { variant: 'anyOf-2:high/min', body: { n: 1 } },
      { variant: 'anyOf-2:high/max', body: { n: 100 } },
    ])
    // Five items at least: the `max` of a list was 3 items long, which its minItems refused, and it was not
    // sent. A `max` is now never shorter than the `minItems` (see valid-variants.test.ts): 5 items, sent.
    const list = { type: 'object', title: 'list', required: ['tags'], properties: { tags: { type: 'array', minItems: 5, items: { type: 'string', maxLength: 3 } } } }
    const bodies = expectValid({ oneOf: [card, list] }, [card, list])
    expect(byName(bodies)['oneOf-2:list/max']).toEqual({ tags: Array.from({ length: 5 }, () => 'xxx') })
    // Two items at most and five at least: no list meets both, and no bound of it is sent.
    const never = { ...list, properties: { tags: { ...list.properties.tags, maxItems: 2 } } }
    expect(expectValid({ oneOf: [card, never] }, [card, never]).map((b) => b.variant)).not.toContain('oneOf-2:list/max')
  })

  it('of every kind of leaf the bounds reach, valid in 3.0 and 3.1 spelling', () => {
    const leaves = {
      type: 'object',
      title: 'leaves',
      required: ['id', 'qty'],
      properties: {
        id: { type: 'integer', readOnly: true },
        qty: { type: 'integer', minimum: 0, exclusiveMinimum: true, maximum: 10, exclusiveMaximum: true },
        price: { type: 'number', exclusiveMinimum: 0, maximum: 99.5, multipleOf: 0.5 },
        note: { type: 'string', nullable: true, minLength: 2, maxLength: 5 },
        tags: { type: 'array', uniqueItems: true, maxItems: 2, items: { type: 'string', maxLength: 4 } },
        kind: { type: 'string', enum: ['x', 'y'] },
        when: { type: 'string', format: 'date-time' },
      },
    }
    const schema = { oneOf: [card, leaves] }
    // `id` is readOnly, not sent; the schema checked here requires it: checked without it.
    const check = { oneOf: [card, { ...leaves, required: ['qty'] }] }
    const bodies = bodyVariants(schema as never).filter((b) => isBound(b.variant))
    // Last, its body with its nullable `note` null (see the variant `null`).
    expect(bodies.map((b) => b.variant)).toEqual(['oneOf-2:leaves/min', 'oneOf-2:leaves/max', 'oneOf-2:leaves/enum-last', 'oneOf-2:leaves/required', 'oneOf-2:leaves/null'])
    expect(byName(bodies)['oneOf-2:leaves/max']).toMatchObject({ qty: 9, price: 99.5, note: 'xxxxx' })
    for (const { variant, body } of bodies) expect(errorsOf(check, body), `${variant} ${JSON.stringify(body)}`).toEqual([])
  })

  it('are at most MAX_ALTERNATIVE_BOUNDS, taken in turns: the min and the max of every alternative before the enums of any', () => {
    const alternative = (i: number) => ({
      type: 'object',
      required: ['k', 'n'],
      properties: { k: { type: 'integer', enum: [i] }, n: { type: 'integer', minimum: 1, maximum: 9 }, s: { type: 'string', maxLength: 5 }, e: { type: 'string', enum: ['a', 'b'] } },
    })
    const list = Array.from({ length: 12 }, (_, i) => alternative(i))
    const bodies = bodyVariants({ oneOf: list } as never)
    expect(MAX_ALTERNATIVE_BOUNDS).toBe(16)
    const bounds = bodies.filter((b) => isBound(b.variant)).map((b) => b.variant)
    const others = [2, 3, 4, 5, 6, 7, 8]
    expect(bounds).toEqual([...others.flatMap((i) => [`oneOf-${i}:${i - 1}/min`, `oneOf-${i}:${i - 1}/max`]), 'oneOf-2:1/enum-last', 'oneOf-3:2/enum-last'])
    // The variants it had, before them, as they were.
    expect(bodies.slice(0, bodies.length - bounds.length).some((b) => isBound(b.variant))).toBe(false)
    expectValid({ oneOf: list }, list)
  })

  it('leave the variants of a body with no alternatives as they were', () => {
    expect(bodyVariants(voucher as never).map((b) => b.variant)).toEqual(['sample', 'required', 'min', 'max', 'empty', 'enum-last'])
  })
})

describe("a oneOf inside the body: each of its alternatives' bounds", () => {
  const coupon = {
    type: 'object',
    required: ['kind', 'code'],
    properties: { kind: { type: 'string' }, code: { type: 'string', minLength: 6, maxLength: 12, pattern: '^[A-Z0-9]+$' }, note: { type: 'string', maxLength: 10 } },
  }
  const doc = feesDoc({
    Coupon: coupon,
    Means: {
      oneOf: [ref('Card'), ref('Coupon')],
      discriminator: { propertyName: 'kind', mapping: { card: '#/components/schemas/Card', coupon: '#/components/schemas/Coupon' } },
    },
    Payment: { type: 'object', required: ['amount', 'method'], properties: { amount: { type: 'integer', minimum: 1, maximum: 500 }, method: ref('Means') } },
  })
  const cardValue = { kind: 'card', number: '0000000000000000' }

  it('are variants named after the place, the alternative and the bound, the rest of the body typical', () => {
    const bodies = bodyVariants(ref('Payment') as never, doc as never)
    expect(bodies.map((b) => b.variant)).toEqual([
      'sample',
      'max',
      'empty',
      'method.oneOf-2:coupon',
      // The card's bounds are its typical body (its kind the discriminator's, its number a pattern of no lengths): not sent again.
      'method.oneOf-2:coupon/min',
      'method.oneOf-2:coupon/max',
      'method.oneOf-2:coupon/required',
    ])
    const bodyOf = byName(bodies)
    expect(bodyOf.max).toEqual({ amount: 500, method: cardValue })
    expect(bodyOf['method.oneOf-2:coupon/min']).toEqual({ amount: 1, method: { kind: 'coupon', code: expect.stringMatching(/^[A-Z0-9]{6}$/), note: '' } })
    expect(bodyOf['method.oneOf-2:coupon/max']).toEqual({ amount: 1, method: { kind: 'coupon', code: expect.stringMatching(/^[A-Z0-9]{12}$/), note: 'x'.repeat(10) } })
    expect(bodyOf['method.oneOf-2:coupon/required']).toEqual({ amount: 1, method: { kind: 'coupon', code: (bodyOf['method.oneOf-2:coupon'] as { method: { code: string } }).method.code } })
    expectValid(ref('Payment'), [], doc)
  })

  it("of the first alternative too, which the body's own bounds leave as it is; in an array's items and inside a top-level alternative", () => {
    const order = {
      type: 'object',
      required: ['lines'],
      properties: { lines: { type: 'array', maxItems: 2, items: { oneOf: [ref('Coupon'), ref('Card')], discriminator: { propertyName: 'kind' } } } },
    }
    const lines = bodyVariants(order as never, doc as never).filter((b) => isBound(b.variant))
    // Its required-only body is the body's own `required`, which sends a place's first alternative so: not sent again.
    expect(lines.map((b) => b.variant)).toEqual(['lines[].oneOf-1:Coupon/min', 'lines[].oneOf-1:Coupon/max'])
    expect(byName(lines)['lines[].oneOf-1:Coupon/max']).toEqual({ lines: [{ kind: 'Coupon', code: expect.stringMatching(/^[A-Z0-9]{12}$/), note: 'x'.repeat(10) }] })
    expectValid(order, [], doc)

    const free = { type: 'object', title: 'free', required: ['plan'], properties: { plan: { type: 'string', enum: ['free'] } }, additionalProperties: false }
    const paid = { type: 'object', title: 'paid', required: ['plan', 'payment'], properties: { plan: { type: 'string', enum: ['paid'] }, payment: ref('Means') }, additionalProperties: false }
    const renewal = bodyVariants({ oneOf: [free, paid] } as never, doc as never).filter((b) => isBound(b.variant))
    expect(renewal.map((b) => b.variant)).toEqual(['oneOf-2:paid.payment.oneOf-2:coupon/min', 'oneOf-2:paid.payment.oneOf-2:coupon/max', 'oneOf-2:paid.payment.oneOf-2:coupon/required'])
    expect(byName(renewal)['oneOf-2:paid.payment.oneOf-2:coupon/max']).toEqual({ plan: 'paid', payment: { kind: 'coupon', code: expect.stringMatching(/^[A-Z0-9]{12}$/), note: 'x'.repeat(10) } })
    expectValid({ oneOf: [free, paid] }, [free, paid], doc)
  })
})

describe('the bounds of the alternatives of a body, at the top and inside it', () => {
  it('share MAX_ALTERNATIVE_BOUNDS, taken in turns: the min and the max of every alternative, the top-level ones first', () => {
    const leaf = (tag: string) => ({
      type: 'object',
      required: ['k', 'n'],
      properties: { k: { type: 'string', enum: [tag] }, n: { type: 'integer', minimum: 1, maximum: 9 }, s: { type: 'string', maxLength: 3 } },
    })
    const choice = (place: string) => ({ oneOf: [1, 2, 3].map((i) => leaf(`${place}${i}`)) })
    const top = [1, 2, 3].map((i) => ({ ...leaf(`t${i}`), properties: { ...leaf(`t${i}`).properties, a: choice('a'), b: choice('b') } }))
    const bodies = bodyVariants({ oneOf: top } as never)
    const bounds = bodies.filter((b) => isBound(b.variant)).map((b) => b.variant)
    expect(bounds).toHaveLength(MAX_ALTERNATIVE_BOUNDS)
    // 20 alternatives, 2 at the top: both ends of the first 8 of them, the second alternative of every place before the third of any.
    expect(bounds).toEqual(
      ['oneOf-2:t2', 'oneOf-3:t3', 'oneOf-1:t1.a.oneOf-1:a1', 'oneOf-1:t1.b.oneOf-1:b1', 'oneOf-2:t2.a.oneOf-1:a1', 'oneOf-2:t2.b.oneOf-1:b1', 'oneOf-3:t3.a.oneOf-1:a1', 'oneOf-3:t3.b.oneOf-1:b1'].flatMap(
        (name) => [`${name}/min`, `${name}/max`],
      ),
    )
    expectValid({ oneOf: top }, top)
  })
})

describe('the action of an operation whose body is a oneOf', () => {
  it("offers each alternative's bounds as inputs after the others, and sends them", async () => {
    const { inputs, sent } = await bodiesOfAction({ oneOf: [card, voucher] })
    expect(inputs).toEqual(
      ['sample', 'max', 'empty', 'oneOf-2:voucher', 'oneOf-2:voucher/min', 'oneOf-2:voucher/max', 'oneOf-2:voucher/enum-last', 'oneOf-2:voucher/required'].map((body) => ({ body })),
    )
    expect(sent[5]).toEqual({ code: expect.stringMatching(/^[A-Z0-9]{12}$/), note: 'x'.repeat(20), tier: 'a' })
    expect(sent).toEqual(bodyVariants({ oneOf: [card, voucher] } as never).map((b) => b.body))
  })
})
