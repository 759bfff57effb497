import { readFile, stat } from 'node:fs/promises'
import path from 'node:path'
import { type RunResult, UserError, assertRunResult, errorMessage, fileErrorReason, repairRunResult } from '@venomqa/core'
import { EXIT, type Io, warn } from '../exit'
import { parseJsonText } from '../json-place'
import { reporterRequests } from '../reporters'
import { explorationReportFile, explorationReporterSpecs, explorationTargets, holdsExploration } from './explore-reports'
import { type ConfigFlags, openSession, redactOptions, renderingConfig, sessionReporters } from './session'
import { sayWritten } from './save-results'
import { checkReportFiles, configRead } from './outputs'

export interface ReportFlags extends ConfigFlags {
  reporter?: string[]
}

/**
 * Read a saved results file; every way it can be wrong is a user error naming the file. Its status and
 * summary are judged again from its journeys; `warn` is told when the file's own said otherwise.
 */
export async function readResults(file: string, cwd: string, warn: (message: string) => void): Promise<RunResult> {
  const abs = path.resolve(cwd, file)
  let text: string
  try {
    text = await readFile(abs, 'utf8')
  } catch (err) {
    throw unreadableResults(err, file, await explorationSavedBeside(err, file, cwd))
  }
  const value = parseJsonText(
    text,
    (place, reason) => new UserError('E_RESULTS', `${file}${place} is not JSON: ${reason} (a results file is what venomqa run --save writes)`, { where: `${file}${place}` }),
  )
  try {
    assertRunResult(value, file, warn)
  } catch (err) {
    const Refusal = holdsSchemaVersion(value) ? UserError : NotAResultsFile
    throw new Refusal('E_RESULTS', `${errorMessage(err)} (a results file is what venomqa run --save writes)`, { where: file })
  }
  return repairRunResult(value)
}

/** What a results file is, for a message that refuses a path given as one. */
const RESULTS_FILE = 'the file venomqa run --save (or the json reporter) wrote'

/**
 * The exploration's results file beside a results file that is not there (`results.explore.json` for
 * `results.json`, see explorationSaveFile), when it is: the file to give for an exploration's results.
 */
async function explorationSavedBeside(err: unknown, file: string, cwd: string): Promise<string | undefined> {
  if ((err as NodeJS.ErrnoException | undefined)?.code !== 'ENOENT') return undefined
  const beside = explorationReportFile(file)
  if (beside === file) return undefined
  return (await stat(path.resolve(cwd, beside)).then((s) => s.isFile()).catch(() => false)) ? beside : undefined
}

/**
 * A results file that cannot be read, said in words and by the path given (never Node's
 * "ENOENT: no such file or directory, open '/abs/path'"): missing, a directory, or not readable.
 */
function unreadableResults(err: unknown, file: string, exploration?: string): UserError {
  const code = (err as NodeJS.ErrnoException | undefined)?.code
  const reason =
    code === 'ENOENT' || code === 'ENOTDIR'
      ? exploration
        ? `results file ${file} is not there, but ${exploration} is: venomqa explore saves its results to the config's save with .explore before the extension, beside the run's (give ${exploration} for the exploration's)`
        : `results file ${file} is not there: give ${RESULTS_FILE}`
      : code === 'EISDIR'
        ? `${file} is a directory, not a results file: give ${RESULTS_FILE} (to merge a directory of shards' files: venomqa merge-reports ${file})`
        : `cannot read results file ${file}: ${fileErrorReason(err)}`
  return new UserError('E_RESULTS', reason, { where: file })
}

/**
 * A file or directory given to merge-reports that cannot be looked at: missing (a shard's artifact that
 * never arrived), or not readable; said by the path given, with what belongs there.
 */
export function unreadableShardInput(err: unknown, input: string): UserError {
  const code = (err as NodeJS.ErrnoException | undefined)?.code
  const reason =
    code === 'ENOENT' || code === 'ENOTDIR'
      ? `${input} is not there: give the results files venomqa run --shard i/n --save wrote, or the directory holding them (was a shard's artifact not downloaded?)`
      : `cannot read ${input}: ${fileErrorReason(err)}`
  return new UserError('E_RESULTS', reason, { where: input })
}

/**
 * JSON that is no results file at all (a package-lock.json), told from a results file that is broken or of
 * another version: what merge-reports may say was read only because of the directory it is in.
 */
export class NotAResultsFile extends UserError {}

function holdsSchemaVersion(value: unknown): boolean {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && 'schemaVersion' in value
}

/**
 * `venomqa report <results.json> --reporter ...`: render a saved run again with any reporter, including
 * reporters of the plugins in the config. Exit 0 when every report was written.
 */
export async function reportCommand(resultsFile: string, flags: ReportFlags, io: Io): Promise<number> {
  const run = await readResults(resultsFile, io.cwd, (m) => warn(io, m))
  // An exploration's results go to the exploration's report files, as `venomqa explore` wrote them.
  const exploration = holdsExploration(run)
  const rendering = await renderingConfig(io, flags, flags.reporter?.length ? { reporters: flags.reporter } : {})
  const config = exploration ? { ...rendering, reporters: explorationReporterSpecs(rendering.reporters, rendering.reporterWhere) } : rendering
  const requests = reporterRequests(config, io.cwd)
  const session = await openSession(io, config, { reporters: requests, debug: flags.debug })
  try {
    const made = await sessionReporters(session, requests, (name) => (name === 'console' ? { stream: io.stdout } : {}))
    const targets = exploration ? explorationTargets(made) : made
    // As `venomqa run` checks its outputs; the results file rendered is one of the files it must not replace.
    checkReportFiles(targets, undefined, io.cwd, undefined, [{ file: path.resolve(io.cwd, resultsFile), what: 'the results file to render' }, ...configRead(config.file)])
    const { writeReports } = await import('@venomqa/runner')
    const written = await writeReports(run, targets, {
      cwd: io.cwd,
      stdout: io.stdout,
      warn: (m) => warn(io, m),
      redact: redactOptions(config.redactKeys),
      timeoutMs: session.runner.pluginTimeoutMs,
    })
    sayWritten(io, written)
    return written.failures.length ? EXIT.FAILED : EXIT.OK
  } finally {
    await session.runner.close().catch(() => {})
  }
}
