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
import { readFile, rm } from 'node:fs/promises'
import path from 'node:path'
import { describeWithService } from '@venomqa/test-utils'
import { afterAll, beforeAll, expect, it } from 'vitest'
import { dropDatabase } from './helpers'
import { type Library, libraryCli, makeLibraryProject, savedResults, startLibrary } from './library'

const DB = { buggy: `venomqa_openapi_${process.pid}_bounds_buggy`, fixed: `venomqa_openapi_${process.pid}_bounds_fixed` }
const describe = await describeWithService('PostgreSQL', '127.0.0.1', 5432)
const INCLUDE = ['createBook', 'reviewBook']

describe('venomqa explore --openapi: a bug only the max of an allOf body reaches', () => {
  let buggy: Library
  let fixed: Library
  let project: string
  let journey: string | undefined

  beforeAll(async () => {
    project = await makeLibraryProject('library-bounds', INCLUDE)
    ;[buggy, fixed] = await Promise.all([startLibrary(DB.buggy, false), startLibrary(DB.fixed, true)])
  })
  afterAll(async () => {
    await Promise.all([buggy?.app.stop(), fixed?.app.stop()])
    await Promise.all([dropDatabase(DB.buggy), dropDatabase(DB.fixed)])
    if (project) await rm(project, { recursive: true, force: true })
  })

  it('finds the 5-star review through max, shrunk to two calls', async () => {
    const run = await libraryCli(project, buggy, ['explore', '--openapi', 'openapi.json', '--seed', '1', '--depth', '2', '--save', 'out/explore.json'])
    expect(run.code, run.output).toBe(1)
    const [exploration] = (await savedResults(project, 'out/explore.json')).explorations!
    const crashes = exploration!.violations.filter((v) => v.invariant === 'no_5xx')
    expect(
      crashes.map((v) => v.sequence.map((s) => ({ action: s.action, input: s.input }))),
      run.output,
    ).toEqual([
      [
        { action: 'createBook', input: { body: 'required' } },
        { action: 'reviewBook', input: { body: 'max' } },
      ],
    ])
    expect(crashes[0]!.reproduced).toEqual({ attempts: 3, failures: 3 })
    journey = crashes[0]!.emittedFile
    const text = await readFile(path.join(project, journey!), 'utf8')
    expect(text).toMatch(/json: \{ stars: 5, text: 'x{64}' \}/)
  }, 120_000)

  it('the journey fails on the buggy app and passes on the fixed one', async () => {
    expect(journey, 'the exploration above emitted the journey').toBeDefined()
    const onBuggy = await libraryCli(project, buggy, ['run', journey!, '--reporter', 'console'])
    expect(onBuggy.code, onBuggy.output).toBe(1)
    expect(onBuggy.output).toContain('no_5xx')
    const onFixed = await libraryCli(project, fixed, ['run', journey!, '--reporter', 'console'])
    expect(onFixed.code, onFixed.output).toBe(0)
  }, 60_000)

  it('the fixed app takes a review of 1 star and one of 5, and breaks nothing', async () => {
    const run = await libraryCli(project, fixed, ['explore', '--openapi', 'openapi.json', '--seed', '1', '--depth', '2', '--no-emit', '--har', 'out/fixed.har'])
    expect(run.code, run.output).toBe(0)
    const entries = JSON.parse(await readFile(path.join(project, 'out/fixed.har'), 'utf8')).log.entries as any[]
    const accepted = entries
      .filter((e) => e.request.method === 'POST' && /\/books\/\d+\/reviews$/.test(e.request.url) && e.response.status === 201)
      .map((e) => JSON.parse(e.response.content.text))
    expect(accepted.some((review) => review.stars === 1 && review.label === 'poor')).toBe(true)
    expect(accepted.some((review) => review.stars === 5 && review.label === 'superb')).toBe(true)
  }, 120_000)
})
