/**
 * openApiSetup in a hand-written `.explore.ts` gives no `root`: it reads its document from where the
 * exploration's sources of the same document read it (the project root), not from the working directory.
 */
import http from 'node:http'
import type { AddressInfo } from 'node:net'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import { journey } from '@venomqa/core'
import { createRunner } from '@venomqa/runner'
import { afterAll, beforeAll, expect, it } from 'vitest'
import { openApiActions, openApiSetup } from '../src'

let dir: string
let server: http.Server
let baseUrl: string
const seen: { url?: string; authorization?: string }[] = []

const DOCUMENT = {
  openapi: '3.0.3',
  info: { title: 'me', version: '1' },
  security: [{ bearer: [] }],
  components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } } },
  paths: { '/me': { get: { operationId: 'getMe', responses: { 200: { description: 'ok' }, 401: { description: 'no' } } } } },
}

beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'venomqa-openapi-setup-root-'))
  await writeFile(path.join(dir, 'me-api.json'), JSON.stringify(DOCUMENT))
  server = http.createServer((req, res) => {
    seen.push({ url: req.url, authorization: req.headers.authorization })
    res.writeHead(req.headers.authorization === 'Bearer tok-123' ? 200 : 401, { 'content-type': 'application/json' }).end('{}')
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
})

afterAll(async () => {
  await new Promise((resolve) => server.close(resolve))
  await rm(dir, { recursive: true, force: true })
})

it('reads the document from the root its action source was given, not from the working directory', async () => {
  expect(process.cwd()).not.toBe(dir)
  // As the explore engine does: the sources load (with the project root) before the setup runs.
  await openApiActions('me-api.json').load({ root: dir, signal: new AbortController().signal })
  const runner = createRunner({ baseUrl })
  try {
    const result = await runner.run(journey('setup', { steps: openApiSetup('me-api.json', { auth: { bearer: 'tok-123' } }) }))
    expect(result.journeys[0]?.issues.map((i) => i.error)).toEqual([])
    expect(result.status).toBe('passed')
  } finally {
    await runner.close()
  }
  // The bearer check ran against the document's secured GET: the document was read.
  expect(seen).toContainEqual({ url: '/me', authorization: 'Bearer tok-123' })
})
