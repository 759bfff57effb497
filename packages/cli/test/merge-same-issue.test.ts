/**
 * Issues that say the same thing in the files merged. What every shard meets (a plugin's warning, a
 * violation of a shared root edge) is told once; but two issues of one shard are two, though they differ
 * only in their timestamp: a request cut off at each attempt of a step. merge-reports kept one of them, so
 * the merged run counted fewer issues than `venomqa report` of the one shard did.
 */
import { mkdir, readFile, writeFile } from 'node:fs/promises'
import path from 'node:path'
import { type Issue, type JourneyResult, RESULTS_SCHEMA_VERSION, type RunResult, type ShardInfo, summarize } from '@venomqa/core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Sharded } from '../src/shard/files'
import { checkShards, mergeExploration, mergeShards } from '../src/shard/merge'
import { withReruns } from '../src/shard/reruns'
import { type Project, assertBuilt, makeProject } from './helpers/project'

const ORDER = ['j.ts#a', 'j.ts#b']

const cutOff = (timestamp: string): Issue => ({
  journey: '',
  path: '',
  step: 'run',
  severity: 'high',
  kind: 'state',
  error: 'GET http://127.0.0.1:3000/api/slow got no answer after its step stopped (it is given 1000 ms): if the app still acts on it, that is not rolled back',
  source: 'runner',
  suggestion: 'Check the app\'s data for what that request did.',
  timestamp,
})
const pluginWarning = (timestamp: string): Issue => ({
  journey: '',
  path: '',
  step: 'setup',
  severity: 'low',
  kind: 'hook',
  error: 'plugin "audit" found no audit table',
  source: 'plugin:audit',
  suggestion: 'Create the audit table.',
  timestamp,
})

function journey(name: string, status: JourneyResult['status']): JourneyResult {
  const counts = { steps: { total: 1, passed: status === 'failed' ? 0 : 1, failed: status === 'failed' ? 1 : 0, skipped: 0 }, paths: { total: 0, passed: 0, failed: 0, skipped: 0 }, branches: 0, checkpoints: 0 }
  return { name, file: 'j.ts', tags: [], status, startedAt: '2026-12-01T10:00:00.000Z', durationMs: 5, nodes: [], issues: [], counts }
}

function shardFile(file: string, index: number, journeys: JourneyResult[], issues: Issue[], rerunOf?: Sharded): Sharded {
  const shard: ShardInfo = { index, total: 2, splitId: 'abc', order: ORDER }
  const finishedAt = `2026-12-01T10:00:0${index + (rerunOf ? 5 : 0)}.000Z`
  const run: RunResult = {
    schemaVersion: RESULTS_SCHEMA_VERSION,
    tool: { name: 'venomqa', version: '0.1.0' },
    startedAt: finishedAt,
    finishedAt,
    durationMs: 10,
    status: 'failed',
    interrupted: false,
    backends: [],
    journeys,
    issues,
    summary: summarize(journeys, issues),
    shard,
    ...(rerunOf ? { rerunOf: { finishedAt: rerunOf.run.finishedAt } } : {}),
  }
  return { file, run, shard }
}

/** Shard 1 cut off two attempts of one request; both shards met the plugin's warning. */
const shard1 = shardFile('1.json', 1, [journey('a', 'failed')], [pluginWarning('2026-12-01T10:00:00.100Z'), cutOff('2026-12-01T10:00:00.500Z'), cutOff('2026-12-01T10:00:01.000Z')])
const shard2 = shardFile('2.json', 2, [journey('b', 'passed')], [pluginWarning('2026-12-01T10:00:00.200Z'), cutOff('2026-12-01T10:00:00.700Z')])

describe('merging issues that say the same thing', () => {
  it("keeps each of a shard's own, and one of what every shard met: as many as the shard that has most", () => {
    const merged = mergeShards([shard1, shard2])
    expect(merged.issues).toEqual([shard1.run.issues[0], shard1.run.issues[1], shard1.run.issues[2]])
    expect(merged.summary.issues).toMatchObject({ total: 3, high: 2, low: 1 })
    // The other way round, shard 2's copy stands for one of shard 1's two.
    expect(mergeShards([shard2, shard1]).issues).toEqual([shard2.run.issues[0], shard2.run.issues[1], shard1.run.issues[2]])
  })

  it("a shard and its --last-failed rerun are two runs: what both met counts once, what one met twice counts twice", () => {
    const run = shardFile('1.json', 1, [journey('a', 'failed')], [pluginWarning('2026-12-01T10:00:00.100Z'), cutOff('2026-12-01T10:00:00.500Z'), cutOff('2026-12-01T10:00:01.000Z')])
    const rerun = shardFile('1-rerun.json', 1, [journey('a', 'failed')], [pluginWarning('2026-12-01T10:00:05.100Z'), cutOff('2026-12-01T10:00:05.500Z')], run)
    expect(mergeShards(checkShards([run, rerun, shard2])).issues).toEqual([run.run.issues[0], run.run.issues[1], run.run.issues[2]])
    // Three of them in the rerun: three.
    const more = shardFile('1-rerun.json', 1, [journey('a', 'failed')], [0, 1, 2].map((k) => cutOff(`2026-12-01T10:00:05.${k}00Z`)), run)
    expect(withReruns([run, more]).run.issues).toEqual([...run.run.issues, more.run.issues[2]])
  })

  it("an exploration's parts: the same", () => {
    const base = mergeShards([shard1, shard2])
    const part = (issues: Issue[]) => ({
      name: 'x',
      file: 'x.explore.ts',
      status: 'failed' as const,
      seed: 1,
      startedAt: base.startedAt,
      durationMs: 1,
      stats: { transitions: 1, states: 1, merged: 0, requests: 1, transitionsPerSecond: 1, maxDepthReached: 1 },
      timings: { rollback: {}, observe: {} },
      coverage: [],
      neverEnabled: [],
      violations: [],
      issues,
    })
    const merged = mergeExploration([part(shard1.run.issues), part(shard2.run.issues)] as never)
    expect(merged.issues).toEqual(shard1.run.issues)
  })
})

describe('merge-reports and report of a shard with two such issues', () => {
  let p: Project
  beforeAll(async () => {
    assertBuilt()
    p = await makeProject(null)
    await mkdir(path.join(p.dir, 'dd'), { recursive: true })
    for (const s of [shard1, shard2]) await writeFile(path.join(p.dir, 'dd', s.file.replace('.json', '-shard.json')), JSON.stringify(s.run))
  })
  afterAll(async () => {
    await p?.remove()
  })

  it('count them alike: the console summary, the JUnit run suite and the Markdown headings', async () => {
    const one = await p.venomqa(['report', 'dd/1-shard.json', '-r', 'console'])
    expect(one.stdout).toMatch(/Issues {4}2 high, 1 low\n/)
    const merged = await p.venomqa(['merge-reports', 'dd', '-r', 'console', '-r', 'junit:out/junit.xml', '-r', 'markdown:out/report.md'])
    expect(merged.code, merged.stderr).toBe(1)
    expect(merged.stdout).toMatch(/Issues {4}2 high, 1 low\n/)
    const junit = await readFile(path.join(p.dir, 'out/junit.xml'), 'utf8')
    expect(junit).toMatch(/<testsuite name="run"[^>]* tests="3"/)
    expect(junit.match(/<testcase name="runner: run"/g)).toHaveLength(2)
    const md = await readFile(path.join(p.dir, 'out/report.md'), 'utf8')
    expect(md).toContain('**Issues:** 2 high, 1 low')
    expect(md).toContain('### High (2)')
    expect(md).toContain('### Low (1)')
  })
})

describe('merge-reports of shards whose issues name the journey, path and step', () => {
  const placed = (journey: string, path: string, step: string, timestamp: string): Issue => ({ ...cutOff(timestamp), journey, path, step })
  /** Shard 1 cut off two attempts of a's step charge on path pay; shard 2 one of b's step create, on its main path. */
  const one = shardFile('1.json', 1, [journey('a', 'failed')], [placed('a', 'pay', 'charge', '2026-12-01T10:00:00.500Z'), placed('a', 'pay', 'charge', '2026-12-01T10:00:01.000Z')])
  const two = shardFile('2.json', 2, [journey('b', 'passed')], [placed('b', 'main', 'create', '2026-12-01T10:00:00.700Z')])
  let p: Project
  beforeAll(async () => {
    assertBuilt()
    p = await makeProject(null)
    await mkdir(path.join(p.dir, 'placed'), { recursive: true })
    for (const s of [one, two]) await writeFile(path.join(p.dir, 'placed', s.file.replace('.json', '-shard.json')), JSON.stringify(s.run))
  })
  afterAll(async () => {
    await p?.remove()
  })

  it("counts them as before, each JUnit case named by the issue's place", async () => {
    const merged = await p.venomqa(['merge-reports', 'placed', '-r', 'console', '-r', 'junit:out/junit.xml'])
    expect(merged.code, merged.stderr).toBe(1)
    expect(merged.stdout).toMatch(/Issues {4}3 high\n/)
    const junit = await readFile(path.join(p.dir, 'out/junit.xml'), 'utf8')
    expect(junit).toMatch(/<testsuite name="run"[^>]* tests="3" failures="0" errors="3"/)
    expect(junit.match(/<testcase name="runner: a › pay › charge" classname="venomqa\.run"/g)).toHaveLength(2)
    expect(junit.match(/<testcase name="runner: b › create" classname="venomqa\.run"/g)).toHaveLength(1)
    expect(junit).not.toContain('name="runner: run"')
  })
})
