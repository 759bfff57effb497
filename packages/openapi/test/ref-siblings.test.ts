/**
 * A `$ref` beside other keywords in a 3.1 schema (`{ $ref: Base, required: ['b'], properties: { b } }`)
 * is Base and the rest, as JSON Schema 2020-12 reads it. The document parser copied Base's keywords into
 * the object instead, its own winning: `required: ['b']` replaced Base's `['a']`, so a body was sampled
 * without `a` and a response without `a` was taken as keeping the document. In 3.0 the siblings stay as
 * they were read (the specification has them ignored, documents lean on the copy for `nullable`).
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type OpenApiDocument, SchemaChecker, bodyVariants, loadDocument, operations } from '../src'

const base = { type: 'object', required: ['a'], properties: { a: { type: 'string', minLength: 1 } } }

function documentOf(version: string, extra: Record<string, unknown> = {}) {
  return {
    openapi: version,
    info: { title: 'ref siblings', version: '1' },
    paths: {
      '/things': {
        post: {
          operationId: 'createThing',
          requestBody: { required: true, content: { 'application/json': { schema: { $ref: '#/components/schemas/Thing' } } } },
          responses: { '201': { description: 'made', content: { 'application/json': { schema: { $ref: '#/components/schemas/Thing' } } } } },
        },
      },
    },
    components: {
      schemas: {
        Base: base,
        // Base and a `b`: both required.
        Thing: { $ref: '#/components/schemas/Base', required: ['b'], properties: { b: { type: 'integer', minimum: 1 } } },
        // Only described: the same as Base.
        Noted: { $ref: '#/components/schemas/Base', description: 'a Base, described' },
        ...extra,
      },
    },
  }
}

let dir: string
beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'venomqa-ref-siblings-'))
})
afterAll(async () => {
  await rm(dir, { recursive: true, force: true })
})

async function load(name: string, doc: object): Promise<OpenApiDocument> {
  await writeFile(path.join(dir, name), JSON.stringify(doc))
  return loadDocument(name, { root: dir })
}

const createThing = (doc: OpenApiDocument) => operations(doc).find((o) => o.id === 'createThing')!

describe('a $ref beside other keywords, in 3.1', () => {
  it('samples a body that meets the referenced schema and the keywords beside it', async () => {
    const doc = await load('thing-31.json', documentOf('3.1.0'))
    const bodies = bodyVariants(createThing(doc).requestBody?.schema, doc)
    const typical = bodies.find((b) => b.variant === 'sample')!.body as Record<string, unknown>
    expect(typical).toMatchObject({ a: expect.any(String), b: expect.any(Number) })
    // Every body meant to be accepted holds what both require: none of only `b` (the `empty` one is sent to be refused).
    for (const { variant, body } of bodies.filter((b) => b.variant !== 'empty')) expect(Object.keys(body as object).sort(), variant).toEqual(['a', 'b'])
  })

  it('checks a response against both: one without the referenced schema\'s required property breaks it', async () => {
    const doc = await load('thing-31-check.json', documentOf('3.1.0'))
    const schema = createThing(doc).responses['201']!.content['application/json']!
    const check = new SchemaChecker(doc.openapi, doc).validator(schema)
    expect(check({ a: 'x', b: 2 })).toBe(true)
    expect(check({ b: 2 })).toBe(false)
    expect(check({ a: 'x' })).toBe(false)
    expect(check({ a: 'x', b: 0 })).toBe(false)
  })

  it('leaves a $ref with only a description beside it as the schema it points to', async () => {
    const doc = await load('noted-31.json', documentOf('3.1.0'))
    const noted = doc.components!.schemas!.Noted as Record<string, unknown>
    expect(noted.allOf).toBeUndefined()
    expect(noted).toMatchObject({ type: 'object', required: ['a'], description: 'a Base, described' })
  })

  it('applies inside properties, items and the schemas of parameters too', async () => {
    const nested = {
      Order: {
        type: 'object',
        required: ['lines'],
        properties: { lines: { type: 'array', minItems: 1, items: { $ref: '#/components/schemas/Base', required: ['qty'], properties: { qty: { type: 'integer' } } } } },
      },
    }
    const doc = await load('nested-31.json', documentOf('3.1.0', nested))
    const check = new SchemaChecker(doc.openapi, doc).validator(doc.components!.schemas!.Order as never)
    expect(check({ lines: [{ a: 'x', qty: 1 }] })).toBe(true)
    expect(check({ lines: [{ qty: 1 }] })).toBe(false)
    expect(check({ lines: [{ a: 'x' }] })).toBe(false)
  })
})

describe('a $ref beside other keywords, in 3.0', () => {
  it('is read as before: the keywords beside it over the referenced schema\'s', async () => {
    const doc = await load('thing-30.json', documentOf('3.0.3'))
    const thing = doc.components!.schemas!.Thing as Record<string, unknown>
    expect(thing.allOf).toBeUndefined()
    expect(thing.required).toEqual(['b'])
  })
})
