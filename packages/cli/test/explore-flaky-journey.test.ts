import { readFileSync } from 'node:fs'
import { writeFile } from 'node:fs/promises'
import path from 'node:path'
import { type RunningProcess, startNodeProcess } from '@venomqa/test-utils'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type Project, assertBuilt, makeProject } from './helpers/project'

// `venomqa explore` (the built binary) against an app in its own process whose POST /flip crashes on
// every other call: the search meets the 500, the first replay from the root does not, and the three
// confirming replays get it twice. A violation reproduced 2 of 3 times is flaky, and so is the
// regression journey written for it: a pass of that journey is no proof of a fix.
const APP = `import http from 'node:http'
let flips = 0
const server = http.createServer(async (req, res) => {
  for await (const _ of req);
  const url = new URL(req.url, 'http://app')
  const crash = req.method === 'POST' && url.pathname === '/flip' && ++flips % 2 === 1
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
})
