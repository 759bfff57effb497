import path from 'node:path'
import { firstFew, plural } from '@venomqa/core'
import { holdsExploration } from '../commands/explore-reports'
import { type Sharded, names } from './files'

/** Whether a shard's file holds an exploration's results (`explore --shard`) or a run's (`run --shard`). */
function commandOf(f: Sharded): 'explore' | 'run' {
  return holdsExploration(f.run) ? 'explore' : 'run'
}

/** An exploration's settings that make its split, as its results record them. */
function settingsOf(f: Sharded): Map<string, string> {
  return new Map((f.run.explorations ?? []).map((e) => [e.name, `seed ${e.seed}, depth ${e.depth}, ${e.strategy}${e.dedupe === false ? ', dedupe off' : ''}`]))
}

/** Where `venomqa explore --emit` writes by default: @venomqa/explore's, not imported, since merge-reports loads no exploration code. */
const DEFAULT_EMIT_DIR = 'journeys/regressions'

/**
 * Which journeys `venomqa explore --emit` wrote: one that a machine's split has and another's lacks was
 * written by an exploration on that machine (`explore --shard` finds a violation in one machine's part of
 * the search only), and never committed. A shard records the files it found written so (ShardInfo.emitted),
 * wherever `--emit <dir>` put them; one saved before it recorded them is known by the default directory.
 */
function regressionJourneys(shards: readonly Sharded[]): (id: string) => boolean {
  const files = new Set(shards.flatMap((f) => f.shard.emitted ?? []))
  return (id) => {
    const file = id.slice(0, id.lastIndexOf('#'))
    return files.has(file) || file.startsWith(`${DEFAULT_EMIT_DIR}/`)
  }
}

/** The directories the regression journeys are in, as the user is told them: `journeys/regressions/`, `a/ and b/`. */
function directoriesOf(ids: readonly string[]): string {
  const dirs = [...new Set(ids.map((id) => path.posix.dirname(id.slice(0, id.lastIndexOf('#')))))]
  return firstFew(dirs.map((d) => `${d}/`), 3)
}

/** What the user is told of two splits: `fix` says what to do; without it, the general advice follows. */
export interface SplitDifference {
  text: string
  fix: boolean
}

/**
 * How the split of `other` differs from the split of `first` (files of two splits, see checkShards), said
 * so that the user knows which machine to fix: a hash alone ("split 3f0c… in 3") tells that they differ,
 * not that one job ran `explore` and another `run`, or was given another n, or selected other journeys.
 */
export function splitDifference(first: readonly Sharded[], other: readonly Sharded[]): SplitDifference | undefined {
  const a = first[0]!
  const b = other[0]!
  const these = names(other)
  if (commandOf(a) !== commandOf(b))
    return {
      text: `${these} ${other.length === 1 ? 'holds' : 'hold'} the results of venomqa ${commandOf(b)} --shard, ${names(first)} of venomqa ${commandOf(a)} --shard: merge each with a merge-reports of its own (and a --save and reports of its own)`,
      fix: true,
    }
  if (a.shard.total !== b.shard.total)
    return {
      text: `${these} ${other.length === 1 ? 'was' : 'were'} split in ${b.shard.total} (--shard i/${b.shard.total}), ${names(first)} in ${a.shard.total}: give every machine the same n in --shard i/n`,
      fix: true,
    }
  const inA = new Set(a.shard.order)
  const inB = new Set(b.shard.order)
  const more = b.shard.order.filter((id) => !inA.has(id))
  const fewer = a.shard.order.filter((id) => !inB.has(id))
  const what = commandOf(a) === 'explore' ? 'exploration' : 'journey'
  if (more.length || fewer.length) {
    const parts = [
      more.length ? `has ${plural(more.length, what)} the other's has not (${firstFew(more, 5)})` : '',
      fewer.length ? `lacks ${plural(fewer.length, what)} of the other's (${firstFew(fewer, 5)})` : '',
    ].filter(Boolean)
    const differ = `The split of ${these} ${parts.join(' and ')}`
    const isRegression = regressionJourneys([...first, ...other])
    const regressions = what === 'journey' ? [...more, ...fewer].filter(isRegression) : []
    if (regressions.length === more.length + fewer.length) {
      const one = regressions.length === 1
      const machines = more.length && fewer.length ? `machines of ${these} and of ${names(first)}, each its own` : `machine of ${more.length ? these : names(first)} only`
      return {
        text: `${differ}: venomqa explore --emit writes the regression journeys of the violations it finds into ${directoriesOf(regressions)}, and wrote ${one ? 'this one' : 'these'} on the ${machines}. Commit ${one ? 'it' : 'them'} to the repository, or delete ${one ? 'it' : 'them'}, before the machines run venomqa run --shard, so that every machine deals the same journeys`,
        fix: true,
      }
    }
    const emitted = regressions.length ? ` (those under ${directoriesOf(regressions)} venomqa explore --emit wrote on one machine: commit them or delete them before the machines run venomqa run --shard)` : ''
    return {
      text: `${differ}: the machines selected other ${what}s (another --grep, --tag or names, or other ${what} files)${emitted}`,
      fix: false,
    }
  }
  const settingsA = settingsOf(a)
  const changed = [...settingsOf(b)].filter(([name, s]) => settingsA.get(name) !== s)
  if (changed.length)
    return {
      text: `${changed.map(([name, s]) => `exploration "${name}" ran with ${s} in ${these}, with ${settingsA.get(name)} in ${names(first)}`).join('; ')}: give every machine the same --seed and settings`,
      fix: false,
    }
  return undefined
}
