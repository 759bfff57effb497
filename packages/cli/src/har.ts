import path from 'node:path'
import { UserError, fileErrorReason } from '@venomqa/core'
import type { HarRecorder } from '@venomqa/runner'
import { shownPath } from './commands/save-results'
import { type Io, warn } from './exit'
import { cliVersion } from './version'

/** `--har <file>`: where the run's HTTP exchanges go, and what collects them while it runs. */
export interface HarOutput {
  /** As given, for messages and the report-file clash check. */
  given: string
  file: string
  recorder: HarRecorder
}

/** Checked before anything runs; undefined without `--har`, and then nothing is collected. */
export async function harOutput(given: string | undefined, cwd: string): Promise<HarOutput | undefined> {
  if (given === undefined) return undefined
  if (!given.trim() || given === '-')
    throw new UserError('E_CONFIG', `--har needs a file name${given === '-' ? ' (a HAR is not written to stdout, where the console reporter writes)' : ''}, e.g. --har reports/run.har`, { where: '--har' })
  const { HarRecorder } = await import('@venomqa/runner')
  return { given, file: path.resolve(cwd, given), recorder: new HarRecorder() }
}

/** Write the HAR atomically; a failure is a warning, and what went wrong is returned (an issue of the run, as a report that fails). */
export async function writeHar(har: HarOutput, io: Io): Promise<string | undefined> {
  const { atomicWriteFile } = await import('@venomqa/runner')
  try {
    await atomicWriteFile(har.file, har.recorder.render({ name: 'venomqa', version: cliVersion() }))
  } catch (err) {
    const problem = `--har: could not write ${har.given}: ${fileErrorReason(err, 'write')}`
    warn(io, problem)
    return problem
  }
  const n = har.recorder.count
  io.stderr.write(`venomqa: HAR of ${n} request${n === 1 ? '' : 's'} written to ${shownPath(io.cwd, har.file)}\n`)
  return undefined
}
