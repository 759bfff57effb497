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
const doc = (schema: object) =>
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
  })

beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'venomqa-request-schema-'))
  await writeFile(path.join(dir, 'bad-pattern.json'), doc({ type: 'object', properties: { sku: { type: 'string', pattern: '^[A-Z' } } }))
  await writeFile(path.join(dir, 'bad-type.json'), doc({ type: 'objekt' }))
  await writeFile(path.join(dir, 'ok.json'), doc({ type: 'object', properties: { sku: { type: 'string', pattern: '^[A-Z]+$' } }, required: ['sku'] }))
})
afterAll(() => rm(dir, { recursive: true, force: true }))

describe('a request body schema that is not JSON Schema', () => {
  it('is a ConfigError naming its place, for the actions and the invariants alike', async () => {
    for (const load of [() => openApiActions('bad-pattern.json').load(env()), () => openApiInvariants('bad-pattern.json').load(env())]) {
      const err = (await load().catch((e: unknown) => e)) as ConfigError
      expect(err).toBeInstanceOf(ConfigError)
      expect(err.message).toMatch(/^bad-pattern\.json#\/paths\/~1things\/post\/requestBody\/content\/application~1json\/schema: not a valid JSON Schema: .*\^\[A-Z/)
      expect(err.where).toBe('bad-pattern.json#/paths/~1things/post/requestBody/content/application~1json/schema')
    }
    const err = (await openApiActions('bad-type.json').load(env()).catch((e: unknown) => e)) as ConfigError
    expect(err).toBeInstanceOf(ConfigError)
    expect(err.message).toMatch(/^bad-type\.json#\/paths\/~1things\/post\/requestBody\/content\/application~1json\/schema: not a valid JSON Schema: schema is invalid: data\/type must be/)
  })

  it('a valid one loads', async () => {
    await expect(openApiActions('ok.json').load(env())).resolves.toBeTruthy()
  })
})
