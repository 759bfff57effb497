import path from 'node:path'
import { type HealthWarning, errorMessage, escapeControlChars, isUserError, plural, redactText } from '@venomqa/core'
import type { Runner } from '@venomqa/runner'
import { type ResolvedConfig, shownConfigFile } from '../config/load'
import type { PluginSpec } from '../config/types'
import { EXIT, type Io } from '../exit'
import { refuseOnlyInCi } from '../journeys/focus'
import { type LoadedJourney, discoverJourneyFiles, howToStart, loadJourneys, misnamedJourneysHint } from '../journeys/load'
import { type LoadedPlugin, loadPlugin, nameTwinError, pluginInstances, runnerPluginEntries } from '../plugins/load'
import { type ReporterRequest, reporterRequests } from '../reporters'
import { type Verdict, type WorkersChecked, checkWorkers, labelOf, httpStatus, unreachableReason, userErrorText } from './doctor-workers'
import { stillResolved } from './doctor-without-config'
import { parseFlagValues } from './flags'
import { checkReportFiles, configRead } from './outputs'
import { type ConfigFlags, openSession, resolveConfig, sessionReporters, typedPluginOptions } from './session'

export interface DoctorFlags extends ConfigFlags {
  baseUrl?: string
  timeout?: string
  /** As `venomqa run --restore`: every journey put back after it runs. */
  restore?: boolean
  /** False with `--no-workers`: worker 1 is not made to try the workerSetup. */
  workers?: boolean
}

const MARK: Record<Verdict, string> = { ok: '✓', warn: '!', fail: '✗', note: '-' }

/** Bound a check so one dead service cannot hang the doctor. */
async function within<T>(ms: number, what: string, fn: () => Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined
  try {
    return await Promise.race([
      fn(),
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`${what} did not answer within ${ms} ms`)), ms)
      }),
    ])
  } finally {
    clearTimeout(timer)
  }
}

/**
 * `venomqa doctor`: is everything a run needs in place? Config valid, each plugin loads and sets up,
 * journeys load, the workerSetup makes a worker that works (see checkWorkers), the base URL answers, and
 * every health check a plugin registered passes. One verdict line each. Exit 2 when a check failed on a
 * mistake in the user's input (the config, a plugin's name or options, a journey's definition: what
 * `venomqa run` refuses with exit 2; a workerSetup's own ConfigError), else exit 1 when any check failed
 * (a service down, the base URL not answering), and 130 when Ctrl-C stopped the worker check. A config
 * that does not resolve still leaves the checks that need none of it (see checkWithoutConfig).
 */
export async function doctorCommand(flags: DoctorFlags, io: Io, builtInCommands: readonly string[] = []): Promise<number> {
  const checkMs = 5000
  const checks = new Checks(io)
  const { line, failure } = checks
  const verdict = () => checks.verdict()

  let config: ResolvedConfig
  try {
    config = await resolveConfig(io, flags, parseFlagValues({ baseUrl: flags.baseUrl, restore: flags.restore }))
    line('ok', 'config', `${config.file ? path.relative(io.cwd, config.file) : 'no config file (defaults, environment and flags)'}${config.profile ? `, profile ${config.profile}` : ''}`)
  } catch (err) {
    failure('config', err)
    // What needs none of the config is still checked, as the exit codes promise: every verdict at once.
    await checkWithoutConfig(checks, io, flags, checkMs)
    return verdict()
  }

  // The plugins that load, with where each was written: a message about one names its own entry
  // (`plugins[1].maxWorkers`), not the place it takes in this shorter list.
  const good: PluginSpec[] = []
  const goodWhere: string[] = []
  const attempts: ({ ok: true; entry: number; plugin: LoadedPlugin } | { ok: false; err: unknown })[] = []
  for (const [i, spec] of config.plugins.entries()) {
    const where = config.pluginWhere[i] ?? `plugins[${i}]`
    attempts.push(await loadPlugin(spec, { root: config.root }).then((p) => ({ ok: true as const, entry: i, plugin: { ...p, where } }), (err: unknown) => ({ ok: false as const, err })))
  }
  // Another plugin of the name an earlier entry has is this entry's failure, as `venomqa run` refuses it,
  // not the setup's and the commands' after two plugins told as loaded.
  const loadedSoFar: LoadedPlugin[] = []
  for (const [i, attempt] of attempts.entries()) {
    if (!attempt.ok) continue
    const twin = await nameTwinError([...loadedSoFar, attempt.plugin], loadedSoFar.length, config.file && shownConfigFile(config.file, io.cwd))
    if (twin) attempts[i] = { ok: false, err: twin }
    else loadedSoFar.push(attempt.plugin)
  }
  // Checked as `venomqa run` sets them up: an entry without options that names a plugin listed with
  // options too is that instance, not one of its own missing every required option.
  const loadedPlugins = attempts.flatMap((a) => (a.ok ? [a] : []))
  const instances = new Map(pluginInstances(loadedPlugins.map((a) => a.plugin)).map((instance) => [loadedPlugins[instance.entries[0]!]!.entry, instance]))
  // The runner's check of plugin options, as `venomqa run` makes it (the session below loads the runner anyway).
  const { checkPluginEntries } = await import('@venomqa/runner')
  for (const [i, attempt] of attempts.entries()) {
    if (!attempt.ok) {
      failure('plugin', attempt.err)
      continue
    }
    const instance = instances.get(i)
    if (!instance) continue
    const p = instance.plugin
    try {
      // Its options checked here, as `venomqa run` checks them before any setup: a wrong one is this
      // plugin's failure, told once, and the plugin is left out of setup and commands, which would say it again.
      const [typed] = await typedPluginOptions([p], config.pluginTypedVariables)
      await checkPluginEntries(runnerPluginEntries([typed!], config.file && shownConfigFile(config.file, io.cwd)))
      for (const entry of instance.entries.map((e) => loadedPlugins[e]!)) {
        good.push(config.plugins[entry.entry]!)
        goodWhere.push(entry.plugin.where!)
      }
      line('ok', 'plugin', `${p.plugin.name} ${p.plugin.version ?? p.packageVersion ?? ''}${p.from ? ` (${path.relative(io.cwd, p.from) || p.from})` : p.source === 'built-in' ? ' (built in)' : ''}`)
    } catch (err) {
      failure('plugin', err)
    }
  }

  const loaded = await checkJourneys(checks, io, config.journeys, config.root, config)

  // The reporters a run would make, their plugin packages loaded with the session as `venomqa run` has it.
  let requests: ReporterRequest[] | undefined
  try {
    requests = reporterRequests(config, io.cwd)
  } catch (err) {
    failure('reporters', err)
  }
  let session: Awaited<ReturnType<typeof openSession>> | undefined
  let setupUnfinished = false
  try {
    session = await within(checkMs * 2, 'plugin setup', () => openSession(io, { ...config, plugins: good, pluginWhere: goodWhere }, { debug: flags.debug, reporters: requests, reportersCheckedLater: true }))
    // A setup abandoned at pluginTimeout is no refusal: the runner keeps it as a critical issue, and a run
    // then fails every journey with it. Doctor said "all checks passed" over it.
    const abandoned = session.runner.runIssues.filter((i) => i.severity === 'critical' && i.step.startsWith('setup '))
    for (const issue of abandoned) line('fail', 'setup', issue.error)
    setupUnfinished = abandoned.length > 0
    // What was set up, not what was listed: one plugin named twice with the same options is one.
    const setUp = session.runner.registry.plugins
    // Named: the count alone read as wrong where a reporter's plugin was set up beside the one listed.
    if (setUp.length) line('ok', 'setup', `${plural(setUp.length, 'plugin')} set up: ${setUp.map((p) => p.name).join(', ')}`)
  } catch (err) {
    failure('setup', err, `plugin setup failed: ${errorMessage(err)}`)
  }

  if (session && requests) {
    // What `venomqa run` refuses (exit 2) before anything runs, told with its words: an unknown reporter
    // (`htm`), reporters that would clash on one file or on stdout. Said only when it fails, as a run says nothing.
    try {
      checkReportFiles(await sessionReporters(session, requests, () => ({})), config.save, io.cwd, undefined, configRead(config.file), config.saveWhere)
    } catch (err) {
      failure('reporters', err)
    }
  }
  if (session && !setupUnfinished && good.length === config.plugins.length) {
    // The runner's refusal, with its words: a journey needs a port no plugin adds (`requires: ['webhooks']`
    // with the plugin left out), which `venomqa run` refuses (exit 2). Asked only when every plugin set up:
    // the one that failed may be the one that adds it, and is told already.
    const { portsProblem } = await import('@venomqa/runner')
    const problem = portsProblem(loaded, session.runner.registry.ports, session.runner.options.portHint)
    if (problem) {
      checks.mistake()
      line('fail', 'ports', problem)
    }
  }
  if (session && config.requireState && !session.runner.registry.stateBackends.length) {
    // The runner's refusal, with its words: journeys with checkpoints and nothing to roll back.
    const { stateRequiredProblem } = await import('@venomqa/runner')
    const problem = stateRequiredProblem(loaded.map(({ journey }) => journey))
    if (problem) {
      checks.mistake()
      line('fail', 'state', problem)
    }
  }

  // The run's own state backends connected, as a run connects them first, and each made to take a checkpoint,
  // roll back to it and release it: a backend whose checkpoint or rollback is broken fails every journey
  // that saves one. Right after each other, on the state as it is: nothing is left changed or open.
  if (session && !setupUnfinished) await checkState(checks, session.runner)

  // Worker 1 made, checked and undone, as a run makes it: what the restore line then says of the workers rests on it.
  const workersChecked = session && (await checkWorkers(session.runner, io, { skip: flags.workers === false, setupUnfinished, checkMs }, line, checks.mistake))
  if (workersChecked && 'interrupted' in workersChecked) {
    await session?.runner.close().catch(() => {})
    io.stdout.write('\ndoctor: interrupted: the checks after workers were not made\n')
    return EXIT.INTERRUPTED
  }
  if (session) await checkRestore(session.runner, loaded, workersChecked, line, checks.mistake)

  if (good.length) {
    // A plugin's command named like one of venomqa's own would never run; only here is it looked for,
    // since `venomqa run` reads no plugin's commands. Commands need no setup, so a failed one does not hide them.
    try {
      const { pluginCommands } = await import('../plugins/commands')
      const commands = [...(await pluginCommands(good, { ...config, pluginWhere: goodWhere }, io, builtInCommands)).keys()]
      if (commands.length) line('ok', 'commands', `from plugins: ${commands.map((c) => `venomqa ${c}`).join(', ')}`)
    } catch (err) {
      failure('commands', err)
    }
  }

  // Started as `venomqa run` starts it, before the base URL is asked: without it, nothing answers there
  // yet, and the line said the base URL was not reachable of a config that runs.
  if (session && config.app) await checkApp(checks, session.runner, config.app)
  await checkBaseUrl(checks, config.baseUrl, checkMs)

  if (session) {
    for (const [name, check] of session.runner.registry.healthChecks) {
      try {
        const answer = await within(checkMs, name, async () => check())
        if (answer === true) line('ok', 'service', `${name} is healthy`)
        else if (isWarning(answer)) line('warn', 'service', `${name}: ${redactText(answer.warning)}`)
        // A check's reason and error are a plugin's text, which can quote a password: masked as free text.
        else if (typeof answer === 'string' && answer.trim()) line('fail', 'service', `${name}: ${redactText(answer)}`)
        else line('fail', 'service', `${name}: unhealthy (its health check gave no reason; check the service's own logs)`)
      } catch (err) {
        // A mistake in the plugin's options the check found (a table its database does not have): exit 2, at its key.
        if (isUserError(err)) failure('service', err, `${name}: ${userErrorText(err)}`)
        else line('fail', 'service', `${name}: ${redactText(errorMessage(err))}`)
      }
    }
    await session.runner.close().catch(() => {})
  }
  return verdict()
}

/** A health check's `{ warning }` (HealthWarning): the service works, but something about it looks wrong. */
function isWarning(answer: unknown): answer is HealthWarning {
  return typeof answer === 'object' && answer !== null && typeof (answer as HealthWarning).warning === 'string' && (answer as HealthWarning).warning.trim() !== ''
}

/** Where a verdict line's detail starts: after its mark, its padded name and a space. */
const DETAIL_INDENT = ' '.repeat(2 + 10 + 1)

/**
 * A detail as its line shows it. Much of it is text a plugin or a server chose (a health check's reason, an
 * error quoting an answer): a control character in it would move the cursor or clear the terminal, so it is
 * escaped; a message of several lines keeps them, each under the first, not at the left edge among the marks.
 */
function shownDetail(detail: string): string {
  return escapeControlChars(detail).replace(/\n/g, `\n${DETAIL_INDENT}`)
}

/** Doctor's verdict lines, and what they add up to. */
class Checks {
  #failed = 0
  #mistakes = 0
  #total = 0
  #warned = 0

  constructor(private readonly io: Io) {}

  readonly line = (v: Verdict, what: string, detail: string): void => {
    if (v !== 'note') this.#total++
    if (v === 'fail') this.#failed++
    if (v === 'warn') this.#warned++
    this.io.stdout.write(`${MARK[v]} ${what.padEnd(10)} ${shownDetail(detail)}\n`)
  }

  /** A check that threw: a user's mistake (exit 2) or a failure of what the check looked at (exit 1). */
  readonly failure = (what: string, err: unknown, detail = errorMessage(err)): void => {
    if (isUserError(err)) this.#mistakes++
    this.line('fail', what, detail)
  }

  /** The failure just told (or about to be) is a mistake in the user's input: exit 2. */
  readonly mistake = (): void => {
    this.#mistakes++
  }

  /** The last line, and the exit code. */
  verdict(): number {
    const failed = this.#failed
    const mistakes = this.#mistakes
    const total = this.#total
    const ofInput = mistakes ? `, ${mistakes === failed ? (failed === 1 ? 'a mistake' : 'each a mistake') : `${mistakes} of them a mistake`} in the config, a plugin or a journey` : ''
    const warned = this.#warned ? `, ${this.#warned === total ? (total === 1 ? 'with a warning' : 'each with a warning') : `${this.#warned} with a warning`}` : ''
    this.io.stdout.write(failed ? `\ndoctor: ${failed} of ${plural(total, 'check')} failed${ofInput}\n` : `\ndoctor: ${total === 1 ? 'the one check' : `all ${total} checks`} passed${warned}\n`)
    return mistakes ? EXIT.USAGE : failed ? EXIT.FAILED : EXIT.OK
  }
}

/**
 * The journeys `globs` find under `root`, loaded as `venomqa run` loads them: no journey matching, a bad
 * definition and `journey.only` in CI are mistakes (exit 2). `config` says whether there is a config
 * file, for the hint when there is none.
 */
async function checkJourneys(checks: Checks, io: Io, globs: readonly string[], root: string, config: { file?: string }): Promise<LoadedJourney[]> {
  try {
    const files = await discoverJourneyFiles(globs, root)
    // What `venomqa run` warns of while it loads them (a file with no journey, a module evaluated twice),
    // said under the verdict: it does not fail the check, as it does not fail a run.
    const warnings: string[] = []
    const journeys = await loadJourneys(files, root, (m) => warnings.push(m))
    // As `venomqa run` refuses it (exit 2): doctor used to pass a project whose CI run would stop here.
    refuseOnlyInCi(journeys, io.env, false)
    if (journeys.length) checks.line('ok', 'journeys', `${plural(journeys.length, 'journey')} in ${plural(files.length, 'file')}`)
    else {
      // As `venomqa run` has it: no journey matching is a mistake in what the config names.
      checks.mistake()
      const hint = files.length ? '' : (await misnamedJourneysHint(globs, root)) + howToStart(config)
      checks.line('fail', 'journeys', `no journeys match ${globs.join(', ')}${hint}`)
    }
    for (const w of warnings) checks.line('note', 'journeys', w)
    return journeys
  } catch (err) {
    checks.failure('journeys', err)
    return []
  }
}

/** The config's `app` started, after the plugins and the state backends, as a run starts it; stopped at close. */
async function checkApp(checks: Checks, runner: Runner, app: NonNullable<ResolvedConfig['app']>): Promise<void> {
  const command = typeof app.command === 'string' ? app.command : app.command.join(' ')
  const started = Date.now()
  try {
    const problem = await runner.startAppAsARun()
    if (problem) checks.line('fail', 'app', problem)
    else checks.line('ok', 'app', `${redactText(command)} started and answered in ${Date.now() - started} ms (stopped when doctor ends)`)
  } catch (err) {
    checks.failure('app', err)
  }
}

/** The checkpoint each of the run's state backends takes and rolls back to once. */
const TRIAL_CHECKPOINT = 'doctor'

/** A `state` line for each of the run's state backends: connected, checkpointed, rolled back and released, or what failed. */
async function checkState(checks: Checks, runner: Runner): Promise<void> {
  if (!runner.registry.stateBackends.length) return
  try {
    // Not bounded here: each connect, checkpoint, rollback and release is bounded by pluginTimeout, as in a run.
    const tried = await runner.tryStateAsARun(TRIAL_CHECKPOINT)
    for (const { backend, problem, mistake } of tried) {
      if (mistake) checks.failure('state', mistake, userErrorText(mistake))
      else if (problem) checks.line('fail', 'state', redactText(problem))
      else checks.line('ok', 'state', `${labelOf(backend)} connected, checkpointed, rolled back and released`)
    }
  } catch (err) {
    checks.failure('state', err, redactText(errorMessage(err)))
  }
}

/** Does anything answer at the base URL? Any HTTP answer counts; none set is a note, not a failure. */
async function checkBaseUrl(checks: Checks, baseUrl: string | undefined, checkMs: number): Promise<void> {
  if (!baseUrl) {
    checks.line('note', 'base URL', 'not set (baseUrl in config, VENOMQA_BASE_URL or --base-url); journeys must set their own')
    return
  }
  try {
    const started = Date.now()
    const status = await httpStatus(baseUrl, AbortSignal.timeout(checkMs))
    checks.line('ok', 'base URL', `${redactText(baseUrl)} answered ${status} in ${Date.now() - started} ms`)
  } catch (err) {
    checks.line('fail', 'base URL', `${redactText(baseUrl)} is not reachable: ${unreachableReason(err)}`)
  }
}

/**
 * With a config that did not resolve: the checks that need none of it (the journeys and the base URL,
 * where what gives them resolves on its own), and a note for each part that cannot be told. The plugins,
 * their setup, the reporters, the workers and the services are made from the whole config.
 */
async function checkWithoutConfig(checks: Checks, io: Io, flags: DoctorFlags, checkMs: number): Promise<void> {
  const still = await stillResolved(io, flags)
  if (still.journeys) await checkJourneys(checks, io, still.journeys, still.root, still)
  else checks.line('note', 'journeys', 'not checked: what names them did not resolve (see above)')
  checks.line('note', 'plugins', 'not checked, nor their setup, the reporters, the workers and the services: they need the whole config')
  if (still.baseUrl.known) await checkBaseUrl(checks, still.baseUrl.value, checkMs)
  else checks.line('note', 'base URL', 'not checked: what gives it did not resolve (see above)')
}

/**
 * Journeys put back after they run (`restore`, `restoreAfterJourney`, `--restore`): what would do it, or
 * why nothing would. No state backend is the runner's refusal, with its words (a mistake, exit 2, as `run`
 * exits). On workers with no workerSetup, workers other than the run's own have no state backend, and
 * every restored journey they take is not run: a failure of the run (exit 1), said here before it. With a
 * workerSetup, what puts them back on the workers is what the workers check found on worker 1 (`workers`).
 */
async function checkRestore(
  runner: Awaited<ReturnType<typeof openSession>>['runner'],
  loaded: readonly LoadedJourney[],
  workersChecked: WorkersChecked | undefined,
  line: (v: Verdict, what: string, detail: string) => void,
  mistake: () => void,
): Promise<void> {
  const { restoreAskedBy, restoreProblem, restoredJourneys } = await import('@venomqa/runner')
  const journeys = loaded.map(({ journey }) => journey)
  const { restoreAfterJourney, workers = 1, workerSetup } = runner.options
  const by = restoreAskedBy(journeys, restoreAfterJourney)
  if (!by) return
  const backends = runner.registry.stateBackends
  if (!backends.length) {
    mistake()
    line('fail', 'restore', restoreProblem(journeys, restoreAfterJourney)!.message)
    return
  }
  const restored = restoredJourneys(journeys, restoreAfterJourney).length
  const one = workers === 2
  const others = one ? 'worker 1' : `workers 1 to ${workers - 1}`
  if (workers > 1 && !workerSetup) {
    line(
      'fail',
      'restore',
      `${by.asked}, but workers: ${workers} has no workerSetup: ${others} ${one ? 'has no state backend of its own' : 'have no state backends of their own'} to put back, so the restored journeys ${one ? 'it takes' : 'they take'} are not run; add a workerSetup that gives each worker its state backends (see docs/parallel.md), or run on 1 worker`,
    )
    return
  }
  const named = backends.map(labelOf).join(', ')
  // Who asks, for every journey when the run does: a journey's own restore: true is one of them.
  const asked = restoreAfterJourney ? 'restoreAfterJourney (--restore) is on' : by.asked
  const putBack = `${asked}: ${plural(restored, 'journey')} put back after ${restored === 1 ? 'it runs' : 'they run'} by ${named}`
  if (workers <= 1) {
    line('ok', 'restore', putBack)
    return
  }
  const gives = one ? 'it' : 'each'
  if (workersChecked && 'made' in workersChecked && workersChecked.made) {
    const got = workersChecked.backends
    // As the runner refuses it on a worker with none: the restored journeys that worker takes are not run.
    if (!got.length)
      line(
        'fail',
        'restore',
        `${putBack} on the run's own system, but the workerSetup gave worker 1 no state backend of its own to put back, so the restored journeys ${others} ${one ? 'takes' : 'take'} are not run; give each worker its state backends in the workerSetup (see docs/parallel.md)`,
      )
    else line('ok', 'restore', `${putBack}, and on ${others} by those the workerSetup gives ${gives} (worker 1 got ${got.map(labelOf).join(', ')})`)
    return
  }
  const why = workersChecked && 'why' in workersChecked ? workersChecked.why : 'not made'
  line('ok', 'restore', `${putBack}, and on ${others} by those the workerSetup is to give ${gives} (worker 1 ${why})`)
}
