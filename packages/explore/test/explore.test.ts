import { type ActionSource, ConfigError, DefinitionError, type ExplorationResult, PLUGIN_API_VERSION, action, assertStatus, definePlugin, invariant } from '@venomqa/core'
import { CLOSED_PORT, describeWithService, type RunningProcess } from '@venomqa/test-utils'
import http from 'node:http'
import type { AddressInfo } from 'node:net'
import { afterAll, beforeAll, expect, it } from 'vitest'
import { explore } from '../src'
import { postgresState } from '@venomqa/state-postgres'
import { dropDatabase, dumpDatabase, exploreShop, shopRunner, startShop } from './helpers'
import { createOrder, createProduct, refund, setup, ship, shopExploration } from './shop'

const DB = `venomqa_explore_${process.pid}_main`
const describe = await describeWithService('PostgreSQL', '127.0.0.1', 5432)

/** What must be equal between two runs of one seed. */
const outline = (r: ExplorationResult) => ({
  transitions: r.stats.transitions,
  states: r.stats.states,
  merged: r.stats.merged,
  coverage: r.coverage,
  violations: r.violations.map((v) => ({ id: v.id, invariant: v.invariant, sequence: v.sequence.map((s) => [s.action, s.input]) })),
})
const byInvariant = (r: ExplorationResult, name: string) => r.violations.filter((v) => v.invariant === name)
const actionsOf = (r: ExplorationResult, name: string) => byInvariant(r, name).map((v) => v.sequence.map((s) => s.action))

describe('explore() against the shop app (every planted bug on) over PostgreSQL', () => {
  let app: RunningProcess
  let env: { databaseUrl: string; baseUrl: string }
  /**
   * The exploration as defined (dfs, seed 7), for the tests that check it and those that compare with it:
   * run once, by the first test that asks. A seed always gives the same search (tested below).
   */
  let asDefined: Promise<ExplorationResult> | undefined
  const exploreAsDefined = () => (asDefined ??= exploreShop(shopExploration(), env))
  beforeAll(async () => {
    const s = await startShop(DB)
    app = s.app
    env = { databaseUrl: s.url, baseUrl: s.app.url }
  })
  afterAll(async () => {
    await app?.stop()
    await dropDatabase(DB)
  })

  it('dfs finds a hand-written invariant broken and a 500 (no_5xx), each shrunk, reproduced 3/3, and leaves the database as it found it', async () => {
    const before = await dumpDatabase(env.databaseUrl)
    const r = await exploreAsDefined()
    expect(await dumpDatabase(env.databaseUrl)).toBe(before)
    expect(r.status).toBe('failed')
    expect(r.truncated).toBeUndefined()
    expect(actionsOf(r, 'refunds never exceed the charge')).toEqual([['create_product', 'create_order', 'refund', 'refund']])
    expect(actionsOf(r, 'no_5xx')).toEqual([['create_product', 'create_order', 'refund', 'ship']])
    for (const v of r.violations) {
      expect(v.reproduced).toEqual({ attempts: 3, failures: 3 })
      expect(v.flaky).toBe(false)
      expect(v.id).toMatch(/^[0-9a-f]{40}$/)
    }
    const [overCharge] = byInvariant(r, 'refunds never exceed the charge')
    expect(overCharge!.message).toBe('refunded 1200 of 1000')
    expect(overCharge!.probes.map((p) => `${p.request.method} ${new URL(p.request.url).pathname} ${p.response?.status}`)).toEqual(['GET /api/orders/1 200'])
    const [crash] = byInvariant(r, 'no_5xx')
    expect(crash!.sequence.at(-1)!.exchanges.at(-1)!.response!.status).toBe(500)
    // Secrets never reach the result: the token the setup logged in with is masked.
    expect(JSON.stringify(r)).not.toMatch(/Bearer [A-Za-z0-9]/)
    expect(r.issues.filter((i) => i.source.startsWith('invariant:'))).toHaveLength(2)
    expect(r.stats.maxDepthReached).toBe(4)
    expect(Object.keys(r.timings.rollback)).toEqual(expect.arrayContaining(['context']))
    expect(Object.keys(r.timings.observe)).toHaveLength(1)
  })

  it('the same seed twice in a row gives the same transitions, states and violations (dfs and random)', async () => {
    const e = shopExploration({ seed: 12345 })
    const a = await exploreShop(e, env)
    const b = await exploreShop(e, env)
    expect(outline(b)).toEqual(outline(a))
    const walks = shopExploration({ seed: 99, strategy: 'random', dedupe: false })
    const c = await exploreShop(walks, env)
    const d = await exploreShop(walks, env)
    expect(outline(d)).toEqual(outline(c))
    expect(c.seed).toBe(99)
  })

  it('bfs (iterative deepening) and random walks each find the same violations as dfs', async () => {
    const dfsIds = (await exploreAsDefined()).violations.map((v) => v.id).sort()
    for (const strategy of ['bfs', 'random'] as const) {
      const r = await exploreShop(shopExploration({ strategy }), env)
      expect(r.strategy).toBe(strategy)
      expect(r.violations.map((v) => v.id).sort()).toEqual(dfsIds)
    }
  })

  it('budgets end the search honestly: truncated names the budget, and the counts stop there', async () => {
    const byTransitions = await exploreShop(shopExploration({ budget: { transitions: 3 } }), env)
    expect(byTransitions.truncated).toEqual({ reason: 'transitions', limit: 3 })
    expect(byTransitions.stats.transitions).toBe(3)
    const byStates = await exploreShop(shopExploration({ budget: { states: 2 } }), env)
    expect(byStates.truncated).toEqual({ reason: 'states', limit: 2 })
    expect(byStates.stats.states).toBe(2)
    const byTime = await exploreShop(shopExploration({ budget: { timeMs: 1 } }), env)
    expect(byTime.truncated).toEqual({ reason: 'time', limit: 1 })
    // A budget the search never reaches truncates nothing.
    const roomy = await exploreShop(shopExploration({ budget: { transitions: 10_000 } }), env)
    expect(roomy.truncated).toBeUndefined()
  })

  it('command-line overrides win over the definition, and dedupe: false explores every path to the depth', async () => {
    const merged = await exploreAsDefined()
    const exhaustive = await exploreShop(shopExploration(), env, { overrides: { dedupe: false } })
    expect(exhaustive.dedupe).toBe(false)
    expect(exhaustive.stats.merged).toBe(0)
    expect(exhaustive.stats.transitions).toBeGreaterThan(merged.stats.transitions)
    const shallow = await exploreShop(shopExploration(), env, { overrides: { depth: 2 } })
    expect(shallow.depth).toBe(2)
    expect(shallow.stats.maxDepthReached).toBe(2)
    expect(shallow.violations).toEqual([])
    expect(shallow.status).toBe('passed')
  })

  it('request_error: a transport failure is a violation, found and confirmed like any other', async () => {
    const unreachable = action('call_the_void', ({ http }) => http.get(`http://127.0.0.1:${CLOSED_PORT}/nothing`, { retry: false }), { maxPerPath: 1 })
    const r = await exploreShop(shopExploration({ actions: [createProduct, unreachable], invariants: [], depth: 2 }), env)
    expect(actionsOf(r, 'request_error')).toEqual([['call_the_void']])
    expect(byInvariant(r, 'request_error')[0]!.message).toMatch(/^call_the_void: /)
    expect(byInvariant(r, 'request_error')[0]!.reproduced).toEqual({ attempts: 3, failures: 3 })
  })

  it("a rollback's wait for a request the app never answered is timed as its own, not as restoring the context", async () => {
    // An endpoint that answers after 400 ms, called by an action that stops waiting at 50 ms: the next
    // rollback waits for the answer first (its work must not land after the undo).
    const slow = http.createServer((_req, res) => void setTimeout(() => res.end('late'), 400))
    await new Promise<void>((resolve) => slow.listen(0, '127.0.0.1', resolve))
    try {
      const url = `http://127.0.0.1:${(slow.address() as AddressInfo).port}/slow`
      const late = action('late', ({ http }) => http.get(url, { retry: false }), { maxPerPath: 1, timeout: 50 })
      const r = await exploreShop(shopExploration({ actions: [createProduct, late], invariants: [], depth: 2 }), env, { shrink: false })
      const waits = r.timings.rollback['unanswered requests']
      expect(waits?.max).toBeGreaterThan(200)
      // Relative, not a time limit: counted in the context's restore, the wait would make it the longer one.
      expect(r.timings.rollback.context!.max).toBeLessThan(waits!.max / 2)
    } finally {
      slow.closeAllConnections()
      await new Promise((resolve) => slow.close(resolve))
    }
  })

  it('counts the merges after a write the API accepted that changed no row count (ship), where dedupe hides a change to values', async () => {
    const r = await exploreShop(shopExploration({ actions: [createProduct, createOrder, ship], invariants: [], depth: 3 }), env)
    // create_product > create_order > ship: the order is shipped, an UPDATE; the row counts are those before it.
    expect(r.stats.mergedAfterWrite).toBeGreaterThan(0)
    expect(r.stats.mergedAfterWrite).toBeLessThanOrEqual(r.stats.merged)
    // Named by the action whose write it was: the one that should set a context key to tell its states apart.
    expect(r.stats.mergedAfterWriteBy).toEqual({ ship: r.stats.mergedAfterWrite })
    // A read that changes nothing merges too, but hides no write.
    const look = action('look', ({ http }) => http.get('/api/products'), { maxPerPath: 1 })
    const reads = await exploreShop(shopExploration({ actions: [createProduct, look], invariants: [], depth: 2 }), env)
    expect(reads.stats.merged).toBeGreaterThan(0)
    expect(reads.stats.mergedAfterWrite).toBe(0)
    expect(reads.stats.mergedAfterWriteBy).toBeUndefined()
  })

  it("counts the merges of a state one input of an action reached into the one another of its inputs reached first, where dedupe hides what follows that input", async () => {
    // Two stocks, one row each: the product with 5 on the shelf merges into the one with 1, so ordering
    // 5 of it (a bug only a large order meets) is never searched.
    const stocked = action<{ stock: number }>(
      'create_product',
      async ({ http, ctx, input }) => {
        const res = await http.post('/api/products', { json: { sku: 'A1', name: 'Widget', price: 1000, stock: input.stock } })
        assertStatus(res, 201)
        ctx.set('productId', res.json().id)
        return res
      },
      { inputs: () => [{ stock: 1 }, { stock: 5 }], maxPerPath: 1 },
    )
    const r = await exploreShop(shopExploration({ actions: [stocked], invariants: [], depth: 2 }), env)
    expect(r.stats.merged).toBe(1)
    expect(r.stats.mergedAfterInputBy).toEqual({ create_product: 1 })
    // Not a write that changed no row count: the product is a row more than the root had.
    expect(r.stats.mergedAfterWrite).toBe(0)
    // Exhaustive, nothing is merged, so nothing is hidden.
    const all = await exploreShop(shopExploration({ actions: [stocked], invariants: [], depth: 2, dedupe: false }), env)
    expect(all.stats.mergedAfterInputBy).toBeUndefined()
    // One input, or two that reach two states (a second product a row more), merge nothing so.
    const twice = action('create_two', async ({ http, input }) => {
      for (let i = 0; i < (input as number); i++) await http.post('/api/products', { json: { sku: `B${i}`, name: 'Widget', price: 1000, stock: 1 } })
    }, { inputs: () => [1, 2], maxPerPath: 1 })
    const apart = await exploreShop(shopExploration({ actions: [twice], invariants: [], depth: 2 }), env)
    expect(apart.stats.mergedAfterInputBy).toBeUndefined()
  })

  it('lists actions that were never enabled, and counts refused edges', async () => {
    const never = action('never', () => undefined, { when: () => false })
    // Enabled by its `when`, but with no input to take: it can never run, and was counted as enabled.
    const noInput = action('no_input', () => undefined, { inputs: (): string[] => [] })
    // Deleting a product that has an order answers 409 on the fixed app... here a delete of an id that does not exist: 404, nothing changed.
    const missing = action('delete_missing', ({ http }) => http.delete('/api/products/999999'), { maxPerPath: 1 })
    const r = await exploreShop(shopExploration({ actions: [createProduct, missing, never, noInput], invariants: [], depth: 2 }), env)
    expect(r.neverEnabled).toEqual(['never', 'no_input'])
    expect(r.coverage.find((c) => c.action === 'delete_missing')).toMatchObject({ refused: expect.any(Number) })
    expect(r.coverage.find((c) => c.action === 'delete_missing')!.refused).toBeGreaterThan(0)
    // Refused every time it ran: one refusal says how, where a wrong path or id is plain to see.
    const missingCov = r.coverage.find((c) => c.action === 'delete_missing')!
    expect(missingCov.refused).toBe(missingCov.taken)
    expect(missingCov.refusedExample).toBe('DELETE /api/products/999999 answered 404')
    expect(r.coverage.find((c) => c.action === 'create_product')!.refusedExample).toBeUndefined()
    expect(r.coverage.find((c) => c.action === 'never')).toEqual({ action: 'never', taken: 0, enabled: 0, refused: 0 })
  })

  it("an action whose own code fails is a critical issue and fails the exploration, once per action and message", async () => {
    // A bug in the test (a crash), and an assertion the action makes on a 2xx: either way the edge was never explored as defined.
    const crash = action('crash', ({ http }) => http.get('/api/products').then((res) => (res.json() as any).nope.deeper), { maxPerPath: 1 })
    const check = action('check', async ({ http }) => assertStatus(await http.get('/api/products'), 299), { maxPerPath: 1 })
    const r = await exploreShop(shopExploration({ actions: [createProduct, crash, check], invariants: [], depth: 2 }), env)
    expect(r.status).toBe('failed')
    expect(r.violations).toEqual([])
    const faults = r.issues.filter((i) => i.source === 'action')
    // The crash reads the same from every state; the failed check quotes the body, which differs by state.
    expect(faults.filter((i) => i.step === 'crash').map((i) => [i.severity, i.kind, i.error])).toEqual([
      ['critical', 'crash', `action "crash" failed: Cannot read properties of undefined (reading 'deeper')`],
    ])
    const checks = faults.filter((i) => i.step === 'check')
    expect(checks.length).toBeGreaterThan(0)
    // The path is the sequence that met the fault, the action last: where to look, what to replay.
    for (const i of faults) expect(i.path).toMatch(new RegExp(`^(?:(?:create_product|crash|check) > )?${i.step}$`))
    for (const i of checks) {
      expect([i.severity, i.kind]).toEqual(['critical', 'assertion'])
      expect(i.error).toMatch(/^action "check" failed: GET \S+\/api\/products expected status 299, got 200/)
    }
  })

  it('puts a 409 to the last action of a violation down to what the sequence made, never to state leaked between paths', async () => {
    // leak_duplicate_sku: a second product of one SKU is refused with a 409, and kept all the same. Every
    // sequence starts from a restored checkpoint: the 409 is the first product's, made by the same sequence.
    const addWidget = action('add_widget', ({ http }) => http.post('/api/products', { json: { sku: 'W1', name: 'Widget', price: 100, stock: 1 } }))
    const onePerSku = invariant('one product per SKU', async ({ http }) => {
      const n = (await http.get('/api/products')).json().filter((p: { sku: string }) => p.sku === 'W1').length
      return n <= 1 || `${n} products with SKU W1`
    })
    const r = await exploreShop(shopExploration({ actions: [addWidget], invariants: [onePerSku], depth: 2 }), env)
    expect(r.violations.map((v) => v.sequence.map((s) => s.action))).toEqual([['add_widget', 'add_widget']])
    const issue = r.issues.find((i) => i.source === 'invariant:one product per SKU')
    expect(issue?.response?.status, JSON.stringify(r.issues)).toBe(409)
    expect(issue!.suggestion).toMatch(/^Conflict with what this sequence made, not state leaked between paths: every sequence of the exploration starts from a restored checkpoint/)
  })

  it('an exploration that took no action checked nothing: a critical issue, never a pass', async () => {
    const never = action('never', () => undefined, { when: () => false })
    const r = await exploreShop(shopExploration({ actions: [never], invariants: [], depth: 2 }), env)
    expect(r.stats.transitions).toBe(0)
    expect(r.status).toBe('failed')
    expect(r.issues.map((i) => [i.severity, i.error])).toContainEqual([
      'critical',
      'exploration "shop" took no action: none could run in the state after the setup, so no invariant was checked',
    ])
    // A budget used up before the first action is said as such, not put down to the actions' `when`.
    // A microsecond: the root's checkpoint alone takes longer, so no action can fit, however fast the machine.
    const hurried = await exploreShop(shopExploration({ invariants: [], depth: 2, budget: { timeMs: 0.001 } }), env)
    expect(hurried.stats.transitions).toBe(0)
    expect(hurried.status).toBe('failed')
    const said = hurried.issues.find((i) => i.error.includes('took no action'))
    expect(said).toMatchObject({
      severity: 'critical',
      error: 'exploration "shop" took no action: its time budget of 0.001 ms was used up before the first one, so no invariant was checked',
      suggestion: 'Give it a larger time budget (--time, or budget.timeMs): the setup and the first action must fit in it.',
    })
    // A shard whose part of the root is empty took none either, and that is no fault of the definition.
    const share = await exploreShop(shopExploration({ actions: [createProduct], invariants: [], depth: 1 }), env, { rootShare: { index: 2, total: 2 }, overrides: { seed: 1 } })
    expect(share.stats.transitions).toBe(0)
    expect(share.status).toBe('passed')
  })

  it('checks the invariants plugins add with api.addInvariant', async () => {
    const plugin = definePlugin({
      name: 'ship-answers-200',
      version: '1.0.0',
      apiVersion: PLUGIN_API_VERSION,
      setup(api) {
        api.addInvariant(invariant.response('ship answers 200', (res) => res.action !== 'ship' || res.status === 200 || `ship answered ${res.status}`))
      },
    })
    const r = await exploreShop(shopExploration({ invariants: [] }), env, { plugins: [plugin] })
    expect(actionsOf(r, 'ship answers 200')).toEqual([['create_product', 'create_order', 'refund', 'ship']])
    expect(byInvariant(r, 'ship answers 200')[0]!.message).toBe('ship answered 500')
  })

  it('loads action sources before it starts', async () => {
    const source: ActionSource = { kind: 'action-source', name: 'shop actions', load: async () => [createOrder, refund, ship] }
    const r = await exploreShop(shopExploration({ actions: [createProduct, source] }), env)
    expect(r.coverage.map((c) => c.action)).toEqual(['create_product', 'create_order', 'refund', 'ship'])
    expect(r.violations.length).toBe(2)
  })

  it('refuses action sources that give no action, before any request: nothing explored is not a pass', async () => {
    const empty: ActionSource = { kind: 'action-source', name: 'no actions', load: async () => [] }
    const before = await dumpDatabase(env.databaseUrl)
    // Without a state backend too: what the definition lacks is told first.
    for (const state of [undefined, false] as const) {
      const runner = shopRunner(env.databaseUrl, env.baseUrl, state === false ? { state } : {})
      try {
        const error = await explore(shopExploration({ actions: [empty, empty] }), { runner, root: process.cwd(), emitDir: false }).catch((e) => e)
        expect(error).toBeInstanceOf(DefinitionError)
        expect(error.message).toBe('exploration "shop": there is no action to explore: source "no actions", source "no actions" gave none')
      } finally {
        await runner.close()
      }
    }
    expect(await dumpDatabase(env.databaseUrl)).toBe(before)
  })

  /** The exploration (no dedupe) with Ctrl-C at the first progress `when` holds; the database must be as it was. */
  async function interruptedWhen(when: (p: { transitions: number; violations: number }) => boolean): Promise<ExplorationResult> {
    const before = await dumpDatabase(env.databaseUrl)
    const controller = new AbortController()
    const r = await exploreShop(shopExploration({ dedupe: false }), env, {
      signal: controller.signal,
      onProgress: (p) => {
        if (when(p)) controller.abort()
      },
    })
    expect(await dumpDatabase(env.databaseUrl)).toBe(before)
    expect(r.interrupted).toBe(true)
    return r
  }

  it('Ctrl-C mid-exploration: rolls back, releases, returns a partial result marked interrupted, the database as at the start', async () => {
    const r = await interruptedWhen((p) => p.transitions === 3)
    expect(r.stats.transitions).toBe(3)
  })

  it('Ctrl-C once a violation is met: it is reported as met, saying it was not shrunk or confirmed because the exploration was interrupted', async () => {
    const r = await interruptedWhen((p) => p.violations > 0)
    expect(r.violations.length).toBeGreaterThan(0)
    for (const v of r.violations) {
      expect(v.reproduced).toEqual({ attempts: 0, failures: 0 })
      expect(v.message).toMatch(/ \(not shrunk or confirmed: the exploration was interrupted\)$/)
    }
  })

  it('a crash once a violation is met: it is reported as met, saying it was not shrunk or confirmed because the exploration crashed, and how', async () => {
    const before = await dumpDatabase(env.databaseUrl)
    let violationMet = false
    // A when() that answers until a violation is met, then throws: the exploration crashes mid-search.
    const lookup = action('lookup', ({ http }) => http.get('/api/products'), {
      when: () => {
        if (violationMet) throw new Error('lookup table gone')
        return false
      },
    })
    const r = await exploreShop(shopExploration({ dedupe: false, actions: [createProduct, createOrder, refund, ship, lookup] }), env, {
      onProgress: (p) => {
        if (p.violations > 0) violationMet = true
      },
    })
    expect(await dumpDatabase(env.databaseUrl)).toBe(before)
    expect(r.issues.filter((i) => i.step === 'exploration').map((i) => i.error)).toEqual([expect.stringMatching(/^exploration crashed: action "lookup": when\(\) threw /)])
    expect(r.violations.length).toBeGreaterThan(0)
    for (const v of r.violations) {
      expect(v.reproduced).toEqual({ attempts: 0, failures: 0 })
      expect(v.message).toMatch(/ \(not shrunk or confirmed: the exploration crashed: action "lookup": when\(\) threw in the state .*: lookup table gone\)$/)
    }
  })

  it('prefix replay (reset to the root, replay the path) does the same search as rollback', async () => {
    const rollback = await exploreShop(shopExploration({ dedupe: false }), env)
    const replay = await exploreShop(shopExploration({ dedupe: false }), env, { prefixReplay: true })
    expect(outline(replay)).toEqual(outline(rollback))
    // It pays for it in requests: every path is sent again from the root.
    expect(replay.stats.requests).toBeGreaterThan(rollback.stats.requests)
  })

  it('prefix replay with no state backend: the action whose replay was answered otherwise is named, and the search stops there', async () => {
    // The API keeps what every path stored: replayed, create_product's fixed SKU is taken (409), and the
    // actions after it would fail for want of its id. The database is put back by a backend of the test's own.
    const guard = postgresState({ url: env.databaseUrl })
    await guard.connect()
    await guard.checkpoint('before')
    const runner = shopRunner(env.databaseUrl, env.baseUrl, { state: false })
    try {
      const r = await explore(shopExploration(), { runner, root: process.cwd(), emitDir: false, prefixReplay: true })
      expect(r.status).toBe('failed')
      const [diverged, ...others] = r.issues.filter((i) => i.severity === 'critical')
      expect(others).toEqual([])
      expect(diverged!.step).toBe('create_product')
      expect(diverged!.error).toMatch(
        /^prefix replay diverged at action "create_product", action 1 of create_product > create_order: replayed from the root it got HTTP 409 \(the action failed\) where the search had recorded HTTP 201 \(POST \S+\/api\/products expected status 201, got 409: \{"error":"sku_taken","field":"sku"\}\)\. The search stopped there/,
      )
      expect(diverged!.suggestion).toMatch(/^With no state backend the API keeps what earlier paths stored/)
      expect(diverged!.response?.status).toBe(409)
    } finally {
      await runner.close()
      await guard.rollback('before')
      await guard.disconnect()
    }
  })

  it('refuses to explore without a rollback-capable state backend, naming the fix, before any request', async () => {
    const runner = shopRunner(env.databaseUrl, env.baseUrl, { state: false })
    try {
      const error = await explore(shopExploration(), { runner, root: process.cwd(), emitDir: false }).catch((e) => e)
      expect(error).toBeInstanceOf(ConfigError)
      expect(error.message).toMatch(/needs a state backend that can roll back/)
      expect(error.message).toMatch(/@venomqa\/state-postgres/)
      expect(error.message).toMatch(/--prefix-replay/)
    } finally {
      await runner.close()
    }
  })

  it('a setup that fails is a failed exploration, not a search from a wrong root', async () => {
    const broken = [...setup.slice(0, 1), { ...setup[1]!, action: ({ http }: any) => http.post('/api/auth/login', { json: { email: 'nobody@shop.test', password: 'wrong-pw' } }) }]
    const r = await exploreShop(shopExploration({ setup: broken as typeof setup }), env)
    expect(r.status).toBe('failed')
    expect(r.stats.transitions).toBe(0)
    expect(r.issues[0]!.error).toMatch(/setup step "log_in" failed/)
  })

  it("a 409 in the setup is put down to a value the API keeps unique, not to state leaked between paths: the setup runs before any", async () => {
    // As a setup with a fixed email meets the user an earlier run left behind.
    const twice = [setup[0]!, { ...setup[0]!, name: 'sign_up_again', action: ({ http }: any) => http.post('/api/users', { json: { email: 'explorer@shop.test', password: 'secret-pw' } }) }]
    const r = await exploreShop(shopExploration({ setup: twice as typeof setup }), env)
    expect(r.status).toBe('failed')
    const [issue] = r.issues
    expect([issue!.step, issue!.response?.status]).toEqual(['sign_up_again', 409])
    expect(issue!.suggestion).toMatch(/^Conflict: the API already holds something with a value this request sends and it requires to be unique, most often a fixed one \(an email/)
    expect(issue!.suggestion).not.toContain('leaked')
  })
})
