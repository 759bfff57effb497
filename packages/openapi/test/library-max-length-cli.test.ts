/**
 * `venomqa explore --openapi` on the lending library (test/fixtures/library: its own process, PostgreSQL,
 * the snapshot backend), whose notes about a member are kept in a column of 100 characters where the
 * document allows 300: a longer note fails (a 500). The body's `max` sent a string of 64 characters at
 * most, whatever the `maxLength`, and never reached it; it sends 300 now. Found through `max`, shrunk to its
 * two calls, reproduced 3/3; its regression journey fails on the buggy app and passes on the fixed one, and
 * the fixed app takes a note of 300 characters and breaks nothing.
 * Needs the built packages (core, runner, explore, openapi, cli, state-postgres).
 */
import { readFile } from 'node:fs/promises'
import path from 'node:path'
import { describeWithService } from '@venomqa/test-utils'
import { expect, it } from 'vitest'
import { exploreBuggy, exploreFixed, expectRegressionJourney, libraryPair, stepsOf } from './library'

const describe = await describeWithService('PostgreSQL', '127.0.0.1', 5432)
const INCLUDE = ['createMember', 'addMemberNote']

describe('venomqa explore --openapi: a bug only a string at its declared maxLength reaches', () => {
  const lib = libraryPair('max_length', INCLUDE)
  let journey: string | undefined

  it('finds the note too long for its column through max, shrunk to two calls', async () => {
    const { crashes, output } = await exploreBuggy(lib)
    expect(crashes.map(stepsOf), output).toEqual([
      [
        { action: 'createMember', input: { body: 'required' } },
        { action: 'addMemberNote', input: { body: 'max' } },
      ],
    ])
    expect(crashes[0]!.reproduced).toEqual({ attempts: 3, failures: 3 })
    journey = crashes[0]!.emittedFile
    const text = await readFile(path.join(lib.project, journey!), 'utf8')
    expect(text).toMatch(/json: \{\s*text: 'x{300}',?\s*\}/)
  }, 120_000)

  it('the journey fails on the buggy app and passes on the fixed one', async () => {
    await expectRegressionJourney(lib, journey)
  }, 60_000)

  it('the fixed app takes a note of 300 characters, and breaks nothing', async () => {
    const entries = await exploreFixed(lib)
    const noted = entries.filter((e) => e.request.method === 'POST' && /\/members\/\d+\/notes$/.test(e.request.url) && e.response.status === 201)
    expect(noted.map((e) => JSON.parse(e.response.content.text).text.length)).toContain(300)
  }, 120_000)
})
