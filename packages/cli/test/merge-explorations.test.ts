import type { ExplorationResult } from '@venomqa/core'
import { explorationRun } from '@venomqa/fixtures'
import { describe, expect, it } from 'vitest'
import { mergeExploration } from '../src/shard/merge'

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
