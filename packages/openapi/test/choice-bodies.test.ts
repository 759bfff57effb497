/**
 * A body that is a choice at its top (a `oneOf` or `anyOf`, or an `allOf` of parts) and has no `type` of
 * its own:
 * - its typical and required-only bodies were the sampler's reading of its first alternative (a pattern
 *   unmet: `number: 'string'`), sent beside that alternative's own variant (`oneOf-1:card`), as an `allOf`
 *   body with a `oneOf` part no longer is;
 * - it had no `min`, `max`, `enum-first` or `enum-last`: the bounds were looked for in the root's own
 *   properties only, and it has none;
 * - with an example of the whole body, each alternative's body sent the places beside the alternatives as
 *   the sampler read them, as if that example, which is one alternative's, gave them.
 */
import { describe, expect, it } from 'vitest'
import { byName, feesDoc, ref } from './fees-doc'
import { bodyVariants } from '../src'

const doc = feesDoc()
const card = { kind: 'card', number: '0000000000000000' }
const voucher = { kind: 'voucher', code: 'V-0000' }

describe('a oneOf or anyOf body: its typical body', () => {
  it("is its first alternative's own, patterns met, and that alternative is not sent a second time", () => {
    const bodies = bodyVariants(ref('Method') as never, doc as never)
    // Was `sample: { kind: 'card', number: 'string' }`, which the API refuses, and `oneOf-1:card` beside it.
    expect(bodies).toEqual([
      { variant: 'sample', body: card },
      { variant: 'empty', body: {} },
      { variant: 'oneOf-2:voucher', body: voucher },
    ])
  })

  it('and its required-only body, of anyOf too, with the properties beside the alternatives', () => {
    const first = { type: 'object', required: ['code'], properties: { code: { type: 'string', pattern: '^X[0-9]$' }, note: { type: 'string' } } }
    const second = { type: 'object', title: 'gift', required: ['gift'], properties: { gift: { type: 'boolean' } } }
    const schema = { type: 'object', required: ['at'], properties: { at: { type: 'string', example: 'now' } }, anyOf: [first, second] }
    const bodies = bodyVariants(schema as never)
    expect(bodies.map((b) => b.variant)).toEqual(['sample', 'required', 'min', 'max', 'empty', 'anyOf-2:gift', 'anyOf-2:gift/min', 'anyOf-2:gift/max'])
    expect(byName(bodies).sample).toEqual({ at: 'now', code: 'X0', note: 'note-1' })
    expect(byName(bodies).required).toEqual({ at: 'now', code: 'X0' })
  })

  it("is the document's example of the whole body when it gives one", () => {
    const example = { kind: 'voucher', code: 'V-1234' }
    const bodies = bodyVariants({ ...doc.components.schemas.Method, example } as never, doc as never)
    expect(bodies[0]).toEqual({ variant: 'sample', body: example })
    expect(byName(bodies)['oneOf-1:card']).toEqual(card)
  })
})

describe('a body whose root is a choice or an allOf, of no type: its bounds', () => {
  const amount = { type: 'integer', minimum: 1, maximum: 500 }

  it('of an allOf, over its parts merged', () => {
    const base = { type: 'object', required: ['amount'], properties: { amount } }
    const extra = { type: 'object', properties: { note: { type: 'string', maxLength: 10 }, tier: { type: 'string', enum: ['a', 'b', 'c'] } } }
    const bodyOf = byName(bodyVariants({ allOf: [base, extra] } as never))
    expect(bodyOf.sample).toEqual({ amount: 1, note: 'note-1', tier: 'a' })
    expect(bodyOf.min).toEqual({ amount: 1, note: '', tier: 'a' })
    expect(bodyOf.max).toEqual({ amount: 500, note: 'xxxxxxxxxx', tier: 'a' })
    expect(bodyOf['enum-last']).toEqual({ amount: 1, note: 'note-1', tier: 'c' })
  })

  it('of a oneOf, within its first alternative, as its typical body is', () => {
    const online = { type: 'object', title: 'online', required: ['amount', 'method'], properties: { amount, method: ref('Method') } }
    // Closed: an open cash took every online body too (`method` one more property), and the oneOf refused
    // it; the typical body is now the first alternative's only where the oneOf takes it (see valid-variants.test.ts).
    const cash = { type: 'object', title: 'cash', required: ['amount'], properties: { amount, till: { type: 'integer', minimum: 1, maximum: 3 } }, additionalProperties: false }
    const bodies = bodyVariants({ oneOf: [online, cash] } as never, doc as never)
    expect(bodies.map((b) => b.variant)).toEqual(['sample', 'max', 'empty', 'oneOf-2:cash', 'oneOf-1:online.method.oneOf-2:voucher', 'oneOf-2:cash/max', 'oneOf-2:cash/required'])
    expect(byName(bodies).max).toEqual({ amount: 500, method: card })
  })

  it("of an allOf with a oneOf part, within its first alternative with the other parts, the discriminator's value kept", () => {
    const pets = {
      ...doc,
      components: {
        schemas: {
          Cat: { type: 'object', required: ['petType', 'lives'], properties: { petType: { type: 'string', enum: ['cat', 'dog'] }, lives: { type: 'integer', minimum: 1, maximum: 9 } } },
          Dog: { type: 'object', required: ['petType', 'bark'], properties: { petType: { type: 'string', enum: ['cat', 'dog'] }, bark: { type: 'boolean' } } },
        },
      },
    }
    const pet = { oneOf: [ref('Cat'), ref('Dog')], discriminator: { propertyName: 'petType', mapping: { cat: '#/components/schemas/Cat', dog: '#/components/schemas/Dog' } } }
    const owner = { type: 'object', required: ['owner'], properties: { owner: { type: 'string', maxLength: 8 } } }
    const bodies = bodyVariants({ allOf: [owner, pet] } as never, pets as never)
    expect(bodies.map((b) => b.variant)).toEqual(['sample', 'min', 'max', 'empty', 'oneOf-2:dog', 'oneOf-2:dog/min', 'oneOf-2:dog/max'])
    const bodyOf = byName(bodies)
    expect(bodyOf.sample).toEqual({ owner: 'owner-1', petType: 'cat', lives: 1 })
    expect(bodyOf.min).toEqual({ owner: '', petType: 'cat', lives: 1 })
    // `enum-last` would have made the cat a dog: a body of no alternative, so none is sent.
    expect(bodyOf.max).toEqual({ owner: 'xxxxxxxx', petType: 'cat', lives: 9 })
  })

  it("of a oneOf with an example of the whole body, within the alternative the example is of", () => {
    const online = { type: 'object', title: 'online', required: ['amount', 'method'], properties: { amount, method: ref('Method') } }
    const cash = { type: 'object', title: 'cash', required: ['amount'], properties: { amount, till: { type: 'integer', minimum: 1, maximum: 3 } } }
    const example = { amount: 20, till: 2 }
    const bodyOf = byName(bodyVariants({ oneOf: [online, cash], example } as never, doc as never))
    expect(bodyOf.sample).toEqual(example)
    expect(bodyOf.min).toEqual({ amount: 1, till: 1 })
    expect(bodyOf.max).toEqual({ amount: 500, till: 3 })
  })
})

describe("a oneOf body with an example of the whole body: each alternative's body", () => {
  it('sends the places beside the alternatives as the schema says, not as the sampler read them', () => {
    const first = { type: 'object', required: ['x'], properties: { x: { type: 'string', pattern: '^X[0-9]$' } } }
    const second = { type: 'object', title: 'bee', required: ['z'], properties: { z: { type: 'boolean' } } }
    const example = { method: { kind: 'voucher', code: 'V-1111' }, z: false }
    const schema = { type: 'object', required: ['method'], properties: { method: ref('Method') }, oneOf: [first, second], example }
    const bodyOf = byName(bodyVariants(schema as never, doc as never))
    expect(bodyOf.sample).toEqual(example)
    // Was `method: { kind: 'card', number: 'string' }` in both.
    expect(bodyOf['oneOf-1']).toEqual({ method: card, x: 'X0' })
    expect(bodyOf['oneOf-2:bee']).toEqual({ method: card, z: true })
    // The example's own place keeps what it gives, its variants beside it.
    expect(bodyOf['method.oneOf-1:card']).toEqual({ method: card, z: false })
  })
})
