/**
 * A request body of `oneOf` or `anyOf` alternatives is sent as each of them, not only as the first: for a
 * return that is `{ condition: 'good' }` or `{ condition: 'damaged', note }`, the damaged one was never
 * tried. And the `empty` variant of such a body is `{}`, a JSON value, where it was no body at all.
 */
import { describe, expect, it } from 'vitest'
import { bodyVariants } from '../src'
import { RETURN } from './fees-doc'
import { bodiesOfAction } from './helpers'

const PETS = {
  openapi: '3.0.3',
  info: { title: 'pets', version: '1' },
  paths: {},
  components: {
    schemas: {
      Cat: { type: 'object', required: ['petType', 'lives'], properties: { petType: { type: 'string' }, lives: { type: 'integer', minimum: 1, maximum: 9 } } },
      Dog: { type: 'object', required: ['petType', 'bark'], properties: { petType: { type: 'string' }, bark: { type: 'boolean' } } },
    },
  },
}

describe('a body of oneOf alternatives', () => {
  it('has a variant for each alternative, named after what tells it apart, and an empty one that is {}', () => {
    const bodies = bodyVariants(RETURN as never)
    expect(bodies).toEqual([
      { variant: 'sample', body: { condition: 'good' } },
      { variant: 'empty', body: {} },
      { variant: 'oneOf-2:damaged', body: { condition: 'damaged', note: 'note-1' } },
      // The bounds of the alternatives but the first, after the others (see alternative-bounds.test.ts).
      { variant: 'oneOf-2:damaged/min', body: { condition: 'damaged', note: 'x' } },
      { variant: 'oneOf-2:damaged/max', body: { condition: 'damaged', note: 'x'.repeat(64) } },
    ])
    // The same schema, the same variants: an input names one by its name.
    expect(bodyVariants(RETURN as never)).toEqual(bodies)
  })

  it("keeps every alternative when the oneOf has an example of its own (one alternative's body)", () => {
    const bodies = bodyVariants({ ...RETURN, example: { condition: 'good' } } as never)
    expect(bodies.map((b) => b.variant)).toEqual(['sample', 'empty', 'oneOf-2:damaged', 'oneOf-2:damaged/min', 'oneOf-2:damaged/max'])
    expect(bodies.find((b) => b.variant === 'oneOf-2:damaged')?.body).toEqual({ condition: 'damaged', note: 'note-1' })
  })

  it('of anyOf too, each with the properties beside the alternatives', () => {
    // Open alternatives: RETURN's forbid every property of their own but `condition` and `note`, so the
    // required `at` beside them made every body one the schema refuses, and such a variant is not sent
    // (see valid-variants.test.ts).
    const open = RETURN.oneOf.map(({ additionalProperties: _closed, ...alternative }) => alternative)
    const schema = { type: 'object', required: ['at'], properties: { at: { type: 'string', example: '2024-01-01' } }, anyOf: open }
    const alternatives = bodyVariants(schema as never).filter((b) => b.variant.startsWith('anyOf-'))
    expect(alternatives).toEqual([
      { variant: 'anyOf-2:damaged', body: { at: '2024-01-01', condition: 'damaged', note: 'note-1' } },
      // Its bounds (see alternative-bounds.test.ts), which the closed alternatives' refusal had kept out too.
      { variant: 'anyOf-2:damaged/min', body: { at: '', condition: 'damaged', note: 'x' } },
      { variant: 'anyOf-2:damaged/max', body: { at: 'x'.repeat(64), condition: 'damaged', note: 'x'.repeat(64) } },
    ])
  })

  it("names an alternative by its discriminator's value, and sends that value", () => {
    const doc = structuredClone(PETS) as any
    const { Cat, Dog } = doc.components.schemas
    const schema = { oneOf: [Cat, Dog], discriminator: { propertyName: 'petType', mapping: { cat: '#/components/schemas/Cat', dog: '#/components/schemas/Dog' } } }
    const bodies = bodyVariants(schema as never, doc)
    expect(bodies.find((b) => b.variant === 'oneOf-2:dog')?.body).toEqual({ petType: 'dog', bark: true })
    expect(bodies.find((b) => b.variant === 'oneOf-1:cat')?.body ?? bodies[0]!.body).toMatchObject({ petType: 'cat' })
    // Without a mapping, the discriminator's value is the schema's name.
    const unmapped = bodyVariants({ oneOf: [Cat, Dog], discriminator: { propertyName: 'petType' } } as never, doc)
    expect(unmapped.find((b) => b.variant === 'oneOf-2:Dog')?.body).toEqual({ petType: 'Dog', bark: true })
  })

  it('gives a bounded number of them', () => {
    const schema = { oneOf: Array.from({ length: 20 }, (_, i) => ({ type: 'object', required: ['k'], properties: { k: { type: 'integer', enum: [i] } } })) }
    const names = bodyVariants(schema as never).map((b) => b.variant)
    expect(names.filter((n) => n.startsWith('oneOf-'))).toEqual(['oneOf-2:1', 'oneOf-3:2', 'oneOf-4:3', 'oneOf-5:4', 'oneOf-6:5', 'oneOf-7:6', 'oneOf-8:7'])
  })
})

describe('a body with no empty value', () => {
  it('is sent as no body under a name that says so, never as an "empty" one', () => {
    const bodies = bodyVariants({ type: 'integer', minimum: 2, maximum: 9 } as never)
    expect(bodies.find((b) => b.variant === 'empty')).toBeUndefined()
    expect(bodies.find((b) => b.body === undefined)).toEqual({ variant: 'no-body', body: undefined })
  })
})

describe('the action of an operation whose body has alternatives', () => {
  it('offers each alternative as an input of its own, and sends it', async () => {
    const { inputs, sent } = await bodiesOfAction(RETURN)
    expect(inputs).toEqual([{ body: 'sample' }, { body: 'empty' }, { body: 'oneOf-2:damaged' }, { body: 'oneOf-2:damaged/min' }, { body: 'oneOf-2:damaged/max' }])
    expect(sent).toEqual([{ condition: 'good' }, {}, { condition: 'damaged', note: 'note-1' }, { condition: 'damaged', note: 'x' }, { condition: 'damaged', note: 'x'.repeat(64) }])
  })
})
