/**
 * End to end: `venomqa run --parallel-paths 2`, the built CLI against an API on a local port. The branch's
 * own line is rolled back once before the workers copy it, then each path is rolled back on its own lane,
 * then the branch's line once after the last path. The console printed the first as a `(before-path)`
 * rollback as well, so path `a` (on the main line) read as rolled back twice. Each rollback that ran is
 * printed once, saying what it was for and, for a path's, which path; a saved run and the Markdown report
 * show the same rollbacks.
 */
import { mkdir, readFile, writeFile } from 'node:fs/promises'
import { type Server, createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import path from 'node:path'
import type { RunResult } from '@venomqa/core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type CliResult, type Project, assertBuilt, makeProject } from './helpers/project'

/** A state backend that keeps nothing: its name in a rollback line says on which lane it ran. */
const BACKEND = `export const backend = (name) => ({
  name,
  mechanism: 'snapshot',
  parallelSafe: false,
  connect: async () => {},
  checkpoint: async () => {},
  rollback: async () => {},
  release: async () => {},
  disconnect: async () => {},
})
`

const PLUGIN = `import { backend } from './backend.mjs'

export default { name: 'main-db', version: '1.0.0', apiVersion: 1, setup(api) { api.addStateBackend(backend('main')) } }
`

const JOURNEY = `import { branch, checkpoint, journey, path, step } from '@venomqa/core'

const get = (url) => ({ http }) => http.get(url)

export default journey('par', {
  steps: [
    step('seed', get('/ok')),
    checkpoint('base'),
    branch('base', [path('a', [step('a1', get('/ok'))]), path('b', [step('b1', get('/ok'))]), path('c', [step('c1', get('/ok'))])]),
    step('after', get('/ok')),
  ],
})
`

let server: Server
let project: Project
let live: CliResult
let rendered: CliResult

const rollbackLines = (stdout: string) =>
  stdout
    .split('\n')
    .filter((l) => l.includes('↺'))
    .map((l) => l.replace(/\d+(\.\d+)? ms/g, 'N ms').trim())

beforeAll(async () => {
  assertBuilt()
  server = createServer((_req, res) => res.writeHead(200, { 'content-type': 'application/json' }).end('{"id":1}'))
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  project = await makeProject(null)
  const port = (server.address() as AddressInfo).port
  const config = `import { backend } from './backend.mjs'

export default {
  baseUrl: 'http://127.0.0.1:${port}',
  plugins: ['./main-db.mjs'],
  workerSetup: { create: async (index) => ({ stateBackends: [backend(\`w\${index}\`)] }) },
}
`
  await writeFile(path.join(project.dir, 'package.json'), '{"name":"parallel-rollbacks","private":true,"type":"module"}')
  await mkdir(path.join(project.dir, 'journeys'))
  const files = { 'backend.mjs': BACKEND, 'main-db.mjs': PLUGIN, 'venomqa.config.mjs': config, 'journeys/par.journey.mjs': JOURNEY }
  for (const [file, text] of Object.entries(files)) await writeFile(path.join(project.dir, file), text)
  live = await project.venomqa(['run', '--parallel-paths', '2', '-r', 'console', '-r', 'markdown:out/report.md', '--save', 'out/results.json'], { env: { CI: 'true' } })
  rendered = await project.venomqa(['report', 'out/results.json', '-r', 'console'])
}, 60_000)
afterAll(async () => {
  await project?.remove()
  await new Promise((resolve) => server?.close(resolve))
})

describe('the rollbacks of a branch whose paths run on workers', () => {
  it('prints each rollback that ran once: the branch line before the workers copy it, one per path tagged with its path, one after the branch', async () => {
    expect(live.code, live.stderr).toBe(0)
    const results = JSON.parse(await readFile(path.join(project.dir, 'out/results.json'), 'utf8')) as RunResult
    const branchNode = results.journeys[0]!.nodes.find((n) => n.kind === 'branch')
    expect(branchNode?.kind === 'branch' && branchNode.rollbackBeforeWorkers).toBeTruthy()
    const lines = rollbackLines(live.stdout)
    // 1 before the workers + 3 paths + 1 after the branch: as many lines as rollbacks ran.
    expect(lines, live.stdout).toHaveLength(5)
    expect(lines.filter((l) => l === '↺ rollback to base (before the workers copy it) N ms: main (snapshot) N ms')).toHaveLength(1)
    expect(lines.filter((l) => l === '↺ rollback to base (after-branch) N ms: main (snapshot) N ms')).toHaveLength(1)
    // A path's rollback is the only `before-path` one, and names its path: one each.
    const ofPaths = lines.filter((l) => l.includes('(before-path)'))
    expect(ofPaths.map((l) => l.slice(0, 3)).sort()).toEqual(['[a]', '[b]', '[c]'])
    expect(ofPaths.every((l) => /^\[[abc]\] ↺ rollback to base \(before-path\) N ms: (main|w1) \(snapshot\) N ms$/.test(l)), ofPaths.join('\n')).toBe(true)
  })

  it('renders the same rollbacks for the saved run, and the Markdown report shows the one before the workers', async () => {
    expect(rendered.code, rendered.stderr).toBe(0)
    const untagged = (lines: string[]) => lines.map((l) => l.replace(/^\[[abc]\] /, '')).sort()
    expect(untagged(rollbackLines(rendered.stdout))).toEqual(untagged(rollbackLines(live.stdout)))
    const md = await readFile(path.join(project.dir, 'out/report.md'), 'utf8')
    expect(md).toMatch(/⑂ branch from \*\*base\*\* \(3 paths; rollback before the workers [\d.]+ ms; final rollback [\d.]+ ms\)/)
    // Each path's row says which worker ran it, then its rollback.
    expect(md.match(/\| path \*\*[abc]\*\* \(on worker (?:0 \(the run's own app\)|\d+), rollback [\d.]+ ms\)/g)).toHaveLength(3)
  })
})
