/**
 * `venomqa explore --openapi` on pets adopted and returned (test/fixtures/adoptions: its own process,
 * PostgreSQL, the snapshot backend), whose planted bug only a second adoption reaches: an adoption is
 * unique per pet, so a pet adopted again after its return answers 500. A return changes the pet's status
 * only: no row count moves, so the state after it was merged into the one after the adoption, never
 * searched on, and the default exploration passed. With the state the return left in the context
 * (`returnPet left status=available`), it is found, and its regression journey fails on the buggy app and
 * passes on the fixed one. Needs the built packages (core, runner, explore, openapi, cli, state-postgres).
 */
import { readFile, rm } from 'node:fs/promises'
import path from 'node:path'
import type { RunResult } from '@venomqa/core'
import { describeWithService } from '@venomqa/test-utils'
import { afterAll, beforeAll, expect, it } from 'vitest'
import { dropDatabase } from './helpers'
import { type Pets, makePetsProject, petsCli as cli, startPets as startApp } from './pets'

const DB = {
  buggy: `venomqa_openapi_${process.pid}_adopt_buggy`,
  fixed: `venomqa_openapi_${process.pid}_adopt_fixed`,
  homeCheck: `venomqa_openapi_${process.pid}_adopt_home_check`,
}
const describe = await describeWithService('PostgreSQL', '127.0.0.1', 5432)

/** `homeCheck`: the later version that refuses every adoption, the bug still in it. */
const startPets = (db: string, fixed: boolean, homeCheck = false): Promise<Pets> => startApp('adoptions', db, fixed, { HOME_CHECK: homeCheck ? '1' : '0' })

describe('venomqa explore --openapi: a bug only a change of state reaches', () => {
  let project: string
  let buggy: Pets
  let fixed: Pets
  let homeCheck: Pets
  /** The regression journey of the second adoption, written by the first test. */
  let journey: string | undefined
  beforeAll(async () => {
    project = await makePetsProject('adoptions')
    ;[buggy, fixed, homeCheck] = await Promise.all([startPets(DB.buggy, false), startPets(DB.fixed, true), startPets(DB.homeCheck, false, true)])
  })
  afterAll(async () => {
    await Promise.all([buggy?.app.stop(), fixed?.app.stop(), homeCheck?.app.stop()])
    await Promise.all([dropDatabase(DB.buggy), dropDatabase(DB.fixed), dropDatabase(DB.homeCheck)])
    if (project) await rm(project, { recursive: true, force: true })
  })

  it('searches on past a write that changed a status only: the second adoption is found, and its journey fails on the buggy app and passes on the fixed one', async () => {
    const explored = await cli(project, buggy, ['explore', '--openapi', 'openapi.json', '--seed', '1', '--depth', '4', '--save', 'out/explore.json'])
    expect(explored.code, explored.output).toBe(1)
    const [exploration] = (JSON.parse(await readFile(path.join(project, 'out/explore.json'), 'utf8')) as RunResult).explorations!
    const crash = exploration!.violations.find((v) => v.invariant === 'no_5xx')
    expect(crash?.sequence.map((s) => s.action), explored.output).toEqual(['createPet', 'adoptPet', 'returnPet', 'adoptPet'])
    expect(crash!.reproduced).toEqual({ attempts: 3, failures: 3 })
    journey = crash!.emittedFile!
    const onBuggy = await cli(project, buggy, ['run', crash!.emittedFile!, '--reporter', 'console'])
    expect(onBuggy.code, onBuggy.output).toBe(1)
    expect(onBuggy.output).toMatch(/no_5xx: POST http:\/\/127.0.0.1:\d+\/pets\/1\/adopt answered 500/)
    const onFixed = await cli(project, fixed, ['run', crash!.emittedFile!, '--reporter', 'console'])
    expect(onFixed.code, onFixed.output).toBe(0)
    // The fixed app: the same search, no violation.
    const clean = await cli(project, fixed, ['explore', '--openapi', 'openapi.json', '--seed', '1', '--depth', '4', '--no-emit'])
    expect(clean.code, clean.output).toBe(0)
  }, 180_000)

  it('fails the regression journey, naming the step, on a version that refuses the first adoption: the sequence no longer reaches the pet adopted again', async () => {
    expect(journey, 'the test before writes the journey').toBeDefined()
    // The bug is still there (an adoption unique per pet), but no adoption is accepted: with the first one
    // refused, the return and the second adoption are refused too, nothing answers 500, and the journey passed.
    const run = await cli(project, homeCheck, ['run', journey!, '--reporter', 'console'])
    expect(run.code, run.output).toBe(1)
    expect(run.output).toMatch(
      /the sequence no longer reaches the state where the violation was found: step "adoptPet" \(POST http:\/\/127\.0\.0\.1:\d+\/pets\/1\/adopt\) was answered 201 in the exploration and 422 now/,
    )
    expect(run.output).toContain('If this refusal is the fix, this journey has nothing left to test: delete it, or record it again (`venomqa explore`).')
  }, 60_000)
})
