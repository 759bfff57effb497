import { mkdtemp, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { Writable } from 'node:stream'
import { AssertionFailed, type ExplorationResult, type Issue, type JourneyResult, type StepResult, assertEqual, assertStatus, countNodes, knownSecrets, makeIssue, summarize } from '@venomqa/core'
import { renderHtml } from '@venomqa/reporter-html'
import { createConsoleReporter, createJsonReporter, renderJUnit, renderJson, renderMarkdown, writeReports } from '@venomqa/runner'
import fc from 'fast-check'
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { buildSlackPayload, slackReporter } from '../src'
import { run as makeRun } from './fixtures'

/**
 * Every reporter, fed runs whose secrets sit in every place a secret can sit (headers, cookies, nested
 * body fields of any type, URL credentials, secret query parameters) and are quoted again in assertion
 * messages, errors and logs, in a journey and in an exploration (its violations' sequences, probes,
 * action inputs, messages and issues): none of the secret values may appear in any output. Nothing is remembered
 * from an HTTP client here (the registry is emptied), so what masks them is the reporters' own redaction.
 */

/** Secrets that cannot turn up in a report by chance: long, random, a prefix no report text has. */
const secretText = fc.stringMatching(/^[A-Za-z0-9]{12,20}$/).map((s) => `zq${s}`)
const secretNumber = fc.integer({ min: 1_000_000_000, max: 2_000_000_000 })

type Placement =
  | { where: 'authorization'; secret: string }
  | { where: 'cookie'; secret: string }
  | { where: 'set-cookie'; secret: string }
  | { where: 'api-key-header'; secret: string }
  | { where: 'body'; secret: string | number; key: string; shape: 'plain' | 'array' | 'object'; depth: number; inResponse: boolean }
  | { where: 'form'; secret: string }
  | { where: 'url-credentials'; secret: string; inBase: boolean }
  | { where: 'query'; secret: string; param: string }

const placement: fc.Arbitrary<Placement> = fc.oneof(
  secretText.map((secret) => ({ where: 'authorization' as const, secret })),
  secretText.map((secret) => ({ where: 'cookie' as const, secret })),
  secretText.map((secret) => ({ where: 'set-cookie' as const, secret })),
  secretText.map((secret) => ({ where: 'api-key-header' as const, secret })),
  fc.record({
    where: fc.constant('body' as const),
    secret: fc.oneof(secretText, secretNumber),
    key: fc.constantFrom('token', 'refresh_token', 'apiKey', 'password', 'client_secret', 'sessionId', 'accessToken', 'pin'),
    shape: fc.constantFrom('plain' as const, 'array' as const, 'object' as const),
    depth: fc.integer({ min: 0, max: 3 }),
    inResponse: fc.boolean(),
  }),
  secretText.map((secret) => ({ where: 'form' as const, secret })),
  fc.record({ where: fc.constant('url-credentials' as const), secret: secretText, inBase: fc.boolean() }),
  fc.record({ where: fc.constant('query' as const), secret: secretText, param: fc.constantFrom('api_key', 'api-key', 'access_token', 'token', 'apiKey', 'client_secret') }),
)

/** How a failing step quotes its secret again in free text. */
const quote = fc.constantFrom('assert-secret-label', 'assert-innocent-label', 'assert-nested', 'assert-status', 'error-text', 'log')

interface Exchange {
  request: NonNullable<StepResult['request']>
  response: NonNullable<StepResult['response']>
  baseUrl?: string
}

function nest(value: unknown, depth: number): unknown {
  let v = value
  for (let i = 0; i < depth; i++) v = i % 2 ? [v] : { level: i, inner: v }
  return v
}

function exchangeFor(p: Placement, n: number): Exchange {
  const request: Exchange['request'] = { method: 'POST', url: `http://api.test/items/${n}`, headers: { 'content-type': 'application/json' }, body: { n } }
  const response: Exchange['response'] = { status: 401, headers: { 'content-type': 'application/json' }, body: { ok: false } }
  let baseUrl: string | undefined
  switch (p.where) {
    case 'authorization':
      request.headers.authorization = `Bearer ${p.secret}`
      break
    case 'cookie':
      request.headers.cookie = `theme=dark; sid=${p.secret}`
      break
    case 'set-cookie':
      response.headers['set-cookie'] = `sid=${p.secret}; Path=/; HttpOnly`
      break
    case 'api-key-header':
      request.headers['x-api-key'] = p.secret
      break
    case 'body': {
      const value = p.shape === 'plain' ? p.secret : p.shape === 'array' ? [p.secret] : { value: p.secret }
      const body = nest({ id: n, [p.key]: value }, p.depth)
      if (p.inResponse) response.body = body
      else request.body = body
      break
    }
    case 'form':
      request.headers['content-type'] = 'application/x-www-form-urlencoded'
      request.body = `user=ada&password=${p.secret}`
      break
    case 'url-credentials':
      request.url = `http://ada:${p.secret}@api.test/items/${n}`
      if (p.inBase) baseUrl = `http://ada:${p.secret}@api.test`
      break
    case 'query':
      request.url = `http://api.test/items/${n}?page=2&${p.param}=${p.secret}`
      break
  }
  return { request, response, baseUrl }
}

/** The message a step would fail with, made by the real assertion helpers where it is an assertion. */
function messageFor(kind: string, p: Placement, ex: Exchange): string {
  const secret = p.secret
  const failure = (fn: () => void) => {
    try {
      fn()
    } catch (err) {
      if (err instanceof AssertionFailed) return err.message
      throw err
    }
    throw new Error('the assertion passed')
  }
  switch (kind) {
    case 'assert-secret-label':
      return failure(() => assertEqual(secret, 'expected-value', 'res.json().refresh_token'))
    case 'assert-innocent-label':
      return failure(() => assertEqual(secret, 'expected-value', 'data'))
    case 'assert-nested':
      return failure(() => assertEqual({ user: 'ada', session: { note: `was ${secret}` } }, { user: 'ada' }, 'body'))
    case 'assert-status':
      return failure(() => assertStatus({ status: 401, method: 'POST', url: ex.request.url, bodyText: JSON.stringify(ex.response.body) }, 200))
    case 'error-text':
      return `POST ${ex.request.url} failed: the server said ${secret} is not valid`
    default:
      return `step saw ${secret}`
  }
}

function journeyFor(cases: { p: Placement; quote: string }[]): JourneyResult {
  const nodes: StepResult[] = []
  const issues: Issue[] = []
  let baseUrl: string | undefined
  cases.forEach(({ p, quote: kind }, n) => {
    const ex = exchangeFor(p, n)
    baseUrl ??= ex.baseUrl
    const message = messageFor(kind, p, ex)
    const step: StepResult = {
      kind: 'step',
      name: `step_${n}`,
      status: 'failed',
      expectFailure: false,
      attempts: 1,
      startedAt: '2025-03-01T10:00:00.000Z',
      durationMs: 12,
      error: { kind: kind.startsWith('assert') ? 'assertion' : 'crash', message, stack: `AssertionFailed: ${message}\n    at step (journey.ts:1:1)` },
      request: ex.request,
      response: ex.response,
      exchanges: [{ request: ex.request, response: ex.response, attempt: 1, durationMs: 12, startedAt: '2025-03-01T10:00:00.000Z' }],
      logs: kind === 'log' ? [{ level: 'info', message }] : [],
    }
    nodes.push(step)
    issues.push(makeIssue({ journey: 'leaky', path: 'main', step: step.name, severity: 'high', kind: step.error!.kind, error: message, source: 'step', request: ex.request, response: ex.response }))
  })
  return {
    name: 'leaky',
    tags: [],
    ...(baseUrl ? { baseUrl } : {}),
    status: 'failed',
    startedAt: '2025-03-01T10:00:00.000Z',
    durationMs: 100,
    nodes,
    issues,
    counts: countNodes(nodes),
  }
}

/**
 * An exploration whose one violation's minimal sequence sent the requests of `cases` (the last one's
 * exchange again as the invariant's probe), each action's input the request body, quoted again in the
 * violation's message and its issue.
 */
function explorationFor(cases: { p: Placement; quote: string }[]): ExplorationResult {
  const exchanges = cases.map(({ p }, n) => exchangeFor(p, n + 100))
  const message = cases.map(({ p, quote: kind }, n) => messageFor(kind, p, exchanges[n]!)).join('; ')
  const asHttp = (ex: Exchange) => ({ request: ex.request, response: ex.response, attempt: 1, durationMs: 9, startedAt: '2025-03-01T10:00:01.000Z' })
  const last = exchanges.at(-1)!
  return {
    name: 'leaky_exploration',
    tags: [],
    status: 'failed',
    startedAt: '2025-03-01T10:00:01.000Z',
    durationMs: 300,
    seed: 7,
    strategy: 'dfs',
    depth: 4,
    dedupe: true,
    truncated: { reason: 'transitions', limit: 100 },
    stats: { transitions: 100, states: 20, merged: 5, requests: 120, transitionsPerSecond: 300, maxDepthReached: 4 },
    timings: { rollback: { memory: { count: 100, p50: 1, p95: 2, max: 3 } }, observe: {} },
    coverage: [{ action: 'act_0', taken: 10, enabled: 10, refused: 0 }],
    neverEnabled: [],
    violations: [
      {
        invariant: 'no_5xx',
        severity: 'high',
        message,
        sequence: exchanges.map((ex, n) => ({ action: `act_${n}`, input: ex.request.body, exchanges: [asHttp(ex)] })),
        probes: [asHttp(last)],
        foundLength: exchanges.length + 2,
        reproduced: { attempts: 3, failures: 2 },
        flaky: true,
        id: 'no_5xx-1',
      },
    ],
    issues: [
      makeIssue({ journey: 'leaky_exploration', path: 'act_0', step: 'no_5xx', severity: 'high', kind: 'assertion', error: message, source: 'invariant:no_5xx', request: last.request, response: last.response }),
      // Issues of the exploration's own, not a violation's (as a failed setup step raises): every report lists
      // them with the run's issues, their error and exchange as a failed step's are.
      ...cases.map(({ p, quote: kind }, n) =>
        makeIssue({
          journey: 'leaky_exploration',
          path: 'setup',
          step: `setup_${n}`,
          severity: 'critical',
          kind: 'http-status',
          error: `setup step "setup_${n}" failed, so nothing was explored: ${messageFor(kind, p, exchanges[n]!)}`,
          source: 'step',
          request: exchanges[n]!.request,
          response: exchanges[n]!.response,
        }),
      ),
    ],
  }
}

class Capture extends Writable {
  text = ''
  override _write(chunk: Buffer, _enc: string, done: () => void) {
    this.text += chunk.toString()
    done()
  }
}

let dir: string
beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'venomqa-leaks-'))
})
afterAll(async () => {
  await rm(dir, { recursive: true, force: true })
})
beforeEach(() => knownSecrets.clear())

describe('no reporter shows a secret', () => {
  it('whatever the body, headers, URLs and messages that carry it', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(fc.record({ p: placement, quote }), { minLength: 1, maxLength: 5 }), fc.array(fc.record({ p: placement, quote }), { minLength: 1, maxLength: 4 }), async (cases, explored) => {
        knownSecrets.clear()
        const secrets = [...cases, ...explored].map((c) => String(c.p.secret))
        const journeys = [journeyFor(cases)]
        const explorations = [explorationFor(explored)]
        const run = makeRun(journeys, { explorations, summary: summarize(journeys, [], explorations) })
        // Planted where the reporters will find them: the exploration's secrets are in its own exchanges.
        const exploration = JSON.stringify(run.explorations)
        expect(explored.every((c) => exploration.includes(String(c.p.secret)))).toBe(true)
        // And in its own issue, which Slack lists among the failures and on the exploration's line.
        const own = JSON.stringify(run.explorations?.[0]?.issues.filter((i) => i.source === 'step'))
        expect(explored.every((c) => own.includes(String(c.p.secret)))).toBe(true)

        const live = new Capture()
        const consoleReporter = createConsoleReporter({ stream: live, color: false, progress: false, verbose: true })
        for (const node of run.journeys[0]!.nodes)
          await consoleReporter.hooks!.stepEnd!({ journey: 'leaky', path: 'main', step: (node as StepResult).name, result: node as StepResult, attempt: 1 } as never)

        const outputs: Record<string, string> = {
          'console (live)': live.text,
          console: String(await consoleReporter.render!(run, { options: {}, cwd: dir, stdout: live, warn: () => {} } as never)),
          json: renderJson(run),
          junit: renderJUnit(run),
          markdown: renderMarkdown(run),
          html: renderHtml(run),
          slack: JSON.stringify(buildSlackPayload(run)),
        }
        const written = await writeReports(
          run,
          [
            { reporter: createJsonReporter(), target: 'results.json' },
            { reporter: slackReporter({ saveTo: 'slack.json' }), target: undefined },
          ],
          { cwd: dir, stdout: new Capture(), warn: () => {} },
        )
        expect(written.failures).toEqual([])
        outputs['saved results file'] = await readFile(path.join(dir, 'results.json'), 'utf8')
        outputs['saved slack payload'] = await readFile(path.join(dir, 'slack.json'), 'utf8')

        for (const [name, text] of Object.entries(outputs))
          for (const secret of secrets) expect(text.includes(secret), `${name} shows ${secret}`).toBe(false)
      }),
      { numRuns: 150 },
    )
  })
})
