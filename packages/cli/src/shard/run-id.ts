import { type ShardInfo, UserError } from '@venomqa/core'
import { type ShardFile, names } from './files'

/**
 * Where a shard finds the id of the run it is part of, the first one set winning: `VENOMQA_RUN_ID` (set
 * it anywhere, to the same value for every shard of a run), then the CI's own. GitHub's is the run's, not
 * the attempt's: "re-run failed jobs" makes a new attempt of the same run, whose shards merge with the
 * ones that passed the first time.
 */
export const RUN_ID_VARIABLES = ['VENOMQA_RUN_ID', 'GITHUB_RUN_ID', 'CI_PIPELINE_ID', 'BUILDKITE_BUILD_ID', 'CIRCLE_WORKFLOW_ID'] as const

/** The shard with the id of the run it is part of, when the environment names one. */
export function withRunId(shard: ShardInfo, env: Readonly<Record<string, string | undefined>>): ShardInfo {
  const from = RUN_ID_VARIABLES.find((name) => env[name]?.trim())
  return from ? { ...shard, runId: { value: env[from]!.trim(), from } } : shard
}

/**
 * The shards come from one run, as far as they can tell: files that name different runs (a stale
 * artifact of an earlier pipeline among this one's), or a file that names none among files that do,
 * are refused naming each file and its run. Merged, an earlier run's passing shard would stand in for
 * this run's failing one. Returns a warning when no file names its run, since then nothing can be told.
 */
export function checkOneRun(files: readonly ShardFile[]): string | undefined {
  const idOf = (f: ShardFile) => f.run.shard?.runId
  const runs = new Set(files.map((f) => (idOf(f) ? `${idOf(f)!.from}=${idOf(f)!.value}` : '')))
  if (runs.size === 1 && runs.has(''))
    return `${names(files)} record no run id (none of ${RUN_ID_VARIABLES.join(', ')} was set when they ran): merge-reports cannot tell whether they come from one run. Set VENOMQA_RUN_ID to one value for every shard of a run`
  if (runs.size === 1) return undefined
  const described = files.map((f) => {
    const id = idOf(f)
    return `${f.file} (${id ? `run ${id.value}, from ${id.from}` : 'no run id'})`
  })
  throw new UserError('E_MERGE', `the shards come from different runs: ${described.join(', ')}. Merge the files of one run only: an earlier run's shard left among them would stand in for this run's`, {
    where: files[0]!.file,
  })
}
