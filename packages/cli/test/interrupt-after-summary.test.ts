import { readFileSync } from 'node:fs'
import { mkdir, writeFile } from 'node:fs/promises'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type Project, assertBuilt, makeProject } from './helpers/project'

// A Ctrl-C (or SIGTERM) that comes once the run has begun its last word (a report that delivers, the
// console's summary) still ends the command with 130, as every Ctrl-C does. The summary already said
// passed, and the files said not interrupted: the exit code 130 then told another verdict than every
// output. Now a line after the summary says so, and the files are written again marked interrupted, as
// for an error thrown after the summary. The plugin's reporter delivers last but the console, and sends
// the process its own SIGINT while it does. Through the built `venomqa`; no request is sent.
let p: Project

const read = (file: string) => readFileSync(path.join(p.dir, file), 'utf8')

const PLUGIN = `export default {
  name: 'ctrl-c',
  version: '1.0.0',
  apiVersion: 1,
  setup(api) {
    api.addReporter('ctrl-c', () => ({
      name: 'ctrl-c',
      async deliver() {
        process.kill(process.pid, process.env.STOP_SIGNAL)
        await new Promise((resolve) => setTimeout(resolve, 200))
      },
    }))
  },
}
`

beforeAll(async () => {
  assertBuilt()
  p = await makeProject(null)
  await mkdir(path.join(p.dir, 'journeys'), { recursive: true })
  await mkdir(path.join(p.dir, 'plugins'), { recursive: true })
  await writeFile(path.join(p.dir, 'plugins/ctrl-c.mjs'), PLUGIN)
  await mkdir(path.join(p.dir, 'explore'), { recursive: true })
  await writeFile(
    path.join(p.dir, 'explore/local.explore.mjs'),
    "import { action, exploration } from '@venomqa/core'\nexport default exploration('local', { actions: [action('noop', () => {}, { maxPerPath: 1 })], depth: 1, seed: 1 })\n",
  )
  await writeFile(path.join(p.dir, 'journeys/fine.journey.mjs'), "import { journey, step } from '@venomqa/core'\nexport default journey('fine', { steps: [step('one', () => {})] })\n")
})
afterAll(async () => {
  await p?.remove()
})

describe('a Ctrl-C while the run tells its verdict', () => {
  for (const signal of ['SIGINT', 'SIGTERM']) {
    it(`${signal}: exit 130, a line after the summary says so, and the results and JUnit file say interrupted`, async () => {
      const r = await p.venomqa(['run', '--plugin', './plugins/ctrl-c.mjs', '-r', 'ctrl-c', '-r', 'console', '-r', 'junit:out/junit.xml', '--save', 'out/results.json'], {
        process: true,
        env: { STOP_SIGNAL: signal },
      })
      expect(r.code, r.stdout + r.stderr).toBe(130)
      expect(r.stdout.match(/^Result: .*$/gm)).toEqual(['Result: PASSED'])
      expect(r.stderr).toMatch(/^venomqa: interrupted after the summary above, which said passed: the results and reports are written again marked interrupted$/m)
      const results = JSON.parse(read('out/results.json'))
      expect(results.interrupted).toBe(true)
      expect(read('out/junit.xml')).toContain('<testsuites name="venomqa (interrupted)"')
      expect(JSON.parse(read('.venomqa/last-run.json')).status).toBe('failed')
    })
  }
})

describe('a Ctrl-C while explore tells its verdict', () => {
  it('SIGINT: exit 130, a line after the summary says so, and the results say interrupted', async () => {
    const r = await p.venomqa(['explore', '--prefix-replay', '--plugin', './plugins/ctrl-c.mjs', '-r', 'ctrl-c', '-r', 'console', '-r', 'junit:out/explore.xml', '--save', 'out/explore.json'], {
      process: true,
      env: { STOP_SIGNAL: 'SIGINT' },
    })
    expect(r.code, r.stdout + r.stderr).toBe(130)
    expect(r.stdout.match(/^Result: .*$/gm)).toEqual(['Result: PASSED'])
    expect(r.stderr).toMatch(/^venomqa: interrupted after the summary above, which said passed: the results and reports are written again marked interrupted$/m)
    expect(JSON.parse(read('out/explore.json')).interrupted).toBe(true)
    expect(read('out/explore.xml')).toContain('<testsuites name="venomqa (interrupted)"')
  })
})
