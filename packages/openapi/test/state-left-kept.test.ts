/**
 * `venomqa explore --openapi` on pets adopted, returned and checked up (test/fixtures/checkups: its own
 * process, PostgreSQL, the snapshot backend), whose planted bug only a second adoption reaches, and a
 * returned pet is adopted again only after a checkup: a write that answers 204 and changes no row count.
 * The return's answer says the pet is available (`petId is status=available`); the checkup's says nothing
 * of its state. The note was dropped by the checkup, and the state after the return and the checkup was
 * merged into the one of the pet adopted and checked up (the same rows, no note), never searched on: the
 * exploration passed. The note is kept by a write whose answer does not say otherwise: the second adoption
 * is found, and its regression journey fails on the buggy app and passes on the fixed one.
 * Needs the built packages (core, runner, explore, openapi, cli, state-postgres).
 */
import { readFile, rm } from 'node:fs/promises'
import path from 'node:path'
import type { RunResult } from '@venomqa/core'
import { describeWithService } from '@venomqa/test-utils'
import { afterAll, beforeAll, expect, it } from 'vitest'
import { dropDatabase } from './helpers'
import { type Pets, makePetsProject, petsCli as cli, startPets } from './pets'

const DB = { buggy: `venomqa_openapi_${process.pid}_checkups_buggy`, fixed: `venomqa_openapi_${process.pid}_checkups_fixed` }
const describe = await describeWithService('PostgreSQL', '127.0.0.1', 5432)

describe('venomqa explore --openapi: a state noted as left is kept by a write whose answer says nothing of it', () => {
  let project: string
  let buggy: Pets
  let fixed: Pets
  beforeAll(async () => {
    project = await makePetsProject('checkups')
    ;[buggy, fixed] = await Promise.all([startPets('checkups', DB.buggy, false), startPets('checkups', DB.fixed, true)])
  })
  afterAll(async () => {
    await Promise.all([buggy?.app.stop(), fixed?.app.stop()])
    await Promise.all([dropDatabase(DB.buggy), dropDatabase(DB.fixed)])
    if (project) await rm(project, { recursive: true, force: true })
  })

  it('finds the second adoption after the return and the checkup; its journey fails on the buggy app and passes on the fixed one', async () => {
    const explored = await cli(project, buggy, ['explore', '--openapi', 'openapi.json', '--seed', '1', '--depth', '5', '--save', 'out/explore.json'])
    expect(explored.code, explored.output).toBe(1)
    const [exploration] = (JSON.parse(await readFile(path.join(project, 'out/explore.json'), 'utf8')) as RunResult).explorations!
    const crash = exploration!.violations.find((v) => v.invariant === 'no_5xx')
    expect(crash?.sequence.map((s) => s.action), explored.output).toEqual(['createPet', 'adoptPet', 'returnPet', 'checkUpPet', 'adoptPet'])
    expect(crash!.reproduced).toEqual({ attempts: 3, failures: 3 })
    const onBuggy = await cli(project, buggy, ['run', crash!.emittedFile!, '--reporter', 'console'])
    expect(onBuggy.code, onBuggy.output).toBe(1)
    expect(onBuggy.output).toMatch(/no_5xx: POST http:\/\/127.0.0.1:\d+\/pets\/1\/adopt answered 500/)
    const onFixed = await cli(project, fixed, ['run', crash!.emittedFile!, '--reporter', 'console'])
    expect(onFixed.code, onFixed.output).toBe(0)
    const clean = await cli(project, fixed, ['explore', '--openapi', 'openapi.json', '--seed', '1', '--depth', '5', '--no-emit'])
    expect(clean.code, clean.output).toBe(0)
  }, 180_000)
})
