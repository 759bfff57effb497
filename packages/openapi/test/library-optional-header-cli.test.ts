/**
 * `venomqa explore --openapi` on the lending library (test/fixtures/library: its own process, PostgreSQL,
 * the snapshot backend), whose search of the books takes an optional `X-Page-Size` header and two list
 * query parameters (`tag`, exploded: `?tag=a&tag=b`; `isbn`, `explode: false`: `?isbn=a,b`):
 * - a search with `X-Page-Size: 0` (which the document allows) and no book yet fails (a 500). Optional
 *   headers were never sent: the exploration passed. Found through the parameters at their lowest
 *   (`query: 'min'`), which send the optional headers as they send the optional query parameters.
 * - the lists are sent as the document's style writes them, at `max` with `maxItems` items each at its
 *   `maxLength`, which the app reads as a server does; they were sent as JSON text, one tag of 206 characters.
 * The bug is shrunk to its minimum, reproduced 3/3, and its regression journey fails on the buggy app and
 * passes on the fixed one; the fixed app breaks nothing.
 * Needs the built packages (core, runner, explore, openapi, cli, state-postgres).
 */
import { readFile } from 'node:fs/promises'
import path from 'node:path'
import { describeWithService } from '@venomqa/test-utils'
import { expect, it } from 'vitest'
import { exploreBuggy, exploreFixed, expectRegressionJourney, libraryPair, stepsOf } from './library'

const describe = await describeWithService('PostgreSQL', '127.0.0.1', 5432)
const INCLUDE = ['createBook', 'searchBooks']

describe('venomqa explore --openapi: a bug only an optional header reaches, and list query parameters', () => {
  const lib = libraryPair('optional_header', INCLUDE)
  let journey: string | undefined

  it('finds the search with X-Page-Size: 0 through query min, shrunk to that one request', async () => {
    const { crashes, output } = await exploreBuggy(lib)
    expect(crashes.map(stepsOf), output).toEqual([[{ action: 'searchBooks', input: { query: 'min' } }]])
    expect(crashes[0]!.reproduced).toEqual({ attempts: 3, failures: 3 })
    journey = crashes[0]!.emittedFile
    const written = await readFile(path.join(lib.project, journey!), 'utf8')
    expect(written).toMatch(/'x-page-size': '0'/i)
  }, 120_000)

  it('its journey fails on the buggy app and passes on the fixed one', async () => {
    await expectRegressionJourney(lib, journey)
  }, 60_000)

  it('the fixed app reads every list as sent: one tag a pair, the ISBNs comma-separated, at max as many as allowed', async () => {
    const entries = await exploreFixed(lib)
    const searches = entries.filter((e) => e.request.method === 'GET' && /\/books\/search(\?|$)/.test(e.request.url))
    const read = searches.map((e) => {
      const sent = new URL(e.request.url).searchParams
      const size = e.request.headers.find((h: { name: string }) => h.name.toLowerCase() === 'x-page-size')?.value
      return { status: e.response.status, tag: sent.getAll('tag'), isbn: sent.getAll('isbn'), size, answer: JSON.parse(e.response.content.text) }
    })
    const max = read.find((r) => r.size === '50')
    expect(max, JSON.stringify(read)).toBeDefined()
    expect(max!.tag).toEqual(Array(4).fill('x'.repeat(12)))
    expect(max!.isbn).toEqual([Array(3).fill('x'.repeat(13)).join(',')])
    expect(max!.status).toBe(200)
    expect(max!.answer).toMatchObject({ pageSize: 50, tags: Array(4).fill('x'.repeat(12)), isbns: Array(3).fill('x'.repeat(13)) })
    // The typical list: one item, as the sampler made it; no search was refused.
    expect(read.find((r) => r.size === '1')).toMatchObject({ status: 200, tag: ['string'], isbn: ['string'] })
    expect(read.every((r) => r.status === 200)).toBe(true)
  }, 120_000)
})
