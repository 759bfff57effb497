import { readFile } from 'node:fs/promises'
import path from 'node:path'
import type { RunResult, ShardInfo } from '@venomqa/core'

/** A results file and the run it holds. */
export interface ShardFile {
  file: string
  run: RunResult
}

/** A results file saved with `--shard`. */
export type Sharded = ShardFile & { shard: ShardInfo }

/** `2/3`, as the user wrote the shard. */
export const label = (s: Pick<ShardInfo, 'index' | 'total'>) => `${s.index}/${s.total}`

/** The files' names, for an error that names them. */
export function names(files: readonly ShardFile[]): string {
  return files.map((f) => f.file).join(', ')
}

export function groupBy<T>(items: readonly T[], key: (item: T) => string): Map<string, T[]> {
  const out = new Map<string, T[]>()
  for (const item of items) {
    const k = key(item)
    const list = out.get(k)
    if (list) list.push(item)
    else out.set(k, [item])
  }
  return out
}

/**
 * Whether a file is a shard's results (`run --shard --save`, a rerun's too): the --save file left out of
 * a directory is the last merge, which holds none. A shard's file there is one of the files to merge, and
 * --save over it is refused rather than the shard removed as an earlier output.
 */
export async function holdsShard(file: string): Promise<boolean> {
  return (await topKeys(file)).shard
}

/**
 * Whether a file is an earlier merge's output (marked `merged`, see mergeShards): named on the line
 * (as a glob such as `shards/*.json` names the merge saved among the shards), it is refused, and the
 * messages say to give the directory, which leaves it out.
 */
export async function holdsMerge(file: string): Promise<boolean> {
  return (await topKeys(file)).merged
}

/** Which of the keys that tell a shard from a merge a results file holds as objects; none for a file that is not JSON. */
async function topKeys(file: string): Promise<{ shard: boolean; merged: boolean }> {
  try {
    const value = JSON.parse(await readFile(file, 'utf8')) as { shard?: unknown; merged?: unknown } | null
    const held = (v: unknown) => typeof v === 'object' && v !== null
    return { shard: held(value?.shard), merged: held(value?.merged) }
  } catch {
    return { shard: false, merged: false }
  }
}

/**
 * What to give instead of an earlier merge's output named on the line: a glob over the shards' directory
 * takes in the merge saved there (a CI step run again), and the directory leaves it out.
 */
export function giveDirectoryInstead(file: string): string {
  const dir = path.dirname(file)
  return `a glob such as ${path.join(dir, '*.json')} names it too: give the directory, ${dir}${path.sep}, which leaves an earlier merge out`
}
