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

  it('places the order for the pet it created first, with what an order says rather than its own id', () => {
    const store = file('store.journey.ts')
    expect(store).toMatch(/step\('add_pet'[\s\S]*ctx\.set\('petId', res\.json\(\)\.id\)[\s\S]*step\('place_order'/)
    const order = /http\.post\('\/store\/order', \{ json: ([\s\S]+?) \}\)$/m.exec(store)![1]!
    expect(order).toContain("petId: ctx.require('petId')")
    expect(order).toContain('quantity: 7')
    expect(order).not.toMatch(/\bid:/)
  })

  it('creates a user under a username new each run, and its update keeps the username it is read by', () => {
    const user = file('user.journey.ts')
    expect(user).toContain("description: 'Create a user, read it, update it, delete it.'")
    expect(user).toContain("checkpoint('user_created')")
    expect(user).toContain('username: `theUser-${Date.now()}-${Math.random().toString(36).slice(2, 8)}`')
    const update = /http\.put\(`\/user\/[^`]+`, \{ json: ([\s\S]+?) \}\)$/m.exec(user)![1]!
    expect(update).toContain("username: ctx.require('username')")
    expect(update).not.toMatch(/\bid:/)
    expect(user).not.toContain('assertEqual(res.json().id')
    expect(user).toContain("assertEqual(res.json().firstName, 'John (updated)', 'firstName')")
  })

  it('takes a create that documents only a default answer as the success one, and says so', async () => {
    // As older Petstore documents describe it: the created user is the `default` answer.
    const older = structuredClone(doc)
    const create = older.paths!['/user']!.post as { responses: Record<string, object> }
    create.responses = { default: { ...create.responses['200'], description: 'successful operation' } }
    const user = generateJourneys(older, operations(older), { source: 'petstore3.json' }).files.find((f) => f.name === 'user.journey.ts')!.content
    expect(user).toMatch(/step\('create_user'[\s\S]*\/\/ venomqa generate: the document gives this operation no 2xx answer, only "default": taken as its success[\s\S]*assertStatus\(res, 200, 201\)\n\s*ctx\.set\('username', res\.json\(\)\.username\)/)
    expect(user).toMatch(/step\('delete_user'/)
  })

  it('writes only bodies the schemas accept', () => {
    const checker = new SchemaChecker(doc.openapi, doc, { request: true })
    const bodies = generated.files.flatMap((f) => [...f.content.matchAll(/http\.(post|put|patch)\((?:'([^']+)'|`([^`]+)`), \{ json: ([\s\S]+?) \}\)$/gm)])
    expect(bodies.length).toBeGreaterThanOrEqual(4)
    for (const [, method, plain, template, literal] of bodies) {
      const route = (plain ?? template!).replace(/\$\{[^}]*\}\}?/g, '{}')
      const op = ops.find((o) => o.method === method!.toUpperCase() && o.path.replace(/\{[^}]+\}/g, '{}') === route)!
      // An id read from ctx is what the API gave (a user's is its username); the literal is the generated code's object.
      const ids = literal!.replace(/ctx\.require\('username'\)/g, "'theUser'").replace(/ctx\.require\('[^']+'\)/g, '1')
      const value = new Function(`return (${ids})`)()
      expect(checker.check(op.requestBody!.schema!, value), `${method} ${route} ${literal}`).toBeUndefined()
    }
  })
})
