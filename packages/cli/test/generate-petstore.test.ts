import path from 'node:path'
import { SchemaChecker, loadDocument, operations } from '@venomqa/openapi'
import { describe, expect, it } from 'vitest'
import { generateJourneys } from '../src/generate/journeys'

/**
 * A document in the style of the Swagger Petstore 3.0 (tags pet, store and user; a Pet with a Category and
 * Tags, an enum status, arrays): each tag's resource is found, its id chained from the create to the
 * reads and the delete, and every body written is one the operation's schema accepts (ajv, as
 * exploration checks them).
 */
const SOURCE = path.join(import.meta.dirname, 'fixtures/openapi/petstore3.json')

describe('venomqa generate: a Petstore 3.0 document', async () => {
  const doc = await loadDocument(SOURCE, { root: import.meta.dirname })
  const ops = operations(doc)
  const generated = generateJourneys(doc, ops, { source: 'petstore3.json' })
  const file = (name: string) => generated.files.find((f) => f.name === name)!.content

  it('creates, reads and deletes a pet, an order and a user, each by the id its create answered', () => {
    expect(generated.files.map((f) => f.name)).toEqual(['pet.journey.ts', 'store.journey.ts', 'user.journey.ts'])
    expect(file('pet.journey.ts')).toMatch(/step\('add_pet'[\s\S]*ctx\.set\('petId', res\.json\(\)\.id\)[\s\S]*step\('get_pet_by_id'[\s\S]*step\('delete_pet'[\s\S]*step\('get_pet_by_id_after_delete'[\s\S]*assertStatus\(res, 404\)/)
    expect(file('store.journey.ts')).toMatch(/step\('place_order'[\s\S]*ctx\.set\('orderId', res\.json\(\)\.id\)[\s\S]*step\('delete_order'[\s\S]*assertStatus\(res, 404\)/)
    expect(file('user.journey.ts')).toMatch(/step\('create_user'[\s\S]*ctx\.set\('username', res\.json\(\)\.username\)[\s\S]*step\('delete_user'/)
    // What is in no journey is listed, never dropped: an update by a body's id and an upload of bytes.
    expect(file('pet.journey.ts')).toContain('//   PUT /pet (updatePet)\n//   POST /pet/{petId}/uploadImage (uploadFile)\n')
  })

  it('writes only bodies the schemas accept', () => {
    const checker = new SchemaChecker(doc.openapi, doc, { request: true })
    const bodies = generated.files.flatMap((f) => [...f.content.matchAll(/http\.(post|put|patch)\((?:'([^']+)'|`([^`]+)`), \{ json: (.+) \}\)$/gm)])
    expect(bodies.length).toBeGreaterThanOrEqual(4)
    for (const [, method, plain, template, literal] of bodies) {
      const route = (plain ?? template!).replace(/\$\{[^}]*\}\}?/g, '{}')
      const op = ops.find((o) => o.method === method!.toUpperCase() && o.path.replace(/\{[^}]+\}/g, '{}') === route)!
      // An id read from ctx is an integer the API gave; the literal is the generated code's object.
      const value = new Function(`return (${literal!.replace(/ctx\.require\('[^']+'\)/g, '1')})`)()
      expect(checker.check(op.requestBody!.schema!, value), `${method} ${route} ${literal}`).toBeUndefined()
    }
  })
})
