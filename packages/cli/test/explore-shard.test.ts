import { readFileSync } from 'node:fs'
import { copyFile, mkdir, symlink, writeFile } from 'node:fs/promises'
import path from 'node:path'
import { type ExplorationResult, type RunResult, sequenceStepText } from '@venomqa/core'
import { REPO_ROOT, type RunningProcess, SHOP_APP_SERVER, describeWithService, startShopApp } from '@venomqa/test-utils'
import { afterAll, beforeAll, expect, it } from 'vitest'
import { type CliResult, type Project, assertBuilt, makeProject } from './helpers/project'
import { ADMIN_URL, dumpDatabase, sql } from './helpers/postgres'

// End to end: `venomqa explore --shard i/n` in separate processes of the built binary, then
// `venomqa merge-reports` over the three results files, compared with the unsharded run; and
// `venomqa explore --workers 2` against the same. The exploration is the shop app's own
// (examples/shop-app/explore/shop.explore.ts: seed 1, dedupe off, every path), against the app with every
// planted bug on, in its own process over PostgreSQL; to depth 3 rather than its 4 (--depth): the tree below
// the root still splits three ways and holds violations, and the five explorations take a third less time.
const DB = `venomqa_explore_${process.pid}_shards`
const DATABASE_URL = `postgres://postgres@127.0.0.1:5432/${DB}`
const SHOP_EXPLORATION = path.join(REPO_ROOT, 'examples/shop-app/explore/shop.explore.ts')
const SLOW = { timeoutMs: 180_000 }
const describe = await describeWithService('PostgreSQL', '127.0.0.1', 5432)

const databases = () => sql(ADMIN_URL, async (c) => (await c.query('SELECT datname FROM pg_database WHERE datname LIKE $1 ORDER BY 1', [`${DB}%`])).rows.map((r) => r.datname))

const dump = () => dumpDatabase(DATABASE_URL)

/**
 * The user's config: the app under test and its database, and a workerSetup that starts one more shop
 * app per worker on a database of its own (postgresWorkers), the way docs/parallel.md shows it.
 */
const CONFIG = `import { spawn } from 'node:child_process'
import { postgresWorkers } from '@venomqa/state-postgres'

/** The shop app on its own database; it prints where it listens. */
function startShop(databaseUrl: string): Promise<{ url: string; stop: () => void }> {
  const child = spawn(process.execPath, [process.env.SHOP_SERVER!], { env: { ...process.env, DATABASE_URL: databaseUrl, PORT: '0', HOST: '127.0.0.1' }, stdio: ['ignore', 'pipe', 'inherit'] })
  return new Promise((resolve, reject) => {
    let out = ''
    child.once('exit', (code) => reject(new Error('the shop app exited with ' + code)))
    child.stdout!.on('data', (d) => {
      out += d
      const url = /listening on (http:\\/\\/[^\\s/]+)/.exec(out)?.[1]
      if (url) resolve({ url, stop: () => void child.kill() })
    })
  })
}

export default {
  baseUrl: '\${SHOP_URL}',
  plugins: [['@venomqa/state-postgres', { url: '\${DATABASE_URL}' }]],
  workerSetup: postgresWorkers({
    url: process.env.DATABASE_URL!,
    async startApp(_index: number, databaseUrl: string) {
      const app = await startShop(databaseUrl)
      return { baseUrl: app.url, close: app.stop }
    },
  }),
}
`

let app: RunningProcess
let project: Project

async function explore(args: string[]): Promise<CliResult> {
  const before = await dump()
  const r = await project.venomqa(['explore', '--no-emit', '--depth', '3', ...args], SLOW)
  // It explored (exit 1 is also what a crash of the CLI gives: the line says the exploration ran).
  expect(r.stderr, `venomqa explore ${args.join(' ')}`).toContain('venomqa: explored shop (')
  // Each run leaves the database as it found it, so the next one starts from the same state.
  expect(await dump(), `venomqa explore ${args.join(' ')}\n${r.stderr}`).toBe(before)
  return r
}
const read = (file: string): RunResult => JSON.parse(readFileSync(path.join(project.dir, file), 'utf8'))
const exploration = (file: string): ExplorationResult => read(file).explorations![0]!

/** What the shards merged must give exactly as the unsharded run does. */
const same = (x: ExplorationResult) => ({
  status: x.status,
  seed: x.seed,
  transitions: x.stats.transitions,
  merged: x.stats.merged,
  maxDepthReached: x.stats.maxDepthReached,
  coverage: x.coverage,
  neverEnabled: x.neverEnabled,
  truncated: x.truncated,
  violations: x.violations
    .map((v) => ({ id: v.id, invariant: v.invariant, sequence: v.sequence.map((s) => [s.action, s.input]), reproduced: v.reproduced, flaky: v.flaky }))
    .sort((a, b) => (a.id < b.id ? -1 : 1)),
})

describe('venomqa explore --shard, merged; venomqa explore --workers', () => {
  let whole: CliResult
  const shards: CliResult[] = []
  beforeAll(async () => {
    assertBuilt()
    await sql(ADMIN_URL, async (c) => {
      await c.query(`DROP DATABASE IF EXISTS ${DB} WITH (FORCE)`)
      await c.query(`CREATE DATABASE ${DB}`)
    })
    app = await startShopApp({ DATABASE_URL, SHOP_BUGS: 'all' })
    project = await makeProject(null, { SHOP_URL: app.url, DATABASE_URL, SHOP_SERVER: SHOP_APP_SERVER, SHOP_BUGS: 'all', CI: 'true' })
    await symlink(path.join(REPO_ROOT, 'packages/state-postgres'), path.join(project.dir, 'node_modules/@venomqa/state-postgres'), 'dir')
    await writeFile(path.join(project.dir, 'package.json'), JSON.stringify({ name: 'shop-tests', private: true, type: 'module' }))
    await writeFile(path.join(project.dir, 'venomqa.config.ts'), CONFIG)
    await mkdir(path.join(project.dir, 'explore'))
    await copyFile(SHOP_EXPLORATION, path.join(project.dir, 'explore/shop.explore.ts'))
    whole = await explore(['--save', 'out/whole.json'])
    for (const i of [1, 2, 3]) shards.push(await explore(['--shard', `${i}/3`, '--save', `out/shards/shard-${i}.json`]))
  }, 600_000)
  afterAll(async () => {
    await project?.remove()
    await app?.stop()
    for (const db of await databases()) await sql(ADMIN_URL, (c) => c.query(`DROP DATABASE IF EXISTS "${db}" WITH (FORCE)`))
  })

  it('each shard explores a part of the tree below the root (whose one edge they share) and records the split', () => {
    expect(whole.code, whole.stderr).toBe(1)
    const parts = [1, 2, 3].map((i) => read(`out/shards/shard-${i}.json`))
    expect(parts.map((r) => [r.shard?.index, r.shard?.total])).toEqual([
      [1, 3],
      [2, 3],
      [3, 3],
    ])
    expect(new Set(parts.map((r) => r.shard?.splitId)).size).toBe(1)
    for (const [i, r] of parts.entries()) expect(r.explorations![0]!.stats.transitions, `shard ${i + 1}`).toBeGreaterThan(0)
    for (const [i, s] of shards.entries()) expect(s.stderr, `shard ${i + 1}`).toContain(`venomqa: explored shop (dfs, depth 3, seed 1, shard ${i + 1}/3)`)
  })

  it('merged, the shards give the unsharded exploration: transitions, coverage, violations and verdict; states and requests are the shards\' sums', async () => {
    const merged = await project.venomqa(['merge-reports', 'out/shards', '--save', 'out/merged.json', '-r', 'console'])
    expect(merged.code, merged.stderr).toBe(whole.code)
    expect(merged.stderr).toContain('venomqa: merged 3 shards: 0 journeys, 1 exploration')
    const a = exploration('out/whole.json')
    const b = exploration('out/merged.json')
    expect(same(b)).toEqual(same(a))
    expect(b.violations.length).toBeGreaterThan(0)
    expect(read('out/merged.json').summary.explorations).toEqual(read('out/whole.json').summary.explorations)
    // What differs, as docs/cli.md says: each shard ran the setup and the edge they share, and counted
    // the distinct states of its own part (a state reached in two parts counts in both).
    const parts = [1, 2, 3].map((i) => exploration(`out/shards/shard-${i}.json`))
    expect(b.stats.requests).toBe(parts.reduce((t, x) => t + x.stats.requests, 0))
    expect(b.stats.states).toBe(parts.reduce((t, x) => t + x.stats.states, 0))
    expect(b.stats.states).toBeGreaterThanOrEqual(a.stats.states)
    for (const v of b.violations) expect(merged.stdout).toContain(v.sequence.map((s) => sequenceStepText(s)).join(' → '))
  })

  it('--workers 2: the same exploration from one process, on two apps and databases, with the states counted once', async () => {
    const r = await explore(['--workers', '2', '--save', 'out/workers.json'])
    expect(r.code, r.stderr).toBe(1)
    expect(r.stderr).toContain('venomqa: explored shop (dfs, depth 3, seed 1, 2 workers)')
    const a = exploration('out/whole.json')
    const w = exploration('out/workers.json')
    expect(same(w)).toEqual(same(a))
    expect(w.stats.states).toBe(a.stats.states)
    expect(w.workers!.map((x) => x.worker)).toEqual([0, 1])
    for (const x of w.workers!) expect(x.transitions).toBeGreaterThan(0)
    // The worker's database was dropped when the run ended.
    expect(await databases()).toEqual([DB])
  })

  it('--workers with no workerSetup, or not a whole number, is exit 2 before anything runs', async () => {
    const plain = await makeProject(null, { SHOP_URL: app.url, DATABASE_URL, CI: 'true' })
    try {
      await symlink(path.join(REPO_ROOT, 'packages/state-postgres'), path.join(plain.dir, 'node_modules/@venomqa/state-postgres'), 'dir')
      await writeFile(path.join(plain.dir, 'package.json'), JSON.stringify({ name: 'plain', private: true, type: 'module' }))
      await writeFile(path.join(plain.dir, 'venomqa.json'), JSON.stringify({ baseUrl: '${SHOP_URL}', plugins: [['@venomqa/state-postgres', { url: '${DATABASE_URL}' }]] }))
      await mkdir(path.join(plain.dir, 'explore'))
      await copyFile(SHOP_EXPLORATION, path.join(plain.dir, 'explore/shop.explore.ts'))
      const before = await dump()
      const r = await plain.venomqa(['explore', '--workers', '2'])
      expect(r.code).toBe(2)
      expect(r.stderr).toContain('venomqa: exploration "shop" would run on 2 workers, but no workerSetup is configured')
      expect(r.stderr).not.toMatch(/\n\s+at .+:\d+:\d+\)?/)
      const zero = await plain.venomqa(['explore', '--workers', '0'])
      expect(zero.code).toBe(2)
      expect(zero.stderr).toContain('venomqa: --workers must be a whole number of 1 or more, got "0"')
      expect(await dump()).toBe(before)
    } finally {
      await plain.remove()
    }
  })
})
