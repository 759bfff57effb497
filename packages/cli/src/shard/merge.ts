import {
  type ActionCoverage,
  type ExplorationResult,
  type Issue,
  RESULTS_SCHEMA_VERSION,
  type RunResult,
  type Status,
  type TimingStats,
  UserError,
  plural,
  runStatusOf,
  summarize,
} from '@venomqa/core'
import { type ShardFile, type Sharded, giveDirectoryInstead, groupBy, label, names } from './files'
import { issuesOfRuns } from './issues'
import { missingShardIssue, missingShards } from './missing'
import { withReruns } from './reruns'
import { dealShard, journeyId } from './split'
import { splitDifference } from './split-difference'

export type { ShardFile } from './files'

/** What to give merge-reports instead of a merge's output. */
const GIVE_SHARDS = "give the shards' own files, which venomqa run --shard i/n --save wrote"

/**
 * The files to merge without the outputs of earlier merges (marked `merged`, see mergeShards): a merge
 * holds no shard, and every journey it has is in the shards' own files. One found in a directory given
 * (the last merge saved beside the shards, a CI step run again on the same workspace) is left out with a
 * warning naming it: re-merging the same directory is what the step means, and a shard that is missing
 * still fails the merged run. One named on the line is refused (exit 2): the user took it for a shard, and a
 * merge built on it would not be what they meant. Left with nothing, the merge is refused naming them.
 */
export function leaveOutMerges(files: readonly ShardFile[], fromDirectory: (file: string) => boolean, warn: (message: string) => void): ShardFile[] {
  const merges = files.filter((f) => f.run.merged !== undefined && f.run.merged !== null)
  const ofMerge = (f: ShardFile) => {
    const shards = f.run.merged?.shards
    return `${f.file} is the output of an earlier merge-reports${Number.isSafeInteger(shards) ? ` (of ${plural(shards!, 'shard')})` : ''}, not a shard`
  }
  const named = merges.find((f) => !fromDirectory(f.file))
  if (named) throw new UserError('E_MERGE', `${ofMerge(named)}: ${GIVE_SHARDS} (${giveDirectoryInstead(named.file)})`, { where: named.file })
  const rest = files.filter((f) => !merges.includes(f))
  if (!rest.length && merges.length)
    throw new UserError('E_MERGE', `no results files to merge: ${names(merges)} ${merges.length === 1 ? 'is the output of an earlier merge-reports, not a shard' : 'are the outputs of earlier merges, not shards'}: ${GIVE_SHARDS}`, {
      where: merges[0]!.file,
    })
  for (const f of merges) warn(`${ofMerge(f)}: left out of this merge`)
  return rest
}

/**
 * Check that the files are shards of one split, once each. Anything else is a usage error naming the
 * files. A shard none of them holds is not: its machine crashed or was cancelled, and the merge of the
 * others is what the reports should show, failed for the shard it lacks (see missingShards, mergeShards).
 */
export function checkShards(files: readonly ShardFile[]): Sharded[] {
  if (!files.length) throw new UserError('E_MERGE', 'no results files to merge: give the files (or a directory of them) that venomqa run --shard ... --save wrote')
  const unsharded = files.filter((f) => !f.run.shard)
  if (unsharded.length)
    throw new UserError('E_MERGE', `${names(unsharded)} ${unsharded.length === 1 ? 'is not a shard: it was' : 'are not shards: they were'} saved without --shard`, { where: unsharded[0]!.file })
  for (const f of files) checkShardField(f)
  const sharded: Sharded[] = files.map((f) => ({ ...f, shard: f.run.shard! }))

  const splits = groupBy(sharded, (f) => `${f.shard.splitId}/${f.shard.total}`)
  if (splits.size > 1) {
    const groups = [...splits.values()]
    const described = groups.map((group) => `${names(group)} (split ${group[0]!.shard.splitId} in ${group[0]!.shard.total})`)
    const how = splitDifference(groups[0]!, groups[1]!)
    const general = 'Merge the shards of one run, with the same journeys, filters and settings'
    const advice = !how ? general : how.fix ? how.text : `${how.text}. ${general}`
    throw new UserError('E_MERGE', `the files come from different splits: ${described.join('; ')}. ${advice}`, {
      where: sharded[0]!.file,
    })
  }

  refuseRepeatedJourneys(sharded)
  // A shard's whole run, with any --last-failed reruns of it put over it: one file's worth each.
  const byIndex = new Map([...groupBy(sharded, (f) => String(f.shard.index))].map(([index, group]) => [index, withReruns(group)]))
  const ordered = [...byIndex.values()].sort((a, b) => a.shard.index - b.shard.index)
  checkEveryPart(ordered)
  checkSameRepeats(ordered)
  return ordered
}

/**
 * A file's `shard` as `run --shard --save` writes it: every field the merge groups, orders and counts by.
 * One that is broken (edited, or written by another tool) is refused naming the file and the field,
 * rather than told as a split of its own ("split undefined in undefined") or as a missing shard.
 */
function checkShardField({ file, run }: ShardFile): void {
  const fail = (message: string): never => {
    throw new UserError('E_RESULTS', `${file}: ${message}`, { where: file })
  }
  const shard = run.shard as unknown as Record<string, unknown>
  if (typeof shard !== 'object' || Array.isArray(shard)) fail('shard must be an object, as venomqa run --shard saves it')
  const { index, total, splitId, order, runId, commit, filesHash, emitted } = shard
  const whole = (n: unknown): n is number => typeof n === 'number' && Number.isSafeInteger(n)
  if (!whole(total) || total < 1) fail(`shard.total must be a whole number of at least 1, got ${shown(total)}`)
  if (!whole(index) || index < 1 || index > (total as number)) fail(`shard.index must be a whole number from 1 to shard.total (${total}), got ${shown(index)}`)
  if (typeof splitId !== 'string') fail('shard.splitId must be a string')
  if (!Array.isArray(order) || order.some((id) => typeof id !== 'string')) fail('shard.order must be a list of strings')
  const id = runId as { value?: unknown; from?: unknown } | null | undefined
  if (id !== undefined && (!id || typeof id !== 'object' || typeof id.value !== 'string' || typeof id.from !== 'string'))
    fail('shard.runId must be { value, from }, two strings')
  const made = commit as { value?: unknown; from?: unknown } | null | undefined
  if (made !== undefined && (!made || typeof made !== 'object' || typeof made.value !== 'string' || typeof made.from !== 'string'))
    fail('shard.commit must be { value, from }, two strings')
  if (filesHash !== undefined && typeof filesHash !== 'string') fail('shard.filesHash must be a string')
  if (emitted !== undefined && (!Array.isArray(emitted) || emitted.some((file) => typeof file !== 'string'))) fail('shard.emitted must be a list of strings')
}

/** A value from a file in a message: short, and on one line. */
function shown(value: unknown): string {
  const text = JSON.stringify(value) ?? String(value)
  return text.length > 40 ? `${text.slice(0, 37)}...` : text
}

/**
 * Each journey is in one shard's files, once (once per repetition, `--repeat-each`): a split deals every
 * journey to one shard, and a `--last-failed` rerun holds journeys of its own shard only. A journey found
 * twice (a file edited, or copied from another shard's and given a shard of its own) would count twice in
 * the totals; and neither result can be taken for the other: keep the one that passed and a failure is
 * hidden, keep the one that failed and a file that is not what its shard ran decides the verdict. So it is
 * refused, naming the journey, both files and what each says of it. A shard's whole run and its reruns
 * hold the same journeys by design (see withReruns).
 */
function refuseRepeatedJourneys(files: readonly Sharded[]): void {
  const seen = new Map<string, { file: Sharded; status: string }>()
  for (const file of files) {
    const inFile = new Set<string>()
    for (const j of file.run.journeys) {
      const id = journeyId(j.file, j.name)
      const key = `${id}\u0000${j.repeatEachIndex ?? 0}`
      const repetition = j.repeatEachIndex === undefined ? '' : ` (repetition ${j.repeatEachIndex + 1})`
      if (inFile.has(key))
        throw new UserError('E_MERGE', `${file.file} holds journey ${id}${repetition} twice: a run saves each journey once; merge the files the shards saved, not edited ones`, {
          where: file.file,
        })
      inFile.add(key)
      const before = seen.get(key)
      if (before && before.file.shard.index !== file.shard.index)
        throw new UserError(
          'E_MERGE',
          `journey ${id}${repetition} is in the files of two shards: ${before.file.file} (shard ${label(before.file.shard)}, ${before.status}) and ${file.file} (shard ${label(file.shard)}, ${j.status}). A split runs each journey in one shard: one of the files was edited or copied from another shard's; merge the files the shards saved`,
          { where: file.file },
        )
      if (!before) seen.set(key, { file, status: j.status })
    }
  }
}

/**
 * Every shard ran its journeys the same number of times (`--repeat-each`): merged, a journey run three
 * times beside one run once would weigh three times in the totals, and the merged run would be none
 * that `venomqa run` makes. A shard with no journey says nothing.
 */
function checkSameRepeats(shards: readonly Sharded[]): void {
  const times = (s: Sharded) => Math.max(0, ...s.run.journeys.map((j) => (j.repeatEachIndex ?? 0) + 1))
  const counted = shards.filter((s) => times(s) > 0)
  const byTimes = groupBy(counted, (s) => String(times(s)))
  if (byTimes.size <= 1) return
  const described = [...byTimes.entries()].map(([n, group]) => `${group.map((s) => `${label(s.shard)} ${s.file}`).join(', ')} ${n === '1' ? 'once' : `${n} times`}`)
  throw new UserError('E_MERGE', `the shards ran their journeys a different number of times (--repeat-each): ${described.join('; ')}. Run every shard with the same --repeat-each`, {
    where: counted[0]!.file,
  })
}

/**
 * Every journey and exploration of the split is in the file of the shard it was dealt to. A file can hold
 * less than its part: `--last-failed` saves only the journeys it reran. Merged, the rest would be neither
 * run nor missed, and the run could pass without them. What a missing shard was dealt is told as its own
 * (see missingShards).
 */
function checkEveryPart(shards: readonly Sharded[]): void {
  const held = new Set(shards.flatMap(({ run }) => [...run.journeys.map((j) => journeyId(j.file, j.name)), ...(run.explorations ?? []).map((x) => x.name)]))
  const order = shards[0]!.shard.order
  const ofMissing = new Set(missingShards(shards).flatMap((m) => (m.exploration ? [] : m.ids)))
  const absent = order.filter((id) => !held.has(id) && !ofMissing.has(id))
  if (!absent.length) return
  const shardOf = (id: string) => shards.find((s) => dealShard(order, (x) => x, s.shard).includes(id))
  const described = absent.map((id) => {
    const s = shardOf(id)
    return `${id}${s ? ` (shard ${label(s.shard)}, ${s.file})` : ''}`
  })
  throw new UserError(
    'E_MERGE',
    `${plural(absent.length, 'journey')} of the split ${absent.length === 1 ? 'is' : 'are'} in no file: ${described.join(', ')}. A shard saved with --last-failed holds only what it reran: merge the results of each shard's whole run`,
    { where: shardOf(absent[0]!)?.file },
  )
}

/** How the merged run is judged: as `venomqa run` judges one (see mergedRunStatus). */
export interface MergeOptions {
  /** A flaky journey fails the merged run (`--fail-on-flaky`, `failOnFlaky`). */
  failOnFlaky?: boolean
}

/**
 * The shards as one run: journeys and explorations in the unsharded order, each exploration's parts
 * joined into one, what every shard met told once (see issuesOfRuns), and the totals counted again. The
 * shards ran side by side, so the run took as long as its slowest shard. A shard of the split that is not
 * there is a critical issue of the run (see missingShardIssue), and `merged.missing` lists it: the run is
 * incomplete, and fails.
 */
export function mergeShards(shards: readonly Sharded[], options: MergeOptions = {}): RunResult {
  const order = shards[0]!.shard.order
  const runs = shards.map((s) => s.run)
  // Repetitions (`--repeat-each`) come round by round, as an unsharded run makes them: every journey's
  // first, then every journey's second.
  const journeys = inOrder(
    runs.flatMap((r) => r.journeys),
    (j) => journeyId(j.file, j.name),
    order,
    (j) => j.repeatEachIndex ?? 0,
  )
  const explorations = [...groupBy(runs.flatMap((r) => r.explorations ?? []), (x) => x.name).values()].map(mergeExploration)
  const missing = missingShards(shards)
  const issues = [...issuesOfRuns(runs.map((r) => r.issues)), ...missing.map(missingShardIssue)]
  return {
    schemaVersion: RESULTS_SCHEMA_VERSION,
    tool: runs[0]!.tool,
    startedAt: runs.map((r) => r.startedAt).sort()[0]!,
    finishedAt: runs.map((r) => r.finishedAt).sort().at(-1)!,
    durationMs: Math.max(...runs.map((r) => r.durationMs)),
    status: mergedRunStatus(journeys, explorations, issues, options),
    interrupted: runs.some((r) => r.interrupted),
    backends: [...groupBy(runs.flatMap((r) => r.backends), (b) => JSON.stringify([b.worker ?? 0, b.name])).values()].map((g) => g[0]!),
    journeys,
    explorations: inOrder(explorations, (x) => x.name, order),
    issues,
    summary: summarize(journeys, issues, explorations),
    // Said in the file: given to merge again, it is told from a run saved without --shard (see leaveOutMerges).
    merged: { shards: shards.length, splitId: shards[0]!.shard.splitId, ...(missing.length ? { missing: missing.map((m) => m.index) } : {}) },
  }
}

/**
 * One exploration explored by several shards, each on its part of the tree (see @venomqa/explore's
 * Split). A transition, an action's coverage or a violation is recorded by one shard only, so with
 * `dedupe: false` the sums are the unsharded search's (with merging on, each shard merges only the states
 * it has seen). A shard counts the distinct states of its own part: one reached in two parts counts twice.
 */
export function mergeExploration(parts: readonly ExplorationResult[]): ExplorationResult {
  if (parts.length === 1) return parts[0]!
  // What each shard's own workers did belongs to that shard's run, not to the merged one. A shard that
  // never started its part says nothing of the parts the others explored.
  const { workers: _, notStarted: __, ...first } = parts.find((x) => !x.notStarted) ?? parts[0]!
  const notStarted = parts.every((x) => x.notStarted)
  const sum = (pick: (s: ExplorationResult['stats']) => number) => parts.reduce((t, x) => t + pick(x.stats), 0)
  const truncated = parts.find((x) => x.truncated)?.truncated
  const interrupted = parts.some((x) => x.interrupted)
  return {
    ...first,
    status: mergedStatus(parts.map((x) => x.status)),
    startedAt: parts.map((x) => x.startedAt).sort()[0]!,
    durationMs: Math.max(...parts.map((x) => x.durationMs)),
    ...(truncated ? { truncated } : {}),
    ...(interrupted ? { interrupted } : {}),
    ...(notStarted ? { notStarted } : {}),
    stats: {
      transitions: sum((s) => s.transitions),
      // Each shard counts the states it reached; one reached by two shards is counted twice.
      states: sum((s) => s.states),
      merged: sum((s) => s.merged),
      mergedAfterWrite: sum((s) => s.mergedAfterWrite ?? 0),
      ...mergedAfterWriteBy(parts.map((x) => x.stats.mergedAfterWriteBy ?? {})),
      ...mergedAfterInputBy(parts.map((x) => x.stats.mergedAfterInputBy ?? {})),
      requests: sum((s) => s.requests),
      // What an unsharded exploration's rate is: transitions per second of search, here all the shards'
      // transitions over all their search time. Their sum would be a speed no search had, and one the
      // shards only made at once if they ran at the same time.
      transitionsPerSecond: searchRate(parts.map((x) => x.stats)),
      maxDepthReached: Math.max(...parts.map((x) => x.stats.maxDepthReached)),
    },
    timings: {
      rollback: mergeTimings(parts.map((x) => x.timings.rollback)),
      observe: mergeTimings(parts.map((x) => x.timings.observe)),
    },
    coverage: mergeCoverage(parts.map((x) => x.coverage)),
    // Never enabled anywhere means in none of the shards' parts of the search (a part never started has none).
    neverEnabled: first.neverEnabled.filter((a) => parts.every((x) => x.notStarted || x.neverEnabled.includes(a))),
    violations: [...groupBy(parts.flatMap((x) => x.violations), (v) => v.id).values()].map((g) => g[0]!),
    issues: issuesOfRuns(parts.map((x) => x.issues)),
  }
}

/**
 * The shards' transitions over their search time together, rounded as an exploration rounds its own rate.
 * Each shard's search time is what its rate was made from (its transitions over it); a shard that made no
 * transition, or saved no rate, searched for no time that can be known and is left out.
 */
function searchRate(stats: readonly ExplorationResult['stats'][]): number {
  let transitions = 0
  let seconds = 0
  for (const s of stats)
    if (s.transitions > 0 && s.transitionsPerSecond > 0) {
      transitions += s.transitions
      seconds += s.transitions / s.transitionsPerSecond
    }
  return seconds > 0 ? Math.round((transitions / seconds) * 10) / 10 : 0
}

/**
 * The merged run's status, judged again from what it holds, as `venomqa run` and `venomqa explore` judge
 * theirs: failed when a journey failed or was not run, an exploration failed, or an issue is critical;
 * and, with `failOnFlaky`, when a journey is flaky. A shard's own status is not taken as it is: a shard
 * saved with `--fail-on-flaky` says failed for a flaky journey, and it is the merge's setting that decides.
 */
function mergedRunStatus(
  journeys: RunResult['journeys'],
  explorations: readonly ExplorationResult[],
  issues: readonly Issue[],
  options: MergeOptions,
): RunResult['status'] {
  if (explorations.some((x) => x.status === 'failed')) return 'failed'
  return runStatusOf(journeys, issues, { failOnFlaky: options.failOnFlaky })
}

function mergedStatus(statuses: readonly Status[]): Status {
  if (statuses.includes('failed')) return 'failed'
  return statuses.every((s) => s === 'skipped') ? 'skipped' : 'passed'
}

/**
 * Timings of one backend from several shards. Count and max are exact; the percentiles are the shards'
 * weighted by their counts, since the samples themselves are not saved.
 */
function mergeTimings(all: readonly Record<string, TimingStats>[]): Record<string, TimingStats> {
  const out: Record<string, TimingStats> = {}
  for (const [name, stats] of groupBy(all.flatMap((t) => Object.entries(t)), ([name]) => name)) {
    const list = stats.map(([, s]) => s)
    const count = list.reduce((t, s) => t + s.count, 0)
    const weighted = (pick: (s: TimingStats) => number) => (count ? Math.round((list.reduce((t, s) => t + pick(s) * s.count, 0) / count) * 1000) / 1000 : 0)
    out[name] = { count, p50: weighted((s) => s.p50), p95: weighted((s) => s.p95), max: Math.max(...list.map((s) => s.max)) }
  }
  return out
}

function mergeCoverage(all: readonly ActionCoverage[][]): ActionCoverage[] {
  return [...groupBy(all.flat(), (c) => c.action).values()].map((list) => {
    // A hook that threw in one shard threw: said once, as that shard said it.
    const threw = list.find((c) => c.threw !== undefined)?.threw
    // The least in text order, as one unsharded exploration keeps it.
    const refusedExample = list.flatMap((c) => (c.refusedExample === undefined ? [] : [c.refusedExample])).sort()[0]
    return {
      ...list[0]!,
      taken: list.reduce((t, c) => t + c.taken, 0),
      enabled: list.reduce((t, c) => t + c.enabled, 0),
      refused: list.reduce((t, c) => t + c.refused, 0),
      ...(threw !== undefined ? { threw } : {}),
      ...(refusedExample !== undefined ? { refusedExample } : {}),
    }
  })
}

/**
 * Put items in the split's order, within each `round` first when given; anything the order does not name
 * (a newer writer's extra) goes last.
 */
function inOrder<T>(items: readonly T[], idOf: (item: T) => string, order: readonly string[], round: (item: T) => number = () => 0): T[] {
  const rank = new Map(order.map((id, k) => [id, k]))
  const at = (item: T) => rank.get(idOf(item)) ?? order.length
  return [...items].sort((a, b) => round(a) - round(b) || at(a) - at(b))
}

/** Every shard's merges after a write by action, added up; nothing when no shard counted any. */
function mergedAfterWriteBy(counts: readonly Record<string, number>[]): { mergedAfterWriteBy?: Record<string, number> } {
  const out = sumCounts(counts)
  return out ? { mergedAfterWriteBy: out } : {}
}

/** Every shard's merges after another input of an action, by action, added up; nothing when none. */
function mergedAfterInputBy(counts: readonly Record<string, number>[]): { mergedAfterInputBy?: Record<string, number> } {
  const out = sumCounts(counts)
  return out ? { mergedAfterInputBy: out } : {}
}

function sumCounts(counts: readonly Record<string, number>[]): Record<string, number> | undefined {
  // No prototype: an action may be named `constructor` or `__proto__`.
  const out: Record<string, number> = Object.create(null)
  for (const byName of counts) for (const [name, n] of Object.entries(byName)) out[name] = (out[name] ?? 0) + n
  return Object.keys(out).length ? out : undefined
}
