import { describe, expect, it } from 'vitest'
import {
  DefinitionError,
  type JourneyResult,
  type JourneyStatus,
  assertRunResult,
  countNodes,
  focusJourneys,
  journey,
  makeIssue,
  repeatLabel,
  runStatusOf,
  settleAttempts,
  step,
  summarize,
} from '../src/index'

const noop = step('noop', () => {})

function result(status: JourneyStatus, extra: Partial<JourneyResult> = {}): JourneyResult {
  return { name: 'j', tags: [], status, startedAt: '2024-01-01T00:00:00.000Z', durationMs: 1, nodes: [], issues: [], counts: countNodes([]), ...extra }
}

describe('journey.skip, journey.only and step.skip', () => {
  it('keep the signatures of journey() and step(), and mark what they define', () => {
    const plain = journey('plain', { steps: [noop] })
    const skipped = journey.skip('skipped', { tags: ['Smoke'], steps: [noop] })
    const focused = journey.only('focused', { steps: [noop] })
    const quiet = step.skip('quiet', () => {}, { retries: 2 })
    expect(plain.mode).toBeUndefined()
    expect(skipped).toMatchObject({ kind: 'journey', name: 'skipped', mode: 'skip', tags: ['smoke'] })
    expect(focused).toMatchObject({ kind: 'journey', name: 'focused', mode: 'only' })
    expect(quiet).toMatchObject({ kind: 'step', name: 'quiet', mode: 'skip', options: { retries: 2 } })
    expect(step('s', () => {}).mode).toBeUndefined()
  })

  it('validate what they define like journey() does', () => {
    expect(() => journey.skip('', { steps: [noop] })).toThrow(DefinitionError)
    expect(() => journey.only('x', { steps: [] })).toThrow(/at least one step/)
    expect(() => journey('x', { steps: [step.skip('a', () => {}), step('a', () => {})] })).toThrow(/duplicate step name/)
  })

  it('focusJourneys keeps the `only` journeys when there is one, else all of them', () => {
    const a = { journey: journey('a', { steps: [noop] }) }
    const b = { journey: journey.only('b', { steps: [noop] }) }
    const c = { journey: journey.skip('c', { steps: [noop] }) }
    expect(focusJourneys([a, c]).items).toEqual([a, c])
    expect(focusJourneys([a, c]).focused).toEqual([])
    expect(focusJourneys([a, b, c])).toEqual({ items: [b], focused: [b] })
  })
})

describe('journey retries', () => {
  it('a journey takes whole-number retries from 0 to 100', () => {
    expect(journey('r', { retries: 2, steps: [noop] }).retries).toBe(2)
    expect(journey('r', { steps: [noop] })).not.toHaveProperty('retries')
    for (const bad of [-1, 1.5, 101, Number.NaN]) expect(() => journey('r', { retries: bad, steps: [noop] })).toThrow(/journey "r": retries: expected a whole number from 0 to 100, got /)
  })

  it('settleAttempts: failed then passed is flaky, with the earlier attempts kept and numbered', () => {
    const first = result('failed', { durationMs: 5 })
    const second = result('passed', { durationMs: 7 })
    const settled = settleAttempts([first, second])
    expect(settled.status).toBe('flaky')
    expect(settled.attempt).toBe(2)
    expect(settled.durationMs).toBe(7)
    expect(settled.earlierAttempts).toEqual([{ ...first, attempt: 1 }])
  })

  it('settleAttempts: one attempt is itself; every attempt failed is failed, the last one reported', () => {
    const only = result('passed')
    expect(settleAttempts([only])).toBe(only)
    const settled = settleAttempts([result('failed'), result('failed'), result('failed', { durationMs: 9 })])
    expect(settled).toMatchObject({ status: 'failed', attempt: 3, durationMs: 9 })
    expect(settled.earlierAttempts!.map((a) => [a.attempt, a.status])).toEqual([
      [1, 'failed'],
      [2, 'failed'],
    ])
    expect(() => settleAttempts([])).toThrow()
  })
})

describe('counting and judging a run with flaky and skipped journeys', () => {
  const journeys = [result('passed'), result('flaky'), result('failed'), result('skipped'), result('skipped', { interrupted: true })]

  it('summarize counts each status apart: passed leaves out flaky', () => {
    expect(summarize(journeys).journeys).toEqual({ total: 5, passed: 1, failed: 1, skipped: 2, flaky: 1 })
  })

  it('runStatusOf: flaky and skipped-on-purpose pass, unless told to fail on flaky; a journey not run fails the run', () => {
    expect(runStatusOf([result('passed'), result('flaky'), result('skipped')], [])).toBe('passed')
    expect(runStatusOf([result('passed'), result('flaky')], [], { failOnFlaky: true })).toBe('failed')
    expect(runStatusOf([result('passed'), result('skipped', { interrupted: true })], [])).toBe('failed')
    expect(runStatusOf([result('failed')], [])).toBe('failed')
    const critical = makeIssue({ journey: '', path: '', step: 'run', severity: 'critical', kind: 'crash', error: 'x', source: 'runner' })
    expect(runStatusOf([result('passed')], [critical])).toBe('failed')
  })

  it('repeatLabel names the repetition, counting from 1', () => {
    expect(repeatLabel(result('passed'))).toBe('')
    expect(repeatLabel(result('passed', { repeatEachIndex: 0 }))).toBe(' (repeat #1)')
    expect(repeatLabel(result('passed', { repeatEachIndex: 2 }))).toBe(' (repeat #3)')
  })
})

describe('results files of schema version 2', () => {
  it('are read, with the journey counts made again: skipped apart from failed, no flaky', () => {
    // Version 2 counted a skipped journey as failed and had no skipped or flaky count.
    const v2 = {
      schemaVersion: 2,
      journeys: [result('passed'), result('failed'), result('skipped', { interrupted: true })],
      issues: [],
      summary: { journeys: { total: 3, passed: 1, failed: 2 } },
    } as Record<string, unknown>
    assertRunResult(v2, 'v2.json')
    expect(v2.schemaVersion).toBe(3)
    expect((v2.summary as { journeys: unknown }).journeys).toEqual({ total: 3, passed: 1, failed: 1, skipped: 1, flaky: 0 })
  })
})

describe('a results file read', () => {
  const file = (journeys: JourneyResult[], extra: Record<string, unknown> = {}) =>
    ({ schemaVersion: 3, status: runStatusOf(journeys, []), journeys, issues: [], summary: summarize(journeys), ...extra }) as Record<string, unknown>
  const read = (value: Record<string, unknown>) => {
    const told: string[] = []
    assertRunResult(value, 'u.json', (m) => told.push(m))
    return told
  }

  it('is judged again from its journeys: a status that says passed over a failed journey reads failed, and is told', () => {
    const edited = file([result('passed'), result('failed')], { status: 'passed' })
    expect(read(edited)).toEqual(['u.json: its status says "passed", but its journeys, explorations and issues make the run failed: read as failed'])
    expect(edited.status).toBe('failed')
    const other = file([result('passed')], { status: 'failed' })
    expect(read(other)).toHaveLength(1)
    expect(other.status).toBe('passed')
  })

  it('has its summary counted again from its journeys when it says otherwise, and is told', () => {
    const journeys = [result('passed'), result('failed')]
    const edited = file(journeys, { summary: { ...summarize(journeys), journeys: { total: 2, passed: 2, failed: 0, skipped: 0, flaky: 0 } } })
    expect(read(edited)).toEqual(['u.json: its summary does not match its journeys (journeys.passed 2, counted 1, journeys.failed 0, counted 1): read with the counts of its journeys'])
    expect(edited.summary).toEqual(summarize(journeys))
  })

  it("judges each journey again from its steps, paths, checkpoints and issues, as the runner did: a failure under a status that says passed reads failed, and is told once", () => {
    const at = '2024-01-01T00:00:00.000Z'
    const failedStep = { kind: 'step' as const, name: 'pay', status: 'failed' as const, expectFailure: false, attempts: 1, startedAt: at, durationMs: 1 }
    const passedStep = { ...failedStep, name: 'look', status: 'passed' as const }
    const inPath = [{ kind: 'branch' as const, checkpoint: 'cart', status: 'passed' as const, durationMs: 1, finalRollback: null, paths: [{ kind: 'path' as const, name: 'refund', status: 'passed' as const, durationMs: 1, rollback: null, nodes: [passedStep, failedStep] }] }]
    const pathOnly = [{ ...inPath[0]!, paths: [{ ...inPath[0]!.paths[0]!, status: 'failed' as const, nodes: [passedStep] }] }]
    const critical = makeIssue({ journey: 'j', path: 'main', step: 'restore', severity: 'critical', kind: 'state', error: 'rollback failed', source: 'state' })
    const cases: [JourneyResult, string][] = [
      [result('passed', { nodes: [passedStep, failedStep] }), 'its step "pay" failed'],
      [result('flaky', { nodes: inPath }), 'its step "pay" (path "refund") failed'],
      [result('passed', { nodes: pathOnly }), 'its path "refund" failed'],
      [result('passed', { nodes: [{ kind: 'checkpoint', name: 'cart', status: 'failed', durationMs: 1, backends: [] }] }), 'its checkpoint "cart" failed'],
      [result('passed', { nodes: [passedStep], issues: [critical] }), 'it has a critical issue ("restore")'],
      [result('passed', { nodes: [passedStep], interrupted: true }), 'it was interrupted'],
      [result('skipped', { name: 'a\nb', nodes: [failedStep], repeatEachIndex: 1 }), 'its step "pay" failed'],
    ]
    for (const [j, why] of cases) {
      const said = j.status
      const journeys = [j]
      const edited = file(journeys)
      expect(edited.status).toBe('passed')
      expect(read(edited)).toEqual([
        `u.json: journey ${JSON.stringify(j.name)}${repeatLabel(j)} says "${said}", but ${why}: read as failed`,
        'u.json: its status says "passed", but its journeys, explorations and issues make the run failed: read as failed',
      ])
      expect(j.status).toBe('failed')
      expect(edited.summary).toEqual(summarize([j]))
    }
    // What the runner passes stays passed: a step that failed as expected, a journey not run, a warning.
    const expected = { ...failedStep, status: 'passed' as const, expectFailure: true }
    const notRun = result('skipped', { nodes: [{ ...passedStep, status: 'skipped' }], interrupted: true })
    const high = makeIssue({ journey: 'j', path: 'main', step: 'look', severity: 'high', kind: 'assertion', error: 'slow', source: 'step' })
    expect(read(file([result('passed', { nodes: [expected], issues: [high] }), notRun], { status: 'failed' }))).toEqual([])
  })

  it('that agrees with itself is read as it is: a flaky journey failed with --fail-on-flaky stays failed', () => {
    expect(read(file([result('passed'), result('failed')]))).toEqual([])
    const strict = file([result('flaky')], { status: 'failed' })
    expect(read(strict)).toEqual([])
    expect(strict.status).toBe('failed')
    expect(read(file([result('flaky')]))).toEqual([])
  })
})
