import { type OpenApiDocument, operations } from '@venomqa/openapi'
import { describe, expect, it } from 'vitest'
import { generateJourneys } from '../src/generate/journeys'

/**
 * The id a create's link names (`$response.body#/...`) is read in the written journey from the property the
 * pointer names. A runtime expression writes it in RFC 6901's syntax (OpenAPI, Runtime Expressions): `~1` is
 * a `/` inside a name, `~0` a `~`, and `%` is only a character. `a~1b` was read as the property `a~1b`.
 */
describe('venomqa generate: a link pointer with escapes', () => {
  it("reads the created item's id from the property the pointer names", () => {
    const item = { type: 'object', properties: { 'a/b': { type: 'object', properties: { 'c%20d': { type: 'string' } } }, name: { type: 'string' } } }
    const json = { 'application/json': { schema: item } }
    const doc = {
      openapi: '3.1.0',
      info: { title: 'boxes', version: '1' },
      paths: {
        '/boxes': {
          post: {
            tags: ['boxes'],
            operationId: 'create_box',
            requestBody: { required: true, content: { 'application/json': { schema: { type: 'object', properties: { name: { type: 'string' } } } } } },
            responses: { 201: { description: 'made', content: json, links: { GetBox: { operationId: 'get_box', parameters: { boxId: '$response.body#/a~1b/c%20d' } } } } },
          },
        },
        '/boxes/{boxId}': {
          get: { tags: ['boxes'], operationId: 'get_box', parameters: [{ name: 'boxId', in: 'path', required: true, schema: { type: 'string' } }], responses: { 200: { description: 'ok', content: json } } },
        },
      },
    } as OpenApiDocument
    const content = generateJourneys(doc, operations(doc), { source: 'api.json' }).files.map((f) => f.content).join('\n')
    expect(content).toContain("ctx.set('boxId', res.json()['a/b']['c%20d'])")
  })
})
