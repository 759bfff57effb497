/**
 * A request body schema that is not JSON Schema (a `pattern` that is no regular expression, a type that
 * is none) is the document's mistake, as a response schema's is: a ConfigError naming its place before
 * anything runs. It used to pass unnoticed: the sampler kept a value that ignored the pattern, the API
 * refused it (or took it), and the exploration said nothing of the document.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import { ConfigError } from '@venomqa/core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { openApiActions, openApiInvariants } from '../src'

let dir: string
const env = () => ({ root: dir, signal: new AbortController().signal })
const doc = (schema: object, components?: object) =>
  JSON.stringify({
    openapi: '3.1.0',
    info: { title: 't', version: '1' },
    paths: {
      '/things': {
        post: {
          operationId: 'createThing',
          requestBody: { required: true, content: { 'application/json': { schema } } },
          responses: { 201: { description: 'made', content: { 'application/json': { schema: { type: 'object' } } } } },
        },
      },
    },
    ...(components ? { components } : {}),
  })

beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'venomqa-request-schema-'))
  await writeFile(path.join(dir, 'bad-pattern.json'), doc({ type: 'object', properties: { sku: { type: 'string', pattern: '^[A-Z' } } }))
  await writeFile(path.join(dir, 'bad-type.json'), doc({ type: 'objekt' }))
  const order = (qty: object) => ({ schemas: { Order: { type: 'object', properties: { lines: { type: 'array', items: { $ref: '#/components/schemas/Line' } } } }, Line: { type: 'object', properties: { qty } } } })
  await writeFile(path.join(dir, 'ref-type.json'), doc({ $ref: '#/components/schemas/Order' }, order({ type: 'int' })))
  await writeFile(path.join(dir, 'ref-pattern.json'), doc({ type: 'object', properties: { order: { $ref: '#/components/schemas/Order' } } }, order({ type: 'string', pattern: '^[0-9' })))
  await writeFile(path.join(dir, 'ok.json'), doc({ type: 'object', properties: { sku: { type: 'string', pattern: '^[A-Z]+$' } }, required: ['sku'] }))
})
afterAll(() => rm(dir, { recursive: true, force: true }))

describe('a request body schema that is not JSON Schema', () => {
  it('is a ConfigError naming its place, for the actions and the invariants alike', async () => {
    for (const load of [() => openApiActions('bad-pattern.json').load(env()), () => openApiInvariants('bad-pattern.json').load(env())]) {
      const err = (await load().catch((e: unknown) => e)) as ConfigError
      expect(err).toBeInstanceOf(ConfigError)
      // The property whose pattern it is, not the whole body: ajv's message names the pattern, not its place.
      expect(err.message).toMatch(/^bad-pattern\.json#\/paths\/~1things\/post\/requestBody\/content\/application~1json\/schema\/properties\/sku: not a valid JSON Schema: .*\^\[A-Z/)
      expect(err.where).toBe('bad-pattern.json#/paths/~1things/post/requestBody/content/application~1json/schema/properties/sku')
    }
    const err = (await openApiActions('bad-type.json').load(env()).catch((e: unknown) => e)) as ConfigError
    expect(err).toBeInstanceOf(ConfigError)
    expect(err.message).toMatch(/^bad-type\.json#\/paths\/~1things\/post\/requestBody\/content\/application~1json\/schema: not a valid JSON Schema: schema is invalid: data\/type must be/)
  })

  it('in a $ref\'d component, named where the mistake is written, not at the request body that refers to it', async () => {
    const type = (await openApiActions('ref-type.json').load(env()).catch((e: unknown) => e)) as ConfigError
    expect(type).toBeInstanceOf(ConfigError)
    expect(type.message).toMatch(/^ref-type\.json#\/components\/schemas\/Line\/properties\/qty: not a valid JSON Schema: schema is invalid: data\/properties\/lines\/items\/properties\/qty\/type must be/)
    expect(type.where).toBe('ref-type.json#/components/schemas/Line/properties/qty')
    // ajv names no place for a pattern that is no regular expression: it is found by walking the schema.
    const pattern = (await openApiInvariants('ref-pattern.json').load(env()).catch((e: unknown) => e)) as ConfigError
    expect(pattern).toBeInstanceOf(ConfigError)
    expect(pattern.message).toMatch(/^ref-pattern\.json#\/components\/schemas\/Line\/properties\/qty: not a valid JSON Schema: .*\^\[0-9/)
    expect(pattern.where).toBe('ref-pattern.json#/components/schemas/Line/properties/qty')
  })

  it('a valid one loads', async () => {
    await expect(openApiActions('ok.json').load(env())).resolves.toBeTruthy()
  })
})
