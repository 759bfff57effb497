import { type RunResult, errorMessage, firstFew, nameOnOneLine, plural } from '@venomqa/core'
import { type Io, warn } from '../exit'
import { LAST_RUN_DIR, LAST_RUN_FILE, type LastRunRead, type ShardNumber, lastRunFile, putLastRun, selectLastFailed } from '../last-run'
import { journeyId } from '../shard/split'

/** How the messages of `--last-failed` name the run whose record they go by. */
interface Told {
  /** Said first: the shards' records it read, when it combined them; else nothing. */
  lead: string
  /** `the last run`, `the last run of shard 2/3`, or `them` (the shards' runs). */
  name: string
  /** The shard's record file, said beside its name: it is not the one a whole run reads. */
  file?: string
  /** Said of a run that was interrupted. */
  interrupted: string
  /** When it finished. */
  finished(at: string): string | undefined
}

/** `base (a, b)`, or `base` when there is nothing to say in the parentheses. */
function withDetails(base: string, details: readonly (string | undefined)[]): string {
  const said = details.filter((d): d is string => !!d)
  return said.length ? `${base} (${said.join(', ')})` : base
}

const shardsOf = (shards: readonly ShardNumber[]) => `${shards.length === 1 ? 'shard' : 'shards'} ${shards.map((s) => `${s.index}/${s.total}`).join(', ')}`

function toldOf(read: Extract<LastRunRead, { record: unknown }>): Told {
  switch (read.kind) {
    case 'whole':
      return { lead: '', name: 'the last run', interrupted: 'interrupted', finished: (at) => (at ? `finished ${at}` : undefined) }
    case 'shard':
      return {
        lead: '',
        name: `the last run of shard ${read.shard.index}/${read.shard.total}`,
        file: read.read[0].file,
        interrupted: 'interrupted',
        finished: (at) => (at ? `finished ${at}` : undefined),
      }
    case 'shards':
      return {
        lead: `read the records of ${shardsOf(read.read.map((r) => r.record.shard ?? shardOfFile(r.file)))} (${read.read.map((r) => r.file).join(', ')}): `,
        name: 'them',
        interrupted: 'one was interrupted',
        finished: (at) => (at ? `the last finished ${at}` : undefined),
      }
  }
}

/** The shard a record file is of, by its name (`last-run.shard-2-of-3.json`). */
function shardOfFile(file: string): ShardNumber {
  const m = /shard-(\d+)-of-(\d+)\.json$/.exec(file)
  return { index: Number(m?.[1]), total: Number(m?.[2]) }
}

/**
 * Why journeys run that did not fail: the recorded run (a shard's) never ran them. The split changed
 * since (a journey added, removed or renamed, or other filters): they may have failed in another shard.
 */
function notRunWhy(who: 'it' | 'they', count: number, shard: ShardNumber | undefined): string {
  const now = shard ? `dealt to shard ${shard.index}/${shard.total} now` : 'selected now'
  return `${who} did not run ${count === 1 ? 'one' : count} of the journeys ${now} (the journeys were added, removed or renamed since, or other filters given)`
}

/**
 * `--last-failed`: the selected journeys that failed in the last run (a whole run's, this shard's, or every
 * shard's combined, see readLastRun), and which run that was (its results record it, so that
 * merge-reports can put a shard's rerun over that shard's run). It says on stderr what it read and what it
 * runs. When nothing failed, or when none of the failures is selected now, it returns undefined: nothing
 * runs and the exit code is 0. When there is no record, a shard's is missing, or the last run failed with
 * no journey to blame, every selected journey runs: not knowing what failed must not pass.
 */
export function lastFailedOnly<T extends { journey: { name: string }; file: string }>(
  selected: readonly T[],
  read: LastRunRead,
  shard: ShardNumber | undefined,
  io: Io,
): { items: T[]; rerunOf?: RunResult['rerunOf'] } | undefined {
  const say = (m: string) => io.stderr.write(`venomqa: --last-failed: ${m}\n`)
  const everything = { items: [...selected], rerunOf: undefined }
  if (read.kind === 'none') {
    // Not knowing is not "nothing failed": a fresh CI machine, or a last run that was killed or crashed
    // (it takes the record away as it starts). Running nothing would pass on it.
    say(
      read.shard
        ? `no record of a finished last run of shard ${read.shard.index}/${read.shard.total} (${lastRunFile(read.shard)} is written when a run of it ends; a run that was killed, crashed or stopped on a mistake leaves none): running every selected journey`
        : // A CI merge job has the shards' results but no record: merge-reports writes none, as a record
          // of the merged run beside the config would replace a developer's own run's (docs/cli.md).
          `no record of a finished last run (${LAST_RUN_FILE} is written when a run ends; a run that was killed, crashed or stopped on a mistake leaves none, and merge-reports writes none: to rerun the failures of merged shards, bring their ${LAST_RUN_DIR}/last-run.shard-i-of-n.json records here, or run --shard i/n --last-failed where each shard ran): running every selected journey`,
    )
    return everything
  }
  if (read.kind === 'shards-missing') {
    // A shard with no record may have failed anything: its journeys cannot be told from those that passed.
    const missing = read.missing
    say(
      `read the records of ${shardsOf(read.read.map((r) => r.record.shard ?? shardOfFile(r.file)))} (${read.read.map((r) => r.file).join(', ')}), but not of ${shardsOf(missing)} (${missing.map((s) => lastRunFile(s)).join(', ')}): what failed in ${missing.length === 1 ? 'it' : 'them'} is not known: running every selected journey`,
    )
    return everything
  }
  const told = toldOf(read)
  const picked = selectLastFailed(selected, read.record, shard)
  const lastRun = read.record
  const run = (...details: (string | undefined)[]) => withDetails(told.name, [told.file, ...details])
  switch (picked.kind) {
    case 'no-record':
      return everything
    case 'other-shard': {
      // Another shard's record says nothing of this shard's journeys: "nothing failed" there would pass here.
      const shardName = (s?: ShardNumber) => (s ? `shard ${s.index}/${s.total}` : 'a whole run, not a shard')
      say(`${told.lead}the last run here was ${shardName(lastRun.shard)}, this one is ${shardName(shard)}: running every selected journey`)
      return everything
    }
    case 'none-failed':
      say(`${told.lead}no journey failed in ${run(told.finished(lastRun.finishedAt))}: nothing to run`)
      return undefined
    case 'run-failed':
      // Running nothing would pass where the last run failed: everything selected runs again instead.
      say(
        `${told.lead}${withDetails(`${read.kind === 'shards' ? 'one of them' : told.name} failed`, [told.file, told.finished(lastRun.finishedAt)])} though no journey of it did (a plugin, a reporter or a state backend failed it): running every selected journey`,
      )
      return { items: picked.items, rerunOf: { finishedAt: lastRun.finishedAt } }
    case 'none-selected':
      say(`${told.lead}none of the journeys that failed in ${run()} (${firstFew(lastRun.failedJourneys.map(nameOnOneLine), 10)}) is among those selected now: nothing to run`)
      return undefined
    case 'not-run': {
      // The split changed since: journeys the recorded shards never ran are dealt here now.
      const why = notRunWhy(read.kind === 'shards' ? 'they' : 'it', picked.items.length, shard)
      const before = picked.failedElsewhere
        ? `none of the journeys that failed in ${run()} (${firstFew(lastRun.failedJourneys.map(nameOnOneLine), 10)}) is among those selected now`
        : `no journey failed in ${run()}`
      say(`${told.lead}${before}, but ${why}: running those: ${firstFew(picked.items.map((x) => nameOnOneLine(x.journey.name)), 10)}`)
      return { items: picked.items, rerunOf: { finishedAt: lastRun.finishedAt } }
    }
    case 'selected': {
      const skippedIds = new Set(lastRun.skippedJourneys)
      const skipped = picked.items.filter((x) => skippedIds.has(journeyId(x.file, x.journey.name))).length
      const failures = picked.items.length - picked.notRun - skipped
      const notRun = picked.notRun ? `, and ${notRunWhy(read.kind === 'shards' ? 'they' : 'it', picked.notRun, shard)}` : ''
      say(
        `${told.lead}running ${theFailedAndSkipped(failures, skipped)}${lastRun.interrupted ? ' or never finished' : ''} in ${run(lastRun.interrupted ? told.interrupted : undefined)}${notRun}: ${firstFew(picked.items.map((x) => nameOnOneLine(x.journey.name)), 10)}`,
      )
      return { items: picked.items, rerunOf: { finishedAt: lastRun.finishedAt } }
    }
  }
}

/**
 * `the 2 journeys that failed`, and apart from them those a fail-fast stop skipped, which never ran:
 * `the journey that failed and the 3 that --fail-fast skipped`. Counted as failures, a rerun said it ran
 * 8 failed journeys after one failure.
 */
function theFailedAndSkipped(failures: number, skipped: number): string {
  const journeys = (n: number) => (n === 1 ? 'the journey' : `the ${plural(n, 'journey')}`)
  if (!skipped) return `${journeys(failures)} that failed`
  if (!failures) return `${journeys(skipped)} that --fail-fast skipped`
  return `${journeys(failures)} that failed and ${skipped === 1 ? 'the one' : `the ${skipped}`} that --fail-fast skipped`
}

/**
 * Put back the records `--last-failed` read, when it ran nothing (nothing had failed): the run took them
 * away as it started, and without them the next `--last-failed` would run every journey.
 */
export async function putBackRecords(root: string, read: LastRunRead, io: Io): Promise<void> {
  if (read.kind === 'none') return
  for (const { file, record } of read.read) await putLastRun(root, file, record).catch((err) => warn(io, `could not put back the record of the last run, ${file}: ${errorMessage(err)}`))
}
