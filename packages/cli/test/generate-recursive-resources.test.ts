import { writeFile } from 'node:fs/promises'
import path from 'node:path'
import { readFileSync } from 'node:fs'
import { type OpenApiDocument, SchemaChecker, operations } from '@venomqa/openapi'
import { type RunningProcess, startNodeProcess } from '@venomqa/test-utils'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { generateJourneys } from '../src/generate/journeys'
import { jsonApp } from './helpers/json-app'
import { type Project, assertBuilt, cliHost, makeProject } from './helpers/project'

/**
 * A create whose answer is a schema that holds itself (`Category { id, name, parent: Category, children:
 * Category[] }`) stays a `$ref` in the loaded document. The resource is found through it all the same, and
 * its journeys are those of any other: create, read, update and read back, delete and read a 404.
 */
const json = (schema: unknown) => ({ 'application/json': { schema } })
const ref = { $ref: '#/components/schemas/Category' }

/**
 * OpenAPI 3.0: `parent` optional, `children` required. OpenAPI 3.1: `parent` required, a Category or null,
 * `children` optional. The request body is recursive too: a new category may bring its children.
 */
function categories(version: '3.0.3' | '3.1.0'): OpenApiDocument {
  const category =
    version === '3.0.3'
      ? { type: 'object', required: ['id', 'name', 'children'], properties: { id: { type: 'integer' }, name: { type: 'string' }, parent: ref, children: { type: 'array', items: ref } } }
      : { type: 'object', required: ['id', 'name', 'parent'], properties: { id: { type: 'integer' }, name: { type: 'string' }, parent: { anyOf: [ref, { type: 'null' }] }, children: { type: 'array', items: ref } } }
  const newCategory = { type: 'object', required: ['name'], properties: { name: { type: 'string', maxLength: 40 }, children: { type: 'array', items: { $ref: '#/components/schemas/NewCategory' } } } }
  return {
    openapi: version,
    info: { title: 'categories', version: '1' },
    paths: {
      '/categories': {
        post: { tags: ['categories'], operationId: 'createCategory', requestBody: { required: true, content: json({ $ref: '#/components/schemas/NewCategory' }) }, responses: { 201: { description: 'made', content: json(ref) } } },
      },
      '/categories/{categoryId}': {
        parameters: [{ name: 'categoryId', in: 'path', required: true, schema: { type: 'integer' } }],
        get: { tags: ['categories'], operationId: 'getCategory', responses: { 200: { description: 'ok', content: json(ref) }, 404: { description: 'no such category' } } },
        put: { tags: ['categories'], operationId: 'updateCategory', requestBody: { required: true, content: json({ $ref: '#/components/schemas/NewCategory' }) }, responses: { 200: { description: 'ok', content: json(ref) } } },
        delete: { tags: ['categories'], operationId: 'deleteCategory', responses: { 204: { description: 'deleted' } } },
      },
    },
    components: { schemas: { Category: category, NewCategory: newCategory } },
  } as unknown as OpenApiDocument
}

/** A categories API; with BROKEN_DELETE set, its delete answers 204 and keeps the category. Each body it gets is kept, for the test to check. */
const APP = jsonApp({
  state: 'const categories = new Map()\nlet nextId = 1',
  handle: `
    const shown = (c) => ({ ...c, parent: null, children: [] })
    if (req.method === 'POST' && parts.length === 1) {
      const category = { id: nextId++, name: body.name }
      categories.set(category.id, category)
      return send(201, shown(category))
    }
    const found = categories.get(Number(parts[1]))
    if (!found) return send(404, { error: 'no such category' })
    if (req.method === 'GET') return send(200, shown(found))
    if (req.method === 'PUT') {
      found.name = body.name
      return send(200, shown(found))
    }
    if (req.method === 'DELETE') {
      if (!process.env.BROKEN_DELETE) categories.delete(found.id)
      return send(204)
    }
    send(405, { error: 'method not allowed' })`,
})

const file = (doc: OpenApiDocument) => {
  const generated = generateJourneys(doc, operations(doc), { source: 'categories.json' })
  return generated.files.find((f) => f.name === 'categories.journey.ts')?.content ?? ''
}

describe.each(['3.0.3', '3.1.0'] as const)('venomqa generate: a create whose answer holds its own schema (OpenAPI %s)', (version) => {
  it('finds the resource, chains its id, updates and reads back the name, deletes and reads a 404', () => {
    const content = file(categories(version))
    expect(content).toContain("ctx.set('categoryId', res.json().id)")
    expect(content).toContain("http.get(`/categories/${encodeURIComponent(String(ctx.require('categoryId')))}`)")
    expect(content).toContain("branch('category_created', [")
    // The read's answer is the same recursive schema: what the update sent is asserted on it.
    expect(content).toMatch(/step\('update_category'[\s\S]*\{ json: \{ name: 'name \(updated\)' \} \}[\s\S]*assertEqual\(res\.json\(\)\.name, 'name \(updated\)', 'name'\)/)
    expect(content).toMatch(/step\('delete_category'[\s\S]*step\('get_category_after_delete'[\s\S]*assertStatus\(res, 404\)/)
    expect(content).not.toContain('Not in a journey above')
  })
})

describe('venomqa generate: the journeys of a recursive resource, run against an app in its own process', () => {
  const host = cliHost()
  let project: Project
  let correct: RunningProcess
  let broken: RunningProcess
  const checkers = { '3.0.3': undefined as SchemaChecker | undefined, '3.1.0': undefined as SchemaChecker | undefined }

  beforeAll(async () => {
    assertBuilt()
    project = await makeProject(null, {}, host)
    await writeFile(path.join(project.dir, 'app.mjs'), APP)
    correct = await startNodeProcess(path.join(project.dir, 'app.mjs'))
    broken = await startNodeProcess(path.join(project.dir, 'app.mjs'), { env: { BROKEN_DELETE: '1' } })
  })
  afterAll(async () => {
    await correct?.stop()
    await broken?.stop()
    await project?.remove()
  })

  it.each(['3.0.3', '3.1.0'] as const)('OpenAPI %s: passes against a correct app with bodies its schemas accept, fails against one whose delete keeps the category', async (version) => {
    const doc = categories(version)
    await writeFile(path.join(project.dir, `categories-${version}.json`), JSON.stringify(doc))
    const out = `journeys-${version}`
    const generated = await project.venomqa(['generate', '--openapi', `categories-${version}.json`, '--out', out])
    expect(generated.stderr).toBe('')
    expect(generated.code).toBe(0)
    expect(readFileSync(path.join(project.dir, out, 'categories.journey.ts'), 'utf8')).toContain("ctx.set('categoryId', res.json().id)")

    const before = ((await (await fetch(`${correct.url}/received`)).json()) as unknown[]).length
    const pass = await project.venomqa(['run', out, '--base-url', correct.url])
    expect(pass.stdout).toMatch(/Journeys {2}1 passed of 1/)
    expect(pass.code).toBe(0)
    // Every body sent is one the document's request schema accepts (ajv, as exploration checks them).
    const received = ((await (await fetch(`${correct.url}/received`)).json()) as { operation: string; body: unknown }[]).slice(before)
    expect(received.map((r) => r.operation)).toEqual(['POST /categories', 'PUT /categories/{}'])
    const checker = (checkers[version] ??= new SchemaChecker(version, doc, { request: true }))
    for (const r of received) expect(checker.check(doc.components!.schemas!.NewCategory!, r.body), `${r.operation} ${JSON.stringify(r.body)}`).toBeUndefined()

    const fail = await project.venomqa(['run', out, '--base-url', broken.url])
    expect(fail.stdout).toMatch(/Journeys {2}0 passed, 1 failed of 1/)
    expect(fail.stdout).toContain('get_category_after_delete')
    expect(fail.code).toBe(1)
  })
})
