import type { SearchSpace } from './space'

/**
 * Depth-first over the stack of checkpoints: from dk, take each edge in turn, rolling back to dk before
 * the next; an edge that reached a new state below the depth limit is descended into first (checkpoint
 * d(k+1)). Returns true when some state at the limit could have been expanded further: a deeper pass
 * would find more.
 */
export async function dfs(space: SearchSpace, limit = space.maxDepth): Promise<boolean> {
  const k = space.depth
  let cutOff = false
  for (const edge of space.edges()) {
    if (space.stopped()) break
    await space.backTo(k)
    const result = await space.take(edge)
    if (result !== 'expand') continue
    if (k + 1 < limit) {
      await space.descend()
      cutOff = (await dfs(space, limit)) || cutOff
    } else cutOff = true
  }
  return cutOff
}
