/**
 * Exploration on several workers against the example shop app (every deterministic planted bug on):
 * worker 0 is the app under test on its database; postgresWorkers gives each other worker an app process
 * and a database of its own. The exploration is the one a user writes (examples/shop-app/explore), whose
 * root has one edge (a product comes first): the workers share the tree below it. Each bug must be found,
 * shrunk and written out as with one worker; each worker's database must end as it started, and be gone
 * once the runner closes.
 */
import { copyFile, mkdir, mkdtemp, readFile, readdir, rm } from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import { type Exploration, type ExplorationResult, invariant } from '@venomqa/core'
import { createRunner } from '@venomqa/runner'
import { postgresState, postgresWorkers } from '@venomqa/state-postgres'
import { REPO_ROOT, type RunningProcess, describeWithService, startShopApp } from '@venomqa/test-utils'
import pg from 'pg'
import { afterAll, beforeAll, expect, it } from 'vitest'
import { type ExploreOptions, explore } from '../src'
import { ADMIN_URL, dropDatabase, dumpDatabase, startShop } from './helpers'

const SHOP_DIR = path.join(REPO_ROOT, 'examples/shop-app')
const EXPLORATION_FILE = 'explore/shop.explore.ts'
const shop = ((await import(path.join(SHOP_DIR, EXPLORATION_FILE))) as { default: Exploration }).default
const DB = `venomqa_explore_${process.pid}_workers`
const workerDb = (i: number) => `${DB}_w${i}`
/** The planted bugs the exploration finds, by the rule each breaks (examples/shop-app/README.md). */
const KNOWN = 7

const describe = await describeWithService('PostgreSQL', '127.0.0.1', 5432)

async function databasesLike(prefix: string): Promise<string[]> {
  const c = new pg.Client({ connectionString: ADMIN_URL })
  await c.connect()
  try {
    return (await c.query('SELECT datname FROM pg_database WHERE datname LIKE $1 ORDER BY 1', [`${prefix}%`])).rows.map((r) => r.datname)
  } finally {
    await c.end()
  }
}

/** A dump's rows and sequence values, without the list of schemas (a connected backend has one of its own). */
const rows = (dump: string) =>
  dump
    .split('\n')
    .filter((l) => !l.startsWith('schemas:'))
    .join('\n')

/** What a worker run must share with the one-worker run of the same seed. */
const outline = (r: ExplorationResult) => ({
  status: r.status,
  transitions: r.stats.transitions,
  states: r.stats.states,
  merged: r.stats.merged,
  maxDepthReached: r.stats.maxDepthReached,
  coverage: r.coverage,
  neverEnabled: r.neverEnabled,
  truncated: r.truncated,
  violations: r.violations.map((v) => ({
    id: v.id,
    invariant: v.invariant,
    // A message that quotes a request names the app it was replayed on: worker 0's or another's.
    message: v.message.replace(/http:\/\/127\.0\.0\.1:\d+/g, '<app>'),
    foundLength: v.foundLength,
    sequence: v.sequence.map((s) => [s.action, s.input]),
    reproduced: v.reproduced,
    flaky: v.flaky,
    emittedFile: v.emittedFile && path.basename(v.emittedFile),
  })),
})

describe('exploration on several workers (the shop app, PostgreSQL, one app and database per worker)', () => {
  let main: { app: RunningProcess; url: string }
  let project: string
  let one: ExplorationResult

  /** Explore on `workers` workers, emitting into `<project>/<emit>`; the worker apps and databases as they were before the runner closed. */
  async function onWorkers(workers: number, emit: string | false, options: Partial<ExploreOptions> = {}, exploration: Exploration = shop) {
    const apps = new Map<number, RunningProcess>()
    const runner = createRunner({
      baseUrl: main.app.url,
      stateBackends: [postgresState({ url: main.url })],
      stepTimeout: 10_000,
      workerSetup: postgresWorkers({
        url: main.url,
        async startApp(index, databaseUrl) {
          const app = await startShopApp({ DATABASE_URL: databaseUrl, SHOP_BUGS: 'all' })
          apps.set(index, app)
          return { baseUrl: app.url, close: () => app.stop() }
        },
      }),
    })
    const before = await dumpDatabase(main.url)
    let result: ExplorationResult
    const dumps: string[] = []
    try {
      result = await explore(exploration, { runner, root: project, file: EXPLORATION_FILE, emitDir: emit, workers, ...options })
      for (let i = 1; i < workers; i++) dumps.push(await dumpDatabase(`postgres://postgres@127.0.0.1:5432/${workerDb(i)}`))
    } finally {
      await runner.close()
    }
    return { result, before, dumps, apps, after: await dumpDatabase(main.url), left: await databasesLike(`${DB}_w`) }
  }

  beforeAll(async () => {
    project = await mkdtemp(path.join(os.tmpdir(), 'venomqa-explore-workers-'))
    await mkdir(path.join(project, 'explore'))
    await copyFile(path.join(SHOP_DIR, EXPLORATION_FILE), path.join(project, EXPLORATION_FILE))
    main = await startShop(DB, 'all')
    const runner = createRunner({ baseUrl: main.app.url, stateBackends: [postgresState({ url: main.url })], stepTimeout: 10_000 })
    try {
      one = await explore(shop, { runner, root: project, file: EXPLORATION_FILE, emitDir: 'one' })
    } finally {
      await runner.close()
    }
  })
  afterAll(async () => {
    await main?.app.stop()
    for (const db of await databasesLike(DB)) await dropDatabase(db)
    if (project) await rm(project, { recursive: true, force: true })
  })

  it('one worker, for comparison: every known bug found, shrunk, confirmed 3/3 and written out', () => {
    expect(one.violations).toHaveLength(KNOWN)
    for (const v of one.violations) {
      expect(v.reproduced, v.invariant).toEqual({ attempts: 3, failures: 3 })
      expect(v.emittedFile, v.invariant).toMatch(/^one\/.+\.journey\.ts$/)
    }
    expect(one.workers).toBeUndefined()
  })

  for (const workers of [2, 4])
    it(`${workers} workers: the same bugs, shrunk on the worker that met them, the same journeys written; every database as it was, the workers' dropped`, async () => {
      const run = await onWorkers(workers, `w${workers}`)
      const r = run.result
      // One result, as one worker's: same search, same coverage, same violations in the same order.
      expect(outline(r)).toEqual(outline(one))
      expect(r.issues.filter((i) => !i.source.startsWith('invariant:') && i.source !== 'action')).toEqual([])

      // Every worker searched a part of the tree below the root's one edge.
      expect(r.workers!.map((w) => w.worker)).toEqual(Array.from({ length: workers }, (_, i) => i))
      for (const w of r.workers!) expect(w.transitions, `worker ${w.worker}`).toBeGreaterThan(0)
      expect(r.workers!.reduce((t, w) => t + w.transitions, 0)).toBe(r.stats.transitions)

      // Each violation was replayed (shrunk and confirmed) on one worker's app, and not all on worker 0's.
      const origins = r.violations.map((v) => new Set(v.sequence.flatMap((s) => s.exchanges.map((x) => new URL(x.request.url).origin))))
      for (const o of origins) expect(o.size).toBe(1)
      const workerUrls = [main.app.url, ...[...run.apps.entries()].sort(([a], [b]) => a - b).map(([, app]) => app.url)]
      for (const o of origins) expect(workerUrls).toContain([...o][0])
      expect(origins.some((o) => !o.has(main.app.url))).toBe(true)

      // The regression journeys are the one-worker run's, byte for byte.
      const written = (await readdir(path.join(project, `w${workers}`))).sort()
      expect(written).toEqual((await readdir(path.join(project, 'one'))).sort())
      for (const f of written) expect(await readFile(path.join(project, `w${workers}`, f), 'utf8'), f).toBe(await readFile(path.join(project, 'one', f), 'utf8'))

      // The main database as it was; each worker's rolled back to where it started (a copy of the main
      // one as it was), before the runner closed; then the worker databases and apps are gone.
      expect(run.after).toBe(run.before)
      expect(run.dumps).toHaveLength(workers - 1)
      for (const [i, dump] of run.dumps.entries()) expect(rows(dump), `worker ${i + 1}`).toBe(rows(run.before))
      expect(run.left).toEqual([])
      expect([...run.apps.keys()].sort()).toEqual(Array.from({ length: workers - 1 }, (_, i) => i + 1))
      for (const app of run.apps.values()) expect(app.child.exitCode !== null || app.child.signalCode !== null).toBe(true)
      // Four workers start three shop apps and clone the database three times: the longest test of the file.
    }, 120_000)

  it("an invariant that reads `now` by the main backend's name sees it on every worker: no false violation", async () => {
    // Keyed by each worker's own backend (postgres:<db>_w1), `now['postgres:<db>']` was undefined on
    // worker 1: the invariant threw there, and the throw was a violation "reproduced 3/3".
    const backend = `postgres:${DB}`
    const observed = invariant('observes_the_main_backend', ({ now, before }) => (typeof now[backend] === 'object' && typeof before[backend] === 'object') || `now has ${Object.keys(now).join(', ')}`)
    const withObservation: Exploration = { ...shop, invariants: [...shop.invariants, observed] }
    const { result, left } = await onWorkers(2, false, { overrides: { budget: { transitions: 60 } } }, withObservation)
    expect(result.workers!.every((w) => w.transitions > 0)).toBe(true)
    expect(result.violations.filter((v) => v.invariant === 'observes_the_main_backend')).toEqual([])
    expect(result.timings.observe).toHaveProperty([backend])
    expect(left).toEqual([])
  }, 60_000)

  it('a worker whose app cannot start: the exploration fails with the reason and claims no workers; every database as it was', async () => {
    // Reported as "2 workers" with an empty list (the CLI printed "0 workers") while nothing searched on workers.
    const runner = createRunner({
      baseUrl: main.app.url,
      stateBackends: [postgresState({ url: main.url })],
      stepTimeout: 10_000,
      workerSetup: postgresWorkers({
        url: main.url,
        async startApp() {
          throw new Error('no port left for the app')
        },
      }),
    })
    const before = await dumpDatabase(main.url)
    let result: ExplorationResult
    try {
      result = await explore(shop, { runner, root: project, file: EXPLORATION_FILE, emitDir: false, workers: 2 })
    } finally {
      await runner.close()
    }
    expect(result.status).toBe('failed')
    expect(result.workers).toBeUndefined()
    expect(result.issues.filter((i) => i.severity === 'critical').map((i) => i.error)).toEqual([expect.stringMatching(/extra worker could not be started: .*no port left for the app/)])
    expect(await dumpDatabase(main.url)).toBe(before)
    expect(await databasesLike(`${DB}_w`)).toEqual([])
  }, 60_000)

  it('Ctrl-C mid-exploration on 2 workers: both stop, the result is marked interrupted, every database as it was', async () => {
    const controller = new AbortController()
    const run = await onWorkers(2, false, {
      signal: controller.signal,
      // Once the workers are well into their parts of the tree (a count, not a time: the same every run).
      onProgress: (p) => p.transitions >= 40 && controller.abort(),
    })
    const r = run.result
    expect(r.interrupted).toBe(true)
    expect(r.stats.transitions).toBeGreaterThanOrEqual(40)
    expect(r.stats.transitions).toBeLessThan(one.stats.transitions)
    expect(r.issues.filter((i) => i.severity === 'critical')).toEqual([])
    expect(run.after).toBe(run.before)
    expect(rows(run.dumps[0]!)).toBe(rows(run.before))
    expect(run.left).toEqual([])
  })
})
