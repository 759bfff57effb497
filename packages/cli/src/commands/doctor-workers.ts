import {
  AbortedError,
  type StateBackend,
  backendLabel,
  errorMessage,
  isUserError,
  madeByWorkerSetups,
  plainRequest,
  redactCredentials,
  redactText,
  workerLeftBehind,
} from '@venomqa/core'
import type { Lane, Runner, WorkerGivenUp } from '@venomqa/runner'
import { EXIT, type Io } from '../exit'
import { exitNow } from '../exit-guard'
import { madeByWorkersLines } from './left-behind'

/** A line's verdict: `warn` passes, but says something looks wrong (a health check's warning); `note` counts as no check. */
export type Verdict = 'ok' | 'warn' | 'fail' | 'note'
export type Line = (v: Verdict, what: string, detail: string) => void

/**
 * What the workers check found, for the `restore` line, which says what puts journeys back on the workers:
 * the state backends worker 1 got, or why that is not known.
 */
export type WorkersChecked = { made: true; backends: readonly StateBackend[] } | { made: false; why: string } | { interrupted: true }

/** The checkpoint the worker's state backends take and roll back to once. */
const TRIAL_CHECKPOINT = 'doctor'

/** `postgres:app_w1 (snapshot)`, or the name alone when it is the mechanism's. */
export const labelOf = (b: Pick<StateBackend, 'name' | 'mechanism'>) => backendLabel(b.name, b.mechanism)

/**
 * The HTTP status `url` answers with, any status (a redirect or a 401 included: any answer is what a check
 * wants to see, not a log-in, so a URL's user and password are not sent); throws when nothing answers
 * within `signal`. Not the global fetch: it refuses the fetch standard's "bad ports" (6665-6669, 10080, ...)
 * without connecting, where `venomqa run` reaches the same app.
 */
export async function httpStatus(url: string, signal: AbortSignal): Promise<number> {
  const res = await plainRequest(url, { signal, follow: 0 })
  await res.discard()
  return res.status
}

/**
 * What went wrong, without what a run would do about it: a worker the pool gave up says "...; worker 1 is
 * not used again in this run", which means nothing to a check that makes the worker outside of a run.
 */
function whyFailed(err: unknown): string {
  const reason = (err as Partial<WorkerGivenUp> | undefined)?.reason
  return typeof reason === 'string' ? reason : errorMessage(err)
}

/** Why a fetch found nothing there, as short as the system says it (`ECONNREFUSED`), masked. */
export function unreachableReason(err: unknown): string {
  const cause = (err as { cause?: { code?: string; message?: string } }).cause
  return redactCredentials(cause?.code ?? cause?.message ?? errorMessage(err))
}

/**
 * A user's mistake with the words `venomqa run` gives it (see reportError): its message, and where it is
 * when the message does not say it already, masked as run masks them.
 */
export function userErrorText(err: unknown): string {
  const message = redactCredentials(errorMessage(err))
  const where = (err as { where?: string }).where
  return where && !message.includes(redactCredentials(where)) ? `${message} (at ${redactCredentials(where)})` : message
}

/** A check of the made worker that failed: said after "worker 1 made by the workerSetup in N ms, but". */
class WorkerCheckFailed extends Error {}

/** An error and the errors it was caused by, nearest first, up to five deep. */
function causeChain(err: unknown): unknown[] {
  const chain: unknown[] = []
  for (let e: unknown = err; e && chain.length < 5; e = (e as { cause?: unknown }).cause) chain.push(e)
  return chain
}

/** A user's mistake anywhere in the chain: the pool wraps what a create threw (a ConfigError of composeWorkers) in its own error. */
function mistakeIn(err: unknown): boolean {
  return causeChain(err).some(isUserError)
}

/**
 * `venomqa doctor`'s `workers` line: with a workerSetup and more than one worker or parallel path, worker 1
 * is made as a run makes it (the runner's own WorkerPool: the setup's create, its state backends connected,
 * all bounded by pluginTimeout), checked, and undone. Checked means: the create returned; the worker's app
 * answers over HTTP (any status, as the base URL check); each of its state backends connected, and took a
 * checkpoint and rolled back to it once, on the worker's own state, which its app has just made, so that
 * costs milliseconds and tries what a run does first with a worker; and the app did not end meanwhile.
 *
 * The worker is always undone, whatever failed, and on Ctrl-C or SIGTERM (the create is told to stop, and
 * undoes what it made). A second one quits at once, naming what is left with how to remove it, as `run`
 * does. What could not be undone fails the check, named the same way.
 */
export async function checkWorkers(
  runner: Runner,
  io: Io,
  options: { skip: boolean; setupUnfinished: boolean; checkMs: number },
  line: Line,
  mistake: () => void,
): Promise<WorkersChecked | undefined> {
  // Tried whenever one is configured: a config may leave the number of workers to the command line
  // (`venomqa run --workers 2`, `explore --workers`) or to an exploration, and its setup went untried.
  const { workerSetup } = runner.options
  if (!workerSetup) return undefined
  // Asked first, as a run asks it before its first journey: a mistake in the setup's config (a part without
  // its url) is told with the run's words, as the mistake it is, and no worker is made to find it. It makes
  // nothing, so it is asked with --no-workers too, and when the plugin setup did not finish, as a run does.
  try {
    await runner.validateWorkerSetup()
  } catch (err) {
    // The runner makes every error of a validate a ConfigError: anything else is its own, told as a failure.
    if (!isUserError(err)) {
      line('fail', 'workers', `worker 1 not made: ${redactText(errorMessage(err))}`)
      return { made: false, why: 'not made: see workers' }
    }
    mistake()
    line('fail', 'workers', `worker 1 not made: the workerSetup refuses the config, as a run does before its first journey: ${userErrorText(err)}`)
    return { made: false, why: 'not made: the workerSetup refuses the config, see workers' }
  }
  if (options.skip) {
    line('note', 'workers', 'worker 1 not made (--no-workers): the workerSetup is first tried when a run needs a worker')
    return { made: false, why: 'not made: --no-workers' }
  }
  if (options.setupUnfinished) {
    line('note', 'workers', 'worker 1 not made: the plugin setup did not finish (see setup)')
    return { made: false, why: 'not made: the plugin setup did not finish' }
  }

  const controller = new AbortController()
  const stopSignals = onStopSignals(io, controller)
  const started = performance.now()
  let lane: Lane | undefined
  let madeMs = 0
  let checked = ''
  let failed: string | undefined
  let createError: unknown
  try {
    lane = await runner.workerLane(1, controller.signal)
    madeMs = Math.round(performance.now() - started)
    const app = await checkApp(lane, runner.options.baseUrl ?? '', controller.signal, options.checkMs)
    const state = await checkState(lane)
    // An app that said it listens and ended right after (on its first query, say): the run's first journey there would stop.
    const gone = lane.app?.gone()
    if (gone) throw new WorkerCheckFailed(`${gone}${lane.app!.lastLines()}`)
    const unusable = runner.workerUnusable(1)
    if (unusable) throw new WorkerCheckFailed(redactText(unusable))
    checked = `${app}, ${state}`
  } catch (err) {
    if (controller.signal.aborted) failed = ''
    else if (!lane) {
      createError = err
      if (mistakeIn(err)) mistake()
      failed = `worker 1 could not be made: ${redactText(whyFailed(err))}`
    } else failed = `worker 1 made by the workerSetup in ${madeMs} ms, but ${err instanceof WorkerCheckFailed ? err.message : redactText(whyFailed(err))}`
  }
  let undone: string | undefined
  try {
    undone = await undo(runner, failed ?? '', createError)
  } finally {
    stopSignals()
  }
  const tail = undone ? `; ${undone}` : ''
  if (controller.signal.aborted) {
    line('fail', 'workers', `interrupted while worker 1 was made or checked${tail}`)
    return { interrupted: true }
  }
  if (failed !== undefined) {
    line('fail', 'workers', `${failed}${tail}`)
    return lane ? { made: true, backends: lane.world.backends } : { made: false, why: 'could not be made: see workers' }
  }
  line(undone === 'undone' ? 'ok' : 'fail', 'workers', `worker 1 made by the workerSetup in ${madeMs} ms: ${checked}${tail}`)
  return { made: true, backends: lane!.world.backends }
}

/**
 * Close worker 1 (the runner waits for a create it gave up to undo itself) and say how that went: `undone`,
 * or `undoing it failed: ...` with what is left and how to remove it, or nothing when `told` (what failed,
 * shown before) already says what undoing the create left behind, as composeWorkers' and the pool's errors do.
 */
async function undo(runner: Runner, told: string, createError: unknown): Promise<string | undefined> {
  const problems = await runner.closeWorkers()
  // What is still there and not named already: postgresWorkers' own error says how to drop its database.
  const said = [told, ...problems].join('\n')
  const still = madeByWorkerSetups()
  const left = madeByWorkersLines(still.filter((m) => !said.includes(m.remove)))
  // The problems are the setup's own words, masked as such; what is left is named without a URL already (see workerSetupMade).
  if (problems.length || left.length) return `undoing it failed: ${[...problems.map(redactText), ...left].join('; ')}`
  if (still.length || leftBehindBy(createError)) return undefined
  return 'undone'
}

/** Whether a create's error says that undoing what it made failed (composeWorkers' mark, or the pool's words after a failed connect). */
function leftBehindBy(err: unknown): boolean {
  if (err === undefined) return false
  if (causeChain(err).some((e) => workerLeftBehind(e))) return true
  return /\(and undoing (?:the worker|worker \d+) failed/.test(errorMessage(err))
}

/** The worker's app answers, any status: `app at URL answered 200`, or none of its own. */
async function checkApp(lane: Lane, mainBaseUrl: string, interrupt: AbortSignal, ms: number): Promise<string> {
  const url = lane.http.baseUrl
  if (!url) return 'no app of its own (and the run has no base URL)'
  // A setup that gives no baseUrl sends the worker's requests to the run's app (memoryWorkers): checked by the base URL line.
  if (!lane.app && url === mainBaseUrl.replace(/\/+$/, '')) return "no app of its own (its requests go to the run's base URL)"
  try {
    return `app at ${redactText(url)} answered ${await httpStatus(url, AbortSignal.any([interrupt, AbortSignal.timeout(ms)]))}`
  } catch (err) {
    if (interrupt.aborted) throw err
    // Refused because the app ended (startAppProcess watches it): said as the run says it, with its last lines.
    const gone = await lane.app?.confirm()
    if (gone) throw new WorkerCheckFailed(`${gone}${lane.app!.lastLines()}`)
    throw new WorkerCheckFailed(`its app at ${redactText(url)} is not reachable: ${unreachableReason(err)}`)
  }
}

/** Each state backend of the worker connected (the pool did that), then one checkpoint, rollback and release. */
async function checkState(lane: Lane): Promise<string> {
  const backends = lane.world.backends
  if (!backends.length) return 'no state backend of its own'
  try {
    await lane.world.checkpoint(TRIAL_CHECKPOINT)
    await lane.world.rollback(TRIAL_CHECKPOINT)
  } catch (err) {
    throw new WorkerCheckFailed(`its state could not be checkpointed and rolled back: ${redactText(errorMessage(err))}`)
  }
  const problems = await lane.world.releaseAll()
  if (problems.length) throw new WorkerCheckFailed(`releasing its checkpoint failed: ${redactText(problems.map((p) => p.error).join('; '))}`)
  return `state ${backends.map(labelOf).join(', ')} connected, checkpointed and rolled back`
}

/**
 * Ctrl-C or SIGTERM while worker 1 is made or checked: the first stops it and undoes it; a second quits at
 * once, saying what is left (a database with its DROP statement), as `venomqa run` does. Returns the undo.
 */
function onStopSignals(io: Io, controller: AbortController): () => void {
  const handler = () => {
    if (!controller.signal.aborted) {
      io.stderr.write('\nvenomqa: interrupted: undoing worker 1 (Ctrl-C again to quit now, leaving it)\n')
      controller.abort(new AbortedError('interrupted by the user'))
      return
    }
    const made = madeByWorkersLines()
    const left = made.length ? [...made, "worker 1's app may still be there"] : ["what worker 1's setup made (its database, its app) may still be there"]
    io.stderr.write(`venomqa: quitting now, before worker 1 was undone:\n${left.map((l) => `  - ${l}\n`).join('')}`)
    exitNow(EXIT.INTERRUPTED)
  }
  process.on('SIGINT', handler)
  process.on('SIGTERM', handler)
  return () => {
    process.off('SIGINT', handler)
    process.off('SIGTERM', handler)
  }
}
