/**
 * Documents of a shape the code would have crashed on are ConfigErrors naming the file and the place:
 * a `security` that is not a list of requirements, a YAML anchor used inside itself.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import { ConfigError } from '@venomqa/core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { loadDocument, openApiActions, openApiInvariants, operations } from '../src'

let dir: string
const env = () => ({ root: dir, baseUrl: 'http://127.0.0.1:9', signal: new AbortController().signal })

const INFO = { openapi: '3.0.3', info: { title: 't', version: '1' } }
const withSecurity = (root: unknown, own?: unknown) =>
  JSON.stringify({
    ...INFO,
    ...(root !== undefined ? { security: root } : {}),
    paths: { '/a': { get: { operationId: 'getA', ...(own !== undefined ? { security: own } : {}), responses: { 200: { description: 'ok' } } } } },
  })

const ALIAS_CYCLE = `openapi: 3.0.3
info: {title: t, version: "1"}
paths:
  /a:
    get:
      responses:
        "200":
          description: ok
          content:
            application/json:
              schema: &s
                type: object
                properties:
                  self: *s
`
// The same anchor used twice, not inside itself: a tree, shared.
const ALIAS_SHARED = `openapi: 3.0.3
info: {title: t, version: "1"}
paths:
  /a:
    get:
      operationId: getA
      responses:
        "200":
          description: ok
          content:
            application/json:
              schema: &s
                type: object
                properties: {id: {type: integer}}
        "201":
          description: ok
          content:
            application/json:
              schema: *s
`

beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'venomqa-openapi-shapes-'))
  await writeFile(path.join(dir, 'root-string.json'), withSecurity('bearer'))
  await writeFile(path.join(dir, 'root-null-entry.json'), withSecurity([null]))
  await writeFile(path.join(dir, 'operation-object.json'), withSecurity(undefined, { bearer: [] }))
  await writeFile(path.join(dir, 'operation-list-entry.json'), withSecurity([], [['bearer']]))
  await writeFile(path.join(dir, 'fine.json'), withSecurity([{ bearer: [] }], [{}]))
  await writeFile(path.join(dir, 'alias-cycle.yaml'), ALIAS_CYCLE)
  await writeFile(path.join(dir, 'alias-shared.yaml'), ALIAS_SHARED)
  await writeFile(path.join(dir, 'no-paths.yaml'), 'openapi: 3.0.3\ninfo: {title: t, version: "1"}\n')
  await writeFile(path.join(dir, 'empty-paths.json'), JSON.stringify({ ...INFO, paths: {} }))
  await writeFile(path.join(dir, 'no-operation.json'), JSON.stringify({ ...INFO, paths: { '/a': { summary: 'nothing here' } } }))
})
afterAll(() => rm(dir, { recursive: true, force: true }))

describe('a security that is not a list of requirements', () => {
  it.each([
    ['root-string.json', '#/security: expected a list of security requirements, got string'],
    ['root-null-entry.json', '#/security/0: expected a security requirement (an object by scheme name), got null'],
    ['operation-object.json', '#/paths/~1a/get/security: expected a list of security requirements, got object'],
    ['operation-list-entry.json', '#/paths/~1a/get/security/0: expected a security requirement (an object by scheme name), got an array'],
  ])('%s', async (file, message) => {
    for (const load of [() => loadDocument(file, { root: dir }), () => openApiActions(file).load(env()), () => openApiInvariants(file).load(env())]) {
      const err = await load().catch((e: unknown) => e)
      expect(err).toBeInstanceOf(ConfigError)
      expect((err as Error).message).toBe(`${file}${message}`)
      expect((err as ConfigError).where).toBe(`${file}${message.slice(0, message.indexOf(': '))}`)
    }
  })

  it('a list of requirements loads, the operation secured by the root one', async () => {
    const [op] = operations(await loadDocument('fine.json', { root: dir }))
    expect(op!.secured).toBe(false)
  })
})

describe('a YAML anchor used inside itself', () => {
  it('is refused, naming the place where it points back, with no stack overflow', async () => {
    for (const load of [() => loadDocument('alias-cycle.yaml', { root: dir }), () => openApiActions('alias-cycle.yaml').load(env())]) {
      const err = await load().catch((e: unknown) => e)
      expect(err).toBeInstanceOf(ConfigError)
      expect((err as Error).message).toMatch(
        /^alias-cycle\.yaml#\/paths\/~1a\/get\/responses\/200\/content\/application~1json\/schema\/properties\/self: a YAML alias here points back to a node that holds it/,
      )
      expect((err as ConfigError).where).toBe('alias-cycle.yaml#/paths/~1a/get/responses/200/content/application~1json/schema/properties/self')
    }
  })

  it('an anchor used twice, not inside itself, loads', async () => {
    const actions = await openApiActions('alias-shared.yaml').load(env())
    expect(actions.map((a) => a.name)).toEqual(['getA'])
  })
})

describe('a document with no operation', () => {
  // It used to reach the exploration as "source openapi:no-paths.yaml gave none", naming neither the file's
  // place nor what was missing.
  it.each([
    ['no-paths.yaml', 'it has no `paths`'],
    ['empty-paths.json', 'its `paths` are empty'],
    ['no-operation.json', 'its `paths` hold no operation (get, put, post, delete, patch, ...)'],
  ])('%s is refused, naming the file and what it lacks', async (file, why) => {
    for (const load of [() => openApiActions(file).load(env()), () => openApiInvariants(file).load(env())]) {
      const err = await load().catch((e: unknown) => e)
      expect(err).toBeInstanceOf(ConfigError)
      expect((err as Error).message).toBe(`${file}#/paths: no operation to explore: ${why}`)
      expect((err as ConfigError).where).toBe(`${file}#/paths`)
    }
  })
})
