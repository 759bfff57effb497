import http from 'node:http'
import os from 'node:os'
import { journey, step } from '@venomqa/core'
import { createRunner, writeReports } from '@venomqa/runner'
import { listenLocally } from '@venomqa/test-utils'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import slackPlugin from '../src/index'
import { checkBlockKit } from './block-kit-check'

/** One server plays both parts: the API under test (/api/*) and Slack's webhook (/hook/*). */
function startServer() {
  const hooks: { path: string; body: string }[] = []
  const server = http.createServer((req, res) => {
    let body = ''
    req.on('data', (d) => (body += d))
    req.on('end', () => {
      if (req.url === '/api/ok') return res.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}')
      if (req.url === '/api/broken') return res.writeHead(500, { 'content-type': 'application/json' }).end('{"error":"db down"}')
      hooks.push({ path: req.url ?? '', body })
      if (req.url === '/hook/down') return res.writeHead(503).end('service_unavailable')
      res.writeHead(200).end('ok')
    })
  })
  return listenLocally(server).then((s) => ({ ...s, hooks }))
}

describe('the slack reporter on a real run', () => {
  let srv: Awaited<ReturnType<typeof startServer>>
  beforeAll(async () => {
    srv = await startServer()
  })
  afterAll(async () => {
    await srv?.close()
  })

  it('posts the failed run, and a webhook that stays down is a warning, not a reporter failure', async () => {
    const runner = createRunner({ baseUrl: srv.url, plugins: [[slackPlugin, { retryBaseDelayMs: 10, maxAttempts: 2 }]] })
    try {
      await runner.init()
      const result = await runner.run([
        journey('healthy', { steps: [step('ok', ({ http }) => http.get('/api/ok'))] }),
        journey('broken', { steps: [step('save', ({ http }) => http.post('/api/broken', { json: { password: 'pw-secret-1' } }))] }),
      ])
      expect(result.status).toBe('failed')
      const factory = runner.registry.reporters.get('slack')!

      const up = factory({ options: { webhookUrl: `${srv.url}/hook/up` } })
      const sent = await writeReports(result, [{ reporter: up, options: {} }], { cwd: os.tmpdir() })
      // Said where it went, with the webhook's host only (its path is the secret).
      expect(sent).toMatchObject({ failures: [], warnings: [], files: [], delivered: [{ reporter: 'slack', to: `Slack (${new URL(srv.url).host})` }] })
      const payload = JSON.parse(srv.hooks.find((h) => h.path === '/hook/up')!.body)
      expect(checkBlockKit(payload)).toEqual([])
      expect(JSON.stringify(payload)).toContain('*broken* \u203a *save* `500`')
      expect(JSON.stringify(payload)).not.toContain('pw-secret-1')

      // The CLI raises the exit code only for reporters in `failures`: a Slack outage must not land there.
      const warned: string[] = []
      const down = factory({ options: { webhookUrl: `${srv.url}/hook/down` } })
      const outage = await writeReports(result, [{ reporter: down, options: {} }], { cwd: os.tmpdir(), warn: (m) => warned.push(m) })
      expect(outage.failures).toEqual([])
      expect(outage.delivered).toEqual([])
      expect(outage.warnings).toHaveLength(1)
      expect(warned).toEqual([`reporter slack: posting to Slack failed: ${new URL(srv.url).host} did not take the message after 2 attempts; last: HTTP 503 "service_unavailable"`])
      expect(srv.hooks.filter((h) => h.path === '/hook/down')).toHaveLength(2)
    } finally {
      await runner.close()
    }
  })
})
