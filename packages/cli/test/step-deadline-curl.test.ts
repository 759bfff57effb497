/**
 * End to end with the built CLI: a step its own timeout cut while its request waited shows that request, and
 * its curl command, as a request that timed out by itself or was refused does: live in the console, in the
 * Markdown and JUnit reports, in the results file `--save` wrote and in `venomqa report` of it; the HAR holds
 * the same request under the same step. Against a local server that answers after the step's timeout.
 */
import { readFileSync } from 'node:fs'
import http from 'node:http'
import type { AddressInfo } from 'node:net'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type CliResult, type Project, projectWithJourneys } from './helpers/project'

let server: http.Server
let base: string
let p: Project
let run: CliResult

beforeAll(async () => {
  server = http.createServer((req, res) => {
    req.resume()
    const ms = Number(new URL(req.url ?? '/', 'http://x').searchParams.get('ms') ?? 0)
    const timer = setTimeout(() => res.writeHead(200, { 'content-type': 'application/json' }).end('{}'), ms)
    res.on('close', () => clearTimeout(timer))
  })
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  p = await projectWithJourneys({
    'noanswer.journey.mjs': [
      "import { journey, step } from '@venomqa/core'",
      'export default [',
      "  journey('req_timeout', { steps: [step('slow_req', ({ http }) => http.get('/api/slow?ms=3000', { timeout: 300, retry: false }))] }),",
      "  journey('step_timeout', { steps: [step('slow_step', ({ http }) => http.get('/api/slow?ms=3000', { retry: false, headers: { authorization: 'Bearer tok-8e7d6c5b4a39' } }), { timeout: 300 })] }),",
      ']',
      '',
    ].join('\n'),
  })
  run = await p.venomqa(['run', '--base-url', base, '-r', 'console', '-r', 'markdown:out/m.md', '-r', 'junit:out/j.xml', '--save', 'out/r.json', '--har', 'out/h.har'], { env: { CI: 'true' } })
}, 60_000)
afterAll(async () => {
  await p?.remove()
  await new Promise<void>((r) => server.close(() => r()))
})

const read = (file: string) => readFileSync(path.join(p.dir, file), 'utf8')

describe('a step cut by its timeout, its request unanswered', () => {
  const url = () => `${base}/api/slow?ms=3000`
  const command = () => `curl -g -X GET '${url()}' -H "authorization: $VENOMQA_AUTHORIZATION"`

  it('the console shows its request and curl command, as for a request that timed out by itself', () => {
    expect(run.code, run.stderr).toBe(1)
    const block = run.stdout.slice(run.stdout.indexOf('▶ step_timeout'))
    expect(block).toContain(`  ✗ slow_step GET ${url()} `)
    expect(block).toContain(
      `    step "slow_step" timed out after 300 ms\n    > GET ${url()}\n    > authorization: [REDACTED]\n    reproduce with curl:\n    # set VENOMQA_AUTHORIZATION first: header authorization, redacted in this report\n    ${command()}\n`,
    )
    expect(run.stdout).toContain(`    reproduce with curl:\n    curl -g -X GET '${url()}'\n`)
  })

  it('Markdown and JUnit carry the command', () => {
    expect(read('out/m.md')).toContain(`**Reproduce slow_step** with curl:\n\n\`\`\`sh\n# GET ${url()} → failed: GET ${url()}: no answer before step "slow_step" timed out after 300 ms\n`)
    expect(read('out/m.md')).toContain(`${command()}\n\`\`\``)
    expect(read('out/j.xml')).toContain(command())
  })

  it('the results file and the HAR hold the same request under the step, with no answer', () => {
    const saved = JSON.parse(read('out/r.json'))
    const slow = saved.journeys.find((j: { name: string }) => j.name === 'step_timeout').nodes[0]
    expect(slow).toMatchObject({ name: 'slow_step', timedOut: true, request: { method: 'GET', url: url(), headers: { authorization: '[REDACTED]' } } })
    expect(slow).not.toHaveProperty('response')
    const entries = JSON.parse(read('out/h.har')).log.entries as { request: { url: string }; response: { status: number; _error?: string }; _venomqa: { step: string } }[]
    const entry = entries.find((e) => e._venomqa.step === 'slow_step')!
    expect(entry.request.url).toBe(slow.request.url)
    expect(entry.response).toMatchObject({ status: 0, _error: `GET ${url()}: no answer before step "slow_step" timed out after 300 ms` })
    for (const file of ['out/r.json', 'out/h.har', 'out/m.md', 'out/j.xml']) expect(read(file)).not.toContain('tok-8e7d6c5b4a39')
    expect(run.stdout).not.toContain('tok-8e7d6c5b4a39')
  })

  it('`venomqa report` of the saved results shows it too', async () => {
    const report = await p.venomqa(['report', 'out/r.json'], { env: { CI: 'true' } })
    const block = report.stdout.slice(report.stdout.indexOf('▶ step_timeout'))
    expect(block).toContain(`    > GET ${url()}\n    > authorization: [REDACTED]\n    reproduce with curl:\n`)
    expect(block).toContain(`    ${command()}\n`)
  })
})
