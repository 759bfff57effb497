/**
 * An operation whose request body the document offers only as a form is sent as that form: an
 * `application/x-www-form-urlencoded` one through the client's `form`, a `multipart/form-data` one as a
 * FormData (the client has no option for it). Sent as JSON, a form-only operation refused every body, and
 * nothing behind it was explored. JSON stays preferred where the operation offers it beside a form. A real
 * server checks the content type and parses the body as a framework would; the record masks a secret field.
 */
import http from 'node:http'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import type { AddressInfo } from 'node:net'
import os from 'node:os'
import path from 'node:path'
import { type ExploreAction, type ExploreActionArgs, journey } from '@venomqa/core'
import { RunnerHttpClient, createRunner } from '@venomqa/runner'
import { afterAll, beforeAll, expect, it } from 'vitest'
import { openApiActions, openApiSetup } from '../src'

/** A password the document gives as an example: sent as it is, and masked in every record. */
const PASSWORD = 'documented-pass-4711'

const object = (properties: Record<string, unknown>) => ({ type: 'object', required: Object.keys(properties), properties })
const FIELDS = object({
  username: { type: 'string', example: 'ada' },
  password: { type: 'string', example: PASSWORD },
  remember: { type: 'boolean', example: true },
  scopes: { type: 'array', items: { type: 'string' }, example: ['read', 'write'] },
})
const operation = (id: string, content: Record<string, unknown>) => ({
  post: { operationId: id, requestBody: { required: true, content }, responses: { 200: { description: 'ok' }, 415: { description: 'not that type' } } },
})
const DOCUMENT = {
  openapi: '3.0.3',
  info: { title: 'forms', version: '1' },
  paths: {
    '/token': operation('getToken', {
      'application/x-www-form-urlencoded': {
        schema: object({ username: { type: 'string', example: 'ada' }, password: { type: 'string', example: PASSWORD } }),
      },
    }),
    '/scopes': operation('setScopes', { 'application/x-www-form-urlencoded': { schema: FIELDS } }),
    '/avatar': operation('uploadAvatar', {
      'multipart/form-data': { schema: object({ ...FIELDS.properties, picture: { type: 'string', format: 'binary', example: 'PNG-bytes' } }) },
    }),
    '/either': operation('either', { 'application/x-www-form-urlencoded': { schema: FIELDS }, 'application/json': { schema: FIELDS } }),
    // An OAuth-style token endpoint: the setup's log-in.
    '/login': operation('logIn', { 'application/x-www-form-urlencoded': { schema: object({ username: { type: 'string' }, password: { type: 'string' } }) } }),
  },
}

/** What the server got: the content type, and the fields as a framework's body parser reads them (a file as `file:<name>:<type>:<text>`). */
interface Received {
  type: string
  fields: [string, string][]
}

let dir: string
let server: http.Server
let client: RunnerHttpClient
let received: Received[] = []
let actions: readonly ExploreAction<any>[]
const signal = new AbortController().signal

beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'venomqa-openapi-forms-'))
  await writeFile(path.join(dir, 'api.json'), JSON.stringify(DOCUMENT))
  server = http.createServer(async (req, res) => {
    let text = ''
    for await (const chunk of req) text += chunk
    const type = req.headers['content-type'] ?? ''
    const parsed = await parse(type, text)
    received.push({ type, fields: parsed ?? [] })
    const answer = req.url === '/login' ? '{"token":"form-token-0123456789"}' : '{"ok":true}'
    res.writeHead(parsed ? 200 : 415, { 'content-type': 'application/json' }).end(parsed ? answer : '{"error":"a form only"}')
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  client = new RunnerHttpClient({ baseUrl: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, retry: false })
  actions = await openApiActions('api.json').load({ root: dir, baseUrl: client.baseUrl, signal })
})

afterAll(async () => {
  server.closeAllConnections()
  await new Promise((resolve) => server.close(resolve))
  await rm(dir, { recursive: true, force: true })
})

/** A form, parsed by its type (fetch's own multipart parser for multipart); JSON as its entries; anything else refused. */
async function parse(type: string, text: string): Promise<[string, string][] | undefined> {
  if (type === 'application/x-www-form-urlencoded') return [...new URLSearchParams(text)]
  if (type.startsWith('application/json')) return Object.entries(JSON.parse(text) as Record<string, unknown>).map(([k, v]) => [k, JSON.stringify(v)])
  if (!type.startsWith('multipart/form-data; boundary=')) return undefined
  const form = await new Request('http://server/', { method: 'POST', headers: { 'content-type': type }, body: text }).formData()
  return Promise.all([...form].map(async ([k, v]): Promise<[string, string]> => [k, typeof v === 'string' ? v : `file:${v.name}:${v.type}:${await v.text()}`]))
}

/** Runs the action named `id` with the real client: what the server got, and the request as the client recorded it. */
async function send(id: string): Promise<{ got: Received; recorded: unknown; status: number }> {
  received = []
  const ctx = { get: () => undefined, has: () => false, set() {}, require: () => undefined, keys: () => [] }
  const res = (await actions.find((a) => a.name === id)!.run({ http: client, ctx, input: {}, signal } as unknown as ExploreActionArgs<any>)) as {
    status: number
  }
  expect(received).toHaveLength(1)
  return { got: received[0]!, recorded: client.lastExchange()!.request.body, status: res.status }
}

it('sends a form-only operation as an urlencoded form, a secret field masked in the record', async () => {
  const { got, recorded, status } = await send('getToken')
  expect(status).toBe(200)
  expect(got).toEqual({
    type: 'application/x-www-form-urlencoded',
    fields: [
      ['username', 'ada'],
      ['password', PASSWORD],
    ],
  })
  expect(recorded).toBe('username=ada&password=[REDACTED]')
})

it("sends a list as one field per item, as OpenAPI's default form encoding does", async () => {
  const { got, recorded } = await send('setScopes')
  expect(got.type).toBe('application/x-www-form-urlencoded')
  expect(got.fields).toEqual([
    ['username', 'ada'],
    ['password', PASSWORD],
    ['remember', 'true'],
    ['scopes', 'read'],
    ['scopes', 'write'],
  ])
  expect(recorded).toBe('username=ada&password=[REDACTED]&remember=true&scopes=read&scopes=write')
})

it('sends a multipart-only operation as multipart/form-data, a binary property as a file, a secret part masked in the record', async () => {
  const first = await send('uploadAvatar')
  expect(first.status).toBe(200)
  expect(first.got.fields).toEqual([
    ['username', 'ada'],
    ['password', PASSWORD],
    ['remember', 'true'],
    ['scopes', 'read'],
    ['scopes', 'write'],
    ['picture', 'file:picture:application/octet-stream:PNG-bytes'],
  ])
  expect(first.recorded).toEqual(expect.stringContaining('Content-Disposition: form-data; name="password"\r\n\r\n[REDACTED]\r\n'))
  expect(String(first.recorded)).not.toContain(PASSWORD)
  // The same body is the same text every time: a regression journey written from it is the same file.
  const again = await send('uploadAvatar')
  expect(again.got.type).toBe(first.got.type)
  expect(again.recorded).toBe(first.recorded)
})

it('sends JSON where the operation offers JSON beside a form', async () => {
  const { got } = await send('either')
  expect(got.type).toBe('application/json')
  expect(got.fields).toEqual([
    ['username', '"ada"'],
    ['password', `"${PASSWORD}"`],
    ['remember', 'true'],
    ['scopes', '["read","write"]'],
  ])
})

it('logs in through a form-only log-in operation with a form', async () => {
  received = []
  const runner = createRunner({ baseUrl: client.baseUrl })
  try {
    const credentials = { username: 'ada', password: PASSWORD }
    const result = await runner.run(journey('setup', { steps: openApiSetup('api.json', { root: dir, auth: { login: 'logIn', credentials } }) }))
    expect(result.journeys[0]?.issues.map((i) => i.error)).toEqual([])
    expect(result.status).toBe('passed')
  } finally {
    await runner.close()
  }
  expect(received).toEqual([
    {
      type: 'application/x-www-form-urlencoded',
      fields: [
        ['username', 'ada'],
        ['password', PASSWORD],
      ],
    },
  ])
})
