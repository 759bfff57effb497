/**
 * An operation whose request body the sampler cannot make valid (a schema it cannot meet, or one no value
 * meets that findUnsatisfiable does not tell: a list of booleans, each at most once, with three items) is
 * not sent as if its body were valid. It was: the typical body went out with every input, the API refused
 * each one as the document says it should, the refusals counted as the API keeping its rules, nothing
 * after the operation was explored, and the run passed. Now an operation with no valid body is left out,
 * and one whose typical body only is refused is sent with the bodies the schema accepts; either way the
 * user is told once, with the operation, the schema's place and the check that failed.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { openApiActions } from '../src'

let dir: string

const doc = (schema: object, required = true) =>
  JSON.stringify({
    openapi: '3.1.0',
    info: { title: 't', version: '1' },
    paths: {
      '/flags': {
        post: {
          operationId: 'setFlags',
          requestBody: { required, content: { 'application/json': { schema } } },
          responses: { 201: { description: 'set' } },
        },
      },
      '/things': { get: { operationId: 'listThings', responses: { 200: { description: 'listed' } } } },
    },
  })

/** Three booleans, no two the same: no value meets it, and the sampler sends `[true, true, true]`. */
const FLAGS = { type: 'array', uniqueItems: true, minItems: 3, items: { type: 'boolean' } }
/** A value that the sampler makes (`name-1`, its name's) and the schema refuses; its required-only body (`{}`) is valid. */
const NAMED = { type: 'object', properties: { name: { type: 'string', not: { const: 'name-1' } } } }

beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'venomqa-unsampled-'))
  await writeFile(path.join(dir, 'flags.json'), doc(FLAGS))
  await writeFile(path.join(dir, 'optional-flags.json'), doc(FLAGS, false))
  await writeFile(path.join(dir, 'named.json'), doc(NAMED))
})
afterAll(() => rm(dir, { recursive: true, force: true }))

async function load(file: string) {
  const warnings: string[] = []
  const env = { root: dir, signal: new AbortController().signal, warn: (m: string) => warnings.push(m) }
  const actions = await openApiActions(file).load(env)
  // The CLI loads the sources before the search, the engine again: told once all the same.
  await openApiActions(file).load(env)
  return { actions, warnings }
}

describe('a request body the sampler cannot make valid', () => {
  it('with no valid body at all, the operation is not explored, and the user is told why and where', async () => {
    const { actions, warnings } = await load('flags.json')
    expect(actions.map((a) => a.name)).toEqual(['listThings'])
    expect(warnings).toEqual([
      "POST /flags (setFlags): the request body the sampler made does not meet its schema at flags.json#/paths/~1flags/post/requestBody/content/application~1json/schema ((the body) must NOT have duplicate items (items ## 2 and 1 are identical) (schema #/uniqueItems)), and no other body it made does: the operation is not explored. To explore it, give the request body an `example` the schema accepts, or exclude the operation (openapi.exclude)",
    ])
  })

  it('with an optional body, the operation is sent without one only', async () => {
    const { actions, warnings } = await load('optional-flags.json')
    const setFlags = actions.find((a) => a.name === 'setFlags')!
    const inputs = (setFlags.options.inputs as (view: unknown) => { body?: string }[])({ ctx: { has: () => false } })
    expect(inputs.map((i) => i.body)).toEqual(['empty', 'no-body'])
    expect(warnings).toHaveLength(1)
    expect(warnings[0]).toMatch(/^POST \/flags \(setFlags\): the request body the sampler made does not meet its schema at .*: it is not sent, and the operation is explored with the 1 body the schema accepts \(no-body\)\./)
  })

  it('a typical body refused beside valid ones is not sent, and said once', async () => {
    const { actions, warnings } = await load('named.json')
    const named = actions.find((a) => a.name === 'setFlags')!
    const inputs = (named.options.inputs as (view: unknown) => { body?: string }[])({ ctx: { has: () => false } })
    expect(inputs.map((i) => i.body)).not.toContain('sample')
    expect(inputs.map((i) => i.body)).toContain('required')
    expect(warnings).toHaveLength(1)
    expect(warnings[0]).toMatch(/^POST \/flags \(setFlags\): the request body the sampler made does not meet its schema at named\.json#\/paths\/~1flags\/post\/requestBody\/content\/application~1json\/schema \(\/name must NOT be valid \(schema #\/properties\/name\/not\)\): it is not sent/)
  })
})
