import type { SearchStrategy } from '@venomqa/core'
import type { FoundViolation } from './explorer'
import { type FoundEntry, type FoundViolations, comparePositions, mergeEntry } from './violations'

/** A violation to settle and the lane (worker) whose search met it. */
export interface FoundOnLane {
  found: FoundViolation
  lane: number
}

/**
 * The violations every lane's search met, as one search would have them: one per (invariant, last
 * action), the shortest sequence kept (of equal ones, the first in depth-first order), in the order one
 * depth-first search meets them (iterative deepening: shortest first). Positions are the same in every
 * lane, so the result does not depend on which lane was faster; each is shrunk on the lane that met it.
 * One lane's list is kept as its search met it.
 */
export function mergeFound(lanes: readonly FoundViolations[], strategy: SearchStrategy): FoundOnLane[] {
  if (lanes.length === 1) return lanes[0]!.entries().map((e) => ({ found: e.found, lane: 0 }))
  const byKey = new Map<string, FoundEntry & { lane: number }>()
  for (const [lane, found] of lanes.entries())
    for (const entry of found.entries()) {
      const known = byKey.get(entry.key)
      if (!known) byKey.set(entry.key, { ...entry, lane })
      else if (mergeEntry(known, entry)) known.lane = lane
    }
  const order = (e: FoundEntry) => (strategy === 'bfs' ? [e.found.sequence.length, ...e.found.position] : e.first)
  return [...byKey.values()].sort((a, b) => comparePositions(order(a), order(b))).map((e) => ({ found: e.found, lane: e.lane }))
}
