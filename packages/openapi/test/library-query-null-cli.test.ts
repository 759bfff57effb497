/**
 * `venomqa explore --openapi` on the lending library (test/fixtures/library: its own process, PostgreSQL,
 * the snapshot backend), with two bugs only a request the sampler did not make reaches:
 * - the list of members with `limit=0` and no member yet fails (a 500): `limit` and `page` are optional
 *   query parameters, which were never sent. Found through the query string at its lowest (`query: 'min'`).
 * - a member's change with a null email fails (a 500): the document allows null there, and null was never
 *   sent. Found through the body variant `null`.
 * Each is shrunk to its minimum, reproduced 3/3, and its regression journey fails on the buggy app and
 * passes on the fixed one; the fixed app breaks nothing.
 * Needs the built packages (core, runner, explore, openapi, cli, state-postgres).
 */
import { readFile } from 'node:fs/promises'
import path from 'node:path'
import { describeWithService } from '@venomqa/test-utils'
import { expect, it } from 'vitest'
import { exploreBuggy, exploreFixed, expectRegressionJourney, libraryPair, stepsOf } from './library'

const describe = await describeWithService('PostgreSQL', '127.0.0.1', 5432)
const INCLUDE = ['createMember', 'listMembers', 'updateMember']

describe('venomqa explore --openapi: bugs only optional query parameters or a null reach', () => {
  const lib = libraryPair('query_null', INCLUDE)
  const journeys: Record<'list' | 'change', string | undefined> = { list: undefined, change: undefined }

  it('finds the empty list with limit=0 through query min, and the null email through the null body', async () => {
    const { crashes, output } = await exploreBuggy(lib)
    const list = crashes.find((v) => v.sequence.at(-1)?.action === 'listMembers')
    const change = crashes.find((v) => v.sequence.at(-1)?.action === 'updateMember')
    expect(list && stepsOf(list), output).toEqual([{ action: 'listMembers', input: { query: 'min' } }])
    expect(change && stepsOf(change), output).toEqual([
      { action: 'createMember', input: { body: 'required' } },
      { action: 'updateMember', input: { body: 'null' } },
    ])
    expect(crashes).toHaveLength(2)
    for (const found of [list!, change!]) expect(found.reproduced).toEqual({ attempts: 3, failures: 3 })
    journeys.list = list!.emittedFile
    journeys.change = change!.emittedFile
    const listJourney = await readFile(path.join(lib.project, journeys.list!), 'utf8')
    expect(listJourney).toMatch(/query: \{ limit: '0', page: '1' \}/)
    const changeJourney = await readFile(path.join(lib.project, journeys.change!), 'utf8')
    expect(changeJourney).toMatch(/json: \{ tier: 'standard', email: null \}/)
  }, 120_000)

  it('each journey fails on the buggy app and passes on the fixed one', async () => {
    for (const journey of Object.values(journeys)) await expectRegressionJourney(lib, journey)
  }, 60_000)

  it('the fixed app takes the lists at every query string and the null email, and breaks nothing', async () => {
    const entries = await exploreFixed(lib)
    const lists = entries.filter((e) => e.request.method === 'GET' && /\/members(\?|$)/.test(e.request.url) && e.response.status === 200).map((e) => new URL(e.request.url).search)
    for (const query of ['?limit=20&page=1', '?limit=0&page=1', '?limit=100&page=1000']) expect(lists).toContain(query)
    const cleared = entries.filter((e) => e.request.method === 'PATCH' && e.response.status === 200 && JSON.parse(e.request.postData?.text ?? '{}').email === null)
    expect(cleared.length).toBeGreaterThan(0)
    expect(cleared.every((e) => JSON.parse(e.response.content.text).email === null)).toBe(true)
  }, 120_000)
})
