import path from 'node:path'
import {
  AbortedError,
  ConfigError,
  type Issue,
  type RunResult,
  type ShardInfo,
  UserError,
  errorMessage,
  plural,
} from '@venomqa/core'
import { type ResolvedConfig, projectRoot } from '../config/load'
import type { VenomConfigBase } from '../config/types'
import { EXIT, type Io, warn } from '../exit'
import { exitNow } from '../exit-guard'
import { type LoadedJourney, discoverJourneyFiles, filterJourneys, howToStart, knownJourneys, misnamedJourneysHint, loadJourneys, splitRunArgs, unknownTagsHint } from '../journeys/load'
import { focusSelection, refuseOnlyInCi } from '../journeys/focus'
import { type ShardNumber, lastRunFile, readLastRun, setAsideLastRun, setAsideLastRunSync, writeLastRun } from '../last-run'
import { lastFailedOnly, putBackRecords } from './last-failed'
import { harOutput } from '../har'
import { reporterRequests } from '../reporters'
import { RunOutputs, addIssues } from './run-outputs'
import { type ConfigFlags, openSession, redactOptions, sessionReporters, warnWithoutBaseUrl } from './session'
import { parseFlagValues } from './flags'
import { journeyShard } from '../shard/journeys'
import { withCode } from '../shard/code'
import { withRunId } from '../shard/run-id'
import { type ShardSpec, parseShard, shardOfFlag } from '../shard/split'
import { LeftBehind, madeByWorkersLines } from './left-behind'
import { LET_GO_MS, type LetGoBackend, type LettingGo, backendsToLetGo, startLettingGo } from './let-go'
import { checkReportFiles, clearOutputs, clearOutputsDespiteMistake, configClearingOutputs, configRead } from './outputs'
import { stdoutForReports } from '../report-stdout'

export interface RunFlags extends ConfigFlags {
  baseUrl?: string
  reporter?: string[]
  grep?: string
  tag?: string[]
  failFast?: boolean
  timeout?: string
  journeyTimeout?: string
  httpTimeout?: string
  retries?: string
  save?: string
  parallelPaths?: string
  workers?: string
  pluginTimeout?: string
  requireState?: boolean
  /** `i/n`: run only this shard of the selected journeys. */
  shard?: string
  /** Write every HTTP exchange of the run to this file as HAR 1.2. */
  har?: string
  journeyRetries?: string
  failOnFlaky?: boolean
  /** Put the system back after every journey. */
  restore?: boolean
  /** Run every journey this many times. */
  repeatEach?: string
  /** Run only the journeys that failed in the last run. */
  lastFailed?: boolean
  /** Allow `journey.only` when CI is set. */
  allowOnly?: boolean
}

/** `venomqa run [journeys...]`: discover, filter, run, report. Returns the exit code. */
export async function runCommand(args: string[], flags: RunFlags, io: Io): Promise<number> {
  // Until the run's own handler is in place: Ctrl-C or SIGTERM while the config and journeys load.
  const stopQuitting = quitBeforeRun(io, flags)
  try {
    return await loadAndRun(args, flags, io, stopQuitting)
  } finally {
    stopQuitting()
  }
}

async function loadAndRun(args: string[], flags: RunFlags, io: Io, signalsTaken: () => void): Promise<number> {
  // The record of the last run is read, then taken away until this run ends: a run stopped before then
  // (a mistake in a flag or the config, a plugin that hangs, a kill) leaves none, never an earlier run's
  // (see setAsideLastRun), and none of the outputs it names.
  // `clearOutputs`: before the config is read, which clears what it can itself (see configClearingOutputs).
  const stoppedEarly = async (err: unknown, clearOutputs = false): Promise<never> => {
    if (clearOutputs) await clearOutputsDespiteMistake(io, flags)
    // A --shard value that does not parse names no shard: every record goes, as for a whole run.
    await setAsideRecord(projectRoot(io.cwd, flags.config), io, shardSpec)
    throw err
  }
  let values: Partial<VenomConfigBase>
  let shardSpec: ShardSpec | undefined
  let repeatEach: number | undefined
  // A flag that took an option for its value was refused before the command started (option-as-value.ts):
  // the flags' files are file names to clear, and the config's outputs go as far as it names them.
  try {
    values = parseFlagValues(flags)
    // A bad --shard is refused before the config and the journeys are loaded.
    shardSpec = flags.shard === undefined ? undefined : parseShard(flags.shard)
    repeatEach = flags.repeatEach === undefined ? undefined : parseRepeatEach(flags.repeatEach)
  } catch (err) {
    return stoppedEarly(err, true)
  }
  // A mistake in the config clears what it can of the outputs itself (see configClearingOutputs).
  const config = await configClearingOutputs(io, flags, values).catch((err) => stoppedEarly(err))
  const lastRun = flags.lastFailed ? await readLastRun(config.root, shardSpec) : undefined
  await setAsideRecord(config.root, io, shardSpec)

  const { files, names } = await findJourneyFiles(args, config, io)
  const all = await loadJourneys(files, config.root, (m) => warn(io, m))
  const chosen = chooseJourneys(all, names, flags, io, shardSpec)
  const sharded = chosen.journeys
  const shard = chosen.shard && (await withCode(chosen.shard, chosen.selectedFiles, config.root, io.env))
  // After the shard split, as Playwright does: each shard of a split reruns its own failures.
  const rerun = lastRun ? lastFailedOnly(sharded, lastRun, shard, io) : { items: sharded, rerunOf: undefined }
  if (!rerun) {
    // Nothing failed last time, and nothing ran: the records still say so, for the next --last-failed.
    if (lastRun) await putBackRecords(config.root, lastRun, io)
    return EXIT.OK
  }
  return executeRun(config, rerun.items, flags, io, { shard, repeatEach, rerunOf: rerun.rerunOf, signalsTaken })
}

/** The journey files the arguments (else the config's globs) select, and the arguments that are journey names. */
export async function findJourneyFiles(args: readonly string[], config: ResolvedConfig, io: Io): Promise<{ files: string[]; names: string[] }> {
  const { patterns, names } = splitRunArgs(args, io.cwd)
  const files = await discoverJourneyFiles(
    patterns.length ? patterns.map((p) => path.relative(config.root, path.resolve(io.cwd, p))) : config.journeys,
    config.root,
  )
  // Patterns given on the command line are the user's words, quoted in the message: the config is not to blame.
  if (!files.length) {
    const globs = patterns.length ? patterns : config.journeys
    const hint = patterns.length ? '' : await misnamedJourneysHint(config.journeys, config.root)
    throw new UserError(
      'E_NO_JOURNEYS',
      `no journey files match ${globs.join(', ')} in ${config.root}${hint}${patterns.length ? '' : howToStart(config)}`,
      patterns.length ? {} : { where: config.file ? path.relative(io.cwd, config.file) : 'journeys' },
    )
  }
  return { files, names }
}

/**
 * The loaded journeys a run takes: `journey.only` checked in CI, the filters, the focus, then this shard's
 * part; and the files of every journey selected before the split (a shard records their hash, see withCode).
 */
export function chooseJourneys(
  all: readonly LoadedJourney[],
  names: string[],
  flags: RunFlags,
  io: Io,
  shardSpec: ShardSpec | undefined,
): { journeys: LoadedJourney[]; shard?: ShardInfo; selectedFiles: string[] } {
  refuseOnlyInCi(all, io.env, flags.allowOnly)
  // The files were found but define nothing (each was named in a warning as it loaded): no filter is to blame.
  if (!all.length) throw new UserError('E_NO_JOURNEYS', 'the journey files export no journeys (export default journey(...) or an array of journeys)')
  const filtered = filterJourneys(all, { names, grep: flags.grep, tags: flags.tag })
  if (!filtered.length)
    throw new UserError(
      'E_NO_JOURNEYS',
      `no journey matches ${describeFilters(names, flags)}; known: ${knownJourneys(all.map((j) => j.journey.name))}${unknownTagsHint(
        all.map((j) => j.journey),
        flags.tag,
      )}`,
    )
  const focus = focusSelection(filtered)
  if (focus.note) io.stderr.write(`venomqa: ${focus.note}\n`)
  const selected = focus.items

  const dealt = shardSpec ? journeyShard(selected, shardSpec) : { journeys: selected, shard: undefined }
  const journeys = dealt.journeys
  const shard = dealt.shard && withRunId(dealt.shard, io.env)
  if (shard) io.stderr.write(`venomqa: shard ${shard.index}/${shard.total}: ${journeys.length} of ${plural(selected.length, 'journey')}\n`)
  return { journeys, shard, selectedFiles: selected.map((j) => j.file) }
}

/**
 * Run the chosen journeys: open a session, run, save, write the reports, close. Ctrl-C interrupts it
 * (see onInterrupt). Returns the exit code. `venomqa run` does this once, `run --watch` after each change.
 */
export async function executeRun(
  config: ResolvedConfig,
  toRun: readonly LoadedJourney[],
  flags: RunFlags,
  io: Io,
  {
    shard,
    repeatEach,
    rerunOf,
    signalsTaken,
  }: {
    shard?: ShardInfo
    repeatEach?: number
    rerunOf?: RunResult['rerunOf']
    /** Called once the run's own Ctrl-C handler is in place: an earlier one steps aside. */
    signalsTaken?: () => void
  },
): Promise<number> {
  warnWithoutBaseUrl(io, config.baseUrl, toRun.map(({ journey }) => journey))

  const requests = reporterRequests(config, io.cwd)
  const har = await harOutput(flags.har, io.cwd)
  const controller = new AbortController()
  // Before the plugins set up: one that hangs there is interrupted like a run (exit 130, reports marked
  // interrupted), where SIGTERM used to kill the process with no word and no report.
  const left = new LeftBehind(io.cwd, (config.workers ?? 1) > 1 || config.workerSetup !== undefined)
  // The run's state backends once its plugins are set up: a quit asks them to let go (see let-go.ts).
  let backends: () => readonly LetGoBackend[] = () => []
  const stopSignals = onInterrupt(io, controller, left, () => backends())
  signalsTaken?.()
  const session = await openSession(io, config, {
    reporters: requests,
    signal: controller.signal,
    debug: flags.debug,
    onExchange: har?.recorder.onExchange,
    ...(repeatEach !== undefined ? { repeatEach } : {}),
    running: true,
  }).catch(async (err: unknown) => {
    // A quit under way ends the process itself, once it has said what it leaves: not this way out, first.
    await stopSignals.quitting()
    stopSignals()
    throw err
  })
  backends = () => backendsToLetGo(session.runner)
  const runnerModule = await import('@venomqa/runner')
  const { writeReports } = runnerModule
  const afterRun = watchAfterRun(runnerModule, io)
  let reportStdout: NodeJS.WritableStream = io.stdout
  let restoreStdout = () => {}
  try {
    const targets = await sessionReporters(session, requests, (name) =>
      name === 'console' ? { stream: io.stdout, verbose: !!flags.debug } : {},
    )
    const outputFiles = checkReportFiles(targets, config.save, io.cwd, har?.given, configRead(config.file), config.saveWhere)
    await clearOutputs(outputFiles, io)
    left.outputs = outputFiles
    // From here on, with a report for stdout, everything else printed goes to stderr (see report-stdout.ts).
    const stdout = stdoutForReports(io, targets)
    reportStdout = stdout.reports
    restoreStdout = stdout.restore
    // Reporters that follow the run live go through the runner's hook bus, like plugins' hooks.
    for (const { reporter } of targets) session.runner.addReporter(reporter)
    session.runner.addReporter(left.reporter)
    session.runner.onPutBack(left.onPutBack)
    left.backends = session.runner.registry.stateBackends

    left.stage = 'running'
    const result: RunResult = await session.runner.run(toRun.map(({ journey, file }) => ({ journey, file })))
    // Quit meanwhile: the files it said were not written stay so, and the process ends with the quit.
    await stopSignals.quitting()
    left.stage = 'reporting'
    if (shard) result.shard = shard
    if (rerunOf) result.rerunOf = rerunOf
    const redact = redactOptions(config.redactKeys)
    const outputs = new RunOutputs(io, {
      ...(config.save ? { save: { file: path.resolve(io.cwd, config.save), where: config.saveWhere ?? '--save', what: 'results' } } : {}),
      targets,
      har,
      writeReports,
      reportCtx: { cwd: io.cwd, stdout: reportStdout, warn: (m: string) => warn(io, m), redact, timeoutMs: session.runner.pluginTimeoutMs },
      redact,
    })
    // The files first, then close (a cleanup that hangs must not hold them back, and a second Ctrl-C still
    // leaves them), then write them again with what closing found: a backend that did not disconnect, a
    // plugin that failed to close. The console's summary and the reports that deliver come last, once the
    // verdict is final: one `Result:` line, the exit code's (see RunOutputs).
    await outputs.writeFiles(result)
    await stopSignals.quitting()
    left.stage = 'closing'
    await session.runner.close()
    await stopSignals.quitting()
    left.stage = 'finishing'
    if (addCloseIssues(result, [...afterRun.issues.splice(0), ...session.runner.closeIssues], io)) await outputs.rewrite(result)
    // Ctrl-C or SIGTERM after the journeys ran (a runEnd hook cut short, while reporting or closing): the
    // files written so far said "not interrupted" under exit code 130. Marked and written again, they agree.
    if (controller.signal.aborted && !result.interrupted) {
      result.interrupted = true
      io.stderr.write('venomqa: interrupted after the journeys ran: what was still to do (a runEnd hook, a report or the close) was cut short\n')
      await outputs.rewrite(result)
    }
    await outputs.finish(result)
    await outputs.interruptedAfterSummary(result, controller.signal)
    // Thrown after the summary was printed (a timer of a report's render): the files are written again to
    // say so, and this line and the exit code do.
    const late = afterRun.issues.splice(0)
    if (late.length) {
      const passed = result.status === 'passed'
      for (const issue of late) warn(io, passed ? `${issue.error} (after the summary above, which said passed: the run failed)` : issue.error)
      addIssues(result, late)
      await outputs.rewrite(result)
    }
    const interrupted = controller.signal.aborted || result.interrupted
    const code: number = interrupted ? EXIT.INTERRUPTED : result.status === 'passed' ? EXIT.OK : EXIT.FAILED
    // What --last-failed reads next time: every run that came to its end records its failures, passed or
    // not, and the command's verdict (a report that could not be written failed it); an interrupted one,
    // what it never finished too.
    await writeLastRun(config.root, result, code !== EXIT.OK, { failOnFlaky: config.failOnFlaky }).catch((err) =>
      warn(io, `could not record the run in ${lastRunFile(shard)}: ${errorMessage(err)}`),
    )
    return code
  } finally {
    // A quit under way ends the process itself, once its backends let go: not this way out, first.
    await stopSignals.quitting()
    // Closing twice is harmless: this one is for the paths that did not reach the close above.
    await session.runner.close().catch((err) => warn(io, `closing the runner failed: ${errorMessage(err)}`))
    afterRun.stop()
    stopSignals()
    restoreStdout()
  }
}

/**
 * From the run's start until its reports are out, an error thrown where nothing awaits it (a timer set by
 * a runEnd hook or by a reporter's render fires after the runner let go) is a critical issue of the run:
 * the results and reports are written again as failed. It used to end the process at once with exit 1,
 * after the console had said PASSED and before the other reports were written.
 */
function watchAfterRun(runner: Pick<typeof import('@venomqa/runner'), 'faults' | 'strayErrorIssue'>, io: Io): { issues: Issue[]; stop(): void } {
  const issues: Issue[] = []
  // The runner arms its own watch while it runs: the newest owner takes the faults, this one takes them after.
  const { faults, strayErrorIssue } = runner
  const stop = faults.arm({
    unattributed: (error, origin) =>
      issues.push(
        strayErrorIssue(
          error,
          origin,
          'after the journeys ran, where nothing awaited it (a runEnd hook, a reporter or a plugin, e.g. in a timer)',
          'Await every promise a runEnd hook or a reporter starts, and catch errors in the timers they set.',
        ),
      ),
    stalled: () => {
      io.stderr.write('venomqa: stopped before finishing: the command waited on something that can never happen (run with --debug, and report it)\n')
      exitNow(EXIT.FAILED)
    },
  })
  return { issues, stop }
}

/** Add what closing found to the results; true when there was anything. */
function addCloseIssues(result: RunResult, issues: readonly Issue[], io: Io): boolean {
  if (!issues.length) return false
  for (const issue of issues) warn(io, issue.error)
  addIssues(result, issues)
  return true
}

/** `--repeat-each n`: a whole number of 1 or more, or a usage error naming the flag. */
export function parseRepeatEach(value: string): number {
  const n = /^\s*\d+\s*$/.test(value) ? Number(value) : Number.NaN
  if (!Number.isSafeInteger(n) || n < 1) throw new ConfigError(`--repeat-each: expected a whole number of 1 or more, got "${value}"`, { where: '--repeat-each' })
  return n
}

/**
 * Take the records this run would replace away until it ends (see setAsideLastRun): this shard's, or a
 * whole run's, with those it makes stale. A failure to is said, and the run goes on. `run` does it as soon
 * as the config is read, `run --watch` before each of its runs.
 */
export async function setAsideRecord(root: string, io: Io, shard?: ShardNumber): Promise<void> {
  await setAsideLastRun(root, shard).catch((err) => warn(io, `could not take away the record of the last run, ${lastRunFile(shard)}, before this one: ${errorMessage(err)}`))
}

/** What the user asked for, in their words: `"checkout", --grep pay, --tag smoke`. */
function describeFilters(names: readonly string[], flags: RunFlags): string {
  return [...names.map((n) => JSON.stringify(n)), ...(flags.grep ? [`--grep ${flags.grep}`] : []), ...(flags.tag ?? []).map((t) => `--tag ${t}`)].join(', ')
}

/**
 * Ctrl-C or SIGTERM before the run starts (a config or journey file still loading, a slow top-level
 * await): nothing ran and nothing needs putting back, so quit at once with exit 130 and say so, taking the
 * record of the last run away as a run that stops early does. It used to end the process with 143 and
 * no word, leaving the earlier run's "passed" record for `--last-failed`. Returns how to step aside.
 */
function quitBeforeRun(io: Io, flags: RunFlags): () => void {
  const handler = () => {
    io.stderr.write('\nvenomqa: interrupted before the run started: nothing ran\n')
    setAsideLastRunSync(projectRoot(io.cwd, flags.config), shardOfFlag(flags.shard))
    exitNow(EXIT.INTERRUPTED)
  }
  return onStopSignals(handler)
}

/** Call `handler` on Ctrl-C (SIGINT) and SIGTERM, until the returned function is called. */
function onStopSignals(handler: () => void): () => void {
  process.on('SIGINT', handler)
  process.on('SIGTERM', handler)
  return () => {
    process.off('SIGINT', handler)
    process.off('SIGTERM', handler)
  }
}

/** What onInterrupt returns: call it to stop listening. */
export interface InterruptHandling {
  (): void
  /**
   * Resolves at once, unless the run is being quit (a second Ctrl-C): then never, as the quit ends the
   * process itself once its state backends let go (or their moment is over). The run's own way to its
   * end awaits it, so that it neither exits first (cutting a backend's letGo short, and the lines naming
   * one that did not finish) nor goes on to write the files the quit said it left unwritten.
   */
  quitting(): Promise<void>
}

/**
 * Ctrl-C: the first one aborts the run's signal (the runner stops after the current request, rolls
 * open checkpoints back and disconnects; the reports still get written, marked interrupted). A second
 * one quits without them: once the state backends let go (LET_GO_MS at most), it says what is left
 * behind, from where the run stopped when `left` follows it, and exits. SIGTERM (a CI job cancelled) is
 * treated like the first Ctrl-C.
 */
export function onInterrupt(io: Io, controller: AbortController, left?: LeftBehind, backends: () => readonly LetGoBackend[] = () => []): InterruptHandling {
  let count = 0
  let quit: Promise<void> | undefined
  let lettingGo: LettingGo | undefined
  let said = false
  /**
   * What the quit leaves, said once, in one write: after the backends let go, so that what their letGo
   * finished is not said to stay (a template rollback let finish puts the interrupted journey back), or
   * at a third Ctrl-C, as it stands then.
   */
  const sayWhatIsLeft = (failed: readonly string[]) => {
    if (said) return
    said = true
    const list = (lines: readonly string[]) => lines.map((line) => `  - ${line}\n`).join('')
    if (left) {
      io.stderr.write(`venomqa: quitting now, before the run finished:\n${list([...left.lines(), ...failed])}`)
      return
    }
    // Said plainly, and only what is sure whatever stage the run had reached: a rollback still under way
    // is cut short, so the app's data may keep what it would have undone; reports not out yet stay out
    // (those already written say "interrupted" in them).
    const made = madeByWorkersLines()
    io.stderr.write(
      `venomqa: quitting now: a rollback still under way is cut short, so what the interrupted journey wrote since its first checkpoint may still be in the app's data, and worker databases and apps may be left; reports and results not yet written are not written${made.map((line) => `; ${line}`).join('')}\n${list(failed)}`,
    )
  }
  const handler = () => {
    count++
    if (count === 1) {
      io.stderr.write('\nvenomqa: interrupted: finishing the current request, rolling back, writing reports (Ctrl-C again to quit now, without them)\n')
      controller.abort(new AbortedError('interrupted by the user'))
      return
    }
    // A third Ctrl-C does not wait for the backends either: it says what is left as it stands, the
    // backends still letting go among it, and goes.
    if (count > 2) {
      sayWhatIsLeft(lettingGo?.pending() ?? [])
      exitNow(EXIT.INTERRUPTED)
    }
    quit = new Promise<void>(() => {})
    // What only this process can undo (an in-process proxy's transaction and sequences, a template
    // rollback under way), for a moment at most. Then one turn of the event loop, for the run to hear of
    // what that finished (the rollback's hook, which marks the journey put back), before saying what stays.
    lettingGo = startLettingGo(backends())
    // Said at once: a silent moment invites a third Ctrl-C, which cuts short what it waits for.
    if (lettingGo.asked)
      io.stderr.write(`venomqa: quitting: the state backends first undo what only this process can (${LET_GO_MS / 1000} s at most; Ctrl-C again not to wait)\n`)
    void lettingGo.done
      .then(
        async (failed) => {
          await new Promise((resolve) => setImmediate(resolve))
          sayWhatIsLeft(failed)
        },
        () => sayWhatIsLeft([]),
      )
      .finally(() => exitNow(EXIT.INTERRUPTED))
  }
  return Object.assign(onStopSignals(handler), { quitting: () => quit ?? Promise.resolve() })
}
