import { type Exploration, type ExplorationBudget, type SearchStrategy, validateExploration } from '@venomqa/core'
import type { ExploreOptions } from './contracts'
import { randomSeed } from './rng'

export interface SearchSettings {
  depth: number
  strategy: SearchStrategy
  seed: number
  dedupe: boolean
  budget: ExplorationBudget
}

/** The definition's settings with the command line's overrides, checked by the definition's own rules. */
export function resolveSettings(e: Exploration, overrides: ExploreOptions['overrides'] = {}): SearchSettings {
  const defined = <K extends keyof NonNullable<ExploreOptions['overrides']>>(k: K) => (overrides[k] !== undefined ? overrides[k] : e[k])
  const merged: Exploration = {
    ...e,
    depth: defined('depth')!,
    strategy: defined('strategy')!,
    seed: defined('seed'),
    dedupe: defined('dedupe')!,
    budget: { ...e.budget, ...overrides.budget },
  }
  validateExploration(merged)
  return { depth: merged.depth, strategy: merged.strategy, seed: merged.seed ?? randomSeed(), dedupe: merged.dedupe, budget: merged.budget }
}
