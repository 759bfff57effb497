import path from 'node:path'
import { statSync } from 'node:fs'
import { ConfigError, type ExplorationResult, type Issue, RESULTS_SCHEMA_VERSION, type RunResult, UserError, errorMessage, exploredNothing, plural, statesText, summarize } from '@venomqa/core'
import type { VenomConfigBase } from '../config/types'
import { DEFAULT_EXPLORATIONS } from '../config/schema'
import { EXIT, type Io, warn } from '../exit'
import { type ExploreValueFlags, parseExploreFlags, parseWorkersFlag } from '../explorations/flags'
import { discoverExplorationFiles, loadExplorations, selectExplorations, splitExploreArgs } from '../explorations/load'
import { type LoadedOpenApiExploration, isUrl, loadOpenApiExploration, moduleVariables } from '../explorations/openapi'
import { isLiveTerminal, progressPrinter } from '../explorations/progress'
import { harOutput } from '../har'
import { packageInstalled } from '../plugins/first-party'
import { reporterRequests } from '../reporters'
import { cliVersion } from '../version'
import { stdoutForReports } from '../report-stdout'
import { explorationTargets } from './explore-reports'
import { checkReportFiles, clearOutputs, clearOutputsDespiteMistake, configClearingOutputs, configRead, fileAbove } from './outputs'
import { type LetGoBackend, backendsToLetGo } from './let-go'
import { onInterrupt } from './run'
import { RunOutputs } from './run-outputs'
import { maskedPath } from './save-results'
import { type ConfigFlags, openSession, redactOptions, sessionReporters, warnWithoutBaseUrl } from './session'
import { parseFlagValues } from './flags'
import { explorationShard } from '../shard/explorations'
import { withCode } from '../shard/code'
import { withRunId } from '../shard/run-id'
import { parseShard } from '../shard/split'

export interface ExploreFlags extends ConfigFlags, ExploreValueFlags {
  baseUrl?: string
  reporter?: string[]
  save?: string
  /** `--emit <dir>` a directory; `--no-emit` false. */
  emit?: string | boolean
  /** `--no-shrink` false. */
  shrink?: boolean
  prefixReplay?: boolean
  pluginTimeout?: string
  httpTimeout?: string
  /** `--openapi <file|url>`: explore the operations of an OpenAPI document, with no exploration file. */
  openapi?: string
  /** `i/n`: explore only this shard of each exploration's root subtrees. */
  shard?: string
  /** `n`: explore each exploration on n workers at once (config workerSetup). */
  workers?: string
  /** Write every HTTP exchange of the explorations to this file as HAR 1.2. */
  har?: string
}

/**
 * `venomqa explore [files...]`: load the explorations, explore each with the config's plugins (state
 * backends, invariants), report, save. Exit 0 no violation, 1 a violation or a crash, 2 a definition or
 * config mistake (no rollback-capable backend included), 130 on Ctrl-C.
 */
export async function exploreCommand(args: string[], flags: ExploreFlags, io: Io): Promise<number> {
  // A mistake in a flag's value stops the command before its config is read: what an earlier exploration
  // wrote where this one would write still goes, as far as the flags and the config name it. A flag that
  // took an option for its value was refused before the command started (option-as-value.ts).
  let values: Partial<VenomConfigBase>
  let overrides: ReturnType<typeof parseExploreFlags>
  let workers: ReturnType<typeof parseWorkersFlag>
  let shardSpec: ReturnType<typeof parseShard> | undefined
  try {
    values = parseFlagValues({ baseUrl: flags.baseUrl, reporter: flags.reporter, save: flags.save, pluginTimeout: flags.pluginTimeout, httpTimeout: flags.httpTimeout })
    overrides = parseExploreFlags(flags)
    workers = parseWorkersFlag(flags.workers)
    shardSpec = flags.shard === undefined ? undefined : parseShard(flags.shard)
  } catch (err) {
    await clearOutputsDespiteMistake(io, flags, { forExploration: true })
    throw err
  }
  // As `run` does: what an earlier exploration wrote where this one will write goes before anything can stop it.
  const config = await configClearingOutputs(io, flags, values, { readsOpenapi: flags.openapi !== undefined, forExploration: true })

  // An empty one would write the journeys into the project's root, where their imports do not resolve.
  if (typeof flags.emit === 'string' && !flags.emit.trim())
    throw new ConfigError('--emit needs the directory to write the regression journeys into (or --no-emit for none)', { where: '--emit' })
  // Found only when a violation is written out, a file in the way would lose its regression journey.
  if (typeof flags.emit === 'string') refuseEmitUnderAFile(flags.emit, config.root, io.cwd)
  // Every operation of a document is a request to the API: without its address, each would fail and nothing be explored.
  if (flags.openapi !== undefined && !config.baseUrl)
    throw new ConfigError('explore --openapi needs the base URL of the API: set baseUrl in the config, VENOMQA_BASE_URL or --base-url', { where: '--openapi' })

  const { patterns, names } = splitExploreArgs(args, io.cwd)
  const globs = patterns.length ? patterns.map((p) => path.relative(config.root, path.resolve(io.cwd, p))) : configured(config.explore)
  const files = flags.openapi === undefined ? await discoverExplorationFiles(globs, config.root) : []
  if (!files.length && flags.openapi === undefined) throw new UserError('E_NO_JOURNEYS', `no exploration files match ${globs.join(', ')} in ${config.root}`, { where: config.file ? path.relative(io.cwd, config.file) : 'explore' })
  const fromDocument: LoadedOpenApiExploration | undefined = flags.openapi === undefined ? undefined : await loadOpenApiExploration(flags.openapi, config, flags.emit, (m) => warn(io, m))
  const selected = fromDocument ? [fromDocument] : selectExplorations(await loadExplorations(files, config.root, (m) => warn(io, m)), names)
  if (!selected.length) throw new UserError('E_NO_JOURNEYS', `the files matching ${globs.join(', ')} export no exploration`)
  warnWithoutBaseUrl(io, config.baseUrl, selected.map(({ exploration }) => exploration))
  const shard =
    shardSpec &&
    (await withCode(
      withRunId(explorationShard(selected.map((x) => x.exploration), overrides, shardSpec), io.env),
      // The document an exploration of --openapi is made of, when it is a file; its module is written later, if at all.
      fromDocument ? (isUrl(fromDocument.document) ? [] : [fromDocument.document]) : selected.map((x) => x.file),
      config.root,
      io.env,
    ))

  const requests = reporterRequests(config, io.cwd)
  const har = await harOutput(flags.har, io.cwd)
  const controller = new AbortController()
  // Before the plugins set up, as for run: one that hangs there is interrupted like the exploration.
  let backends: () => readonly LetGoBackend[] = () => []
  const stopSignals = onInterrupt(io, controller, undefined, () => backends())
  const session = await openSession(io, config, { reporters: requests, signal: controller.signal, debug: flags.debug, onExchange: har?.recorder.onExchange }).catch(async (err: unknown) => {
    // A quit under way ends the process itself, once it has said what it leaves: not this way out, first.
    await stopSignals.quitting()
    stopSignals()
    throw err
  })
  backends = () => backendsToLetGo(session.runner)
  const redact = redactOptions(config.redactKeys)
  let reportStdout: NodeJS.WritableStream = io.stdout
  let restoreStdout = () => {}
  try {
    const { runner } = session
    const targets = explorationTargets(await sessionReporters(session, requests, (name) => (name === 'console' ? { stream: io.stdout, verbose: !!flags.debug } : {})))
    await clearOutputs(checkReportFiles(targets, config.save, io.cwd, har?.given, configRead(config.file), config.saveWhere), io)
    for (const { reporter } of targets) runner.addReporter(reporter)
    // With a report for stdout, everything else printed goes to stderr (see report-stdout.ts).
    const stdout = stdoutForReports(io, targets)
    reportStdout = stdout.reports
    restoreStdout = stdout.restore

    const { explore, notStartedResult } = await import('@venomqa/explore')
    const startedAt = new Date().toISOString()
    const t0 = performance.now()
    const explorations: ExplorationResult[] = []
    const live = isLiveTerminal(io.stderr, io.env)
    for (const { exploration, file } of selected) {
      // Every exploration asked for is in the results: those Ctrl-C came before are failed as not started.
      if (controller.signal.aborted) {
        io.stderr.write(`venomqa: not explored ${exploration.name}: the run was interrupted before it started\n`)
        explorations.push(notStartedResult(exploration, { file, overrides }))
        continue
      }
      const progress = progressPrinter(io.stderr, exploration.name, { live, dedupe: overrides.dedupe ?? exploration.dedupe })
      try {
        const result = await explore(exploration, {
          runner,
          root: config.root,
          file,
          baseUrl: config.baseUrl,
          signal: controller.signal,
          overrides,
          shrink: flags.shrink !== false,
          emitDir: flags.emit === false ? false : typeof flags.emit === 'string' ? flags.emit : undefined,
          prefixReplay: !!flags.prefixReplay,
          logger: runner.options.logger,
          onProgress: (p) => progress.update(p),
          rootShare: shardSpec,
          workers,
        })
        progress.done()
        // The module the regression journeys import, once there is one to import it (or one of an earlier
        // exploration of the document, kept up to date): a command stopped before the search wrote nothing.
        if (fromDocument && (result.violations.some((v) => v.emittedFile) || fromDocument.moduleExists())) await fromDocument.writeModule()
        // With no module, the reports name the document, as they do under --no-emit: never a file that is not there.
        else if (fromDocument) result.file = fromDocument.document
        io.stderr.write(`venomqa: explored ${exploration.name} (${result.strategy}, depth ${result.depth}, seed ${result.seed}${shard ? `, shard ${shard.index}/${shard.total}` : ''}${result.workers ? `, ${plural(result.workers.length, 'worker')}` : ''}): ${searchText(result)}\n`)
        explorations.push(result)
      } finally {
        progress.done()
      }
    }

    // Quit meanwhile: the files it said were not written stay so, and the process ends with the quit.
    await stopSignals.quitting()
    const result: RunResult = {
      schemaVersion: RESULTS_SCHEMA_VERSION,
      tool: { name: 'venomqa', version: cliVersion() },
      startedAt,
      finishedAt: new Date().toISOString(),
      durationMs: performance.now() - t0,
      status: 'passed',
      interrupted: controller.signal.aborted,
      backends: runner.resultBackends(),
      journeys: [],
      explorations,
      issues: runner.runIssues,
      summary: summarize([], runner.runIssues, explorations),
      ...(shard ? { shard } : {}),
    }
    finish(result)
    // runStart is not fired: its event lists journeys, and an exploration is none. runEnd carries the run.
    await runner.bus.emit('runEnd', { result }, (issue) => runner.runIssues.push(issue))
    finish(result)

    const { writeReports } = await import('@venomqa/runner')
    const reportCtx = { cwd: io.cwd, stdout: reportStdout, warn: (m: string) => warn(io, m), redact, timeoutMs: runner.pluginTimeoutMs }
    await runner.close()
    addIssues(result, runner.closeIssues, io)
    // Ctrl-C after the result was made (in a runEnd hook, while a plugin closed): what is written says so,
    // as the exit code will.
    if (controller.signal.aborted) result.interrupted = true
    // As `venomqa run` writes them: the files, then the console's summary with the final verdict.
    const outputs = new RunOutputs(io, {
      ...(config.save ? { save: { file: path.resolve(io.cwd, config.save), where: config.saveWhere ?? '--save', what: 'results' } } : {}),
      targets,
      har,
      writeReports,
      reportCtx,
      redact,
    })
    await stopSignals.quitting()
    await outputs.writeFiles(result)
    const emitted = explorations.flatMap((x) => x.violations.flatMap((v) => (v.emittedFile ? [v.emittedFile] : [])))
    for (const file of emitted) io.stderr.write(`venomqa: regression journey written to ${maskedPath(file)}\n`)
    // Another machine's shard found nothing there: this one's `venomqa run --shard` would deal a split of its own.
    if (shardSpec && emitted.length) {
      const them = emitted.length === 1 ? 'it' : 'them'
      io.stderr.write(
        `venomqa: with --shard, ${emitted.length === 1 ? 'this journey is' : 'these journeys are'} on this machine only: commit ${them} or delete ${them} before a venomqa run --shard here, which would otherwise deal other journeys than the other machines (and merge-reports refuse the shards)\n`,
      )
    }
    const needs = flags.openapi !== undefined && emitted.length ? moduleVariables(flags.openapi, config.openapi ?? {}) : []
    if (needs.length) io.stderr.write(`venomqa: the regression journeys read what this exploration used from the environment: set ${needs.join(' and ')} when you run them\n`)
    const missing = emitted.length ? uninstalledImports(config.root, flags.openapi !== undefined) : []
    if (missing.length)
      warn(io, `the regression journeys import ${missing.join(' and ')}, which this project does not have: \`venomqa run\` cannot load them until it does (npm install -D ${missing.join(' ')})`)
    await outputs.finish(result)
    await outputs.interruptedAfterSummary(result, controller.signal)

    // A Ctrl-C after the result was made (while a plugin closed, or reports were written) still stops the
    // command short of what it was asked: never exit 0, as `venomqa run` does.
    if (result.interrupted || controller.signal.aborted) return EXIT.INTERRUPTED
    return result.status === 'passed' ? EXIT.OK : EXIT.FAILED
  } finally {
    // A quit under way ends the process itself, once its backends let go: not this way out, first.
    await stopSignals.quitting()
    await session.runner.close().catch((err) => warn(io, `closing the runner failed: ${errorMessage(err)}`))
    stopSignals()
    restoreStdout()
  }
}

function configured(globs: string | string[] | undefined): string[] {
  if (globs === undefined) return [DEFAULT_EXPLORATIONS]
  return Array.isArray(globs) ? globs : [globs]
}

/** Status and summary from the explorations and the run's issues: failed on any violation, crash or critical issue. */
function finish(result: RunResult): void {
  const explorations = result.explorations ?? []
  result.summary = summarize([], result.issues, explorations)
  const failed = explorations.some((x) => x.status === 'failed') || result.issues.some((i) => i.severity === 'critical')
  result.status = failed ? 'failed' : 'passed'
}

function addIssues(result: RunResult, issues: readonly Issue[], io: Io): void {
  if (!issues.length) return
  for (const issue of issues) warn(io, issue.error)
  result.issues.push(...issues)
  finish(result)
}

/** `--emit` names a directory (relative to the project root): refused before exploring when a file is where it, or a folder above it, would be. */
function refuseEmitUnderAFile(emit: string, root: string, cwd: string): void {
  const dir = path.resolve(root, emit)
  const shown = (p: string) => path.relative(cwd, p) || p
  let blocked: string | undefined
  try {
    if (!statSync(dir).isDirectory()) blocked = dir
  } catch {
    blocked = fileAbove(dir)
  }
  if (blocked) throw new ConfigError(`--emit ${emit}: ${shown(blocked)} is a file, not a directory; give a directory for the regression journeys (or --no-emit)`, { where: '--emit' })
}

/**
 * The packages the written regression journeys import that the project cannot load: `@venomqa/core`, and
 * for a document's exploration `@venomqa/openapi` (its module imports it). The CLI has both for itself,
 * where a project that installed it alone with pnpm, which hoists nothing, does not.
 */
function uninstalledImports(root: string, fromDocument: boolean): string[] {
  return ['@venomqa/core', ...(fromDocument ? ['@venomqa/openapi'] : [])].filter((pkg) => !packageInstalled(pkg, root))
}

/** What the line after each exploration says of its search: its counts, or that it stopped before its first action. */
function searchText(result: ExplorationResult): string {
  if (exploredNothing(result)) return 'explored nothing: it stopped before its first action (see its issues)'
  return `${plural(result.stats.transitions, 'transition')}, ${statesText(result.stats.states, result.dedupe)}, ${plural(result.violations.length, 'violation')}`
}
