import { readFileSync } from 'node:fs'
import { mkdir, symlink, writeFile } from 'node:fs/promises'
import path from 'node:path'
import { REPO_ROOT, describeWithService, type RunningProcess, startShopApp } from '@venomqa/test-utils'
import { afterAll, beforeAll, expect, it } from 'vitest'
import { type Project, assertBuilt, makeProject, waitUntil, cliHost } from './helpers/project'
import { ADMIN_URL, dumpDatabase, sql } from './helpers/postgres'

/** This file's commands run in one process of the built CLI (see CliHost), but those that need one of their own. */
const host = cliHost()

// End to end: `venomqa explore` (the built binary) in a fixture project, against the example shop app
// (every planted bug on) in its own process over PostgreSQL, with the state-postgres snapshot backend.
const DB = `venomqa_explore_${process.pid}_cli`
const DATABASE_URL = `postgres://postgres@127.0.0.1:5432/${DB}`
const describe = await describeWithService('PostgreSQL', '127.0.0.1', 5432)


const dump = () => dumpDatabase(DATABASE_URL)

/**
 * The exploration of the package's own tests, as a user's file; with HANG_SHIP=n, the n-th ship says so
 * and waits for Ctrl-C. With seed 3 the second ship is taken from the state after create_order, once both
 * violations were met (the first ship breaks no_5xx after a refund).
 */
const SHIP = "export const ship = action('ship', ({ http, ctx }) => http.post(`/api/orders/${ctx.require('orderId')}/ship`), {"
const EXPLORATION = readFileSync(path.join(REPO_ROOT, 'packages/explore/test/shop.ts'), 'utf8').replace(
  SHIP,
  `let ships = 0
export const ship = action('ship', async ({ http, ctx, signal }) => {
  if (++ships === Number(process.env.HANG_SHIP)) {
    process.stderr.write('ACTION ship\\n')
    await new Promise((resolve) => signal.addEventListener('abort', resolve, { once: true }))
  }
  return http.post(\`/api/orders/\${ctx.require('orderId')}/ship\`)
}, {`,
)

if (!EXPLORATION.includes('HANG_SHIP')) throw new Error('packages/explore/test/shop.ts changed: update the ship replacement here')

let app: RunningProcess
const projects: Project[] = []

async function project(config: object): Promise<Project> {
  const p = await makeProject(null, { SHOP_URL: app.url, DATABASE_URL, CI: 'true' }, host)
  projects.push(p)
  await symlink(path.join(REPO_ROOT, 'packages/state-postgres'), path.join(p.dir, 'node_modules/@venomqa/state-postgres'), 'dir')
  await writeFile(path.join(p.dir, 'package.json'), JSON.stringify({ name: 'shop-tests', private: true, type: 'module' }))
  await writeFile(path.join(p.dir, 'venomqa.json'), JSON.stringify(config))
  await mkdir(path.join(p.dir, 'explore'))
  await writeFile(path.join(p.dir, 'explore/shop.ts'), EXPLORATION)
  await writeFile(path.join(p.dir, 'explore/shop.explore.ts'), `import { shopExploration } from './shop'\nexport default shopExploration()\n`)
  return p
}

const withPostgres = { baseUrl: '${SHOP_URL}', plugins: [['@venomqa/state-postgres', { url: '${DATABASE_URL}' }]] }

describe('venomqa explore', () => {
  beforeAll(async () => {
    assertBuilt()
    await sql(ADMIN_URL, async (c) => {
      await c.query(`DROP DATABASE IF EXISTS ${DB} WITH (FORCE)`)
      await c.query(`CREATE DATABASE ${DB}`)
    })
    app = await startShopApp({ DATABASE_URL, SHOP_BUGS: 'all' })
  })
  afterAll(async () => {
    for (const p of projects) await p.remove()
    await app?.stop()
    await sql(ADMIN_URL, (c) => c.query(`DROP DATABASE IF EXISTS ${DB} WITH (FORCE)`))
  })

  it('finds the violations, reports them, saves explorations beside no journeys, writes regression journeys and exits 1', async () => {
    const p = await project(withPostgres)
    const before = await dump()
    const r = await p.venomqa(['explore', '--save', 'results.json', '--seed', '3', '--emit', 'regressions'])
    expect(r.code).toBe(1)
    expect(r.stdout).toContain('◇ exploration shop failed dfs, depth 4, seed 3')
    expect(r.stdout).toContain('create_product → create_order → refund {"amount":600} → refund {"amount":600}')
    expect(r.stdout).toContain('refunded 1200 of 1000')
    expect(r.stdout).toContain('create_product → create_order → refund {"amount":600} → ship')
    expect(r.stdout).toMatch(/Explored {2}0 passed, 1 failed of 1, 2 violations/)
    expect(r.stdout).toContain('Result: FAILED')
    // Plain lines in CI: a progress line, then what was explored.
    expect(r.stderr).toMatch(/venomqa: explore shop: \d+ transitions?, \d+ states?, [\d.]+\/s, \d+ violations? so far/)
    expect(r.stderr).toContain('venomqa: explored shop (dfs, depth 4, seed 3)')
    const saved = JSON.parse(readFileSync(path.join(p.dir, 'results.json'), 'utf8'))
    expect(saved.schemaVersion).toBe(3)
    expect(saved.journeys).toEqual([])
    expect(saved.status).toBe('failed')
    expect(saved.explorations).toHaveLength(1)
    const [x] = saved.explorations
    expect(x.seed).toBe(3)
    expect(x.violations.map((v: any) => v.invariant).sort()).toEqual(['no_5xx', 'refunds never exceed the charge'])
    for (const v of x.violations) {
      expect(v.reproduced).toEqual({ attempts: 3, failures: 3 })
      expect(v.emittedFile).toMatch(/^regressions\/.+\.journey\.ts$/)
      expect(readFileSync(path.join(p.dir, v.emittedFile), 'utf8')).toContain("journey('")
    }
    expect(saved.summary.explorations).toEqual({ total: 1, passed: 0, failed: 1, violations: 2, flaky: 0 })
    expect(await dump()).toBe(before)
  })

  it('--emit under a file is exit 2 before exploring; a journey that cannot be written is an issue naming --emit', async () => {
    const p = await project(withPostgres)
    await writeFile(path.join(p.dir, 'afile'), 'not a directory\n')
    const refused = await p.venomqa(['explore', '--seed', '3', '--emit', 'afile/regressions'])
    expect(refused.code).toBe(2)
    expect(refused.stderr).toBe('venomqa: --emit afile/regressions: afile is a file, not a directory; give a directory for the regression journeys (or --no-emit)\n')
    if (process.platform !== 'linux') return
    // Under /proc nothing can be made, which only writing finds out: the violations are still reported.
    const r = await p.venomqa(['explore', '--seed', '3', '--emit', '/proc/venomqa-regressions', '--save', 'r.json'])
    expect(r.code).toBe(1)
    const [x] = JSON.parse(readFileSync(path.join(p.dir, 'r.json'), 'utf8')).explorations
    expect(x.violations.length).toBeGreaterThan(0)
    const emitIssue = x.issues.find((i: { step: string }) => i.step === 'emit')
    expect(emitIssue.error).toMatch(/^could not write the regression journey for "[^"]+" into \/proc\/venomqa-regressions: it cannot be made there \(a directory of its path is missing and cannot be made, or takes no new files\)$/)
    expect(emitIssue.suggestion).toBe('The violation itself is reported above. Give --emit a directory you can write to (or --no-emit), and explore again to write its journey.')
  })

  it('--depth, --strategy, --budget and --no-emit: a search too shallow for the bugs passes with exit 0', async () => {
    const p = await project(withPostgres)
    const r = await p.venomqa(['explore', '--depth', '2', '--strategy', 'bfs', '--no-emit', '--save', 'r.json'])
    expect(r.code).toBe(0)
    expect(r.stdout).toContain('Result: PASSED')
    const [x] = JSON.parse(readFileSync(path.join(p.dir, 'r.json'), 'utf8')).explorations
    expect([x.depth, x.strategy, x.violations]).toEqual([2, 'bfs', []])
    const budget = await p.venomqa(['explore', '--budget', '2', '--no-emit', '--save', 'b.json'])
    const [y] = JSON.parse(readFileSync(path.join(p.dir, 'b.json'), 'utf8')).explorations
    expect(y.truncated).toEqual({ reason: 'transitions', limit: 2 })
    expect(budget.stdout).toContain('truncated: transitions budget of 2 used up')
    // --no-dedupe: no state is merged with one of the same fingerprint (row counts miss an UPDATE); the
    // result and the console say it was off. (What that explores, the explore package's tests show.)
    const explored = async (file: string, ...flags: string[]) => {
      const r = await p.venomqa(['explore', '--depth', '3', '--strategy', 'bfs', '--no-emit', '--save', file, ...flags])
      expect(r.code, r.stdout + r.stderr).toBe(0)
      return { out: r.stdout, err: r.stderr, x: JSON.parse(readFileSync(path.join(p.dir, file), 'utf8')).explorations[0] }
    }
    const merging = await explored('m.json')
    const all = await explored('d.json', '--no-dedupe')
    expect([merging.x.dedupe, all.x.dedupe, all.x.stats.merged]).toEqual([true, false, 0])
    expect(merging.x.stats.merged, JSON.stringify(merging.x.stats)).toBeGreaterThan(0)
    expect(all.out).toContain('bfs, depth 3, seed')
    expect(all.out).toContain(', no dedupe')
    // Its states are the distinct fingerprints reached, none merged: the progress and explored lines say so,
    // not "N states" beside many more transitions, as if only N had been expanded.
    expect(merging.err).toMatch(new RegExp(`explored shop \\([^)]*\\): ${merging.x.stats.transitions} transitions, ${merging.x.stats.states} states, `))
    expect(all.err).toMatch(/venomqa: explore shop: \d+ transitions?, \d+ distinct states? seen, [\d.]+\/s/)
    expect(all.err).toMatch(new RegExp(`explored shop \\([^)]*\\): ${all.x.stats.transitions} transitions, ${all.x.stats.states} distinct states seen, `))
    expect(all.out).toContain(`  ${all.x.stats.transitions} transitions, ${all.x.stats.states} distinct states seen, `)
  })

  it('refuses to explore without a rollback-capable state backend: exit 2, naming the fix, no stack', async () => {
    const p = await project({ baseUrl: '${SHOP_URL}' })
    const r = await p.venomqa(['explore'])
    expect(r.code).toBe(2)
    expect(r.stderr).toMatch(/venomqa: exploration "shop" needs a state backend that can roll back/)
    expect(r.stderr).toContain('--prefix-replay')
    expect(r.stderr).not.toMatch(/\n\s+at .+:\d+:\d+\)?/)
  })

  it('a bad flag is exit 2', async () => {
    const p = await project(withPostgres)
    const r = await p.venomqa(['explore', '--strategy', 'sideways'])
    expect(r.code).toBe(2)
    expect(r.stderr).toContain('--strategy must be dfs, bfs or random, got "sideways"')
  })

  it('Ctrl-C mid-search: exit 130, partial reports marked interrupted, each action of a violation with its request, the database as at the start', async () => {
    const p = await project(withPostgres)
    const before = await dump()
    const run = p.spawn(['explore', '--seed', '3', '--depth', '6', '--save', 'partial.json', '-r', 'console', '-r', 'junit:partial.xml', '--no-emit'], { env: { HANG_SHIP: '2' } })
    await waitUntil(() => run.output().stderr.includes('ACTION ship'), 'the exploration to take its second ship')
    run.child.kill('SIGINT')
    const r = await run.done
    expect(r.code).toBe(130)
    expect(r.stderr).toContain('venomqa: interrupted')
    expect(r.stdout).toContain('Result: INTERRUPTED')
    const saved = JSON.parse(readFileSync(path.join(p.dir, 'partial.json'), 'utf8'))
    expect(saved.interrupted).toBe(true)
    const [x] = saved.explorations
    expect(x.interrupted).toBe(true)
    // Met before Ctrl-C, reported as met (not replayed since): every action with the request it sent.
    const [crash] = x.violations.filter((v: { invariant: string }) => v.invariant === 'no_5xx')
    expect(crash.reproduced).toEqual({ attempts: 0, failures: 0 })
    expect(crash.sequence.map((s: { action: string; exchanges: { request: { method: string; url: string } }[] }) => [s.action, s.exchanges.map((e) => `${e.request.method} ${new URL(e.request.url).pathname}`)])).toEqual([
      ['create_product', ['POST /api/products']],
      ['create_order', ['POST /api/products/1/orders']],
      ['refund', ['POST /api/orders/1/refunds']],
      ['ship', ['POST /api/orders/1/ship']],
    ])
    const junit = readFileSync(path.join(p.dir, 'partial.xml'), 'utf8')
    expect(junit).toMatch(/ {2}1\. create_product: POST http:\/\/[^ ]+\/api\/products -> 201\n {2}2\. create_order: POST http:\/\/[^ ]+\/api\/products\/1\/orders -> 201\n {2}3\. refund \{"amount":600\}: /)
    expect(junit).not.toContain('(no request)')
    expect(await dump()).toBe(before)
  })
})
