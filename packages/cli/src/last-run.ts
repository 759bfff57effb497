import { readdirSync, rmSync } from 'node:fs'
import { readFile, readdir, rm } from 'node:fs/promises'
import path from 'node:path'
import { type RunResult, UserError, errorMessage } from '@venomqa/core'
import { dealShard, journeyId } from './shard/split'

/**
 * Where `venomqa run` records how its last run ended, for `--last-failed`: under the project root, in a
 * directory of VenomQA's own that a project can git-ignore (as Playwright's test-results/.last-run.json
 * and Vitest's cache are). A whole run writes `last-run.json`; each shard of a split a file of its own
 * (see lastRunFile), so shards run in one checkout, side by side or in turn, never replace each other's.
 */
export const LAST_RUN_DIR = '.venomqa'
export const LAST_RUN_FILE = `${LAST_RUN_DIR}/last-run.json`

/** Which shard a record is of: `--shard 2/3`. */
export interface ShardNumber {
  index: number
  total: number
}

/** What the file holds: the run's status and the id (`file#name`) of every journey that failed in it. */
export interface LastRun {
  version: 1
  status: 'passed' | 'failed'
  finishedAt: string
  failedJourneys: string[]
  /** The run was interrupted: `failedJourneys` has the ones it never finished too. */
  interrupted?: boolean
  /**
   * Of `failedJourneys`, those a fail-fast stop skipped (a journey failed, and the run started no other):
   * they never ran, and `--last-failed` says them apart from the failures it reruns.
   */
  skippedJourneys?: string[]
  /** The shard the run was (`--shard 2/3`): another shard's failures are not this one's to rerun. */
  shard?: ShardNumber
  /**
   * A shard's run: every journey its split dealt to it (a `--last-failed` rerun's too, not only those it
   * reran). A journey dealt to the shard now that is not among them (one added, renamed, or moved from
   * another shard by the new deal) never ran in it: whether it fails is not known, so it runs. A whole
   * run's record has none: it speaks of every journey.
   */
  journeys?: string[]
}

/** A shard's record: `last-run.shard-2-of-3.json`, named so that a listing of `.venomqa/` tells the shards and the split apart. */
const SHARD_RECORD = /^last-run\.shard-(\d+)-of-(\d+)\.json$/

/** The record of a whole run, or of one shard: `.venomqa/last-run.json`, `.venomqa/last-run.shard-2-of-3.json`. */
export function lastRunFile(shard?: ShardNumber): string {
  return shard ? `${LAST_RUN_DIR}/last-run.shard-${shard.index}-of-${shard.total}.json` : LAST_RUN_FILE
}

export function lastRunPath(root: string, shard?: ShardNumber): string {
  return path.join(root, lastRunFile(shard))
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
  // Not started in a run nobody interrupted: a fail-fast stop skipped it (one that failed in another repetition failed).
  const failedOnce = new Set(ids((j) => j.status === 'failed'))
  const skipped = run.interrupted ? [] : [...new Set(ids((j) => neverFinished(j) && j.status === 'skipped'))].filter((id) => !failedOnce.has(id))
  return {
    version: 1,
    status: failed ? 'failed' : 'passed',
    finishedAt: run.finishedAt,
    failedJourneys: [...new Set(listed)],
    ...(run.interrupted ? { interrupted: true } : {}),
    ...(skipped.length ? { skippedJourneys: skipped } : {}),
    ...(run.shard ? { shard: { index: run.shard.index, total: run.shard.total } } : {}),
    ...(run.shard?.order ? { journeys: dealShard(run.shard.order, (id) => id, run.shard) } : {}),
  }
}

/**
 * Write the record, in the shard's own file for a shard's run. Atomically (a temp file of this process,
 * renamed over the record): a run interrupted while writing never leaves half a file, and shards writing
 * side by side in one directory never mix their bytes.
 */
export async function writeLastRun(root: string, run: RunResult, failed?: boolean, options: { failOnFlaky?: boolean } = {}): Promise<void> {
  const record = lastRunOf(run, failed, options)
  await putLastRun(root, lastRunFile(record.shard), record)
}

/**
 * Put back a record a `--last-failed` run read and took away, when it ran nothing (nothing had failed):
 * dropped, the next `--last-failed` found no record and ran every journey.
 */
export async function putLastRun(root: string, file: string, record: LastRun): Promise<void> {
  const { atomicWriteFile } = await import('@venomqa/runner')
  await atomicWriteFile(path.join(root, file), `${JSON.stringify(record, null, 2)}\n`)
}

/**
 * The records a run takes away as it starts. A run that never finishes (killed, crashed, stopped on a
 * mistake) then leaves none that it would have replaced, where an older one would say how an earlier run
 * ended: `venomqa run || venomqa run --last-failed` would read "passed, nothing failed" after a run that
 * was killed, and pass. A run that is interrupted writes its own (see lastRunOf).
 *
 * A whole run (or one whose shard is not known: a `--shard` value that does not parse) takes every record
 * away: the shards' too, which `--last-failed` would otherwise combine into the last run's. A shard takes
 * its own, the whole run's (the shards are newer than it) and those of the shards of another split; never
 * a sibling's of its own split, which may be running beside it.
 */
export function recordsToSetAside(names: readonly string[], shard: ShardNumber | undefined): string[] {
  const shardRecords = names.flatMap((name) => {
    const m = SHARD_RECORD.exec(name)
    return m ? [{ name, total: Number(m[2]) }] : []
  })
  const taken = shard ? shardRecords.filter((r) => r.total !== shard.total).map((r) => r.name) : shardRecords.map((r) => r.name)
  const own = shard ? [path.basename(lastRunFile(shard))] : []
  return [...new Set([path.basename(LAST_RUN_FILE), ...own, ...taken])]
}

/** Take the records away as a run starts (see recordsToSetAside). */
export async function setAsideLastRun(root: string, shard?: ShardNumber): Promise<void> {
  const dir = path.join(root, LAST_RUN_DIR)
  const names = await readdir(dir).catch(() => [])
  for (const name of recordsToSetAside(names, shard)) await rm(path.join(dir, name), { force: true })
}

/** The same, at once: for a process about to exit (a signal while the journeys load). */
export function setAsideLastRunSync(root: string, shard?: ShardNumber): void {
  const dir = path.join(root, LAST_RUN_DIR)
  let names: string[] = []
  try {
    names = readdirSync(dir)
  } catch {
    // No directory: no record to take.
  }
  for (const name of recordsToSetAside(names, shard)) rmSync(path.join(dir, name), { force: true })
}

/** One record file, or undefined when it is not there. One that cannot be read as a record is a user error naming the file. */
export async function readRecordFile(root: string, file: string): Promise<LastRun | undefined> {
  let text: string
  try {
    text = await readFile(path.join(root, file), 'utf8')
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined
    throw new UserError('E_LAST_RUN', `--last-failed: cannot read ${file}: ${errorMessage(err)}`, { where: file })
  }
  return parseRecord(text, file)
}

function parseRecord(text: string, file: string): LastRun {
  let value: Partial<LastRun>
  try {
    value = JSON.parse(text)
  } catch {
    throw new UserError('E_LAST_RUN', `--last-failed: ${file} is not JSON; delete it, and a run without --last-failed writes it again`, { where: file })
  }
  if (!value || typeof value !== 'object' || !Array.isArray(value.failedJourneys) || value.failedJourneys.some((id) => typeof id !== 'string'))
    throw new UserError('E_LAST_RUN', `--last-failed: ${file} does not list the failed journeys ("failedJourneys": [...]); delete it, and a run without --last-failed writes it again`, {
      where: file,
    })
  const shard = value.shard && Number.isSafeInteger(value.shard.index) && Number.isSafeInteger(value.shard.total) ? { index: value.shard.index, total: value.shard.total } : undefined
  // A record written before shards listed their journeys has none: its failures are all it tells.
  const journeys = Array.isArray(value.journeys) && value.journeys.every((id) => typeof id === 'string') ? value.journeys : undefined
  const skipped = Array.isArray(value.skippedJourneys) && value.skippedJourneys.every((id) => typeof id === 'string') ? value.skippedJourneys : undefined
  return {
    version: 1,
    status: value.status === 'passed' ? 'passed' : 'failed',
    finishedAt: String(value.finishedAt ?? ''),
    failedJourneys: value.failedJourneys,
    ...(value.interrupted === true ? { interrupted: true } : {}),
    ...(skipped?.length ? { skippedJourneys: skipped } : {}),
    ...(shard ? { shard } : {}),
    ...(journeys ? { journeys } : {}),
  }
}

/** A record and the file it was read from (relative to the project root, as messages name it). */
export interface RecordRead {
  file: string
  record: LastRun
}

/**
 * What `--last-failed` read of the records, and what it goes by:
 * - `whole`: the whole run's record (`--last-failed` without `--shard`, no shard's record newer than it);
 * - `shard`: this shard's own record;
 * - `shards`: without `--shard`, the records of every shard of the last split, newer than any whole run's,
 *   combined into one (a user who ran the shards and now reruns their failures in one process);
 * - `shards-missing`: the same, with some shard's record missing: what failed in it is not known;
 * - `none`: no record (for a shard: none of its own, whatever the other shards' or a whole run's say).
 */
export type LastRunRead =
  | { kind: 'whole'; record: LastRun; read: [RecordRead] }
  | { kind: 'shard'; shard: ShardNumber; record: LastRun; read: [RecordRead] }
  | { kind: 'shards'; record: LastRun; read: RecordRead[] }
  | { kind: 'shards-missing'; read: RecordRead[]; missing: ShardNumber[] }
  | { kind: 'none'; shard?: ShardNumber }

/**
 * Read what `--last-failed` goes by (see LastRunRead): a shard its own record only; a whole run the whole
 * run's record or the shards', whichever is newer.
 */
export async function readLastRun(root: string, shard?: ShardNumber): Promise<LastRunRead> {
  if (shard) {
    const file = lastRunFile(shard)
    const record = await readRecordFile(root, file)
    return record ? { kind: 'shard', shard, record, read: [{ file, record }] } : { kind: 'none', shard }
  }
  const whole = await readRecordFile(root, LAST_RUN_FILE)
  const split = await lastSplitRecords(root)
  if (!split || (whole && finishedMs(whole) >= Math.max(...split.read.map((r) => finishedMs(r.record))))) return whole ? { kind: 'whole', record: whole, read: [{ file: LAST_RUN_FILE, record: whole }] } : { kind: 'none' }
  if (split.missing.length) return { kind: 'shards-missing', read: split.read, missing: split.missing }
  return { kind: 'shards', record: combineRecords(split.read.map((r) => r.record)), read: split.read }
}

/**
 * The shard records of the last split run here, in shard order, and the shards of it with none. Records
 * of another split (another number of shards) are left out when those of a newer one are there: a shard
 * of a new split takes them away as it starts, so they are met only after a failure to remove them.
 */
async function lastSplitRecords(root: string): Promise<{ read: RecordRead[]; missing: ShardNumber[] } | undefined> {
  const names = await readdir(path.join(root, LAST_RUN_DIR)).catch(() => [] as string[])
  const read: (RecordRead & { shard: ShardNumber })[] = []
  for (const name of names) {
    const m = SHARD_RECORD.exec(name)
    if (!m) continue
    const shard = { index: Number(m[1]), total: Number(m[2]) }
    if (!Number.isSafeInteger(shard.total) || shard.index < 1 || shard.index > shard.total) continue
    const file = lastRunFile(shard)
    const record = await readRecordFile(root, file)
    if (record) read.push({ file, record, shard })
  }
  if (!read.length) return undefined
  const newest = read.reduce((a, b) => (finishedMs(b.record) > finishedMs(a.record) ? b : a))
  const total = newest.shard.total
  const split = read.filter((r) => r.shard.total === total).sort((a, b) => a.shard.index - b.shard.index)
  const held = new Set(split.map((r) => r.shard.index))
  const missing = Array.from({ length: total }, (_, k) => k + 1)
    .filter((i) => !held.has(i))
    .map((index) => ({ index, total }))
  return { read: split.map(({ file, record }) => ({ file, record })), missing }
}

/** When a record's run finished, to tell the newer of two; one that does not say is the oldest. */
function finishedMs(record: LastRun): number {
  const ms = Date.parse(record.finishedAt)
  return Number.isNaN(ms) ? Number.NEGATIVE_INFINITY : ms
}

/**
 * The records of every shard of a split as one run's: every failure of each, failed or interrupted when
 * any shard's run was, finished when the last one did, and the journeys they ran between them when each
 * says which it ran (a shard run before the others changed the split ran journeys none of them lists).
 */
export function combineRecords(records: readonly LastRun[]): LastRun {
  const newest = records.reduce((a, b) => (finishedMs(b) > finishedMs(a) ? b : a))
  const known = records.every((r) => r.journeys) ? [...new Set(records.flatMap((r) => r.journeys ?? []))] : undefined
  const skipped = [...new Set(records.flatMap((r) => r.skippedJourneys ?? []))]
  return {
    version: 1,
    status: records.some((r) => r.status === 'failed') ? 'failed' : 'passed',
    finishedAt: newest.finishedAt,
    failedJourneys: [...new Set(records.flatMap((r) => r.failedJourneys))],
    ...(records.some((r) => r.interrupted) ? { interrupted: true } : {}),
    ...(skipped.length ? { skippedJourneys: skipped } : {}),
    ...(known ? { journeys: known } : {}),
  }
}

/** What `--last-failed` leaves of the journeys the other filters selected, or why it leaves none. */
export type LastFailedSelection<T> =
  /** No record: no run finished here yet, or the last one never did (killed, crashed). Every selected journey. */
  | { kind: 'no-record'; items: T[] }
  /** The last run was another shard (or a whole run, or this one is): its failures are not this shard's. Every selected journey. */
  | { kind: 'other-shard'; items: T[]; lastRun: LastRun }
  | { kind: 'none-failed'; lastRun: LastRun }
  /**
   * None of the failures is selected, but some selected journeys never ran in the recorded shard (see
   * LastRun.journeys): those. `failedElsewhere` says whether the run had failures (of other journeys).
   */
  | { kind: 'not-run'; items: T[]; lastRun: LastRun; failedElsewhere: boolean }
  /** The last run failed, but no journey of it did (a plugin, a reporter, a state backend at close): every selected journey. */
  | { kind: 'run-failed'; items: T[]; lastRun: LastRun }
  | { kind: 'none-selected'; lastRun: LastRun }
  /** The failures selected, and with them the selected journeys the recorded shard never ran (`notRun` of them), in the order selected. */
  | { kind: 'selected'; items: T[]; lastRun: LastRun; notRun: number }

/** The selected journeys that failed in the last run, in the order they were selected. */
export function selectLastFailed<T extends { journey: { name: string }; file: string }>(
  selected: readonly T[],
  lastRun: LastRun | undefined,
  shard?: ShardNumber,
): LastFailedSelection<T> {
  if (!lastRun) return { kind: 'no-record', items: [...selected] }
  if (lastRun.shard?.index !== shard?.index || lastRun.shard?.total !== shard?.total) return { kind: 'other-shard', items: [...selected], lastRun }
  if (!lastRun.failedJourneys.length && lastRun.status === 'failed') return { kind: 'run-failed', items: [...selected], lastRun }
  const idOf = (x: T) => journeyId(x.file, x.journey.name)
  // A shard's journeys move when the split changes: one that failed in another shard's last run may be
  // dealt to this one now, and no record here knows it failed. Running only the known failures would pass on it.
  const known = lastRun.journeys && new Set(lastRun.journeys)
  const notRun = known ? selected.filter((x) => !known.has(idOf(x))) : []
  const failed = new Set(lastRun.failedJourneys)
  const failures = selected.filter((x) => failed.has(idOf(x)))
  if (failures.length) return { kind: 'selected', items: selected.filter((x) => failed.has(idOf(x)) || notRun.includes(x)), lastRun, notRun: notRun.length }
  if (notRun.length) return { kind: 'not-run', items: notRun, lastRun, failedElsewhere: failed.size > 0 }
  return failed.size ? { kind: 'none-selected', lastRun } : { kind: 'none-failed', lastRun }
}
