import type { ExplorationResult } from '@venomqa/core'
import { explorationRun } from '@venomqa/fixtures'
import { describe, expect, it } from 'vitest'
import { checkShards, mergeExploration, mergeShards } from '../src/shard/merge'

// One exploration split over shards, one of which was interrupted before its part started: that part is
// in its shard's file (failed, not started), and says nothing of the parts the other shards explored.
const explored = explorationRun().explorations![1]!
const neverStarted: ExplorationResult = {
  ...explored,
  status: 'failed',
  interrupted: true,
  notStarted: true,
  truncated: undefined,
  stats: { transitions: 0, states: 0, merged: 0, requests: 0, transitionsPerSecond: 0, maxDepthReached: 0 },
  coverage: [],
  neverEnabled: [],
}

describe('mergeExploration with a part never started', () => {
  it('is failed and interrupted, but not "not started", when another shard explored its part', () => {
    const merged = mergeExploration([neverStarted, explored])
    expect([merged.status, merged.interrupted, merged.notStarted]).toEqual(['failed', true, undefined])
    expect(merged.stats.transitions).toBe(explored.stats.transitions)
    // Never enabled is judged on the parts that were searched.
    expect(merged.neverEnabled).toEqual(explored.neverEnabled)
    expect(explored.neverEnabled.length).toBeGreaterThan(0)
  })

  it('is not started when no shard started its part', () => {
    const merged = mergeExploration([neverStarted, neverStarted])
    expect([merged.status, merged.interrupted, merged.notStarted]).toEqual(['failed', true, true])
  })
})

describe('mergeExploration of shards that met one violation', () => {
  it('keeps its issue once, though each shard recorded it with its own response (a date header, an id)', () => {
    const issue = (date: string, timestamp: string) => ({
      journey: explored.name,
      path: 'main',
      step: 'invariant:no_leak_on_failed_create',
      severity: 'high' as const,
      kind: 'assertion' as const,
      error: 'createItem answered 400, yet listItems went from 0 items to 1 item',
      suggestion: 'replay the sequence',
      source: 'explore',
      request: { method: 'POST', url: 'http://127.0.0.1:4000/items', headers: {} },
      response: { status: 400, headers: { date }, body: { error: 'bad' } },
      timestamp,
    })
    const a = { ...explored, issues: [issue('Fri, 04 Dec 2026 12:00:00 GMT', '2026-12-04T12:00:00.100Z')] }
    const b = { ...explored, issues: [issue('Fri, 04 Dec 2026 12:00:01 GMT', '2026-12-04T12:00:01.300Z')] }
    expect(mergeExploration([a, b]).issues).toEqual(a.issues)
    // What it says still tells two issues apart.
    const other = { ...b, issues: [{ ...b.issues[0]!, error: 'createItem answered 400, yet listItems went from 3 items to 4 items' }] }
    expect(mergeExploration([a, other]).issues).toHaveLength(2)
  })
})

describe("mergeExploration's transitions per second", () => {
  it('is the transitions of all the shards over their search time together, as one search counts it: not the sum of their rates', () => {
    // 100 transitions in 10 s and 300 in 10 s: 400 in 20 s of search, 20/s (not 10 + 30 = 40/s).
    const a = { ...explored, stats: { ...explored.stats, transitions: 100, transitionsPerSecond: 10 } }
    const b = { ...explored, stats: { ...explored.stats, transitions: 300, transitionsPerSecond: 30 } }
    expect(mergeExploration([a, b]).stats.transitionsPerSecond).toBe(20)
    // A shard that made no transition took no part in the rate.
    expect(mergeExploration([a, neverStarted]).stats.transitionsPerSecond).toBe(10)
    expect(mergeExploration([neverStarted, neverStarted]).stats.transitionsPerSecond).toBe(0)
  })
})

describe('mergeExploration of the merges after a write', () => {
  it('adds up each shard’s merges by action, and leaves them out when no shard counted any by action', () => {
    const a = { ...explored, stats: { ...explored.stats, mergedAfterWrite: 3, mergedAfterWriteBy: { ship: 1, apply_coupon: 2 } } }
    const b = { ...explored, stats: { ...explored.stats, mergedAfterWrite: 2, mergedAfterWriteBy: { ship: 2 } } }
    expect(mergeExploration([a, b]).stats).toMatchObject({ mergedAfterWrite: 5, mergedAfterWriteBy: { ship: 3, apply_coupon: 2 } })
    // Shards saved before merges were counted by action.
    const old = { ...explored, stats: { ...explored.stats, mergedAfterWrite: 1 } }
    expect(mergeExploration([old, old]).stats.mergedAfterWriteBy).toBeUndefined()
  })

  it('adds up each shard’s merges after another input of an action, and leaves them out when no shard counted any', () => {
    const a = { ...explored, stats: { ...explored.stats, mergedAfterInputBy: { order: 1, create_product: 2 } } }
    const b = { ...explored, stats: { ...explored.stats, mergedAfterInputBy: { order: 2 } } }
    expect(mergeExploration([a, b]).stats.mergedAfterInputBy).toEqual({ order: 3, create_product: 2 })
    expect(mergeExploration([explored, explored]).stats.mergedAfterInputBy).toBeUndefined()
  })
})

describe('mergeExploration of the refusal an action is shown with', () => {
  it('keeps the least refusal any shard met, as one exploration keeps it', () => {
    const a = { ...explored, coverage: [{ action: 'refund', taken: 1, enabled: 1, refused: 0 }] }
    const b = { ...explored, coverage: [{ action: 'refund', taken: 2, enabled: 2, refused: 2, refusedExample: 'POST /api/orders/2/refund answered 404' }] }
    const c = { ...explored, coverage: [{ action: 'refund', taken: 2, enabled: 2, refused: 2, refusedExample: 'POST /api/orders/1/refund answered 404' }] }
    expect(mergeExploration([a, b, c]).coverage).toEqual([{ action: 'refund', taken: 5, enabled: 5, refused: 4, refusedExample: 'POST /api/orders/1/refund answered 404' }])
  })
})

describe("mergeExploration of a shard where an action's when() threw", () => {
  it('says it threw, as that shard said it, and lists it under no "never enabled"', () => {
    const threw = 'when() threw in the state at the root (before any action): boom'
    const stopped: ExplorationResult = {
      ...explored,
      status: 'failed',
      coverage: explored.coverage.map((c) => (c.action === 'delete_category' ? { ...c, threw } : c)),
      neverEnabled: [],
    }
    const merged = mergeExploration([explored, stopped])
    expect(merged.coverage.find((c) => c.action === 'delete_category')?.threw).toBe(threw)
    expect(merged.neverEnabled).toEqual([])
  })
})

describe("an exploration's split with a shard missing", () => {
  it('merges the parts there, failed, the missing shard an issue naming its part of each exploration', () => {
    const explorations = explorationRun().explorations!
    const order = explorations.map((x) => x.name)
    const shard = (index: number) => ({
      file: `shard-${index}.json`,
      run: { ...explorationRun(), journeys: [], shard: { index, total: 3, splitId: 'x', order } },
    })
    const merged = mergeShards(checkShards([shard(1), shard(3)]))
    expect(merged.status).toBe('failed')
    expect(merged.merged).toEqual({ shards: 2, splitId: 'x', missing: [2] })
    expect(merged.issues.filter((i) => i.source === 'merge').map((i) => i.error)).toEqual([
      `shard 2/3 is missing: its results were not among the files merged, so its part of explorations ${order.join(', ')} was not explored`,
    ])
  })
})
