/**
 * A schema that no value can satisfy (bounds that contradict each other) is the document's
 * mistake: a ConfigError naming its place before anything runs. It used to load: the sampler sent a value
 * the document itself forbids, the API refused it as it should, and the exploration passed having tested
 * nothing of that operation.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import { ConfigError } from '@venomqa/core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { openApiActions, openApiInvariants } from '../src'

let dir: string
const env = () => ({ root: dir, signal: new AbortController().signal })
const BODY = '#/paths/~1things/post/requestBody/content/application~1json/schema'

interface Parts {
  body?: object
  parameters?: object[]
  response?: object
  components?: object
  openapi?: string
}
const doc = ({ body = { type: 'object' }, parameters = [], response = { type: 'object' }, components, openapi = '3.1.0' }: Parts) =>
  JSON.stringify({
    openapi,
    info: { title: 't', version: '1' },
    paths: {
      '/things': {
        post: {
          operationId: 'createThing',
          parameters,
          requestBody: { required: true, content: { 'application/json': { schema: body } } },
          responses: { 201: { description: 'made', content: { 'application/json': { schema: response } } } },
        },
      },
    },
    ...(components ? { components } : {}),
  })

/** The ConfigError loading `parts` gives, checked to come alike from the actions and the invariants. */
async function refusal(parts: Parts): Promise<ConfigError> {
  const file = `doc-${Math.random().toString(36).slice(2)}.json`
  await writeFile(path.join(dir, file), doc(parts))
  const errors: ConfigError[] = []
  for (const load of [() => openApiActions(file).load(env()), () => openApiInvariants(file).load(env())]) {
    const err = (await load().then(
      () => undefined,
      (e: unknown) => e,
    )) as ConfigError
    expect(err, 'the document loaded').toBeInstanceOf(ConfigError)
    errors.push(err)
  }
  expect(errors[1]!.message).toBe(errors[0]!.message)
  return Object.assign(errors[0]!, { message: errors[0]!.message.replace(/^doc-[a-z0-9]+\.json/, 'doc.json'), where: errors[0]!.where?.replace(/^doc-[a-z0-9]+\.json/, 'doc.json') })
}

async function loads(parts: Parts): Promise<void> {
  const file = `doc-${Math.random().toString(36).slice(2)}.json`
  await writeFile(path.join(dir, file), doc(parts))
  await expect(openApiActions(file).load(env())).resolves.toBeTruthy()
}

beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'venomqa-unsatisfiable-'))
})
afterAll(() => rm(dir, { recursive: true, force: true }))

describe('a schema no value can satisfy', () => {
  it('a request body property whose minimum is above its maximum, named by its place', async () => {
    const err = await refusal({ body: { type: 'object', properties: { qty: { type: 'integer', minimum: 10, maximum: 5 } }, required: ['qty'] } })
    expect(err.message).toBe(`doc.json${BODY}/properties/qty: no value can satisfy this schema: \`minimum\` 10 leaves no number below \`maximum\` 5`)
    expect(err.where).toBe(`doc.json${BODY}/properties/qty`)
  })

  it('exclusive bounds that meet, in 3.1 numbers and in 3.0 booleans', async () => {
    expect((await refusal({ body: { type: 'number', exclusiveMinimum: 3, maximum: 3 } })).message).toContain('`exclusiveMinimum` 3 leaves no number below `maximum` 3')
    const old = await refusal({ openapi: '3.0.3', body: { type: 'number', minimum: 3, maximum: 3, exclusiveMaximum: true } })
    expect(old.message).toContain('`minimum` 3 leaves no number below `maximum` 3 (`exclusiveMaximum`)')
  })

  it('no whole number, or no multiple, between the bounds', async () => {
    expect((await refusal({ body: { type: 'integer', minimum: 1.2, maximum: 1.8 } })).message).toContain('no whole number lies between `minimum` 1.2 and `maximum` 1.8')
    expect((await refusal({ body: { type: 'number', minimum: 1, maximum: 4, multipleOf: 5 } })).message).toContain('no multiple of 5 lies between `minimum` 1 and `maximum` 4')
    expect((await refusal({ body: { type: 'integer', exclusiveMinimum: 1, exclusiveMaximum: 2 } })).message).toContain('no whole number lies between')
  })

  it('lengths, item and property counts, a required property that is forbidden', async () => {
    expect((await refusal({ body: { type: 'string', minLength: 8, maxLength: 4 } })).message).toContain('`minLength` 8 is above `maxLength` 4')
    expect((await refusal({ body: { type: 'array', items: { type: 'string' }, minItems: 3, maxItems: 1 } })).message).toContain('`minItems` 3 is above `maxItems` 1')
    expect((await refusal({ body: { type: 'object', minProperties: 2, maxProperties: 1 } })).message).toContain('`minProperties` 2 is above `maxProperties` 1')
    expect((await refusal({ body: { type: 'object', properties: { a: {} }, required: ['a', 'b'], additionalProperties: false } })).message).toContain(
      '`required` names "b", which `additionalProperties: false` forbids',
    )
    expect((await refusal({ body: { type: 'object', required: ['a', 'b'], maxProperties: 1 } })).message).toContain('`required` names 2 properties, above `maxProperties` 1')
  })

  it('deep down: in array items, an allOf part, a $ref to the components', async () => {
    const items = await refusal({ body: { type: 'object', properties: { lines: { type: 'array', items: { type: 'object', properties: { qty: { type: 'integer', minimum: 1, maximum: 0 } } } } } } })
    expect(items.where).toBe(`doc.json${BODY}/properties/lines/items/properties/qty`)
    const allOf = await refusal({ body: { allOf: [{ type: 'object' }, { type: 'object', properties: { name: { type: 'string', minLength: 3, maxLength: 2 } } }] } })
    expect(allOf.where).toBe(`doc.json${BODY}/allOf/1/properties/name`)
    const viaRef = await refusal({
      body: { $ref: '#/components/schemas/Thing' },
      components: { schemas: { Thing: { type: 'object', properties: { size: { type: 'integer', minimum: 9, maximum: 1 } } } } },
    })
    expect(viaRef.message).toContain('/properties/size: no value can satisfy this schema: `minimum` 9 leaves no number below `maximum` 1')
  })

  it('in a parameter, named by its index in the list that declares it', async () => {
    const err = await refusal({ parameters: [{ name: 'note', in: 'header', schema: { type: 'string' } }, { name: 'limit', in: 'query', schema: { type: 'integer', minimum: 5, maximum: 2 } }] })
    expect(err.where).toBe('doc.json#/paths/~1things/post/parameters/1/schema')
  })

  it('bounds that contradict load when the schema admits null or another type they do not constrain: that value meets them', async () => {
    await loads({ openapi: '3.0.3', body: { type: 'object', properties: { discount: { type: 'number', nullable: true, minimum: 1, maximum: 0 } } } })
    await loads({ body: { type: 'object', properties: { discount: { type: ['integer', 'null'], minimum: 1.2, maximum: 1.8 } } } })
    await loads({ body: { type: 'object', properties: { code: { type: ['string', 'integer'], minimum: 10, maximum: 1 } } } })
    await loads({ body: { type: 'object', properties: { code: { type: 'string', minimum: 10, maximum: 1 } } } })
    await loads({ body: { type: 'object', properties: { tags: { type: ['array', 'null'], minItems: 3, maxItems: 1 } } } })
    await loads({ openapi: '3.0.3', body: { type: 'object', nullable: true, properties: { a: {} }, required: ['b'], additionalProperties: false } })
    await loads({ body: { type: ['object', 'null'], required: ['a', 'b'], maxProperties: 1 } })
  })

  it('in a response: the document, not the API, is what is wrong', async () => {
    const err = await refusal({ response: { type: 'object', properties: { total: { type: 'number', minimum: 0, maximum: -1 } } } })
    expect(err.where).toBe('doc.json#/paths/~1things/post/responses/201/content/application~1json/schema/properties/total')
  })

  it('schemas that some value meets load: equal inclusive bounds, an impossible anyOf branch beside a possible one, a recursive schema', async () => {
    await loads({ body: { type: 'object', properties: { qty: { type: 'integer', minimum: 3, maximum: 3 }, ratio: { type: 'number', minimum: 1.2, maximum: 1.8 }, even: { type: 'integer', minimum: 1, maximum: 3, multipleOf: 2 } } } })
    await loads({ body: { anyOf: [{ type: 'integer', minimum: 5, maximum: 1 }, { type: 'string' }] } })
    await loads({ body: { type: 'object', properties: { a: {} }, required: ['a'], additionalProperties: false } })
    await loads({
      body: { $ref: '#/components/schemas/Node' },
      components: { schemas: { Node: { type: 'object', properties: { name: { type: 'string', minLength: 1, maxLength: 5 }, children: { type: 'array', items: { $ref: '#/components/schemas/Node' } } } } } },
    })
  })
})

/**
 * allOf parts are checked together, as a value must meet every one: a part's `minimum` above another's
 * `maximum` passed when each part was looked at alone, and the sampler sent values the document forbids.
 * The contradiction is named at the schema that holds the allOf, each side with the part it comes from.
 */
describe('allOf parts that contradict each other', () => {
  it('one part bounds from below, another from above, or the schema itself', async () => {
    const parts = await refusal({ body: { allOf: [{ type: 'integer', minimum: 10 }, { maximum: 5 }] } })
    expect(parts.message).toBe(`doc.json${BODY}: no value can satisfy this schema: \`minimum\` 10 (allOf/0) leaves no number below \`maximum\` 5 (allOf/1)`)
    expect(parts.where).toBe(`doc.json${BODY}`)
    const own = await refusal({ body: { type: 'object', properties: { qty: { type: 'integer', maximum: 5, allOf: [{ minimum: 10 }] } } } })
    expect(own.message).toBe(`doc.json${BODY}/properties/qty: no value can satisfy this schema: \`minimum\` 10 (allOf/0) leaves no number below \`maximum\` 5 (its own)`)
  })

  it('through $refs and nested allOfs, each side named with the component it is written in', async () => {
    const err = await refusal({
      body: { type: 'object', properties: { qty: { allOf: [{ $ref: '#/components/schemas/Big' }, { maximum: 5 }] } } },
      components: { schemas: { Big: { description: 'big', allOf: [{ $ref: '#/components/schemas/Positive' }] }, Positive: { type: 'integer', minimum: 10 } } },
    })
    expect(err.message).toBe(
      `doc.json${BODY}/properties/qty: no value can satisfy this schema: \`minimum\` 10 (allOf/0/allOf/0, #/components/schemas/Positive) leaves no number below \`maximum\` 5 (allOf/1)`,
    )
    expect(err.where).toBe(`doc.json${BODY}/properties/qty`)
  })

  it('exclusive bounds in 3.1 numbers and 3.0 booleans, and no whole number between the parts', async () => {
    expect((await refusal({ body: { allOf: [{ type: 'number', exclusiveMinimum: 3 }, { maximum: 3 }] } })).message).toContain(
      '`exclusiveMinimum` 3 (allOf/0) leaves no number below `maximum` 3 (allOf/1)',
    )
    expect((await refusal({ openapi: '3.0.3', body: { allOf: [{ type: 'number', minimum: 3 }, { maximum: 3, exclusiveMaximum: true }] } })).message).toContain(
      '`minimum` 3 (allOf/0) leaves no number below `maximum` 3 (`exclusiveMaximum`, allOf/1)',
    )
    expect((await refusal({ body: { allOf: [{ type: 'integer', minimum: 1.2 }, { maximum: 1.8 }] } })).message).toContain(
      'no whole number lies between `minimum` 1.2 (allOf/0) and `maximum` 1.8 (allOf/1)',
    )
  })

  it('lengths, item and property counts, a required property another part forbids, a property bounded by two parts', async () => {
    expect((await refusal({ body: { allOf: [{ type: 'string', minLength: 8 }, { maxLength: 4 }] } })).message).toContain('`minLength` 8 (allOf/0) is above `maxLength` 4 (allOf/1)')
    expect((await refusal({ body: { type: 'array', maxItems: 1, allOf: [{ minItems: 3 }] } })).message).toContain('`minItems` 3 (allOf/0) is above `maxItems` 1 (its own)')
    expect((await refusal({ body: { allOf: [{ type: 'object', minProperties: 2 }, { maxProperties: 1 }] } })).message).toContain(
      '`minProperties` 2 (allOf/0) is above `maxProperties` 1 (allOf/1)',
    )
    const forbidden = await refusal({ body: { allOf: [{ type: 'object', properties: { a: {} }, additionalProperties: false }, { properties: { b: {} }, required: ['b'] }] } })
    expect(forbidden.message).toBe(
      `doc.json${BODY}: no value can satisfy this schema: \`required\` names "b" (allOf/1), which \`additionalProperties: false\` (allOf/0) forbids: it is not in that part's \`properties\``,
    )
    const property = await refusal({ body: { allOf: [{ type: 'object', properties: { qty: { type: 'integer', minimum: 10 } } }, { properties: { qty: { maximum: 5 } } }] } })
    expect(property.message).toBe(
      `doc.json${BODY}: no value can satisfy this schema: \`minimum\` 10 (allOf/0/properties/qty) leaves no number below \`maximum\` 5 (allOf/1/properties/qty)`,
    )
  })

  it('a part that admits no other type makes the combination admit none: bounds that contradict then do', async () => {
    const err = await refusal({ body: { allOf: [{ type: ['integer', 'null'], minimum: 10 }, { type: 'integer', maximum: 5 }] } })
    expect(err.message).toContain('`minimum` 10 (allOf/0) leaves no number below `maximum` 5 (allOf/1)')
  })

  it('parts that some value meets load: compatible bounds, null or a string every part admits, a required property that is declared or may match a pattern', async () => {
    await loads({ body: { allOf: [{ type: 'integer', minimum: 1 }, { maximum: 5 }, { $ref: '#/components/schemas/Small' }] }, components: { schemas: { Small: { minimum: 2, maximum: 3 } } } })
    await loads({ body: { type: 'string', maxLength: 10, allOf: [{ minLength: 10 }] } })
    await loads({ body: { allOf: [{ type: ['integer', 'null'], minimum: 10 }, { maximum: 5 }] } })
    await loads({ openapi: '3.0.3', body: { allOf: [{ type: 'integer', nullable: true, minimum: 10 }, { type: 'integer', nullable: true, maximum: 5 }] } })
    await loads({ body: { allOf: [{ type: ['string', 'integer'], minimum: 10 }, { maximum: 5 }] } })
    await loads({ body: { allOf: [{ type: ['string', 'null'], minLength: 8 }, { type: ['string', 'null'], maxLength: 4 }] } })
    await loads({ body: { allOf: [{ type: 'object', properties: { a: {}, b: {} }, additionalProperties: false }, { required: ['b'] }] } })
    await loads({ body: { allOf: [{ type: 'object', patternProperties: { '^x-': {} }, additionalProperties: false }, { required: ['x-b'] }] } })
    await loads({ body: { allOf: [{ type: 'object', properties: { qty: { type: 'integer', minimum: 1 } } }, { properties: { qty: { maximum: 5 } } }] } })
  })
})

/**
 * Types, values, required names and items across allOf parts: each part alone admits some value, but no
 * value is of a type every part admits, or among every part's values, or has every required property
 * within another part's `maxProperties`. They loaded, and the sampler sent values the document forbids.
 */
describe('allOf parts whose types, values, required names or items contradict each other', () => {
  it('types with nothing in common: names, 3.1 type lists, 3.0 nullable beside a part that is not, a $ref and its own', async () => {
    const names = await refusal({ body: { allOf: [{ type: 'string' }, { type: 'integer' }] } })
    expect(names.message).toBe(`doc.json${BODY}: no value can satisfy this schema: \`type\` string (allOf/0) and \`type\` integer (allOf/1) admit no type in common`)
    expect(names.where).toBe(`doc.json${BODY}`)
    expect((await refusal({ body: { allOf: [{ type: ['string', 'null'] }, { type: ['integer', 'boolean'] }] } })).message).toContain(
      '`type` [string, null] (allOf/0) and `type` [integer, boolean] (allOf/1) admit no type in common',
    )
    expect((await refusal({ openapi: '3.0.3', body: { allOf: [{ type: 'string', nullable: true }, { type: 'integer' }] } })).message).toContain(
      '`type` string (`nullable`, allOf/0) and `type` integer (allOf/1) admit no type in common',
    )
    const viaRef = await refusal({ body: { type: 'object', properties: { qty: { type: 'string', allOf: [{ $ref: '#/components/schemas/Count' }] } } }, components: { schemas: { Count: { type: 'integer' } } } })
    expect(viaRef.message).toBe(
      `doc.json${BODY}/properties/qty: no value can satisfy this schema: \`type\` integer (allOf/0, #/components/schemas/Count) and \`type\` string (its own) admit no type in common`,
    )
  })

  it('types that every two parts share but not all of them: the parts named up to the one that leaves none', async () => {
    const err = await refusal({ body: { allOf: [{ type: ['string', 'integer'] }, { type: ['integer', 'boolean'] }, { type: ['string', 'boolean'] }, { type: 'string' }] } })
    expect(err.message).toContain('`type` [string, integer] (allOf/0), `type` [integer, boolean] (allOf/1) and `type` [string, boolean] (allOf/2) admit no type in common')
  })

  it('an enum or const no value of which another part admits by its type, and enums with no value in common', async () => {
    const enumType = await refusal({ body: { allOf: [{ enum: ['a', 'b'] }, { type: 'integer' }] } })
    expect(enumType.message).toBe(`doc.json${BODY}: no value can satisfy this schema: no value of \`enum\` ["a", "b"] (allOf/0) is of \`type\` integer (allOf/1)`)
    expect((await refusal({ body: { allOf: [{ enum: [1.5] }, { type: 'integer' }] } })).message).toContain('no value of `enum` [1.5] (allOf/0) is of `type` integer (allOf/1)')
    expect((await refusal({ body: { allOf: [{ const: 'x' }, { type: 'number' }] } })).message).toContain('no value of `const` "x" (allOf/0) is of `type` number (allOf/1)')
    expect((await refusal({ body: { allOf: [{ enum: ['a', true] }, { type: ['string', 'integer'] }, { type: ['boolean', 'integer'] }] } })).message).toContain(
      'no value of `enum` ["a", true] (allOf/0) is of `type` [string, integer] (allOf/1) and `type` [boolean, integer] (allOf/2)',
    )
    expect((await refusal({ body: { allOf: [{ enum: [1, 2] }, { enum: [3] }] } })).message).toContain('`enum` [1, 2] (allOf/0) and `enum` [3] (allOf/1) have no value in common')
    expect((await refusal({ body: { allOf: [{ const: { a: 1 } }, { enum: [{ a: 2 }, 'a'] }] } })).message).toContain(
      '`const` {"a":1} (allOf/0) and `enum` [{"a":2}, "a"] (allOf/1) have no value in common',
    )
    expect((await refusal({ body: { allOf: [{ enum: [1, 'a'] }, { enum: ['a', 2] }, { type: 'integer' }] } })).message).toContain(
      'no value of `enum` [1, "a"] (allOf/0) and `enum` ["a", 2] (allOf/1) is of `type` integer (allOf/2)',
    )
  })

  it('in one schema: an enum none of whose values its own type admits, an enum and a const with no value in common', async () => {
    const own = await refusal({ body: { type: 'object', properties: { code: { type: 'integer', enum: ['a'] } } } })
    expect(own.message).toBe(`doc.json${BODY}/properties/code: no value can satisfy this schema: no value of \`enum\` ["a"] is of \`type\` integer`)
    expect((await refusal({ body: { enum: [1], const: 2 } })).message).toContain('`enum` [1] and `const` 2 have no value in common')
  })

  it('required names counted across parts against a smaller maxProperties', async () => {
    const err = await refusal({ body: { allOf: [{ type: 'object', required: ['a', 'b'] }, { required: ['c', 'a'], maxProperties: 2 }] } })
    expect(err.message).toBe(`doc.json${BODY}: no value can satisfy this schema: \`required\` names 3 properties (allOf/0, allOf/1), above \`maxProperties\` 2 (allOf/1)`)
  })

  it('items several parts give, checked together as properties are', async () => {
    const bounds = await refusal({ body: { allOf: [{ type: 'array', items: { type: 'integer', minimum: 10 } }, { items: { maximum: 5 } }] } })
    expect(bounds.message).toBe(`doc.json${BODY}: no value can satisfy this schema: \`minimum\` 10 (allOf/0/items) leaves no number below \`maximum\` 5 (allOf/1/items)`)
    expect((await refusal({ body: { type: 'array', items: { type: 'string' }, allOf: [{ items: { $ref: '#/components/schemas/Count' } }] }, components: { schemas: { Count: { type: 'integer' } } } })).message).toContain(
      '`type` integer (allOf/0/items, #/components/schemas/Count) and `type` string (items) admit no type in common',
    )
    expect((await refusal({ body: { type: 'object', properties: { tags: { allOf: [{ type: 'array', items: { maxLength: 2 } }, { items: { type: 'string', minLength: 3 } }] } } } })).message).toContain(
      '`minLength` 3 (allOf/1/items) is above `maxLength` 2 (allOf/0/items)',
    )
  })

  it('parts that some value meets load: a type or a value every part admits, null every part admits, integer within number, a part with no type', async () => {
    await loads({ openapi: '3.0.3', body: { allOf: [{ type: 'string', nullable: true }, { type: 'integer', nullable: true }] } })
    await loads({ openapi: '3.0.3', body: { allOf: [{ nullable: true }, { type: 'integer' }] } })
    await loads({ body: { allOf: [{ type: ['string', 'null'] }, { type: ['integer', 'null'] }] } })
    await loads({ body: { allOf: [{ type: 'number', minimum: 1 }, { type: 'integer', maximum: 5 }] } })
    await loads({ body: { allOf: [{ type: 'string' }, { minLength: 1 }, { description: 'any' }] } })
    await loads({ body: { allOf: [{ enum: ['a', 1] }, { type: 'integer' }] } })
    await loads({ body: { allOf: [{ enum: [2] }, { type: 'number' }, { type: 'integer' }] } })
    await loads({ body: { allOf: [{ enum: [1, 2] }, { enum: [2, 3] }, { const: 2 }] } })
    await loads({ body: { allOf: [{ enum: [{ a: [1, { b: null }] }] }, { const: { a: [1, { b: null }] } }, { type: 'object' }] } })
    await loads({ body: { allOf: [{ enum: ['a', null] }, { type: ['integer', 'null'] }] } })
    await loads({ openapi: '3.0.3', body: { allOf: [{ type: 'string', nullable: true, enum: ['a'] }, { type: 'integer', nullable: true }] } })
    await loads({ openapi: '3.0.3', body: { type: 'object', properties: { code: { type: 'integer', nullable: true, enum: ['a'] } } } })
    await loads({ body: { allOf: [{ type: 'object', required: ['a', 'b'] }, { required: ['b'], maxProperties: 2 }] } })
    await loads({ body: { allOf: [{ type: ['object', 'null'], required: ['a', 'b'] }, { maxProperties: 1 }] } })
    await loads({ body: { allOf: [{ type: 'array', items: { type: 'number', minimum: 1 } }, { items: { type: 'integer', maximum: 5 } }] } })
    await loads({ body: { allOf: [{ type: 'array', items: { type: ['string', 'null'] } }, { items: { type: ['integer', 'null'] } }] } })
  })
})
