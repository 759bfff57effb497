/**
 * A slip in a step's code (a TypeError, a ReferenceError) is placed at its line in the issue's suggestion:
 * its message names no place, and without --debug the author was left to guess which line read `.id`.
 */
import { journey, step } from '@venomqa/core'
import { describe, expect, it } from 'vitest'
import { createRunner } from '../src/index'

describe('a step whose own code slips', () => {
  it("names the file and line of the slip in the suggestion; an Error the step throws on purpose keeps its kind's", async () => {
    const body: { order?: { id: number } } = {}
    const runner = createRunner({ baseUrl: 'http://127.0.0.1:9' })
    const run = await runner.run(
      journey('slips', {
        steps: [
          step('reads_a_missing_field', () => body.order!.id),
          step('throws_on_purpose', () => {
            throw new Error('no order came')
          }),
        ],
      }),
    )
    await runner.close()
    const [slip, own] = run.journeys[0]!.issues
    expect(slip!.error).toBe("Cannot read properties of undefined (reading 'id')")
    expect(slip!.suggestion).toMatch(/^The step's code threw a TypeError at test\/step-slip-location\.test\.ts:16:\d+: fix that line \(run with --debug for the whole stack\)\.$/)
    expect(own!.suggestion).toBe('The action threw an unexpected error: read the error and its stack (run with --debug).')
  })
})
