/**
 * Every body variant meant to be valid is one the document's schema accepts, as the API checks it (the
 * request checker: ajv, `readOnly` properties not required). A body the document itself refuses tests
 * nothing but the API's validation, which `empty` tests already, and counts as explored; or it reads as
 * the API misbehaving when it answers 400. `empty` and `no-body` are left out: they are at the edge or
 * outside it on purpose (see BodyVariant). Found invalid before, each in a document here:
 * - a list with `uniqueItems` of an enum (or of few values: booleans, a small range) sent with repeated
 *   values: its `min` and `max` fill to `minItems`/`maxItems` with one value;
 * - a `max` list shorter than its `minItems` (MAX_ITEMS is below it);
 * - a `required` body with fewer properties than `minProperties` (the shop's updateProduct sent `{}`);
 * - a body of a `oneOf` whose alternatives overlap, which two of them take: a required-only body both
 *   alternatives accept, an alternative every body of which another takes too.
 * Run over every request body of the documents the package's tests use: the shop app's, the lending
 * library's, the petstores of @readme/oas-examples, the fees document, and a document of the shapes above.
 */
import { createRequire } from 'node:module'
import path from 'node:path'
import { REPO_ROOT } from '@venomqa/test-utils'
import { describe, expect, it } from 'vitest'
import { SchemaChecker, bodyVariants, loadDocument, operations } from '../src'
import type { OpenApiDocument } from '../src/document'
import { byName, feesDoc, ref } from './fees-doc'
import { SHOP_DOCUMENT } from './helpers'

const examples = path.dirname(createRequire(import.meta.url).resolve('@readme/oas-examples/package.json'))
const LIBRARY = path.join(path.dirname(new URL(import.meta.url).pathname), 'fixtures/library/openapi.json')

/** The shapes the generators got wrong, each a body of its own (a component, as `bodies` reads them). */
const SHAPES = {
  // An enum of colours, each at most once: `min` was ['red', 'red'], `max` three reds.
  Palette: {
    type: 'object',
    required: ['colours'],
    properties: { colours: { type: 'array', uniqueItems: true, minItems: 2, maxItems: 5, items: { type: 'string', enum: ['red', 'green', 'blue', 'black'] } } },
  },
  // Two values only: `max` was three of one.
  Flags: { type: 'array', uniqueItems: true, minItems: 1, items: { type: 'boolean' } },
  Seats: { type: 'array', uniqueItems: true, minItems: 1, maxItems: 5, items: { type: 'integer', minimum: 1, maximum: 2 } },
  // Unique objects: the sampler repeats one.
  Lines: {
    type: 'array',
    uniqueItems: true,
    minItems: 2,
    items: { type: 'object', required: ['sku'], properties: { sku: { type: 'string', maxLength: 12 }, qty: { type: 'integer', minimum: 1 } } },
  },
  // More items than MAX_ITEMS at least: `max` sent 3.
  Crowd: { type: 'object', required: ['names'], properties: { names: { type: 'array', minItems: 5, items: { type: 'string' } } } },
  Batch: { type: 'array', minItems: 4, maxItems: 10, items: { type: 'integer', minimum: 0 } },
  // Nothing required, but something: `required` was `{}`.
  Patch: { type: 'object', minProperties: 1, properties: { name: { type: 'string' }, price: { type: 'number', minimum: 0 } } },
  // Closed alternatives with only `code` required: the required-only body `{ code }` is both.
  Gift: { type: 'object', additionalProperties: false, required: ['code'], properties: { code: { type: 'string' }, message: { type: 'string' } } },
  Coupon: { type: 'object', additionalProperties: false, required: ['code'], properties: { code: { type: 'string' }, percent: { type: 'integer', minimum: 1, maximum: 100 } } },
  Redeem: { oneOf: [ref('Gift'), ref('Coupon')] },
  // An open alternative that requires less: every Discount is a Plain too, no body is a Discount only.
  Plain: { type: 'object', required: ['code'], properties: { code: { type: 'string' } } },
  Discount: { type: 'object', required: ['code', 'percent'], properties: { code: { type: 'string' }, percent: { type: 'integer' } } },
  Offer: { oneOf: [ref('Discount'), ref('Plain')] },
  // Formats the sampler writes 'string' for: a URL and an ISO 8601 duration, each refused as one.
  Links: { type: 'object', required: ['homepage', 'every'], properties: { homepage: { type: 'string', format: 'url' }, every: { type: 'string', format: 'duration' } } },
  // The same inside a body.
  Basket: { type: 'object', required: ['offer', 'redeem'], properties: { offer: ref('Offer'), redeem: ref('Redeem'), tags: ref('Palette') } },
}

/** Each component schema as a request body of its own, through its `$ref`. */
function withBodies(doc: ReturnType<typeof feesDoc>): OpenApiDocument {
  const paths = Object.fromEntries(
    Object.keys(doc.components.schemas).map((name) => [
      `/${name.toLowerCase()}`,
      { post: { operationId: `post${name}`, requestBody: { required: true, content: { 'application/json': { schema: ref(name) } } }, responses: { 204: { description: 'ok' } } } },
    ]),
  )
  return { ...doc, paths } as OpenApiDocument
}

/** Each variant meant to be valid that the request checker refuses: `<operation> <variant>: <why>`. */
function refused(doc: OpenApiDocument): string[] {
  const checker = new SchemaChecker(typeof doc.openapi === 'string' ? doc.openapi : '3.0.3', doc, { request: true })
  const out: string[] = []
  for (const op of operations(doc)) {
    const schema = op.requestBody?.schema
    if (!schema) continue
    for (const { variant, body } of bodyVariants(schema, doc, { optional: !op.requestBody!.required })) {
      if (variant === 'empty' || variant === 'no-body') continue
      const error = checker.check(schema, body)
      if (error) out.push(`${op.id} ${variant}: ${error} in ${JSON.stringify(body)}`)
    }
  }
  return out
}

describe('every body variant meant to be valid is one the schema accepts', () => {
  it.each([
    ['the shop app', SHOP_DOCUMENT],
    ['the lending library', LIBRARY],
    ['the petstore of @readme/oas-examples (3.0, YAML)', path.join(examples, '3.0/yaml/petstore.yaml')],
    ['the petstore of @readme/oas-examples (3.1, JSON)', path.join(examples, '3.1/json/petstore.json')],
  ])('of %s', async (_, file) => {
    expect(refused(await loadDocument(file, { root: REPO_ROOT }))).toEqual([])
  })

  it('of the fees document', () => {
    expect(refused(withBodies(feesDoc()))).toEqual([])
  })

  it('of the shapes that were sent invalid', () => {
    expect(refused(withBodies(feesDoc(SHAPES)))).toEqual([])
  })
})

describe('the shapes that were sent invalid', () => {
  const doc = feesDoc(SHAPES)
  const of = (name: string) => bodyVariants(ref(name), doc as never)

  it('send each value of a uniqueItems list once, as many as the item allows and the list needs', () => {
    // Were ['red', 'red'], ['red', 'red', 'red'] and ['black', 'black']; `min` is now the typical body.
    expect(of('Palette')).toEqual([
      { variant: 'sample', body: { colours: ['red', 'green'] } },
      { variant: 'max', body: { colours: ['red', 'green', 'blue'] } },
      { variant: 'empty', body: {} },
      { variant: 'enum-last', body: { colours: ['black', 'red'] } },
    ])
    // Two values, and a range of two: `max` was three of one.
    expect(byName(of('Flags')).max).toEqual([true, false])
    expect(byName(of('Seats')).max).toEqual([2, 1])
    // Objects told apart by a property: the sampler's two lines were the same line.
    expect(byName(of('Lines')).sample).toEqual([
      { sku: 'sku-1', qty: 1 },
      { sku: 'sku-1-2', qty: 1 },
    ])
  })

  it('send a `max` list of `minItems` items where that is more than MAX_ITEMS', () => {
    expect((byName(of('Crowd')).max as { names: string[] }).names).toHaveLength(5)
  })

  it('send at least `minProperties` properties in the required-only body, and `empty` is no more lost behind it', () => {
    expect(of('Patch').map((b) => b.variant)).toEqual(['sample', 'required', 'min', 'max', 'empty'])
    expect(byName(of('Patch')).required).toEqual({ name: 'name-1' })
  })

  it('send a body of a oneOf that one alternative only takes, and leave out a variant no such body is', () => {
    // `{ code }` is a gift and a coupon: the only gift body no coupon is has its message, the typical one.
    expect(of('Redeem').map((b) => b.variant)).toEqual(['sample', 'min', 'max', 'empty', 'oneOf-2:Coupon', 'oneOf-2:Coupon/min', 'oneOf-2:Coupon/max'])
    // Every discount is a plain offer too: the typical body is the plain one, and no discount is sent.
    expect(of('Offer')).toEqual([
      { variant: 'sample', body: { code: 'code-1' } },
      { variant: 'min', body: { code: '' } },
      { variant: 'max', body: { code: 'x'.repeat(64) } },
      { variant: 'empty', body: {} },
    ])
    // So inside a body.
    const basket = byName(of('Basket'))
    expect(basket.sample).toEqual({ offer: { code: 'code-1' }, redeem: { code: 'code-1', message: 'message-1' }, tags: { colours: ['red', 'green'] } })
    expect(basket.required).toEqual({ offer: { code: 'code-1' }, redeem: { code: 'code-1', message: 'message-1' } })
    expect(basket['redeem.oneOf-2:Coupon']).toEqual({ ...(basket.sample as object), redeem: { code: 'code-1', percent: 1 } })
  })
})
