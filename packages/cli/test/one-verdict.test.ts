import { existsSync, readFileSync } from 'node:fs'
import { mkdir, writeFile } from 'node:fs/promises'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type Project, assertBuilt, makeProject } from './helpers/project'

// A run tells one verdict, the exit code's, in every output it leaves: the console prints one `Result:`
// line, and a report that cannot be written fails the run in the results and the other reports too. It
// used to print `Result: PASSED`, then `Result: FAILED (an output could not be written...)`, with the
// results, JUnit and Markdown files saying passed. Through the built `venomqa`; no request is sent.
let p: Project

const read = (file: string) => readFileSync(path.join(p.dir, file), 'utf8')

beforeAll(async () => {
  assertBuilt()
  p = await makeProject(null)
  await mkdir(path.join(p.dir, 'journeys'), { recursive: true })
  // The step puts a file where the Markdown report's directory goes: the path was fine when the run began.
  await writeFile(
    path.join(p.dir, 'journeys/block.journey.mjs'),
    "import { writeFileSync } from 'node:fs'\nimport { journey, step } from '@venomqa/core'\nexport default journey('block', { steps: [step('put_a_file_in_the_way', () => { writeFileSync('blocked', 'in the way') })] })\n",
  )
})
afterAll(async () => {
  await p?.remove()
})

describe('a report that cannot be written', () => {
  it('fails the run in every output: one Result line, FAILED, and the results, JUnit and Markdown files say why', async () => {
    const r = await p.venomqa(['run', '-r', 'console', '-r', 'junit:out/junit.xml', '-r', 'markdown:blocked/report.md', '-r', 'markdown:out/report.md', '--save', 'out/results.json'])
    expect(r.code, r.stdout + r.stderr).toBe(1)
    expect(r.stderr).toMatch(/^venomqa: warning: reporter markdown failed: could not write blocked\/report\.md: a file stands where a directory of its path would be$/m)
    expect(r.stdout.match(/^Result: .*$/gm)).toEqual(['Result: FAILED'])
    expect(r.stdout).toMatch(/^ {2}✗ write the markdown report \[critical\] output$/m)
    // Written before the Markdown report failed, then again to say so.
    const results = JSON.parse(read('out/results.json'))
    expect(results.status).toBe('failed')
    expect(results.issues).toEqual([expect.objectContaining({ severity: 'critical', source: 'output', step: 'write the markdown report', error: expect.stringMatching(/^reporter markdown failed: could not write blocked\/report\.md: a file stands where a directory of its path would be$/) })])
    expect(read('out/junit.xml')).toContain('reporter markdown failed')
    expect(read('out/junit.xml')).not.toMatch(/<testsuites[^>]* failures="0" errors="0"/)
    expect(read('out/report.md')).toContain('reporter markdown failed')
    expect(read('out/report.md')).toContain('**Result:** ❌ failed')
    expect(existsSync(path.join(p.dir, 'blocked/report.md'))).toBe(false)
    expect(JSON.parse(read('.venomqa/last-run.json')).status).toBe('failed')
  })

  it('merge-reports: the same, for what it writes from passing shards', async () => {
    await writeFile(path.join(p.dir, 'journeys/fine.journey.mjs'), "import { journey, step } from '@venomqa/core'\nexport default journey('fine', { steps: [step('one', () => {})] })\n")
    const shard = await p.venomqa(['run', 'journeys/fine.journey.mjs', '--shard', '1/1', '--save', 'shards/one.json'])
    expect(shard.code, shard.stderr).toBe(0)
    // A plugin's reporter that throws as it renders.
    await mkdir(path.join(p.dir, 'plugins'), { recursive: true })
    await writeFile(
      path.join(p.dir, 'plugins/boom.mjs'),
      "export default { name: 'boom', version: '1.0.0', apiVersion: 1, setup(api) { api.addReporter('boom', () => ({ name: 'boom', render() { throw new Error('boom render') } })) } }\n",
    )
    const r = await p.venomqa(['merge-reports', 'shards/one.json', '--plugin', './plugins/boom.mjs', '-r', 'console', '-r', 'boom:out/boom.txt', '-r', 'junit:out/merged.xml', '--save', 'out/merged.json'])
    expect(r.code, r.stdout + r.stderr).toBe(1)
    expect(r.stdout.match(/^Result: .*$/gm)).toEqual(['Result: FAILED'])
    const merged = JSON.parse(read('out/merged.json'))
    expect(merged.status).toBe('failed')
    expect(merged.issues).toEqual([expect.objectContaining({ source: 'output', step: 'write the boom report', error: 'reporter boom failed: boom render' })])
    expect(read('out/merged.xml')).toContain('reporter boom failed: boom render')
  })
})
