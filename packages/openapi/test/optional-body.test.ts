/**
 * A request body the document does not require (`requestBody.required` false or absent) may be left out,
 * and an API that fails when it is (reading a property of nothing) was never found: every request sent one.
 * Such an operation is also sent with no body and no content type, as the variant `no-body`, after the
 * others; a required body never is.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import type { ExploreAction, ExploreActionArgs, HttpClient, StateView } from '@venomqa/core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { bodyVariants, openApiActions } from '../src'

const HOLD = { type: 'object', properties: { note: { type: 'string', maxLength: 20 } } }

describe('the variants of an optional body', () => {
  it('end with no body at all; those of a required one do not, and are as they were', () => {
    const required = bodyVariants(HOLD as never)
    // `empty` is `{}`, the required-only body here: given once, as `required`.
    expect(required.map((b) => b.variant)).toEqual(['sample', 'required', 'min', 'max'])
    const optional = bodyVariants(HOLD as never, undefined, { optional: true })
    expect(optional).toEqual([...required, { variant: 'no-body', body: undefined }])
  })

  it('give no body once, for a schema that has no empty value (already sent as no-body)', () => {
    const bodies = bodyVariants({ type: 'integer', minimum: 1, maximum: 3 } as never, undefined, { optional: true })
    expect(bodies.filter((b) => b.body === undefined)).toEqual([{ variant: 'no-body', body: undefined }])
  })
})

describe('the action of an operation whose body is optional', () => {
  let dir: string
  const signal = new AbortController().signal
  const body = (required?: boolean) => ({ ...(required === undefined ? {} : { required }), content: { 'application/json': { schema: HOLD } } })
  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'venomqa-openapi-optional-body-'))
    const document = {
      openapi: '3.0.3',
      info: { title: 'holds', version: '1' },
      paths: {
        '/holds': { post: { operationId: 'placeHold', requestBody: body(), responses: { 201: { description: 'held' } } } },
        '/notes': { post: { operationId: 'addNote', requestBody: body(false), responses: { 201: { description: 'noted' } } } },
        '/pins': { post: { operationId: 'pin', requestBody: body(true), responses: { 201: { description: 'pinned' } } } },
      },
    }
    await writeFile(path.join(dir, 'api.json'), JSON.stringify(document))
  })
  afterAll(() => rm(dir, { recursive: true, force: true }))

  it('offers no-body when the body is not required (absent or false), and sends no body and no content type', async () => {
    const actions = (await openApiActions('api.json').load({ root: dir, baseUrl: 'http://127.0.0.1:9', signal })) as ExploreAction<any>[]
    const view = { ctx: { has: () => false }, depth: 0, count: () => 0, path: [] } as unknown as StateView
    const inputsOf = (name: string) => actions.find((a) => a.name === name)!.options.inputs!(view, undefined as never)
    expect(inputsOf('placeHold')).toEqual([{ body: 'sample' }, { body: 'required' }, { body: 'min' }, { body: 'max' }, { body: 'no-body' }])
    expect(inputsOf('addNote')).toContainEqual({ body: 'no-body' })
    expect(inputsOf('pin')).not.toContainEqual({ body: 'no-body' })
    const sent: Record<string, unknown>[] = []
    const http = {
      baseUrl: 'http://127.0.0.1:9',
      history: [],
      request: async (_m: string, _p: string, options: Record<string, unknown>) => {
        sent.push(options)
        return { status: 201, headers: {}, bodyText: '', json: () => undefined }
      },
    } as unknown as HttpClient
    const ctx = { get: () => undefined, has: () => false, set() {}, require: () => undefined, keys: () => [] }
    await actions.find((a) => a.name === 'placeHold')!.run({ http, ctx, input: { body: 'no-body' }, signal } as unknown as ExploreActionArgs<any>)
    expect(sent).toEqual([{}])
  })
})
