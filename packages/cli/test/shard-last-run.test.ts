import { mkdir, readFile, readdir, rename, rm, writeFile } from 'node:fs/promises'
import path from 'node:path'
import { type RunningProcess, startTodoApp } from '@venomqa/test-utils'
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { type CliResult, type Project, assertBuilt, cliHost, makeProject } from './helpers/project'

/** This file's commands run in one process of the built CLI (see CliHost), but those run side by side. */
const host = cliHost()

// End to end: nine journeys run as three shards in one checkout (side by side, as on one CI machine, or
// one after another, as on a laptop), then `--last-failed` with and without `--shard`, with the built
// `venomqa` binary against the example todo app in its own process. Which journeys fail is set per
// command: FAIL names them, and each of those asks the app for a route it does not have (404).
let app: RunningProcess
let project: Project

const NINE = Array.from({ length: 9 }, (_, k) => `j${k + 1}`)
const JOURNEYS = `import { journey, step } from '@venomqa/core'

// Read as the step runs, not as the file loads: FAIL is each command's own.
const fails = (name) => (process.env.FAIL ?? '').split(',').includes(name)
export default ${JSON.stringify(NINE)}.map((name) =>
  journey(name, { steps: [step('ping', ({ http }) => http.get(fails(name) ? '/api/not-there' : '/health'))] }),
)
`
const id = (name: string) => `journeys/nine.journey.mjs#${name}`

beforeAll(async () => {
  assertBuilt()
  app = await startTodoApp()
  project = await makeProject(null, { TODO_URL: app.url, CI: undefined }, host)
  await mkdir(path.join(project.dir, 'journeys'))
  await writeFile(path.join(project.dir, 'journeys/nine.journey.mjs'), JOURNEYS)
  await writeFile(path.join(project.dir, 'venomqa.config.mjs'), "export default { baseUrl: '${TODO_URL}', timeout: 5000 }\n")
})
afterAll(async () => {
  await project?.remove()
  await app?.stop()
})
beforeEach(async () => {
  // Each test starts with no record of an earlier run.
  await rm(path.join(project.dir, '.venomqa'), { recursive: true, force: true })
})

const venomqa = (args: string[], fail: string[] = [], options: { process?: boolean } = {}): Promise<CliResult> =>
  project.venomqa(args, { env: { FAIL: fail.join(',') }, ...options })
const records = async () => (await readdir(path.join(project.dir, '.venomqa')).catch(() => [])).sort()
const record = async (name: string) => JSON.parse(await readFile(path.join(project.dir, '.venomqa', name), 'utf8'))
const ran = (r: CliResult) => [...r.stdout.matchAll(/^▶ (j\d)/gm)].map((m) => m[1])
/** The three shards, one after another, shard 3 last. */
async function shardsInTurn(fail: string[]): Promise<void> {
  for (const i of [1, 2, 3]) await venomqa(['run', '--shard', `${i}/3`], fail)
}

// Dealt by file and name like cards: shard 1 has j1, j4, j7; shard 2 j2, j5, j8; shard 3 j3, j6, j9.
describe('each shard keeps a record of its own', () => {
  it('three shards run at the same time in one checkout each write theirs, whole, beside the others', async () => {
    const shards = await Promise.all([1, 2, 3].map((i) => venomqa(['run', '--shard', `${i}/3`], ['j2', 'j3', 'j9'], { process: true })))
    expect(shards.map((s) => s.code)).toEqual([0, 1, 1])
    expect(shards.map(ran)).toEqual([
      ['j1', 'j4', 'j7'],
      ['j2', 'j5', 'j8'],
      ['j3', 'j6', 'j9'],
    ])
    // No temp file left behind, no whole-run record: one file per shard.
    expect(await records()).toEqual(['last-run.shard-1-of-3.json', 'last-run.shard-2-of-3.json', 'last-run.shard-3-of-3.json'])
    expect(await record('last-run.shard-1-of-3.json')).toMatchObject({ status: 'passed', failedJourneys: [], shard: { index: 1, total: 3 } })
    expect(await record('last-run.shard-2-of-3.json')).toMatchObject({ status: 'failed', failedJourneys: [id('j2')], shard: { index: 2, total: 3 } })
    expect(await record('last-run.shard-3-of-3.json')).toMatchObject({ status: 'failed', failedJourneys: [id('j3'), id('j9')], shard: { index: 3, total: 3 } })
  })

  it("--shard i/n --last-failed reruns that shard's failures, whichever shard ran last, naming the record it read", async () => {
    await shardsInTurn(['j2', 'j3', 'j9'])
    // Shard 3 ran last; shard 2's record is still its own.
    const two = await venomqa(['run', '--shard', '2/3', '--last-failed'])
    expect(two.stderr).toBe(
      'venomqa: shard 2/3: 3 of 9 journeys\nvenomqa: --last-failed: running the journey that failed in the last run of shard 2/3 (.venomqa/last-run.shard-2-of-3.json): j2\n',
    )
    expect(ran(two)).toEqual(['j2'])
    expect(two.code).toBe(0)
    const one = await venomqa(['run', '--shard', '1/3', '--last-failed'])
    expect(one.stderr).toMatch(/--last-failed: no journey failed in the last run of shard 1\/3 \(\.venomqa\/last-run\.shard-1-of-3\.json, finished \S+Z\): nothing to run\n$/)
    expect([one.code, one.stdout]).toEqual([0, ''])
    const three = await venomqa(['run', '--shard', '3/3', '--last-failed'], ['j9'])
    expect(ran(three)).toEqual(['j3', 'j9'])
    expect(three.code).toBe(1)
    expect((await record('last-run.shard-3-of-3.json')).failedJourneys).toEqual([id('j9')])
    // Each rerun wrote its own shard's record and left the others'.
    expect(await records()).toEqual(['last-run.shard-1-of-3.json', 'last-run.shard-2-of-3.json', 'last-run.shard-3-of-3.json'])
  })

  it("a shard with no record of its own runs all of it, saying which file it looked for, though another shard's is there", async () => {
    await venomqa(['run', '--shard', '1/3'], ['j1'])
    const two = await venomqa(['run', '--shard', '2/3', '--last-failed'])
    expect(two.stderr).toContain(
      'venomqa: --last-failed: no record of a finished last run of shard 2/3 (.venomqa/last-run.shard-2-of-3.json is written when a run of it ends; a run that was killed, crashed or stopped on a mistake leaves none): running every selected journey\n',
    )
    expect(ran(two)).toEqual(['j2', 'j5', 'j8'])
  })
})

describe('--last-failed on a CI merge job, after merge-reports', () => {
  it("says merge-reports writes no record and runs everything; with the shards' records brought beside the config, reruns their failures", async () => {
    for (const i of [1, 2, 3]) await venomqa(['run', '--shard', `${i}/3`, '--save', `out/merge-job/shard-${i}.json`], ['j2'])
    // The merge job's machine has the shards' results, not their records.
    const shardRecords = path.join(project.dir, 'out/shard-records')
    await rm(shardRecords, { recursive: true, force: true })
    await rename(path.join(project.dir, '.venomqa'), shardRecords)
    const merged = await venomqa(['merge-reports', 'out/merge-job', '-r', 'console'])
    expect(merged.code).toBe(1)
    expect(await records()).toEqual([])
    const all = await venomqa(['run', '--last-failed'])
    expect(all.stderr).toBe(
      'venomqa: --last-failed: no record of a finished last run (.venomqa/last-run.json is written when a run ends; a run that was killed, crashed or stopped on a mistake leaves none, and merge-reports writes none: to rerun the failures of merged shards, bring their .venomqa/last-run.shard-i-of-n.json records here, or run --shard i/n --last-failed where each shard ran): running every selected journey\n',
    )
    expect(ran(all)).toEqual(NINE)
    // As the message says: the shards' records beside the config, and --last-failed reruns what failed in them.
    await rm(path.join(project.dir, '.venomqa'), { recursive: true, force: true })
    await rename(shardRecords, path.join(project.dir, '.venomqa'))
    const failures = await venomqa(['run', '--last-failed'])
    expect(failures.stderr).toContain('running the journey that failed in them: j2')
    expect(ran(failures)).toEqual(['j2'])
  })
})

describe('--last-failed without --shard, after a sharded run', () => {
  it('reruns the failures of every shard in one process, saying which records it read; its own record then replaces theirs', async () => {
    await shardsInTurn(['j2', 'j3', 'j9'])
    const all = await venomqa(['run', '--last-failed'])
    expect(all.stderr).toBe(
      'venomqa: --last-failed: read the records of shards 1/3, 2/3, 3/3 (.venomqa/last-run.shard-1-of-3.json, .venomqa/last-run.shard-2-of-3.json, .venomqa/last-run.shard-3-of-3.json): running the 3 journeys that failed in them: j2, j3, j9\n',
    )
    expect(ran(all)).toEqual(['j2', 'j3', 'j9'])
    expect(all.code).toBe(0)
    // A whole run's record now, the shards' set aside as it started: the next --last-failed reads that.
    expect(await records()).toEqual(['last-run.json'])
    const again = await venomqa(['run', '--last-failed'])
    expect(again.stderr).toMatch(/^venomqa: --last-failed: no journey failed in the last run \(finished \S+Z\): nothing to run\n$/)
  })

  it('when every shard passed, runs nothing, and the records stay for the next --last-failed', async () => {
    await shardsInTurn([])
    const none = await venomqa(['run', '--last-failed'])
    expect(none.stderr).toMatch(/^venomqa: --last-failed: read the records of shards 1\/3, 2\/3, 3\/3 \(.+\): no journey failed in them \(the last finished \S+Z\): nothing to run\n$/)
    expect([none.code, none.stdout]).toEqual([0, ''])
    expect(await records()).toEqual(['last-run.shard-1-of-3.json', 'last-run.shard-2-of-3.json', 'last-run.shard-3-of-3.json'])
    expect((await venomqa(['run', '--last-failed'])).stderr).toBe(none.stderr)
  })

  it("with a shard's record missing, runs every selected journey, naming the shard: what failed in it is not known", async () => {
    for (const i of [1, 3]) await venomqa(['run', '--shard', `${i}/3`], ['j1'])
    const r = await venomqa(['run', '--last-failed'])
    expect(r.stderr).toBe(
      'venomqa: --last-failed: read the records of shards 1/3, 3/3 (.venomqa/last-run.shard-1-of-3.json, .venomqa/last-run.shard-3-of-3.json), but not of shard 2/3 (.venomqa/last-run.shard-2-of-3.json): what failed in it is not known: running every selected journey\n',
    )
    expect(ran(r)).toEqual(NINE)
  })

  it('a whole run takes every shard\'s record away as it starts; a shard takes its own and the whole run\'s', async () => {
    await shardsInTurn(['j2'])
    // A whole run stopped on a mistake in its line leaves no shard's record for --last-failed to combine.
    expect((await venomqa(['run', '--bogus'])).code).toBe(2)
    expect(await records()).toEqual([])
    await venomqa(['run'], ['j5'])
    expect(await records()).toEqual(['last-run.json'])
    // A shard stopped so takes only its own and the whole run's: its siblings' may be running beside it.
    await shardsInTurn(['j2'])
    expect(await records()).toEqual(['last-run.shard-1-of-3.json', 'last-run.shard-2-of-3.json', 'last-run.shard-3-of-3.json'])
    expect((await venomqa(['run', '--shard', '2/3', '--bogus'])).code).toBe(2)
    expect(await records()).toEqual(['last-run.shard-1-of-3.json', 'last-run.shard-3-of-3.json'])
    // Shards of another split take the old split's records away: they are no part of the new one.
    await venomqa(['run', '--shard', '1/2'])
    expect(await records()).toEqual(['last-run.shard-1-of-2.json'])
  })

  it('reads a whole-run record newer than the shard records, not theirs', async () => {
    await shardsInTurn(['j2', 'j3'])
    // A whole run's record written after them (as by a run whose start could not take them away).
    const newer = { version: 1, status: 'failed', finishedAt: new Date(Date.now() + 60_000).toISOString(), failedJourneys: [id('j5')] }
    await writeFile(path.join(project.dir, '.venomqa/last-run.json'), JSON.stringify(newer))
    const r = await venomqa(['run', '--last-failed'])
    expect(r.stderr).toBe('venomqa: --last-failed: running the journey that failed in the last run: j5\n')
    expect(ran(r)).toEqual(['j5'])
  })

  it('a shard record that is not valid is exit 2 naming the file', async () => {
    await shardsInTurn([])
    await writeFile(path.join(project.dir, '.venomqa/last-run.shard-2-of-3.json'), '{ not json')
    for (const line of [['run', '--last-failed'], ['run', '--shard', '2/3', '--last-failed']]) {
      const r = await venomqa(line)
      expect(r.code, line.join(' ')).toBe(2)
      expect(r.stderr, line.join(' ')).toContain('venomqa: --last-failed: .venomqa/last-run.shard-2-of-3.json is not JSON; delete it, and a run without --last-failed writes it again\n')
    }
  })
})

describe('--last-failed after the split changed (a journey added, removed or renamed since)', () => {
  const ranAll = (r: CliResult) => [...r.stdout.matchAll(/^▶ (\w+)/gm)].map((m) => m[1])

  it("runs the failures and the journeys its shard's last run did not run: a failure dealt to another shard now is not lost", async () => {
    await shardsInTurn(['j2', 'j3', 'j9'])
    // One journey more, sorted first: every journey moves to the next shard (a0, j3, j6, j9 | j1, j4, j7 | j2, j5, j8).
    const file = path.join(project.dir, 'journeys/a0.journey.mjs')
    await writeFile(file, "import { journey, step } from '@venomqa/core'\nexport default journey('a0', { steps: [step('ping', ({ http }) => http.get('/health'))] })\n")
    try {
      const one = await venomqa(['run', '--shard', '1/3', '--last-failed'], ['j2', 'j3', 'j9'])
      expect(one.stderr).toBe(
        'venomqa: shard 1/3: 4 of 10 journeys\nvenomqa: --last-failed: no journey failed in the last run of shard 1/3 (.venomqa/last-run.shard-1-of-3.json), but it did not run 4 of the journeys dealt to shard 1/3 now (the journeys were added, removed or renamed since, or other filters given): running those: a0, j3, j6, j9\n',
      )
      expect([ranAll(one), one.code]).toEqual([['a0', 'j3', 'j6', 'j9'], 1])
      const three = await venomqa(['run', '--shard', '3/3', '--last-failed'], ['j2', 'j3', 'j9'])
      expect(three.stderr).toBe(
        'venomqa: shard 3/3: 3 of 10 journeys\nvenomqa: --last-failed: none of the journeys that failed in the last run of shard 3/3 (.venomqa/last-run.shard-3-of-3.json) (journeys/nine.journey.mjs#j3, journeys/nine.journey.mjs#j9) is among those selected now, but it did not run 3 of the journeys dealt to shard 3/3 now (the journeys were added, removed or renamed since, or other filters given): running those: j2, j5, j8\n',
      )
      expect([ranAll(three), three.code]).toEqual([['j2', 'j5', 'j8'], 1])
      // Shard 2's record (j2 failed, now in shard 3) and the new shard 1's and 3's: the failure of j9 is still known.
      const whole = await venomqa(['run', '--last-failed'], ['j2', 'j3', 'j9'])
      expect(ranAll(whole)).toEqual(expect.arrayContaining(['j2', 'j3', 'j9']))
      expect(whole.code).toBe(1)
    } finally {
      await rm(file, { force: true })
    }
  })

  it('a rerun of the same split still runs only the failures, and its own rerun only those that failed again', async () => {
    await shardsInTurn(['j2', 'j5'])
    const rerun = await venomqa(['run', '--shard', '2/3', '--last-failed'], ['j2'])
    expect(ranAll(rerun)).toEqual(['j2', 'j5'])
    // The record of the rerun still knows the whole shard: its next rerun runs j2 only.
    const again = await venomqa(['run', '--shard', '2/3', '--last-failed'], ['j2'])
    expect(ranAll(again)).toEqual(['j2'])
  })
})

describe('--last-failed after --fail-fast', () => {
  /** The journeys that passed or failed: one --fail-fast skipped is listed too, as `↷ j3 skipped`. */
  const ranToEnd = (r: CliResult) => [...r.stdout.matchAll(/^[✓✗] (j\d) /gm)].map((m) => m[1])

  it('says apart the journeys that failed and those --fail-fast skipped (they never ran), and runs both', async () => {
    const first = await venomqa(['run', '--fail-fast'], ['j2', 'j3'])
    expect([ranToEnd(first), first.code]).toEqual([['j1', 'j2'], 1])
    expect(await record('last-run.json')).toMatchObject({ failedJourneys: NINE.slice(1).map(id), skippedJourneys: NINE.slice(2).map(id) })
    const rerun = await venomqa(['run', '--last-failed'], ['j3'])
    expect(rerun.stderr).toBe(
      'venomqa: --last-failed: running the journey that failed and the 7 that --fail-fast skipped in the last run: j2, j3, j4, j5, j6, j7, j8, j9\n',
    )
    expect([ranToEnd(rerun), rerun.code]).toEqual([NINE.slice(1), 1])
    // Its own record: j3 failed, j2 and the rest passed; nothing was skipped.
    expect(await record('last-run.json')).toEqual(expect.objectContaining({ failedJourneys: [id('j3')] }))
    expect((await record('last-run.json')).skippedJourneys).toBeUndefined()
  })
})
