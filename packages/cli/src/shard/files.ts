import { readFile } from 'node:fs/promises'
import type { RunResult, ShardInfo } from '@venomqa/core'

/** A results file and the run it holds. */
export interface ShardFile {
  file: string
  run: RunResult
}

/** A results file saved with `--shard`. */
export type Sharded = ShardFile & { shard: ShardInfo }

/** `2/3`, as the user wrote the shard. */
export const label = (s: ShardInfo) => `${s.index}/${s.total}`

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
  try {
    const shard = (JSON.parse(await readFile(file, 'utf8')) as { shard?: unknown } | null)?.shard
    return typeof shard === 'object' && shard !== null
  } catch {
    return false
  }
}
