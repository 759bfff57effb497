/**
 * A failed step that sent one request keeps that request's own error with it (`requestError`): a
 * connection refused, a timeout. The results file has it masked as the rest, and the Markdown report says
 * it where it said "no response"; a request that was answered has none.
 */
import http from 'node:http'
import type { AddressInfo } from 'node:net'
import { type RunResult, type StepResult, assertStatus, journey, redactResults, step } from '@venomqa/core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createRunner, renderJUnit, renderMarkdown } from '../src/index'

const SECRET = 'sk_live_4f3e2d1c0b9a8877'

let closedBase: string
let server: http.Server
let base: string

beforeAll(async () => {
  // A port nothing listens on any more: every request to it is refused.
  const gone = http.createServer()
  await new Promise<void>((r) => gone.listen(0, '127.0.0.1', r))
  closedBase = `http://127.0.0.1:${(gone.address() as AddressInfo).port}`
  await new Promise<void>((r) => gone.close(() => r()))
  server = http.createServer((req, res) => {
    req.resume()
    res.writeHead(404, { 'content-type': 'application/json' }).end('{"error":"no such thing"}')
  })
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
})
afterAll(() => new Promise<void>((r) => server.close(() => r())))

async function saved(baseUrl: string, steps: Parameters<typeof journey>[1]['steps']): Promise<RunResult> {
  const runner = createRunner({ baseUrl, http: { retry: false } })
  try {
    const run = await runner.run(journey('j', { steps }))
    // As `--save` writes it, and `venomqa report` reads it back.
    return JSON.parse(JSON.stringify(redactResults(run))) as RunResult
  } finally {
    await runner.close()
  }
}
const stepOf = (run: RunResult) => run.journeys[0]!.nodes.find((n): n is StepResult => n.kind === 'step')!

describe("a failed step's one request that got no response", () => {
  it('keeps its own error, masked, and the Markdown report shows it instead of "no response"', async () => {
    const run = await saved(closedBase, [step('fetch', ({ http }) => http.get(`/things?api_key=${SECRET}`))])
    const s = stepOf(run)
    expect(s.status).toBe('failed')
    expect(s.request?.url).toBe(`${closedBase}/things?api_key=[REDACTED]`)
    expect(s).not.toHaveProperty('exchanges')
    // The request's own error, masked as the step's error (which says the same here) is.
    expect(s.requestError).toMatch(new RegExp(`^GET ${closedBase}/things\\?api_key=\\[REDACTED\\]: connection refused \\(ECONNREFUSED\\)$`))
    expect(s.requestError).toBe(s.error?.message)
    const md = renderMarkdown(run)
    expect(md).toContain(`# GET ${closedBase}/things?api_key=[REDACTED] → failed: ${s.requestError}\n`)
    expect(md).not.toContain('no response')
    expect(renderJUnit(run)).toContain('connection refused (ECONNREFUSED)')
    expect(JSON.stringify(run) + md).not.toContain(SECRET)
  })

  it('is said even when the step failed for something else than the request (it caught the error)', async () => {
    const run = await saved(closedBase, [
      step('tolerant', async ({ http }) => {
        const got = await http.get('/things').catch(() => undefined)
        if (!got) throw new Error('no thing to look at')
      }),
    ])
    const s = stepOf(run)
    expect(s.error?.message).toBe('no thing to look at')
    expect(s.requestError).toBe(`GET ${closedBase}/things: connection refused (ECONNREFUSED)`)
    expect(renderMarkdown(run)).toContain(`→ failed: GET ${closedBase}/things: connection refused (ECONNREFUSED)`)
  })

  it('a request that was answered has none', async () => {
    const run = await saved(base, [step('missing', async ({ http }) => assertStatus(await http.get('/things'), 200))])
    const s = stepOf(run)
    expect(s.status).toBe('failed')
    expect(s.response?.status).toBe(404)
    expect(s).not.toHaveProperty('requestError')
  })
})
