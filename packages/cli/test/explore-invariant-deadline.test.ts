import { readFileSync } from 'node:fs'
import { writeFile } from 'node:fs/promises'
import path from 'node:path'
import { type RunningProcess, startNodeProcess } from '@venomqa/test-utils'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type Project, assertBuilt, makeProject, cliHost } from './helpers/project'

/** This file's commands run in one process of the built CLI (see CliHost), but those that need one of their own. */
const host = cliHost()

// `venomqa explore` (the built binary) against an app in its own process whose GET /slow answers only
// after `ms`: an invariant's probe there gets no answer before the check's deadline (the config's
// `timeout`). Such a replay is no reproduction, whether the probe is cut by its own request timeout or
// by the check's deadline. Nor is one whose check ran past its deadline with no request waiting (it
// sent none, or every one was answered): a check cut short gave no verdict.
const APP = `import http from 'node:http'
const server = http.createServer(async (req, res) => {
  for await (const _ of req);
  const url = new URL(req.url, 'http://app')
  if (url.pathname === '/slow') await new Promise((r) => setTimeout(r, Number(url.searchParams.get('ms'))))
  res.writeHead(200, { 'content-type': 'application/json' })
  res.end('{"ok":true}')
})
server.listen(Number(process.env.PORT), process.env.HOST, () => console.log('listening on http://' + process.env.HOST + ':' + server.address().port))
`

/**
 * How long /slow takes to answer, and a sleeping check to end: twice the check's 400 ms deadline. No busy
 * machine sees either in time: the app starts its wait once the probe arrived, the check once it began, and
 * a deadline passed is taken before any answer that comes later. Not longer: each replay waits for the
 * probe it cut short to be answered before it rolls back.
 */
const PAST_DEADLINE_MS = 800

const exploration = (probe: string) => slowCheck(`async ({ http }) => (await ${probe}).status === 200`)

const slowCheck = (check: string) => `import { action, exploration, invariant } from '@venomqa/core'

export default exploration('slow-probe', {
  actions: [action('tick', ({ http }) => http.post('/tick'), { maxPerPath: 1 })],
  invariants: [invariant('the slow report answers', ${check})],
  depth: 1,
  seed: 1,
})
`

/** A check that waits past its deadline (400 ms) after its requests, if any, were answered. */
const sleeping = (before: string) => `async ({ http }) => {
    ${before}
    await new Promise((resolve) => setTimeout(resolve, ${PAST_DEADLINE_MS}))
    return true
  }`

let app: RunningProcess
let project: Project

/**
 * Explore slow.explore.ts: the violation is met, never reproduced in 3 replays, flaky, and no regression
 * journey is written for it. Its result, for what each case checks besides.
 */
async function exploredFlakyNoJourney() {
  const r = await project.venomqa(['explore', 'slow.explore.ts', '--save', 'results.json', '--emit', 'regressions'], { timeoutMs: 40_000 })
  expect(r.code, r.stdout + r.stderr).toBe(1)
  expect(r.stdout).toContain('✗ the slow report answers [high] flaky, reproduced 0/3')
  const [x] = JSON.parse(readFileSync(path.join(project.dir, 'results.json'), 'utf8')).explorations
  const [v] = x.violations
  expect(v.reproduced).toEqual({ attempts: 3, failures: 0 })
  expect(v.flaky).toBe(true)
  expect(v.emittedFile).toBeUndefined()
  expect(r.stderr).not.toContain('regression journey written')
  return v
}

describe('an invariant whose probe gets no answer before its deadline', () => {
  beforeAll(async () => {
    assertBuilt()
    project = await makeProject(null, {}, host)
    await writeFile(path.join(project.dir, 'app.mjs'), APP)
    app = await startNodeProcess(path.join(project.dir, 'app.mjs'))
    await writeFile(path.join(project.dir, 'package.json'), JSON.stringify({ name: 'slow-probe', private: true, type: 'module' }))
    await writeFile(path.join(project.dir, 'venomqa.json'), JSON.stringify({ baseUrl: app.url, plugins: ['http-control'], timeout: 400 }))
  })
  afterAll(async () => {
    await app?.stop()
    await project?.remove()
  })

  it.each([
    ["the check's deadline", `http.get('/slow?ms=${PAST_DEADLINE_MS}')`, 'invariant "the slow report answers" timed out after 400 ms'],
    ["the probe's own timeout", `http.get('/slow?ms=${PAST_DEADLINE_MS}', { timeout: 200 })`, `/slow?ms=${PAST_DEADLINE_MS} timed out after 200 ms`],
  ])('cut by %s: no reproduction, the probe reported, no regression journey', async (_whose, probe, message) => {
    await writeFile(path.join(project.dir, 'slow.explore.ts'), exploration(probe))
    const v = await exploredFlakyNoJourney()
    // Named as what timed out: there is no step of that name to look for.
    expect(v.message).toContain(message)
    expect(v.probes.map((e: { request: { url: string } }) => new URL(e.request.url).pathname)).toEqual(['/slow'])
  }, 60_000)

  it.each([
    ['sends no request', sleeping(''), []],
    ['had its request answered', sleeping("await http.get('/slow?ms=0')"), ['/slow']],
  ])('a check that %s and runs past its deadline: no reproduction, no regression journey', async (_what, check, probes) => {
    await writeFile(path.join(project.dir, 'slow.explore.ts'), slowCheck(check))
    const v = await exploredFlakyNoJourney()
    expect(v.message).toContain('invariant "the slow report answers" timed out after 400 ms')
    expect(v.notShrunk).toBe("the first replay from the root could not tell (the invariant's check ran past its deadline)")
    expect(v.probes.map((e: { request: { url: string } }) => new URL(e.request.url).pathname)).toEqual(probes)
  }, 60_000)
})
