import type { Reporter } from '@venomqa/core'
import type { Io } from './exit'

type Target = { reporter: Reporter; target?: string }

/** A report that prints to stdout (`-r json:-`), other than the console's (whose lines are meant to mix with a step's own). */
function reportOnStdout(targets: readonly Target[]): boolean {
  return targets.some(({ reporter, target }) => reporter.name !== 'console' && !!reporter.render && (target ?? reporter.defaultFile ?? '-') === '-')
}

/**
 * Where the command writes its reports, and how to undo what that took: with a report for the process's
 * stdout (`-r json:- | jq`), stdout is the report's alone until `restore` (see stdoutForReportsOnly); else
 * `io.stdout`, as it is.
 */
export function stdoutForReports(io: Io, targets: readonly Target[]): { reports: NodeJS.WritableStream; restore(): void } {
  if (io.stdout === process.stdout && reportOnStdout(targets)) return stdoutForReportsOnly(process.stdout)
  return { reports: io.stdout, restore: () => {} }
}

/**
 * While a report is to print to stdout, what else would print there goes to stderr: a step's
 * `console.log`, a plugin's line, the command's own last words. Before, they landed in the middle of the
 * JSON or ahead of the XML declaration, and the pipe's reader could not parse the report. Returns the
 * stream the reports are written to (stdout as it was) and how to give stdout its own `write` back.
 */
function stdoutForReportsOnly(stdout: NodeJS.WriteStream): { reports: NodeJS.WritableStream; restore(): void } {
  const own = stdout.write
  const toStderr = ((...args: Parameters<NodeJS.WriteStream['write']>) => (process.stderr.write as (...a: unknown[]) => boolean)(...args)) as NodeJS.WriteStream['write']
  stdout.write = toStderr
  const reports = { write: (...args: unknown[]) => (own as (...a: unknown[]) => boolean).apply(stdout, args) } as unknown as NodeJS.WritableStream
  return {
    reports,
    restore: () => {
      // Only if nothing replaced ours since: else whoever did keeps passing writes on.
      if (stdout.write === toStderr) stdout.write = own
    },
  }
}
