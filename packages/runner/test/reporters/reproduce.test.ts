/**
 * A failed step in every built-in reporter: each request it sent is listed with its status and as the curl
 * command that sends it again, built from the redacted request as it was (not as escaped for a terminal).
 */
import http from 'node:http'
import type { AddressInfo } from 'node:net'
import { PassThrough } from 'node:stream'
import { Context, type HttpExchange, type JourneyResult, RESULTS_SCHEMA_VERSION, type RunResult, type StepResult, curlCommand, journey, redactResults, step, summarize } from '@venomqa/core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createConsoleReporter, createRunner, renderJUnit, renderMarkdown } from '../../src/index'

const TOKEN = 'Bearer tok-9f8e7d6c5b4a'
/** A body a terminal must not get raw (a carriage return, an escape sequence) and a shell must not split. */
const BODY = "it's\r\u001b[2Jdone"

function exchange(attempt: number, status: number | undefined): HttpExchange {
  return {
    request: { method: 'POST', url: 'http://api.test/pay?order=7', headers: { authorization: TOKEN, 'content-type': 'text/plain' }, body: BODY },
    ...(status === undefined ? { error: 'socket hang up' } : { response: { status, headers: { 'content-type': 'application/json' }, body: { error: 'busy' } } }),
    durationMs: 3,
    attempt,
    startedAt: '2026-01-01T00:00:00.000Z',
  }
}

function failedStep(): StepResult {
  const exchanges = [exchange(1, 503), exchange(2, 503), exchange(3, undefined)]
  return {
    kind: 'step',
    name: 'pay',
    status: 'failed',
    expectFailure: false,
    attempts: 1,
    startedAt: '2026-01-01T00:00:00.000Z',
    durationMs: 9,
    error: { kind: 'transport', message: 'POST http://api.test/pay?order=7 failed: socket hang up' },
    request: exchanges[2]!.request,
    exchanges,
  }
}

function runWith(s: StepResult): RunResult {
  const passed: StepResult = { ...failedStep(), name: 'ok', status: 'passed', error: undefined, exchanges: undefined, request: exchange(1, 200).request, response: { status: 200, headers: {} } }
  const j: JourneyResult = {
    name: 'checkout',
    tags: [],
    status: 'failed',
    startedAt: '2026-01-01T00:00:00.000Z',
    durationMs: 12,
    nodes: [passed, s],
    issues: [],
    counts: { steps: { total: 2, passed: 1, failed: 1, skipped: 0 }, paths: { total: 0, passed: 0, failed: 0, skipped: 0 }, branches: 0, checkpoints: 0 },
  }
  return {
    schemaVersion: RESULTS_SCHEMA_VERSION,
    tool: { name: 'venomqa', version: '0.0.0' },
    startedAt: '2026-01-01T00:00:00.000Z',
    finishedAt: '2026-01-01T00:00:01.000Z',
    durationMs: 12,
    status: 'failed',
    interrupted: false,
    backends: [],
    journeys: [j],
    issues: [],
    summary: summarize([j]),
  }
}

/** The commands each request of the failed step must be shown as: from its redacted, unescaped form. */
const expected = () => (redactResults(failedStep()).exchanges ?? []).map((x) => curlCommand(x.request))

function capture() {
  const stream = new PassThrough()
  let text = ''
  stream.on('data', (d) => (text += d))
  return { stream, text: () => text }
}

describe('a failed step in the reporters', () => {
  it('the console lists every request with its status, each with its curl command and the variables to set', async () => {
    const out = capture()
    const r = createConsoleReporter({ stream: out.stream, color: false })
    await r.hooks!.stepEnd!({ journey: 'checkout', path: 'main', step: 'pay', result: failedStep(), ctx: new Context() })
    const text = out.text()
    expect(text).toContain('    3 requests; reproduce each with curl:\n')
    expect(text).toContain('    1. POST http://api.test/pay?order=7 → 503\n')
    expect(text).toContain('    2. POST http://api.test/pay?order=7 → 503 (attempt 2)\n')
    expect(text).toContain('    3. POST http://api.test/pay?order=7 → failed: socket hang up (attempt 3)\n')
    const commands = expected()
    expect(commands).toHaveLength(3)
    for (const c of commands) {
      expect(c.variables.map((v) => v.name)).toEqual(['VENOMQA_AUTHORIZATION'])
      expect(text).toContain(`       # set VENOMQA_AUTHORIZATION first: header authorization, redacted in this report\n       ${c.command}\n`)
    }
    // The body's carriage return and escape sequence are in the command as escapes: exact, and inert.
    expect(commands[0]!.command).toContain(`--data-raw $'it\\'s\\r\\x1b[2Jdone'`)
    expect(text).not.toContain('tok-9f8e7d6c5b4a')
    expect(text).not.toMatch(/\r|\u001b/)
  })

  it('a step that sent one request shows one command; a passed step none', async () => {
    const out = capture()
    const r = createConsoleReporter({ stream: out.stream, color: false })
    const one: StepResult = { ...failedStep(), exchanges: undefined, request: exchange(1, 503).request, response: exchange(1, 503).response }
    await r.hooks!.stepEnd!({ journey: 'checkout', path: 'main', step: 'pay', result: one, ctx: new Context() })
    const passed = runWith(one).journeys[0]!.nodes[0] as StepResult
    await r.hooks!.stepEnd!({ journey: 'checkout', path: 'main', step: 'ok', result: passed, ctx: new Context() })
    const text = out.text()
    expect(text).toContain(`    reproduce with curl:\n    # set VENOMQA_AUTHORIZATION first: header authorization, redacted in this report\n    ${expected()[0]!.command}\n`)
    expect(text.match(/curl -g/g)).toHaveLength(1)
  })

  it('`venomqa report` and a console file show the same commands as the live run', async () => {
    const r = createConsoleReporter({ stream: capture().stream, color: false, target: 'out.txt' })
    const text = await r.render!(runWith(failedStep()), {} as never)
    for (const c of expected()) expect(text).toContain(`       ${c.command}\n`)
    expect(text).toContain('3. POST http://api.test/pay?order=7 → failed: socket hang up (attempt 3)')
    expect(text).not.toContain('tok-9f8e7d6c5b4a')
  })

  it('Markdown has a block to paste for each failed step, every request in it', () => {
    const md = renderMarkdown(runWith(failedStep()))
    const block = /\*\*Reproduce pay\*\* with curl:\n\n```sh\n([\s\S]*?)\n```\n/.exec(md)?.[1]
    expect(block).toBeDefined()
    const commands = expected()
    expect(block).toBe(
      [
        ['# 1. POST http://api.test/pay?order=7 → 503', ...commands[0]!.comments, commands[0]!.command].join('\n'),
        ['# 2. POST http://api.test/pay?order=7 → 503 (attempt 2)', ...commands[1]!.comments, commands[1]!.command].join('\n'),
        ['# 3. POST http://api.test/pay?order=7 → failed: socket hang up (attempt 3)', ...commands[2]!.comments, commands[2]!.command].join('\n'),
      ].join('\n\n'),
    )
    expect(md).not.toContain('Reproduce ok')
    expect(md).not.toContain('tok-9f8e7d6c5b4a')
  })

  it('JUnit puts the commands in the failure text', () => {
    const xml = renderJUnit(runWith(failedStep()))
    const failure = /<failure [^>]*><!\[CDATA\[([\s\S]*?)\]\]><\/failure>/.exec(xml)?.[1]
    expect(failure).toContain('Reproduce with curl:\n# 1. POST http://api.test/pay?order=7 -> 503\n')
    for (const c of expected()) expect(failure).toContain(`${c.comments.join('\n')}\n${c.command}`)
    expect(xml).not.toContain('tok-9f8e7d6c5b4a')
  })
})

describe('every request of a failed step, from a real run', () => {
  let server: http.Server
  let base: string
  let hits = 0
  beforeAll(async () => {
    server = http.createServer((req, res) => {
      req.resume()
      req.on('end', () => {
        hits++
        res.writeHead(req.url === '/health' ? 200 : 503, { 'content-type': 'application/json' }).end('{"error":"busy"}')
      })
    })
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  })
  afterAll(() => new Promise<void>((r) => server.close(() => r())))

  it('a step that checks health, then posts and is retried: each request has its line and command', async () => {
    const out = capture()
    const console = createConsoleReporter({ stream: out.stream, color: false })
    const runner = createRunner({ baseUrl: base, reporters: [console], headers: { 'x-api-key': 'key-0a1b2c3d4e5f' } })
    const j = journey('orders', {
      steps: [
        step(
          'place',
          async ({ http }) => {
            await http.get('/health')
            return http.post('/orders', { json: { sku: 'A1' } })
          },
          { retries: 1 },
        ),
      ],
    })
    const result = await runner.run(j)
    await runner.close()
    expect(result.status).toBe('failed')
    expect(hits).toBe(4)
    const text = out.text()
    expect(text).toContain('4 requests; reproduce each with curl:')
    expect(text).toContain(`1. GET ${base}/health → 200`)
    expect(text).toContain(`2. POST ${base}/orders → 503`)
    expect(text).toContain(`3. GET ${base}/health → 200`)
    expect(text).toContain(`4. POST ${base}/orders → 503`)
    expect(text.match(/# set VENOMQA_X_API_KEY first: header x-api-key, redacted in this report/g)).toHaveLength(4)
    expect(text).toContain(`curl -g -X POST '${base}/orders' -H "x-api-key: $VENOMQA_X_API_KEY" -H 'content-type: application/json' --data-raw '{"sku":"A1"}'`)
    expect(text).not.toContain('key-0a1b2c3d4e5f')
  })
})
