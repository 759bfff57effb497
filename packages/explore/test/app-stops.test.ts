/**
 * The app dies mid-exploration (kill -9 of its process): the example shop app in its own process over
 * PostgreSQL, killed by the exploration's own action or invariant at a chosen moment. A request that got
 * no answer is no reproduction of any violation: the exploration says the app stopped answering, and
 * where, reports what the search met with the app up as met (not shrunk, not confirmed), and writes no
 * regression journey built on refused connections.
 */
import { mkdtemp, readdir, rm } from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import { type ExplorationResult, action, exploration, invariant } from '@venomqa/core'
import { type RunningProcess, describeWithService, startShopApp } from '@venomqa/test-utils'
import { pgTestDatabases } from '@venomqa/test-utils/postgres'
import { afterAll, beforeAll, expect, it } from 'vitest'
import { NOT_CONFIRMED } from '../src/no-answer'
import { exploreShop } from './helpers'
import { setup } from './shop'

const describe = await describeWithService('PostgreSQL', '127.0.0.1', 5432)
const databases = pgTestDatabases(/^venomqa_explore_[a-z0-9_]+$/)
const DB = { search: `venomqa_explore_stops_search_${process.pid}`, replays: `venomqa_explore_stops_replays_${process.pid}` }
const SKU_INVARIANT = 'a SKU names at most one product'
/**
 * Why a POST to the dead app failed. It goes out on the connection kept alive from the request before, or
 * on a new one, depending on whether the client has read the dead app's close of it by then: a race no
 * client can see coming. A GET is then sent again on a new connection, and refused; a POST, which may have
 * been acted on, is not.
 */
const POST_FAILED = 'connection (refused|reset: [^,]+, on a kept-alive connection the server closed as the request went out \\(a POST is not sent again on its own: the server may have acted on it\\))'

/** kill -9, and wait until it is gone: from then on every request is refused. */
async function kill(app: RunningProcess): Promise<void> {
  if (app.child.exitCode !== null || app.child.signalCode !== null) return
  const gone = new Promise((resolve) => app.child.once('exit', resolve))
  app.child.kill('SIGKILL')
  await gone
}

/**
 * The shop's duplicate-SKU bug (`leak_duplicate_sku`: a second create of a SKU answers 409 yet stores the
 * row) with one rule; `onAction` and `onCheck` run before each action and after each check's probe.
 */
function skuExploration(o: { onAction?: (n: number) => Promise<void>; onCheck?: (n: number) => Promise<void>; depth: number; list: boolean }) {
  let actions = 0
  let checks = 0
  const createProduct = action(
    'create_product',
    async ({ http }) => {
      await o.onAction?.(++actions)
      return http.post('/api/products', { json: { sku: 'W-1', name: 'Widget', price: 1000, stock: 2 } })
    },
    { maxPerPath: 2 },
  )
  const list = action(
    'list_products',
    async ({ http }) => {
      await o.onAction?.(++actions)
      return http.get('/api/products')
    },
    { maxPerPath: 2 },
  )
  const skuOnce = invariant(
    SKU_INVARIANT,
    async ({ http }) => {
      const skus = (await http.get('/api/products')).json<{ sku: string }[]>().map((p) => p.sku)
      await o.onCheck?.(++checks)
      const twice = skus.find((s, i) => skus.indexOf(s) !== i)
      return twice === undefined || `${skus.filter((s) => s === twice).length} products with SKU ${twice}`
    },
    { after: ['create_product'] },
  )
  return exploration('app-stops', { setup, actions: o.list ? [createProduct, list] : [createProduct], invariants: [skuOnce], depth: o.depth, seed: 3, dedupe: false })
}

describe('the app stops answering mid-exploration', () => {
  const apps: RunningProcess[] = []
  let root: string

  async function start(db: string): Promise<{ app: RunningProcess; env: { databaseUrl: string; baseUrl: string } }> {
    const databaseUrl = await databases.create(db)
    const app = await startShopApp({ DATABASE_URL: databaseUrl, SHOP_BUGS: 'leak_duplicate_sku' })
    apps.push(app)
    return { app, env: { databaseUrl, baseUrl: app.url } }
  }

  const appStopped = (r: ExplorationResult) => r.issues.filter((i) => i.error.startsWith('the app stopped answering'))

  /** Nothing in the result was built from a replay the dead app refused. */
  async function expectNothingBuiltOnRefusals(r: ExplorationResult): Promise<void> {
    expect(r.status).toBe('failed')
    for (const v of r.violations) {
      expect(v.message).not.toMatch(/ECONNREFUSED|connection refused/)
      expect(v.reproduced.failures).toBe(0)
      expect(v.emittedFile).toBeUndefined()
    }
    expect(r.violations.some((v) => v.invariant === 'request_error')).toBe(false)
    expect(await readdir(path.join(root, 'regs')).catch(() => [])).toEqual([])
  }

  beforeAll(async () => {
    root = await mkdtemp(path.join(os.tmpdir(), 'venomqa-explore-app-stops-'))
  })
  afterAll(async () => {
    for (const app of apps) await app.stop()
    for (const db of Object.values(DB)) await databases.drop(db)
    await rm(root, { recursive: true, force: true })
  })

  it('killed during the search: the search stops there, saying the app stopped answering and where', async () => {
    const { app, env } = await start(DB.search)
    // The fourth action finds the app gone: its own request is the first to be refused.
    const e = skuExploration({ depth: 3, list: true, onAction: async (n) => (n === 4 ? kill(app) : undefined) })
    const r = await exploreShop(e, env, { root, emitDir: 'regs' })
    expect(r.stats.transitions).toBe(4)
    const [issue, ...more] = appStopped(r)
    expect(more).toEqual([])
    expect(issue).toMatchObject({ severity: 'critical' })
    expect(issue!.error).toMatch(
      new RegExp(`^the app stopped answering: (GET http://127\\.0\\.0\\.1:\\d+/api/products: connection refused|POST http://127\\.0\\.0\\.1:\\d+/api/products: ${POST_FAILED}) .*\\(action "(create_product|list_products)" after .+\\), and it answers nothing since: the exploration stopped there`),
    )
    for (const v of r.violations) expect(v.message).toContain(NOT_CONFIRMED)
    await expectNothingBuiltOnRefusals(r)
  })

  it('killed while the violation is shrunk: it is reported as met, not "shrunk" onto refused replays', async () => {
    const { app, env } = await start(DB.replays)
    // Depth 2, one action that may run twice: the search checks the rule twice and meets the bug on the
    // second. The third check is the shrinker's first replay (it breaks the rule again); then the app dies.
    const e = skuExploration({ depth: 2, list: false, onCheck: async (n) => (n === 3 ? kill(app) : undefined) })
    const r = await exploreShop(e, env, { root, emitDir: 'regs' })
    expect(r.violations).toHaveLength(1)
    const v = r.violations[0]!
    expect(v.invariant).toBe(SKU_INVARIANT)
    // The sequence the search met, with the app answering, and its message: not one action "reproduced 3/3".
    expect(v.sequence.map((s) => s.action)).toEqual(['create_product', 'create_product'])
    expect(v.message).toBe(`2 products with SKU W-1 (${NOT_CONFIRMED})`)
    expect(v.reproduced).toEqual({ attempts: 0, failures: 0 })
    const [issue, ...more] = appStopped(r)
    expect(more).toEqual([])
    expect(issue!.error).toMatch(new RegExp(`POST http://127\\.0\\.0\\.1:\\d+/api/products: ${POST_FAILED} .*\\(action "create_product"\\), and it answers nothing since: while the violations were replayed`))
    await expectNothingBuiltOnRefusals(r)
  })
})
