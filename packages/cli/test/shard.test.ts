import { execFileSync } from 'node:child_process'
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import type { RunResult } from '@venomqa/core'
import { type RunningProcess, startTodoApp } from '@venomqa/test-utils'
import { Ajv } from 'ajv'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { RESULTS_SCHEMA_FILE } from '../scripts/schemas'
import { commitFromEnv, filesHashOf } from '../src/shard/code'
import { withRunId } from '../src/shard/run-id'
import { parseShard } from '../src/shard/split'
import { type CliResult, type Project, assertBuilt, cleanEnv, makeProject, cliHost } from './helpers/project'

/** This file's commands run in one process of the built CLI (see CliHost), but those that need one of their own. */
const host = cliHost()

// End to end: `venomqa run --shard i/n` in separate processes of the built binary, then
// `venomqa merge-reports`, against the example todo app (memory mode, its own process).
let app: RunningProcess
let project: Project
// Four journeys, one of them failing: health, stats, leaky_login, todos (with a branch).
const SUITE = ['--tag', 'smoke', '--tag', 'broken', '--tag', 'stats']

beforeAll(async () => {
  assertBuilt()
  app = await startTodoApp()
  project = await makeProject('ts-project', { TODO_URL: app.url }, host)
})
afterAll(async () => {
  await project?.remove()
  await app?.stop()
})

/** Each run starts from an empty app, as each CI machine would with its own. */
async function run(args: string[]): Promise<CliResult> {
  await fetch(`${app.url}/__venomqa/reset`, { method: 'POST' })
  return project.venomqa(args)
}
const readRun = (file: string): RunResult => JSON.parse(readFileSync(path.join(project.dir, file), 'utf8'))
const outline = (r: RunResult) => r.journeys.map((j) => ({ name: j.name, status: j.status, counts: j.counts }))

describe('venomqa run --shard and merge-reports', () => {
  let whole: CliResult
  const shards: CliResult[] = []
  beforeAll(async () => {
    whole = await run(['run', ...SUITE, '--save', 'out/whole.json'])
    for (const i of [1, 2, 3]) shards.push(await run(['run', ...SUITE, '--shard', `${i}/3`, '--save', `out/shards/shard-${i}.json`]))
  }, 120_000)

  it('deals the journeys by file and name, 2 + 1 + 1, each shard saving a valid results file that records the split', () => {
    expect(whole.code).toBe(1)
    const saved = [1, 2, 3].map((i) => readRun(`out/shards/shard-${i}.json`))
    expect(saved.map((r) => r.journeys.map((j) => j.name))).toEqual([['leaky_login', 'todos'], ['health'], ['stats']])
    expect(shards.map((s) => s.code)).toEqual([1, 0, 0])
    expect(shards[1]!.stderr).toContain('venomqa: shard 2/3: 1 of 4 journeys')
    const splitIds = new Set(saved.map((r) => r.shard?.splitId))
    expect(splitIds.size).toBe(1)
    expect(saved.map((r) => [r.shard?.index, r.shard?.total])).toEqual([[1, 3], [2, 3], [3, 3]])
    expect(readRun('out/whole.json').shard).toBeUndefined()
    const validate = new Ajv({ strict: true, allErrors: true }).compile(JSON.parse(readFileSync(RESULTS_SCHEMA_FILE, 'utf8')))
    for (const r of saved) expect(validate(r), JSON.stringify(validate.errors, null, 2)).toBe(true)
  })

  it('list --shard i/n lists the journeys run --shard i/n ran, in the order it ran them', async () => {
    for (const i of [1, 2, 3]) {
      const listed = await project.venomqa(['list', ...SUITE, '--shard', `${i}/3`, '--json'])
      expect(listed.code, listed.stderr).toBe(0)
      const names = (JSON.parse(listed.stdout) as { name: string }[]).map((j) => j.name)
      expect(names).toEqual(readRun(`out/shards/shard-${i}.json`).journeys.map((j) => j.name))
      expect(listed.stderr).toContain(`venomqa: shard ${i}/3: ${names.length} of 4 journeys`)
    }
    const bad = await project.venomqa(['list', '--shard', '0/3'])
    expect(bad.code).toBe(2)
    expect(bad.stderr).toContain('--shard "0/3": shards are numbered from 1 to 3')
  })

  it('merged, the shards give the unsharded run: same journeys in the same order, statuses, totals, verdict', async () => {
    const merged = await project.venomqa(['merge-reports', 'out/shards', '--save', 'out/merged.json', '-r', 'console', '-r', 'junit:out/merged.xml'])
    expect(merged.code).toBe(whole.code)
    const a = readRun('out/whole.json')
    const b = readRun('out/merged.json')
    expect(outline(b)).toEqual(outline(a))
    expect(b.summary).toEqual(a.summary)
    expect(b.status).toBe(a.status)
    expect(b.shard).toBeUndefined()
    expect(merged.stdout).toContain('▶ leaky_login')
    expect(merged.stdout).toMatch(/Journeys {2}3 passed, 1 failed of 4/)
    expect(merged.stdout).toContain('Result: FAILED')
    // Saved where no run id was set: the merge cannot tell one run's shards from another's, and says so.
    expect(merged.stderr).toContain(
      'venomqa: warning: out/shards/shard-1.json, out/shards/shard-2.json, out/shards/shard-3.json record no run id (none of VENOMQA_RUN_ID, GITHUB_RUN_ID, CI_PIPELINE_ID, BUILDKITE_BUILD_ID, CIRCLE_WORKFLOW_ID was set when they ran): merge-reports cannot tell whether they come from one run',
    )
    expect(readFileSync(path.join(project.dir, 'out/merged.xml'), 'utf8')).toContain('name="todos"')
    // Merging again into the same directory leaves the previous merge out.
    const again = await project.venomqa(['merge-reports', 'out/shards', '--save', 'out/shards/merged.json', '-r', 'json:out/again.json'])
    expect(again.code).toBe(1)
    expect(outline(readRun('out/again.json'))).toEqual(outline(a))
  })

  it("a missing shard (a machine that crashed or was cancelled) still gets every report written from the shards there, failed and saying which shard and journeys are missing: exit 1", async () => {
    // A CI merge job whose shard 2 never uploaded: the failures shards 1 and 3 found must still reach the reports.
    mkdirSync(path.join(project.dir, 'out/partial'), { recursive: true })
    for (const i of [1, 3]) writeFileSync(path.join(project.dir, `out/partial/shard-${i}.json`), readFileSync(path.join(project.dir, `out/shards/shard-${i}.json`)))
    const reports = ['-r', 'console', '-r', 'junit:out/partial-reports/junit.xml', '-r', 'html:out/partial-reports/report.html', '-r', 'markdown:out/partial-reports/report.md']
    const r = await project.venomqa(['merge-reports', 'out/partial', ...reports, '--save', 'out/partial-reports/merged.json'])
    expect(r.code, r.stderr).toBe(1)
    const health = readRun('out/whole.json').journeys.find((j) => j.name === 'health')!
    const missing = `${health.file}#health`
    expect(r.stderr).toContain(
      `venomqa: shard 2/3 is missing (given: 1/3 out/partial/shard-1.json, 3/3 out/partial/shard-3.json): the merged run is incomplete and fails; its 1 journey (${missing}) was not run\n`,
    )
    const merged = readRun('out/partial-reports/merged.json')
    expect(merged.status).toBe('failed')
    expect(outline(merged)).toEqual(outline(readRun('out/whole.json')).filter((j) => j.name !== 'health'))
    expect(merged.merged).toMatchObject({ shards: 2, missing: [2] })
    const issue = merged.issues.find((i) => i.source === 'merge')!
    expect(issue).toMatchObject({ severity: 'critical', step: 'shard 2/3' })
    expect(issue.error).toBe(`shard 2/3 is missing: its results were not among the files merged, so its 1 journey (${missing}) was not run`)
    const junit = readFileSync(path.join(project.dir, 'out/partial-reports/junit.xml'), 'utf8')
    expect(junit).toMatch(/<testcase name="merge: shard 2\/3"[^>]*>\s*<error message="shard 2\/3 is missing/)
    expect(junit).toContain('name="leaky_login"')
    for (const file of ['report.html', 'report.md']) expect(readFileSync(path.join(project.dir, `out/partial-reports/${file}`), 'utf8'), file).toContain('shard 2/3 is missing')
    expect(r.stdout).toContain('shard 2/3 is missing')
    expect(r.stdout).toContain('Result: FAILED')
    const validate = new Ajv({ strict: true, allErrors: true }).compile(JSON.parse(readFileSync(RESULTS_SCHEMA_FILE, 'utf8')))
    expect(validate(merged), JSON.stringify(validate.errors, null, 2)).toBe(true)
  })

  it('shards that all passed with one missing never merge green: exit 1, every journey of the missing one named', async () => {
    const r = await project.venomqa(['merge-reports', 'out/shards/shard-2.json', 'out/shards/shard-3.json', '--save', 'out/partial-reports/passed.json'])
    expect(r.code, r.stderr).toBe(1)
    const ids = readRun('out/shards/shard-1.json').journeys.map((j) => `${j.file}#${j.name}`)
    expect(r.stderr).toContain(`venomqa: shard 1/3 is missing (given: 2/3 out/shards/shard-2.json, 3/3 out/shards/shard-3.json): the merged run is incomplete and fails; its 2 journeys (${ids.join(', ')}) were not run\n`)
    const merged = readRun('out/partial-reports/passed.json')
    expect(merged.journeys.every((j) => j.status === 'passed')).toBe(true)
    expect(merged.status).toBe('failed')
    // One shard alone, two missing: each is an issue of its own.
    const alone = await project.venomqa(['merge-reports', 'out/shards/shard-3.json', '--save', 'out/partial-reports/alone.json'])
    expect(alone.code, alone.stderr).toBe(1)
    expect(readRun('out/partial-reports/alone.json').issues.filter((i) => i.source === 'merge').map((i) => i.step)).toEqual(['shard 1/3', 'shard 2/3'])
  })

  it('a merge that fails leaves no earlier merge\'s reports where it would have written; an output among the shards is refused', async () => {
    // A CI step reading the JUnit file after a failed merge on a reused workspace took the old one for this one's.
    mkdirSync(path.join(project.dir, 'out/stale'), { recursive: true })
    for (const f of ['out/stale/merged.xml', 'out/stale/merged.json']) writeFileSync(path.join(project.dir, f), 'an earlier merge\n')
    // A file saved without --shard among the shards: a mistake of the files given, exit 2.
    const r = await project.venomqa(['merge-reports', 'out/shards/shard-1.json', 'out/whole.json', '-r', 'junit:out/stale/merged.xml', '--save', 'out/stale/merged.json'])
    expect(r.code).toBe(2)
    for (const f of ['out/stale/merged.xml', 'out/stale/merged.json']) expect(existsSync(path.join(project.dir, f)), f).toBe(false)
    const clash = await project.venomqa(['merge-reports', 'out/shards/shard-1.json', 'out/shards/shard-2.json', 'out/shards/shard-3.json', '-r', 'json:out/shards/shard-2.json'])
    expect(clash.code).toBe(2)
    expect(clash.stderr).toContain('venomqa: reporter "json" would write out/shards/shard-2.json, one of the files to merge, which it would replace; give it another file')
    expect(existsSync(path.join(project.dir, 'out/shards/shard-2.json'))).toBe(true)
  })

  it("a shard's file or directory that is not there is exit 2 naming it, and leaves no earlier merge's reports either", async () => {
    // A CI job whose artifact download failed: `shards/` (or one shard's file) never arrived.
    mkdirSync(path.join(project.dir, 'out/stale'), { recursive: true })
    for (const inputs of [['out/never-downloaded/'], ['out/shards/shard-1.json', 'out/shards/shard-2-never-downloaded.json', 'out/shards/shard-3.json']]) {
      for (const f of ['out/stale/merged.xml', 'out/stale/merged.json']) writeFileSync(path.join(project.dir, f), 'an earlier merge\n')
      const r = await project.venomqa(['merge-reports', ...inputs, '-r', 'junit:out/stale/merged.xml', '--save', 'out/stale/merged.json'])
      expect(r.code, r.stderr).toBe(2)
      expect(r.stderr).toMatch(new RegExp(`^venomqa: ${inputs.find((i) => i.includes('never'))} is not there: give the results files venomqa run --shard i/n --save wrote`))
      expect(r.stderr).not.toContain('ENOENT')
      for (const f of ['out/stale/merged.xml', 'out/stale/merged.json']) expect(existsSync(path.join(project.dir, f)), `${f} after ${inputs.join(' ')}`).toBe(false)
    }
  })

  it('a mistake found before the outputs are checked (reporter, config, profile) leaves no earlier merge\'s reports, and every shard', async () => {
    // As `venomqa run` removes its outputs on such a mistake; a merge's results file is --save's only, and a
    // file to merge is never removed, whoever names it.
    const stale = ['out/stale/merged.xml', 'out/stale/merged.json']
    const shards = [1, 2, 3].map((i) => readFileSync(path.join(project.dir, `out/shards/shard-${i}.json`), 'utf8'))
    mkdirSync(path.join(project.dir, 'out/stale'), { recursive: true })
    for (const [mistake, said] of [
      [['-r', 'nosuch:out/stale/merged.xml'], /unknown reporter "nosuch"/],
      [['-r', 'junit:out/stale/merged.xml', '--profile', 'nope'], /profile "nope"/],
      [['-r', 'junit:out/stale/merged.xml', '-c', 'nope.config.ts'], /nope\.config\.ts/],
    ] as const) {
      for (const f of stale) writeFileSync(path.join(project.dir, f), 'an earlier merge\n')
      const r = await project.venomqa(['merge-reports', 'out/shards', ...mistake, '--save', 'out/stale/merged.json'])
      expect(r.code, r.stderr).toBe(2)
      expect(r.stderr).toMatch(said)
      for (const f of stale) expect(existsSync(path.join(project.dir, f)), `${f} after ${mistake.join(' ')}`).toBe(false)
    }
    // A reporter's file or --save over a shard's file, with a mistake beside it: the shard stays, given to
    // merge or not.
    for (const line of [
      ['merge-reports', 'out/shards', '-r', 'junit:out/shards/shard-1.json', '-r', 'nosuch', '--save', 'out/shards/shard-2.json'],
      ['merge-reports', 'out/shards/shard-1.json', '-r', 'nosuch', '-r', 'junit:out/shards/shard-2.json', '--save', 'out/shards/shard-3.json'],
    ]) {
      const r = await project.venomqa(line)
      expect(r.code, r.stderr).toBe(2)
      expect([1, 2, 3].map((i) => readFileSync(path.join(project.dir, `out/shards/shard-${i}.json`), 'utf8')), line.join(' ')).toEqual(shards)
    }
  })

  it("a usage mistake (an unknown option, one with no value, before the command's name too) leaves no earlier merge's reports, and every file the line names", async () => {
    // A CI step reading the JUnit file after a typo in the merge's line took the last merge's for this one's.
    const stale = 'out/stale/merged.xml'
    const shards = () => [1, 2, 3].map((i) => readFileSync(path.join(project.dir, `out/shards/shard-${i}.json`), 'utf8'))
    const before = shards()
    mkdirSync(path.join(project.dir, 'out/stale'), { recursive: true })
    writeFileSync(path.join(project.dir, 'out/stale/merged.json'), 'an earlier merge\n')
    for (const line of [
      ['merge-reports', 'out/shards', '-r', `junit:${stale}`, '--bogus'],
      ['merge-reports', 'out/shards', '-r', `junit:${stale}`, '--save'],
      ['--bogus', 'merge-reports', 'out/shards', '-r', `junit:${stale}`],
    ]) {
      writeFileSync(path.join(project.dir, stale), 'an earlier merge\n')
      const r = await project.venomqa(line)
      expect(r.code, r.stderr).toBe(2)
      expect(existsSync(path.join(project.dir, stale)), line.join(' ')).toBe(false)
    }
    // --save with no value names nothing: the file it named the last time stays, as on `venomqa run`.
    expect(existsSync(path.join(project.dir, 'out/stale/merged.json'))).toBe(true)
    // A reporter's file over a shard's, or --save over one, beside a usage mistake: the shards stay.
    for (const line of [
      ['merge-reports', 'out/shards', '-r', 'junit:out/shards/shard-1.json', '--save', 'out/shards/shard-2.json', '--bogus'],
      ['merge-reports', 'out/shards/shard-1.json', 'out/shards/shard-2.json', '-r', 'junit:out/shards/shard-3.json', '--reporter'],
      ['merge-reports', '--save', 'out/shards/shard-3.json', '--bogus'],
      ['merge-reports', '-r', 'junit:out/shards/shard-1.json', '--bogus'],
    ]) {
      const r = await project.venomqa(line)
      expect(r.code, r.stderr).toBe(2)
      expect(shards(), line.join(' ')).toEqual(before)
    }
  })

  it('a directory whose shards are each in a subdirectory of their own says to give those, and they merge', async () => {
    // GitHub's download-artifact without merge-multiple: shards/venomqa-shard-1/shard-1.json, and so on.
    for (const i of [1, 2, 3]) {
      mkdirSync(path.join(project.dir, `out/nested/venomqa-shard-${i}`), { recursive: true })
      writeFileSync(path.join(project.dir, `out/nested/venomqa-shard-${i}/shard-${i}.json`), readFileSync(path.join(project.dir, `out/shards/shard-${i}.json`)))
    }
    const r = await project.venomqa(['merge-reports', 'out/nested/'])
    expect(r.code, r.stderr).toBe(2)
    expect(r.stderr).toContain(
      "venomqa: out/nested/ holds no results file, but its subdirectories venomqa-shard-1, venomqa-shard-2, venomqa-shard-3 do: give them (venomqa merge-reports out/nested/*/), as a download of each shard's artifact into a directory of its own lays them out",
    )
    const given = await project.venomqa(['merge-reports', ...[1, 2, 3].map((i) => `out/nested/venomqa-shard-${i}/`)])
    expect(given.stderr).toContain('venomqa: merged 3 shards')
  })

  it("a .json file beside the shards that is no results file is named with the directory it came from, and what to give instead; the file is left as it is", async () => {
    mkdirSync(path.join(project.dir, 'out/beside'), { recursive: true })
    for (const i of [1, 2, 3]) writeFileSync(path.join(project.dir, `out/beside/shard-${i}.json`), readFileSync(path.join(project.dir, `out/shards/shard-${i}.json`)))
    writeFileSync(path.join(project.dir, 'out/beside/package-lock.json'), '{"lockfileVersion":3}')
    const r = await project.venomqa(['merge-reports', 'out/beside'])
    expect(r.code, r.stderr).toBe(2)
    expect(r.stderr).toContain(
      "(a results file is what venomqa run --save writes); it was read as one of the shards because it is a .json file in out/beside: give the shards' files themselves, or move it out of out/beside",
    )
    // Told once to save over it, a user did: the advice names no file to write.
    expect(r.stderr).not.toContain('--save out/beside/package-lock.json')
    expect(readFileSync(path.join(project.dir, 'out/beside/package-lock.json'), 'utf8')).toBe('{"lockfileVersion":3}')
    // A shard's own file cut short (an artifact that did not finish uploading) is not one to move out: told as it is.
    const cut = readFileSync(path.join(project.dir, 'out/shards/shard-2.json'), 'utf8')
    writeFileSync(path.join(project.dir, 'out/beside/shard-2.json'), cut.slice(0, cut.length / 2))
    rmSync(path.join(project.dir, 'out/beside/package-lock.json'))
    const truncated = await project.venomqa(['merge-reports', 'out/beside'])
    expect(truncated.code, truncated.stderr).toBe(2)
    expect(truncated.stderr).toContain('venomqa: out/beside/shard-2.json')
    expect(truncated.stderr).not.toContain('move it out')
  })

  it("--save naming a shard's file in the directory merged is refused, and the shard's file is kept", async () => {
    // The directory's --save file is left out of the merge (it is the last merge, written again), but a
    // shard's own file there is one of the files to merge: removed as an output, the shard was lost.
    const shard2 = readFileSync(path.join(project.dir, 'out/shards/shard-2.json'), 'utf8')
    const r = await project.venomqa(['merge-reports', 'out/shards', '--save', 'out/shards/shard-2.json'])
    expect(r.code, r.stderr).toBe(2)
    expect(r.stderr).toContain('venomqa: --save would write out/shards/shard-2.json, one of the files to merge, which it would replace; give it another file')
    expect(readFileSync(path.join(project.dir, 'out/shards/shard-2.json'), 'utf8')).toBe(shard2)
  })

  it('a shard of another split (other journeys selected) is exit 2 naming the files of each split', async () => {
    const other = await run(['run', '--tag', 'smoke', '--shard', '2/3', '--save', 'out/other/shard-2.json'])
    expect(other.code).toBe(0)
    const r = await project.venomqa(['merge-reports', 'out/shards/shard-1.json', 'out/other/shard-2.json', 'out/shards/shard-3.json'])
    expect(r.code).toBe(2)
    expect(r.stderr).toMatch(/^venomqa: the files come from different splits: out\/shards\/shard-1\.json, out\/shards\/shard-3\.json \(split [0-9a-f]{16} in 3\); out\/other\/shard-2\.json \(split [0-9a-f]{16} in 3\)/)
  })

  it('files of different splits are refused saying how they differ: other journeys, another n, or an exploration among a run', async () => {
    const r = await project.venomqa(['merge-reports', 'out/shards/shard-1.json', 'out/other/shard-2.json', 'out/shards/shard-3.json'])
    expect(r.code).toBe(2)
    // out/other/shard-2.json split the smoke journeys only (see the test above).
    expect(r.stderr).toContain(
      ". The split of out/other/shard-2.json lacks 2 journeys of the other's (journeys/broken.journey.ts#leaky_login, journeys/health.journey.ts#stats): the machines selected other journeys (another --grep, --tag or names, or other journey files). Merge the shards of one run, with the same journeys, filters and settings\n",
    )
    const halves = await run(['run', ...SUITE, '--shard', '2/2', '--save', 'out/halves/shard-2.json'])
    expect(halves.code, halves.stderr).toBeLessThan(2)
    const n = await project.venomqa(['merge-reports', 'out/shards/shard-1.json', 'out/halves/shard-2.json', 'out/shards/shard-3.json'])
    expect(n.code).toBe(2)
    expect(n.stderr).toContain('. out/halves/shard-2.json was split in 2 (--shard i/2), out/shards/shard-1.json, out/shards/shard-3.json in 3: give every machine the same n in --shard i/n\n')
    // An exploration's shard among a run's: both are "shards", but of two commands, merged apart.
    mkdirSync(path.join(project.dir, 'explore'), { recursive: true })
    const exploreFile = path.join(project.dir, 'explore/health.explore.ts')
    writeFileSync(
      exploreFile,
      "import { action, exploration } from '@venomqa/core'\nexport default exploration('health', { actions: [action('ping', ({ http }) => http.get('/health'))], depth: 1, seed: 1 })\n",
    )
    try {
      const explored = await run(['explore', '--shard', '2/3', '--save', 'out/explored/explore-2.json'])
      expect(explored.code, explored.stderr).toBe(0)
      const mixed = await project.venomqa(['merge-reports', 'out/shards/shard-1.json', 'out/explored/explore-2.json', 'out/shards/shard-3.json'])
      expect(mixed.code).toBe(2)
      expect(mixed.stderr).toContain(
        '. out/explored/explore-2.json holds the results of venomqa explore --shard, out/shards/shard-1.json, out/shards/shard-3.json of venomqa run --shard: merge each with a merge-reports of its own (and a --save and reports of its own)\n',
      )
    } finally {
      rmSync(path.join(project.dir, 'explore'), { recursive: true, force: true })
    }
  })

  it('the same shard twice, or a run saved without --shard, is exit 2', async () => {
    const twice = await project.venomqa(['merge-reports', ...[1, 2, 3, 2].map((i) => `out/shards/shard-${i}.json`)])
    expect(twice.code).toBe(2)
    expect(twice.stderr).toContain('venomqa: shard 2/3 is given twice: out/shards/shard-2.json, out/shards/shard-2.json')
    const whole = await project.venomqa(['merge-reports', 'out/whole.json'])
    expect(whole.code).toBe(2)
    expect(whole.stderr).toContain('venomqa: out/whole.json is not a shard: it was saved without --shard')
  })

  it('a merge marks what it writes as a merge; given to merge again it is exit 2 naming it, and in a directory it is left out with a warning', async () => {
    // A CI job that merges the shards' directory a second time (a retried step, a reused workspace) after the
    // first merge saved into it without naming that file now: it was "not a shard: saved without --shard".
    mkdirSync(path.join(project.dir, 'out/again'), { recursive: true })
    for (const i of [1, 2, 3]) writeFileSync(path.join(project.dir, `out/again/shard-${i}.json`), readFileSync(path.join(project.dir, `out/shards/shard-${i}.json`)))
    const first = await project.venomqa(['merge-reports', 'out/again', '--save', 'out/again/merged.json', '-r', 'json:out/again-report.json'])
    expect(first.code, first.stderr).toBe(1)
    const splitId = readRun('out/shards/shard-1.json').shard!.splitId
    // The results file and the json report alike; a shard's own file is none.
    for (const f of ['out/again/merged.json', 'out/again-report.json']) expect(readRun(f).merged, f).toEqual({ shards: 3, splitId })
    expect(readRun('out/shards/shard-1.json').merged).toBeUndefined()
    const validate = new Ajv({ strict: true, allErrors: true }).compile(JSON.parse(readFileSync(RESULTS_SCHEMA_FILE, 'utf8')))
    expect(validate(readRun('out/again/merged.json')), JSON.stringify(validate.errors)).toBe(true)

    const again = await project.venomqa(['merge-reports', 'out/again', '-r', 'json:out/again-2.json'])
    expect(again.code, again.stderr).toBe(1)
    expect(again.stderr).toContain('venomqa: warning: out/again/merged.json is the output of an earlier merge-reports (of 3 shards), not a shard: left out of this merge\n')
    expect(again.stderr).toContain('venomqa: merged 3 shards')
    expect(outline(readRun('out/again-2.json'))).toEqual(outline(readRun('out/again/merged.json')))

    // The json report written into the directory merged, the same command run twice: its own last report is
    // no input of the second (it was refused as "one of the files to merge" it would write over).
    for (const round of [1, 2]) {
      const r = await project.venomqa(['merge-reports', 'out/again', '-r', 'json:out/again/report.json'])
      expect(r.code, `${round}: ${r.stderr}`).toBe(1)
      expect(r.stderr).toContain('venomqa: merged 3 shards')
      expect(outline(readRun('out/again/report.json'))).toEqual(outline(readRun('out/again/merged.json')))
    }
    // Never a shard's own file: writing a report over one is refused, and the shard is kept.
    const overShard = await project.venomqa(['merge-reports', 'out/again', '-r', 'json:out/again/shard-2.json'])
    expect(overShard.code).toBe(2)
    expect(overShard.stderr).toContain('out/again/shard-2.json, one of the files to merge, which it would replace')
    expect(readRun('out/again/shard-2.json').shard).toBeDefined()

    // Named among the files to merge, it is refused: the user took it for a shard.
    const named = await project.venomqa(['merge-reports', 'out/again/merged.json', ...[1, 2, 3].map((i) => `out/shards/shard-${i}.json`)])
    expect(named.code).toBe(2)
    expect(named.stderr).toBe(
      "venomqa: out/again/merged.json is the output of an earlier merge-reports (of 3 shards), not a shard: give the shards' own files, which venomqa run --shard i/n --save wrote (a glob such as out/again/*.json names it too: give the directory, out/again/, which leaves an earlier merge out)\n",
    )
    // A directory that holds only merges merges nothing, and says why.
    mkdirSync(path.join(project.dir, 'out/only-merges'), { recursive: true })
    writeFileSync(path.join(project.dir, 'out/only-merges/merged.json'), readFileSync(path.join(project.dir, 'out/again/merged.json')))
    const only = await project.venomqa(['merge-reports', 'out/only-merges'])
    expect(only.code).toBe(2)
    expect(only.stderr).toContain(
      "venomqa: no results files to merge: out/only-merges/merged.json is the output of an earlier merge-reports, not a shard: give the shards' own files, which venomqa run --shard i/n --save wrote\n",
    )
  })

  it('merging shards/*.json again, with the merge saved among them, says that the glob took the merge in and to give the directory', async () => {
    mkdirSync(path.join(project.dir, 'out/glob'), { recursive: true })
    for (const i of [1, 2, 3]) writeFileSync(path.join(project.dir, `out/glob/shard-${i}.json`), readFileSync(path.join(project.dir, `out/shards/shard-${i}.json`)))
    const shardFiles = [1, 2, 3].map((i) => `out/glob/shard-${i}.json`)
    expect((await project.venomqa(['merge-reports', ...shardFiles, '--save', 'out/glob/merged.json'])).code).toBe(1)
    // The same step again: the shell's out/glob/*.json now names the merge too.
    const again = await project.venomqa(['merge-reports', 'out/glob/merged.json', ...shardFiles, '--save', 'out/glob/merged.json'])
    expect(again.code).toBe(2)
    expect(again.stderr).toBe(
      'venomqa: --save would write out/glob/merged.json, one of the files to merge, though it is the output of an earlier merge-reports (a glob such as out/glob/*.json names it too: give the directory, out/glob/, which leaves an earlier merge out), which it would replace; give it another file\n',
    )
    const dir = await project.venomqa(['merge-reports', 'out/glob', '--save', 'out/glob/merged.json'])
    expect(dir.code, dir.stderr).toBe(1)
  })

  it('a --last-failed rerun given in place of its shard is exit 2, never a pass without the rest of the shard', async () => {
    const failing = shards.findIndex((r) => r.code === 1) + 1
    const part = readRun(`out/shards/shard-${failing}.json`).journeys
    expect(part.length).toBeGreaterThan(1)
    // Its failures recorded by a run of that shard last (other tests run other things), then rerun alone.
    expect((await run(['run', ...SUITE, '--shard', `${failing}/3`])).code).toBe(1)
    expect((await run(['run', ...SUITE, '--shard', `${failing}/3`, '--last-failed', '--save', `out/rerun/shard-${failing}.json`])).code).toBe(1)
    expect(readRun(`out/rerun/shard-${failing}.json`).journeys.length).toBeLessThan(part.length)
    const files = [1, 2, 3].map((i) => (i === failing ? `out/rerun/shard-${i}.json` : `out/shards/shard-${i}.json`))
    const r = await project.venomqa(['merge-reports', ...files])
    expect(r.code, r.stdout).toBe(2)
    expect(r.stderr).toBe(
      `venomqa: shard ${failing}/3 has only 1 --last-failed rerun (out/rerun/shard-${failing}.json): give the shard's whole run too, and merge the reruns with it\n`,
    )
    // With the shard's saved run it is still refused: it reran the failures of the run in between, which
    // was not saved, so what it would replace cannot be told.
    const unchained = await project.venomqa(['merge-reports', ...[1, 2, 3].map((i) => `out/shards/shard-${i}.json`), `out/rerun/shard-${failing}.json`])
    expect(unchained.code, unchained.stdout).toBe(2)
    expect(unchained.stderr).toMatch(
      new RegExp(
        `^venomqa: out/rerun/shard-${failing}\\.json reruns the failures of a run of shard ${failing}/3 that finished \\S+Z, which is none of the files given \\(out/shards/shard-${failing}\\.json finished \\S+Z\\): merge one pipeline's files`,
      ),
    )
  })

  it("shards of different runs are exit 2 naming each file and its run: an earlier run's passing shard never stands in for a failed one", async () => {
    const inRun = (id: string, i: number, dir: string) => project.venomqa(['run', ...SUITE, '--shard', `${i}/3`, '--save', `${dir}/shard-${i}.json`], { env: { GITHUB_RUN_ID: id } })
    for (const i of [1, 2, 3]) await fetch(`${app.url}/__venomqa/reset`, { method: 'POST' }).then(() => inRun('111', i, 'out/run-a'))
    await fetch(`${app.url}/__venomqa/reset`, { method: 'POST' })
    expect((await inRun('222', 1, 'out/run-b')).code).toBe(1)
    expect(readRun('out/run-a/shard-2.json').shard?.runId).toEqual({ value: '111', from: 'GITHUB_RUN_ID' })

    const one = await project.venomqa(['merge-reports', 'out/run-a'])
    expect(one.code).toBe(1)
    expect(one.stderr).not.toContain('run id')
    const mixed = await project.venomqa(['merge-reports', 'out/run-b/shard-1.json', 'out/run-a/shard-2.json', 'out/run-a/shard-3.json', '-r', 'json:out/mixed.json'])
    expect(mixed.code).toBe(2)
    expect(mixed.stderr).toBe(
      "venomqa: the shards come from different runs: out/run-b/shard-1.json (run 222, from GITHUB_RUN_ID), out/run-a/shard-2.json (run 111, from GITHUB_RUN_ID), out/run-a/shard-3.json (run 111, from GITHUB_RUN_ID). Merge the files of one run only: an earlier run's shard left among them would stand in for this run's\n",
    )
    expect(existsSync(path.join(project.dir, 'out/mixed.json'))).toBe(false)
    // A file that names no run among files that do is no more one of them.
    const unnamed = await project.venomqa(['merge-reports', 'out/shards/shard-1.json', 'out/run-a/shard-2.json', 'out/run-a/shard-3.json'])
    expect(unnamed.code).toBe(2)
    expect(unnamed.stderr).toContain('out/shards/shard-1.json (no run id), out/run-a/shard-2.json (run 111, from GITHUB_RUN_ID)')
  })

  it('shards of two commits of the code under test are exit 2 naming the files and both commits, though their journeys are the same', async () => {
    // No run id: a stale shard of the last commit's pipeline, with the same journeys, merged green.
    const [a, b] = ['a1'.repeat(20), 'b2'.repeat(20)]
    const at = async (sha: string, i: number) => {
      await fetch(`${app.url}/__venomqa/reset`, { method: 'POST' })
      return project.venomqa(['run', ...SUITE, '--shard', `${i}/3`, '--save', `out/commits/shard-${i}.json`], { env: { GITHUB_SHA: sha } })
    }
    await at(a, 1)
    for (const i of [2, 3]) await at(b, i)
    expect(readRun('out/commits/shard-1.json').shard?.commit).toEqual({ value: a, from: 'GITHUB_SHA' })
    const r = await project.venomqa(['merge-reports', 'out/commits', '-r', 'json:out/commits-merged.json'])
    expect(r.code, r.stderr).toBe(2)
    expect(r.stderr).toBe(
      `venomqa: the shards ran different code: out/commits/shard-1.json (commit ${a}, from GITHUB_SHA); out/commits/shard-2.json, out/commits/shard-3.json (commit ${b}, from GITHUB_SHA). Merge the shards of one commit: a shard of another commit left among them would stand in for this one's\n`,
    )
    expect(existsSync(path.join(project.dir, 'out/commits-merged.json'))).toBe(false)
    // A file saved before shards recorded their code says nothing of it, and still merges.
    const older = readRun('out/commits/shard-1.json')
    delete older.shard!.commit
    delete older.shard!.filesHash
    mkdirSync(path.join(project.dir, 'out/older'), { recursive: true })
    writeFileSync(path.join(project.dir, 'out/older/shard-1.json'), JSON.stringify(older))
    const mixed = await project.venomqa(['merge-reports', 'out/older/shard-1.json', 'out/commits/shard-2.json', 'out/commits/shard-3.json'])
    expect(mixed.code, mixed.stderr).toBe(1)
    expect(mixed.stderr).toContain('venomqa: merged 3 shards')
  })

  it("without a CI variable, a shard records its git checkout's commit; shards of two commits are refused", async () => {
    const git = (...args: string[]) =>
      execFileSync('git', args, {
        cwd: project.dir,
        env: { ...cleanEnv(), GIT_AUTHOR_NAME: 't', GIT_AUTHOR_EMAIL: 't@t', GIT_COMMITTER_NAME: 't', GIT_COMMITTER_EMAIL: 't@t' },
        encoding: 'utf8',
      }).trim()
    git('init', '-q')
    try {
      git('commit', '-q', '--allow-empty', '-m', 'one')
      const first = git('rev-parse', 'HEAD')
      await run(['run', ...SUITE, '--shard', '1/3', '--save', 'out/git/shard-1.json'])
      git('commit', '-q', '--allow-empty', '-m', 'two')
      const second = git('rev-parse', 'HEAD')
      for (const i of [2, 3]) await run(['run', ...SUITE, '--shard', `${i}/3`, '--save', `out/git/shard-${i}.json`])
      expect(readRun('out/git/shard-1.json').shard?.commit).toEqual({ value: first, from: 'git' })
      const r = await project.venomqa(['merge-reports', 'out/git'])
      expect(r.code, r.stderr).toBe(2)
      expect(r.stderr).toContain(`the shards ran different code: out/git/shard-1.json (commit ${first}, from git); out/git/shard-2.json, out/git/shard-3.json (commit ${second}, from git)`)
    } finally {
      rmSync(path.join(project.dir, '.git'), { recursive: true, force: true })
    }
    // Nothing to tell the commit by: none is recorded, and nothing fails for it.
    await run(['run', ...SUITE, '--shard', '2/3', '--save', 'out/no-git/shard-2.json'])
    expect(readRun('out/no-git/shard-2.json').shard?.commit).toBeUndefined()
  })

  it('shards whose journey files differ (no commit to tell them by) are exit 2 naming the files and both hashes', async () => {
    const file = path.join(project.dir, 'journeys/health.journey.ts')
    const before = readFileSync(file, 'utf8')
    await run(['run', ...SUITE, '--shard', '1/3', '--save', 'out/edited/shard-1.json'])
    try {
      writeFileSync(file, `${before}\n// edited between the shards\n`)
      for (const i of [2, 3]) await run(['run', ...SUITE, '--shard', `${i}/3`, '--save', `out/edited/shard-${i}.json`])
    } finally {
      writeFileSync(file, before)
    }
    const hashes = [1, 2].map((i) => readRun(`out/edited/shard-${i}.json`).shard?.filesHash)
    expect(hashes[0]).toMatch(/^[0-9a-f]{16}$/)
    expect(hashes[1]).not.toBe(hashes[0])
    const r = await project.venomqa(['merge-reports', 'out/edited'])
    expect(r.code, r.stderr).toBe(2)
    expect(r.stderr).toContain(
      `venomqa: the shards ran different journey files: out/edited/shard-1.json (files ${hashes[0]}); out/edited/shard-2.json, out/edited/shard-3.json (files ${hashes[1]})`,
    )
    // Line endings are no edit: a checkout with CRLF hashes as one with LF.
    const lf = await filesHashOf(['journeys/health.journey.ts'], project.dir)
    writeFileSync(file, before.replaceAll('\n', '\r\n'))
    try {
      expect(await filesHashOf(['journeys/health.journey.ts'], project.dir)).toBe(lf)
    } finally {
      writeFileSync(file, before)
    }
  })

  it('the commit is read from VENOMQA_COMMIT, then the CI variables that hold one; a value that is no commit is passed over', () => {
    const sha = 'c3'.repeat(20)
    expect(commitFromEnv({ VENOMQA_COMMIT: ' api-1.4.2 ', GITHUB_SHA: sha })).toEqual({ value: 'api-1.4.2', from: 'VENOMQA_COMMIT' })
    expect(commitFromEnv({ GITHUB_SHA: ' ', CI_COMMIT_SHA: sha.toUpperCase() })).toEqual({ value: sha, from: 'CI_COMMIT_SHA' })
    // Buildkite's can be a symbolic name, HEAD, that names no commit.
    expect(commitFromEnv({ BUILDKITE_COMMIT: 'HEAD', CIRCLE_SHA1: sha })).toEqual({ value: sha, from: 'CIRCLE_SHA1' })
    expect(commitFromEnv({ BUILDKITE_COMMIT: 'HEAD' })).toBeUndefined()
  })

  it('VENOMQA_RUN_ID names the run before any CI variable; blank ones name none', () => {
    const shard = { index: 1, total: 2, splitId: 'x', order: [] }
    expect(withRunId(shard, { VENOMQA_RUN_ID: ' r-7 ', GITHUB_RUN_ID: '111' }).runId).toEqual({ value: 'r-7', from: 'VENOMQA_RUN_ID' })
    expect(withRunId(shard, { VENOMQA_RUN_ID: ' ', CI_PIPELINE_ID: '42' }).runId).toEqual({ value: '42', from: 'CI_PIPELINE_ID' })
    expect(withRunId(shard, {})).toEqual(shard)
  })

  it('a bad --shard value is exit 2 before anything runs', async () => {
    // Past 2^53 the number would be rounded to another split than the one written.
    for (const bad of ['1/0', 'two/3', '1', '1/99999999999999999999']) {
      const r = await project.venomqa(['run', ...SUITE, '--shard', bad])
      expect(r.code, bad).toBe(2)
      expect(r.stderr, bad).toContain(`venomqa: --shard "${bad}" is not a shard: write i/n with 1 <= i <= n`)
      expect(r.stdout, bad).toBe('')
    }
  })

  it('a shard number out of range says the range, and that a CI counting its jobs from 0 needs 1 added', async () => {
    const zero = await project.venomqa(['run', ...SUITE, '--shard', '0/3'])
    expect(zero.code).toBe(2)
    expect(zero.stdout).toBe('')
    expect(zero.stderr).toContain(
      'venomqa: --shard "0/3": shards are numbered from 1 to 3, so the first is 1/3. A CI that numbers its parallel jobs from 0 (CircleCI\'s CIRCLE_NODE_INDEX, Buildkite\'s BUILDKITE_PARALLEL_JOB) needs 1 added: --shard $((CIRCLE_NODE_INDEX + 1))/$CIRCLE_NODE_TOTAL',
    )
    const past = await project.venomqa(['run', ...SUITE, '--shard', '4/3'])
    expect(past.code).toBe(2)
    expect(past.stdout).toBe('')
    expect(past.stderr).toContain('venomqa: --shard "4/3": there are 3 shards, numbered 1 to 3, so the last is 3/3')
    // The same words wherever --shard is read.
    expect(() => parseShard('0/2')).toThrow('--shard "0/2": shards are numbered from 1 to 2, so the first is 1/2.')
    expect(() => parseShard('3/2')).toThrow('--shard "3/2": there are 2 shards, numbered 1 to 2, so the last is 2/2')
  })
})
