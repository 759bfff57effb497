import type { ShardInfo } from '@venomqa/core'
import type { LoadedJourney } from '../journeys/load'
import { type ShardSpec, compareIds, dealShard, journeyId, splitIdOf } from './split'

/**
 * This shard's part of the selected journeys (by file and name, dealt so shards differ by one journey
 * at most) and what its results record to be merged: the split's id and the unsharded order.
 */
export function journeyShard<T extends Pick<LoadedJourney, 'journey' | 'file'>>(selected: readonly T[], spec: ShardSpec): { journeys: T[]; shard: ShardInfo } {
  const idOf = (j: T) => journeyId(j.file, j.journey.name)
  const order = selected.map(idOf)
  return {
    journeys: dealShard(selected, idOf, spec),
    shard: { ...spec, splitId: splitIdOf({ journeys: [...order].sort(compareIds) }), order },
  }
}
