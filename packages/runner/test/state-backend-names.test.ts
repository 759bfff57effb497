/**
 * The messages about state backends that quote journey names (no state backend for their checkpoints,
 * requireState, restore) quote each name as other messages quote what a user wrote (describeValue): a
 * name built from data, hundreds of characters long, is cut, never printed whole; and of a suite of
 * hundreds of journeys the first few are named, then how many more (firstFew).
 */
import { ConfigError, type Journey, branch, checkpoint, journey, path, step } from '@venomqa/core'
import { describe, expect, it } from 'vitest'
import { createRunner, restoreProblem, stateRequiredProblem } from '../src/index'

const LONG = `checkout_${'x'.repeat(300)}_end`
const CUT = `"checkout_${'x'.repeat(48)}..."`

const withCheckpoint = (name: string, restore?: boolean): Journey =>
  journey(name, {
    ...(restore === undefined ? {} : { restore }),
    steps: [checkpoint('c'), branch('c', [path('a', [step('one', () => {})])])],
  })

describe('journey names in the state backend messages', () => {
  it('the warning of checkpoints with no state backend cuts a long name, and its info issue says the same', async () => {
    const warnings: string[] = []
    const logger = { debug() {}, info() {}, warn: (m: string) => void warnings.push(m), error() {} }
    const runner = createRunner({ logger })
    const run = await runner.run([withCheckpoint(LONG), withCheckpoint('short')])
    await runner.close()
    expect(warnings).toHaveLength(1)
    expect(warnings[0]).toMatch(new RegExp(`^no state backend is registered: the checkpoints of ${escapeRegExp(CUT)}, "short" restore only the context`))
    expect(warnings[0]).not.toContain('_end')
    expect(run.issues.map((i) => i.error)).toEqual(warnings)
  })

  it('the warning names the first few of many journeys, then how many more; requireState and restore too', async () => {
    const warnings: string[] = []
    const logger = { debug() {}, info() {}, warn: (m: string) => void warnings.push(m), error() {} }
    const suite = Array.from({ length: 200 }, (_, i) => withCheckpoint(`journey_${i + 1}`))
    const runner = createRunner({ logger })
    const run = await runner.run(suite)
    await runner.close()
    expect(run.summary.journeys.total).toBe(200)
    expect(warnings).toHaveLength(1)
    expect(warnings[0]).toMatch(/^no state backend is registered: the checkpoints of "journey_1", "journey_2", "journey_3" and 197 more restore only the context/)
    expect(warnings[0]).not.toContain('journey_4"')
    expect(stateRequiredProblem(suite)).toMatch(/^"journey_1", "journey_2", "journey_3" and 197 more have checkpoints/)
    const restored = Array.from({ length: 5 }, (_, i) => withCheckpoint(`kept_${i + 1}`, true))
    expect(restoreProblem(restored, undefined)?.message).toMatch(/^journey "kept_1", "kept_2", "kept_3" and 2 more set restore: true/)
    // Up to three, every name.
    expect(stateRequiredProblem(suite.slice(0, 3))).toMatch(/^"journey_1", "journey_2", "journey_3" have checkpoints/)
  })

  it('requireState and restore with no state backend refuse naming the journey so, and the run names it so too', async () => {
    expect(stateRequiredProblem([withCheckpoint(LONG)])).toMatch(new RegExp(`^${escapeRegExp(CUT)} has checkpoints, but no state backend is registered`))
    expect(restoreProblem([withCheckpoint(LONG, true)], undefined)?.message).toMatch(new RegExp(`^journey ${escapeRegExp(CUT)} sets restore: true, but no state backend`))
    const runner = createRunner({})
    const refused = await runner.run([withCheckpoint(LONG, true)]).catch((err: unknown) => err)
    await runner.close()
    expect(refused).toBeInstanceOf(ConfigError)
    expect((refused as Error).message).not.toContain('_end')
    expect((refused as Error).message).toContain(CUT)
    // A name of a usual length is quoted whole, as before.
    expect(restoreProblem([withCheckpoint('signup', true)], undefined)?.message).toMatch(/^journey "signup" sets restore: true/)
  })
})

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')
}
