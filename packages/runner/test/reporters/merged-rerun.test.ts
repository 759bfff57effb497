import { mergedRerunRun } from '@venomqa/fixtures'
import { describe, expect, it } from 'vitest'
import { renderJUnit } from '../../src/reporters'

/** The text of each <system-out> in `xml`, in order. */
const systemOuts = (xml: string) => [...xml.matchAll(/<system-out><!\[CDATA\[([\s\S]*?)\]\]><\/system-out>/g)].map((m) => m[1]!)

// A journey merge-reports put together from its shard's run and a --last-failed rerun: JUnit says of it
// what the console and Markdown say (core's attemptLabel and passedHow), never that it passed on a retry.
describe('JUnit of a run merged with a --last-failed rerun', () => {
  it('says a journey passed in the rerun, and names each attempt by the run it was in', () => {
    const [checkout, profile] = systemOuts(renderJUnit(mergedRerunRun()))
    expect(checkout!.split('\n').slice(0, 3)).toEqual([
      'journey checkout (--last-failed rerun): flaky (passed in a --last-failed rerun)',
      'attempt 1 (attempt 1 of 2): failed: confirm service down (try 1)',
      'attempt 2 (attempt 2 of 2): failed: confirm service down (try 2)',
    ])
    // A retry within one run is said as before.
    expect(profile!.split('\n').slice(0, 2)).toEqual(['journey profile (attempt 2): flaky (passed on attempt 2)', 'attempt 1: failed: profile timed out'])
  })
})
