/**
 * A value the action was given as its input, which the answer echoes, is the input's in the regression
 * journey: a product created with `initialStock: 10`, whose answer says `stock: 10`, is created with 10
 * and ordered 10 of, whatever the app answers. Read from the answer, the journey took the app's word for
 * the stock it was asked to keep: on the app that caps every product at 9 (test/stock-app.mjs), the order
 * asked for the 9 the answer said, was accepted, and the journey passed with the bug there.
 */
import { rm } from 'node:fs/promises'
import path from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'
import type { Exploration, ExplorationResult, Journey } from '@venomqa/core'
import { type Runner, createRunner, httpControlState } from '@venomqa/runner'
import { type RunningProcess, startNodeProcess } from '@venomqa/test-utils'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { explore } from '../src'
import stock, { INVARIANT } from './stock.explore'

const PACKAGE = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')
const EMIT_DIR = `test/.emitted-input-echo-${process.pid}`

let app: RunningProcess
let runner: Runner
let result: ExplorationResult

async function configure(bugs: string[]): Promise<void> {
  const res = await fetch(`${app.url}/__test/config`, { method: 'POST', body: JSON.stringify({ bugs }) })
  expect(res.status).toBe(200)
}

beforeAll(async () => {
  app = await startNodeProcess(path.join(PACKAGE, 'test/stock-app.mjs'))
  runner = createRunner({ baseUrl: app.url, stateBackends: [httpControlState({ url: app.url })] })
  await configure(['bulk_not_subtracted'])
  result = await explore(stock as Exploration, { runner, root: PACKAGE, file: 'test/stock.explore.ts', emitDir: EMIT_DIR })
}, 20_000)

afterAll(async () => {
  await runner?.close()
  await app?.stop()
  await rm(path.join(PACKAGE, EMIT_DIR), { recursive: true, force: true })
})

describe('a value the action was given, echoed by the answer', () => {
  it('is sent as given by the regression journey: it fails wherever the bug is, whatever the answer says, and passes once it is fixed', async () => {
    expect(result.violations.map((v) => v.invariant)).toEqual([INVARIANT])
    const file = result.violations[0]!.emittedFile!
    const journey = ((await import(pathToFileURL(path.join(PACKAGE, file)).href)) as { default: Journey }).default
    for (const bugs of [['bulk_not_subtracted'], ['bulk_not_subtracted', 'capped']]) {
      await configure(bugs)
      expect((await runner.run(journey)).journeys[0]!.status, `${file} with ${bugs.join(' and ')}`).toBe('failed')
    }
    await configure([])
    expect((await runner.run(journey)).journeys[0]!.status, `${file} on the fixed app`).toBe('passed')
  })
})
