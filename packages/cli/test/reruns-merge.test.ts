/**
 * How merge-reports puts a shard's --last-failed reruns over its whole run (shard/reruns.ts), on results
 * made here: the chain of runs, the earlier results kept as attempts, and every way a rerun could hide a
 * failure refused. reruns.test.ts runs the same with the built binary against the todo app.
 */
import { type JourneyResult, RESULTS_SCHEMA_VERSION, type RunResult, type ShardInfo, UserError, summarize } from '@venomqa/core'
import { describe, expect, it } from 'vitest'
import type { Sharded } from '../src/shard/files'
import { checkShards, mergeShards } from '../src/shard/merge'
import { withReruns } from '../src/shard/reruns'

const SHARD: ShardInfo = { index: 2, total: 2, splitId: 'abc', order: ['j.ts#a', 'j.ts#b'] }

function journey(name: string, status: JourneyResult['status'], repeatEachIndex?: number): JourneyResult {
  const counts = { steps: { total: 1, passed: status === 'failed' ? 0 : 1, failed: status === 'failed' ? 1 : 0, skipped: 0 }, paths: { total: 0, passed: 0, failed: 0, skipped: 0 }, branches: 0, checkpoints: 0 }
  return { name, file: 'j.ts', tags: [], status, startedAt: '2026-12-01T10:00:00.000Z', durationMs: 5, nodes: [], issues: [], counts, ...(repeatEachIndex !== undefined ? { repeatEachIndex } : {}) }
}

let clock = 0
function file(name: string, journeys: JourneyResult[], rerunOf?: Sharded): Sharded {
  const finishedAt = new Date(Date.UTC(2026, 11, 1, 10, 0, ++clock)).toISOString()
  const run: RunResult = {
    schemaVersion: RESULTS_SCHEMA_VERSION,
    tool: { name: 'venomqa', version: '0.1.0' },
    startedAt: finishedAt,
    finishedAt,
    durationMs: 10,
    status: journeys.some((j) => j.status === 'failed') ? 'failed' : 'passed',
    interrupted: false,
    backends: [],
    journeys,
    issues: [],
    summary: summarize(journeys),
    shard: SHARD,
    ...(rerunOf ? { rerunOf: { finishedAt: rerunOf.run.finishedAt } } : {}),
  }
  return { file: name, run, shard: SHARD }
}

/** Shard `index` of a split of journeys a and b, holding `journeys`. */
function shardOf(index: number, journeys: JourneyResult[]): Sharded {
  const f = file(`${index}.json`, journeys)
  const info = { ...SHARD, index, order: ['j.ts#a', 'j.ts#b'] }
  return { ...f, run: { ...f.run, shard: info }, shard: info }
}

const outline = (s: Sharded) => s.run.journeys.map((j) => [j.name, j.status, j.attempt ?? 1, (j.earlierAttempts ?? []).map((a) => a.status).join(',')])

function refusal(files: Sharded[]): string {
  try {
    withReruns(files)
  } catch (err) {
    expect(err).toBeInstanceOf(UserError)
    return (err as Error).message
  }
  throw new Error('not refused')
}

describe('a shard with its --last-failed reruns', () => {
  it('puts each rerun over the run it reran, in chain order whatever the order given; failed then passed is flaky', () => {
    const whole = file('2.json', [journey('a', 'passed'), journey('b', 'failed')])
    const first = file('2-rerun-a.json', [journey('b', 'failed')], whole)
    const second = file('2-rerun-b.json', [journey('b', 'passed')], first)
    const merged = withReruns([second, whole, first])
    expect(outline(merged)).toEqual([
      ['a', 'passed', 1, ''],
      ['b', 'flaky', 3, 'failed,failed'],
    ])
    expect(merged.run.finishedAt).toBe(second.run.finishedAt)
    expect(merged.run.durationMs).toBe(30)
    // Up to the first rerun only, the journey still failed, with its first run kept as attempt 1.
    expect(outline(withReruns([whole, first]))).toEqual([
      ['a', 'passed', 1, ''],
      ['b', 'failed', 2, 'failed'],
    ])
  })

  it("marks each rerun's attempt as one, so reports never call it a retry within the run; the journey's own retries stay retries", async () => {
    const whole = file('2.json', [journey('a', 'passed'), journey('b', 'failed')])
    // The rerun retried b itself once (journey `retries`): attempt 1 of the rerun failed, attempt 2 passed.
    const retried: JourneyResult = { ...journey('b', 'passed'), attempt: 2, earlierAttempts: [{ ...journey('b', 'failed'), attempt: 1 }] }
    const merged = withReruns([whole, file('2-rerun.json', [retried], whole)])
    const b = merged.run.journeys[1]!
    expect([...b.earlierAttempts!, b].map((a) => [a.attempt, a.status, a.rerun ?? false])).toEqual([
      [1, 'failed', false],
      [2, 'failed', true],
      [3, 'flaky', false],
    ])
    const { createConsoleReporter } = await import('@venomqa/runner')
    const text = String(await createConsoleReporter({ color: false, progress: false }).render!(merged.run, {} as never))
    // Each attempt named as the run it was in says: the shard's run had one (no label, as live), the rerun two.
    const ends = text.split('\n').filter((l) => /^[^▶\s] b /.test(l))
    expect(ends.map((l) => l.replace(/ \d+ ms/, ''))).toEqual([
      '✗ b failed (run again by a --last-failed rerun)',
      '✗ b (--last-failed rerun, attempt 1) failed (retrying from scratch: a fresh context, any state backend rolled back)',
      '⚠ b (--last-failed rerun, attempt 2) flaky (passed in a --last-failed rerun after 2 failed attempts)',
    ])
    expect(text).toContain('⚠ b passed in a --last-failed rerun')
  })

  it("says of a journey that passed in a --last-failed rerun that it did, not that it passed on a retry: the shard run's attempts as live (attempt 1 of 2)", async () => {
    // The shard's run tried b twice (journey `retries: 1`), live `▶ b (attempt 1 of 2)`, `(attempt 2 of 2)`; the rerun passed it.
    const twice: JourneyResult = { ...journey('b', 'failed'), attempt: 2, earlierAttempts: [{ ...journey('b', 'failed'), attempt: 1 }] }
    const whole = file('2.json', [journey('a', 'passed'), twice])
    const merged = withReruns([whole, file('2-rerun.json', [journey('b', 'passed')], whole)])
    const { createConsoleReporter, createMarkdownReporter } = await import('@venomqa/runner')
    const text = String(await createConsoleReporter({ color: false, progress: false }).render!(merged.run, {} as never))
    expect(text.split('\n').filter((l) => l.startsWith('▶ b'))).toEqual(['▶ b (attempt 1 of 2) j.ts', '▶ b (attempt 2 of 2) j.ts', '▶ b (--last-failed rerun) j.ts'])
    const markdown = String(await createMarkdownReporter().render!(merged.run, {} as never))
    expect(markdown).toContain('**Flaky:** 1 journey failed, then passed in a --last-failed rerun: [b (--last-failed rerun)]')
    expect(markdown).toContain('Ran 3 times; the steps below are attempt 3 (--last-failed rerun), which passed: **flaky**.')
    expect(markdown).toContain('- Attempt 1 (attempt 1 of 2): ❌ failed')
    expect(markdown).not.toContain('on a retry')
  })

  it('a journey a SIGTERM cut short that passes in the rerun was interrupted, then passed: not flaky, in the merge and every report', async () => {
    const cut: JourneyResult = { ...journey('b', 'failed'), interrupted: true }
    const whole = shardOf(2, [cut])
    whole.run.interrupted = true
    const merged = mergeShards(checkShards([shardOf(1, [journey('a', 'passed')]), whole, file('2-rerun.json', [journey('b', 'passed')], whole)]))
    const b = merged.journeys.find((j) => j.name === 'b')!
    expect([b.status, b.earlierAttempts?.map((a) => [a.status, a.interrupted])]).toEqual(['passed', [['failed', true]]])
    expect(merged.summary.journeys.flaky ?? 0).toBe(0)
    expect(merged.status).toBe('passed')
    const { createConsoleReporter, createJUnitReporter, createMarkdownReporter } = await import('@venomqa/runner')
    const text = String(await createConsoleReporter({ color: false, progress: false }).render!(merged, {} as never))
    expect(text).not.toMatch(/flaky/i)
    expect(text.split('\n').filter((l) => /^[✓✗] b /.test(l)).map((l) => l.replace(/ \d+ ms/, ''))).toEqual([
      '✗ b failed (interrupted) (run again by a --last-failed rerun)',
      '✓ b (--last-failed rerun) passed (passed in a --last-failed rerun after 1 interrupted attempt)',
    ])
    const markdown = String(await createMarkdownReporter().render!(merged, {} as never))
    expect(markdown).not.toContain('**Flaky:**')
    expect(markdown).toContain('which passed: the attempts before it were interrupted, none failed, so it is not flaky.')
    expect(markdown).toContain('- Attempt 1: ❌ failed (interrupted): ')
    const xml = String(await createJUnitReporter().render!(merged, {} as never))
    expect(xml).not.toMatch(/flaky/i)
    expect(xml).toContain('journey b (--last-failed rerun): passed (passed in a --last-failed rerun after 1 interrupted attempt)\nattempt 1: failed (interrupted)')
  })

  it('a journey that failed on its own and was interrupted in a later rerun, then passed, is still flaky', () => {
    const whole = file('2.json', [journey('a', 'passed'), journey('b', 'failed')])
    const cut = file('2-rerun-a.json', [{ ...journey('b', 'failed'), interrupted: true }], whole)
    expect(outline(withReruns([whole, cut, file('2-rerun-b.json', [journey('b', 'passed')], cut)]))).toEqual([
      ['a', 'passed', 1, ''],
      ['b', 'flaky', 3, 'failed,failed'],
    ])
  })

  it('an interrupted run is whole again once its reruns ran what it never finished; not before, nor when a rerun is interrupted', () => {
    const cut = (name: string) => ({ ...journey(name, 'skipped'), interrupted: true })
    const interrupted = (s: Sharded) => ({ ...s, run: { ...s.run, interrupted: true } })
    const whole = interrupted(file('2.json', [journey('a', 'passed'), cut('b'), cut('c')]))
    const both = file('2-rerun.json', [journey('b', 'passed'), journey('c', 'passed')], whole)
    expect(withReruns([whole, both]).run.interrupted).toBe(false)
    expect(withReruns([whole, file('2-rerun.json', [journey('b', 'passed')], whole)]).run.interrupted).toBe(true)
    expect(withReruns([whole, interrupted(both)]).run.interrupted).toBe(true)
    // Interrupted while closing, every journey finished: --last-failed reruns them all, and only that makes it whole.
    const closing = interrupted(file('2.json', [journey('a', 'passed'), journey('b', 'passed')]))
    expect(withReruns([closing, file('2-rerun.json', [journey('a', 'passed')], closing)]).run.interrupted).toBe(true)
    expect(withReruns([closing, file('2-rerun.json', [journey('a', 'passed'), journey('b', 'passed')], closing)]).run.interrupted).toBe(false)
  })

  it('puts each repetition over its own when the rerun repeats as the run did', () => {
    const whole = file('2.json', [journey('b', 'passed', 0), journey('b', 'failed', 1)])
    const rerun = file('2-rerun.json', [journey('b', 'passed', 0), journey('b', 'passed', 1)], whole)
    // The repetition that passed is replaced by its rerun, not called retried ("attempt 1: passed").
    expect(outline(withReruns([whole, rerun]))).toEqual([
      ['b', 'passed', 1, ''],
      ['b', 'flaky', 2, 'failed'],
    ])
  })

  it('refuses a rerun that repeats a journey another number of times: a failed repetition would go missing', () => {
    const whole = file('2.json', [journey('b', 'passed', 0), journey('b', 'passed', 1), journey('b', 'failed', 2)])
    const twice = file('2-rerun.json', [journey('b', 'passed', 0), journey('b', 'passed', 1)], whole)
    expect(refusal([whole, twice])).toBe(
      '2-rerun.json ran j.ts#b 2 times (--repeat-each), but the run of shard 2/2 it reran ran it 3 times (--repeat-each): rerun with the same --repeat-each, so that each repetition is put over its own',
    )
    const once = file('2-rerun-once.json', [journey('b', 'passed')], whole)
    expect(refusal([whole, once])).toMatch(/ran j\.ts#b once, but the run of shard 2\/2 it reran ran it 3 times/)
  })

  it('refuses a rerun without its whole run, one that follows from none of the files, and two reruns of one run', () => {
    const whole = file('2.json', [journey('b', 'failed')])
    const rerun = file('2-rerun.json', [journey('b', 'passed')], whole)
    expect(refusal([rerun])).toBe("shard 2/2 has only 1 --last-failed rerun (2-rerun.json): give the shard's whole run too, and merge the reruns with it")
    const unsaved = file('unsaved.json', [journey('b', 'failed')])
    const orphan = file('2-orphan.json', [journey('b', 'passed')], unsaved)
    expect(refusal([whole, orphan])).toMatch(/^2-orphan\.json reruns the failures of a run of shard 2\/2 that finished \S+, which is none of the files given \(2\.json finished \S+\)/)
    const copy = { ...rerun, file: 'copy.json' }
    expect(refusal([whole, rerun, copy])).toMatch(/^2-rerun\.json, copy\.json each rerun the failures of one run of shard 2\/2/)
    expect(refusal([whole, file('again.json', [journey('b', 'failed')])])).toBe('shard 2/2 is given twice: 2.json, again.json')
  })
})

describe('shards with different --repeat-each', () => {
  it('are refused, naming the files and how many times each ran its journeys', () => {
    const once = shardOf(1, [journey('a', 'passed')])
    const thrice = shardOf(2, [journey('b', 'passed', 0), journey('b', 'passed', 1), journey('b', 'passed', 2)])
    let message = ''
    try {
      checkShards([once, thrice])
    } catch (err) {
      expect(err).toBeInstanceOf(UserError)
      message = (err as Error).message
    }
    expect(message).toBe('the shards ran their journeys a different number of times (--repeat-each): 1/2 1.json once; 2/2 2.json 3 times. Run every shard with the same --repeat-each')
    const alsoThrice = shardOf(1, [journey('a', 'passed', 0), journey('a', 'passed', 1), journey('a', 'passed', 2)])
    expect(checkShards([alsoThrice, thrice]).map((s) => s.file)).toEqual(['1.json', '2.json'])
  })
})

describe('shards run with --repeat-each', () => {
  it('merge in the unsharded order: every journey\'s first repetition, then every journey\'s second', () => {
    const merged = mergeShards(checkShards([shardOf(1, [journey('a', 'passed', 0), journey('a', 'passed', 1)]), shardOf(2, [journey('b', 'passed', 0), journey('b', 'failed', 1)])]))
    expect(merged.journeys.map((j) => `${j.name}#${j.repeatEachIndex}`)).toEqual(['a#0', 'b#0', 'a#1', 'b#1'])
  })
})
