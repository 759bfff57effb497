import { type OpenApiDocument, operations } from '@venomqa/openapi'
import { describe, expect, it } from 'vitest'
import { generateJourneys } from '../src/generate/journeys'

/**
 * An operation's journey that needs an id no operation of its tag creates, but an operation of another
 * tag does, creates it first with that operation and sends it: a sampled id names nothing, and the API
 * answers 404 before the journey tests anything.
 */
const json = (schema: unknown) => ({ 'application/json': { schema } })
const integer = { type: 'integer', minimum: 1 }
const text = { type: 'string' }
const object = (properties: Record<string, unknown>, required = Object.keys(properties)) => ({ type: 'object', properties, required })
const idParam = (name: string) => ({ name, in: 'path', required: true, schema: integer })

/** Products (`/products/{param}`) and orders (`POST /orders`, its body naming a product by `productField`), each a tag. */
function shop({ param = 'productId', productField = 'productId' } = {}): OpenApiDocument {
  const product = object({ id: integer, name: text })
  const order = object({ id: integer, [productField]: integer, quantity: integer })
  return {
    openapi: '3.1.0',
    info: { title: 'shop', version: '1' },
    paths: {
      '/products': {
        post: { tags: ['products'], operationId: 'createProduct', requestBody: { required: true, content: json(object({ name: text })) }, responses: { 201: { description: 'made', content: json(product) } } },
      },
      [`/products/{${param}}`]: {
        get: { tags: ['products'], operationId: 'getProduct', parameters: [idParam(param)], responses: { 200: { description: 'ok', content: json(product) } } },
      },
      '/orders': {
        post: {
          tags: ['orders'],
          operationId: 'createOrder',
          requestBody: { required: true, content: json(object({ [productField]: { ...integer, example: 7 }, quantity: integer })) },
          responses: { 201: { description: 'made', content: json(order) } },
        },
      },
      '/orders/{orderId}': {
        get: { tags: ['orders'], operationId: 'getOrder', parameters: [idParam('orderId')], responses: { 200: { description: 'ok', content: json(order) } } },
      },
    },
  } as OpenApiDocument
}

const ordersFile = (doc: OpenApiDocument, tags?: string[]) => {
  const generated = generateJourneys(doc, operations(doc), { source: 'shop.json', tags })
  return generated.files.find((f) => f.name === 'orders.journey.ts')!.content
}

describe('venomqa generate: an id another tag creates', () => {
  it("creates the product first and sends its id in the order's body", () => {
    const orders = ordersFile(shop())
    expect(orders).toMatch(/step\('create_product',[\s\S]*ctx\.set\('productId', res\.json\(\)\.id\)[\s\S]*step\('create_order'/)
    expect(orders).toContain("{ json: { productId: ctx.require('productId'), quantity: 10 } }")
    // The body's other values are still sampled, and said to be.
    expect(orders).toMatch(/\/\/ venomqa generate: a body sampled from the schema\n\s+const res = await http\.post\('\/orders'/)
  })

  it('creates it when --tag leaves the tag that creates it out', () => {
    const orders = ordersFile(shop(), ['orders'])
    expect(orders).toContain("step('create_product',")
    expect(orders).toContain("productId: ctx.require('productId')")
  })

  it("keeps a product named by `{id}` under a key of its own, apart from the order's id", () => {
    const orders = ordersFile(shop({ param: 'id', productField: 'product_id' }))
    expect(orders).toContain("ctx.set('productId', res.json().id)")
    expect(orders).toContain("product_id: ctx.require('productId')")
  })

  it("creates it before the branch when only an action's body names it", () => {
    const doc = shop({ productField: 'sku' })
    doc.paths!['/orders/{orderId}/lines'] = {
      post: {
        tags: ['orders'],
        operationId: 'addLine',
        parameters: [idParam('orderId')],
        requestBody: { required: true, content: json(object({ productId: integer })) },
        responses: { 201: { description: 'added' } },
      },
    }
    const orders = ordersFile(doc)
    expect(orders).toMatch(/step\('create_product',[\s\S]*step\('create_order',[\s\S]*checkpoint\('order_created'\)[\s\S]*path\('add_line'/)
    expect(orders).toContain("{ json: { productId: ctx.require('productId') } }")
  })

  it('still samples an id no operation creates', () => {
    const orders = ordersFile(shop({ productField: 'warehouseId' }))
    expect(orders).not.toContain("step('create_product',")
    expect(orders).toContain('warehouseId: 7')
  })
  it('gives a tag that only reads below what another tag creates a journey: the create first, then each read', () => {
    const doc = shop()
    doc.paths!['/products/{productId}/stats'] = {
      get: { tags: ['stats'], operationId: 'getProductStats', parameters: [idParam('productId')], responses: { 200: { description: 'ok', content: json(object({ sold: integer })) } } },
    }
    for (const tags of [undefined, ['stats']]) {
      const generated = generateJourneys(doc, operations(doc), { source: 'shop.json', tags })
      expect(generated.unwritten).toEqual([])
      const stats = generated.files.find((f) => f.name === 'stats.journey.ts')!.content
      expect(generated.journeys['stats.journey.ts']).toEqual(['stats_reads_by_id'])
      expect(stats).toMatch(/step\('create_product',[\s\S]*ctx\.set\('productId', res\.json\(\)\.id\)[\s\S]*step\('get_product_stats',/)
      expect(stats).toContain("http.get(`/products/${encodeURIComponent(String(ctx.require('productId')))}/stats`")
      expect(stats).not.toContain('Not in a journey above')
    }
  })
})
