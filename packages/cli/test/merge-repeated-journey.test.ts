/**
 * A journey found twice among the files to merge (a shard's file edited, or copied from another shard's):
 * refused, never counted twice, and never settled by keeping one of its results, which could hide a failure.
 */
import { existsSync } from 'node:fs'
import { mkdir, readFile, writeFile } from 'node:fs/promises'
import path from 'node:path'
import { type JourneyResult, RESULTS_SCHEMA_VERSION, type RunResult, type ShardInfo, UserError, summarize } from '@venomqa/core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Sharded } from '../src/shard/files'
import { checkShards } from '../src/shard/merge'
import { type Project, assertBuilt, makeProject } from './helpers/project'

const ORDER = ['j.ts#a', 'j.ts#b']

function journey(name: string, status: JourneyResult['status'], repeatEachIndex?: number): JourneyResult {
  const counts = { steps: { total: 1, passed: status === 'failed' ? 0 : 1, failed: status === 'failed' ? 1 : 0, skipped: 0 }, paths: { total: 0, passed: 0, failed: 0, skipped: 0 }, branches: 0, checkpoints: 0 }
  return { name, file: 'j.ts', tags: [], status, startedAt: '2026-12-01T10:00:00.000Z', durationMs: 5, nodes: [], issues: [], counts, ...(repeatEachIndex !== undefined ? { repeatEachIndex } : {}) }
}

function shardFile(file: string, index: number, journeys: JourneyResult[]): Sharded {
  const shard: ShardInfo = { index, total: 2, splitId: 'abc', order: ORDER }
  const run: RunResult = {
    schemaVersion: RESULTS_SCHEMA_VERSION,
    tool: { name: 'venomqa', version: '0.1.0' },
    startedAt: '2026-12-01T10:00:00.000Z',
    finishedAt: `2026-12-01T10:00:0${index}.000Z`,
    durationMs: 10,
    status: journeys.some((j) => j.status === 'failed') ? 'failed' : 'passed',
    interrupted: false,
    backends: [],
    journeys,
    issues: [],
    summary: summarize(journeys),
    shard,
  }
  return { file, run, shard }
}

function refusal(files: Sharded[]): string {
  try {
    checkShards(files)
  } catch (err) {
    expect(err).toBeInstanceOf(UserError)
    return (err as Error).message
  }
  throw new Error('not refused')
}

describe('merge-reports with a journey in two files', () => {
  it('is refused naming the journey, both files and what each says of it, whichever order they come in', () => {
    const one = shardFile('1.json', 1, [journey('a', 'failed')])
    const edited = shardFile('2.json', 2, [journey('a', 'passed'), journey('b', 'passed')])
    const said =
      "journey j.ts#a is in the files of two shards: 1.json (shard 1/2, failed) and 2.json (shard 2/2, passed). A split runs each journey in one shard: one of the files was edited or copied from another shard's; merge the files the shards saved"
    expect(refusal([one, edited])).toBe(said)
    expect(refusal([edited, one])).toBe(
      "journey j.ts#a is in the files of two shards: 2.json (shard 2/2, passed) and 1.json (shard 1/2, failed). A split runs each journey in one shard: one of the files was edited or copied from another shard's; merge the files the shards saved",
    )
  })

  it('is refused when one file holds a journey (or one repetition of it) twice', () => {
    expect(refusal([shardFile('1.json', 1, [journey('a', 'failed'), journey('a', 'passed')]), shardFile('2.json', 2, [journey('b', 'passed')])])).toBe(
      '1.json holds journey j.ts#a twice: a run saves each journey once; merge the files the shards saved, not edited ones',
    )
    const repeated = [journey('b', 'passed', 0), journey('b', 'failed', 1), journey('b', 'passed', 1)]
    expect(refusal([shardFile('1.json', 1, [journey('a', 'passed', 0), journey('a', 'passed', 1)]), shardFile('2.json', 2, repeated)])).toMatch(
      /^2\.json holds journey j\.ts#b \(repetition 2\) twice/,
    )
  })

  it('repetitions of a journey in one file and a shard\'s rerun of its own journeys are no repeats', () => {
    const one = shardFile('1.json', 1, [journey('a', 'passed', 0), journey('a', 'passed', 1)])
    const two = shardFile('2.json', 2, [journey('b', 'failed', 0), journey('b', 'passed', 1)])
    const rerun = { ...shardFile('2-rerun.json', 2, [journey('b', 'passed', 0), journey('b', 'passed', 1)]), file: '2-rerun.json' }
    rerun.run = { ...rerun.run, finishedAt: '2026-12-01T10:00:09.000Z', rerunOf: { finishedAt: two.run.finishedAt } }
    expect(checkShards([one, two, rerun]).map((s) => s.file)).toEqual(['1.json', '2.json'])
  })
})

describe('venomqa merge-reports with an edited shard file', () => {
  let p: Project
  beforeAll(async () => {
    assertBuilt()
    p = await makeProject(null)
    const journey = (name: string, fails: boolean) =>
      `import { journey, step } from '@venomqa/core'\nexport default journey('${name}', { steps: [step('one', () => { ${fails ? "throw new Error('no')" : ''} })] })\n`
    await mkdir(path.join(p.dir, 'journeys'))
    await writeFile(path.join(p.dir, 'journeys/a.journey.mjs'), journey('a', true))
    await writeFile(path.join(p.dir, 'journeys/b.journey.mjs'), journey('b', false))
  })
  afterAll(async () => {
    await p?.remove()
  })

  it('exits 2 naming the journey and both files, and writes no merged verdict', async () => {
    expect((await p.venomqa(['run', '--shard', '1/2', '--save', 'shards/1.json'])).code).toBe(1)
    expect((await p.venomqa(['run', '--shard', '2/2', '--save', 'shards/2.json'])).code).toBe(0)
    const read = async (f: string): Promise<RunResult> => JSON.parse(await readFile(path.join(p.dir, f), 'utf8'))
    const [one, two] = [await read('shards/1.json'), await read('shards/2.json')]
    expect([one.journeys.map((j) => j.name), two.journeys.map((j) => j.name)]).toEqual([['a'], ['b']])
    // Shard 2's file given journey a as it passed, beside shard 1's failure of it.
    await writeFile(path.join(p.dir, 'shards/2.json'), JSON.stringify({ ...two, journeys: [{ ...two.journeys[0]!, name: 'a', file: one.journeys[0]!.file }, ...two.journeys] }))
    const merged = await p.venomqa(['merge-reports', 'shards', '--save', 'merged.json'])
    expect(merged.code, merged.stdout + merged.stderr).toBe(2)
    expect(merged.stderr).toContain(
      'venomqa: journey journeys/a.journey.mjs#a is in the files of two shards: shards/1.json (shard 1/2, failed) and shards/2.json (shard 2/2, passed).',
    )
    expect(merged.stdout).toBe('')
    expect(existsSync(path.join(p.dir, 'merged.json'))).toBe(false)
  })
})
