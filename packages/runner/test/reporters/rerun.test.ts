import { PassThrough } from 'node:stream'
import { type RunResult, journey, step } from '@venomqa/core'
import { beforeAll, describe, expect, it } from 'vitest'
import { createRunner } from '../../src/index'
import { createConsoleReporter, renderJson, renderMarkdown } from '../../src/reporters'

// Flaky, retried, skipped and repeated journeys in the console, markdown and json reporters, from a run
// of a real runner: what each shows of them, live and after the fact.
const journeys = () => {
  let confirm = 0
  return [
    journey('checkout', {
      retries: 1,
      steps: [
        step('confirm', () => {
          if (++confirm === 1) throw new Error('confirm service down')
        }),
      ],
    }),
    journey.skip('refund', { steps: [step('refund', () => {})] }),
  ]
}

/** The console's render, which is text. */
const rendered = (reporter: ReturnType<typeof createConsoleReporter>, result: RunResult) => String(reporter.render!(result, {} as never))

function capture() {
  const stream = new PassThrough()
  let text = ''
  stream.on('data', (d) => (text += d))
  return { stream, text: () => text }
}

let run: RunResult
let live: string

beforeAll(async () => {
  const out = capture()
  const reporter = createConsoleReporter({ stream: out.stream, color: false, progress: false })
  const runner = createRunner({ reporters: [reporter] })
  run = await runner.run(journeys())
  await runner.close()
  live = out.text() + rendered(reporter, run)
})

describe('console', () => {
  it('live: each attempt with its number, the retry announced, the flaky verdict, the skipped journey, and the summary count', () => {
    expect(live).toContain('▶ checkout (attempt 1 of 2)')
    expect(live).toContain('✗ checkout failed')
    expect(live).toContain('(retrying from scratch: a fresh context, any state backend rolled back)')
    expect(live).toContain('▶ checkout (attempt 2 of 2)')
    expect(live).toContain('⚠ checkout (attempt 2) flaky')
    expect(live).toContain('(passed on attempt 2 after 1 failed attempt)')
    // A journey marked skip never starts: its one line, no header before it.
    expect(live).not.toContain('▶ refund')
    expect(live).toContain('↷ refund skipped')
    expect(live).toMatch(/Journeys {2}0 passed, 1 flaky, 1 skipped of 2/)
    expect(live).toContain('attempt 1 failed: confirm: confirm service down')
    expect(live).toContain('Result: PASSED')
  })

  it('after the fact (venomqa report): the earlier attempt printed before the last one', () => {
    const text = rendered(createConsoleReporter({ color: false }), run)
    const first = text.indexOf('▶ checkout (attempt 1)')
    const second = text.indexOf('▶ checkout (attempt 2)')
    expect(first).toBeGreaterThan(-1)
    expect(second).toBeGreaterThan(first)
    expect(text.slice(first, second)).toContain('confirm service down')
    expect(text).toContain('(passed on attempt 2 after 1 failed attempt)')
  })

  it('repetitions are labelled', async () => {
    const runner = createRunner({ repeatEach: 2 })
    const repeated = await runner.run(journey('ping', { steps: [step('s', () => {})] }))
    await runner.close()
    const text = rendered(createConsoleReporter({ color: false }), repeated)
    expect(text).toContain('▶ ping (repeat #1)')
    expect(text).toContain('✓ ping (repeat #2) passed')
    expect(text).toMatch(/Journeys {2}2 passed of 2/)
  })

  it("names the repetition in each issue of the summary: two that fail alike are told apart", async () => {
    const repeated = await failingTwice()
    const text = rendered(createConsoleReporter({ color: false }), repeated)
    const issues = text.slice(text.indexOf('\nIssues\n')).split('\n').filter((line) => line.includes('› charge'))
    expect(issues.map((line) => line.trim().replace(/ \[.*$/, ''))).toEqual(['✗ pay (repeat #1) › charge', '✗ pay (repeat #2) › charge'])
  })
})

/** Two repetitions of one journey that fail alike (`--repeat-each 2`). */
async function failingTwice(): Promise<RunResult> {
  const runner = createRunner({ repeatEach: 2 })
  try {
    return await runner.run(
      journey('pay', {
        steps: [
          step('charge', () => {
            throw new Error('card declined')
          }),
        ],
      }),
    )
  } finally {
    await runner.close()
  }
}

describe('markdown', () => {
  it('names the flaky journey, shows its earlier attempt and counts it apart; the skipped journey is listed as skipped', () => {
    const md = renderMarkdown(run)
    expect(md).toContain('| Journeys | 2 | 0 (+1 flaky) | 0 | 1 |')
    expect(md).toContain('**Flaky:** 1 journey failed, then passed on a retry: [checkout (attempt 2)](#-checkout-attempt-2)')
    expect(md).toContain('| ⚠️ flaky |')
    expect(md).toContain('### ⚠️ checkout (attempt 2)')
    expect(md).toContain('- Attempt 1: ❌ failed: confirm: confirm service down')
    expect(md).toContain('| [refund](#-refund) | ⏭️ skipped |')
  })

  it('names the repetition in each issue heading, so two failing repetitions of a journey are told apart', async () => {
    const repeated = await failingTwice()
    const headings = renderMarkdown(repeated)
      .split('\n')
      .filter((line) => line.startsWith('#### '))
    // Distinct headings also get distinct GitHub anchors, rather than `-1` suffixes nobody can predict.
    expect(headings).toEqual(['#### pay (repeat \\#1) › charge', '#### pay (repeat \\#2) › charge'])
  })
})

describe('json', () => {
  it('holds the status, the attempt and every earlier attempt whole', () => {
    const json = JSON.parse(renderJson(run)) as RunResult
    expect(json.schemaVersion).toBe(3)
    const [checkout, refund] = json.journeys
    expect(checkout).toMatchObject({ status: 'flaky', attempt: 2 })
    expect(checkout!.earlierAttempts![0]).toMatchObject({ attempt: 1, status: 'failed', nodes: [{ kind: 'step', name: 'confirm', status: 'failed' }] })
    expect(refund).toMatchObject({ status: 'skipped', nodes: [{ kind: 'step', name: 'refund', status: 'skipped' }] })
    expect(json.summary.journeys).toEqual({ total: 2, passed: 0, failed: 0, skipped: 1, flaky: 1 })
  })
})
