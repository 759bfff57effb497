/**
 * A sign-up or a log-in the API refuses fails the setup, quoting the start of the answer. An answer that
 * echoes the password (or a token) past the quote's end was cut inside the secret, and what was left of
 * it was no longer the secret the run knows: it reached the step's error, and every report, unmasked.
 */
import http from 'node:http'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import { type RunResult, journey } from '@venomqa/core'
import { createRunner } from '@venomqa/runner'
import { type LocalServer, listenLocally } from '@venomqa/test-utils'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { openApiSetup } from '../src'
import type { OpenApiAuth } from '../src/model'

const PASSWORD = 'correct-horse-battery-staple-0123'
const credentials = { type: 'object', properties: { username: { type: 'string' }, password: { type: 'string' } } }
const DOCUMENT = {
  openapi: '3.0.3',
  info: { title: 'auth', version: '1' },
  paths: {
    '/users': { post: { operationId: 'signUp', requestBody: { content: { 'application/json': { schema: credentials } } }, responses: { 201: { description: 'made' } } } },
    '/login': { post: { operationId: 'logIn', requestBody: { content: { 'application/json': { schema: credentials } } }, responses: { 200: { description: 'ok' } } } },
  },
}

let dir: string
let server: LocalServer

beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'venomqa-openapi-auth-errors-'))
  await writeFile(path.join(dir, 'api.json'), JSON.stringify(DOCUMENT))
  // Refuses every sign-up and log-in, echoing the password where a quote of 200 characters ends inside it.
  server = await listenLocally(
    http.createServer((req, res) => {
      let text = ''
      req.on('data', (d) => (text += d))
      req.on('end', () => {
        const { password } = JSON.parse(text || '{}') as { password?: string }
        const message = `${'refused: '.padEnd(170, '.')} password ${password} is not allowed here`
        res.writeHead(req.url === '/users' ? 409 : 401, { 'content-type': 'application/json' }).end(JSON.stringify({ message }))
      })
    }),
  )
})
afterAll(async () => {
  await server.close()
  await rm(dir, { recursive: true, force: true })
})

async function setupError(auth: OpenApiAuth): Promise<string> {
  const runner = createRunner({ baseUrl: server.url })
  let result: RunResult
  try {
    result = await runner.run(journey('setup', { steps: openApiSetup('api.json', { root: dir, auth }) }))
  } finally {
    await runner.close()
  }
  const failed = result.journeys[0]!.nodes.find((n) => n.kind === 'step' && n.status === 'failed') as { error?: { message: string } } | undefined
  expect(failed?.error?.message).toBeDefined()
  return failed!.error!.message
}

describe('a refused sign-up or log-in', () => {
  it('quotes the answer with no part of a secret it echoes', async () => {
    for (const auth of [
      { signUp: 'signUp', login: 'logIn', credentials: { username: 'ada', password: PASSWORD } },
      { login: 'logIn', credentials: { username: 'ada', password: PASSWORD } },
    ]) {
      const message = await setupError(auth)
      expect(message).toMatch(/^(sign-up|log-in) POST \/(users|login) \((signUp|logIn)\) answered (409|401): /)
      expect(message).toContain('refused: ....')
      expect(message).not.toContain(PASSWORD.slice(0, 8))
    }
  })
})
