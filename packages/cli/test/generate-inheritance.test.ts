import { readFileSync } from 'node:fs'
import { writeFile } from 'node:fs/promises'
import path from 'node:path'
import { type OpenApiDocument, SchemaChecker, operations } from '@venomqa/openapi'
import { describe, expect, it } from 'vitest'
import { generateJourneys } from '../src/generate/journeys'
import { jsonApp, projectWithJsonApp } from './helpers/json-app'

/**
 * A zoo: animals made by `allOf` inheritance with a discriminator (Dog and Cat are each an Animal, told
 * apart by `petType`), and a thread of comments on each, a schema that holds itself. The bodies a
 * generated journey sends are ones the document accepts: the discriminator's value of the alternative
 * sent (`petType: 'dog'`, never a sampled `'petType'` the API cannot map to a kind), and no `readOnly`
 * property (the `id` the server gives).
 */
const json = (schema: unknown) => ({ 'application/json': { schema } })
const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` })
const animalId = { name: 'animalId', in: 'path', required: true, schema: { type: 'string', format: 'uuid' } }
const commentId = { name: 'commentId', in: 'path', required: true, schema: { type: 'integer' } }

/** `consts`: each kind also says its `petType` itself (`enum: ['dog']`); without, the discriminator's mapping alone says it. */
function zoo(version: '3.0.3' | '3.1.0', { consts = false } = {}): OpenApiDocument {
  const kind = (own: Record<string, unknown>, required: string[], tag: string) => ({
    allOf: [ref('Animal'), { type: 'object', required, properties: { ...own, ...(consts ? { petType: { type: 'string', enum: [tag] } } : {}) } }],
  })
  const nullableComment = version === '3.0.3' ? { allOf: [ref('Comment')], nullable: true } : { anyOf: [ref('Comment'), { type: 'null' }] }
  const mapping = { dog: '#/components/schemas/Dog', cat: '#/components/schemas/Cat' }
  return {
    openapi: version,
    info: { title: 'zoo', version: '1' },
    paths: {
      '/animals': {
        post: {
          tags: ['animals'],
          operationId: 'createAnimal',
          requestBody: { required: true, content: json({ oneOf: [ref('Dog'), ref('Cat')], discriminator: { propertyName: 'petType', mapping } }) },
          responses: { 201: { description: 'made', content: json(ref('Animal')) } },
        },
      },
      '/dogs': {
        post: { tags: ['dogs'], operationId: 'createDog', requestBody: { required: true, content: json(ref('Dog')) }, responses: { 201: { description: 'made', content: json(ref('Dog')) } } },
      },
      '/dogs/{animalId}': { get: { tags: ['dogs'], operationId: 'getDog', parameters: [animalId], responses: { 200: { description: 'ok', content: json(ref('Dog')) } } } },
      '/animals/{animalId}': {
        parameters: [animalId],
        get: {
          tags: ['animals'],
          operationId: 'getAnimal',
          responses: { 200: { description: 'ok', content: json({ oneOf: [ref('Dog'), ref('Cat')], discriminator: { propertyName: 'petType', mapping } }) }, 404: { description: 'gone' } },
        },
        patch: { tags: ['animals'], operationId: 'updateAnimal', requestBody: { required: true, content: json(ref('AnimalPatch')) }, responses: { 200: { description: 'ok', content: json(ref('Animal')) } } },
        delete: { tags: ['animals'], operationId: 'deleteAnimal', responses: { 204: { description: 'deleted' } } },
      },
      '/animals/{animalId}/comments': {
        post: {
          tags: ['comments'],
          operationId: 'addComment',
          parameters: [animalId],
          requestBody: { required: true, content: json(ref('NewComment')) },
          responses: { 201: { description: 'made', content: json(ref('Comment')) } },
        },
      },
      '/animals/{animalId}/comments/{commentId}': {
        parameters: [animalId, commentId],
        get: { tags: ['comments'], operationId: 'getComment', responses: { 200: { description: 'ok', content: json(ref('Comment')) }, 404: { description: 'gone' } } },
        delete: { tags: ['comments'], operationId: 'deleteComment', responses: { 204: { description: 'deleted' } } },
      },
    },
    components: {
      schemas: {
        Animal: {
          type: 'object',
          required: ['id', 'name', 'petType'],
          properties: { id: { type: 'string', format: 'uuid', readOnly: true }, name: { type: 'string', minLength: 1 }, petType: { type: 'string' } },
          discriminator: { propertyName: 'petType', mapping },
        },
        Dog: kind({ packSize: { type: 'integer', minimum: 0 } }, ['packSize'], 'dog'),
        Cat: kind({ huntingSkill: { type: 'string', enum: ['clueless', 'lazy', 'adventurous'] } }, ['huntingSkill'], 'cat'),
        AnimalPatch: { type: 'object', properties: { name: { type: 'string', minLength: 1 } } },
        NewComment: { type: 'object', required: ['text'], properties: { text: { type: 'string', maxLength: 280 }, replies: { type: 'array', items: ref('NewComment') } } },
        Comment: {
          type: 'object',
          required: ['id', 'text', 'replies'],
          properties: { id: { type: 'integer', readOnly: true }, text: { type: 'string' }, inReplyTo: nullableComment, replies: { type: 'array', items: ref('Comment') } },
        },
      },
    },
  } as unknown as OpenApiDocument
}

const content = (doc: OpenApiDocument, name: string) => generateJourneys(doc, operations(doc), { source: 'zoo.json' }).files.find((f) => f.name === name)!.content

describe.each(['3.0.3', '3.1.0'] as const)('venomqa generate: allOf inheritance with a discriminator (OpenAPI %s)', (version) => {
  it.each([false, true])("sends the alternative's discriminator value and no readOnly id (kinds that say their petType: %s)", (consts) => {
    const doc = zoo(version, { consts })
    expect(content(doc, 'animals.journey.ts')).toContain("http.post('/animals', { json: { name: 'name', petType: 'dog', packSize: 10 } })")
    // A Dog sent alone is named by the mapping of the discriminator its Animal part holds.
    expect(content(doc, 'dogs.journey.ts')).toContain("http.post('/dogs', { json: { name: 'name', petType: 'dog', packSize: 10 } })")
  })

  it('reads the update back through a read that answers one of the kinds: the name every kind has is asserted', () => {
    expect(content(zoo(version), 'animals.journey.ts')).toMatch(/step\('get_animal_after_update'[\s\S]*assertEqual\(res\.json\(\)\.name, 'name \(updated\)', 'name'\)/)
  })
})

/** The zoo's API. It refuses what a strict API refuses: a kind it does not know, a readOnly id sent. Each body it gets is kept. */
const APP = jsonApp({
  state: "import { randomUUID } from 'node:crypto'\nconst animals = new Map()\nlet nextComment = 1",
  handle: `
    if (body && 'id' in body) return send(400, { error: 'id is given by the server' })
    if (req.method === 'POST' && parts.length === 1) {
      if (!['dog', 'cat'].includes(body.petType)) return send(400, { error: 'unknown petType ' + body.petType })
      const animal = { id: randomUUID(), ...body, comments: new Map() }
      animals.set(animal.id, animal)
      return send(201, { ...animal, comments: undefined })
    }
    const animal = animals.get(parts[1])
    if (parts[0] === 'dogs' && req.method === 'GET') return animal?.petType === 'dog' ? send(200, { ...animal, comments: undefined }) : send(404, { error: 'no such dog' })
    if (!animal) return send(404, { error: 'no such animal' })
    if (parts.length === 2) {
      if (req.method === 'GET') return send(200, { ...animal, comments: undefined })
      if (req.method === 'PATCH') return send(200, { ...Object.assign(animal, body), comments: undefined })
      if (req.method === 'DELETE') return send(animals.delete(animal.id) ? 204 : 404)
    }
    if (req.method === 'POST' && parts.length === 3) {
      const comment = { id: nextComment++, text: body.text, inReplyTo: null, replies: [] }
      animal.comments.set(comment.id, comment)
      return send(201, comment)
    }
    const comment = animal.comments.get(Number(parts[3]))
    if (!comment) return send(404, { error: 'no such comment' })
    if (req.method === 'GET') return send(200, comment)
    if (req.method === 'DELETE') return send(animal.comments.delete(comment.id) ? 204 : 404)
    send(405, { error: 'method not allowed' })`,
})

describe('venomqa generate: the zoo journeys, run against the API in its own process', () => {
  const running = projectWithJsonApp(APP)

  it.each(['3.0.3', '3.1.0'] as const)('OpenAPI %s: every journey passes, every body it sends is one the document accepts (ajv)', async (version) => {
    const { project, app } = running
    const doc = zoo(version)
    await writeFile(path.join(project.dir, `zoo-${version}.json`), JSON.stringify(doc))
    const out = `journeys-${version}`
    const generated = await project.venomqa(['generate', '--openapi', `zoo-${version}.json`, '--out', out])
    expect(generated.code, generated.stderr).toBe(0)
    // The comment thread is a resource of its own, made under the animal it is about.
    expect(readFileSync(path.join(project.dir, out, 'comments.journey.ts'), 'utf8')).toMatch(/step\('create_animal'[\s\S]*ctx\.set\('animalId', res\.json\(\)\.id\)[\s\S]*step\('add_comment'[\s\S]*ctx\.set\('commentId', res\.json\(\)\.id\)/)

    const before = ((await (await fetch(`${app.url}/received`)).json()) as unknown[]).length
    const run = await project.venomqa(['run', out, '--base-url', app.url])
    expect(run.stdout).toMatch(/Journeys {2}3 passed of 3/)
    expect(run.code).toBe(0)
    const received = ((await (await fetch(`${app.url}/received`)).json()) as { operation: string; body: unknown }[]).slice(before)
    const checker = new SchemaChecker(version, doc, { request: true })
    const schemaOf = (operation: string) => {
      const [method, route] = operation.split(' ') as [string, string]
      const op = operations(doc).find((o) => o.method === method && o.path.replace(/\{[^}]+\}/g, '{}') === route)!
      return op.requestBody!.schema!
    }
    expect(received.length).toBeGreaterThan(4)
    for (const r of received) expect(checker.check(schemaOf(r.operation), r.body), `${r.operation} ${JSON.stringify(r.body)}`).toBeUndefined()
  })
})
