import { createHash } from 'node:crypto'
import { UserError } from '@venomqa/core'

/** `--shard 2/3`: the second of three parts. */
export interface ShardSpec {
  /** 1-based. */
  index: number
  total: number
}

/** Parse `i/n` (1 <= i <= n); anything else is a usage error naming the flag. */
export function parseShard(value: string): ShardSpec {
  const m = /^\s*(\d+)\s*\/\s*(\d+)\s*$/.exec(value)
  const index = m ? Number(m[1]) : Number.NaN
  const total = m ? Number(m[2]) : Number.NaN
  // Past 2^53 a number is rounded: `1/99999999999999999999` would be read as another split than the one written.
  if (!m || !Number.isSafeInteger(total) || total < 1 || index < 1 || index > total)
    throw new UserError('E_SHARD', `--shard "${value}" is not a shard: write i/n with 1 <= i <= n, e.g. --shard 2/3`, { where: '--shard' })
  return { index, total }
}

/** A journey's id in a split: its file (with forward slashes, so every OS agrees) and its name. */
export function journeyId(file: string | undefined, name: string): string {
  return `${(file ?? '').replaceAll('\\', '/')}#${name}`
}

/**
 * Deal the items to the shards like cards, in sorted order: item k of the sorted list goes to shard
 * (k mod n) + 1, so shard sizes differ by one at most and every machine deals the same way. Returns this
 * shard's items in their original order.
 */
export function dealShard<T>(items: readonly T[], idOf: (item: T) => string, shard: ShardSpec): T[] {
  const sorted = [...items.map(idOf)].sort(compareIds)
  const mine = new Set(sorted.filter((_, k) => k % shard.total === shard.index - 1))
  return items.filter((item) => mine.has(idOf(item)))
}

/** The split's identity: a short hash of what was split, the same on every machine for the same input. */
export function splitIdOf(what: unknown): string {
  return createHash('sha256').update(JSON.stringify(what)).digest('hex').slice(0, 16)
}

/** Code-unit order, not the locale's: a machine's language must not change the split. */
export function compareIds(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0
}
