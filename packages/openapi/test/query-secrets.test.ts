/**
 * A required query parameter with a secret name (by the rule redaction masks a URL's query by,
 * isSecretQueryName: `session`, `key`, `sig`, `access_token`) and no example is sent a value that says it
 * was made up, as a secret-named body field is: a report shows it, and a regression journey sends it as it
 * is. Sampled as 'string', it was masked in the record, and the journey read it from a variable whose value
 * no one could know.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import { type ExploreActionArgs, type HttpClient, MADE_UP_SECRET_PREFIX, redactUrl } from '@venomqa/core'
import { afterAll, beforeAll, expect, it } from 'vitest'
import { openApiActions } from '../src'

let dir: string
const signal = new AbortController().signal

const query = (name: string, schema: Record<string, unknown> = { type: 'string' }) => ({ name, in: 'query', required: true, schema })
const DOCUMENT = {
  openapi: '3.0.3',
  info: { title: 't', version: '1' },
  paths: {
    '/me': {
      get: {
        operationId: 'getMe',
        parameters: [
          query('session'),
          query('sig', { type: 'string', minLength: 40 }),
          query('access_token', { type: 'string', example: 'documented-token' }),
          query('page_token'),
          query('q'),
          query('limit', { type: 'integer' }),
        ],
        responses: { 200: { description: 'ok' } },
      },
    },
  },
}

beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'venomqa-openapi-query-secrets-'))
  await writeFile(path.join(dir, 'api.json'), JSON.stringify(DOCUMENT))
})
afterAll(() => rm(dir, { recursive: true, force: true }))

it('a secret query parameter is sent a made-up value, the others as sampled, an example as documented', async () => {
  const [getMe] = await openApiActions('api.json').load({ root: dir, baseUrl: 'http://127.0.0.1:9', signal })
  const sent: { query?: Record<string, unknown> }[] = []
  const http = {
    baseUrl: 'http://127.0.0.1:9',
    request: async (_method: string, _path: string, options: { query?: Record<string, unknown> }) => {
      sent.push(options)
      return { status: 200, headers: {}, bodyText: '{}', json: () => ({}) }
    },
  } as unknown as HttpClient
  const ctx = { get: () => undefined, has: () => false, set() {}, require: () => undefined, keys: () => [] }
  await getMe!.run({ http, ctx, input: {}, signal } as unknown as ExploreActionArgs<any>)
  expect(sent[0]!.query).toEqual({
    session: `${MADE_UP_SECRET_PREFIX}session-1`,
    sig: `${MADE_UP_SECRET_PREFIX}sig-1`.padEnd(40, 'x'),
    access_token: 'documented-token',
    // A cursor opens nothing, and the rest are no secrets: as the sampler gives them.
    page_token: 'string',
    q: 'string',
    // As the URL writes it: each value is the text its parameter's style makes.
    limit: '1',
  })
  // What the request line of a report shows: the made-up values as sent, the documented token masked.
  const url = `http://127.0.0.1:9/me?${new URLSearchParams(sent[0]!.query as Record<string, string>)}`
  expect(redactUrl(url)).toBe(url.replace('documented-token', '[REDACTED]'))
})
