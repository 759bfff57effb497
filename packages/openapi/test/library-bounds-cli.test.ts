/**
 * `venomqa explore --openapi` on the lending library (test/fixtures/library: its own process, PostgreSQL,
 * the snapshot backend), whose review of a book is an `allOf` body: its stars (1 to 5) in one part, its text
 * in another. A review of 5 stars fails (a 500): the app labels it one place too far along its labels, and
 * finds none. Only the body's `max` sends 5 stars, and an `allOf` body, whose root has no `type`, had no
 * bounds: the bounds were looked for in the root's own properties only. Found through `max`, shrunk to its
 * two calls, reproduced 3/3; its regression journey fails on the buggy app and passes on the fixed one, and
 * the fixed app takes every review and breaks nothing.
 * Needs the built packages (core, runner, explore, openapi, cli, state-postgres).
 */
import { readFile } from 'node:fs/promises'
import path from 'node:path'
import { describeWithService } from '@venomqa/test-utils'
import { expect, it } from 'vitest'
import { exploreBuggy, exploreFixed, expectRegressionJourney, libraryPair, stepsOf } from './library'

const describe = await describeWithService('PostgreSQL', '127.0.0.1', 5432)
const INCLUDE = ['createBook', 'reviewBook']

describe('venomqa explore --openapi: a bug only the max of an allOf body reaches', () => {
  const lib = libraryPair('bounds', INCLUDE)
  let journey: string | undefined

  it('finds the 5-star review through max, shrunk to two calls', async () => {
    const { crashes, output } = await exploreBuggy(lib)
    expect(
      crashes.map(stepsOf),
      output,
    ).toEqual([
      [
        { action: 'createBook', input: { body: 'required' } },
        { action: 'reviewBook', input: { body: 'max' } },
      ],
    ])
    expect(crashes[0]!.reproduced).toEqual({ attempts: 3, failures: 3 })
    journey = crashes[0]!.emittedFile
    const text = await readFile(path.join(lib.project, journey!), 'utf8')
    // The text at its maxLength, 500 characters: written over lines of their own.
    expect(text).toMatch(/json: \{\s*stars: 5,\s*text: 'x{500}',?\s*\}/)
  }, 120_000)

  it('the journey fails on the buggy app and passes on the fixed one', async () => {
    await expectRegressionJourney(lib, journey)
  }, 60_000)

  it('the fixed app takes a review of 1 star and one of 5, and breaks nothing', async () => {
    const entries = await exploreFixed(lib)
    const accepted = entries
      .filter((e) => e.request.method === 'POST' && /\/books\/\d+\/reviews$/.test(e.request.url) && e.response.status === 201)
      .map((e) => JSON.parse(e.response.content.text))
    expect(accepted.some((review) => review.stars === 1 && review.label === 'poor')).toBe(true)
    expect(accepted.some((review) => review.stars === 5 && review.label === 'superb')).toBe(true)
  }, 120_000)
})
