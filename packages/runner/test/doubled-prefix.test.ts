/**
 * A base URL that ends in the API's prefix (`http://host/api`) and steps whose paths start with it too
 * (`/api/items`) send `/api/api/items`, and every step failed with the generic 404 advice ("check the path
 * and that the id ... was created by an earlier step"), which sent the user to the ids. The suggestion now
 * names the doubled prefix and where it comes from.
 */
import http from 'node:http'
import { journey, step } from '@venomqa/core'
import { type LocalServer, listenLocally } from '@venomqa/test-utils'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createRunner } from '../src/index'

let app: LocalServer
beforeAll(async () => {
  // The API under /api: /api/items answers, anything else is a 404.
  app = await listenLocally(
    http.createServer((req, res) => {
      res.statusCode = req.url === '/api/items' ? 200 : 404
      res.setHeader('content-type', 'application/json')
      res.end(JSON.stringify(req.url === '/api/items' ? [] : { error: 'not found' }))
    }),
  )
})
afterAll(() => app?.close())

const listItems = journey('items', { steps: [step('list', ({ http }) => http.get('/api/items'))] })

describe('a 404 at a URL whose path starts with a segment twice', () => {
  it('suggests the base URL and the paths both hold the prefix', async () => {
    const runner = createRunner({ baseUrl: `${app.url}/api` })
    const result = await runner.run([listItems])
    await runner.close()
    const [issue] = result.journeys[0]!.issues
    expect(issue).toMatchObject({ step: 'list', kind: 'http-status', response: { status: 404 } })
    expect(issue!.request!.url).toBe(`${app.url}/api/api/items`)
    expect(issue!.suggestion).toMatch(/^Not found, and the URL's path starts with \/api\/api\/: most often the base URL ends in \/api and the step's path starts with \/api too/)
  })

  it('keeps the usual advice for a 404 elsewhere', async () => {
    const runner = createRunner({ baseUrl: app.url })
    const result = await runner.run([journey('missing', { steps: [step('get', ({ http }) => http.get('/api/items/7'))] })])
    await runner.close()
    expect(result.journeys[0]!.issues[0]!.suggestion).toMatch(/^Not found: check the path/)
  })

  it('passes where the base URL holds the prefix once', async () => {
    const runner = createRunner({ baseUrl: app.url })
    const result = await runner.run([listItems])
    await runner.close()
    expect(result.status).toBe('passed')
  })
})
