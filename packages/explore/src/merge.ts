import type { Logger, SearchStrategy } from '@venomqa/core'
import type { FoundViolation } from './explorer'
import { type FoundEntry, type FoundFamily, type FoundViolations, compareMeetings, comparePositions, keepMeeting } from './violations'

/** A violation to settle, the lane (worker) whose search met it, and its message's shape. */
export interface FoundOnLane {
  found: FoundViolation
  lane: number
  shape: string
}

type LaneEntry = FoundEntry & { lane: number }

/**
 * The violations every lane's search met, as one search would have them: the meetings of each
 * (invariant, last action) that FoundViolations keeps, kept again over every lane by the same rule (which
 * does not depend on the order meetings come in), so the result does not depend on which lane was faster.
 * The (invariant, last action)s come in the order one depth-first search meets them (iterative deepening:
 * shortest first); the meetings of each, shortest first (then in depth-first order), the order they are
 * settled in (see settleViolations). Positions are the same in every lane; each is shrunk on the lane
 * that met it. One lane's (invariant, last action)s are kept in the order its search met them.
 */
export function mergeFound(lanes: readonly FoundViolations[], strategy: SearchStrategy, logger?: Logger): FoundOnLane[] {
  const byKey = new Map<string, FoundFamily<LaneEntry>>()
  for (const [lane, found] of lanes.entries())
    for (const family of found.families()) {
      let known = byKey.get(family.key)
      if (!known) byKey.set(family.key, (known = { ...family, entries: [], dropped: 0 }))
      else if (comparePositions(family.first, known.first) < 0) known.first = family.first
      for (const entry of family.entries) keepMeeting(known, { ...entry, lane }, logger)
    }
  const families = [...byKey.values()]
  for (const f of families) f.entries.sort(compareMeetings)
  if (lanes.length > 1) {
    const order = (f: FoundFamily<LaneEntry>) => (strategy === 'bfs' ? [f.entries[0]!.found.sequence.length, ...f.entries[0]!.found.position] : f.first)
    families.sort((a, b) => comparePositions(order(a), order(b)))
  }
  return families.flatMap((f) => f.entries.map((e) => ({ found: e.found, lane: e.lane, shape: e.shape })))
}
