import { action, exploration } from '@venomqa/core'
import { createRunner } from '@venomqa/runner'
import { expect, it } from 'vitest'
import { explore } from '../src/index'

// No API and no state backend: actions that only count in the context, explored by prefix replay. What
// is checked is which root edges each share takes, which the search decides before any request.
const counting = exploration('shares', {
  actions: ['a', 'b', 'c', 'd', 'e'].map((name) => action(name, ({ ctx }) => void ctx.set(name, ((ctx.get(name) as number) ?? 0) + 1), { maxPerPath: 1 })),
  depth: 2,
  seed: 7,
  dedupe: false,
})

async function run(rootShare?: { index: number; total: number }) {
  const runner = createRunner({})
  try {
    const r = await explore(counting, { runner, root: process.cwd(), prefixReplay: true, emitDir: false, rootShare })
    return r
  } finally {
    await runner.close()
  }
}

it('rootShare: the shares take the root edges dealt in order, and together every transition of the whole search', async () => {
  const whole = await run()
  const shares = [await run({ index: 1, total: 2 }), await run({ index: 2, total: 2 })]
  // 5 root edges, each followed by the 4 others: 25 transitions, dealt 3 + 2 subtrees.
  expect(whole.stats.transitions).toBe(25)
  expect(shares.map((s) => s.stats.transitions)).toEqual([15, 10])
  const taken = (r: typeof whole) => Object.fromEntries(r.coverage.map((c) => [c.action, c.taken]))
  // Shard 1 has the subtrees of a, c and e: every action is taken once per subtree (at its root, or below another).
  expect(taken(shares[0]!)).toEqual({ a: 3, b: 3, c: 3, d: 3, e: 3 })
  expect(taken(shares[1]!)).toEqual({ a: 2, b: 2, c: 2, d: 2, e: 2 })
  expect(taken(whole)).toEqual({ a: 5, b: 5, c: 5, d: 5, e: 5 })
})
