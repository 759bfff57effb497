import path from 'node:path'
import { type RedactOptions, type RunResult, fileErrorReason, redactCredentials } from '@venomqa/core'
import { type Io, warn } from '../exit'

/**
 * Write the results file (`--save`, or `save` where `where` says) and say so as `<what> saved to <file>`
 * (unless `what` is omitted, for a write again), or warn when it cannot be written (no permission, a full
 * disk). Returns what went wrong, as warned, or undefined when it was written: the command makes that an
 * issue of the run (see RunOutputs). Paths that cannot be a file at all were refused before the run
 * (checkReportFiles).
 */
export async function saveResults(file: string, run: RunResult, redact: RedactOptions | undefined, io: Io, what?: string, where = '--save'): Promise<string | undefined> {
  const { renderJson, atomicWriteFile } = await import('@venomqa/runner')
  const shown = shownPath(io.cwd, file)
  try {
    await atomicWriteFile(file, renderJson(run, redact))
    if (what) io.stderr.write(`venomqa: ${what} saved to ${shown}\n`)
    return undefined
  } catch (err) {
    const problem = `${where}: could not write the results to ${shown}: ${fileErrorReason(err, 'write')}`
    warn(io, problem)
    return problem
  }
}

/** `venomqa: <reporter> report written to <file>` for each report a command wrote, and `sent to ...` for each it delivered. */
export function sayWritten(io: Io, { files, delivered = [] }: { files: readonly { reporter: string; file: string }[]; delivered?: readonly { reporter: string; to: string }[] }): void {
  for (const f of files) io.stderr.write(`venomqa: ${f.reporter} report written to ${shownPath(io.cwd, f.file)}\n`)
  for (const d of delivered) io.stderr.write(`venomqa: ${d.reporter} report sent to ${d.to}\n`)
}

/**
 * A file as the user would name it: relative to where they are, unless that climbs out of it
 * (`../../../dev/null`); masked as every other output is (see maskedPath).
 */
export function shownPath(cwd: string, file: string): string {
  const relative = path.relative(cwd, file)
  const climbsOut = relative === '..' || relative.startsWith(`..${path.sep}`)
  return maskedPath(!relative || (climbsOut && path.isAbsolute(file)) ? file : relative)
}

/**
 * A path as printed: a name the user gave may hold a secret of the run (`--save "results-$TOKEN.json"`,
 * a value the config reads from a secret variable or a step sent in a secret header) or a URL with its
 * password, and each is masked as warn() and the errors mask them, so that the line saying a file was
 * written names it as the line saying it could not be. What is a secret by its form or known to be one,
 * not redactText's `name: value` rules, which would take a path's `token-usage: ...` for a pair.
 */
export function maskedPath(file: string): string {
  return redactCredentials(file)
}
