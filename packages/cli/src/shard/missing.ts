import { type Issue, makeIssue, plural } from '@venomqa/core'
import { holdsExploration } from '../commands/explore-reports'
import { type Sharded, label } from './files'
import { dealShard } from './split'

/** A shard of the split none of the files holds, and what the split dealt it. */
export interface MissingShard {
  index: number
  total: number
  /** The journeys it was dealt, or, for an exploration's split, the explorations it had a part of. */
  ids: string[]
  exploration: boolean
}

/**
 * The shards of the split that none of the files holds (one file per shard, as checkShards gives them):
 * a CI machine that crashed, was cancelled or never uploaded its results. What each was to run is known
 * from the split the others recorded: the journeys dealt to it, or its part of every exploration.
 */
export function missingShards(shards: readonly Sharded[]): MissingShard[] {
  if (!shards.length) return []
  const { total, order } = shards[0]!.shard
  const given = new Set(shards.map((s) => s.shard.index))
  // Every shard of an exploration's split explores every exploration, each its part of the tree.
  const exploration = shards.some((s) => holdsExploration(s.run))
  return Array.from({ length: total }, (_, k) => k + 1)
    .filter((index) => !given.has(index))
    .map((index) => ({ index, total, exploration, ids: exploration ? [...order] : dealShard(order, (id) => id, { index, total }) }))
}

/** What the missing shard's absence leaves out: `its 2 journeys (a, b) were not run`. */
function leftOut(m: MissingShard): string {
  if (!m.ids.length) return 'it had no journey to run'
  if (m.exploration) return `its part of ${m.ids.length === 1 ? 'exploration' : 'explorations'} ${m.ids.join(', ')} was not explored`
  return `its ${plural(m.ids.length, 'journey')} (${m.ids.join(', ')}) ${m.ids.length === 1 ? 'was' : 'were'} not run`
}

/**
 * The missing shard as an issue of the merged run: critical, so the run fails (never merged green without
 * part of its journeys), and every report tells it (JUnit as an error case of the run suite).
 */
export function missingShardIssue(m: MissingShard): Issue {
  const shard = label(m)
  return makeIssue({
    journey: '',
    path: '',
    step: `shard ${shard}`,
    severity: 'critical',
    kind: 'aborted',
    error: `shard ${shard} is missing: its results were not among the files merged, so ${leftOut(m)}`,
    source: 'merge',
    suggestion: `The machine of shard ${shard} crashed, was cancelled or did not upload its results: run it again (venomqa run --shard ${shard} --save ...) and merge every shard's results; until then this merge is incomplete and fails.`,
  })
}

/** What the console says of a missing shard, with the files given: the merge goes on, and the run fails. */
export function missingShardMessage(m: MissingShard, shards: readonly Sharded[]): string {
  const given = shards.map((f) => `${label(f.shard)} ${f.file}`)
  return `shard ${label(m)} is missing (given: ${given.join(', ')}): the merged run is incomplete and fails; ${leftOut(m)}`
}
