import { readFile, rm } from 'node:fs/promises'
import path from 'node:path'
import { type RunResult, UserError, errorMessage } from '@venomqa/core'
import { journeyId } from './shard/split'

/**
 * Where `venomqa run` records how its last run ended, for `--last-failed`: under the project root, in a
 * directory of VenomQA's own that a project can git-ignore (as Playwright's test-results/.last-run.json
 * and Vitest's cache are).
 */
export const LAST_RUN_FILE = '.venomqa/last-run.json'

/** What the file holds: the run's status and the id (`file#name`) of every journey that failed in it. */
export interface LastRun {
  version: 1
  status: 'passed' | 'failed'
  finishedAt: string
  failedJourneys: string[]
  /** The run was interrupted: `failedJourneys` has the ones it never finished too. */
  interrupted?: boolean
  /** The shard the run was (`--shard 2/3`): another shard's failures are not this one's to rerun. */
  shard?: { index: number; total: number }
}

export function lastRunPath(root: string): string {
  return path.join(root, LAST_RUN_FILE)
}

/** A journey an interrupted run cut short or never started: what is left to run of it. */
export function neverFinished(j: RunResult['journeys'][number]): boolean {
  return !!j.interrupted && j.status !== 'passed' && j.status !== 'flaky'
}

/**
 * The record of a run that came to its end, or was interrupted. A journey that failed in any repetition is
 * listed once; a flaky one passed, unless the run judged flaky as failed (`failOnFlaky`, given by the
 * caller; else seen when the run failed without a failed journey): then the flaky ones failed it too, and
 * are listed beside the failed ones, so that `run || run --last-failed` runs them again. An interrupted run lists the journeys it never finished (cut short,
 * or not started) with its failures: they are what is left to run, and `--last-failed` runs them, where
 * the record of an earlier run that passed would say there is nothing to run. `failed` is the command's
 * verdict: a run whose journeys passed fails when a report could not be written, and so does its record.
 */
export function lastRunOf(run: RunResult, failed = run.status === 'failed' || !!run.interrupted, options: { failOnFlaky?: boolean } = {}): LastRun {
  const ids = (keep: (j: RunResult['journeys'][number]) => boolean) => run.journeys.filter(keep).map((j) => journeyId(j.file, j.name))
  const failedJourneys = ids((j) => j.status === 'failed' || neverFinished(j))
  const flakyFailed = options.failOnFlaky || (!failedJourneys.length && run.status === 'failed')
  const listed = flakyFailed ? [...failedJourneys, ...ids((j) => j.status === 'flaky')] : failedJourneys
  return {
    version: 1,
    status: failed ? 'failed' : 'passed',
    finishedAt: run.finishedAt,
    failedJourneys: [...new Set(listed)],
    ...(run.interrupted ? { interrupted: true } : {}),
    ...(run.shard ? { shard: { index: run.shard.index, total: run.shard.total } } : {}),
  }
}

/** Write the record atomically (a run interrupted while writing never leaves half a file). */
export async function writeLastRun(root: string, run: RunResult, failed?: boolean, options: { failOnFlaky?: boolean } = {}): Promise<void> {
  await putLastRun(root, lastRunOf(run, failed, options))
}

/**
 * Put back the record a `--last-failed` run read and took away, when it ran nothing (nothing had failed):
 * dropped, the next `--last-failed` found no record and ran every journey.
 */
export async function putLastRun(root: string, record: LastRun): Promise<void> {
  const { atomicWriteFile } = await import('@venomqa/runner')
  await atomicWriteFile(lastRunPath(root), `${JSON.stringify(record, null, 2)}\n`)
}

/**
 * Take the record away as a run starts. A run that never finishes (killed, crashed, stopped on a mistake)
 * then leaves no record, where the older one would have said how an earlier run ended: `venomqa run ||
 * venomqa run --last-failed` would read "passed, nothing failed" after a run that was killed, and pass. A
 * run that is interrupted writes its own (see lastRunOf).
 */
export async function setAsideLastRun(root: string): Promise<void> {
  await rm(lastRunPath(root), { force: true })
}

/** The record, or undefined when there is none yet. One that cannot be read as a record is a user error naming the file. */
export async function readLastRun(root: string): Promise<LastRun | undefined> {
  let text: string
  try {
    text = await readFile(lastRunPath(root), 'utf8')
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined
    throw new UserError('E_LAST_RUN', `--last-failed: cannot read ${LAST_RUN_FILE}: ${errorMessage(err)}`, { where: LAST_RUN_FILE })
  }
  let value: Partial<LastRun>
  try {
    value = JSON.parse(text)
  } catch {
    throw new UserError('E_LAST_RUN', `--last-failed: ${LAST_RUN_FILE} is not JSON; delete it, and a run without --last-failed writes it again`, { where: LAST_RUN_FILE })
  }
  if (!value || typeof value !== 'object' || !Array.isArray(value.failedJourneys) || value.failedJourneys.some((id) => typeof id !== 'string'))
    throw new UserError('E_LAST_RUN', `--last-failed: ${LAST_RUN_FILE} does not list the failed journeys ("failedJourneys": [...]); delete it, and a run without --last-failed writes it again`, {
      where: LAST_RUN_FILE,
    })
  const shard = value.shard && Number.isSafeInteger(value.shard.index) && Number.isSafeInteger(value.shard.total) ? { index: value.shard.index, total: value.shard.total } : undefined
  return {
    version: 1,
    status: value.status === 'passed' ? 'passed' : 'failed',
    finishedAt: String(value.finishedAt ?? ''),
    failedJourneys: value.failedJourneys,
    ...(value.interrupted === true ? { interrupted: true } : {}),
    ...(shard ? { shard } : {}),
  }
}

/** What `--last-failed` leaves of the journeys the other filters selected, or why it leaves none. */
export type LastFailedSelection<T> =
  /** No record: no run finished here yet, or the last one never did (killed, crashed). Every selected journey. */
  | { kind: 'no-record'; items: T[] }
  /** The last run was another shard (or a whole run, or this one is): its failures are not this shard's. Every selected journey. */
  | { kind: 'other-shard'; items: T[]; lastRun: LastRun }
  | { kind: 'none-failed'; lastRun: LastRun }
  /** The last run failed, but no journey of it did (a plugin, a reporter, a state backend at close): every selected journey. */
  | { kind: 'run-failed'; items: T[]; lastRun: LastRun }
  | { kind: 'none-selected'; lastRun: LastRun }
  | { kind: 'selected'; items: T[]; lastRun: LastRun }

/** The selected journeys that failed in the last run, in the order they were selected. */
export function selectLastFailed<T extends { journey: { name: string }; file: string }>(
  selected: readonly T[],
  lastRun: LastRun | undefined,
  shard?: { index: number; total: number },
): LastFailedSelection<T> {
  if (!lastRun) return { kind: 'no-record', items: [...selected] }
  if (lastRun.shard?.index !== shard?.index || lastRun.shard?.total !== shard?.total) return { kind: 'other-shard', items: [...selected], lastRun }
  if (!lastRun.failedJourneys.length) return lastRun.status === 'failed' ? { kind: 'run-failed', items: [...selected], lastRun } : { kind: 'none-failed', lastRun }
  const failed = new Set(lastRun.failedJourneys)
  const items = selected.filter((x) => failed.has(journeyId(x.file, x.journey.name)))
  return items.length ? { kind: 'selected', items, lastRun } : { kind: 'none-selected', lastRun }
}
