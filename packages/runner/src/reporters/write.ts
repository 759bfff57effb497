import path from 'node:path'
import { type RedactOptions, type Reporter, type ReportContext, type RunResult, TimeoutError, atomicWriteFile, errorMessage, fileErrorReason, knownSecrets, raceDeadline, redactText } from '@venomqa/core'
import { DEFAULT_PLUGIN_TIMEOUT_MS } from '../hooks'
import { redactRun, redactsItself } from './redact-run'

// Core's writer, the only one, re-exported for the runner's users.
export { atomicWriteFile }

/** A reporter and where its output goes (`--reporter junit:out/junit.xml`). */
export interface ReporterTarget {
  reporter: Reporter
  /** File for `render`; '-' means stdout. Without it, the reporter's defaultFile, else stdout. */
  target?: string
  options?: Record<string, unknown>
}

export interface WriteReportsContext {
  /** Relative targets resolve from here. */
  cwd: string
  stdout?: NodeJS.WritableStream
  warn?: (message: string) => void
  /** Extra header or body keys to mask. */
  redact?: RedactOptions
  /**
   * How long one reporter's render, and its deliver, may take (ms; the run's pluginTimeout). One that never
   * settles is a failure of that reporter, and the others are still written: a run is never left hanging
   * after its verdict by a report. Default: DEFAULT_PLUGIN_TIMEOUT_MS.
   */
  timeoutMs?: number
}

export interface WriteReportsResult {
  /** Files written, by reporter. */
  files: { reporter: string; file: string }[]
  /** Reporters whose render or deliver threw; the others still ran. */
  failures: { reporter: string; error: string }[]
  warnings: { reporter: string; message: string }[]
  /** Reports sent somewhere (a webhook), by reporter: where to, as the reporter said it. */
  delivered: { reporter: string; to: string }[]
}

/**
 * Render every reporter's output and deliver it. Each reporter sees the run redacted again; one
 * reporter failing does not stop the others, and its failure is returned, not thrown.
 */
export async function writeReports(
  run: RunResult,
  reporters: readonly (Reporter | ReporterTarget)[],
  ctx: WriteReportsContext,
): Promise<WriteReportsResult> {
  // Redacted when the first reporter needs it, once for all of them; a results file's copy is not redacted again.
  let safe: RunResult | undefined
  const safeRun = () => (safe ??= redactRun(run, ctx.redact))
  const stdout = ctx.stdout ?? process.stdout
  const result: WriteReportsResult = { files: [], failures: [], warnings: [], delivered: [] }
  for (const entry of reporters) {
    const { reporter, target, options } = 'reporter' in entry ? entry : { reporter: entry, target: undefined, options: undefined }
    const reportCtx: ReportContext = {
      target,
      options: options ?? {},
      cwd: ctx.cwd,
      stdout,
      warn: (message) => {
        result.warnings.push({ reporter: reporter.name, message })
        ctx.warn?.(`reporter ${reporter.name}: ${message}`)
      },
      wrote: (file) => void result.files.push({ reporter: reporter.name, file: path.resolve(ctx.cwd, file) }),
      // A reporter's own words: masked, like its warnings are where they are printed.
      delivered: (to) => void result.delivered.push({ reporter: reporter.name, to: redactText(String(to)) }),
    }
    const bounded = <T>(what: string, work: () => T | Promise<T>) => within(ctx.timeoutMs ?? DEFAULT_PLUGIN_TIMEOUT_MS, `reporter ${reporter.name}: ${what}`, work)
    try {
      if (reporter.render) {
        const output = maskKnownSecrets(await bounded('render', () => reporter.render!(redactsItself(reporter) ? run : safeRun(), reportCtx)))
        const dest = target ?? reporter.defaultFile
        if (!dest || dest === '-') await writeToStream(stdout, output)
        else {
          const file = path.resolve(ctx.cwd, dest)
          // Node's text names the absolute path of a directory and a syscall (`ENOENT: ..., mkdir '/abs'`):
          // the file is named as given instead, and what is wrong in words.
          await atomicWriteFile(file, output).catch((err: unknown) => {
            throw new Error(`could not write ${dest}: ${fileErrorReason(err, 'write')}`)
          })
          result.files.push({ reporter: reporter.name, file })
        }
      }
      if (reporter.deliver) await bounded('deliver', () => reporter.deliver!(redactsItself(reporter) ? run : safeRun(), reportCtx))
    } catch (err) {
      // What the reporter threw is its own text, which can quote a token: masked as such.
      const error = redactText(errorMessage(err))
      result.failures.push({ reporter: reporter.name, error })
      ctx.warn?.(`reporter ${reporter.name} failed: ${error}`)
    }
  }
  return result
}

/**
 * A report with the run's known secrets masked (a value from a secret-looking variable, a plugin option
 * under a secret key). The run a reporter gets is redacted, but a plugin's reporter may also print what it
 * holds itself, such as its own `apiToken` option: the report file is where such a value must not land.
 * Bytes are masked too when they are UTF-8 text (a reporter that encodes its HTML or XML itself), and
 * written as they came when nothing was masked; true binary (an archive, an image) is left alone, since
 * replacing bytes inside it would corrupt it.
 */
function maskKnownSecrets(output: string | Uint8Array): string | Uint8Array {
  if (typeof output === 'string') return knownSecrets.mask(output)
  const text = utf8Text(output)
  if (text === undefined) return output
  const masked = knownSecrets.mask(text)
  return masked === text ? output : new TextEncoder().encode(masked)
}

/**
 * The bytes as text when they are UTF-8 with no NUL (which no text format holds, and most binary formats
 * do), a byte-order mark kept; else undefined.
 */
function utf8Text(bytes: Uint8Array): string | undefined {
  if (bytes.includes(0)) return undefined
  try {
    return new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(bytes)
  } catch {
    return undefined
  }
}

/**
 * `work`'s result, or a TimeoutError once `ms` have passed (the work is left to itself). Not faults.guard:
 * reports are written after the run, when no runner is armed to see a stall, and the guard's unref'd timer
 * would let a never-settling render end the process unnamed instead.
 */
function within<T>(ms: number, what: string, work: () => T | Promise<T>): Promise<T> {
  // raceDeadline's timer is not unref'd: a render that never settles and holds nothing open would otherwise end the process.
  return raceDeadline(Promise.resolve().then(work), ms, () => new TimeoutError(`${what} (the plugin timeout)`, ms))
}

function writeToStream(stream: NodeJS.WritableStream, data: string | Uint8Array): Promise<void> {
  if (typeof data === 'string' ? data.length === 0 : data.byteLength === 0) return Promise.resolve()
  return new Promise((resolve, reject) => {
    stream.write(data, (err) => (err ? reject(err) : resolve()))
  })
}
