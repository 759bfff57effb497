import { existsSync, readFileSync } from 'node:fs'
import { rm, symlink, writeFile } from 'node:fs/promises'
import path from 'node:path'
import { CLOSED_PORT, REPO_ROOT, type RunningProcess, startNodeProcess } from '@venomqa/test-utils'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type Project, assertBuilt, makeProject, waitUntil, cliHost } from './helpers/project'

/** This file's commands run in one process of the built CLI (see CliHost), but those that need one of their own. */
const host = cliHost()

// `venomqa explore` (the built binary) against an app in its own process, with every report, on two
// results that must not read as finished ones:
// - Ctrl-C before any violation: the search checked part of the tree only, so nothing says it passed,
//   as `venomqa run` fails a journey cut short. An exploration queued behind it never starts: it is in
//   every report all the same, failed as not run, and counted.
// - A flaky violation whose first replay from the root did not break the invariant: it is not shrunk
//   (see the shrinker), and every report and its regression journey say so, rather than calling the
//   sequence the search met, noise action included, a minimal one.
const APP = `import http from 'node:http'
import { writeFileSync } from 'node:fs'

let flips = 0
const server = http.createServer(async (req, res) => {
  for await (const _ of req);
  const url = new URL(req.url, 'http://app')
  const reply = (status, body) => {
    res.writeHead(status, { 'content-type': 'application/json' })
    res.end(JSON.stringify(body))
  }
  if (url.pathname === '/slow') {
    writeFileSync(process.env.SLOW_MARK, 'hit')
    return setTimeout(() => reply(200, { ok: true }), 300)
  }
  // Crashes on the 1st call, then on every other one from the 4th: the search meets it after /noise,
  // the shrinker's first replay (3rd call) does not, and the confirming replays (4th to 6th) do twice.
  if (url.pathname === '/flip') {
    flips++
    return reply(flips === 1 || (flips >= 4 && flips % 2 === 0) ? 500 : 200, { flips })
  }
  reply(200, {})
})
server.listen(Number(process.env.PORT), process.env.HOST, () => console.log('listening on http://' + process.env.HOST + ':' + server.address().port))
`

const SLOW = `import { action, exploration } from '@venomqa/core'

export default exploration('slow', {
  actions: [action('slow', ({ http }) => http.post('/slow'))],
  depth: 50,
  dedupe: false,
  seed: 1,
})
`

const UNTOUCHED = `import { action, exploration } from '@venomqa/core'

export default exploration('untouched', {
  actions: [action('poke', ({ http }) => http.post('/poke'))],
  depth: 2,
})
`

const FLIP = `import { action, exploration } from '@venomqa/core'

export default exploration('flip', {
  actions: [action('noise', ({ http }) => http.post('/noise'), { maxPerPath: 1 }), action('flip', ({ http }) => http.post('/flip'), { maxPerPath: 1 })],
  depth: 2,
  dedupe: false,
  seed: 1,
})
`

const REPORTS = ['-r', 'console', '-r', 'json:r.json', '-r', 'junit:r.xml', '-r', 'markdown:r.md', '-r', 'html:r.html']

let app: RunningProcess
let project: Project
const read = (file: string) => readFileSync(path.join(project.dir, file), 'utf8')

describe('explore results that are not a finished search or a shrunk sequence', () => {
  beforeAll(async () => {
    assertBuilt()
    project = await makeProject(null, {}, host)
    await symlink(path.join(REPO_ROOT, 'packages/reporter-html'), path.join(project.dir, 'node_modules/@venomqa/reporter-html'), 'dir')
    await writeFile(path.join(project.dir, 'app.mjs'), APP)
    app = await startNodeProcess(path.join(project.dir, 'app.mjs'), { env: { SLOW_MARK: path.join(project.dir, 'slow-hit') } })
    await writeFile(path.join(project.dir, 'package.json'), JSON.stringify({ name: 'unfinished', private: true, type: 'module' }))
    await writeFile(path.join(project.dir, 'venomqa.json'), JSON.stringify({ baseUrl: app.url, plugins: ['http-control'] }))
    await writeFile(path.join(project.dir, 'slow.explore.ts'), SLOW)
    await writeFile(path.join(project.dir, 'flip.explore.ts'), FLIP)
    await writeFile(path.join(project.dir, 'untouched.explore.ts'), UNTOUCHED)
  })
  afterAll(async () => {
    await app?.stop()
    await project?.remove()
  })

  it('Ctrl-C before any violation: no report says passed', async () => {
    const run = project.spawn(['explore', 'slow.explore.ts', '--no-emit', '--save', 'results.json', ...REPORTS])
    await waitUntil(() => existsSync(path.join(project.dir, 'slow-hit')), 'the first request of the search')
    run.child.kill('SIGINT')
    const r = await run.done
    expect(r.code, r.stdout + r.stderr).toBe(130)
    expect(r.stdout).toContain('Result: INTERRUPTED')
    expect(r.stdout).toMatch(/Explored {2}0 passed, 1 failed of 1, 0 violations/)
    for (const file of ['results.json', 'r.json']) {
      const saved = JSON.parse(read(file))
      expect([saved.status, saved.interrupted, saved.summary.explorations], file).toEqual(['failed', true, { total: 1, passed: 0, failed: 1, violations: 0, flaky: 0 }])
      expect([saved.explorations[0].status, saved.explorations[0].interrupted], file).toEqual(['failed', true])
    }
    expect(read('r.md')).toMatch(/\| slow \| ❌ failed \(interrupted\) \|/)
    expect(read('r.md')).not.toContain('✅')
    const html = read('r.html')
    expect(html).toContain('"status":"failed","interrupted":true')
    expect(html).toContain('"explorations":{"total":1,"passed":0,"failed":1')
    // JUnit: the invariants held only on the part searched (skipped), and the exploration itself fails.
    const junit = read('r.xml')
    expect(junit).toContain('<skipped message="the exploration was interrupted before its search finished')
    expect(junit).toMatch(/<testcase name="exploration" [^>]*>\s*<error message="exploration interrupted"/)
    // `venomqa report` renders the saved results the same way.
    const again = await project.venomqa(['report', 'results.json'])
    expect(again.stdout).toMatch(/Explored {2}0 passed, 1 failed of 1/)
  })

  it('a second Ctrl-C: once its backends let go it ends, having written no results and printed no result line', async () => {
    await rm(path.join(project.dir, 'slow-hit'), { force: true })
    // A state backend whose letGo takes a while, as a proxy putting its sequences back over a slow network:
    // the exploration's own way to its end, meanwhile, must not write what the quit says it does not.
    await writeFile(
      path.join(project.dir, 'slow-let-go.mjs'),
      `import { writeFileSync } from 'node:fs'
let signals = 0
let quit = () => {}
const quitting = new Promise((resolve) => { quit = resolve })
process.on('SIGINT', () => { if (++signals === 2) quit() })
export default { name: 'slow-let-go', version: '1.0.0', apiVersion: 1, setup(api) {
  api.addStateBackend({ name: 'slow-let-go', mechanism: 'snapshot', parallelSafe: false, connect: async () => {}, checkpoint: async () => {}, release: async () => {}, disconnect: async () => {},
    // Once interrupted, done only once the quit began (the second Ctrl-C), and long before its letGo: the
    // exploration then comes to its end while the quit waits.
    // (The timer is what keeps the process waiting, as a database's socket would.)
    rollback: async () => { if (!signals) return; console.error('slow-let-go: rolling back slowly'); await Promise.race([quitting, new Promise((resolve) => setTimeout(resolve, 60_000))]) },
    letGo: async () => { await new Promise((resolve) => setTimeout(resolve, 1200)); writeFileSync('let-go-mark', 'let go') } })
} }
`,
    )
    const run = project.spawn(['explore', 'slow.explore.ts', '--no-emit', '--save', 'quit-results.json', '--plugin', './slow-let-go.mjs'])
    await waitUntil(() => existsSync(path.join(project.dir, 'slow-hit')), 'the first request of the search')
    run.child.kill('SIGINT')
    await waitUntil(() => run.output().stderr.includes('slow-let-go: rolling back slowly'), 'the search to be put back')
    run.child.kill('SIGINT')
    const r = await run.done
    expect(r.code, r.stdout + r.stderr).toBe(130)
    expect(existsSync(path.join(project.dir, 'let-go-mark')), r.stdout + r.stderr).toBe(true)
    expect(read('let-go-mark')).toBe('let go')
    expect(existsSync(path.join(project.dir, 'quit-results.json'))).toBe(false)
    expect(r.stdout).not.toContain('Result:')
    expect(r.stderr).toMatch(/\nvenomqa: quitting now: a rollback still under way is cut short, [^\n]*reports and results not yet written are not written\n$/)
  })

  it('Ctrl-C once the search is over, while a plugin closes: exit 130, never 0', async () => {
    // The result said passed before the signal; the command was still stopped short (as `venomqa run` judges).
    // The close takes its time until the Ctrl-C comes (or 30 s): the signal lands while it closes, and the
    // test does not wait the close out.
    await writeFile(
      path.join(project.dir, 'slow-close.mjs'),
      `export default { name: 'slow-close', version: '1.0.0', apiVersion: 1, setup(api) {
  api.onClose(async () => {
    console.error('slow-close: closing')
    await new Promise((resolve) => { const t = setTimeout(resolve, 30_000); process.once('SIGINT', () => { clearTimeout(t); resolve() }) })
  })
} }
`,
    )
    const run = project.spawn(['explore', 'untouched.explore.ts', '--no-emit', '--plugin', './slow-close.mjs'])
    await waitUntil(() => run.output().stderr.includes('slow-close: closing'), 'the plugin to start closing')
    run.child.kill('SIGINT')
    const r = await run.done
    expect(r.code, r.stdout + r.stderr).toBe(130)
  })

  it('Ctrl-C with an exploration still queued: it is in every report, failed as not run, and counted', async () => {
    // The mark of an earlier run of the app would let the signal come before the search began.
    await rm(path.join(project.dir, 'slow-hit'), { force: true })
    const run = project.spawn(['explore', 'slow.explore.ts', 'untouched.explore.ts', '--no-emit', '--save', 'results.json', ...REPORTS])
    await waitUntil(() => existsSync(path.join(project.dir, 'slow-hit')), 'the first request of the search')
    run.child.kill('SIGINT')
    const r = await run.done
    expect(r.code, r.stdout + r.stderr).toBe(130)
    expect(r.stderr).toContain('venomqa: not explored untouched: the run was interrupted before it started')
    expect(r.stdout).toContain('◇ exploration untouched interrupted not run: the run was interrupted before it started')
    expect(r.stdout).toMatch(/Explored {2}0 passed, 2 failed of 2, 0 violations/)
    for (const file of ['results.json', 'r.json']) {
      const saved = JSON.parse(read(file))
      expect([saved.status, saved.interrupted, saved.summary.explorations], file).toEqual(['failed', true, { total: 2, passed: 0, failed: 2, violations: 0, flaky: 0 }])
      const [slow, untouched] = saved.explorations
      expect([slow.name, slow.status, slow.interrupted, slow.notStarted], file).toEqual(['slow', 'failed', true, undefined])
      expect([untouched.name, untouched.status, untouched.interrupted, untouched.notStarted, untouched.file, untouched.stats.transitions], file).toEqual(['untouched', 'failed', true, true, 'untouched.explore.ts', 0])
    }
    expect(read('r.md')).toMatch(/\| untouched \| ❌ failed \(interrupted, not run\) \|/)
    expect(read('r.md')).toContain('> ⚠️ **Not run:** the run was interrupted before this exploration started.')
    expect(read('r.html')).toContain('"explorations":{"total":2,"passed":0,"failed":2')
    // The last exploration of the page's data: its fields up to its flags.
    expect(read('r.html')).toMatch(/"n":"untouched",.*"ir":1,"nr":1\}\]/)
    const junit = read('r.xml')
    expect(junit).toContain('<testsuite name="explore untouched"')
    expect(junit).toMatch(/<testcase name="exploration" classname="explore\.untouched"[^>]*>\s*<error message="exploration not run: the run was interrupted before it started"/)
    // `venomqa report` renders the saved results the same way.
    const again = await project.venomqa(['report', 'results.json'])
    expect(again.stdout).toMatch(/Explored {2}0 passed, 2 failed of 2/)
    expect(again.stdout).toContain('◇ exploration untouched interrupted not run: the run was interrupted before it started')
  })

  it('an exploration whose first action met no API at the base URL says it explored nothing, not "1 transition, 1 state"', async () => {
    await writeFile(path.join(project.dir, 'down.json'), JSON.stringify({ baseUrl: `http://127.0.0.1:${CLOSED_PORT}` }))
    const r = await project.venomqa(['explore', 'untouched.explore.ts', '-c', 'down.json', '--prefix-replay', '--no-emit', '--seed', '1'])
    expect(r.code, r.stdout + r.stderr).toBe(1)
    expect(r.stderr).toContain('venomqa: explored untouched (dfs, depth 2, seed 1): explored nothing: it stopped before its first action (see its issues)\n')
    expect(r.stdout).toContain('◇ exploration untouched failed dfs, depth 2, seed 1\n  explored nothing: it stopped before its first action (see its issues)\n  coverage: poke ×0\n')
    expect(r.stdout).toContain(`nothing answers at the base URL http://127.0.0.1:${CLOSED_PORT}`)
  })

  it('a flaky violation whose first replay did not reproduce it is said not to be shrunk, in every report and its journey', async () => {
    const r = await project.venomqa(['explore', 'flip.explore.ts', '--emit', 'regressions', '--save', 'results.json', ...REPORTS])
    expect(r.code, r.stdout + r.stderr).toBe(1)
    expect(r.stdout).toContain('✗ no_5xx [high] flaky, reproduced 2/3')
    expect(r.stdout).toContain('noise → flip (not shrunk: the first replay from the root did not reproduce it)')
    const [v] = JSON.parse(read('results.json')).explorations[0].violations
    expect([v.sequence.map((s: { action: string }) => s.action), v.flaky, v.notShrunk]).toEqual([['noise', 'flip'], true, 'the first replay from the root did not reproduce it'])
    expect(JSON.parse(read('r.json')).explorations[0].violations[0].notShrunk).toBe(v.notShrunk)
    expect(read('r.md')).toContain('not shrunk: the first replay from the root did not reproduce it')
    expect(read('r.md')).toContain('Sequence as the search found it, not shrunk:')
    expect(read('r.md')).not.toContain('Minimal sequence')
    expect(read('r.xml')).toContain('Sequence as the search found it, not shrunk; the first replay from the root did not reproduce it (2 actions):')
    expect(read('r.html')).toContain('"ns":"the first replay from the root did not reproduce it"')
    const journey = read(v.emittedFile)
    expect(journey).toContain('// NOT SHRUNK: the first replay from the root did not reproduce it, so some of these actions may not be needed to break the invariant.')
    expect(journey).toContain('// FLAKY:')
  })
})
