import { existsSync } from 'node:fs'
import { writeFile } from 'node:fs/promises'
import path from 'node:path'
import type { RunResult, StepResult } from '@venomqa/core'
import { bigRun } from '@venomqa/fixtures'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type Project, assertBuilt, cliHost, makeProject } from './helpers/project'

/** This file's commands run in one process of the built CLI (see CliHost). */
const host = cliHost()

// A results file broken where a reporter reads it (an issue that is null, tags that are not a list, an
// earlier attempt that is not a journey) is the user's input: exit 2 naming the file and the place, as a
// broken step's name is, never a reporter's TypeError ("Cannot read properties of null") and exit 1.
let p: Project

beforeAll(async () => {
  assertBuilt()
  p = await makeProject(null, {}, host)
})
afterAll(async () => {
  await p?.remove()
})

const REPORTERS = ['console:out/run.txt', 'junit:out/junit.xml', 'markdown:out/report.md', 'json:out/again.json']

async function broken(name: string, edit: (run: RunResult & Record<string, unknown>) => void): Promise<string> {
  const run = bigRun(2, 4) as RunResult & Record<string, unknown>
  edit(run)
  await writeFile(path.join(p.dir, name), JSON.stringify(run))
  return name
}

/** The first journey given one step (bigRun's journeys of 4 steps have none of their own), edited as `edit` says. */
const withStep = (run: RunResult, edit: Partial<Record<keyof StepResult, unknown>>) => {
  const step = bigRun(1, 11).journeys[0]!.nodes[0] as StepResult
  run.journeys[0]!.nodes = [{ ...step, ...edit } as StepResult]
}

describe('report: a results file broken where a reporter reads it', () => {
  const cases: [string, (run: RunResult & Record<string, unknown>) => void, string][] = [
    ['null-issue.json', (r) => void (r.issues = [null as never]), 'issues[0] must be an object'],
    ['issue-severity.json', (r) => void (r.journeys[0]!.issues = [{ ...r.journeys[1]!.issues[0]!, severity: 'fatal' as never }]), 'journeys[0].issues[0].severity must be one of critical, high, medium, low, info'],
    ['tags.json', (r) => void (r.journeys[0]!.tags = 'smoke' as never), 'journeys[0].tags must be a list of strings'],
    ['tag.json', (r) => void (r.journeys[1]!.tags = [5 as never]), 'journeys[1].tags must be a list of strings'],
    ['file.json', (r) => void (r.journeys[0]!.file = 5 as never), 'journeys[0].file must be a string'],
    ['earlier.json', (r) => void (r.journeys[0]!.earlierAttempts = 'x' as never), 'journeys[0].earlierAttempts must be an array'],
    ['step-request.json', (r) => withStep(r, { request: 'x' }), 'journeys[0].nodes[0].request must be an object'],
    ['step-status.json', (r) => withStep(r, { response: { status: '200', headers: {} } }), 'journeys[0].nodes[0].response.status must be a number'],
    ['step-exchange.json', (r) => withStep(r, { exchanges: [null] }), 'journeys[0].nodes[0].exchanges[0] must be an object'],
    ['step-request-error.json', (r) => withStep(r, { requestError: { code: 'ECONNREFUSED' } }), 'journeys[0].nodes[0].requestError must be a string'],
    ['step-headers.json', (r) => withStep(r, { exchanges: [{ request: { method: 'GET', url: '/x', headers: 'h' }, durationMs: 1, attempt: 1, startedAt: '' }] }), 'journeys[0].nodes[0].exchanges[0].request.headers must be an object'],
    ['earlier-node.json', (r) => void (r.journeys[0]!.earlierAttempts = [{ ...r.journeys[0]!, nodes: [null as never] }]), 'journeys[0].earlierAttempts[0].nodes[0] must be a step, a checkpoint or a branch'],
  ]
  for (const [file, edit, place] of cases)
    it(`${file}: ${place}`, async () => {
      await broken(file, edit)
      const r = await p.venomqa(['report', file, ...REPORTERS.flatMap((x) => ['-r', x])])
      expect(r.stderr).toBe(`venomqa: ${file}: ${place} (a results file is what venomqa run --save writes)\n`)
      expect(r.code).toBe(2)
      for (const out of ['out/run.txt', 'out/junit.xml', 'out/report.md', 'out/again.json']) expect(existsSync(path.join(p.dir, out)), out).toBe(false)
    })

  it('a journey with no tags, file or earlier attempts is read as before', async () => {
    const file = await broken('plain.json', (r) => {
      for (const j of r.journeys as Partial<RunResult['journeys'][number]>[]) {
        delete j.tags
        delete j.file
      }
    })
    const r = await p.venomqa(['report', file, '-r', 'markdown:out/plain.md'])
    expect(r.stderr).toBe('venomqa: markdown report written to out/plain.md\n')
    expect(r.code).toBe(0)
  })
})

describe('merge-reports: a shard field that is not what run --shard saves', () => {
  const shard = (index: unknown, total: unknown = 2, rest: Record<string, unknown> = {}) => ({ index, total, splitId: 'a1b2', order: [], ...rest })
  const cases: [string, unknown, string][] = [
    ['shard-text.json', 'x', 'shard must be an object, as venomqa run --shard saves it'],
    ['shard-index.json', shard(7), 'shard.index must be a whole number from 1 to shard.total (2), got 7'],
    ['shard-total.json', shard(1, 0), 'shard.total must be a whole number of at least 1, got 0'],
    ['shard-split.json', shard(2, 2, { splitId: 5 }), 'shard.splitId must be a string'],
    ['shard-order.json', shard(2, 2, { order: 'x' }), 'shard.order must be a list of strings'],
  ]
  for (const [file, value, said] of cases)
    it(`${file}: ${said}`, async () => {
      await broken('shard-1.json', (r) => void (r.shard = shard(1) as never))
      await broken(file, (r) => void (r.shard = value as never))
      const r = await p.venomqa(['merge-reports', 'shard-1.json', file, '-r', 'junit:out/merged.xml'])
      expect(r.stderr).toBe(`venomqa: ${file}: ${said}\n`)
      expect(r.code).toBe(2)
      expect(r.stderr).not.toContain('undefined')
      expect(existsSync(path.join(p.dir, 'out/merged.xml'))).toBe(false)
    })
})

describe('merge-reports: messages of the files to merge', () => {
  it("come in the order the files are given: an earlier file's error before a later file's warnings", async () => {
    await writeFile(path.join(p.dir, 'order-1.json'), '{ "schemaVersion": ')
    await broken('order-2.json', (r) => void (r.summary.journeys.total = 99))
    const r = await p.venomqa(['merge-reports', 'order-1.json', 'order-2.json', '-r', 'junit:out/order.xml'])
    expect(r.code).toBe(2)
    expect(r.stderr.split('\n')[0]).toMatch(/^venomqa: order-1\.json\S* is not JSON: /)
    expect(r.stderr).not.toContain('order-2.json')
    // A later file's warnings once the earlier ones are read: each file's messages, in turn.
    const w = await p.venomqa(['merge-reports', 'order-2.json', 'order-1.json', '-r', 'junit:out/order.xml'])
    expect(w.code).toBe(2)
    expect(w.stderr).toMatch(/^venomqa: warning: order-2\.json: its summary does not match its journeys [^\n]*\nvenomqa: order-1\.json\S* is not JSON: /)
  })
})
