import { existsSync, readFileSync } from 'node:fs'
import { mkdir, writeFile } from 'node:fs/promises'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type Project, assertBuilt, makeProject, waitUntil } from './helpers/project'

// A run that cannot finish must never look like one that passed: user code that ends the process, and a
// run stopped by a mistake before it wrote anything, through the built `venomqa`. No API is needed.
let p: Project

const write = async (file: string, text: string) => {
  await mkdir(path.dirname(path.join(p.dir, file)), { recursive: true })
  await writeFile(path.join(p.dir, file), text)
}

beforeAll(async () => {
  assertBuilt()
  p = await makeProject(null)
  await write(
    'journeys/exit.journey.mjs',
    `import { journey, step } from '@venomqa/core'
export default journey('exiter', { steps: [
  step('one', () => {}),
  step('lib_calls_exit', () => { process.exit(0) }),
  step('after', () => {}),
] })
`,
  )
  await write('other/fine.journey.mjs', `import { journey, step } from '@venomqa/core'\nexport default journey('fine', { steps: [step('one', () => {})] })\n`)
})
afterAll(async () => {
  await p?.remove()
})

describe('runs that cannot finish', () => {
  it('a step that calls process.exit(0) fails where it called it; the run goes on, writes its reports and exits 1', async () => {
    const r = await p.venomqa(['run', 'journeys', '-r', 'console', '-r', 'junit:out/junit.xml', '--save', 'out/results.json'])
    expect(r.code, r.stderr).toBe(1)
    expect(r.stdout).toContain('✗ lib_calls_exit')
    expect(r.stdout).toContain('process.exit(0) was called while venomqa was running')
    expect(r.stdout).toContain('✓ after')
    const saved = JSON.parse(readFileSync(path.join(p.dir, 'out/results.json'), 'utf8'))
    expect(saved.status).toBe('failed')
    expect(readFileSync(path.join(p.dir, 'out/junit.xml'), 'utf8')).toContain('failures="1"')
  })

  it('a journeyEnd hook that hangs past pluginTimeout fails its journey (critical issue): exit 1, failed in every report', async () => {
    await write(
      'plugins/slow-journey-end.mjs',
      `export default { name: 'slow-journey-end', version: '1.0.0', apiVersion: 1, hooks: { journeyEnd: () => new Promise((r) => setTimeout(r, 10_000)) } }\n`,
    )
    await write('skipped/skip.journey.mjs', `import { journey, step } from '@venomqa/core'\nexport default journey.skip('skipped', { steps: [step('one', () => {})] })\n`)
    const r = await p.venomqa(
      ['run', 'other', 'skipped', '--plugin', './plugins/slow-journey-end.mjs', '--plugin-timeout', '300', '-r', 'console', '-r', 'junit:out/hook.xml', '--save', 'out/hook.json'],
      { timeoutMs: 60_000 },
    )
    expect(r.code, r.stdout + r.stderr).toBe(1)
    expect(r.stdout).toContain('"journeyEnd" hook timed out after 300 ms')
    expect(r.stdout).toContain('Result: FAILED')
    const saved = JSON.parse(readFileSync(path.join(p.dir, 'out/hook.json'), 'utf8'))
    expect(saved.status).toBe('failed')
    expect(saved.journeys.map((j: { name: string; status: string }) => [j.name, j.status])).toEqual([
      ['fine', 'failed'],
      ['skipped', 'failed'],
    ])
    expect(readFileSync(path.join(p.dir, 'out/hook.xml'), 'utf8')).not.toMatch(/<testsuites[^>]* failures="0" errors="0"/)
  })

  it.each([
    ['a runEnd hook', `hooks: { runEnd() { setTimeout(() => { throw new Error('late boom') }, 0) } }`],
    [
      "a reporter's render",
      `setup(api) { api.addReporter('late', () => ({ name: 'late', render() { setTimeout(() => { throw new Error('late boom') }, 0); return 'late report' } })) }`,
    ],
  ])('a timer that throws from %s fails the run: every report written and failed, one verdict printed, FAILED, exit 1', async (_, body) => {
    // It used to end the process at once (exit 1) after the console said PASSED, with the JUnit file unwritten
    // and the results file saying passed; then to print PASSED, and FAILED after it.
    await write('plugins/late-timer.mjs', `export default { name: 'late-timer', version: '1.0.0', apiVersion: 1, ${body} }\n`)
    const reporters = body.includes('addReporter') ? ['-r', 'late:out/late.txt'] : []
    const r = await p.venomqa(['run', 'other', '--plugin', './plugins/late-timer.mjs', '-r', 'console', ...reporters, '-r', 'junit:out/late.xml', '--save', 'out/late.json'])
    expect(r.code, r.stdout + r.stderr).toBe(1)
    expect(r.stderr).toContain('an error was thrown after the journeys ran, where nothing awaited it (a runEnd hook, a reporter or a plugin, e.g. in a timer): late boom')
    expect(r.stdout.match(/^Result: .*$/gm)).toEqual(['Result: FAILED'])
    expect(r.stdout).toMatch(/^Issues\n[\s\S]*late boom/m)
    expect(JSON.parse(readFileSync(path.join(p.dir, 'out/late.json'), 'utf8')).status).toBe('failed')
    expect(readFileSync(path.join(p.dir, 'out/late.xml'), 'utf8')).toContain('late boom')
    if (reporters.length) expect(readFileSync(path.join(p.dir, 'out/late.txt'), 'utf8')).toBe('late report')
  })

  it('a config that calls process.exit(0) as it loads is refused (exit 2), not a silent exit 0', async () => {
    await write('venomqa.config.mjs', `export default { baseUrl: 'http://127.0.0.1:1/' + process.exit(0) }\n`)
    try {
      const r = await p.venomqa(['run', 'other'])
      expect(r.code, r.stderr).toBe(2)
      expect(r.stderr).toContain('process.exit(0) was called while venomqa was running')
    } finally {
      await writeFile(path.join(p.dir, 'venomqa.config.mjs'), 'export default {}\n')
    }
  })

  it('a run stopped by a mistake before it ran removes what an earlier run wrote where it would write', async () => {
    // Shards rerun after a journey broke: their earlier results must not be merged as this run's.
    const first = await p.venomqa(['run', 'other', '--save', 'shard/s1.json', '-r', 'junit:shard/s1.xml'])
    expect(first.code, first.stderr).toBe(0)
    expect(existsSync(path.join(p.dir, 'shard/s1.json'))).toBe(true)
    await write('other/broken.journey.mjs', 'export default broken((\n')
    const stopped = await p.venomqa(['run', 'other', '--save', 'shard/s1.json', '-r', 'junit:shard/s1.xml'])
    expect(stopped.code).toBe(2)
    expect(stopped.stderr).toContain('could not load other/broken.journey.mjs')
    expect(existsSync(path.join(p.dir, 'shard/s1.json'))).toBe(false)
    expect(existsSync(path.join(p.dir, 'shard/s1.xml'))).toBe(false)
    // A config mistake too: the flags' outputs are known without it.
    await write('shard/s1.json', '{}')
    await write('venomqa.config.mjs', 'export default { retries: "many" }\n')
    try {
      const refused = await p.venomqa(['run', 'other', '--save', 'shard/s1.json'])
      expect(refused.code).toBe(2)
      expect(existsSync(path.join(p.dir, 'shard/s1.json'))).toBe(false)
    } finally {
      await writeFile(path.join(p.dir, 'venomqa.config.mjs'), 'export default {}\n')
    }
  })

  it('SIGTERM while a plugin hangs in its setup is an interrupt: exit 130, reports and a record saying nothing ran', async () => {
    // It used to kill the process (exit 143), with no word, no report, and the record taken away.
    await write(
      'plugins/hang.mjs',
      `export default { name: 'hang', version: '1.0.0', apiVersion: 1, setup(api) {
  api.log.info('hang: setting up')
  // Kept alive by a timer: a promise nothing can settle would be a stall, found at once.
  return new Promise(() => { setInterval(() => {}, 1000) })
} }
`,
    )
    await write('hung/fine.journey.mjs', `import { journey, step } from '@venomqa/core'\nexport default journey('fine', { steps: [step('one', () => {})] })\n`)
    const run = p.spawn(['run', 'hung', '--plugin', './plugins/hang.mjs', '--save', 'out/hung.json', '-r', 'console', '-r', 'junit:out/hung.xml'])
    await waitUntil(() => run.output().stderr.includes('hang: setting up'), 'the plugin to start its setup')
    run.child.kill('SIGTERM')
    const r = await run.done
    expect(r.code, r.stderr).toBe(130)
    expect(r.stderr).toContain('venomqa: interrupted')
    expect(r.stdout).toContain('Result: INTERRUPTED')
    const saved = JSON.parse(readFileSync(path.join(p.dir, 'out/hung.json'), 'utf8'))
    expect(saved.interrupted).toBe(true)
    expect(saved.journeys.map((j: { name: string; interrupted?: boolean }) => [j.name, j.interrupted])).toEqual([['fine', true]])
    expect(JSON.parse(readFileSync(path.join(p.dir, '.venomqa/last-run.json'), 'utf8'))).toMatchObject({ interrupted: true, failedJourneys: ['hung/fine.journey.mjs#fine'] })
  })

  it("a journey that needs a hung plugin's port is not run, with reports: on a setup timeout (exit 1) as on SIGTERM (exit 130)", async () => {
    // The port would have been added once the setup finished: it used to be refused as never added (exit 2, no reports).
    await write(
      'plugins/late-cache.mjs',
      `export default { name: 'late-cache', version: '1.0.0', apiVersion: 1, async setup(api) {
  api.log.info('late-cache: setting up')
  await new Promise((resolve) => setTimeout(resolve, 60_000))
  api.addPort('cache', {})
} }
`,
    )
    await write('needs/cache.journey.mjs', `import { journey, step } from '@venomqa/core'\nexport default journey('uses_cache', { requires: ['cache'], steps: [step('one', () => {})] })\n`)
    const args = ['run', 'needs', '--plugin', './plugins/late-cache.mjs', '--save', 'out/needs.json', '-r', 'console', '-r', 'junit:out/needs.xml']
    const timedOut = await p.venomqa([...args, '--plugin-timeout', '300'])
    expect(timedOut.code, timedOut.stderr).toBe(1)
    expect(timedOut.stderr).not.toContain('Registered ports')
    const saved = JSON.parse(readFileSync(path.join(p.dir, 'out/needs.json'), 'utf8'))
    expect(saved.journeys.map((j: { name: string; status: string }) => [j.name, j.status])).toEqual([['uses_cache', 'failed']])
    expect(JSON.stringify(saved.journeys[0])).toContain('late-cache')
    expect(existsSync(path.join(p.dir, 'out/needs.xml'))).toBe(true)

    const run = p.spawn(args)
    await waitUntil(() => run.output().stderr.includes('late-cache: setting up'), 'the plugin to start its setup')
    run.child.kill('SIGTERM')
    const r = await run.done
    expect(r.code, r.stderr).toBe(130)
    expect(r.stdout).toContain('Result: INTERRUPTED')
    expect(JSON.parse(readFileSync(path.join(p.dir, 'out/needs.json'), 'utf8')).interrupted).toBe(true)
  })

  it('so does an exploration stopped by a file that does not load', async () => {
    await write('out/explored.json', '{"an": "earlier exploration"}')
    await write('explore/broken.explore.mjs', 'export default broken((\n')
    const r = await p.venomqa(['explore', 'explore', '--save', 'out/explored.json'])
    expect(r.code, r.stderr).toBe(2)
    expect(existsSync(path.join(p.dir, 'out/explored.json'))).toBe(false)
  })
})
