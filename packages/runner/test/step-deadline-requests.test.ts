/**
 * A step its own timeout cut while a request of it waited for an answer: that request is part of the step's
 * result as any failed request is (sent, no response, an error saying no answer came before the deadline),
 * so every reporter shows it and its curl command, and the HAR and the results file agree. A late answer
 * changes nothing. Against a local server that answers when it is told to.
 */
import http from 'node:http'
import type { AddressInfo } from 'node:net'
import { PassThrough } from 'node:stream'
import { type HttpExchange, type RunResult, type StepResult, curlCommand, journey, redactResults, step } from '@venomqa/core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { HarRecorder, type HarLog, createConsoleReporter, createRunner, renderJUnit, renderMarkdown } from '../src/index'

const TOKEN = 'Bearer tok-5d4c3b2a1f0e'

let server: http.Server
let base: string
/** Requests to /slow the server answered, after their wait. */
let answeredLate = 0

beforeAll(async () => {
  server = http.createServer((req, res) => {
    req.resume()
    const url = new URL(req.url ?? '/', 'http://x')
    if (url.pathname === '/slow') {
      const timer = setTimeout(() => {
        answeredLate++
        res.writeHead(200, { 'content-type': 'application/json' }).end('{"late":true}')
      }, Number(url.searchParams.get('ms')))
      res.on('close', () => clearTimeout(timer))
      return
    }
    res.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}')
  })
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
})
afterAll(() => new Promise<void>((r) => server.close(() => r())))

function capture() {
  const stream = new PassThrough()
  let text = ''
  stream.on('data', (d) => (text += d))
  return { stream, text: () => text }
}

async function runWithHar(steps: Parameters<typeof journey>[1]['steps']) {
  const out = capture()
  const har = new HarRecorder()
  const runner = createRunner({ baseUrl: base, headers: { authorization: TOKEN }, http: { onExchange: har.onExchange, retry: false }, reporters: [createConsoleReporter({ stream: out.stream, color: false })] })
  let run: RunResult
  try {
    run = await runner.run(journey('deadline', { steps }))
  } finally {
    await runner.close()
  }
  const entries = (JSON.parse(har.render({ name: 'venomqa', version: '0' })) as HarLog).log.entries
  // As `--save` writes it, and `venomqa report` reads it back.
  const saved = JSON.parse(JSON.stringify(redactResults(run))) as RunResult
  return { run, saved, entries, console: out.text() }
}

const stepsOf = (run: RunResult) => run.journeys[0]!.nodes.filter((n): n is StepResult => n.kind === 'step')

describe('a step cut by its timeout while a request waited', () => {
  it('keeps that request in its result: every reporter shows it with its curl command, the HAR agrees, a late answer changes nothing', async () => {
    const late = answeredLate
    // The server answers 400 ms after the step stopped: within the grace a cut request keeps its connection for.
    const { run, saved, entries, console } = await runWithHar([
      step('slow_step', ({ http }) => http.get('/slow?ms=600'), { timeout: 200 }),
      step('next', ({ http }) => http.get('/fast')),
    ])
    // The answer came, after the step had ended: the run waited for it before it ended. The result the
    // runner made, as every reporter got it, still has none.
    expect(answeredLate).toBe(late + 1)
    expect(stepsOf(run)[0]!.request?.url).toBe(`${base}/slow?ms=600`)
    expect(stepsOf(run)[0]!.response).toBeUndefined()
    const [slow, next] = stepsOf(saved)
    const url = `${base}/slow?ms=600`
    expect(slow).toMatchObject({ status: 'failed', timedOut: true, error: { kind: 'timeout', message: 'step "slow_step" timed out after 200 ms' } })
    expect(slow!.request).toEqual({ method: 'GET', url, headers: { authorization: '[REDACTED]' } })
    expect(slow).not.toHaveProperty('response')
    expect(slow).not.toHaveProperty('exchanges')
    // The request's own error is kept with it: the step's says only that the step timed out.
    expect(slow!.requestError).toBe(`GET ${url}: no answer before step "slow_step" timed out after 200 ms`)
    // Not the next step's: it shows its own request only.
    expect(next).toMatchObject({ status: 'passed', request: { url: `${base}/fast` }, response: { status: 200 } })

    // The HAR holds the same request under that step, once, with no answer: the late one is in no report.
    expect(entries.map((e) => [e.request.url, e.response.status, e._venomqa?.step])).toEqual([
      [url, 0, 'slow_step'],
      [`${base}/fast`, 200, 'next'],
    ])
    expect(entries[0]!.response._error).toBe(`GET ${url}: no answer before step "slow_step" timed out after 200 ms`)
    expect(entries[0]!.request.headers).toContainEqual({ name: 'authorization', value: '[REDACTED]' })

    const { command, comments } = curlCommand(slow!.request!)
    expect(command).toBe(`curl -g -X GET '${url}' -H "authorization: $VENOMQA_AUTHORIZATION"`)
    const script = `${comments.join('\n')}\n${command}`
    // Live, in the console.
    expect(console).toContain(`  ✗ slow_step GET ${url} `)
    expect(console).toContain(`    > GET ${url}\n    > authorization: [REDACTED]\n    reproduce with curl:\n    ${comments[0]}\n    ${command}\n`)
    // In Markdown and JUnit, and in the console's text of the saved results (`venomqa report`).
    expect(renderMarkdown(saved)).toContain(`# GET ${url} → failed: GET ${url}: no answer before step "slow_step" timed out after 200 ms\n${script}\n`)
    expect(renderJUnit(saved)).toContain(script)
    const report = await createConsoleReporter({ stream: capture().stream, color: false, target: 'out.txt' }).render!(saved, {} as never)
    expect(report).toContain(`    reproduce with curl:\n    ${comments[0]}\n    ${command}\n`)
    for (const text of [JSON.stringify(saved), JSON.stringify(entries), console, report]) expect(text).not.toContain('tok-5d4c3b2a1f0e')
  })

  it('keeps every request of every attempt: those answered before the deadline, and each one it cut', async () => {
    const { saved, entries, console } = await runWithHar([
      step(
        'pair',
        async ({ http }) => {
          await http.get('/fast')
          // Two at once: the deadline cuts both.
          return Promise.all([http.get('/slow?ms=5000'), http.post('/slow?ms=5000', { json: { n: 1 } })])
        },
        { timeout: 200, retries: 1 },
      ),
    ])
    const [pair] = stepsOf(saved)
    expect(pair).toMatchObject({ status: 'failed', timedOut: true, attempts: 2 })
    const shown = (pair!.exchanges ?? []).map((x: HttpExchange) => [x.attempt, x.request.method, x.request.url.slice(base.length), x.response?.status ?? x.error])
    const cut = (method: string) => `${method} ${base}/slow?ms=5000: no answer before step "pair" timed out after 200 ms`
    const attempt = [
      [1, 'GET', '/fast', 200],
      [1, 'GET', '/slow?ms=5000', cut('GET')],
      [1, 'POST', '/slow?ms=5000', cut('POST')],
    ]
    expect(shown).toEqual([...attempt, ...attempt])
    // The step's deadline is not the request's: a replay of it (a regression journey) must not get it as one.
    for (const x of pair!.exchanges ?? []) expect(x).not.toHaveProperty('timeoutMs')
    expect(entries.map((e) => [e.request.method, e.request.url.slice(base.length), e.response.status, e.response._error ?? ''])).toEqual(
      shown.map(([, method, url, outcome]) => [method, url, typeof outcome === 'number' ? outcome : 0, typeof outcome === 'number' ? '' : outcome]),
    )
    expect(console).toContain('6 requests; reproduce each with curl:')
    expect(console).toContain(`3. POST ${base}/slow?ms=5000 → failed: ${cut('POST')}\n`)
    expect(console).toContain(`curl -g -X POST '${base}/slow?ms=5000' -H "authorization: $VENOMQA_AUTHORIZATION" -H 'content-type: application/json' --data-raw '{"n":1}'`)
  })

  it('an action that ignores its deadline and sends more: that request is refused, and in no result', async () => {
    let refused = ''
    const { saved, entries } = await runWithHar([
      step(
        'ignores',
        async ({ http }) => {
          await new Promise((r) => setTimeout(r, 300))
          await http.get('/fast?after=deadline').catch((err: Error) => (refused = err.message))
        },
        { timeout: 100 },
      ),
      step('next', async ({ http }) => {
        await new Promise((r) => setTimeout(r, 400))
        return http.get('/fast?next=1')
      }),
    ])
    expect(refused).toBe('step "ignores" timed out after 100 ms')
    const [ignores, next] = stepsOf(saved)
    expect(ignores).not.toHaveProperty('request')
    expect(next!.request?.url).toBe(`${base}/fast?next=1`)
    expect(entries.map((e) => e.request.url.slice(base.length))).toEqual(['/fast?next=1'])
  })
})
