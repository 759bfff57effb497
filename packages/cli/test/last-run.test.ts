/** What `.venomqa/last-run.json` records of a run, and what `--last-failed` then selects. */
import { type JourneyResult, RESULTS_SCHEMA_VERSION, type RunResult, summarize } from '@venomqa/core'
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { describe, expect, it } from 'vitest'
import { LAST_RUN_FILE, lastRunOf, readLastRun, recordsToSetAside, selectLastFailed, setAsideLastRun, writeLastRun } from '../src/last-run'

function journey(name: string, status: JourneyResult['status']): JourneyResult {
  const counts = { steps: { total: 1, passed: status === 'failed' ? 0 : 1, failed: status === 'failed' ? 1 : 0, skipped: 0 }, paths: { total: 0, passed: 0, failed: 0, skipped: 0 }, branches: 0, checkpoints: 0 }
  return { name, file: 'j.ts', tags: [], status, startedAt: '2026-12-01T10:00:00.000Z', durationMs: 5, nodes: [], issues: [], counts }
}

function run(status: RunResult['status'], journeys: JourneyResult[]): RunResult {
  return { schemaVersion: RESULTS_SCHEMA_VERSION, tool: { name: 'venomqa', version: '0.1.0' }, startedAt: 't0', finishedAt: 't1', durationMs: 1, status, interrupted: false, backends: [], journeys, issues: [], summary: summarize(journeys) }
}

const selected = ['a', 'b'].map((name) => ({ journey: { name }, file: 'j.ts' }))

describe('the last run, for --last-failed', () => {
  it('lists the failed journeys, and reruns them', () => {
    const record = lastRunOf(run('failed', [journey('a', 'failed'), journey('b', 'passed')]))
    expect(record).toEqual({ version: 1, status: 'failed', finishedAt: 't1', failedJourneys: ['j.ts#a'] })
    expect(selectLastFailed(selected, record)).toMatchObject({ kind: 'selected', items: [selected[0]] })
  })

  it('a run failed by its flaky journeys (--fail-on-flaky) lists them', () => {
    expect(lastRunOf(run('failed', [journey('a', 'passed'), journey('b', 'flaky')])).failedJourneys).toEqual(['j.ts#b'])
    // Beside a failed one too: listed only when nothing else failed, the flaky one was never run again.
    const both = run('failed', [journey('a', 'failed'), journey('b', 'flaky')])
    expect(lastRunOf(both, true, { failOnFlaky: true }).failedJourneys).toEqual(['j.ts#a', 'j.ts#b'])
    expect(lastRunOf(both, true).failedJourneys).toEqual(['j.ts#a'])
    // Passed, a flaky journey is no failure to rerun.
    expect(lastRunOf(run('passed', [journey('b', 'flaky')])).failedJourneys).toEqual([])
  })

  it('a run that failed with no journey failing (a plugin, a report, a backend at close) reruns every selected journey, never nothing', () => {
    // A critical issue of the run's own, and a report that could not be written (the command's verdict).
    for (const record of [lastRunOf(run('failed', [journey('a', 'passed'), journey('b', 'passed')])), lastRunOf(run('passed', [journey('a', 'passed')]), true)]) {
      expect(record).toMatchObject({ status: 'failed', failedJourneys: [] })
      expect(selectLastFailed(selected, record)).toMatchObject({ kind: 'run-failed', items: selected })
    }
    expect(selectLastFailed(selected, lastRunOf(run('passed', [journey('a', 'passed')])))).toMatchObject({ kind: 'none-failed' })
  })

  it('with no record (none yet, or the last run never finished) reruns every selected journey', () => {
    expect(selectLastFailed(selected, undefined)).toEqual({ kind: 'no-record', items: selected })
  })

  it('a run takes the record away as it starts: killed or stopped, it leaves none', async () => {
    const root = mkdtempSync(path.join(os.tmpdir(), 'venomqa-last-run-'))
    try {
      // None there yet: nothing to take.
      await setAsideLastRun(root)
      await writeLastRun(root, run('failed', [journey('a', 'failed')]))
      expect(existsSync(path.join(root, LAST_RUN_FILE))).toBe(true)
      // Killed from here on, the run leaves no record: --last-failed then runs everything, not nothing.
      await setAsideLastRun(root)
      expect(existsSync(path.join(root, LAST_RUN_FILE))).toBe(false)
      // One that does not parse goes too.
      writeFileSync(path.join(root, LAST_RUN_FILE), '{ not json')
      await setAsideLastRun(root)
      expect(existsSync(path.join(root, LAST_RUN_FILE))).toBe(false)
    } finally {
      rmSync(root, { recursive: true, force: true })
    }
  })

  it('an interrupted run records what it never finished with its failures: --last-failed runs them, never nothing', async () => {
    const cut = { ...journey('b', 'failed'), interrupted: true }
    const notStarted = { ...journey('c', 'skipped'), interrupted: true }
    const interrupted = { ...run('failed', [journey('a', 'passed'), cut, notStarted]), interrupted: true }
    const record = lastRunOf(interrupted)
    expect(record).toEqual({ version: 1, status: 'failed', finishedAt: 't1', failedJourneys: ['j.ts#b', 'j.ts#c'], interrupted: true })
    const three = ['a', 'b', 'c'].map((name) => ({ journey: { name }, file: 'j.ts' }))
    expect(selectLastFailed(three, record)).toMatchObject({ kind: 'selected', items: three.slice(1) })
    // Interrupted after every journey ended (while writing reports): nothing left, but not a pass.
    expect(selectLastFailed(three, lastRunOf({ ...run('passed', [journey('a', 'passed')]), interrupted: true }))).toMatchObject({ kind: 'run-failed', items: three })
  })

  it("a shard's record is that shard's, in a file of its own: another shard, or a whole run, reruns every selected journey", async () => {
    const root = mkdtempSync(path.join(os.tmpdir(), 'venomqa-last-run-'))
    try {
      await writeLastRun(root, { ...run('passed', [journey('a', 'passed')]), shard: { index: 3, total: 3, splitId: 'x' } as never })
      expect(existsSync(path.join(root, '.venomqa/last-run.shard-3-of-3.json'))).toBe(true)
      expect(existsSync(path.join(root, LAST_RUN_FILE))).toBe(false)
      const read = await readLastRun(root, { index: 3, total: 3 })
      expect(read).toMatchObject({ kind: 'shard', read: [{ file: '.venomqa/last-run.shard-3-of-3.json' }] })
      const record = read.kind === 'shard' ? read.record : undefined
      expect(record?.shard).toEqual({ index: 3, total: 3 })
      expect(await readLastRun(root, { index: 1, total: 3 })).toEqual({ kind: 'none', shard: { index: 1, total: 3 } })
      expect(selectLastFailed(selected, record, { index: 3, total: 3 })).toMatchObject({ kind: 'none-failed' })
      expect(selectLastFailed(selected, record, { index: 1, total: 3 })).toEqual({ kind: 'other-shard', items: selected, lastRun: record })
      expect(selectLastFailed(selected, record)).toMatchObject({ kind: 'other-shard' })
      // A whole run's record, read by a shard.
      expect(selectLastFailed(selected, lastRunOf(run('passed', [journey('a', 'passed')])), { index: 1, total: 2 })).toMatchObject({ kind: 'other-shard' })
    } finally {
      rmSync(root, { recursive: true, force: true })
    }
  })

  it('a run takes away the records it would replace, and never a sibling shard\'s of its own split', () => {
    const names = ['last-run.json', 'last-run.shard-1-of-3.json', 'last-run.shard-2-of-3.json', 'last-run.shard-1-of-2.json', 'other.json']
    // A whole run: every record, the shards' too (--last-failed would combine them into the last run's).
    expect(recordsToSetAside(names, undefined).sort()).toEqual(['last-run.json', 'last-run.shard-1-of-2.json', 'last-run.shard-1-of-3.json', 'last-run.shard-2-of-3.json'])
    // A shard: its own, the whole run's, and another split's; not shard 1/3's, which may be running beside it.
    expect(recordsToSetAside(names, { index: 2, total: 3 }).sort()).toEqual(['last-run.json', 'last-run.shard-1-of-2.json', 'last-run.shard-2-of-3.json'])
    // Its own, though it is not there yet.
    expect(recordsToSetAside([], { index: 3, total: 3 }).sort()).toEqual(['last-run.json', 'last-run.shard-3-of-3.json'])
  })
})
