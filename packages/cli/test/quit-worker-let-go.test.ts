/**
 * A second Ctrl-C while the paths of a branch run on workers: the quit asks the workers' state backends to
 * let go (StateBackend.letGo) as it asks the run's own, so that a backend only this process can undo (an
 * in-process proxy's transaction and sequences on a worker's database a setup keeps from run to run) does it
 * before the process ends; one that does not finish is named with its worker. The built `venomqa`, no app:
 * the paths wait for the run's stop, and the backends leave a mark of their letGo.
 */
import { existsSync, readFileSync } from 'node:fs'
import { mkdir, writeFile } from 'node:fs/promises'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type Project, assertBuilt, makeProject, quitTwiceOncePathsRun } from './helpers/project'

/** A state backend that keeps nothing, slow to disconnect, whose letGo leaves `out/let-go-<name>.txt`, or hangs when LET_GO_HANGS names it. */
const BACKEND = `import { writeFileSync } from 'node:fs'

export const backend = (name) => ({
  name,
  mechanism: 'snapshot',
  parallelSafe: false,
  connect: async () => {},
  checkpoint: async () => {},
  rollback: async () => {},
  release: async () => {},
  // As a proxy whose database does not answer: what the quit lets go of is what closing had not undone yet.
  disconnect: () => new Promise((resolve) => setTimeout(resolve, 30_000)),
  letGo: async () => {
    if (process.env.LET_GO_HANGS === name) await new Promise((resolve) => setTimeout(resolve, 60_000))
    writeFileSync(\`out/let-go-\${name}.txt\`, 'let go\\n')
  },
})
`

const CONFIG = `import { backend } from './backend.mjs'

export default {
  baseUrl: 'http://127.0.0.1:9',
  plugins: ['./main-db.mjs'],
  parallelPaths: 2,
  workerSetup: { create: async (index) => ({ stateBackends: [backend(\`w\${index}\`)] }) },
}
`

const PLUGIN = `import { backend } from './backend.mjs'

export default { name: 'main-db', version: '1.0.0', apiVersion: 1, setup(api) { api.addStateBackend(backend('main')) } }
`

const JOURNEY = `import { branch, checkpoint, journey, path, step } from '@venomqa/core'

// Until the run stops it (a minute at most: the timer is what keeps the process waiting, as a request would).
const waits = (name) =>
  path(name, [
    step('waits', ({ signal }) => new Promise((resolve) => {
      const timer = setTimeout(resolve, 60_000)
      signal.addEventListener('abort', () => { clearTimeout(timer); resolve() })
    })),
  ])

export default journey('quit', { steps: [checkpoint('start'), branch('start', [waits('p1'), waits('p2')])] })
`

let project: Project
const marks = () => ['main', 'w1', 'w2'].filter((name) => existsSync(path.join(project.dir, `out/let-go-${name}.txt`)))

describe('a second Ctrl-C while paths run on workers', () => {
  beforeAll(async () => {
    assertBuilt()
    project = await makeProject(null)
    await mkdir(path.join(project.dir, 'journeys'))
    await mkdir(path.join(project.dir, 'out'))
    const files = { 'backend.mjs': BACKEND, 'main-db.mjs': PLUGIN, 'venomqa.config.mjs': CONFIG, 'journeys/quit.journey.mjs': JOURNEY }
    for (const [file, text] of Object.entries(files)) await writeFile(path.join(project.dir, file), text)
  })
  afterAll(async () => {
    await project?.remove()
  })

  it("asks the workers' state backends to let go, as the run's own", async () => {
    const { result } = await quitTwiceOncePathsRun(project, ['p1', 'p2'])
    expect(result.code, result.stderr).toBe(130)
    // The run's own backend, and the backend of the worker the second path ran on.
    expect(marks()).toEqual(['main', 'w1'])
    expect(readFileSync(path.join(project.dir, 'out/let-go-w1.txt'), 'utf8')).toBe('let go\n')
    expect(result.stderr).not.toContain('did not finish undoing')
  })

  it("names a worker's backend that did not finish letting go with its worker", async () => {
    const { result } = await quitTwiceOncePathsRun(project, ['p1', 'p2'], { LET_GO_HANGS: 'w1' })
    expect(result.code, result.stderr).toBe(130)
    expect(result.stderr).toMatch(/\n {2}- worker 1: w1 did not finish undoing what it holds within 2000 ms\n$/)
  })
})
