import { randomUUID } from 'node:crypto'
import { existsSync, readFileSync } from 'node:fs'
import { symlink } from 'node:fs/promises'
import path from 'node:path'
import { REPO_ROOT, type RunningProcess, startTodoApp } from '@venomqa/test-utils'
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { checkJUnit } from './helpers/junit-shape'
import { type CliResult, type Project, assertBuilt, makeProject, cliHost } from './helpers/project'

/** This file's commands run in one process of the built CLI (see CliHost), but those that need one of their own. */
const host = cliHost()

// End to end: reruns and flakiness with the built `venomqa` binary, in the rerun-project fixture, against
// the example todo app in its own process (memory mode, rolled back through its control routes by the
// http-control backend). Flakiness is the app's: /api/flaky?key=K&failures=N answers 503 to the first N
// calls per key and 200 after, a counter outside its checkpoints; each test takes keys of its own.
let app: RunningProcess
let project: Project

beforeAll(async () => {
  assertBuilt()
  if (!existsSync(path.join(REPO_ROOT, 'packages/reporter-html/dist/index.js'))) throw new Error('build first: pnpm --filter @venomqa/reporter-html build')
  app = await startTodoApp()
  project = await makeProject('rerun-project', { TODO_URL: app.url }, host)
  // The HTML reporter as an install would have it, for `-r html`.
  await symlink(path.join(REPO_ROOT, 'packages/reporter-html'), path.join(project.dir, 'node_modules/@venomqa/reporter-html'), 'dir')
})
afterAll(async () => {
  await project?.remove()
  await app?.stop()
})
beforeEach(async () => {
  // Each test starts from an empty app (no users, no todos).
  await fetch(`${app.url}/__venomqa/reset`, { method: 'POST' })
})

/** Run the CLI in the fixture, outside CI, with flaky keys no other test uses. */
function venomqa(args: string[], env: Record<string, string | undefined> = {}): Promise<CliResult> {
  return project.venomqa(args, { env: { CI: undefined, FLAKY_KEY: randomUUID(), ...env } })
}

const read = (file: string) => readFileSync(path.join(project.dir, file), 'utf8')
const json = (file: string) => JSON.parse(read(file))
const noStack = (r: CliResult) => expect(r.stderr).not.toMatch(/\n\s+at .+:\d+:\d+\)?/)

describe('journey retries and the flaky status', () => {
  it('a journey that fails, then passes on a retry from a clean state, is flaky in every reporter; the run passes', async () => {
    const r = await venomqa(['run', 'checkout', '-r', 'console', '-r', 'json:out/flaky.json', '-r', 'junit:out/flaky.xml', '-r', 'markdown:out/flaky.md', '-r', 'html:out/flaky.html'])
    expect(r.code).toBe(0)
    // Live: the first attempt fails at the payment service, the retry starts over and passes.
    expect(r.stdout).toContain('▶ checkout (attempt 1 of 2)')
    expect(r.stdout).toMatch(/✗ payment_service GET http:\/\/127\.0\.0\.1:\d+\/api\/flaky\?key=\S+&failures=1 → 503/)
    expect(r.stdout).toContain('(retrying from scratch: a fresh context, any state backend rolled back)')
    expect(r.stdout).toContain('▶ checkout (attempt 2 of 2)')
    // Signing up again passed (201, not 409) and one todo is there, not two: the app was rolled back.
    expect(r.stdout).toMatch(/attempt 2 of 2[\s\S]*✓ signup POST \S+\/api\/users → 201[\s\S]*✓ one_todo/)
    expect(r.stdout).toMatch(/Journeys {2}0 passed, 1 flaky of 1/)
    expect(r.stdout).toContain('attempt 1 failed: payment_service: HTTP 503')
    expect(r.stdout).toContain('Result: PASSED')

    const results = json('out/flaky.json')
    expect(results.journeys[0]).toMatchObject({ name: 'checkout', status: 'flaky', attempt: 2 })
    expect(results.journeys[0].earlierAttempts).toMatchObject([{ attempt: 1, status: 'failed' }])
    expect(results.summary.journeys).toEqual({ total: 1, passed: 0, failed: 0, skipped: 0, flaky: 1 })

    const { problems, suites } = checkJUnit(read('out/flaky.xml'))
    expect(problems).toEqual([])
    const payment = suites[0]!.cases.find((c) => c.name === 'payment_service')!
    expect(payment.outcome).toBe('passed')
    expect(payment.flaky).toEqual([expect.stringContaining('HTTP 503')])
    expect(suites[0]!.failures).toBe(0)

    expect(read('out/flaky.md')).toContain('**Flaky:** 1 journey failed, then passed on a retry')
    expect(read('out/flaky.md')).toContain('- Attempt 1: ❌ failed: payment_service: HTTP 503')
    const html = read('out/flaky.html')
    const data = JSON.parse(/<script type="application\/json" id="venomqa-data">([^<]*)<\/script>/.exec(html)![1]!)
    expect(data.journeys[0]).toMatchObject({ n: 'checkout', s: 'flaky', at: 2, ea: [{ a: 1, s: 'failed' }] })
  })

  it('--fail-on-flaky makes a flaky journey fail the run (exit 1)', async () => {
    const r = await venomqa(['run', 'checkout', '--fail-on-flaky'])
    expect(r.code).toBe(1)
    expect(r.stdout).toMatch(/Journeys {2}0 passed, 1 flaky of 1/)
    expect(r.stdout).toContain('Result: FAILED')
  })

  it('--journey-retries gives every journey retries (--retries stays the step retries); out of retries, it fails with each attempt kept', async () => {
    const flaky = await venomqa(['run', 'sometimes', '--journey-retries', '2', '-r', 'console', '-r', 'json:out/retries.json'], { SOMETIMES_FAILURES: '2' })
    expect(flaky.code).toBe(0)
    expect(flaky.stdout).toContain('▶ sometimes (attempt 3 of 3)')
    expect(json('out/retries.json').journeys[0]).toMatchObject({ status: 'flaky', attempt: 3 })

    const failed = await venomqa(['run', 'sometimes', '--journey-retries', '1', '-r', 'console', '-r', 'junit:out/failed.xml'], { SOMETIMES_FAILURES: '5' })
    expect(failed.code).toBe(1)
    expect(failed.stdout).toMatch(/✗ sometimes \(attempt 2\) failed/)
    const { problems, suites } = checkJUnit(read('out/failed.xml'))
    expect(problems).toEqual([])
    expect(suites[0]!.cases[0]).toMatchObject({ name: 'unstable', outcome: 'failure', reruns: [expect.stringContaining('HTTP 503')] })
  })

  it('a bad --journey-retries is exit 2 naming the flag', async () => {
    const r = await venomqa(['run', '--journey-retries', 'twice'])
    expect(r.code).toBe(2)
    expect(r.stderr).toBe('venomqa: --journey-retries: expected a whole number from 0 to 100, got "twice"\n')
  })

  it('merge-reports keeps the flaky status and count of a shard', async () => {
    const env = { FLAKY_KEY: randomUUID() }
    const one = await venomqa(['run', 'checkout', 'health', '--shard', '1/2', '--save', 'out/shards/1.json', '-r', 'json:out/shard1.json'], env)
    const two = await venomqa(['run', 'checkout', 'health', '--shard', '2/2', '--save', 'out/shards/2.json', '-r', 'json:out/shard2.json'], env)
    expect([one.code, two.code]).toEqual([0, 0])
    const merged = await venomqa(['merge-reports', 'out/shards', '-r', 'console', '-r', 'junit:out/merged.xml', '--save', 'out/merged.json'])
    expect(merged.code).toBe(0)
    expect(merged.stdout).toMatch(/Journeys {2}1 passed, 1 flaky of 2/)
    expect(json('out/merged.json').journeys.map((j: { name: string; status: string }) => [j.name, j.status]).sort()).toEqual([
      ['checkout', 'flaky'],
      ['health', 'passed'],
    ])
    expect(checkJUnit(read('out/merged.xml')).problems).toEqual([])
  })

  it('merge-reports --fail-on-flaky fails the merged run on a flaky journey; the merge judges, not the shards', async () => {
    const status = (file: string) => json(file).status as string
    const shards = async (dir: string, extra: string[]) => {
      // checkout signs its user up: each split starts from an empty app, as a new pipeline would.
      await fetch(`${app.url}/__venomqa/reset`, { method: 'POST' })
      const env = { FLAKY_KEY: randomUUID() }
      const codes: (number | null)[] = []
      for (const i of [1, 2]) codes.push((await venomqa(['run', 'checkout', 'health', '--shard', `${i}/2`, '--save', `${dir}/${i}.json`, ...extra], env)).code)
      // The shard that ran checkout, which was flaky in it.
      const flakyShard = [1, 2].find((i) => json(`${dir}/${i}.json`).journeys.some((j: { status: string }) => j.status === 'flaky'))
      expect(flakyShard).toBeDefined()
      return { codes, flakyShard: `${dir}/${flakyShard}.json` }
    }

    // Shards run without the flag: both pass; the merge fails only when it is told to.
    const plain = await shards('out/plain', [])
    expect(plain.codes).toEqual([0, 0])
    const lenient = await venomqa(['merge-reports', 'out/plain', '--save', 'out/plain-merged.json'])
    expect(lenient.code).toBe(0)
    expect(status('out/plain-merged.json')).toBe('passed')
    const strict = await venomqa(['merge-reports', 'out/plain', '--fail-on-flaky', '-r', 'console', '--save', 'out/strict-merged.json'])
    expect(strict.code).toBe(1)
    expect(strict.stdout).toMatch(/Journeys {2}1 passed, 1 flaky of 2/)
    expect(strict.stdout).toContain('Result: FAILED')
    expect(status('out/strict-merged.json')).toBe('failed')
    // The variable (and so the config key) is the flag's equal, as for venomqa run.
    expect((await venomqa(['merge-reports', 'out/plain'], { VENOMQA_FAIL_ON_FLAKY: '1' })).code).toBe(1)

    // Shards run with the flag: the flaky one fails its job and saves "failed"; merged without the flag,
    // the run passes, as one venomqa run without it would.
    const flagged = await shards('out/flagged', ['--fail-on-flaky'])
    expect([...flagged.codes].sort()).toEqual([0, 1])
    expect(status(flagged.flakyShard)).toBe('failed')
    const merged = await venomqa(['merge-reports', 'out/flagged', '--save', 'out/flagged-merged.json'])
    expect(merged.code).toBe(0)
    expect(status('out/flagged-merged.json')).toBe('passed')
    expect((await venomqa(['merge-reports', 'out/flagged', '--fail-on-flaky'])).code).toBe(1)
  })
})

describe('merge-reports with --last-failed reruns', () => {
  it("puts each rerun of a shard over that shard's run, in the order they ran: failed, failed, then passed is flaky", async () => {
    const env = { FLAKY_KEY: randomUUID(), SOMETIMES_FAILURES: '2' }
    const shard = (i: number, extra: string[]) => venomqa(['run', 'health', 'sometimes', '--shard', `${i}/2`, ...extra], env)
    // Dealt by file and name: health to shard 1, sometimes to shard 2. Shard 2 runs last, as it would on a
    // machine of its own: its record is the one --last-failed reads.
    expect((await shard(1, ['--save', 'out/rr/1.json'])).code).toBe(0)
    expect((await shard(2, ['--save', 'out/rr/2.json'])).code).toBe(1)
    expect((await shard(2, ['--last-failed', '--save', 'out/rr/2-rerun-a.json'])).code).toBe(1)
    expect((await shard(2, ['--last-failed', '--save', 'out/rr/2-rerun-b.json'])).code).toBe(0)
    // Each rerun names the run whose failures it reran.
    expect(json('out/rr/2.json').rerunOf).toBeUndefined()
    expect(json('out/rr/2-rerun-a.json').rerunOf).toEqual({ finishedAt: json('out/rr/2.json').finishedAt })
    expect(json('out/rr/2-rerun-b.json').rerunOf).toEqual({ finishedAt: json('out/rr/2-rerun-a.json').finishedAt })

    const merged = await venomqa(['merge-reports', 'out/rr', '-r', 'console', '-r', 'junit:out/rr-merged.xml', '--save', 'out/rr-merged.json'])
    expect(merged.code, merged.stdout + merged.stderr).toBe(0)
    expect(merged.stderr).toContain('venomqa: merged 2 shards and 2 --last-failed reruns: 2 journeys, 0 explorations')
    expect(merged.stdout).toMatch(/Journeys {2}1 passed, 1 flaky of 2/)
    expect(merged.stdout).toContain('attempt 1 failed: unstable: HTTP 503')
    const results = json('out/rr-merged.json')
    expect(results.rerunOf).toBeUndefined()
    expect(results.journeys.map((j: { name: string; status: string }) => [j.name, j.status])).toEqual([
      ['health', 'passed'],
      ['sometimes', 'flaky'],
    ])
    expect(results.journeys[1]).toMatchObject({ attempt: 3 })
    expect(results.journeys[1].earlierAttempts.map((a: { attempt: number; status: string }) => [a.attempt, a.status])).toEqual([
      [1, 'failed'],
      [2, 'failed'],
    ])
    expect(checkJUnit(read('out/rr-merged.xml')).problems).toEqual([])
    expect((await venomqa(['merge-reports', 'out/rr', '--fail-on-flaky'])).code).toBe(1)

    // Up to the first rerun only, the journey still failed, and so does the merge.
    const partial = await venomqa(['merge-reports', 'out/rr/1.json', 'out/rr/2.json', 'out/rr/2-rerun-a.json', '--save', 'out/rr-partial.json'])
    expect(partial.code).toBe(1)
    expect(json('out/rr-partial.json').journeys[1]).toMatchObject({ name: 'sometimes', status: 'failed', attempt: 2 })
  })

  it('refuses a rerun that does not follow from the files given, or two reruns of one run, naming the files', async () => {
    const env = { FLAKY_KEY: randomUUID(), SOMETIMES_FAILURES: '3' }
    const shard = (i: number, extra: string[]) => venomqa(['run', 'health', 'sometimes', '--shard', `${i}/2`, ...extra], env)
    expect((await shard(1, ['--save', 'out/gap/1.json'])).code).toBe(0)
    expect((await shard(2, ['--save', 'out/gap/2.json'])).code).toBe(1)
    expect((await shard(2, ['--last-failed', '--save', 'out/gap/2-rerun-a.json'])).code).toBe(1)
    expect((await shard(2, ['--last-failed', '--save', 'out/gap/2-rerun-b.json'])).code).toBe(1)

    // The first rerun left out: what the second would replace is not there.
    const gap = await venomqa(['merge-reports', 'out/gap/1.json', 'out/gap/2.json', 'out/gap/2-rerun-b.json'])
    expect(gap.code).toBe(2)
    expect(gap.stderr).toBe(
      `venomqa: out/gap/2-rerun-b.json reruns the failures of a run of shard 2/2 that finished ${json('out/gap/2-rerun-a.json').finishedAt}, which is none of the files given (out/gap/2.json finished ${json('out/gap/2.json').finishedAt}): merge one pipeline's files, each shard's whole run with the reruns saved after it\n`,
    )
    noStack(gap)

    // The same rerun given twice (a copy under another name): which one counts cannot be told.
    const { copyFile } = await import('node:fs/promises')
    await copyFile(path.join(project.dir, 'out/gap/2-rerun-a.json'), path.join(project.dir, 'out/gap-copy.json'))
    const twice = await venomqa(['merge-reports', 'out/gap', 'out/gap-copy.json'])
    expect(twice.code).toBe(2)
    expect(twice.stderr).toBe(
      `venomqa: out/gap/2-rerun-a.json, out/gap-copy.json each rerun the failures of one run of shard 2/2 (finished ${json('out/gap/2.json').finishedAt}): give one of them\n`,
    )
  })
})

describe('--repeat-each', () => {
  it('runs each journey n times, each repetition its own labelled result', async () => {
    const r = await venomqa(['run', 'health', '--repeat-each', '3', '-r', 'console', '-r', 'json:out/repeat.json', '-r', 'junit:out/repeat.xml'])
    expect(r.code).toBe(0)
    for (const n of [1, 2, 3]) expect(r.stdout).toContain(`▶ health (repeat #${n})`)
    expect(r.stdout).toMatch(/Journeys {2}3 passed of 3/)
    expect(json('out/repeat.json').journeys.map((j: { name: string; repeatEachIndex: number }) => `${j.name}:${j.repeatEachIndex}`)).toEqual(['health:0', 'health:1', 'health:2'])
    expect(checkJUnit(read('out/repeat.xml')).suites.map((s) => s.name)).toEqual(['health (repeat #1)', 'health (repeat #2)', 'health (repeat #3)'])
  })

  it('finds a journey that fails only sometimes: the failing repetition fails the run', async () => {
    const r = await venomqa(['run', 'sometimes', '--repeat-each', '3', '-r', 'console', '-r', 'json:out/hunt.json'], { SOMETIMES_FAILURES: '1' })
    expect(r.code).toBe(1)
    expect(json('out/hunt.json').journeys.map((j: { repeatEachIndex: number; status: string }) => [j.repeatEachIndex, j.status])).toEqual([
      [0, 'failed'],
      [1, 'passed'],
      [2, 'passed'],
    ])
    expect(r.stdout).toMatch(/✗ sometimes \(repeat #1\) failed/)
  })

  it('a bad --repeat-each is exit 2 naming the flag, before anything runs', async () => {
    for (const bad of ['0', '-2', 'many', '1.5']) {
      const r = await venomqa(['run', '--repeat-each', bad])
      expect(r.code).toBe(2)
      expect(r.stderr).toBe(`venomqa: --repeat-each: expected a whole number of 1 or more, got "${bad}"\n`)
      expect(r.stdout).toBe('')
    }
  })
})

describe('journey.skip and step.skip', () => {
  it('are in every report as skipped, never run; the run passes', async () => {
    const r = await venomqa(['run', 'later', 'partial', '-r', 'console', '-r', 'json:out/skip.json', '-r', 'junit:out/skip.xml', '-r', 'markdown:out/skip.md'])
    expect(r.code).toBe(0)
    // Never started: one line, live and in `venomqa report` of the saved run, where a header and `0 ms` read as if it ran.
    expect(r.stdout).toContain('\n↷ later skipped\n')
    expect(r.stdout).not.toContain('▶ later')
    const report = await venomqa(['report', 'out/skip.json'])
    expect(report.stdout).toContain('\n↷ later skipped\n')
    expect(report.stdout).not.toContain('▶ later')
    expect(r.stdout).toContain('↷ not_yet')
    expect(r.stdout).toMatch(/Journeys {2}1 passed, 1 skipped of 2/)
    expect(r.stdout).toMatch(/Steps {5}2 passed, 2 skipped of 4/)
    expect(r.stdout).not.toContain('/api/not-built-yet')
    const results = json('out/skip.json')
    expect(results.journeys.map((j: { name: string; status: string }) => [j.name, j.status])).toEqual([
      ['later', 'skipped'],
      ['partial', 'passed'],
    ])
    expect(results.journeys[1].nodes.map((n: { name: string; status: string }) => `${n.name}:${n.status}`)).toEqual(['ping:passed', 'not_yet:skipped', 'stats:passed'])
    const { problems, suites } = checkJUnit(read('out/skip.xml'))
    expect(problems).toEqual([])
    expect(suites.map((s) => [s.name, s.skipped])).toEqual([
      ['later', 1],
      ['partial', 1],
    ])
    expect(read('out/skip.md')).toContain('| [later](#-later) | ⏭️ skipped |')
    expect(read('out/skip.md')).toContain('| main | not_yet | ⏭️ skipped |')
  })
})

describe('journey.only', () => {
  it('runs only the journeys marked only, and says so', async () => {
    const r = await venomqa(['run', 'focus'])
    expect(r.code).toBe(0)
    expect(r.stderr).toBe('venomqa: journey.only: running only the journey marked only: "focused" (focus/focused.journey.ts)\n')
    expect(r.stdout).toContain('▶ focused')
    expect(r.stdout).not.toContain('unfocused')
  })

  it('is refused when CI is set (exit 2, naming the journey and its file), unless --allow-only', async () => {
    const refused = await venomqa(['run', 'focus'], { CI: 'true' })
    expect(refused.code).toBe(2)
    expect(refused.stderr).toBe(
      'venomqa: journey.only is not allowed when CI is set: "focused" in focus/focused.journey.ts. Remove .only (so the whole suite runs), or pass --allow-only to run only it\n',
    )
    expect(refused.stdout).toBe('')
    noStack(refused)
    const allowed = await venomqa(['run', 'focus', '--allow-only'], { CI: 'true' })
    expect(allowed.code).toBe(0)
    expect(allowed.stdout).toContain('▶ focused')
    // CI=false is not CI.
    expect((await venomqa(['run', 'focus'], { CI: 'false' })).code).toBe(0)
  })
})

describe('--last-failed', () => {
  it('reruns only what failed; once that passes, there is nothing left to run', async () => {
    const env = { FLAKY_KEY: randomUUID(), SOMETIMES_FAILURES: '2' }
    const first = await venomqa(['run', 'health', 'sometimes'], env)
    expect(first.code).toBe(1)
    expect(json('.venomqa/last-run.json')).toMatchObject({ status: 'failed', failedJourneys: ['journeys/sometimes.journey.ts#sometimes'] })

    // Nothing was fixed: the failed journey alone runs again, and fails again.
    const again = await venomqa(['run', '--last-failed'], env)
    expect(again.code).toBe(1)
    expect(again.stderr).toBe('venomqa: --last-failed: running the journey that failed in the last run: sometimes\n')
    expect(again.stdout).toContain('▶ sometimes')
    expect(again.stdout).not.toContain('▶ health')
    expect(again.stdout).toMatch(/Journeys {2}0 passed, 1 failed of 1/)

    // The app answers now: it passes, and the record says nothing failed.
    const passes = await venomqa(['run', '--last-failed'], env)
    expect(passes.code).toBe(0)
    expect(passes.stdout).toMatch(/Journeys {2}1 passed of 1/)
    expect(json('.venomqa/last-run.json')).toMatchObject({ status: 'passed', failedJourneys: [] })

    const nothing = await venomqa(['run', '--last-failed'], env)
    expect(nothing.code).toBe(0)
    expect(nothing.stderr).toMatch(/^venomqa: --last-failed: no journey failed in the last run \(finished \d{4}-\d\d-\d\dT[\d:.]+Z\): nothing to run\n$/)
    expect(nothing.stdout).toBe('')
    // It ran nothing, and the record is still there, as it was: the next --last-failed again runs nothing,
    // where it used to find no record and run every journey.
    const record = json('.venomqa/last-run.json')
    expect(record).toMatchObject({ status: 'passed', failedJourneys: [] })
    const still = await venomqa(['run', '--last-failed'], env)
    expect(still.stderr).toBe(nothing.stderr)
    expect(json('.venomqa/last-run.json')).toEqual(record)
  })

  it('after a run that failed with no journey failing (here a report it could not write), reruns every selected journey', async () => {
    if (process.platform !== 'linux') return
    // Nothing can be made under /proc: the journeys pass, the JUnit report is not written, the run fails.
    const failed = await venomqa(['run', 'health', '-r', 'console', '-r', 'junit:/proc/venomqa-reports/junit.xml'])
    expect(failed.code).toBe(1)
    expect(json('.venomqa/last-run.json')).toMatchObject({ status: 'failed', failedJourneys: [] })
    const again = await venomqa(['run', 'health', '--last-failed'])
    expect(again.stderr).toMatch(/^venomqa: --last-failed: the last run failed \(finished [^)]+\) though no journey of it did \(a plugin, a reporter or a state backend failed it\): running every selected journey\n$/)
    expect(again.stdout).toContain('▶ health')
    expect(again.code).toBe(0)
  })

  it('intersects with the other filters: a failure that is not selected now runs nothing', async () => {
    const failed = await venomqa(['run', 'sometimes'])
    expect(failed.code).toBe(1)
    const r = await venomqa(['run', 'health', '--last-failed'])
    expect(r.code).toBe(0)
    expect(r.stderr).toBe('venomqa: --last-failed: none of the journeys that failed in the last run (journeys/sometimes.journey.ts#sometimes) is among those selected now: nothing to run\n')
    expect(r.stdout).toBe('')
    // The failure is still to rerun: running nothing did not drop it.
    expect(json('.venomqa/last-run.json')).toMatchObject({ status: 'failed', failedJourneys: ['journeys/sometimes.journey.ts#sometimes'] })
  })

  it('with no record of a last run, says so and runs every selected journey (not knowing is not passing); an unreadable record is exit 2 naming the file', async () => {
    const fresh = await makeProject('rerun-project', { TODO_URL: app.url }, host)
    try {
      const r = await fresh.venomqa(['run', 'health', '--last-failed', '--save', 'out/no-record.json'], { env: { CI: undefined } })
      expect(r.stderr).toBe(
        'venomqa: --last-failed: no record of a finished last run (.venomqa/last-run.json is written when a run ends; a run that was killed, crashed or stopped on a mistake leaves none, and merge-reports writes none: to rerun the failures of merged shards, bring their .venomqa/last-run.shard-i-of-n.json records here, or run --shard i/n --last-failed where each shard ran): running every selected journey\nvenomqa: results saved to out/no-record.json\n',
      )
      expect(r.stdout).toContain('▶ health')
      expect(r.code).toBe(0)
      // A rerun of no known run: its results are a whole run's, with no rerunOf for merge-reports to put it over.
      const saved = JSON.parse(readFileSync(path.join(fresh.dir, 'out/no-record.json'), 'utf8'))
      expect(saved.rerunOf).toBeUndefined()
      expect(saved.journeys.map((j: { name: string }) => j.name)).toEqual(['health'])
      expect(JSON.parse(readFileSync(path.join(fresh.dir, '.venomqa/last-run.json'), 'utf8'))).toMatchObject({ status: 'passed', failedJourneys: [] })
      const { writeFile } = await import('node:fs/promises')
      await writeFile(path.join(fresh.dir, '.venomqa/last-run.json'), '{ not json')
      const bad = await fresh.venomqa(['run', '--last-failed'], { env: { CI: undefined } })
      expect(bad.code).toBe(2)
      expect(bad.stderr).toBe('venomqa: --last-failed: .venomqa/last-run.json is not JSON; delete it, and a run without --last-failed writes it again\n')
    } finally {
      await fresh.remove()
    }
  })
})
