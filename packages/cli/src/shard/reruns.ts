import { type JourneyResult, type RunResult, UserError, plural, settleAttempts } from '@venomqa/core'
import { type Sharded, label, names } from './files'
import { issuesOfRuns } from './issues'
import { neverFinished } from '../last-run'
import { journeyId } from './split'

/**
 * One shard's files as one: its whole run, then each `--last-failed` rerun of it, in the order they ran.
 *
 * A rerun records which run's failures it reran (`rerunOf`, that run's `finishedAt`, from the record
 * `--last-failed` read), so the files make a chain: the whole run, the rerun of its failures, the rerun
 * of that one's, and so on. Each journey a rerun holds replaces the one before, with the earlier results
 * kept as its earlier attempts: one that failed, then passed in a rerun, is flaky, as it is when a
 * journey retry passes. A rerun that does not follow from the given files (another pipeline's, or one
 * whose predecessor was not saved) is refused: put over the wrong run, it could hide a failure.
 */
export function withReruns(group: readonly Sharded[]): Sharded {
  const whole = group.filter((f) => !f.run.rerunOf)
  const reruns = group.filter((f) => f.run.rerunOf)
  const shard = label(group[0]!.shard)
  if (whole.length > 1) throw new UserError('E_MERGE', `shard ${shard} is given twice: ${names(whole)}`, { where: whole[1]!.file })
  if (!whole.length)
    throw new UserError(
      'E_MERGE',
      `shard ${shard} has only ${plural(reruns.length, '--last-failed rerun')} (${names(reruns)}): give the shard's whole run too, and merge the reruns with it`,
      { where: reruns[0]!.file },
    )

  let run = whole[0]!.run
  let pending = reruns
  for (;;) {
    const finishedAt = run.finishedAt
    const next = pending.filter((f) => f.run.rerunOf!.finishedAt === finishedAt)
    if (!next.length) break
    if (next.length > 1)
      throw new UserError('E_MERGE', `${names(next)} each rerun the failures of one run of shard ${shard} (finished ${finishedAt}): give one of them`, { where: next[1]!.file })
    refuseOtherRepeats(run, next[0]!, shard)
    run = overlay(run, next[0]!.run)
    pending = pending.filter((f) => f !== next[0])
  }
  if (pending.length) {
    const chain = [whole[0]!, ...reruns.filter((f) => !pending.includes(f))].map((f) => `${f.file} finished ${f.run.finishedAt}`).join(', ')
    throw new UserError(
      'E_MERGE',
      `${names(pending)} ${pending.length === 1 ? 'reruns' : 'rerun'} the failures of a run of shard ${shard} that finished ${pending[0]!.run.rerunOf!.finishedAt}, which is none of the files given (${chain}): merge one pipeline's files, each shard's whole run with the reruns saved after it`,
      { where: pending[0]!.file },
    )
  }
  return { ...whole[0]!, run }
}

/**
 * A rerun holds each journey it reran as many times as the run before it did (`--repeat-each`): each
 * repetition is put over the same one. Run another number of times, a failed repetition would have
 * nothing to go over, or would be dropped, and the merge could pass without it.
 */
function refuseOtherRepeats(run: RunResult, rerun: Sharded, shard: string): void {
  const repeats = (journeys: readonly JourneyResult[], key: string) =>
    journeys
      .filter((j) => journeyId(j.file, j.name) === key)
      .map((j) => j.repeatEachIndex ?? -1)
      .sort((a, b) => a - b)
      .join(',')
  for (const key of new Set(rerun.run.journeys.map((j) => journeyId(j.file, j.name)))) {
    const before = repeats(run.journeys, key)
    const again = repeats(rerun.run.journeys, key)
    // A journey the run did not hold has nothing to be put over: it is added (see overlay).
    if (before && before !== again) {
      const times = (list: string) => (list === '-1' ? 'once' : `${list.split(',').length} times (--repeat-each)`)
      throw new UserError(
        'E_MERGE',
        `${rerun.file} ran ${key} ${times(again)}, but the run of shard ${shard} it reran ran it ${times(before)}: rerun with the same --repeat-each, so that each repetition is put over its own`,
        { where: rerun.file },
      )
    }
  }
}

/** `run` with what `rerun` ran again put in its place, each rerun journey where it was before. */
function overlay(run: RunResult, rerun: RunResult): RunResult {
  const id = (j: JourneyResult) => journeyId(j.file, j.name)
  const rerunIds = new Set(rerun.journeys.map(id))
  const placed = new Set<string>()
  const journeys: JourneyResult[] = []
  const place = (key: string) => {
    placed.add(key)
    for (const again of rerun.journeys.filter((j) => id(j) === key)) {
      const before = run.journeys.find((j) => id(j) === key && j.repeatEachIndex === again.repeatEachIndex)
      // A result that passed is no failed attempt to retry: run again (every selected journey, when the
      // run failed with none of its own; each repetition of one that failed in another), it is replaced,
      // not shown as "attempt 1 passed, retried".
      journeys.push(before && before.status !== 'passed' ? notFlakyForInterrupts(settleAttempts([...attemptsOf(before), ...asRerun(attemptsOf(again))])) : again)
    }
  }
  for (const j of run.journeys) {
    if (!rerunIds.has(id(j))) journeys.push(j)
    else if (!placed.has(id(j))) place(id(j))
  }
  for (const key of rerunIds) if (!placed.has(key)) place(key)
  return {
    ...run,
    finishedAt: rerun.finishedAt,
    // The rerun ran after the run, on the shard's machine: the shard took both.
    durationMs: run.durationMs + rerun.durationMs,
    interrupted: rerun.interrupted || (!!run.interrupted && !rerunFinishes(run, rerunIds)),
    journeys,
    // What both met (a plugin's warning) once; what one of them met twice, twice.
    issues: issuesOfRuns([run.issues, rerun.issues]),
  }
}

/**
 * Whether a rerun ran again all that an interrupted run left unfinished (`--last-failed` reruns just
 * that): the journeys it cut short, or, when it cut none short (interrupted while closing), every journey,
 * as `--last-failed` then reruns them all. The merge is then as whole as the run would have been.
 */
function rerunFinishes(run: RunResult, rerunIds: ReadonlySet<string>): boolean {
  const unfinished = run.journeys.filter(neverFinished)
  return (unfinished.length ? unfinished : run.journeys).every((j) => rerunIds.has(journeyId(j.file, j.name)))
}

/**
 * A journey whose earlier attempts only were cut short (SIGTERM, Ctrl-C, --fail-fast), none failing on its
 * own, that then passed: it never failed, so it is no flaky journey. It passed, its interrupted attempts
 * kept, which the reports tell as "interrupted, then passed in a --last-failed rerun".
 */
function notFlakyForInterrupts(j: JourneyResult): JourneyResult {
  if (j.status !== 'flaky' || j.earlierAttempts?.some((a) => a.status === 'failed' && !a.interrupted)) return j
  return { ...j, status: 'passed' }
}

/** A rerun's attempts of a journey, the first marked as the rerun's: its own retries after it are retries. */
function asRerun([first, ...retries]: JourneyResult[]): JourneyResult[] {
  return first ? [{ ...first, rerun: true }, ...retries] : []
}

/** A journey's attempts, oldest first, each a result of its own. */
function attemptsOf(j: JourneyResult): JourneyResult[] {
  const { earlierAttempts, attempt: _, ...last } = j
  return [...(earlierAttempts ?? []).map(({ attempt: _a, ...a }) => a), last]
}
