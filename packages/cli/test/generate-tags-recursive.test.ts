import { type OpenApiDocument, operations } from '@venomqa/openapi'
import { describe, expect, it } from 'vitest'
import { generateJourneys } from '../src/generate/journeys'

const json = (schema: unknown) => ({ 'application/json': { schema } })
const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` })
const idParam = { name: 'id', in: 'path', required: true, schema: { type: 'integer' } }

/**
 * Nodes of a tree, created with a body of schema `body` and read back: `Node` requires its `parent`, a
 * Node itself (no finite value has one); `Leaf`'s parent may be null; `Branch` refers to itself only
 * through properties it does not require. A recursive `$ref` stays a `$ref` in the loaded document.
 */
function tree(body: unknown, tag = 'nodes'): OpenApiDocument {
  const saved = { type: 'object', required: ['id'], properties: { id: { type: 'integer' }, name: { type: 'string' } } }
  return {
    openapi: '3.1.0',
    info: { title: 'tree', version: '1' },
    paths: {
      '/nodes': { post: { tags: [tag], operationId: 'createNode', requestBody: { required: true, content: json(body) }, responses: { 201: { description: 'made', content: json(saved) } } } },
      '/nodes/{id}': { get: { tags: [tag], operationId: 'getNode', parameters: [idParam], responses: { 200: { description: 'ok', content: json(saved) } } } },
    },
    components: {
      schemas: {
        Node: { type: 'object', required: ['name', 'parent'], properties: { name: { type: 'string', example: 'root' }, parent: ref('Node'), children: { type: 'array', items: ref('Node') } } },
        Leaf: { type: 'object', required: ['name', 'parent'], properties: { name: { type: 'string', example: 'leaf' }, parent: { anyOf: [ref('Leaf'), { type: 'null' }] } } },
        Branch: { type: 'object', required: ['name'], properties: { name: { type: 'string', example: 'branch' }, parent: ref('Branch') } },
        Holder: { type: 'object', required: ['node'], properties: { node: ref('Node') } },
      },
    },
  } as unknown as OpenApiDocument
}

const createStep = (doc: OpenApiDocument, tags?: string[]) => {
  const content = generateJourneys(doc, operations(doc), { source: 'tree.json', tags }).files[0]!.content
  return content.slice(content.indexOf("step('create_node'"), content.indexOf('assertStatus(res, 201)'))
}

describe('venomqa generate: a body whose schema refers to itself', () => {
  it('a required property that refers to its own schema is left out of the body, and the comment says so', () => {
    const step = createStep(tree(ref('Node')))
    expect(step).not.toContain('json: null')
    expect(step).toContain("json: { name: 'root' }")
    expect(step).toContain('fill in: body.parent (left out: its schema, #/components/schemas/Node, holds itself where it is required, so no finite body has it)')
  })

  it('inside another schema, the recursive schema is written once, its own recursion left out', () => {
    const step = createStep(tree(ref('Holder')))
    expect(step).toContain("json: { node: { name: 'root' } }")
    expect(step).toContain('body.node.parent (left out: its schema, #/components/schemas/Node')
  })

  it('null ends the recursion where the schema allows null; a property not required is not sent', () => {
    expect(createStep(tree(ref('Leaf')))).toContain("json: { name: 'leaf', parent: null }")
    expect(createStep(tree(ref('Leaf')))).not.toContain('left out')
    expect(createStep(tree(ref('Branch')))).toContain("json: { name: 'branch' }")
  })
})

describe('venomqa generate --tag: one rule with run --tag, case and spaces aside', () => {
  it('--tag Pets selects the tag the document spells pets, and the files keep its spelling', () => {
    const doc = tree(ref('Branch'), 'pets')
    const generated = generateJourneys(doc, operations(doc), { source: 'tree.json', tags: ['Pets'] })
    expect(generated.files.map((f) => f.name)).toEqual(['pets.journey.ts'])
    expect(generated.files[0]!.content).toContain("tags: ['generated', 'pets']")
    // One tag given twice in two spellings is one file.
    expect(generateJourneys(doc, operations(doc), { source: 'tree.json', tags: ['PETS', 'pets'] }).files).toHaveLength(1)
  })

  it('a tag that differs by more than case is still unknown, with the near one named', () => {
    const doc = tree(ref('Branch'), 'pets')
    expect(() => generateJourneys(doc, operations(doc), { source: 'tree.json', tags: ['Pet'] })).toThrow('tree.json has no operation tagged "Pet" (did you mean "pets"?); its tags: pets')
  })
})
