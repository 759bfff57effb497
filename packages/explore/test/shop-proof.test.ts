/**
 * The proof of exploration (EXPLORATION.md section 7) on the example shop app: the exploration a user
 * would write (examples/shop-app/explore/shop.explore.ts) against the app in its own process over
 * PostgreSQL, rolled back by the snapshot mechanism. Every deterministic planted bug (the table in
 * examples/shop-app/README.md) is found, shrunk to its known minimal sequence, reproduced 3/3 and written
 * out as a journey that the built `venomqa run` fails on the buggy app and passes on the fixed one, each
 * time leaving the database exactly as it was; the fixed app shows no violation; the one nondeterministic
 * bug is reported as flaky. Needs the built packages (core, runner, explore, cli, state-postgres) and the
 * built shop app.
 */
import { existsSync } from 'node:fs'
import { copyFile, mkdir, mkdtemp, readFile, rm, symlink, writeFile } from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import type { Exploration, ExplorationResult, RunResult, ViolationResult } from '@venomqa/core'
import { REPO_ROOT, describeWithService, type RunningProcess, runBuiltCli } from '@venomqa/test-utils'
import pg from 'pg'
import { afterAll, beforeAll, expect, it } from 'vitest'
import { dropDatabase, dumpDatabase, exploreShop, startShop } from './helpers'

const SHOP_DIR = path.join(REPO_ROOT, 'examples/shop-app')
const EXPLORATION_FILE = 'explore/shop.explore.ts'
/** The exploration as the user wrote it, in the shop app's package (outside this package's sources). */
const shop = ((await import(path.join(SHOP_DIR, EXPLORATION_FILE))) as { default: Exploration }).default
/** The calls the exploration's setup makes before the root: sign-up and log-in, counted in README's table. */
const SETUP_CALLS = 2

/**
 * README's table as the exploration sees it: the invariant that catches each bug (a rule of the shop, or
 * the built-in no_5xx), and the known minimal sequence of calls after sign-up and log-in, one action each.
 */
const BUGS = [
  { bug: 'crash_ship_after_refund', calls: 6, invariant: 'no_5xx', actions: ['create_product', 'create_order', 'refund', 'ship'] },
  { bug: 'null_price_after_cancel', calls: 5, invariant: 'responses match the documented shapes', actions: ['create_product', 'create_order', 'cancel'] },
  { bug: 'read_after_delete', calls: 5, invariant: 'a deleted product is not readable', actions: ['create_product', 'create_order', 'delete_product'] },
  { bug: 'leak_duplicate_sku', calls: 4, invariant: 'a SKU names at most one product', actions: ['create_product', 'create_product'] },
  { bug: 'refund_over_charge', calls: 6, invariant: 'refunds never exceed the charge', actions: ['create_product', 'create_order', 'refund', 'refund'] },
  {
    bug: 'double_release',
    calls: 6,
    invariant: 'units on the shelf are never negative and never more than were received',
    actions: ['create_product', 'reserve', 'release', 'release'],
  },
  { bug: 'coupon_reuse_after_ship', calls: 6, invariant: 'the coupon is on at most one order that is not cancelled', actions: ['create_product', 'create_order', 'ship', 'create_order'] },
] as const

const DB = {
  buggy: `venomqa_explore_${process.pid}_proof_buggy`,
  fixed: `venomqa_explore_${process.pid}_proof_fixed`,
  flaky: `venomqa_explore_${process.pid}_proof_flaky`,
}

const describe = await describeWithService('PostgreSQL', '127.0.0.1', 5432)

interface Target {
  app: RunningProcess
  env: { databaseUrl: string; baseUrl: string }
}

async function start(db: string, bugs: string): Promise<Target> {
  const { app, url } = await startShop(db, bugs)
  return { app, env: { databaseUrl: url, baseUrl: app.url } }
}

/** What must be equal between two runs of one seed. */
const outline = (r: ExplorationResult) => ({
  transitions: r.stats.transitions,
  states: r.stats.states,
  merged: r.stats.merged,
  coverage: r.coverage,
  violations: r.violations.map((v) => ({ id: v.id, invariant: v.invariant, message: v.message, sequence: v.sequence.map((s) => [s.action, s.input]) })),
})

/**
 * A project of its own, as a user has it: the shop app's exploration and config, and node_modules with the
 * built packages. Exploration writes its regression journeys here; `venomqa run` runs them from here.
 */
async function makeProject(): Promise<string> {
  for (const built of ['core', 'runner', 'explore', 'cli', 'state-postgres'])
    if (!existsSync(path.join(REPO_ROOT, 'packages', built, 'dist/index.js'))) throw new Error(`packages/${built}/dist is missing: build the packages first (pnpm build)`)
  const dir = await mkdtemp(path.join(os.tmpdir(), 'venomqa-shop-proof-'))
  await mkdir(path.join(dir, 'node_modules/@venomqa'), { recursive: true })
  for (const pkg of ['core', 'runner', 'cli', 'explore', 'state-postgres']) await symlink(path.join(REPO_ROOT, 'packages', pkg), path.join(dir, 'node_modules/@venomqa', pkg), 'dir')
  await mkdir(path.join(dir, 'explore'))
  await copyFile(path.join(SHOP_DIR, EXPLORATION_FILE), path.join(dir, EXPLORATION_FILE))
  await copyFile(path.join(SHOP_DIR, 'venomqa.config.ts'), path.join(dir, 'venomqa.config.ts'))
  await writeFile(path.join(dir, 'package.json'), JSON.stringify({ name: 'shop-proof', private: true, type: 'module' }))
  return dir
}

/** Move every sequence of the app's tables to its own offset (100, 200, ...), as a database that has lived would have them. */
async function shiftSequences(url: string): Promise<void> {
  const client = new pg.Client({ connectionString: url })
  await client.connect()
  try {
    const { rows } = await client.query(`SELECT sequencename FROM pg_sequences WHERE schemaname = 'public' ORDER BY 1`)
    for (const [i, { sequencename }] of rows.entries()) await client.query(`SELECT setval($1, $2)`, [`public."${sequencename}"`, 100 * (i + 1)])
  } finally {
    await client.end()
  }
}

/** `venomqa run` on the project's journeys against one app, with the results file it saved. */
async function runJourneys(project: string, target: Target, save: string): Promise<{ code: number | null; output: string; results: RunResult }> {
  const { code, output } = await runBuiltCli(['run', '--reporter', 'console', '--save', save], {
    cwd: project,
    env: { APP_URL: target.env.baseUrl, DATABASE_URL: target.env.databaseUrl },
  })
  const results = JSON.parse(await readFile(path.join(project, save), 'utf8').catch(() => 'null')) as RunResult
  return { code, output, results }
}

describe('exploration proves itself on the shop app (its own process, PostgreSQL, snapshot rollback)', () => {
  let buggy: Target
  let fixed: Target
  let project: string
  let found: ExplorationResult

  beforeAll(async () => {
    project = await makeProject()
    ;[buggy, fixed] = await Promise.all([start(DB.buggy, 'all'), start(DB.fixed, 'none')])
  })
  afterAll(async () => {
    await Promise.all([buggy?.app.stop(), fixed?.app.stop()])
    await Promise.all([dropDatabase(DB.buggy), dropDatabase(DB.fixed)])
    if (project) await rm(project, { recursive: true, force: true })
  })

  const violationOf = (r: ExplorationResult, invariant: string): ViolationResult[] => r.violations.filter((v) => v.invariant === invariant)

  it('finds every planted bug, shrunk to its known minimal sequence, reproduced 3/3, and leaves the database as it was', async () => {
    const before = await dumpDatabase(buggy.env.databaseUrl)
    found = await exploreShop(shop, buggy.env, { root: project, file: EXPLORATION_FILE, emitDir: undefined })
    expect(await dumpDatabase(buggy.env.databaseUrl)).toBe(before)
    expect(found.truncated).toBeUndefined()
    expect(found.issues.filter((i) => !i.source.startsWith('invariant:') && i.source !== 'action')).toEqual([])
    for (const known of BUGS) {
      const [v, ...others] = violationOf(found, known.invariant)
      expect(others, known.bug).toEqual([])
      expect(v?.sequence.map((s) => s.action), known.bug).toEqual(known.actions)
      expect(SETUP_CALLS + v!.sequence.flatMap((s) => s.exchanges).length, `${known.bug}: calls`).toBe(known.calls)
      expect(v!.reproduced, known.bug).toEqual({ attempts: 3, failures: 3 })
      expect(v!.flaky).toBe(false)
      expect(v!.emittedFile, known.bug).toMatch(/^journeys\/regressions\/.+\.journey\.ts$/)
    }
    // Nothing but the planted bugs: one violation each.
    expect(found.violations).toHaveLength(BUGS.length)
  })

  it('the same seed twice in a row gives the same transitions, states and violations', async () => {
    expect(found, 'the exploration above ran').toBeDefined()
    const again = await exploreShop(shop, buggy.env)
    expect(outline(again)).toEqual(outline(found))
  })

  it('the ids in the emitted journeys flow through the context: they run on databases whose ids are not those of the exploration', async () => {
    expect(found, 'the exploration above ran').toBeDefined()
    // Every table numbered from its own offset: an id read from the wrong key now names nothing.
    for (const target of [buggy, fixed]) await shiftSequences(target.env.databaseUrl)
    for (const v of found.violations) {
      const text = await readFile(path.join(project, v.emittedFile!), 'utf8')
      expect(text, v.invariant).not.toMatch(/\/api\/\w+\/[0-9]/)
    }
  })

  it('each emitted journey fails under `venomqa run` against the buggy app, for its own invariant, and leaves the database as it was', async () => {
    expect(found, 'the exploration above ran').toBeDefined()
    const before = await dumpDatabase(buggy.env.databaseUrl)
    const run = await runJourneys(project, buggy, 'out/buggy.json')
    expect(await dumpDatabase(buggy.env.databaseUrl)).toBe(before)
    expect(run.code, run.output).toBe(1)
    for (const known of BUGS) {
      const v = violationOf(found, known.invariant)[0]!
      const journey = run.results.journeys.find((j) => j.file?.endsWith(v.emittedFile!))
      expect(journey?.status, `${known.bug}\n${run.output}`).toBe('failed')
      expect(journey!.issues.map((i) => i.error).join('\n'), known.bug).toContain(known.invariant)
    }
    expect(run.results.journeys).toHaveLength(BUGS.length)
  })

  it('each emitted journey passes under `venomqa run` against the fixed app, and leaves the database as it was', async () => {
    expect(found, 'the exploration above ran').toBeDefined()
    const before = await dumpDatabase(fixed.env.databaseUrl)
    const run = await runJourneys(project, fixed, 'out/fixed.json')
    expect(await dumpDatabase(fixed.env.databaseUrl)).toBe(before)
    expect(run.code, run.output).toBe(0)
    expect(run.results.journeys.map((j) => j.status)).toEqual(BUGS.map(() => 'passed'))
  })

  it('finds no violation on the fixed app, and leaves the database as it was', async () => {
    const before = await dumpDatabase(fixed.env.databaseUrl)
    const r = await exploreShop(shop, fixed.env)
    expect(await dumpDatabase(fixed.env.databaseUrl)).toBe(before)
    expect(r.violations).toEqual([])
    expect(r.issues).toEqual([])
    expect(r.status).toBe('passed')
    expect(r.truncated).toBeUndefined()
    // The fixed app refuses what the buggy one lets through, so it has the more paths to explore.
    expect(r.stats.transitions).toBeGreaterThan(found.stats.transitions)
  })
})

describe('the nondeterministic bug (flaky_stock)', () => {
  let flaky: Target
  beforeAll(async () => {
    flaky = await start(DB.flaky, 'flaky_stock')
  })
  afterAll(async () => {
    await flaky?.app.stop()
    await dropDatabase(DB.flaky)
  })

  it('is reported as flaky, never hidden: the minimal sequence does not fail every time it is replayed', async () => {
    // Selling the last units shows it about one time in two, in the search as in each replay. The known
    // minimal sequence is two calls deep, so the search needs no more; it is repeated until a run has met
    // the bug and replayed it both failing and passing (each run does so with a probability of 7/16).
    const units = 'units on the shelf are never negative and never more than were received'
    const reported: ViolationResult[] = []
    for (let run = 0; run < 20 && !reported.some((v) => v.flaky); run++) {
      const r = await exploreShop(shop, flaky.env, { overrides: { depth: 2 } })
      expect(r.violations.map((v) => v.invariant).filter((i) => i !== units)).toEqual([])
      reported.push(...r.violations)
    }
    const shown = reported.find((v) => v.flaky)
    expect(shown, `reported: ${JSON.stringify(reported.map((v) => v.reproduced))}`).toBeDefined()
    expect(shown!.sequence.map((s) => [s.action, s.input])).toEqual([
      ['create_product', { sku: 'W-1', stock: 2 }],
      ['create_order', { quantity: 2 }],
    ])
    expect(shown!.reproduced.attempts).toBe(3)
    expect(shown!.reproduced.failures).toBeLessThan(3)
    expect(shown!.message).toMatch(/stock -2/)
  })
})
