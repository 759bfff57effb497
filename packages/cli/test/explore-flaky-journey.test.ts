import { readFileSync } from 'node:fs'
import { writeFile } from 'node:fs/promises'
import path from 'node:path'
import { type RunningProcess, startNodeProcess } from '@venomqa/test-utils'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type Project, assertBuilt, makeProject } from './helpers/project'

// `venomqa explore` (the built binary) against an app in its own process whose POST /flip crashes on
// every other call: the search meets the 500, the first replay from the root does not, and the three
// confirming replays get it twice. A violation reproduced 2 of 3 times is flaky, and so is the
// regression journey written for it: a pass of that journey is no proof of a fix. POST /flap does the
// same with a count of its own (its exploration starts on its first call), and POST /once crashes on its
// first call only: the search meets it, and no replay reproduces it (0/3).
const APP = `import http from 'node:http'
const calls = {}
const server = http.createServer(async (req, res) => {
  for await (const _ of req);
  const url = new URL(req.url, 'http://app')
  const counted = req.method === 'POST' && ['/flip', '/flap', '/once'].includes(url.pathname)
  const n = counted ? (calls[url.pathname] = (calls[url.pathname] ?? 0) + 1) : 0
  const crash = url.pathname === '/once' ? n === 1 : n % 2 === 1
  res.writeHead(crash ? 500 : 200, { 'content-type': 'application/json' })
  res.end(crash ? '{"error":"crashed"}' : '{"ok":true}')
})
server.listen(Number(process.env.PORT), process.env.HOST, () => console.log('listening on http://' + process.env.HOST + ':' + server.address().port))
`

const EXPLORATION = `import { action, exploration } from '@venomqa/core'

export default exploration('flip', {
  actions: [action('flip', ({ http }) => http.post('/flip'), { maxPerPath: 1 })],
  depth: 1,
  seed: 1,
})
`

const ONCE = EXPLORATION.replaceAll('flip', 'once')
const FLAP = EXPLORATION.replaceAll('flip', 'flap')

let app: RunningProcess
let project: Project

describe('a flaky violation', () => {
  beforeAll(async () => {
    assertBuilt()
    project = await makeProject(null)
    await writeFile(path.join(project.dir, 'app.mjs'), APP)
    app = await startNodeProcess(path.join(project.dir, 'app.mjs'))
    await writeFile(path.join(project.dir, 'package.json'), JSON.stringify({ name: 'flip', private: true, type: 'module' }))
    await writeFile(path.join(project.dir, 'venomqa.json'), JSON.stringify({ baseUrl: app.url, plugins: ['http-control'] }))
    await writeFile(path.join(project.dir, 'flip.explore.ts'), EXPLORATION)
    await writeFile(path.join(project.dir, 'once.explore.ts'), ONCE)
    await writeFile(path.join(project.dir, 'flap.explore.ts'), FLAP)
  })
  afterAll(async () => {
    await app?.stop()
    await project?.remove()
  })

  it('is reported flaky, and its regression journey says it may pass while the bug exists', async () => {
    const r = await project.venomqa(['explore', 'flip.explore.ts', '--save', 'results.json', '--emit', 'regressions'])
    expect(r.code, r.stdout + r.stderr).toBe(1)
    expect(r.stdout).toContain('✗ no_5xx [high] flaky, reproduced 2/3')
    const [v] = JSON.parse(readFileSync(path.join(project.dir, 'results.json'), 'utf8')).explorations[0].violations
    expect(v.flaky).toBe(true)
    const text = readFileSync(path.join(project.dir, v.emittedFile), 'utf8')
    expect(text).toContain('// FLAKY: this sequence did not break the invariant in every replay from the root state, so this journey may pass while the bug')
  })

  // The exit code fails the run on a flaky violation: so must the JUnit file, in the exploration's own
  // suite, for a CI server that reads only the file.
  it('fails its exploration in the JUnit file, as the exit code does, reproduced 2/3 or 0/3', async () => {
    for (const [name, seen] of [['flap', '2/3'], ['once', '0/3']]) {
      const r = await project.venomqa(['explore', `${name}.explore.ts`, '--no-emit', '-r', 'console', '-r', `junit:${name}.xml`])
      expect(r.code, r.stdout + r.stderr).toBe(1)
      expect(r.stdout).toContain(`✗ no_5xx [high] flaky, reproduced ${seen}`)
      const xml = readFileSync(path.join(project.dir, `${name}.xml`), 'utf8')
      expect(xml, name).toMatch(new RegExp(`<testsuite name="explore ${name}" [^>]* failures="1" errors="0"`))
      expect(xml, name).toContain(`<failure message="flaky, reproduced ${seen}: ${name}: HTTP 500 from POST`)
    }
  })
})
