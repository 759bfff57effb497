/**
 * Regression journeys written from a fresh app, where every collection's ids start at 1, run against the
 * same app with ids starting elsewhere in each collection (products from 100, carts from 2000...). A journey
 * that reads an id from a place that only held the same number by coincidence (the product list's `[0].id`
 * for the cart, the cart's `id` for the order) passes or fails there for the wrong reason. For every choice
 * of starts, each journey must still fail on the bug and pass once the bug is fixed.
 *
 * The app (test/coincidence-app.mjs) runs in a process of its own and keeps its rows in memory: its ids'
 * starts are set through a control route and rolled back with its rows, so a run with new starts costs a
 * request, where a PostgreSQL database would cost a sequence restart per table and a snapshot per checkpoint.
 */
import { rm } from 'node:fs/promises'
import path from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'
import type { Exploration, ExplorationResult, Journey } from '@venomqa/core'
import { type Runner, createRunner, httpControlState } from '@venomqa/runner'
import { type RunningProcess, startNodeProcess } from '@venomqa/test-utils'
import fc from 'fast-check'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { explore } from '../src'
import coincidence from './coincidence.explore'

const PACKAGE = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')
const EMIT_DIR = `test/.emitted-id-offsets-${process.pid}`
const COLLECTIONS = ['products', 'carts', 'lines', 'orders', 'reviews'] as const
type Starts = Record<(typeof COLLECTIONS)[number], number>

let app: RunningProcess
let runner: Runner
let result: ExplorationResult
/** Each journey written, by its file. */
const journeys = new Map<string, Journey>()

async function configure(starts: Partial<Starts>, fixed: boolean): Promise<void> {
  const res = await fetch(`${app.url}/__test/config`, { method: 'POST', body: JSON.stringify({ starts, fixed }) })
  expect(res.status).toBe(200)
}

beforeAll(async () => {
  app = await startNodeProcess(path.join(PACKAGE, 'test/coincidence-app.mjs'))
  runner = createRunner({ baseUrl: app.url, stateBackends: [httpControlState({ url: app.url })] })
  await configure({ products: 1, carts: 1, lines: 1, orders: 1, reviews: 1 }, false)
  result = await explore(coincidence as Exploration, { runner, root: PACKAGE, file: 'test/coincidence.explore.ts', emitDir: EMIT_DIR })
  for (const v of result.violations) {
    const module = (await import(pathToFileURL(path.join(PACKAGE, v.emittedFile!)).href)) as { default: Journey }
    journeys.set(v.emittedFile!, module.default)
  }
}, 20_000)

afterAll(async () => {
  await runner?.close()
  await app?.stop()
  await rm(path.join(PACKAGE, EMIT_DIR), { recursive: true, force: true })
})

/** The journey's status, run on the app as it is configured, with the errors of its steps. */
async function status(journey: Journey): Promise<string> {
  const run = await runner.run(journey)
  const j = run.journeys[0]!
  // What the failing steps said: a 404 on the fixed app is a journey sending an id from the wrong place.
  return j.status === 'failed' ? `failed: ${JSON.stringify(j.nodes).match(/"message":"(?:[^"\\]|\\.)*"/g)?.join(' ')}` : j.status
}

const starts = fc
  .uniqueArray(fc.integer({ min: 1, max: 50_000 }), { minLength: COLLECTIONS.length, maxLength: COLLECTIONS.length })
  .map((values) => Object.fromEntries(COLLECTIONS.map((c, i) => [c, values[i]!])) as Starts)

describe('a regression journey written where every id was 1', () => {
  it('finds every planted bug, each written out as a journey', () => {
    expect([...new Set(result.violations.map((v) => v.invariant))].sort()).toEqual([
      'a cart costs what its lines hold',
      'a product added is one more in the catalogue',
      'a review keeps its stars',
      'a review read once counts one read',
      'an order charges each unit once',
    ])
  })

  it('fails on the bug and passes on the fixed app wherever each collection starts its ids', async () => {
    await fc.assert(
      fc.asyncProperty(starts, async (at) => {
        for (const [file, journey] of journeys) {
          await configure(at, false)
          expect(await status(journey), `${file}, buggy, ids from ${JSON.stringify(at)}`).toMatch(/^failed/)
          await configure(at, true)
          expect(await status(journey), `${file}, fixed, ids from ${JSON.stringify(at)}`).toBe('passed')
        }
      }),
      { numRuns: 12, seed: 20261207 },
    )
  })
})
