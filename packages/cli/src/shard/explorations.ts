import { type Exploration, type ShardInfo, UserError } from '@venomqa/core'
import type { ExploreOverrides } from '../explorations/flags'
import { type ShardSpec, splitIdOf } from './split'

/**
 * What a sharded exploration records to be merged. Every shard runs every exploration, each on its
 * share of the root's edges; the edges and their inputs follow from the seed, so a shard is only the
 * same on every machine when the seed is: without a fixed one it is refused, not left to chance.
 */
export function explorationShard(explorations: readonly Exploration[], overrides: ExploreOverrides, spec: ShardSpec): ShardInfo {
  const settings = explorations.map((e) => {
    const seed = overrides.seed ?? e.seed
    if (seed === undefined)
      throw new UserError(
        'E_SHARD',
        `--shard needs the same seed on every machine, and exploration "${e.name}" has none: pass --seed (e.g. the CI pipeline's id) or set seed in the exploration`,
        { where: '--seed' },
      )
    return {
      name: e.name,
      seed,
      depth: overrides.depth ?? e.depth,
      strategy: overrides.strategy ?? e.strategy,
      dedupe: overrides.dedupe ?? e.dedupe,
      budget: { ...e.budget, ...overrides.budget },
    }
  })
  return { ...spec, splitId: splitIdOf({ explorations: settings }), order: explorations.map((e) => e.name) }
}
