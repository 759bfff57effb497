import path from 'node:path'
import { type RedactOptions, type Reporter, type RunResult, errorMessage } from '@venomqa/core'
import { type Io, warn } from '../exit'

/**
 * Write the results file (`--save`, or `save` where `where` says) and say so as `<what> saved to <file>` (unless `what` is omitted, for
 * a write again), or warn when it cannot be written (no permission, a full disk): a warning and exit code
 * 1, as for a report, and the reports after it are still written. Paths that cannot be a file at all were
 * refused before the run (checkReportFiles). True when it was written.
 */
export async function saveResults(file: string, run: RunResult, redact: RedactOptions | undefined, io: Io, what?: string, where = '--save'): Promise<boolean> {
  const { renderJson, atomicWriteFile } = await import('@venomqa/runner')
  const shown = shownPath(io.cwd, file)
  try {
    await atomicWriteFile(file, renderJson(run, redact))
    if (what) io.stderr.write(`venomqa: ${what} saved to ${shown}\n`)
    return true
  } catch (err) {
    warn(io, `${where}: could not write the results to ${shown}: ${errorMessage(err)}`)
    return false
  }
}

/**
 * After the console's summary said PASSED, an output (the results file, a report, the HAR) failed and the
 * exit code is 1: the last line printed must be that verdict, not the summary's.
 */
export function sayFailedAfterAll(io: Io, targets: readonly { reporter: Reporter; target?: string }[]): void {
  if (targets.some((t) => t.reporter.name === 'console' && (t.target ?? '-') === '-')) io.stdout.write('\nResult: FAILED (an output could not be written, in the warning above)\n')
}

/** `venomqa: <reporter> report written to <file>` for each report a command wrote, and `sent to ...` for each it delivered. */
export function sayWritten(io: Io, { files, delivered = [] }: { files: readonly { reporter: string; file: string }[]; delivered?: readonly { reporter: string; to: string }[] }): void {
  for (const f of files) io.stderr.write(`venomqa: ${f.reporter} report written to ${shownPath(io.cwd, f.file)}\n`)
  for (const d of delivered) io.stderr.write(`venomqa: ${d.reporter} report sent to ${d.to}\n`)
}

/** A file as the user would name it: relative to where they are, unless that climbs out of it (`../../../dev/null`). */
export function shownPath(cwd: string, file: string): string {
  const relative = path.relative(cwd, file)
  const climbsOut = relative === '..' || relative.startsWith(`..${path.sep}`)
  return !relative || (climbsOut && path.isAbsolute(file)) ? file : relative
}
