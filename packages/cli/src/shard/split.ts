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
  if (!m || !Number.isSafeInteger(total) || total < 1)
    throw new UserError('E_SHARD', `--shard "${value}" is not a shard: write i/n with 1 <= i <= n, e.g. --shard 2/3`, { where: '--shard' })
  if (index < 1 || index > total) throw new UserError('E_SHARD', outOfRange(value, index, total), { where: '--shard' })
  return { index, total }
}

/**
 * The shard a `--shard` value names, or undefined when there is none or it does not parse: for what must
 * be done without refusing the value (taking a record away as the process stops), where a bad value names
 * no shard.
 */
export function shardOfFlag(value: string | undefined): ShardSpec | undefined {
  if (value === undefined) return undefined
  try {
    return parseShard(value)
  } catch {
    return undefined
  }
}

/**
 * A shard number past either end is most often a CI's own numbering put in as it is: CircleCI and Buildkite
 * count their parallel jobs from 0, so their first job asks for shard 0 and their last shard never runs.
 */
function outOfRange(value: string, index: number, total: number): string {
  if (index < 1)
    return `--shard "${value}": shards are numbered from 1 to ${total}, so the first is 1/${total}. A CI that numbers its parallel jobs from 0 (CircleCI's CIRCLE_NODE_INDEX, Buildkite's BUILDKITE_PARALLEL_JOB) needs 1 added: --shard $((CIRCLE_NODE_INDEX + 1))/$CIRCLE_NODE_TOTAL`
  if (total === 1) return `--shard "${value}": there is 1 shard, so the only one is 1/1`
  return `--shard "${value}": there are ${total} shards, numbered 1 to ${total}, so the last is ${total}/${total}`
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
