/**
 * Documents nobody here wrote (the petstores of @readme/oas-examples, OpenAPI 3.0 in YAML and 3.1 in
 * JSON) load, and their actions, bodies and schema checks are built without error; every mistake in a
 * document or the selection is a ConfigError naming the file and the place, and exit 2 through the CLI.
 */
import http from 'node:http'
import type { AddressInfo } from 'node:net'
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { createRequire } from 'node:module'
import os from 'node:os'
import path from 'node:path'
import { ConfigError } from '@venomqa/core'
import { CLOSED_PORT, REPO_ROOT, freePort, runBuiltCli } from '@venomqa/test-utils'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { SchemaChecker, bodyVariants, loadDocument, openApiActions, openApiInvariants, operations } from '../src'
import { resolveSchema } from '../src/document'
import { loadModel } from '../src/model'
import { SHOP_DOCUMENT } from './helpers'
import { sourceOf } from '../src/document'

const examples = path.dirname(createRequire(import.meta.url).resolve('@readme/oas-examples/package.json'))
const env = { root: REPO_ROOT, signal: new AbortController().signal }

describe.each([
  ['3.0, YAML', path.join(examples, '3.0/yaml/petstore.yaml')],
  ['3.1, JSON', path.join(examples, '3.1/json/petstore.json')],
])('the petstore of @readme/oas-examples (%s)', (_, file) => {
  it('parses, and gives one action per operation, bodies for each, and compiled schema checks', async () => {
    const doc = await loadDocument(file, { root: REPO_ROOT })
    const ops = operations(doc)
    expect(ops.map((o) => o.id)).toContain('addPet')
    const actions = await openApiActions(file).load(env)
    expect(actions.map((a) => a.name)).toEqual(ops.map((o) => o.id))
    const addPet = ops.find((o) => o.id === 'addPet')!
    const bodies = bodyVariants(addPet.requestBody?.schema, doc)
    expect(bodies.map((b) => b.variant)).toEqual(expect.arrayContaining(['sample', 'required', 'empty', 'enum-last']))
    expect(bodies.find((b) => b.variant === 'enum-last')!.body).toMatchObject({ status: 'sold' })
    const schemas = new SchemaChecker(doc.openapi)
    let compiled = 0
    for (const op of ops)
      for (const response of Object.values(op.responses))
        for (const schema of Object.values(response.content))
          if (schema) {
            schemas.validator(schema)
            compiled++
          }
    expect(compiled).toBeGreaterThan(5)
    // A pet from its own sample matches the Pet schema; one without its required name does not, and the message says where.
    const pet = ops.find((o) => o.id === 'getPetById')!.responses['200']!.content['application/json']!
    expect(schemas.check(pet, bodies[0]!.body)).toBeUndefined()
    expect(schemas.check(pet, { photoUrls: [] })).toMatch(/must have required property 'name'/)
    expect((await openApiInvariants(file).load(env)).map((i) => i.name)).toEqual(['status_documented', 'response_schema', 'content_type', 'use_after_free', 'no_leak_on_failed_create'])
  })
})

// A document split in files, as a server serves them and as they sit on disk: relative `$ref`s, one within a file, a tree.
const listed = (schema: object) => ({ get: { operationId: 'listNodes', responses: { 200: { description: 'ok', content: { 'application/json': { schema } } } } } })
const SPLIT: Record<string, object> = {
  '/split/openapi.json': { openapi: '3.1.0', info: { title: 't', version: '1' }, paths: { '/nodes': listed({ $ref: 'schemas/nodes.json#/Node' }) } },
  '/split/schemas/nodes.json': {
    Node: { type: 'object', required: ['id'], properties: { id: { type: 'integer' }, owner: { $ref: './owners.json#/Owner' }, children: { type: 'array', items: { $ref: '#/Node' } } } },
  },
  '/split/schemas/owners.json': { Owner: { type: 'object', required: ['name'], properties: { name: { type: 'string' } } } },
  '/split/broken.json': { openapi: '3.1.0', info: { title: 't', version: '1' }, paths: { '/nodes': listed({ $ref: 'schemas/missing.json#/Node' }) } },
  '/split/pointless.json': { openapi: '3.1.0', info: { title: 't', version: '1' }, paths: { '/nodes': listed({ $ref: 'schemas/nodes.json#/Nope' }) } },
  // A file that points back into the document; an allOf loop through two files.
  '/split/back.json': {
    openapi: '3.1.0',
    info: { title: 't', version: '1' },
    paths: { '/nodes': listed({ $ref: 'schemas/back-b.json#/Thing' }) },
    components: { schemas: { Owner: { type: 'object', properties: { name: { type: 'string' } } } } },
  },
  '/split/schemas/back-b.json': { Thing: { type: 'object', properties: { owner: { $ref: '../back.json#/components/schemas/Owner' } } } },
  '/split/loop.json': { openapi: '3.1.0', info: { title: 't', version: '1' }, paths: {}, components: { schemas: { A: { allOf: [{ $ref: 'schemas/loop-b.json#/B' }] } } } },
  '/split/schemas/loop-b.json': { B: { allOf: [{ $ref: '../loop.json#/components/schemas/A' }] } },
}

describe('a document at a URL', () => {
  const DOCUMENT = JSON.stringify({ openapi: '3.1.0', info: { title: 't', version: '1' }, paths: { '/things': { get: { operationId: 'listThings', responses: { 200: { description: 'ok' } } } } } })
  // The private document needs these, as HTTP Basic auth: the password has a `:` and an `@`, percent-encoded in a URL.
  const USER = 'alice'
  const PASSWORD = 's3cr3t:pass@1'
  const credentials = `${USER}:${encodeURIComponent(PASSWORD)}`
  let server: http.Server
  let base: string
  let authorizations: (string | undefined)[] = []
  beforeAll(async () => {
    server = http.createServer((req, res) => {
      if (req.url === '/private/openapi.json') {
        authorizations.push(req.headers.authorization)
        if (req.headers.authorization !== `Basic ${Buffer.from(`${USER}:${PASSWORD}`).toString('base64')}`) return void res.writeHead(401, { 'www-authenticate': 'Basic' }).end()
        return void res.writeHead(200, { 'content-type': 'application/json' }).end(DOCUMENT)
      }
      const split = SPLIT[req.url ?? '']
      if (split) return void res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(split))
      if (!req.url?.startsWith('/openapi.json')) return void res.writeHead(404).end()
      res.setHeader('content-type', 'application/json')
      res.end(DOCUMENT)
    })
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  })
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())))

  it('loads from the loopback address where an API under test serves it', async () => {
    const doc = await loadDocument(`${base}/openapi.json`, { root: REPO_ROOT })
    expect(operations(doc).map((o) => o.id)).toEqual(['listThings'])
  })

  it('is named with its key masked, in every message', async () => {
    const err = await loadDocument(`${base}/missing.json?api_key=KEY123secret`, { root: REPO_ROOT }).catch((e: unknown) => e)
    expect(err).toBeInstanceOf(ConfigError)
    expect((err as Error).message).toBe(`cannot fetch the OpenAPI document ${base}/missing.json?api_key=[REDACTED]: it answered 404`)
    const doc = await loadDocument(`${base}/openapi.json?access_token=QTOKEN99`, { root: REPO_ROOT })
    expect(sourceOf(doc)).toBe(`${base}/openapi.json?access_token=[REDACTED]`)
  })

  it("sends a URL's user:password as HTTP Basic auth, and names the URL with them masked", async () => {
    authorizations = []
    const url = `${base.replace('//', `//${credentials}@`)}/private/openapi.json`
    const doc = await loadDocument(url, { root: REPO_ROOT })
    expect(operations(doc).map((o) => o.id)).toEqual(['listThings'])
    expect(authorizations).toEqual([`Basic ${Buffer.from(`${USER}:${PASSWORD}`).toString('base64')}`])
    expect(sourceOf(doc)).toBe(`${base.replace('//', `//${USER}:***@`)}/private/openapi.json`)

    const wrong = await loadDocument(url.replace('s3cr3t', 'wrong'), { root: REPO_ROOT }).catch((e: unknown) => e)
    expect(wrong).toBeInstanceOf(ConfigError)
    expect((wrong as Error).message).toBe(`cannot fetch the OpenAPI document ${base.replace('//', `//${USER}:***@`)}/private/openapi.json: it answered 401`)
  })

  it('fetches the files its relative $refs point to from the same server, and checks responses against them', async () => {
    const doc = await loadDocument(`${base}/split/openapi.json`, { root: REPO_ROOT })
    const [list] = operations(doc)
    const schema = list!.responses['200']!.content['application/json']!
    // A recursive schema keeps its `$ref`, into the file as the document now holds it.
    expect(schema).toEqual({ $ref: '#/x-venomqa-refs/0/Node' })
    expect(resolveSchema(schema, doc).properties.owner).toEqual({ type: 'object', required: ['name'], properties: { name: { type: 'string' } } })
    const checker = new SchemaChecker('3.1.0', doc)
    expect(checker.check(schema, { id: 1, owner: { name: 'a' }, children: [{ id: 2, children: [] }] })).toBeUndefined()
    // The tree's own `$ref` resolves in the file it came from: a child without its id is caught.
    expect(checker.check(schema, { id: 1, children: [{ children: [] }] })).toMatch(/^\/children\/0 must have required property 'id'/)

    const missing = await loadDocument(`${base}/split/broken.json`, { root: REPO_ROOT }).catch((e: unknown) => e)
    expect(missing).toBeInstanceOf(ConfigError)
    expect((missing as Error).message).toBe(
      `${base}/split/broken.json#/paths/~1nodes/get/responses/200/content/application~1json/schema/$ref: "schemas/missing.json#/Node" points to ${base}/split/schemas/missing.json, which cannot be fetched: it answered 404`,
    )
    const nothing = await loadDocument(`${base}/split/pointless.json`, { root: REPO_ROOT }).catch((e: unknown) => e)
    expect((nothing as Error).message).toMatch(/#\/paths\/~1nodes\/.*\/\$ref: "schemas\/nodes\.json#\/Nope" points to nothing in http:\/\/127\.0\.0\.1:\d+\/split\/schemas\/nodes\.json; did you mean "schemas\/nodes\.json#\/Node"\?$/)
  })

  it('a file pointing back into the document points into it, not a second copy; an allOf loop through the files is refused', async () => {
    const doc = await loadDocument(`${base}/split/back.json`, { root: REPO_ROOT })
    expect((doc as Record<string, unknown>)['x-venomqa-refs']).toHaveLength(1)
    const schema = operations(doc)[0]!.responses['200']!.content['application/json']!
    expect(resolveSchema(schema, doc).properties.owner).toEqual({ type: 'object', properties: { name: { type: 'string' } } })
    const loop = await loadDocument(`${base}/split/loop.json`, { root: REPO_ROOT }).catch((e: unknown) => e)
    expect(loop).toBeInstanceOf(ConfigError)
    expect((loop as Error).message).toMatch(/: schema "A" is made of itself through allOf \(A → B → A\), which has no end/)
  })

  it('says why a URL cannot be fetched, from the cause, with its credentials masked', async () => {
    const port = await freePort()
    const err = await loadDocument(`http://${credentials}@127.0.0.1:${port}/openapi.json`, { root: REPO_ROOT }).catch((e: unknown) => e)
    expect(err).toBeInstanceOf(ConfigError)
    expect((err as Error).message).toBe(`cannot fetch the OpenAPI document http://${USER}:***@127.0.0.1:${port}/openapi.json: connection refused (ECONNREFUSED)`)
  })
})

describe('a document split in files on disk', () => {
  let dir: string
  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'venomqa-openapi-split-'))
    for (const [file, value] of Object.entries(SPLIT)) {
      await mkdir(path.dirname(path.join(dir, file)), { recursive: true })
      await writeFile(path.join(dir, file), JSON.stringify(value))
    }
  })
  afterAll(() => rm(dir, { recursive: true, force: true }))

  it('puts the files its $refs point to into the document: a schema of another file that refers to itself is checked as it is from a URL', async () => {
    // Left to the parser, the tree's own `$ref` stayed one into its file, and building its check failed:
    // "can't resolve reference schemas/nodes.json#/Node from id #".
    const doc = await loadDocument('split/openapi.json', { root: dir })
    const schema = operations(doc)[0]!.responses['200']!.content['application/json']!
    expect(schema).toEqual({ $ref: '#/x-venomqa-refs/0/Node' })
    expect(resolveSchema(schema, doc).properties.owner).toEqual({ type: 'object', required: ['name'], properties: { name: { type: 'string' } } })
    const checker = new SchemaChecker('3.1.0', doc)
    expect(checker.check(schema, { id: 1, owner: { name: 'a' }, children: [{ id: 2, children: [] }] })).toBeUndefined()
    expect(checker.check(schema, { id: 1, children: [{ children: [] }] })).toMatch(/^\/children\/0 must have required property 'id'/)
    const back = await loadDocument('split/back.json', { root: dir })
    expect((back as Record<string, unknown>)['x-venomqa-refs']).toHaveLength(1)
    const loop = await loadDocument('split/loop.json', { root: dir }).catch((e: unknown) => e)
    expect((loop as Error).message).toMatch(/^split\/schemas\/loop-b\.json#\/B\/allOf\/0\/\$ref: schema "A" is made of itself through allOf \(A → B → A\), which has no end/)
  })

  it('as `venomqa explore --openapi` reads it: the response schemas are built, no error', async () => {
    const actions = await openApiActions(path.join(dir, 'split/openapi.json')).load(env)
    expect(actions.map((a) => a.name)).toEqual(['listNodes'])
    expect((await openApiInvariants(path.join(dir, 'split/openapi.json')).load(env)).map((i) => i.name)).toContain('response_schema')
  })
})

describe('mistakes are ConfigErrors naming the file and the place', () => {
  let dir: string
  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'venomqa-openapi-errors-'))
    await writeFile(path.join(dir, 'broken.json'), '{\n  "openapi": "3.1.0",\n  "paths": {,\n}\n')
    await writeFile(path.join(dir, 'token.json'), '{\n  "openapi": "3.1.0",\n  "x-api-key": "sk_live_0123456789abcdef",\n  "info": }\n')
    const health = (op: object) => JSON.stringify({ openapi: '3.1.0', info: { title: 't', version: '1' }, paths: { '/health': { get: op } } })
    await writeFile(path.join(dir, 'responses-string.json'), health({ operationId: 'health', responses: 'nope' }))
    await writeFile(path.join(dir, 'bad-schema.json'), health({ operationId: 'health', responses: { 200: { description: 'ok', content: { 'application/json': { schema: { type: 'objekt' } } } } } }))
    await writeFile(path.join(dir, 'empty.yaml'), '')
    await writeFile(path.join(dir, 'null.json'), 'null\n')
    await writeFile(path.join(dir, 'broken.yaml'), 'openapi: 3.0.3\npaths:\n  /a: [unclosed\n')
    // yaml finds these only when it builds the value: it threw past the loader, a crash naming no document.
    await writeFile(path.join(dir, 'alias.yaml'), 'openapi: 3.0.3\ninfo: { title: t, version: "1" }\npaths:\n  /a:\n    get:\n      responses:\n        "200": *nope\n')
    const laughs = ['a: &a [x, x, x, x, x, x, x, x, x, x]', ...'bcdefgh'.split('').map((k, i) => `${k}: &${k} [${Array(10).fill(`*${'abcdefgh'[i]}`).join(', ')}]`)]
    await writeFile(path.join(dir, 'aliases.yaml'), `openapi: 3.0.3\ninfo: { title: t, version: "1" }\npaths: {}\n${laughs.map((l) => `x-${l}`).join('\n')}\n`)
    const dangling = { openapi: '3.1.0', info: { title: 't', version: '1' }, paths: { '/things': { get: { operationId: 'listThings', responses: { 200: { description: 'ok', content: { 'application/json': { schema: { $ref: '#/components/schemas/Nope' } } } } } } } } }
    await writeFile(path.join(dir, 'dangling.json'), JSON.stringify(dangling, null, 2))
    // A $ref that points nowhere or is malformed, in each place one sits: each named by file and pointer.
    const creating = (o: object, components?: object) =>
      JSON.stringify({ openapi: '3.1.0', info: { title: 't', version: '1' }, paths: { '/things': { post: { operationId: 'createThing', responses: { 201: { description: 'ok' } }, ...o } } }, ...(components ? { components } : {}) })
    const body = (schema: object, components?: object) => creating({ requestBody: { content: { 'application/json': { schema } } } }, components)
    const thing = { schemas: { Thing: { type: 'object' } } }
    await mkdir(path.join(dir, 'refs'))
    const refs: Record<string, string> = {
      'request-body.json': creating({ requestBody: { $ref: '#/components/requestBodies/Nope' } }),
      'response.json': creating({ responses: { 201: { $ref: '#/components/responses/Nope' } } }),
      'parameter.json': creating({ parameters: [{ $ref: '#/components/parameters/Nope' }] }),
      'nested.json': body({ type: 'object', properties: { tags: { type: 'array', items: { $ref: '#/components/schemas/Nope' } } } }),
      'components.json': body({ $ref: '#/components/schemas/A' }, { schemas: { A: { allOf: [{ $ref: '#/components/schemas/B' }] } } }),
      'no-hash.json': body({ $ref: 'components/schemas/Thing' }, thing),
      'no-slash.json': body({ $ref: '#components/schemas/Thing' }, thing),
      'bad-escape.json': body({ $ref: '#/components/schemas/Thing%2' }, thing),
      'number.json': body({ $ref: 42 }),
      'whole.json': body({ $ref: '#' }),
      'missing-file.json': body({ $ref: 'nowhere.json#/Thing' }),
      'missing-pointer.json': creating({ parameters: [{ $ref: 'shared.json#/parameters/Nope' }] }),
      // A typo of a name that is there: the $ref corrected is suggested.
      'typo.json': body({ $ref: '#/components/schemas/Prodcut' }, { schemas: { Product: { type: 'object' } } }),
      'typo-in-path.json': body({ $ref: '#/components/schema/Product' }, { schemas: { Product: { type: 'object' } } }),
      'typo-in-file.json': creating({ parameters: [{ $ref: 'shared.json#/parameters/ID' }] }),
      'bad-inside.json': body({ $ref: 'shared.json#/schemas/Thing' }),
      'shared.json': JSON.stringify({ parameters: { Id: { name: 'id', in: 'query' } }, schemas: { Thing: { type: 'object', properties: { owner: { $ref: '#/schemas/Owner' } } } } }),
      // A property named "$ref" is a schema, not a reference.
      'property-named-ref.yaml': 'openapi: 3.0.3\ninfo: { title: t, version: "1" }\npaths:\n  /things:\n    get:\n      operationId: listThings\n      responses:\n        "200":\n          description: ok\n          content:\n            application/json:\n              schema:\n                type: object\n                properties:\n                  $ref: { type: string }\n',
    }
    for (const [file, text] of Object.entries(refs)) await writeFile(path.join(dir, 'refs', file), text)
    await writeFile(path.join(dir, 'refs/venomqa.json'), JSON.stringify({ baseUrl: 'http://127.0.0.1:9' }))
    await writeFile(path.join(dir, 'ok.json'), JSON.stringify({ ...dangling, paths: { '/things': { get: { operationId: 'listThings', responses: { 200: { description: 'ok' } } } } } }))
    await writeFile(path.join(dir, 'not-json.json'), 'not json {\n')
    await writeFile(path.join(dir, 'paths-number.json'), JSON.stringify({ openapi: '3.1.0', info: { title: 't', version: '1' }, paths: 5 }))
    await writeFile(path.join(dir, 'operation-string.yaml'), 'openapi: 3.0.3\ninfo: { title: t, version: "1" }\npaths:\n  /things/{id}:\n    get: listThings\n')
    await writeFile(path.join(dir, 'parameters-string.json'), JSON.stringify({ openapi: '3.1.0', info: { title: 't', version: '1' }, paths: { '/things/{id}': { get: { parameters: 'oops', responses: {} } } } }))
    const listing = { operationId: 'listThings', responses: { 200: { description: 'ok' } } }
    await writeFile(path.join(dir, 'duplicate-id.json'), JSON.stringify({ openapi: '3.1.0', info: { title: 't', version: '1' }, paths: { '/things': { get: listing }, '/things/all': { get: listing } } }))
    await writeFile(path.join(dir, 'quoting.yaml'), 'openapi: 3.1.0\ninfo:\n  title: t\n  version: "1"\n  description: |sk_live_hunter2key\n    x\npaths: {}\n')
    await writeFile(path.join(dir, 'shared-parameters-object.json'), JSON.stringify({ openapi: '3.1.0', info: { title: 't', version: '1' }, paths: { '/things/{id}': { parameters: { name: 'id' }, get: { responses: {} } } } }))
    // Beside a config that selects nothing, so that what the document lacks is all there is to report.
    await mkdir(path.join(dir, 'bare'))
    await writeFile(path.join(dir, 'bare/no-operations.json'), JSON.stringify({ openapi: '3.1.0', info: { title: 't', version: '1' }, paths: {} }))
    await writeFile(path.join(dir, 'bare/venomqa.json'), JSON.stringify({ baseUrl: 'http://127.0.0.1:9' }))
    await writeFile(path.join(dir, 'venomqa.json'), JSON.stringify({ baseUrl: 'http://127.0.0.1:9', openapi: { include: ['listThings', 'deleteEverything'] } }))
  })
  afterAll(() => rm(dir, { recursive: true, force: true }))

  it.each([
    ['broken.json', /^broken\.json:3:13: not valid JSON/],
    // V8 gives no position for an unexpected token, and quotes the text around it: placed all the same, unquoted.
    ['token.json', /^token\.json:4:11: not valid JSON: Unexpected token '\}'$/],
    ['broken.yaml', /^broken\.yaml:4:1: not valid YAML/],
    // yaml's message ends with the text it met and its place again: a document's text may hold a key there.
    ['quoting.yaml', /^quoting\.yaml:5:17: not valid YAML: Block scalar header includes extra characters$/],
    ['dangling.json', /^dangling\.json#\/paths\/~1things\/get\/responses\/200\/content\/application~1json\/schema\/\$ref: "#\/components\/schemas\/Nope" points to nothing/],
    ['missing.json', /^cannot read the OpenAPI document missing\.json: no such file$/],
    // A near miss of a file beside it: a `.yml` for the `.yaml` there, a letter off in a directory's file.
    ['broken.yml', /^cannot read the OpenAPI document broken\.yml: no such file \(did you mean broken\.yaml\?\)$/],
    ['bare/no-operation.json', /^cannot read the OpenAPI document bare\/no-operation\.json: no such file \(did you mean bare\/no-operations\.json\?\)$/],
    // Read as a file path, a URL of another scheme was "no such file"; its key masked as any URL's.
    ['ftp://files.example/oa.json?api_key=s3cr3t', /^ftp:\/\/files\.example\/oa\.json\?api_key=\[REDACTED\]: URLs of scheme ftp: are not read; the OpenAPI document is a file or an http\(s\) URL$/],
    // A string of responses would read as statuses "0", "1"...; an empty or null document as an object.
    ['responses-string.json', /^responses-string\.json#\/paths\/~1health\/get\/responses: expected an object of responses by status, got string$/],
    ['empty.yaml', /^empty\.yaml: the document is empty$/],
    ['alias.yaml', /^alias\.yaml: not valid YAML: Unresolved alias/],
    ['aliases.yaml', /^aliases\.yaml: not valid YAML: Excessive alias count/],
    ['null.json', /^null\.json: an OpenAPI document is an object, got null$/],
    // Read as YAML, this was a string: "an OpenAPI document is an object, got string".
    ['not-json.json', /^not-json\.json:1:1: not valid JSON: /],
    // Read as a document without operations, these would explore nothing and pass.
    ['paths-number.json', /^paths-number\.json#\/paths: expected an object of path items, got number$/],
    ['operation-string.yaml', /^operation-string\.yaml#\/paths\/~1things~1\{id\}\/get: expected an operation \(an object\), got string$/],
    // Read as a list, these would be no parameter at all, and the path's id would go unbound.
    ['parameters-string.json', /^parameters-string\.json#\/paths\/~1things~1\{id\}\/get\/parameters: expected a list of parameters, got string$/],
    ['shared-parameters-object.json', /^shared-parameters-object\.json#\/paths\/~1things~1\{id\}\/parameters: expected a list of parameters, got object$/],
    // Two actions of one name were refused later, naming neither the document nor either place.
    ['duplicate-id.json', /^duplicate-id\.json#\/paths\/~1things~1all\/get\/operationId: "listThings" names the operation at #\/paths\/~1things\/get\/operationId too; /],
  ])('%s', async (file, message) => {
    const err = await loadDocument(file, { root: dir }).catch((e: unknown) => e)
    expect(err).toBeInstanceOf(ConfigError)
    expect((err as Error).message).toMatch(message)
  })

  const body = '#/paths/~1things/post/requestBody/content/application~1json/schema'
  it.each([
    ['request-body.json', '#/paths/~1things/post/requestBody/$ref: "#/components/requestBodies/Nope" points to nothing in the document'],
    ['response.json', '#/paths/~1things/post/responses/201/$ref: "#/components/responses/Nope" points to nothing in the document'],
    ['parameter.json', '#/paths/~1things/post/parameters/0/$ref: "#/components/parameters/Nope" points to nothing in the document'],
    ['nested.json', `${body}/properties/tags/items/$ref: "#/components/schemas/Nope" points to nothing in the document`],
    ['components.json', '#/components/schemas/A/allOf/0/$ref: "#/components/schemas/B" points to nothing in the document'],
    ['no-hash.json', `${body}/$ref: "components/schemas/Thing" points to the file refs/components/schemas/Thing, which does not exist (a $ref within the document starts with "#": "#/components/schemas/Thing")`],
    ['no-slash.json', `${body}/$ref: "#components/schemas/Thing" is malformed: after "#" comes a JSON pointer, which starts with "/" (as in "#/components/schemas/Thing")`],
    ['bad-escape.json', `${body}/$ref: "#/components/schemas/Thing%2" is malformed: a "%" in it is not followed by two hexadecimal digits (write "%25" for "%")`],
    ['number.json', `${body}/$ref: a $ref is a string (a URI reference, as "#/components/schemas/Pet"), got a number`],
    ['whole.json', `${body}/$ref: "#" points to the whole document: a $ref names a part of it, as "#/components/schemas/Pet" does`],
    ['missing-file.json', `${body}/$ref: "nowhere.json#/Thing" points to the file refs/nowhere.json, which does not exist`],
    ['missing-pointer.json', '#/paths/~1things/post/parameters/0/$ref: "shared.json#/parameters/Nope" points to nothing in refs/shared.json'],
    ['typo.json', `${body}/$ref: "#/components/schemas/Prodcut" points to nothing in the document; did you mean "#/components/schemas/Product"?`],
    ['typo-in-path.json', `${body}/$ref: "#/components/schema/Product" points to nothing in the document; did you mean "#/components/schemas/Product"?`],
    ['typo-in-file.json', '#/paths/~1things/post/parameters/0/$ref: "shared.json#/parameters/ID" points to nothing in refs/shared.json; did you mean "shared.json#/parameters/Id"?'],
  ])('a $ref that is bad: refs/%s', async (file, message) => {
    const err = await loadDocument(`refs/${file}`, { root: dir }).catch((e: unknown) => e)
    expect(err).toBeInstanceOf(ConfigError)
    expect((err as Error).message).toBe(`refs/${file}${message}`)
    expect((err as ConfigError).where).toBe(`refs/${file}${message.slice(0, message.indexOf(': '))}`)
  })

  it('a schema made of itself through allOf is named with its loop; one that holds itself in a property is a tree, and loads', async () => {
    const loop = {
      schemas: {
        A: { allOf: [{ $ref: '#/components/schemas/B' }, { type: 'object', properties: { a: { type: 'string' } } }] },
        B: { allOf: [{ type: 'object', properties: { b: { type: 'string' } } }, { $ref: '#/components/schemas/A' }] },
      },
    }
    await writeFile(
      path.join(dir, 'allof-loop.json'),
      JSON.stringify({ openapi: '3.1.0', info: { title: 't', version: '1' }, paths: { '/things': { get: { operationId: 'listThings', responses: { 200: { description: 'ok' } } } } }, components: loop }),
    )
    const err = await loadDocument('allof-loop.json', { root: dir }).catch((e: unknown) => e)
    expect(err).toBeInstanceOf(ConfigError)
    expect((err as Error).message).toBe(
      'allof-loop.json#/components/schemas/B/allOf/1/$ref: schema "A" is made of itself through allOf (A → B → A), which has no end; hold one of them in a property instead',
    )
    expect((err as ConfigError).where).toBe('allof-loop.json#/components/schemas/B/allOf/1/$ref')
    // A loop of bare $refs is no allOf: said as what it is.
    const refs = { schemas: { A: { $ref: '#/components/schemas/B' }, B: { $ref: '#/components/schemas/A' } } }
    await writeFile(path.join(dir, 'ref-loop.json'), JSON.stringify({ openapi: '3.1.0', info: { title: 't', version: '1' }, paths: {}, components: refs }))
    expect(((await loadDocument('ref-loop.json', { root: dir }).catch((e: unknown) => e)) as Error).message).toBe(
      'ref-loop.json#/components/schemas/B/$ref: schema "A" is only a $ref to itself (A → B → A), so it never says what it is; give one of them its own type and properties',
    )
    const tree = { schemas: { Node: { allOf: [{ type: 'object', properties: { id: { type: 'integer' } } }, { type: 'object', properties: { children: { type: 'array', items: { $ref: '#/components/schemas/Node' } } } }] } } }
    await writeFile(path.join(dir, 'tree.json'), JSON.stringify({ openapi: '3.1.0', info: { title: 't', version: '1' }, paths: {}, components: tree }))
    await expect(loadDocument('tree.json', { root: dir })).resolves.toBeTruthy()
  })

  it('a parameter, response or request body that is only a $ref to itself is refused, naming the loop; a chain that ends loads', async () => {
    const doc = (components: object, operation: object) => JSON.stringify({ openapi: '3.1.0', info: { title: 't', version: '1' }, paths: { '/things/{id}': { get: { operationId: 'getThing', ...operation } } }, components })
    const ok = { responses: { 200: { description: 'ok' } } }
    await writeFile(path.join(dir, 'param-loop.json'), doc({ parameters: { P: { $ref: '#/components/parameters/P' } } }, { ...ok, parameters: [{ $ref: '#/components/parameters/P' }] }))
    const param = (await loadDocument('param-loop.json', { root: dir }).catch((e: unknown) => e)) as ConfigError
    expect(param).toBeInstanceOf(ConfigError)
    expect(param.message).toMatch(/^param-loop\.json#\/components\/parameters\/P\/\$ref: "P" is only a \$ref to itself \(P → P\)/)
    expect(param.where).toBe('param-loop.json#/components/parameters/P/$ref')
    const responses = { R: { $ref: '#/components/responses/R2' }, R2: { $ref: '#/components/responses/R' } }
    await writeFile(path.join(dir, 'response-loop.json'), doc({ responses }, { responses: { 200: { $ref: '#/components/responses/R' } } }))
    expect(((await loadDocument('response-loop.json', { root: dir }).catch((e: unknown) => e)) as Error).message).toMatch(/: "R2?" is only a \$ref to itself \((R → R2 → R|R2 → R → R2)\)/)
    // References to references that end somewhere are fine.
    const chain = { responses: { R: { $ref: '#/components/responses/R2' }, R2: { description: 'ok', content: { 'application/json': { schema: { type: 'object' } } } } } }
    await writeFile(path.join(dir, 'response-chain.json'), doc(chain, { responses: { 200: { $ref: '#/components/responses/R' } } }))
    await expect(loadDocument('response-chain.json', { root: dir })).resolves.toBeTruthy()
  })

  it('a bad $ref inside a file a $ref points into is named in that file; a property named "$ref" is no reference', async () => {
    const err = await loadDocument('refs/bad-inside.json', { root: dir }).catch((e: unknown) => e)
    expect(err).toBeInstanceOf(ConfigError)
    expect((err as Error).message).toBe('refs/shared.json#/schemas/Thing/properties/owner/$ref: "#/schemas/Owner" points to nothing in refs/shared.json')
    const doc = await loadDocument('refs/property-named-ref.yaml', { root: dir })
    expect(operations(doc).map((o) => o.id)).toEqual(['listThings'])
  })

  it('a response schema that is not JSON Schema is the document\'s mistake, named by its place, not a violation by the API', async () => {
    const err = await openApiInvariants('bad-schema.json').load({ ...env, root: dir }).catch((e: unknown) => e)
    expect(err).toBeInstanceOf(ConfigError)
    expect((err as Error).message).toMatch(/^bad-schema\.json#\/paths\/~1health\/get\/responses\/200\/content\/application~1json\/schema: not a valid JSON Schema: schema is invalid: data\/type must be/)
  })

  it('an include that names no operation', async () => {
    const err = await openApiActions('ok.json', { include: ['listThings', 'deleteEverything'] }).load({ ...env, root: dir }).catch((e: unknown) => e)
    expect(err).toBeInstanceOf(ConfigError)
    expect((err as Error).message).toBe('ok.json: include names "deleteEverything", which matches no operation, tag or METHOD /path of the document')
  })

  it('auth names its operations by operationId or by METHOD /path, as the config says it may', async () => {
    const byPath = await loadModel(SHOP_DOCUMENT, { auth: { login: 'post  /api/auth/login', signUp: 'POST /api/users', credentials: {} } }, dir)
    const byId = await loadModel(SHOP_DOCUMENT, { auth: { login: 'logIn', signUp: 'signUp', credentials: {} } }, dir)
    expect(byPath.authOps.login?.operationId).toBe('logIn')
    expect(byPath.authOps.signUp?.id).toBe('signUp')
    expect(byId.authOps.login?.id).toBe('logIn')
    // Logging in is the setup's, not an action of the search.
    expect(byPath.selected.map((o) => o.id)).toEqual(byId.selected.map((o) => o.id))
    expect(byPath.selected.map((o) => o.id)).not.toContain('logIn')
    const err = await loadModel(SHOP_DOCUMENT, { auth: { login: 'POST /api/auth/nope', credentials: {} } }, dir).catch((e: unknown) => e)
    expect(err).toBeInstanceOf(ConfigError)
    expect((err as Error).message).toMatch(/auth\.login names "POST \/api\/auth\/nope", which is no operationId or METHOD \/path of the document$/)
  })

  it.each([
    ['broken.json', 'broken.json:3:13'],
    ['dangling.json', 'dangling.json#/paths/~1things/get/responses/200/content/application~1json/schema/$ref'],
    // It crashed the command ("unexpected error: URI malformed") before.
    ['refs/bad-escape.json', 'bad-escape.json#/paths/~1things/post/requestBody/content/application~1json/schema/$ref: "#/components/schemas/Thing%2" is malformed'],
    ['ok.json', 'include names "deleteEverything"'],
    ['paths-number.json', 'paths-number.json#/paths: expected an object of path items'],
    // A document with no operation is not a search that found nothing: exit 2, never a pass.
    ['bare/no-operations.json', 'no-operations.json#/paths: no operation to explore: its `paths` are empty'],
  ])('venomqa explore --openapi %s: exit 2, naming the place', async (file, place) => {
    const { code, output } = await runBuiltCli(['explore', '--openapi', path.basename(file), '--no-emit'], { cwd: path.join(dir, path.dirname(file)) })
    expect(code, output).toBe(2)
    expect(output).toContain(place)
  })
})

describe('venomqa explore --openapi where nothing answers at the base URL', () => {
  let dir: string
  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'venomqa-openapi-down-'))
    const op = (operationId: string) => ({ operationId, responses: { 200: { description: 'ok' } } })
    const doc = { openapi: '3.1.0', info: { title: 't', version: '1' }, paths: { '/health': { get: op('getHealth') }, '/things': { get: op('listThings'), post: op('createThing') } } }
    await writeFile(path.join(dir, 'api.json'), JSON.stringify(doc))
    await writeFile(path.join(dir, 'venomqa.json'), JSON.stringify({ baseUrl: `http://127.0.0.1:${CLOSED_PORT}/v1` }))
  })
  afterAll(() => rm(dir, { recursive: true, force: true }))

  it('says once that the API is not there, naming the base URL, and fails with no violation', async () => {
    const { code, output } = await runBuiltCli(['explore', '--openapi', 'api.json', '--prefix-replay', '--no-emit', '--save', 'r.json'], { cwd: dir })
    expect(code, output).toBe(1)
    const [x] = JSON.parse(await readFile(path.join(dir, 'r.json'), 'utf8')).explorations
    expect(x.status).toBe('failed')
    expect(x.violations).toEqual([])
    const critical = x.issues.filter((i: { severity: string }) => i.severity === 'critical')
    expect(critical).toHaveLength(1)
    expect(critical[0].error).toMatch(new RegExp(`^nothing answers at the base URL http://127\\.0\\.0\\.1:${CLOSED_PORT}/v1: GET http://127\\.0\\.0\\.1:${CLOSED_PORT}/v1/\\w+: connection refused \\(ECONNREFUSED\\) \\(action "\\w+"\\), and a request to its / got no answer either\\. The exploration stopped there`))
    // As `venomqa run` suggests for a step that met no listener.
    expect(critical[0].suggestion).toBe('Nothing is listening at the base URL: start the API, or fix baseUrl / --base-url (or the environment variable the config reads it from, API_URL in the one `venomqa init` writes).')
    expect(output.match(/nothing answers at the base URL/g)).toHaveLength(1)
    expect(output).not.toContain('request_error')
  })
})

describe('a YAML document that shares keys by merge keys (<<: *base)', () => {
  it('reads them merged, as YAML 1.1 and the config do: the schema keeps its type, required properties and bounds', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'venomqa-openapi-merge-'))
    try {
      const text = [
        'openapi: 3.0.3',
        'info: { title: t, version: "1" }',
        'x-thing: &thing',
        '  type: object',
        '  required: [name]',
        '  properties:',
        '    name: { type: string, minLength: 3 }',
        'paths:',
        '  /things:',
        '    post:',
        '      operationId: createThing',
        '      requestBody:',
        '        required: true',
        '        content:',
        '          application/json:',
        '            schema:',
        '              <<: *thing',
        '              additionalProperties: false',
        '      responses:',
        '        "201": { description: ok }',
        '',
      ].join('\n')
      await writeFile(path.join(dir, 'merge.yaml'), text)
      const doc = await loadDocument('merge.yaml', { root: dir })
      const schema = operations(doc)[0]!.requestBody!.schema!
      // Read without merge keys: { '<<': { type, required, properties }, additionalProperties: false }, and every body sent was {}.
      expect(schema).toEqual({ type: 'object', required: ['name'], properties: { name: { type: 'string', minLength: 3 } }, additionalProperties: false })
      const sample = bodyVariants(schema, doc).find((v) => v.variant === 'sample')
      expect(sample?.body).toMatchObject({ name: expect.stringMatching(/^.{3,}$/) })
    } finally {
      await rm(dir, { recursive: true, force: true })
    }
  })
})
