import { mkdir, readFile, writeFile } from 'node:fs/promises'
import path from 'node:path'
import { type JourneyResult, RESULTS_SCHEMA_VERSION, type RunResult, type ShardInfo, countNodes, makeIssue, runStatusOf, summarize } from '@venomqa/core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type Project, assertBuilt, makeProject, cliHost } from './helpers/project'

/** This file's commands run in one process of the built CLI (see CliHost), but those that need one of their own. */
const host = cliHost()

// `venomqa report` judges a saved run by what it holds, not by the verdict and totals written beside it.
let p: Project

function journey(name: string, status: 'passed' | 'failed'): JourneyResult {
  const nodes: JourneyResult['nodes'] = [
    { kind: 'step', name: `${name}_step`, status, expectFailure: false, attempts: 1, startedAt: '2024-05-01T10:00:00.000Z', durationMs: 4 },
  ]
  return { name, tags: [], status, startedAt: '2024-05-01T10:00:00.000Z', durationMs: 5, nodes, issues: [], counts: countNodes(nodes) }
}

/** Four journeys passed, four failed: a failed run, saved as `venomqa run --save` saves it. */
function savedRun(): RunResult {
  const journeys = ['a', 'b', 'c', 'd'].flatMap((n) => [journey(`${n}_ok`, 'passed'), journey(`${n}_bad`, 'failed')])
  return {
    schemaVersion: RESULTS_SCHEMA_VERSION,
    tool: { name: 'venomqa', version: '1.0.0' },
    startedAt: '2024-05-01T10:00:00.000Z',
    finishedAt: '2024-05-01T10:00:01.000Z',
    durationMs: 1000,
    status: runStatusOf(journeys, []),
    interrupted: false,
    backends: [],
    journeys,
    issues: [],
    summary: summarize(journeys),
  }
}

async function save(file: string, edit: (run: RunResult) => void): Promise<void> {
  const run = savedRun()
  edit(run)
  await writeFile(path.join(p.dir, file), JSON.stringify(run))
}

beforeAll(async () => {
  assertBuilt()
  p = await makeProject(null, {}, host)
  await save('run.json', () => {})
  await save('green.json', (run) => {
    run.status = 'passed'
  })
  await save('counts.json', (run) => {
    run.summary.journeys = { total: 8, passed: 8, failed: 0, skipped: 0, flaky: 0 }
  })
  // A journey's own status edited to passed over its failed step, and the run's verdict and counts with it.
  await save('journey.json', (run) => {
    run.journeys = run.journeys.slice(0, 2)
    run.journeys[1]!.status = 'passed'
    run.status = runStatusOf(run.journeys, [])
    run.summary = summarize(run.journeys)
  })
  // Passed steps, and a critical issue of the journey (a restore that failed): the runner failed it.
  await save('critical.json', (run) => {
    const j = run.journeys[0]!
    j.issues = [makeIssue({ journey: j.name, path: 'main', step: 'restore', severity: 'critical', kind: 'state', error: 'rollback failed', source: 'state' })]
  })
  await save('u2.json', (run) => {
    ;(run.journeys[0]!.nodes[0] as { name: unknown }).name = null
  })
})
afterAll(async () => {
  await p?.remove()
})

describe('venomqa report judges the run again from its journeys', () => {
  it('a file that agrees with itself is rendered as it is, with no warning', async () => {
    const r = await p.venomqa(['report', 'run.json', '-r', 'console'])
    expect(r.stdout).toMatch(/Journeys {2}4 passed, 4 failed of 8/)
    expect(r.stdout).toContain('Result: FAILED')
    expect(r.stderr).toBe('')
  })

  it('a status that says passed over failed journeys reads failed, and a warning names the file', async () => {
    const r = await p.venomqa(['report', 'green.json', '-r', 'console'])
    expect(r.stdout).toMatch(/Journeys {2}4 passed, 4 failed of 8/)
    expect(r.stdout).toContain('Result: FAILED')
    expect(r.stdout).not.toContain('Result: PASSED')
    expect(r.stderr).toBe('venomqa: warning: green.json: its status says "passed", but its journeys, explorations and issues make the run failed: read as failed\n')
  })

  it('a summary that says otherwise is counted again from the journeys, and a warning names the file', async () => {
    const r = await p.venomqa(['report', 'counts.json', '-r', 'console', '-r', 'json:out/counts.json'])
    expect(r.stdout).toMatch(/Journeys {2}4 passed, 4 failed of 8/)
    expect(r.stdout).not.toContain('8 passed')
    expect(r.stdout).toContain('Result: FAILED')
    expect(r.stderr).toContain('venomqa: warning: counts.json: its summary does not match its journeys (journeys.passed 8, counted 4, journeys.failed 0, counted 4): read with the counts of its journeys\n')
  })

  it("a journey whose status says passed over a failed step reads failed, and the warning names the file, the journey and the step", async () => {
    const r = await p.venomqa(['report', 'journey.json', '-r', 'console', '-r', 'json:out/journey.json'])
    expect(r.stdout).toMatch(/✗ a_bad failed/)
    expect(r.stdout).toMatch(/Journeys {2}1 passed, 1 failed of 2/)
    expect(r.stdout).toContain('Result: FAILED')
    expect(r.stderr).toBe(
      'venomqa: warning: journey.json: journey "a_bad" says "passed", but its step "a_bad_step" failed: read as failed\n' +
        'venomqa: warning: journey.json: its status says "passed", but its journeys, explorations and issues make the run failed: read as failed\n' +
        'venomqa: json report written to out/journey.json\n',
    )
    // What is rendered says it too: the journey, the counts and the verdict.
    const rendered = JSON.parse(await readFile(path.join(p.dir, 'out/journey.json'), 'utf8')) as RunResult
    expect(rendered.journeys[1]!.status).toBe('failed')
    expect(rendered.summary.journeys).toMatchObject({ passed: 1, failed: 1 })
    expect(rendered.status).toBe('failed')
  })

  it('a journey with a critical issue reads failed though every step passed', async () => {
    const r = await p.venomqa(['report', 'critical.json', '-r', 'console'])
    expect(r.stdout).toMatch(/Journeys {2}3 passed, 5 failed of 8/)
    expect(r.stderr).toContain('venomqa: warning: critical.json: journey "a_ok" says "passed", but it has a critical issue ("restore"): read as failed\n')
  })

  it('merge-reports judges each shard\'s journeys so, and exits 1 for a failed step under a status that says passed', async () => {
    const order = ['j.ts#one', 'j.ts#two']
    const shard = (index: number, j: JourneyResult): RunResult => {
      const journeys = [{ ...j, file: 'j.ts' }]
      const info: ShardInfo = { index, total: 2, splitId: 'split', order }
      return { ...savedRun(), journeys, status: 'passed', summary: summarize(journeys), shard: info }
    }
    const lying = { ...journey('two', 'failed'), status: 'passed' as const }
    await mkdir(path.join(p.dir, 'shards'), { recursive: true })
    await writeFile(path.join(p.dir, 'shards/1.json'), JSON.stringify(shard(1, journey('one', 'passed'))))
    await writeFile(path.join(p.dir, 'shards/2.json'), JSON.stringify(shard(2, lying)))
    const r = await p.venomqa(['merge-reports', 'shards', '-r', 'console'])
    expect(r.stderr).toContain(`venomqa: warning: ${path.join('shards', '2.json')}: journey "two" says "passed", but its step "two_step" failed: read as failed\n`)
    expect(r.stdout).toMatch(/Journeys {2}1 passed, 1 failed of 2/)
    expect(r.stdout).toContain('Result: FAILED')
    expect(r.code, r.stdout + r.stderr).toBe(1)
  })

  it('a node field a reporter reads, broken, is exit 2 naming its place, before any reporter runs', async () => {
    const r = await p.venomqa(['report', 'u2.json', '-r', 'junit:out/u2.xml'])
    expect(r.code).toBe(2)
    expect(r.stderr).toContain('u2.json: journeys[0].nodes[0].name must be a string')
    expect(r.stderr).not.toContain('reporter junit failed')
  })
})
