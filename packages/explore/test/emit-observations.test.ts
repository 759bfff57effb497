/**
 * A regression journey for an invariant that compares the state backends' observations, `now` with
 * `before` (a create answered 4xx must add no row). The journey used to give the invariant both empty:
 * reading them threw, so the journey failed whatever the app did and never passed once the bug was fixed.
 * Now it saves `before` with a step before the last action and takes `now` from the runner. The shop app
 * in its own process over PostgreSQL (snapshot backend, whose observe() counts rows), the leak of a
 * refused duplicate SKU planted; the built CLI explores and runs, as a user would.
 */
import { existsSync, readdirSync } from 'node:fs'
import { copyFile, mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import { REPO_ROOT, describeWithService, runBuiltCli } from '@venomqa/test-utils'
import { afterAll, beforeAll, expect, it } from 'vitest'
import { dropDatabase, startShop } from './helpers'

const SHOP_DIR = path.join(REPO_ROOT, 'examples/shop-app')
const DB = { buggy: `venomqa_explore_${process.pid}_observe_buggy`, fixed: `venomqa_explore_${process.pid}_observe_fixed` }
const describe = await describeWithService('PostgreSQL', '127.0.0.1', 5432)

/** The shop's own setup and create action, and one invariant on row counts, whatever the database is named. */
const EXPLORATION = `import { exploration, invariant } from '@venomqa/core'
import shop from ${JSON.stringify(path.join(SHOP_DIR, 'explore/shop.explore.ts'))}

const products = (observed: Readonly<Record<string, unknown>>) => (Object.values(observed)[0] as Record<string, number> | undefined)?.['public.products']

export default exploration('leak', {
  setup: shop.setup,
  actions: shop.actions.filter((a) => a.name === 'create_product'),
  invariants: [
    invariant('a refused create adds no row', ({ now, before, last }) => {
      const status = last?.response?.status ?? 0
      if (status < 400 || status > 499) return
      return products(now) === products(before) || \`POST answered \${status}, yet products went from \${products(before)} to \${products(now)} rows\`
    }, { after: ['create_product'] }),
  ],
  depth: 2,
  dedupe: false,
  seed: 1,
})
`

type Shop = Awaited<ReturnType<typeof startShop>>

describe('a regression journey for an invariant on now and before', () => {
  let project: string
  let buggy: Shop
  let fixed: Shop
  const cli = (args: string[], shop: Shop) => runBuiltCli(args, { cwd: project, env: { APP_URL: shop.app.url, DATABASE_URL: shop.url } })

  beforeAll(async () => {
    for (const built of ['core', 'runner', 'explore', 'cli', 'state-postgres']) if (!existsSync(path.join(REPO_ROOT, 'packages', built, 'dist/index.js'))) throw new Error(`build packages/${built} first`)
    project = await mkdtemp(path.join(os.tmpdir(), 'venomqa-observe-'))
    await mkdir(path.join(project, 'node_modules/@venomqa'), { recursive: true })
    for (const pkg of ['core', 'runner', 'cli', 'explore', 'state-postgres']) await symlink(path.join(REPO_ROOT, 'packages', pkg), path.join(project, 'node_modules/@venomqa', pkg), 'dir')
    await mkdir(path.join(project, 'explore'))
    await writeFile(path.join(project, 'explore/leak.explore.ts'), EXPLORATION)
    await copyFile(path.join(SHOP_DIR, 'venomqa.config.ts'), path.join(project, 'venomqa.config.ts'))
    await writeFile(path.join(project, 'package.json'), JSON.stringify({ name: 'observe-proof', private: true, type: 'module' }))
    ;[buggy, fixed] = await Promise.all([startShop(DB.buggy, 'leak_duplicate_sku'), startShop(DB.fixed, 'none')])
  })
  afterAll(async () => {
    await Promise.all([buggy?.app.stop(), fixed?.app.stop()])
    await Promise.all([dropDatabase(DB.buggy), dropDatabase(DB.fixed)])
    if (project) await rm(project, { recursive: true, force: true })
  })

  it('is found, and its journey fails on the buggy app and passes on the fixed one', async () => {
    const explored = await cli(['explore', 'explore/leak.explore.ts'], buggy)
    expect(explored.code, explored.output).toBe(1)
    expect(explored.output).toContain('a refused create adds no row')
    const written = readdirSync(path.join(project, 'journeys/regressions')).filter((f) => f.endsWith('.journey.ts'))
    expect(written).toHaveLength(1)

    const onBuggy = await cli(['run'], buggy)
    expect(onBuggy.code, onBuggy.output).toBe(1)
    expect(onBuggy.output).toMatch(/invariant "a refused create adds no row" broken: POST answered 409, yet products went from \d+ to \d+ rows/)
    // Before: "Cannot read properties of undefined", on the fixed app too.
    const onFixed = await cli(['run'], fixed)
    expect(onFixed.code, onFixed.output).toBe(0)
  }, 120_000)
})
