import path from 'node:path'
import { type Issue, type RedactOptions, type Reporter, type RunResult, SEVERITIES, makeIssue, redactRun, summarize } from '@venomqa/core'
import type { WriteReportsContext, WriteReportsResult } from '@venomqa/runner'
import type { Io } from '../exit'
import { type HarOutput, writeHar } from '../har'
import { clearOutputs } from './outputs'
import { saveResults, sayWritten } from './save-results'

/** A reporter and where its output goes, as sessionReporters makes them. */
type Target = { reporter: Reporter; target?: string; options?: Record<string, unknown>; where?: string }

type WriteReports = (run: RunResult, targets: readonly Target[], ctx: WriteReportsContext) => Promise<WriteReportsResult>

export interface RunOutputsOptions {
  /** The results file (`--save`), resolved, and where it was named. */
  save?: { file: string; where: string; what: string }
  targets: readonly Target[]
  har?: HarOutput
  writeReports: WriteReports
  reportCtx: WriteReportsContext
  redact?: RedactOptions
}

/** An output that could not be written, as the warning said it. */
interface Failure {
  step: string
  error: string
}

/**
 * The outputs of a command that runs (the results file, the reports, the HAR), written so that all of
 * them tell one verdict, the one the exit code gives.
 *
 * The files come first (writeFiles). An output that cannot be written (no permission, a full disk, a
 * reporter that throws) fails the run: it is a critical issue of the run, and the files written before it
 * are written again to say so. What the command finds after them (closing's problems, an interrupt) is
 * written into them again too (rewrite). A file that cannot be written again is removed: it would tell an
 * earlier verdict. Last (finish), when the verdict is final, the reports that deliver (a webhook's message,
 * sent once) and the one printed on stdout (the console's summary, whose `Result:` line is the last word).
 */
export class RunOutputs {
  /** The file reports, written first and again whenever the verdict changes. */
  readonly #files: Target[]
  /** Reports that deliver, then the one on stdout: written once, last. */
  readonly #last: Target[]
  /** What was written, to write again; what failed is not tried again. */
  readonly #written = new Set<Target | 'results'>()
  readonly #failed = new Set<Target | 'results'>()
  /** The run redacted for the results file, kept for the reports while the run stays as it was. */
  #safe: RunResult | undefined

  constructor(
    private readonly io: Io,
    private readonly options: RunOutputsOptions,
  ) {
    const rendered = options.targets.filter((t) => t.reporter.render || t.reporter.deliver)
    this.#files = rendered.filter(writesAFile)
    const rest = rendered.filter((t) => !writesAFile(t))
    this.#last = [...rest.filter((t) => t.reporter.deliver), ...rest.filter((t) => !t.reporter.deliver)]
  }

  /** The results file, every file report and the HAR, then again as long as one of them failed. */
  async writeFiles(result: RunResult): Promise<void> {
    const failures = [...(await this.#writeResults(result, this.options.save?.what)), ...(await this.#writeReports(this.#forReports(result), this.#files, true))]
    if (this.options.har) {
      const problem = await writeHar(this.options.har, this.io)
      if (problem) failures.push({ step: 'write the HAR', error: problem })
    }
    await this.#failedOutputs(result, failures)
  }

  /** The results and the file reports written again: the result changed (closing found a problem, an interrupt). */
  async rewrite(result: RunResult): Promise<void> {
    await this.#failedOutputs(result, await this.#again(result))
  }

  /**
   * Last, with the final verdict: the reports that deliver, then the one printed on stdout. With no console
   * reporter (`--reporter html:report.html` replaces the config's list, console and all), a run that failed
   * says so in one line on stderr: the lines before it only said which files were written, and the exit
   * code alone was the terminal's (a CI log's) only sign of the failure.
   */
  async finish(result: RunResult): Promise<void> {
    await this.#failedOutputs(result, await this.#writeReports(this.#forReports(result), this.#last, true))
    if (result.status !== 'passed' && !result.interrupted && !this.options.targets.some((t) => t.reporter.name === 'console')) this.io.stderr.write(`${failedLine(result)}\n`)
  }

  /**
   * A Ctrl-C (or SIGTERM) that came while the last word was told (the console's summary, a report that
   * delivers): the exit code is 130, as for any interrupt, and the summary cannot take back what it said,
   * so a line after it says so and the files are written again marked interrupted, rather than saying
   * "not interrupted" under exit code 130. Nothing when `signal` did not abort, or the run already knew.
   */
  async interruptedAfterSummary(result: RunResult, signal: AbortSignal): Promise<void> {
    if (!signal.aborted || result.interrupted) return
    const said = result.status
    result.interrupted = true
    this.io.stderr.write(`venomqa: interrupted after the summary above, which said ${said}: the results and reports are written again marked interrupted\n`)
    await this.rewrite(result)
  }

  /**
   * The run redacted, made once the results file needs it, and then handed to the reports as well (a
   * reporter redacting it again finds nothing left to do).
   */
  #redacted(result: RunResult): RunResult {
    return (this.#safe ??= redactRun(result, this.options.redact))
  }

  /**
   * What the reports are given: the redacted copy when the results file made one, else the run itself.
   * writeReports redacts it for the reporters that need it, once, when the first one does; the console
   * masks its own way and needs none. Redacting every exchange of a long run for a console alone cost
   * `venomqa run` about a tenth of its time.
   */
  #forReports(result: RunResult): RunResult {
    return this.#safe ?? result
  }

  /** Each failure an issue of the run, then the files written so far written again, until none fails. */
  async #failedOutputs(result: RunResult, failures: Failure[]): Promise<void> {
    while (failures.length) {
      addIssues(result, failures.map(outputIssue))
      failures = await this.#again(result)
    }
  }

  async #again(result: RunResult): Promise<Failure[]> {
    // Called when the run changed: its redacted copy is made again.
    this.#safe = undefined
    const reports = this.#files.filter((t) => this.#written.has(t) && !this.#failed.has(t))
    return [...(await this.#writeResults(result)), ...(await this.#writeReports(this.#forReports(result), reports, false))]
  }

  async #writeResults(result: RunResult, what?: string): Promise<Failure[]> {
    const save = this.options.save
    if (!save || this.#failed.has('results')) return []
    const problem = await saveResults(save.file, this.#redacted(result), this.options.redact, this.io, what, save.where)
    if (!problem) {
      this.#written.add('results')
      return []
    }
    await this.#fail('results', save.file)
    return [{ step: 'write the results', error: problem }]
  }

  async #writeReports(safe: RunResult, targets: readonly Target[], first: boolean): Promise<Failure[]> {
    const failures: Failure[] = []
    // One at a time: a failure is told by reporter name, and two reporters of one name may write two files.
    for (const target of targets) {
      const written = await this.options.writeReports(safe, [target], this.options.reportCtx)
      if (first) sayWritten(this.io, written)
      if (!written.failures.length) {
        this.#written.add(target)
        continue
      }
      await this.#fail(target, writesAFile(target) ? path.resolve(this.options.reportCtx.cwd, fileOf(target)!) : undefined)
      for (const f of written.failures) failures.push({ step: `write the ${f.reporter} report`, error: `reporter ${f.reporter} failed: ${f.error}` })
    }
    return failures
  }

  /** Not tried again; a file it wrote before holds an earlier verdict, and goes. */
  async #fail(output: Target | 'results', file: string | undefined): Promise<void> {
    this.#failed.add(output)
    if (file && this.#written.has(output)) await clearOutputs([file], this.io)
  }
}

/**
 * `venomqa: Result: FAILED (journeys: 1 passed, 2 failed of 3; issues: 2 high): ...`, the console's
 * verdict and counts in one line, for a run that had no console reporter.
 */
export function failedLine(run: RunResult): string {
  const s = run.summary
  // Flaky journeys are counted as the console counts them, so the numbers add up to the total, and a run
  // that --fail-on-flaky failed shows what failed it. An exploration's flaky count is of its violations.
  const counts = (c: { passed: number; failed: number; skipped?: number; total: number }, flaky = 0) =>
    `${[`${c.passed} passed`, c.failed ? `${c.failed} failed` : '', flaky ? `${flaky} flaky` : '', c.skipped ? `${c.skipped} skipped` : ''].filter(Boolean).join(', ')} of ${c.total}`
  const issues = SEVERITIES.filter((sev) => s.issues[sev] > 0).map((sev) => `${s.issues[sev]} ${sev}`)
  const parts = [
    ...(s.journeys.total || !s.explorations ? [`journeys: ${counts(s.journeys, s.journeys.flaky)}`] : []),
    ...(s.explorations ? [`explorations: ${counts(s.explorations)}`] : []),
    `issues: ${issues.length ? issues.join(', ') : 'none'}`,
  ]
  return `venomqa: Result: FAILED (${parts.join('; ')}): the reports written above say why (add --reporter console to print the summary here)`
}

/** A reporter that renders to a file of its own, and delivers nothing: the reports written again. */
export function writesAFile(t: Target): boolean {
  const dest = fileOf(t)
  return !!t.reporter.render && !t.reporter.deliver && !!dest && dest !== '-'
}

const fileOf = (t: Target) => t.target ?? t.reporter.defaultFile

function outputIssue(failure: Failure): Issue {
  return makeIssue({
    journey: '',
    path: '',
    step: failure.step,
    severity: 'critical',
    kind: 'crash',
    error: failure.error,
    source: 'output',
    suggestion:
      "An output of the run could not be written, so the run failed: the other outputs say why. Check where it writes (the directory's permissions, free space, a file where a directory goes), or, for a plugin's reporter, what it threw.",
  })
}

/** Issues added to a run: it is failed on a critical one, and its summary counts them. */
export function addIssues(result: RunResult, issues: readonly Issue[]): void {
  result.issues.push(...issues)
  result.summary = summarize(result.journeys, result.issues, result.explorations)
  if (issues.some((i) => i.severity === 'critical')) result.status = 'failed'
}
