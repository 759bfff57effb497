import { type StateBackend, StateError, TimeoutError, errorMessage } from '@venomqa/core'
import { AbandonedWork } from './abandoned-work'
import { untilStepStops } from './http/detached'
import type { StateCalls } from './world'

/**
 * State backend connects, bounded by pluginTimeout through the run's StateCalls. A connect abandoned at
 * the timeout may still finish, and set up its tables, triggers or session in the system under test after
 * all: each such backend is disconnected as soon as its connect does, and `settleAbandoned()` waits for
 * that, as long as one call may take. One for the run's own backends, one for the workers' (see
 * WorkerPool): the same rule for both.
 */
export class BackendConnects {
  readonly #calls: StateCalls
  readonly #late: AbandonedWork<StateBackend>

  constructor(calls: StateCalls) {
    this.#calls = calls
    this.#late = new AbandonedWork(calls)
  }

  /**
   * Connect `b`, bounded by the timeout. `label` names it in the errors and problems: `state backend "pg"`,
   * or `worker 1: state backend "pg"`. Rejects as the call does, or with `signal`'s reason when it aborts
   * first: Ctrl-C while a database does not answer stops the wait at once, where it waited out the
   * backend's own connect timeout. A connect abandoned at the timeout or the signal is tracked until
   * `settleAbandoned()`.
   */
  async connect(b: StateBackend, label: string, signal?: AbortSignal): Promise<void> {
    let connecting: Promise<void> | undefined
    // The backend's own signal: aborted when the run stops waiting, at the timeout as at Ctrl-C, so that a
    // backend that honours it stops connecting and undoes its setup itself, instead of finishing later.
    const stop = new AbortController()
    const stopWithRun = () => stop.abort(signal?.reason)
    if (signal?.aborted) stopWithRun()
    else signal?.addEventListener('abort', stopWithRun, { once: true })
    try {
      const call = this.#calls.call(`${label} connect`, () => (connecting = b.connect({ signal: stop.signal })))
      await (signal ? untilStepStops(call, signal, (left) => void left.catch(() => {})) : call)
    } catch (err) {
      const abandoned = err instanceof TimeoutError || (signal?.aborted && err === signal.reason)
      if (abandoned) stop.abort(err)
      if (abandoned && connecting)
        this.#late.add({
          item: b,
          waitingFor: `${label} to finish the connect the run abandoned, to undo what it sets up in the system under test`,
          call: `${label} connect, abandoned`,
          still: `${label} was still connecting when the run closed, after its connect was abandoned: it is disconnected if it finishes, but what it sets up in the system under test stays if the process ends first`,
          done: this.#disconnectWhenConnected(b, label, connecting),
        })
      throw err
    } finally {
      signal?.removeEventListener('abort', stopWithRun)
    }
  }

  /** What `settleAbandoned()` would wait for, as phrases for a warning (see AbandonedWork). */
  stillConnecting(): string[] {
    return this.#late.stillRunning()
  }

  /**
   * The same, once the abandoned connects had `ms` to settle: a backend that honours its signal stops
   * connecting at once, and was named in a warning that said the run would wait up to its timeout for it.
   */
  async stillConnectingAfter(ms: number): Promise<string[]> {
    await this.#late.settledWithin(ms)
    return this.#late.stillRunning()
  }

  /**
   * Wait for every abandoned connect, all at once, each as long as one call may take: what each left in
   * the system under test, as problems. One still connecting then is disconnected if it finishes later.
   */
  async settleAbandoned(): Promise<{ backend: StateBackend; problem: string }[]> {
    return (await this.#late.settle()).map(({ item, problem }) => ({ backend: item, problem }))
  }

  /** Disconnect `b` once its abandoned `connecting` finishes after all; nothing to undo when it fails. */
  #disconnectWhenConnected(b: StateBackend, label: string, connecting: Promise<void>): Promise<string | undefined> {
    return connecting.then(
      () =>
        this.#calls.call(`${label} disconnect`, () => b.disconnect()).then(
          () => undefined,
          (err: unknown) => disconnectFailure(`${label} connected after its connect was abandoned, and`, b.name, err),
        ),
      () => undefined,
    )
  }
}

/**
 * `<label> could not connect: <why>`, the backend named once: its own errors start with its name already
 * (`state backend "pg": ...`, and a connect past the timeout `state backend "pg" connect timed out ...`).
 */
export function connectFailure(label: string, b: StateBackend, err: unknown): string {
  const why = errorMessage(err)
  // The longest that fits: the label holds the backend's name, and its entry (`(plugins[1])`) after it.
  const own = [`${label}: `, `${label} `, `state backend "${b.name}": `, `state backend "${b.name}" `].filter((prefix) => why.startsWith(prefix)).sort((a, b) => b.length - a.length)[0]
  return `${label} could not connect: ${own ? why.slice(own.length) : why}`
}

/**
 * A backend that failed to disconnect, said as what it means for the system under test: a backend that
 * could not do its own work may have left what it set up there; one that refused what the app did (a
 * proxy, whose disconnect undoes everything all the same) left the app's state wrong, not its own.
 * `subject` starts the sentence: `state backend "pg"`, or `worker 1: state backend "pg" connected after
 * its connect was abandoned, and`.
 */
export function disconnectFailure(subject: string, backend: string, err: unknown): string {
  const said = errorMessage(err)
  if (err instanceof StateError && err.failure === 'refused') {
    // Its message starts by naming the backend, which the line has named already.
    const own = `state backend "${backend}": `
    return `${subject} refused what the app did: ${said.startsWith(own) ? said.slice(own.length) : said}`
  }
  return `${subject} did not disconnect cleanly, so what it set up in the system under test may still be there: ${said}`
}
