/**
 * `venomqa explore --openapi` on a lending library (test/fixtures/library: its own process, PostgreSQL,
 * the snapshot backend), whose planted bug is a loan returned twice (a 500, from a CHECK). Two things the
 * shop app's document does not have:
 * - `POST /loans` names a book and a member by id in its body, and no member is ever made by the
 *   exploration: the member of the seed (id 1) is sampled, and the book the exploration made is id 1 too
 *   on a fresh database. The regression journey must send the member as the literal it was, never as the
 *   book's id that happened to be equal: once the books' sequence moved on, `memberId: ctx.require('bookId')`
 *   lent to a member that does not exist, and the journey failed on the fixed app (404 where it wanted 201).
 * - A return is `oneOf` a good one and a damaged one (with a note): each is sent.
 * Needs the built packages (core, runner, explore, openapi, cli, state-postgres).
 */
import { readFile } from 'node:fs/promises'
import path from 'node:path'
import { describeWithService } from '@venomqa/test-utils'
import { expect, it } from 'vitest'
import { type Library, libraryCli, libraryPair, savedResults, startLibrary } from './library'

const describe = await describeWithService('PostgreSQL', '127.0.0.1', 5432)
// No createMember: the loan's member is the seed's, whose id the exploration never got from a response.
const INCLUDE = ['createBook', 'createLoan', 'returnLoan']

/** The library on a fresh database, with one member (id 1), as a seed would have it. */
async function startSeededLibrary(db: string, fixed: boolean): Promise<Library> {
  const library = await startLibrary(db, fixed)
  expect((await call(library, 'POST', '/members', { name: 'Seed' })).json).toMatchObject({ id: 1 })
  return library
}

async function call(library: Library, method: string, route: string, body?: unknown): Promise<{ status: number; json: any }> {
  const res = await fetch(`${library.baseUrl}${route}`, { method, ...(body === undefined ? {} : { headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) }) })
  const text = await res.text()
  return { status: res.status, json: text ? JSON.parse(text) : undefined }
}

describe('venomqa explore --openapi on the lending library', () => {
  const lib = libraryPair('library', INCLUDE, { start: startSeededLibrary })
  let journey: string


  it('finds the double return, and its journey sends the member it sampled as that literal, not as the book that had the same id', async () => {
    const run = await libraryCli(lib.project, lib.buggy, ['explore', '--openapi', 'openapi.json', '--seed', '1', '--depth', '4', '--save', 'out/explore.json', '--har', 'out/explore.har'])
    expect(run.code, run.output).toBe(1)
    const [exploration] = (await savedResults(lib.project, 'out/explore.json')).explorations!
    const crash = exploration!.violations.find((v) => v.invariant === 'no_5xx')
    expect(crash?.sequence.map((s) => s.action), run.output).toEqual(['createBook', 'createLoan', 'returnLoan', 'returnLoan'])
    expect(crash!.reproduced).toEqual({ attempts: 3, failures: 3 })
    journey = crash!.emittedFile!
    const text = await readFile(path.join(lib.project, journey), 'utf8')
    expect(text).toContain("json: { bookId: ctx.require('bookId'), memberId: 1 }")
  }, 60_000)

  it('sends each alternative of a oneOf body: the damaged return (with its note) is accepted too', async () => {
    const har = JSON.parse(await readFile(path.join(lib.project, 'out/explore.har'), 'utf8'))
    const returns = har.log.entries.filter((e: any) => e.request.method === 'POST' && /\/loans\/\d+\/returns$/.test(e.request.url))
    const accepted = (condition: string) => returns.filter((e: any) => e.response.status === 201 && JSON.parse(e.request.postData?.text ?? '{}').condition === condition)
    expect(accepted('good').length).toBeGreaterThan(0)
    expect(accepted('damaged').length).toBeGreaterThan(0)
    // No return is sent without a body: the document says one is required.
    expect(returns.filter((e: any) => e.request.postData === undefined)).toEqual([])
  })

  it('the journey fails on the buggy app, and passes on the fixed one whose books sequence has moved on', async () => {
    expect(journey, 'the exploration above ran').toBeDefined()
    const onBuggy = await libraryCli(lib.project, lib.buggy, ['run', journey, '--reporter', 'console'])
    expect(onBuggy.code, onBuggy.output).toBe(1)
    expect(onBuggy.output).toContain('no_5xx')
    // Two books made and deleted: the next one is 3, and no member 3 exists.
    for (let i = 0; i < 2; i++) {
      const made = await call(lib.fixed, 'POST', '/books', { title: 'gone', copies: 1 })
      expect((await call(lib.fixed, 'DELETE', `/books/${made.json.id}`)).status).toBe(204)
    }
    const onFixed = await libraryCli(lib.project, lib.fixed, ['run', journey, '--reporter', 'console'])
    expect(onFixed.code, onFixed.output).toBe(0)
  }, 30_000)
})
