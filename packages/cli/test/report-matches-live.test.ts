/**
 * End to end: `venomqa report` renders a saved run's journeys line for line as the live console printed
 * them, with the built CLI against an API on a local port: each path's rollback to the checkpoint, then
 * its header, its steps and its end, nested branches too, and the rollback after the last path.
 */
import { mkdir, writeFile } from 'node:fs/promises'
import { type Server, createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type CliResult, type Project, assertBuilt, makeProject } from './helpers/project'

const JOURNEY = `import { branch, checkpoint, journey, path, step } from '@venomqa/core'

const get = (url) => ({ http }) => http.get(url)

export default journey('branches', {
  steps: [
    step('login', get('/ok')),
    checkpoint('logged_in'),
    branch('logged_in', [
      path('outer', [
        step('create', get('/ok')),
        checkpoint('created'),
        branch('created', [path('inner_a', [step('read_a', get('/ok'))]), path('inner_b', [step('read_b', get('/ok'))])]),
      ]),
      path('failing', [step('broken', get('/fail'))]),
    ]),
    step('after', get('/ok')),
  ],
})
`

let server: Server
let project: Project
let live: CliResult
let rendered: CliResult

/** The journey's lines, from its heading to its verdict: a render shows the durations the live run measured. */
const journeyLines = (stdout: string) => {
  const lines = stdout.split('\n')
  const start = lines.findIndex((l) => l.startsWith('▶ branches'))
  const end = lines.findIndex((l, i) => i > start && l.startsWith('✗ branches'))
  return lines.slice(start, end + 1)
}

beforeAll(async () => {
  assertBuilt()
  server = createServer((req, res) => res.writeHead(req.url === '/fail' ? 500 : 200, { 'content-type': 'application/json' }).end('{"id":1}'))
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  project = await makeProject(null)
  await writeFile(path.join(project.dir, 'package.json'), '{"name":"report-order","private":true,"type":"module"}')
  await writeFile(path.join(project.dir, 'venomqa.config.mjs'), `export default { baseUrl: 'http://127.0.0.1:${(server.address() as AddressInfo).port}' }\n`)
  await mkdir(path.join(project.dir, 'journeys'))
  await writeFile(path.join(project.dir, 'journeys/branches.journey.mjs'), JOURNEY)
  live = await project.venomqa(['run', '-r', 'console', '--save', 'out/results.json'])
  rendered = await project.venomqa(['report', 'out/results.json', '-r', 'console'])
}, 60_000)
afterAll(async () => {
  await project?.remove()
  await new Promise((resolve) => server?.close(resolve))
})

describe('venomqa report of a run with branches', () => {
  it('prints the journey as the live console did, line for line', () => {
    expect(live.code, live.stderr).toBe(1)
    expect(rendered.code, rendered.stderr).toBe(0)
    expect(journeyLines(live.stdout).length).toBeGreaterThan(10)
    expect(journeyLines(rendered.stdout)).toEqual(journeyLines(live.stdout))
  })

  it("puts each path's rollback before its header and steps, and the branch's last rollback after its paths", () => {
    const lines = journeyLines(rendered.stdout).map((l) => l.replace(/\d+ ms/g, 'N ms'))
    const at = (text: string) => lines.findIndex((l) => l.trimStart().startsWith(text))
    expect(lines.slice(at('⑂ branch from logged_in'), at('⑂ branch from logged_in') + 4)).toEqual([
      '  ⑂ branch from logged_in (2 paths: outer, failing)',
      '  ↺ rollback to logged_in (before-path) N ms',
      '  ├ path outer',
      `    ✓ create GET ${lines[at('✓ create')]!.split(' GET ')[1]}`,
    ])
    expect(lines.slice(at('├ path inner_a') - 1, at('├ path inner_a') + 3)).toEqual([
      '    ↺ rollback to created (before-path) N ms',
      '    ├ path inner_a',
      `      ✓ read_a GET ${lines[at('✓ read_a')]!.split(' GET ')[1]}`,
      '    └ path inner_a passed N ms',
    ])
    expect(at('↺ rollback to created (after-branch)')).toBe(at('└ path inner_b') + 1)
    expect(at('└ path outer')).toBe(at('↺ rollback to created (after-branch)') + 1)
    expect(at('↺ rollback to logged_in (after-branch)')).toBe(at('└ path failing') + 1)
    expect(at('✓ after')).toBe(at('↺ rollback to logged_in (after-branch)') + 1)
  })
})
