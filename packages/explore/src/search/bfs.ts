import { dfs } from './dfs'
import type { SearchSpace } from './space'

/**
 * Iterative deepening: depth-first passes to depth 1, 2, ... up to the maximum, so the shortest
 * violations are met first, with the memory of a depth-first search. States are expanded again in
 * each pass (they were cut off at the previous limit). Stops early when a pass found nothing to expand
 * at its limit.
 */
export async function bfs(space: SearchSpace): Promise<void> {
  for (let limit = 1; limit <= space.maxDepth; limit++) {
    space.beginPass()
    const deeper = await dfs(space, limit)
    if (space.stopped()) return
    await space.backTo(0)
    if (!deeper) return
  }
}
