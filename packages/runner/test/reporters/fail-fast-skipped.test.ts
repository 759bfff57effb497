import { PassThrough } from 'node:stream'
import { type RunResult, journey, step } from '@venomqa/core'
import { beforeAll, describe, expect, it } from 'vitest'
import { createRunner } from '../../src/index'
import { createConsoleReporter, renderJUnit, renderMarkdown } from '../../src/reporters'

// A journey --fail-fast never started says why it was skipped in every report: a failure stopped the run,
// not Ctrl-C. A journey Ctrl-C never started still says it was interrupted. Either is one line in the
// console: a `▶ j3` header before it read as if it had run.

/** A run of j1 (passes), j2 and j3; j2 runs `second`. What the console printed live, and renders after the fact. */
async function runOf(second: () => void, options: { failFast?: boolean; signal?: AbortSignal }) {
  const out = new PassThrough()
  let live = ''
  out.on('data', (d) => (live += d))
  const reporter = createConsoleReporter({ stream: out, color: false, progress: false })
  const runner = createRunner({ reporters: [reporter], ...options })
  const result = await runner.run([
    journey('j1', { steps: [step('one', () => {})] }),
    journey('j2', { steps: [step('two', second)] }),
    journey('j3', { steps: [step('three', () => {})] }),
  ])
  await runner.close()
  // After the fact (`venomqa report`): a console reporter that printed nothing live renders the whole run.
  const after = createConsoleReporter({ color: false, progress: false })
  return { result, live, rendered: String(after.render!(result, {} as never)) }
}

/** Every line that names j3: its one line, with no header before it. */
const j3Ending = (text: string) => text.split('\n').filter((l) => /\bj3\b/.test(l) && !l.includes('"j3"'))

let failFast: { result: RunResult; live: string; rendered: string }
let ctrlC: { result: RunResult; live: string; rendered: string }

beforeAll(async () => {
  failFast = await runOf(() => {
    throw new Error('boom')
  }, { failFast: true })
  const interrupt = new AbortController()
  ctrlC = await runOf(() => interrupt.abort(), { signal: interrupt.signal })
})

describe('a journey --fail-fast skipped', () => {
  it('is marked with the journey whose failure stopped the run, and still not run (interrupted)', () => {
    const j3 = failFast.result.journeys[2]!
    expect([j3.status, j3.interrupted, j3.failFastAfter]).toEqual(['skipped', true, 'j2'])
    expect(failFast.result.status).toBe('failed')
  })

  it('says why in the console, live and after the fact', () => {
    expect(j3Ending(failFast.live)).toEqual(['↷ j3 skipped (--fail-fast: "j2" failed)'])
    expect(j3Ending(failFast.rendered)).toEqual(['↷ j3 skipped (--fail-fast: "j2" failed)'])
  })

  it('says why in Markdown and JUnit', () => {
    expect(renderMarkdown(failFast.result)).toContain('skipped (--fail-fast: "j2" failed)')
    expect(renderJUnit(failFast.result)).toContain('journey j3: skipped (--fail-fast: "j2" failed)')
  })
})

describe('a journey Ctrl-C never started', () => {
  it('still says it was interrupted, everywhere', () => {
    const j3 = ctrlC.result.journeys[2]!
    expect([j3.status, j3.interrupted, j3.failFastAfter]).toEqual(['skipped', true, undefined])
    expect(j3Ending(ctrlC.live)).toEqual(['↷ j3 skipped (interrupted)'])
    expect(j3Ending(ctrlC.rendered)).toEqual(['↷ j3 skipped (interrupted)'])
    expect(renderMarkdown(ctrlC.result)).toContain('skipped (interrupted)')
    expect(renderJUnit(ctrlC.result)).toContain('journey j3: skipped (interrupted)')
  })
})

describe('a journey --fail-fast cut short on another worker', () => {
  it('names the journey whose failure stopped it, as the ones never started do, live and in the result', async () => {
    const out = new PassThrough()
    let live = ''
    out.on('data', (d) => (live += d))
    let slowStarted: () => void = () => {}
    const started = new Promise<void>((resolve) => (slowStarted = resolve))
    const runner = createRunner({ reporters: [createConsoleReporter({ stream: out, color: false, progress: false })], workers: 2, failFast: true })
    const result = await runner.run([
      // Still running when j2 fails: it ends once fail-fast aborts its step.
      journey('slow', {
        steps: [
          step('wait', ({ signal }) => {
            slowStarted()
            return new Promise<void>((resolve) => signal.addEventListener('abort', () => resolve(), { once: true }))
          }),
        ],
      }),
      journey('j2', {
        steps: [
          step('two', async () => {
            await started
            throw new Error('boom')
          }),
        ],
      }),
    ])
    await runner.close()
    const slow = result.journeys[0]!
    expect([slow.interrupted, slow.failFastAfter]).toEqual([true, 'j2'])
    expect(live.split('\n').filter((l) => /\bslow failed\b/.test(l))).toEqual([expect.stringContaining('(--fail-fast: "j2" failed)')])
  })
})
