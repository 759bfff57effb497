import { ConfigError, type ExplorationBudget, type SearchStrategy } from '@venomqa/core'

export interface ExploreValueFlags {
  depth?: string
  budget?: string
  time?: string
  seed?: string
  strategy?: string
  /** `--no-dedupe` false. */
  dedupe?: boolean
}

export interface ExploreOverrides {
  depth?: number
  seed?: number
  strategy?: SearchStrategy
  budget?: ExplorationBudget
  dedupe?: boolean
}

/** The search settings given on the command line, checked; errors name the flag. */
export function parseExploreFlags(flags: ExploreValueFlags): ExploreOverrides {
  const out: ExploreOverrides = {}
  if (flags.depth !== undefined) out.depth = wholeNumber(flags.depth, '--depth', 1)
  // Any whole number, as a definition's `seed` may be: a seed printed by a run (`seed -3`) runs again from here.
  if (flags.seed !== undefined) out.seed = integer(flags.seed, '--seed')
  if (flags.strategy !== undefined) {
    if (!['dfs', 'bfs', 'random'].includes(flags.strategy))
      throw new ConfigError(`--strategy must be dfs, bfs or random, got "${flags.strategy}"`, { where: '--strategy' })
    out.strategy = flags.strategy as SearchStrategy
  }
  const budget: ExplorationBudget = {}
  if (flags.budget !== undefined) budget.transitions = wholeNumber(flags.budget, '--budget', 1)
  if (flags.time !== undefined) budget.timeMs = duration(flags.time, '--time')
  if (Object.keys(budget).length) out.budget = budget
  if (flags.dedupe === false) out.dedupe = false
  return out
}

/** `--workers n`: how many workers explore each exploration at once (undefined: the definition's, else 1). */
export function parseWorkersFlag(text: string | undefined): number | undefined {
  return text === undefined ? undefined : wholeNumber(text, '--workers', 1)
}

function wholeNumber(text: string, flag: string, min: number): number {
  const n = Number(text)
  if (!/^\d+$/.test(text.trim()) || !Number.isSafeInteger(n) || n < min)
    throw new ConfigError(`${flag} must be a whole number of ${min} or more, got "${text}"`, { where: flag })
  return n
}

function integer(text: string, flag: string): number {
  const n = Number(text)
  if (!/^\s*-?\d+\s*$/.test(text) || !Number.isSafeInteger(n)) throw new ConfigError(`${flag} must be a whole number, got "${text}"`, { where: flag })
  return n
}

const UNITS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 }

/** `500ms`, `60s`, `2m`, `1h`; a plain number is seconds. */
export function duration(text: string, flag: string): number {
  const m = /^(\d+(?:\.\d+)?)(ms|s|m|h)?$/.exec(text.trim())
  const ms = m ? Math.round(Number(m[1]) * UNITS[m[2] ?? 's']!) : Number.NaN
  if (!m || !(ms > 0)) throw new ConfigError(`${flag} must be a duration such as 500ms, 60s or 2m (a plain number is seconds), got "${text}"`, { where: flag })
  return ms
}
