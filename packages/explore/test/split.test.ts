import { type ExplorationOptions, action, exploration, invariant } from '@venomqa/core'
import { createRunner } from '@venomqa/runner'
import { describe, expect, it } from 'vitest'
import { type ExploreOptions, explore } from '../src/index'
import { Split } from '../src/split'

// No API and no state backend: actions that only count in the context, explored by prefix replay, so
// what is checked is how the tree is dealt among explorers and merged again, which the search decides
// before any request. Workers need a workerSetup; these have nothing to start.
const noSystem = { create: async () => ({ baseUrl: 'http://127.0.0.1:1' }) }

const counter = (name: string, options: Parameters<typeof action>[2] = {}) =>
  action(name, ({ ctx }) => void ctx.set(name, ((ctx.get(name) as number) ?? 0) + 1), { maxPerPath: 1, ...options })

/** Five actions from the root, each followed by the four others: 25 transitions to depth 2. */
const wide = exploration('wide', { actions: ['a', 'b', 'c', 'd', 'e'].map((n) => counter(n)), depth: 2, seed: 7, dedupe: false })

/**
 * One edge out of the root (open), then four: the root's edges alone would keep one worker busy. With
 * `c` then `d` on a path, the invariant breaks: met from several places, shrunk to [open, c, d].
 */
const narrowly = (strategy: ExplorationOptions['strategy'] = 'dfs') =>
  exploration('narrow', {
    actions: [counter('open'), ...['a', 'b', 'c', 'd'].map((n) => counter(n, { when: (v) => v.ctx.has('open') }))],
    invariants: [invariant('d never after c', ({ ctx }) => !(ctx.has('c') && ctx.has('d')) || 'c then d', { after: ['d'] })],
    depth: 4,
    seed: 3,
    dedupe: false,
    strategy,
  })
const narrow = narrowly()

/**
 * Two bugs that break one invariant with one last action (d), with one message: after b, and after c
 * following a. Each is met from several places; each must be reported, at its own minimal sequence.
 */
const twoBugs = (strategy: ExplorationOptions['strategy'] = 'dfs') =>
  exploration('two-bugs', {
    actions: [
      counter('open'),
      ...['a', 'b', 'd'].map((n) => counter(n, { when: (v) => v.ctx.has('open') })),
      action('c', ({ ctx }) => void ctx.set(ctx.has('a') ? 'a then c' : 'c', true), { maxPerPath: 1, when: (v) => v.ctx.has('open') }),
    ],
    invariants: [invariant('d is safe', ({ ctx }) => !(ctx.has('b') || ctx.has('a then c')) || 'd ran where it is not safe', { after: ['d'] })],
    depth: 5,
    seed: 3,
    dedupe: false,
    strategy,
  })

async function run(e: typeof wide, options: Pick<ExploreOptions, 'workers' | 'rootShare' | 'overrides'> = {}) {
  const runner = createRunner({ workerSetup: noSystem })
  try {
    return await explore(e, { runner, root: process.cwd(), prefixReplay: true, emitDir: false, ...options })
  } finally {
    await runner.close()
  }
}

/** What must be the same however the search was shared. */
const outline = (r: Awaited<ReturnType<typeof run>>) => ({
  transitions: r.stats.transitions,
  states: r.stats.states,
  merged: r.stats.merged,
  maxDepthReached: r.stats.maxDepthReached,
  coverage: r.coverage,
  neverEnabled: r.neverEnabled,
  truncated: r.truncated,
  violations: r.violations.map((v) => ({ id: v.id, invariant: v.invariant, message: v.message, foundLength: v.foundLength, sequence: v.sequence.map((s) => s.action) })),
})

describe('Split: dealing the tree among explorers', () => {
  const explorers = (levels: number[]) => {
    const all: number[][] = [[]]
    for (const total of levels) all.splice(0, all.length, ...all.flatMap((p) => Array.from({ length: total }, (_, i) => [...p, i + 1])))
    return all.map((idx) => ({ idx, split: new Split(idx.map((index, l) => ({ index, total: levels[l]! }))) }))
  }

  it('with enough edges, edge k goes to explorer k mod n alone, as --shard has always dealt the root', () => {
    const [one, two, three] = explorers([3]).map((e) => e.split)
    const groups = one!.deal(one!.root(), 7)
    expect(groups.map((g) => [1, 2, 3].find((i) => [one, two, three][i - 1]!.mine(g)))).toEqual([1, 2, 3, 1, 2, 3, 1])
    for (const g of groups) expect([one, two, three].filter((s) => s!.mine(g))).toHaveLength(1)
  })

  it('with fewer edges than explorers, each edge goes to a run of neighbours, recorded by its first', () => {
    const all = explorers([5])
    const [first] = all
    const groups = first!.split.deal(first!.split.root(), 2)
    expect(groups).toEqual([[[1, 3]], [[4, 5]]])
    expect(all.filter((e) => e.split.mine(groups[0]!)).map((e) => e.idx[0])).toEqual([1, 2, 3])
    expect(all.filter((e) => e.split.records(groups[0]!)).map((e) => e.idx[0])).toEqual([1])
    // One level down, the run of three deals the next edges among itself.
    expect(first!.split.deal(groups[0]!, 4)).toEqual([[[1, 1]], [[2, 2]], [[3, 3]], [[1, 1]]])
  })

  it('shards split first and each shard among its workers: every edge of every level is recorded exactly once', () => {
    const all = explorers([2, 3])
    const root = all[0]!.split.root()
    // Walk three levels of a tree with 1, then 4, then 2 edges per state: each edge is recorded once.
    const walk = (group: typeof root, fanouts: number[]): void => {
      if (!fanouts.length) return
      for (const g of all[0]!.split.deal(group, fanouts[0]!)) {
        expect(all.filter((e) => e.split.records(g))).toHaveLength(1)
        expect(all.some((e) => e.split.mine(g))).toBe(true)
        walk(g, fanouts.slice(1))
      }
    }
    walk(root, [1, 4, 2])
    // Whatever the workers, a shard's part of the tree is the same: the shards' level is dealt first.
    const shardOnly = explorers([2])
    for (const [k, g] of shardOnly[0]!.split.deal(shardOnly[0]!.split.root(), 5).entries()) {
      const shard = shardOnly.find((e) => e.split.mine(g))!.idx[0]
      const withWorkers = all[0]!.split.deal(root, 5)[k]!
      expect(all.filter((e) => e.split.mine(withWorkers)).every((e) => e.idx[0] === shard)).toBe(true)
    }
  })
})

describe('exploration on several workers, merged', () => {
  it('the root edges dealt among 2 and 3 workers: the merged counts and coverage are the one-worker run', async () => {
    const one = await run(wide)
    expect(one.stats.transitions).toBe(25)
    // No state backend: prefix replay, said once as info, with the fix rather than a failed backend's advice.
    expect(one.issues.map((i) => [i.severity, i.step, i.suggestion])).toEqual([
      ['info', 'state', expect.stringMatching(/^Add a state backend that can roll back the system under test .* so that every path starts from the same state\.$/)],
    ])
    for (const workers of [2, 3]) {
      const r = await run(wide, { workers })
      expect(outline(r), `${workers} workers`).toEqual(outline(one))
      expect(r.workers?.map((w) => w.worker)).toEqual(Array.from({ length: workers }, (_, i) => i))
      // Each worker took its subtrees: 5 roots dealt 2 + 2 + 1 (or 3 + 2), 5 transitions each.
      expect(r.workers?.map((w) => w.transitions)).toEqual(workers === 2 ? [15, 10] : [10, 10, 5])
    }
  })

  it('more workers than root edges: a subtree is shared one level down, recorded once, and the violation merges to the one-worker result', async () => {
    const one = await run(narrow)
    expect(one.violations.map((v) => v.sequence.map((s) => s.action))).toEqual([['open', 'c', 'd']])
    for (const workers of [2, 4, 7]) {
      const r = await run(narrow, { workers })
      expect(outline(r), `${workers} workers`).toEqual(outline(one))
      // Every worker had a part below the one root edge: with 7, pairs of them share the four subtrees
      // below it, and each pair deals the next level between its two.
      expect(
        r.workers!.filter((w) => w.transitions > 0),
        `${workers} workers`,
      ).toHaveLength(workers)
    }
  })

  it('two bugs with one invariant and last action: both reported at their minimal sequences, on any number of workers', async () => {
    for (const strategy of ['dfs', 'bfs'] as const) {
      const one = await run(twoBugs(strategy))
      expect(
        one.violations.map((v) => v.sequence.map((s) => s.action)),
        strategy,
      ).toEqual([
        ['open', 'b', 'd'],
        ['open', 'a', 'c', 'd'],
      ])
      // Whichever worker met which, each waits for what it is judged by: the violations are the one-worker
      // ones, in the same order (and with dfs, everything else too).
      for (const workers of [2, 4, 7]) {
        const r = outline(await run(twoBugs(strategy), { workers }))
        if (strategy === 'dfs') expect(r, `${workers} workers`).toEqual(outline(one))
        else expect(r.violations, `${strategy}, ${workers} workers`).toEqual(outline(one).violations)
      }
    }
  })

  it('the same seed on the same workers gives the same result twice in a row, with every strategy', async () => {
    for (const strategy of ['dfs', 'bfs', 'random'] as const) {
      const e = narrowly(strategy)
      const [a, b] = [await run(e, { workers: 3 }), await run(e, { workers: 3 })]
      expect(outline(a), strategy).toEqual(outline(b))
      expect(a.workers!.map((w) => w.transitions), strategy).toEqual(b.workers!.map((w) => w.transitions))
    }
  })

  it('a shard on workers explores the same part as the shard alone', async () => {
    const alone = await run(narrow, { rootShare: { index: 2, total: 2 } })
    const onWorkers = await run(narrow, { rootShare: { index: 2, total: 2 }, workers: 3 })
    expect(outline(onWorkers)).toEqual(outline(alone))
  })

  it("a shard lists as never enabled only what no state it passed through allowed, not what another shard counted", async () => {
    // `narrow` has one edge out of the root (open): a shard of 3 whose share starts below it runs open
    // without counting it, and counts some of a to d. None of them was ever unavailable.
    for (const index of [1, 2, 3]) {
      const shard = await run(narrow, { rootShare: { index, total: 3 } })
      expect(shard.neverEnabled, `shard ${index}/3`).toEqual([])
      for (const c of shard.coverage) if (c.taken > 0) expect(shard.neverEnabled).not.toContain(c.action)
    }
    // An action no state allows is still listed, by every shard.
    const withNever = exploration('narrow-never', { actions: [...narrow.actions, counter('never', { when: () => false })], depth: 3, seed: 3, dedupe: false })
    for (const index of [1, 2]) expect((await run(withNever, { rootShare: { index, total: 2 } })).neverEnabled).toEqual(['never'])
  })

  it('a transitions budget is shared: together the workers take the budget, and the result names the whole of it', async () => {
    const r = await run(wide, { workers: 3 })
    expect(r.truncated).toBeUndefined()
    const cut = await run(wide, { workers: 3, overrides: { budget: { transitions: 8 } } })
    expect(cut.truncated).toEqual({ reason: 'transitions', limit: 8 })
    expect(cut.workers!.map((w) => w.transitions)).toEqual([3, 3, 2])
    expect(cut.stats.transitions).toBe(8)
  })

  it('a budget is dealt among shards as among workers: the shards merged take the budget, each naming the whole of it', async () => {
    const results = []
    for (const index of [1, 2, 3]) results.push(await run(wide, { rootShare: { index, total: 3 }, overrides: { budget: { transitions: 8 } } }))
    expect(results.map((r) => r.stats.transitions)).toEqual([3, 3, 2])
    for (const r of results) expect(r.truncated).toEqual({ reason: 'transitions', limit: 8 })
    // A shard on workers takes the same share, dealt again among its workers.
    const onWorkers = await run(wide, { rootShare: { index: 1, total: 3 }, workers: 2, overrides: { budget: { transitions: 8 } } })
    expect(onWorkers.stats.transitions).toBe(3)
    expect(onWorkers.workers!.map((w) => w.transitions)).toEqual([2, 1])
  })

  it('workers > 1 with no workerSetup is refused before anything runs, naming the fix', async () => {
    const runner = createRunner({})
    try {
      await expect(explore(wide, { runner, root: process.cwd(), prefixReplay: true, emitDir: false, workers: 2 })).rejects.toThrow(/would run on 2 workers, but no workerSetup is configured.*postgresWorkers/)
    } finally {
      await runner.close()
    }
    expect(() => exploration('bad', { actions: wide.actions, workers: 0 })).toThrow(/workers must be a whole number of 1 or more, got 0/)
  })
})
