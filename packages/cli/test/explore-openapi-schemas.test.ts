import { readFile, readdir, symlink, writeFile } from 'node:fs/promises'
import http from 'node:http'
import type { AddressInfo } from 'node:net'
import path from 'node:path'
import { REPO_ROOT } from '@venomqa/test-utils'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type Project, assertBuilt, makeProject, cliHost } from './helpers/project'

/** This file's commands run in one process of the built CLI (see CliHost), but those that need one of their own. */
const host = cliHost()

/**
 * `venomqa explore --openapi` (the built binary) on documents that are valid but unusual: recursive
 * schemas, a writeOnly property the responses leave out, bounds the sampled bodies must keep. The API
 * runs in this process, outside the CLI's, keeps its items in memory and rolls them back through the
 * http-control protocol; it refuses with 422 every body its schema refuses, as a validating API does.
 */

interface Item {
  id: number
  [key: string]: unknown
}

interface App {
  url: string
  /** Bodies the app refused with 422, with why. */
  refused: { body: unknown; why: string }[]
  /** GET /nodes/{id} answers a grandchild without its required name. */
  brokenNodes: boolean
  stop(): Promise<void>
}

/** Why the Thing body breaks the document's schema (readOnly properties are not sent), or undefined. */
function thingProblem(body: Record<string, unknown> | undefined): string | undefined {
  if (!body || typeof body !== 'object') return 'no body'
  for (const key of ['email', 'password', 'code', 'qty', 'ratio', 'tags']) if (!(key in body)) return `no ${key}`
  if (typeof body.password !== 'string' || body.password.length < 8) return 'password shorter than 8'
  if (typeof body.code !== 'string' || !/^[A-Z]{3}-[0-9]{4}$/.test(body.code)) return `code ${JSON.stringify(body.code)} does not match ^[A-Z]{3}-[0-9]{4}$`
  if (typeof body.qty !== 'number' || body.qty % 5 !== 0 || body.qty < 0 || body.qty > 100) return `qty ${body.qty} is no multiple of 5 in 0..100`
  if (typeof body.ratio !== 'number' || body.ratio < 0 || body.ratio >= 1) return `ratio ${body.ratio} is not in [0, 1)`
  const tags = body.tags as unknown[]
  if (!Array.isArray(tags) || tags.length < 2 || new Set(tags.map((t) => JSON.stringify(t))).size !== tags.length) return `tags ${JSON.stringify(tags)} are not 2 or more different ones`
  if (body.kind !== undefined && body.kind !== 'thing') return `kind ${JSON.stringify(body.kind)} is not "thing"`
  return undefined
}

async function startApp(): Promise<App> {
  let data: { nodes: Item[]; things: Item[]; next: number } = { nodes: [], things: [], next: 1 }
  let checkpoints: { name: string; data: typeof data }[] = []
  const app: App = { url: '', refused: [], brokenNodes: false, stop: async () => {} }
  const server = http.createServer(async (req, res) => {
    let text = ''
    for await (const chunk of req) text += chunk
    const send = (status: number, body?: unknown) => {
      res.writeHead(status, body === undefined ? {} : { 'content-type': 'application/json' })
      res.end(body === undefined ? '' : JSON.stringify(body))
    }
    const url = new URL(req.url!, 'http://x')
    const body = text ? JSON.parse(text) : undefined
    if (url.pathname.startsWith('/__venomqa/')) {
      const route = url.pathname.slice('/__venomqa/'.length)
      const at = checkpoints.findIndex((c) => c.name === body?.name)
      if (route === 'checkpoint') checkpoints = [...(at >= 0 ? checkpoints.slice(0, at) : checkpoints), { name: body.name, data: structuredClone(data) }]
      else if (route === 'rollback') {
        if (at < 0) return send(404, { error: `no checkpoint ${body?.name}` })
        data = structuredClone(checkpoints[at]!.data)
        checkpoints = checkpoints.slice(0, at + 1)
      } else if (route === 'release' && at >= 0) checkpoints = checkpoints.slice(0, at)
      return send(200, { nodes: data.nodes.length, things: data.things.length })
    }
    const { pathname } = url
    if (pathname === '/nodes' && req.method === 'GET') return send(200, data.nodes)
    if (pathname === '/nodes' && req.method === 'POST') {
      if (typeof body?.name !== 'string') return send(422, { error: 'name is required' })
      const node = { id: data.next++, name: body.name, children: [] }
      data.nodes.push(node)
      return send(201, node)
    }
    const node = /^\/nodes\/(\d+)$/.exec(pathname)
    if (node) {
      const found = data.nodes.find((n) => n.id === Number(node[1]))
      if (!found) return send(404, { error: 'no such node' })
      if (req.method === 'DELETE') {
        data.nodes = data.nodes.filter((n) => n !== found)
        return send(204)
      }
      return send(200, app.brokenNodes ? { ...found, children: [{ id: found.id + 100, name: 'child', children: [{ id: found.id + 200 }] }] } : found)
    }
    if (pathname === '/things' && req.method === 'POST') {
      const why = thingProblem(body)
      if (why) {
        app.refused.push({ body, why })
        return send(422, { error: why })
      }
      // The password is written, never read back: the answer leaves it out, as the document's writeOnly says.
      const { password: _password, ...rest } = body
      const thing = { ...rest, id: data.next++, createdAt: '2030-01-01T00:00:00Z' }
      data.things.push(thing)
      return send(201, thing)
    }
    if (pathname === '/accounts' && req.method === 'POST') {
      if (typeof body?.email !== 'string' || typeof body?.password !== 'string') return send(422, { error: 'email and password are required' })
      return send(201, { id: data.next++, email: body.email })
    }
    // A vault store that breaks on the secret it is given: a 500 the regression journey must send the secret to meet.
    if (pathname === '/vaults' && req.method === 'POST') {
      if (typeof body?.name !== 'string' || typeof body?.secret !== 'string') return send(422, { error: 'name and secret are required' })
      return send(500, { error: 'the vault store is down' })
    }
    // A session store that breaks on the session it is given in the query.
    if (pathname === '/sessions/me' && req.method === 'GET') {
      if (!url.searchParams.get('session')) return send(401, { error: 'no session' })
      return send(500, { error: 'the session store is down' })
    }
    const thing = /^\/things\/(\d+)$/.exec(pathname)
    if (thing && req.method === 'GET') {
      const found = data.things.find((t) => t.id === Number(thing[1]))
      return found ? send(200, found) : send(404, { error: 'no such thing' })
    }
    send(404, { error: `no route ${req.method} ${pathname}` })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  app.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  app.stop = () => new Promise((resolve) => server.close(() => resolve()))
  return app
}

/** A node holds nodes: the schema refers to itself. */
function nodesDocument(version: '3.0.3' | '3.1.0') {
  const node = { $ref: '#/components/schemas/Node' }
  return {
    openapi: version,
    info: { title: 'nodes', version: '1' },
    paths: {
      '/nodes': {
        get: { operationId: 'listNodes', responses: { 200: { description: 'ok', content: { 'application/json': { schema: { type: 'array', items: node } } } } } },
        post: {
          operationId: 'createNode',
          requestBody: { required: true, content: { 'application/json': { schema: { type: 'object', required: ['name'], properties: { name: { type: 'string' } } } } } },
          responses: { 201: { description: 'created', content: { 'application/json': { schema: node } } }, 422: { description: 'invalid' } },
        },
      },
      '/nodes/{id}': {
        parameters: [{ name: 'id', in: 'path', required: true, schema: { type: 'integer' } }],
        get: { operationId: 'getNode', responses: { 200: { description: 'ok', content: { 'application/json': { schema: node } } }, 404: { description: 'gone' } } },
        delete: { operationId: 'deleteNode', responses: { 204: { description: 'deleted' }, 404: { description: 'gone' } } },
      },
    },
    components: {
      schemas: {
        Node: {
          type: 'object',
          required: ['id', 'name', 'children'],
          properties: { id: { type: 'integer' }, name: { type: 'string' }, children: { type: 'array', items: node } },
        },
      },
    },
  }
}

const THINGS = `openapi: 3.1.0
info: {title: things, version: '1'}
paths:
  /things:
    post:
      operationId: createThing
      requestBody:
        required: true
        content:
          application/json:
            schema: {$ref: '#/components/schemas/Thing'}
      responses:
        '201':
          description: created
          content:
            application/json:
              schema: {$ref: '#/components/schemas/Thing'}
        '422': {description: invalid}
  /things/{thingId}:
    get:
      operationId: getThing
      parameters:
        - {name: thingId, in: path, required: true, schema: {type: integer}}
      responses:
        '200':
          description: ok
          content:
            application/json:
              schema: {$ref: '#/components/schemas/Thing'}
        '404': {description: gone}
components:
  schemas:
    Thing:
      type: object
      required: [id, createdAt, email, password, code, qty, ratio, tags]
      properties:
        id: {type: integer, readOnly: true}
        createdAt: {type: string, format: date-time, readOnly: true}
        password: {type: string, writeOnly: true, minLength: 8}
        email: {type: string, format: email}
        code: {type: string, pattern: '^[A-Z]{3}-[0-9]{4}$'}
        kind: {type: string, const: thing}
        qty: {type: integer, minimum: 0, maximum: 100, multipleOf: 5}
        ratio: {type: number, minimum: 0, exclusiveMaximum: 1}
        tags: {type: array, items: {type: string}, minItems: 2, uniqueItems: true}
`

/** An account's password is written, never read: the answer that leaves it out matches the schema. */
const ACCOUNTS = `openapi: 3.0.3
info: {title: accounts, version: '1'}
paths:
  /accounts:
    post:
      operationId: createAccount
      requestBody:
        required: true
        content:
          application/json:
            schema: {$ref: '#/components/schemas/Account'}
      responses:
        '201':
          description: created
          content:
            application/json:
              schema: {$ref: '#/components/schemas/Account'}
        '422': {description: invalid}
components:
  schemas:
    Account:
      type: object
      required: [id, email, password]
      properties:
        id: {type: integer, readOnly: true}
        email: {type: string, format: email}
        password: {type: string, writeOnly: true}
`

/** A vault's secret is written and never read back. */
const VAULTS = `openapi: 3.0.3
info: {title: vaults, version: '1'}
paths:
  /vaults:
    post:
      operationId: createVault
      requestBody:
        required: true
        content:
          application/json:
            schema:
              type: object
              required: [name, secret]
              properties:
                name: {type: string}
                secret: {type: string, writeOnly: true}
      responses:
        '201': {description: created}
        '422': {description: invalid}
`

/** A session is read from the query (`?session=`), which redaction masks in every request line. */
const SESSIONS = `openapi: 3.0.3
info: {title: sessions, version: '1'}
paths:
  /sessions/me:
    get:
      operationId: getSession
      parameters:
        - {name: session, in: query, required: true, schema: {type: string}}
      responses:
        '200': {description: ok}
        '401': {description: no session}
`

let app: App
let p: Project

describe('venomqa explore --openapi on unusual documents', () => {
  beforeAll(async () => {
    assertBuilt()
    app = await startApp()
    p = await makeProject(null, { CI: 'true' }, host)
    await writeFile(path.join(p.dir, 'package.json'), JSON.stringify({ name: 'odd-docs', private: true, type: 'module' }))
    await writeFile(path.join(p.dir, 'venomqa.json'), JSON.stringify({ baseUrl: app.url, plugins: ['http-control'] }))
    await writeFile(path.join(p.dir, 'nodes-3.0.json'), JSON.stringify(nodesDocument('3.0.3')))
    await writeFile(path.join(p.dir, 'nodes-3.1.json'), JSON.stringify(nodesDocument('3.1.0')))
    await writeFile(path.join(p.dir, 'things.yaml'), THINGS)
    await writeFile(path.join(p.dir, 'accounts.yaml'), ACCOUNTS)
    await writeFile(path.join(p.dir, 'vaults.yaml'), VAULTS)
    await writeFile(path.join(p.dir, 'sessions.yaml'), SESSIONS)
  })
  afterAll(async () => {
    await p?.remove()
    await app?.stop()
  })

  for (const version of ['3.0', '3.1'])
    it(`explores an OpenAPI ${version} document whose schema refers to itself, and checks responses against it to any depth`, async () => {
      app.brokenNodes = false
      const ok = await p.venomqa(['explore', '--openapi', `nodes-${version}.json`, '--depth', '3', '--seed', '1', '--no-emit'])
      expect(ok.stderr).not.toContain('not a valid JSON Schema')
      expect(ok.code).toBe(0)
      // The id of a created Node binds {id}: reading and deleting a node are explored.
      expect(ok.stdout).not.toContain('never enabled')
      expect(ok.stdout).toMatch(/getNode ×[1-9]/)

      app.brokenNodes = true
      const broken = await p.venomqa(['explore', '--openapi', `nodes-${version}.json`, '--depth', '3', '--seed', '1', '--no-emit'])
      expect(broken.code).toBe(1)
      expect(broken.stdout).toContain("GET /nodes/{id} (getNode) answered 200 with a body that does not match its schema: /children/0/children/0 must have required property 'name'")
    })

  it('takes no required writeOnly property missing from an answer for a response_schema violation', async () => {
    const r = await p.venomqa(['explore', '--openapi', 'accounts.yaml', '--depth', '2', '--seed', '1', '--no-emit'])
    expect(r.stdout).not.toContain("must have required property 'password'")
    expect(r.stdout).toMatch(/createAccount ×[1-9]/)
    expect(r.code).toBe(0)
  })

  it('sends bodies that keep pattern, multipleOf, exclusive bounds, const and uniqueItems', async () => {
    app.refused.length = 0
    const r = await p.venomqa(['explore', '--openapi', 'things.yaml', '--depth', '2', '--seed', '1', '--no-emit'])
    // Only the empty body, sent on purpose, breaks the schema.
    expect(app.refused.filter((r) => JSON.stringify(r.body) !== '{}')).toEqual([])
    expect(app.refused.length).toBeGreaterThan(0)
    expect(r.stdout).not.toContain('response_schema')
    expect(r.stdout).toMatch(/getThing ×[1-9]/)
    expect(r.code).toBe(0)
  })

  it('writes a secret-named field it made up into the regression journey as it is: the journey runs with no variable to set', async () => {
    // Sampled as 'secret-1', the value was read from VENOMQA_SECRET_SECRET in the journey: the record had
    // masked it by its key, so the user could not know what to set, and the journey could not run.
    const found = await p.venomqa(['explore', '--openapi', 'vaults.yaml', '--depth', '1', '--seed', '1', '--emit', 'journeys/regressions'])
    expect(found.code, found.stdout + found.stderr).toBe(1)
    const [file] = (await readdir(path.join(p.dir, 'journeys/regressions'))).filter((f) => f.endsWith('.journey.ts'))
    const text = await readFile(path.join(p.dir, 'journeys/regressions', file!), 'utf8')
    expect(text).toContain("'made-up-secret-secret-1'")
    expect(text).not.toContain('VENOMQA_SECRET')
    const replay = await p.venomqa(['run', `journeys/regressions/${file}`])
    expect(replay.stdout + replay.stderr).not.toContain('not set')
    expect(replay.code, replay.stdout + replay.stderr).toBe(1)
    expect(replay.stdout).toContain('500')
    // No one's secret: shown as sent.
  })

  it('writes a secret query parameter it made up (`?session=`) into the regression journey as it is, and shows it in reports', async () => {
    // Sampled as 'string', the value was masked in the request line by its query name, and the journey
    // read it from VENOMQA_SECRET_SESSION, whose value no one could know: it refused to load.
    const found = await p.venomqa(['explore', '--openapi', 'sessions.yaml', '--depth', '1', '--seed', '1', '--emit', 'journeys/sessions'])
    expect(found.code, found.stdout + found.stderr).toBe(1)
    expect(found.stdout).toContain('session=made-up-secret-session-1')
    const [file] = (await readdir(path.join(p.dir, 'journeys/sessions'))).filter((f) => f.endsWith('.journey.ts'))
    const text = await readFile(path.join(p.dir, 'journeys/sessions', file!), 'utf8')
    expect(text).toContain("query: { session: 'made-up-secret-session-1' }")
    expect(text).not.toContain('VENOMQA_SECRET')
    const replay = await p.venomqa(['run', `journeys/sessions/${file}`])
    expect(replay.stdout + replay.stderr).not.toContain('not set')
    expect(replay.code, replay.stdout + replay.stderr).toBe(1)
    expect(replay.stdout).toContain('500')
  })

  it('says when the project cannot load the regression journeys it wrote (no @venomqa/openapi), and not once it can', async () => {
    // Without NODE_PATH, which `pnpm exec` points at the workspace's hoisted packages: the project has
    // @venomqa/core (see makeProject), not @venomqa/openapi, as one that installed the CLI alone with pnpm.
    const env = { NODE_PATH: undefined }
    const args = ['explore', '--openapi', 'vaults.yaml', '--depth', '1', '--seed', '1', '--emit', 'journeys/vaults']
    const without = await p.venomqa(args, { env })
    expect(without.code, without.stdout + without.stderr).toBe(1)
    expect(without.stderr).toContain(
      'venomqa: warning: the regression journeys import @venomqa/openapi, which this project does not have: `venomqa run` cannot load them until it does (npm install -D @venomqa/openapi)\n',
    )
    const [file] = (await readdir(path.join(p.dir, 'journeys/vaults'))).filter((f) => f.endsWith('.journey.ts'))
    const refused = await p.venomqa(['run', `journeys/vaults/${file}`], { env })
    expect(refused.code).toBe(2)
    expect(refused.stderr).toContain("VenomQA's @venomqa/openapi is not installed in this project (npm install -D @venomqa/openapi)")
    await symlink(path.join(REPO_ROOT, 'packages/openapi'), path.join(p.dir, 'node_modules/@venomqa/openapi'), 'dir')
    const withIt = await p.venomqa(args, { env })
    expect(withIt.code).toBe(1)
    expect(withIt.stderr).not.toContain('cannot load them')
    // It loads, and fails as the bug is still there.
    const replay = await p.venomqa(['run', `journeys/vaults/${file}`], { env })
    expect(replay.code, replay.stdout + replay.stderr).toBe(1)
  })
})
