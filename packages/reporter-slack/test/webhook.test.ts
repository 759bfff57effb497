import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, utimesSync, writeFileSync } from 'node:fs'
import http from 'node:http'
import os from 'node:os'
import path from 'node:path'
import { PLUGIN_API_VERSION, type PluginApi, type ReportContext, type ReporterFactory, STALE_TEMP_AGE_MS, TEMP_PREFIX } from '@venomqa/core'
import { CLOSED_PORT, listenLocally } from '@venomqa/test-utils'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import slackPlugin, { SLACK_WEBHOOK_ENV, SlackDeliveryError, buildSlackPayload, deliverToSlack, parseRetryAfter, sendToSlack, slackReporter } from '../src/index'
import { mergedRerunRun } from '@venomqa/fixtures'
import { checkBlockKit } from './block-kit-check'
import { failingRun, passingRun } from './fixtures'

type Reply = { status: number; headers?: Record<string, string>; body?: string } | 'hang'

/** A local HTTP server standing in for Slack's incoming webhook; `reply(n)` answers the n-th request. */
async function startWebhook(reply: (n: number) => Reply) {
  const received: { at: number; body: string; contentType?: string }[] = []
  const server = http.createServer((req, res) => {
    let body = ''
    req.setEncoding('utf8')
    req.on('data', (d) => (body += d))
    req.on('end', () => {
      received.push({ at: Date.now(), body, contentType: req.headers['content-type'] })
      const r = reply(received.length)
      if (r === 'hang') return
      res.writeHead(r.status, { 'content-type': 'text/plain', ...r.headers })
      res.end(r.body ?? '')
    })
  })
  const local = await listenLocally(server)
  // Shaped like a real one: the path is the secret part.
  return { url: `${local.url}/services/T0000/B0000/XXXXsecretXXXX`, received, close: local.close }
}

let tmp: string
const servers: { close(): Promise<void> }[] = []
const webhook = async (reply: (n: number) => Reply) => {
  const w = await startWebhook(reply)
  servers.push(w)
  return w
}

function context(options: Record<string, unknown> = {}, target?: string) {
  const warnings: string[] = []
  const ctx: ReportContext = { options, target, cwd: tmp, stdout: process.stdout, warn: (m) => warnings.push(m) }
  return { ctx, warnings }
}

beforeAll(() => {
  tmp = mkdtempSync(path.join(os.tmpdir(), 'venomqa-slack-'))
})
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()))
})
afterAll(() => {
  rmSync(tmp, { recursive: true, force: true })
})

describe('posting to an incoming webhook', () => {
  it('posts the Block Kit payload as JSON', async () => {
    const w = await webhook(() => ({ status: 200, body: 'ok' }))
    const { ctx, warnings } = context()
    const result = await deliverToSlack(failingRun(), { webhookUrl: w.url }, ctx)
    expect(result.outcome).toBe('sent')
    expect(w.received).toHaveLength(1)
    expect(w.received[0]!.contentType).toBe('application/json; charset=utf-8')
    const sent = JSON.parse(w.received[0]!.body)
    expect(checkBlockKit(sent)).toEqual([])
    expect(sent).toEqual(buildSlackPayload(failingRun(), {}))
    expect(warnings).toEqual([])
  })

  it('says of a journey merge-reports put together with its --last-failed rerun that it passed in the rerun, not on a retry', async () => {
    const w = await webhook(() => ({ status: 200, body: 'ok' }))
    const { ctx } = context()
    expect((await deliverToSlack(mergedRerunRun(), { webhookUrl: w.url }, ctx)).outcome).toBe('sent')
    const sent = JSON.parse(w.received[0]!.body) as { blocks: { type: string; text?: { text: string }; elements?: { text: string }[] }[] }
    expect(checkBlockKit(sent)).toEqual([])
    expect(sent.blocks[0]!.text!.text).toBe(':white_check_mark: VenomQA: all 3 journeys passed (2 flaky: 1 passed on a retry, 1 in a --last-failed rerun)')
    const context_ = sent.blocks.filter((b) => b.type === 'context').flatMap((b) => b.elements!.map((e) => e.text))
    expect(context_).toContain(':warning: Flaky (failed, then passed on a retry): *profile*\n:warning: Flaky (failed, then passed in a --last-failed rerun): *checkout*')
  })

  it('retries a 429, waiting what Retry-After says, then succeeds', async () => {
    const w = await webhook((n) => (n === 1 ? { status: 429, headers: { 'retry-after': '1' }, body: 'rate_limited' } : { status: 200, body: 'ok' }))
    const { ctx, warnings } = context()
    const result = await deliverToSlack(failingRun(), { webhookUrl: w.url, retryBaseDelayMs: 10 }, ctx)
    expect(result).toMatchObject({ outcome: 'sent', attempts: 2 })
    expect(w.received).toHaveLength(2)
    expect(w.received[1]!.body).toBe(w.received[0]!.body)
    // Backoff alone would have waited ~10 ms: the 1 s wait is Retry-After being honoured.
    expect(w.received[1]!.at - w.received[0]!.at).toBeGreaterThanOrEqual(950)
    expect(warnings).toEqual([])
  })

  it('retries 5xx with backoff, and a permanent 500 gives one warning and no throw', async () => {
    const w = await webhook(() => ({ status: 500, body: 'rollup_error' }))
    const { ctx, warnings } = context()
    const retries: number[] = []
    const reporter = slackReporter({ webhookUrl: w.url, maxAttempts: 3, retryBaseDelayMs: 20 })
    await expect(reporter.deliver!(failingRun(), ctx)).resolves.toBeUndefined()
    expect(w.received).toHaveLength(3)
    expect(warnings).toHaveLength(1)
    expect(warnings[0]).toBe('posting to Slack failed: ' + `127.0.0.1:${new URL(w.url).port} did not take the message after 3 attempts; last: HTTP 500 "rollup_error"`)
    // The webhook path is a secret: never in a warning.
    expect(warnings[0]).not.toContain('XXXXsecretXXXX')
    // The programmatic API throws instead, and reports each wait.
    await expect(
      sendToSlack(buildSlackPayload(failingRun()), { webhookUrl: w.url, maxAttempts: 2, retryBaseDelayMs: 20, onRetry: (r) => retries.push(r.waitMs) }),
    ).rejects.toBeInstanceOf(SlackDeliveryError)
    expect(retries).toHaveLength(1)
    expect(retries[0]).toBeGreaterThanOrEqual(10)
    expect(retries[0]).toBeLessThanOrEqual(20)
  })

  it('does not retry a 4xx that will not change (invalid payload)', async () => {
    const w = await webhook(() => ({ status: 400, body: 'invalid_blocks' }))
    const { ctx, warnings } = context()
    await deliverToSlack(failingRun(), { webhookUrl: w.url, retryBaseDelayMs: 10 }, ctx)
    expect(w.received).toHaveLength(1)
    expect(warnings).toEqual([`posting to Slack failed: 127.0.0.1:${new URL(w.url).port} refused the message: HTTP 400 "invalid_blocks"`])
  })

  it('does not quote the webhook URL when the endpoint answers with it', async () => {
    const w = await webhook((n) => ({ status: n === 1 ? 503 : 404, body: n === 1 ? `relay down for ${w.url}` : `no_service at ${new URL(w.url).pathname}` }))
    const { ctx, warnings } = context()
    await deliverToSlack(failingRun(), { webhookUrl: w.url, retryBaseDelayMs: 10, maxAttempts: 1 }, ctx)
    await deliverToSlack(failingRun(), { webhookUrl: w.url, retryBaseDelayMs: 10 }, ctx)
    expect(warnings).toHaveLength(2)
    for (const warning of warnings) expect(warning).not.toContain('XXXXsecretXXXX')
    expect(warnings[0]).toContain('relay down for [REDACTED]')
    expect(warnings[1]).toContain('HTTP 404 "no_service at [REDACTED]"')
  })

  it('gives up at once when Retry-After asks for more than maxRetryAfterMs', async () => {
    const w = await webhook(() => ({ status: 429, headers: { 'retry-after': '120' } }))
    const { ctx, warnings } = context()
    await deliverToSlack(failingRun(), { webhookUrl: w.url, maxRetryAfterMs: 5000 }, ctx)
    expect(w.received).toHaveLength(1)
    expect(warnings[0]).toMatch(/asked to retry after 120 s, longer than the 5 s this reporter waits/)
  })

  it('warns when nothing listens or nothing answers, within the attempts and timeout given', async () => {
    const port = CLOSED_PORT
    const refused = context()
    await deliverToSlack(failingRun(), { webhookUrl: `http://127.0.0.1:${port}/hook`, maxAttempts: 2, retryBaseDelayMs: 10 }, refused.ctx)
    expect(refused.warnings).toHaveLength(1)
    expect(refused.warnings[0]).toMatch(/did not take the message after 2 attempts; last: connect ECONNREFUSED/)

    const w = await webhook(() => 'hang')
    const silent = context()
    await deliverToSlack(failingRun(), { webhookUrl: w.url, maxAttempts: 1, timeoutMs: 300 }, silent.ctx)
    expect(w.received).toHaveLength(1)
    expect(silent.warnings).toEqual([`posting to Slack failed: 127.0.0.1:${new URL(w.url).port} did not take the message after 1 attempt; last: no answer before the timeout`])
  })
})

describe('options', () => {
  it('onlyOnFailure skips a passing run and posts a failing one', async () => {
    const w = await webhook(() => ({ status: 200, body: 'ok' }))
    const passing = context()
    expect((await deliverToSlack(passingRun(), { webhookUrl: w.url, onlyOnFailure: true }, passing.ctx)).outcome).toBe('skipped')
    expect(w.received).toHaveLength(0)
    expect(passing.warnings).toEqual([])
    const failing = context()
    expect((await deliverToSlack(failingRun(), { webhookUrl: w.url, onlyOnFailure: true }, failing.ctx)).outcome).toBe('sent')
    expect(w.received).toHaveLength(1)
  })

  it('saveTo writes the payload JSON atomically, and works without a webhook', async () => {
    const { ctx, warnings } = context()
    const saved = await deliverToSlack(failingRun(), { saveTo: 'out/slack.json' }, ctx)
    expect(saved.outcome).toBe('saved-only')
    expect(JSON.parse(readFileSync(path.join(tmp, 'out/slack.json'), 'utf8'))).toEqual(buildSlackPayload(failingRun()))
    expect(readdirSync(path.join(tmp, 'out'))).toEqual(['slack.json'])
    expect(warnings).toEqual([])
    // `--reporter slack:file.json` names the file as the target.
    const target = context({}, 'target.json')
    await deliverToSlack(passingRun(), {}, target.ctx)
    expect(checkBlockKit(JSON.parse(readFileSync(path.join(tmp, 'target.json'), 'utf8')))).toEqual([])
  })

  it("saveTo goes through core's atomic writer: a failed write leaves no temp file, and a dead writer's leftover is swept", async () => {
    const dir = path.join(tmp, 'atomic')
    mkdirSync(dir)
    // What a writer killed mid-write an hour ago left, named the way core's writer names its temp files:
    // only that writer sweeps it (the reporter's own writer had other names and no sweep).
    const leftover = `${TEMP_PREFIX}slack.json-killed-mid-write`
    writeFileSync(path.join(dir, leftover), '{"half":')
    const longAgo = new Date(Date.now() - STALE_TEMP_AGE_MS - 60_000)
    utimesSync(path.join(dir, leftover), longAgo, longAgo)
    const first = context()
    expect((await deliverToSlack(failingRun(), { saveTo: 'atomic/slack.json' }, first.ctx)).outcome).toBe('saved-only')
    expect(readdirSync(dir)).toEqual(['slack.json'])
    const saved = readFileSync(path.join(dir, 'slack.json'), 'utf8')

    // A write that fails at the rename (a directory stands where the file should go): a warning, no temp
    // file left behind, and the payload written before is untouched.
    mkdirSync(path.join(dir, 'taken.json', 'inside'), { recursive: true })
    const failed = context()
    expect((await deliverToSlack(passingRun(), { saveTo: 'atomic/taken.json' }, failed.ctx)).outcome).toBe('failed')
    expect(failed.warnings).toHaveLength(1)
    expect(failed.warnings[0]).toMatch(/^saving the payload to atomic\/taken\.json failed: /)
    expect(readdirSync(dir).sort()).toEqual(['slack.json', 'taken.json'])
    expect(readdirSync(path.join(dir, 'taken.json'))).toEqual(['inside'])
    expect(readFileSync(path.join(dir, 'slack.json'), 'utf8')).toBe(saved)
  })

  it('reads SLACK_WEBHOOK_URL, and warns once when there is no URL at all', async () => {
    const w = await webhook(() => ({ status: 200, body: 'ok' }))
    const before = process.env[SLACK_WEBHOOK_ENV]
    try {
      delete process.env[SLACK_WEBHOOK_ENV]
      const none = context()
      await slackReporter().deliver!(failingRun(), none.ctx)
      expect(none.warnings).toEqual(['no webhook URL, nothing sent (set the SLACK_WEBHOOK_URL environment variable or the webhookUrl option)'])
      process.env[SLACK_WEBHOOK_ENV] = w.url
      const fromEnv = context()
      await slackReporter().deliver!(failingRun(), fromEnv.ctx)
      expect(w.received).toHaveLength(1)
      expect(fromEnv.warnings).toEqual([])
    } finally {
      if (before === undefined) delete process.env[SLACK_WEBHOOK_ENV]
      else process.env[SLACK_WEBHOOK_ENV] = before
    }
  })

  it('turns bad options given at report time into a warning, not a throw', async () => {
    const { ctx, warnings } = context({ maxAttempts: 'many' })
    await expect(slackReporter({ webhookUrl: 'http://127.0.0.1:9/x' }).deliver!(failingRun(), ctx)).resolves.toBeUndefined()
    expect(warnings).toEqual(['building the message failed: reporters.slack.maxAttempts: expected a whole number from 1 to 10, got "many"'])
  })

  it('parses Retry-After as seconds or an HTTP date', () => {
    expect(parseRetryAfter('3')).toBe(3000)
    expect(parseRetryAfter('0.5')).toBe(500)
    expect(parseRetryAfter(new Date(1_000_000 + 4000).toUTCString(), 1_000_000)).toBe(4000)
    expect(parseRetryAfter('soon')).toBeUndefined()
    expect(parseRetryAfter(undefined)).toBeUndefined()
  })
})

describe('plugin', () => {
  it('registers the slack reporter with the plugin options under the reporter options', async () => {
    expect(slackPlugin.apiVersion).toBe(PLUGIN_API_VERSION)
    const w = await webhook(() => ({ status: 200, body: 'ok' }))
    const reporters = new Map<string, ReporterFactory>()
    // A stand-in for the runner's plugin API: this plugin only calls addReporter.
    const api = { options: { webhookUrl: w.url, onlyOnFailure: true }, addReporter: (n: string, f: ReporterFactory) => reporters.set(n, f) }
    await slackPlugin.setup!(api as unknown as PluginApi<Record<string, unknown>>)
    const reporter = reporters.get('slack')!({ options: { onlyOnFailure: false } })
    expect(reporter.name).toBe('slack')
    await reporter.deliver!(passingRun(), context().ctx)
    expect(w.received).toHaveLength(1)
    expect(() => reporters.get('slack')!({ options: { onlyOnFailure: 1 } })).toThrow('reporters.slack.onlyOnFailure: expected true or false, got 1')
  })
})
