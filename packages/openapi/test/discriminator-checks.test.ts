/**
 * A `oneOf` (or `anyOf`) with a `discriminator` is checked as OpenAPI reads it: the discriminator's value
 * picks the alternative. To JSON Schema the keyword is nothing, and where the alternatives leave that
 * property a plain string (Pet, Cat, Dog, each `pet_type: string`, the document's own example), a Dog
 * whose other properties a Cat may have as well is both: ajv's `oneOf` refused it. So a response the API
 * got right failed the response-schema invariant, and the Dog body was never sent (no body of it was one
 * alternative's only). Each form OpenAPI allows, from @readme/oas-examples' discriminators document: a
 * mapping by `$ref`, by bare component name, several values for one alternative, none (the component's
 * name), and the discriminator declared in a base schema every alternative is `allOf` of.
 */
import { createRequire } from 'node:module'
import path from 'node:path'
import { REPO_ROOT } from '@venomqa/test-utils'
import { beforeAll, describe, expect, it } from 'vitest'
import { SchemaChecker, bodyVariants, loadDocument } from '../src'
import type { JsonSchema, OpenApiDocument } from '../src/document'
import { feesDoc, ref } from './fees-doc'

const examples = path.dirname(createRequire(import.meta.url).resolve('@readme/oas-examples/package.json'))
let doc: OpenApiDocument
let responses: SchemaChecker
let requests: SchemaChecker
const body = (p: string, method = 'patch'): JsonSchema => (doc.paths as Record<string, any>)[p][method].requestBody.content['application/json'].schema

beforeAll(async () => {
  doc = await loadDocument(path.join(examples, '3.0/json/discriminators.json'), { root: REPO_ROOT })
  responses = new SchemaChecker('3.0.3', doc)
  requests = new SchemaChecker('3.0.3', doc, { request: true })
})

describe('a value of a oneOf with a discriminator', () => {
  it('is the alternative its discriminator names, when others would take it too (no mapping: the component names)', () => {
    for (const checker of [responses, requests]) {
      expect(checker.check(body('/oneof-allof-top-level-disc'), { pet_type: 'DogNoDisc', bark: true })).toBeUndefined()
      expect(checker.check(body('/oneof-allof-top-level-disc'), { pet_type: 'CatNoDisc', hunts: true })).toBeUndefined()
      // A value that names no alternative is none of them.
      expect(checker.check(body('/oneof-allof-top-level-disc'), { pet_type: 'Cow' })).toBeDefined()
    }
  })

  it('follows the mapping: by $ref, by bare name, several values for one alternative', () => {
    expect(responses.check(body('/discriminator-with-mapping'), { discrim: 'Option One', optionone: 1 })).toBeUndefined()
    expect(responses.check(body('/discriminator-with-mapping'), { discrim: 'Option Two', optiontwo: 'x' })).toBeUndefined()
    expect(responses.check(body('/discriminator-with-mapping'), { discrim: 'OptionOneNoDisc' })).toBeDefined()
    expect(responses.check(body('/mapping-of-schema-names'), { discrim: 'Option Two' })).toBeUndefined()
    for (const value of ['oneA', 'oneB', 'oneC', 'twoA', 'three']) expect(responses.check(body('/mapping-with-duplicate-schemas'), { discrimValue: value, discrim: 'x' }), value).toBeUndefined()
    expect(responses.check(body('/mapping-with-duplicate-schemas'), { discrimValue: 'four', discrim: 'x' })).toBeDefined()
  })

  it('takes, of the values that name an alternative, those its own enum allows, where a base schema lists every value', () => {
    // Approved and denied are each `allOf` a base whose event_type is an enum of both: pinned by the mapping.
    const events = body('/potentially-undefined-formData', 'post')
    const approved = { event_type: 'application_approved', event_id: 'e1', buyer_id: 'b1' }
    expect(responses.check(events, approved)).toBeUndefined()
    expect(responses.check(events, { ...approved, event_type: 'application_denied' })).toBeUndefined()
  })

  it('reads a discriminator its alternatives each declare in the base schema they are allOf of', () => {
    expect(responses.check(body('/embedded-discriminator'), { pet_type: 'Dog', bark: true })).toBeUndefined()
    expect(responses.check(body('/embedded-discriminator'), { pet_type: 'Cat', age: 3 })).toBeUndefined()
  })

  it('is left to the alternatives where they fix the value themselves, even to another than the name', () => {
    const fixed = feesDoc({
      Lamp: { type: 'object', required: ['kind'], properties: { kind: { type: 'string', enum: ['lamp'] }, watts: { type: 'integer' } } },
      Desk: { type: 'object', required: ['kind'], properties: { kind: { type: 'string', enum: ['desk'] }, legs: { type: 'integer' } } },
      Item: { oneOf: [ref('Lamp'), ref('Desk')], discriminator: { propertyName: 'kind' } },
    }) as unknown as OpenApiDocument
    const checker = new SchemaChecker('3.0.3', fixed)
    expect(checker.check(ref('Item'), { kind: 'lamp', watts: 40 })).toBeUndefined()
    expect(checker.check(ref('Item'), { kind: 'Lamp' })).toBeDefined()
  })
})

describe('the bodies of a oneOf with a discriminator', () => {
  it('send every alternative, each one its discriminator names and the request checker takes', () => {
    for (const [p, method] of [['/oneof-allof-top-level-disc'], ['/embedded-discriminator'], ['/discriminator-with-mapping'], ['/mapping-with-duplicate-schemas'], ['/potentially-undefined-formData', 'post']] as const) {
      const bodies = bodyVariants(body(p, method), doc)
      expect(bodies.filter((b) => b.variant.startsWith('oneOf-')).length, p).toBeGreaterThan(0)
      for (const { variant, body: sent } of bodies) if (variant !== 'empty') expect(requests.check(body(p, method), sent), `${p} ${variant}`).toBeUndefined()
    }
    expect(bodyVariants(body('/oneof-allof-top-level-disc'), doc).map((b) => b.variant)).toContain('oneOf-2:DogNoDisc')
  })
})
