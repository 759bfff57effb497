import path from 'node:path'
import { AbortedError, errorMessage, type Issue, type Reporter, type RunResult, UserError, summarize } from '@venomqa/core'
import type { VenomConfigBase } from '../config/types'
import { EXIT, type Io, warn } from '../exit'
import { discoverJourneyFiles, filterJourneys, loadJourneys, splitRunArgs } from '../journeys/load'
import { instantiateReporters, parseReporterSpec } from '../reporters'
import { type ConfigFlags, openSession, reporterFactories, resolveConfig } from './session'
import { parseFlagValues } from './flags'
import { journeyShard } from '../shard/journeys'
import { parseShard } from '../shard/split'

export interface RunFlags extends ConfigFlags {
  baseUrl?: string
  reporter?: string[]
  grep?: string
  tag?: string[]
  failFast?: boolean
  timeout?: string
  journeyTimeout?: string
  retries?: string
  save?: string
  parallelPaths?: string
  workers?: string
  pluginTimeout?: string
  requireState?: boolean
  /** `i/n`: run only this shard of the selected journeys. */
  shard?: string
}

/** `venomqa run [journeys...]`: discover, filter, run, report. Returns the exit code. */
export async function runCommand(args: string[], flags: RunFlags, io: Io): Promise<number> {
  const values: Partial<VenomConfigBase> = parseFlagValues(flags)
  // A bad --shard is refused before the config and the journeys are loaded.
  const shardSpec = flags.shard === undefined ? undefined : parseShard(flags.shard)
  const config = await resolveConfig(io, flags, values)

  const { patterns, names } = splitRunArgs(args, io.cwd)
  const files = await discoverJourneyFiles(
    patterns.length ? patterns.map((p) => path.relative(config.root, path.resolve(io.cwd, p))) : config.journeys,
    config.root,
  )
  if (!files.length)
    throw new UserError('E_NO_JOURNEYS', `no journey files match ${(patterns.length ? patterns : config.journeys).join(', ')} in ${config.root}`, {
      where: config.file ? path.relative(io.cwd, config.file) : 'journeys',
    })
  const all = await loadJourneys(files, config.root, (m) => warn(io, m))
  const selected = filterJourneys(all, { names, grep: flags.grep, tags: flags.tag })
  if (!selected.length)
    throw new UserError('E_NO_JOURNEYS', `no journey matches the filters (${describeFilters(flags)}); known: ${all.map((j) => j.journey.name).join(', ')}`)

  const { journeys: toRun, shard } = shardSpec ? journeyShard(selected, shardSpec) : { journeys: selected, shard: undefined }
  if (shard) io.stderr.write(`venomqa: shard ${shard.index}/${shard.total}: ${toRun.length} of ${selected.length} journeys\n`)

  // Journeys that only use ports or absolute URLs need no base URL; for the others, say where to set it.
  const homeless = toRun.filter(({ journey }) => !journey.baseUrl)
  if (!config.baseUrl && homeless.length)
    warn(io, `no base URL (set baseUrl in the config, VENOMQA_BASE_URL or --base-url): relative requests in ${homeless.map((j) => j.journey.name).join(', ')} will fail`)

  const requests = (config.reporters.length ? config.reporters : ['console']).map(parseReporterSpec)
  const controller = new AbortController()
  const session = await openSession(io, config, {
    reporters: requests,
    signal: controller.signal,
    debug: flags.debug,
  })
  const stopSignals = onInterrupt(io, controller)
  try {
    const targets = instantiateReporters(requests, await reporterFactories(session.runner.registry.reporters), (name) =>
      name === 'console' ? { stream: io.stdout, verbose: !!flags.debug, redact: redactOptions(config.redactKeys) } : {},
    )
    checkReportFiles(targets, config.save, io.cwd)
    // Reporters that follow the run live go through the runner's hook bus, like plugins' hooks.
    for (const { reporter } of targets) session.runner.addReporter(reporter)

    const result: RunResult = await session.runner.run(toRun.map(({ journey, file }) => ({ journey, file })))
    if (shard) result.shard = shard
    const { writeReports, renderJson, atomicWriteFile } = await import('@venomqa/runner')
    const redact = redactOptions(config.redactKeys)
    const saveFile = config.save ? path.resolve(io.cwd, config.save) : undefined
    const save = async () => {
      if (saveFile) await atomicWriteFile(saveFile, renderJson(result, redact))
    }
    const reportCtx = { cwd: io.cwd, stdout: io.stdout, warn: (m: string) => warn(io, m), redact }
    await save()
    if (saveFile) io.stderr.write(`venomqa: results saved to ${path.relative(io.cwd, saveFile) || saveFile}\n`)
    const written = await writeReports(result, targets, reportCtx)
    for (const f of written.files) io.stderr.write(`venomqa: ${f.reporter} report written to ${path.relative(io.cwd, f.file) || f.file}\n`)

    // Close once the reports are out (a cleanup that hangs must not hold them back, and a second Ctrl-C
    // still leaves them), then write the files again with what closing found: a backend that did not
    // disconnect, a plugin that failed to close. Reporters that deliver (a webhook) are not sent twice.
    await session.runner.close()
    if (addCloseIssues(result, session.runner.closeIssues, io)) {
      await save()
      await writeReports(result, targets.filter(writesAFile), reportCtx)
    }
    const interrupted = controller.signal.aborted || result.interrupted
    let code: number = interrupted ? EXIT.INTERRUPTED : result.status === 'passed' ? EXIT.OK : EXIT.FAILED
    if (written.failures.length && code === EXIT.OK) code = EXIT.FAILED
    return code
  } finally {
    // Closing twice is harmless: this one is for the paths that did not reach the close above.
    await session.runner.close().catch((err) => warn(io, `closing the runner failed: ${errorMessage(err)}`))
    stopSignals()
  }
}

/** Two outputs that would land in one file: the second would silently replace the first. Refused before the run. */
export function checkReportFiles(targets: readonly { reporter: Reporter; target?: string }[], save: string | undefined, cwd: string): void {
  const owners = new Map<string, string>()
  const claim = (file: string | undefined, who: string) => {
    if (!file || file === '-') return
    const resolved = path.resolve(cwd, file)
    const first = owners.get(resolved)
    if (first)
      throw new UserError('E_REPORT_CLASH', `${first} and ${who} would both write ${path.relative(cwd, resolved) || resolved}; give one of them another file`, {
        where: '--reporter',
      })
    owners.set(resolved, who)
  }
  if (save) claim(save, '--save')
  for (const { reporter, target } of targets) if (reporter.render) claim(target ?? reporter.defaultFile, `reporter "${reporter.name}"`)
}

/** Add what closing found to the results; true when there was anything. */
function addCloseIssues(result: RunResult, issues: readonly Issue[], io: Io): boolean {
  if (!issues.length) return false
  for (const issue of issues) warn(io, issue.error)
  result.issues.push(...issues)
  result.summary = summarize(result.journeys, result.issues)
  if (issues.some((i) => i.severity === 'critical')) result.status = 'failed'
  return true
}

function writesAFile(t: { reporter: Reporter; target?: string }): boolean {
  const dest = t.target ?? t.reporter.defaultFile
  return !!t.reporter.render && !t.reporter.deliver && !!dest && dest !== '-'
}

function redactOptions(keys?: string[]) {
  return keys?.length ? { extraKeys: keys } : undefined
}

function describeFilters(flags: RunFlags): string {
  return [flags.grep ? `--grep ${flags.grep}` : '', ...(flags.tag ?? []).map((t) => `--tag ${t}`)].filter(Boolean).join(' ') || 'names'
}

/**
 * Ctrl-C: the first one aborts the run's signal (the runner stops after the current request, rolls
 * open checkpoints back and disconnects; the reports still get written, marked interrupted). A second
 * one exits at once. SIGTERM (a CI job cancelled) is treated like the first Ctrl-C.
 */
export function onInterrupt(io: Io, controller: AbortController): () => void {
  let count = 0
  const handler = () => {
    count++
    if (count === 1) {
      io.stderr.write('\nvenomqa: interrupted: finishing the current request, rolling back, writing reports (Ctrl-C again to quit now)\n')
      controller.abort(new AbortedError('interrupted by the user'))
    } else {
      io.stderr.write('venomqa: quitting now\n')
      process.exit(EXIT.INTERRUPTED)
    }
  }
  process.on('SIGINT', handler)
  process.on('SIGTERM', handler)
  return () => {
    process.off('SIGINT', handler)
    process.off('SIGTERM', handler)
  }
}
