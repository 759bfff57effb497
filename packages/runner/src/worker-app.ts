import { connect } from 'node:net'
import { type WorkerAppExit, appOutputText } from '@venomqa/core'
import { socketAddress } from './http/connection-pool'

/** How long a request's transport failure waits for the app's exit to be reported, once nothing listens at its port. */
const EXIT_GRACE_MS = 2_000
/** How long a connection to the app must stay open for the app to count as alive. */
const PROBE_MS = 1_000

/** The step failure kinds an app that is gone causes: what could otherwise be blamed on the base URL. */
export const APP_GONE_KINDS: ReadonlySet<string> = new Set(['connection-refused', 'connection-reset', 'transport'])

/**
 * A worker's app, watched for an end the run did not ask for (WorkerResources.exited), or, as worker 0, the
 * app the run started itself (the runner's `app` option). Once it ended on its own, `gone()` says how, and
 * every `onGone` listener is told once: the journey on the worker stops.
 */
export class AppWatch {
  /** 0 for the run's own app (the runner's `app` option). */
  readonly worker: number
  /** The app's base URL: a failed request to its origin may be the app's end. */
  readonly baseUrl: string
  #gone?: string
  /** Its last lines, as said after `#gone`: `; its last stderr lines: "..."; its last stdout lines: "..."`, or nothing. */
  #lastLines = ''
  #closing = false
  readonly #listeners = new Set<() => void>()
  readonly #waiters = new Set<() => void>()

  constructor(worker: number, baseUrl: string, exited: Promise<WorkerAppExit | undefined>, onGone: () => void) {
    this.worker = worker
    this.baseUrl = baseUrl
    Promise.resolve(exited).then(
      (exit) => {
        if (this.#closing) return
        const detail = exitDetail(exit)
        this.#lastLines = appOutputText(exit)
        this.#gone = `${worker === 0 ? RUN_APP : `worker ${worker}'s app`} ended unexpectedly${detail ? ` (${detail})` : ''}`
        onGone()
        for (const fn of [...this.#listeners]) fn()
        this.#listeners.clear()
        for (const w of [...this.#waiters]) w()
      },
      () => {},
    )
  }

  /** The run closes the worker: its app ending now is what was asked for. */
  closing(): void {
    this.#closing = true
  }

  /** How the app ended, `worker 1's app ended unexpectedly (exit code 3)`, once it did. */
  gone(): string | undefined {
    return this.#gone
  }

  /**
   * Its last lines on stderr and on stdout, redacted, to put after `gone()`: `; its last stderr lines: "a"
   * "b"; its last stdout lines: "c"`, or nothing. Stdout too: an app that logs there only says why there.
   */
  lastLines(): string {
    return this.#lastLines
  }

  /** What follows for the run, after `gone()`: `, and worker 1 is not used again in this run`. */
  consequence(): string {
    return this.worker === 0 ? ', and the journeys after it are not run' : `, and worker ${this.worker} is not used again in this run`
  }

  /** The advice for a step or journey that failed because the app ended. */
  suggestion(): string {
    return this.worker === 0 ? RUN_APP_GONE_SUGGESTION : appGoneSuggestion(this.worker)
  }

  /** Call `fn` when the app ends on its own: at once if it did. Returns the unsubscribe. */
  onGone(fn: () => void): () => void {
    if (this.#gone !== undefined) {
      fn()
      return () => {}
    }
    this.#listeners.add(fn)
    return () => this.#listeners.delete(fn)
  }

  /** Whether a request to `url` went to this app. */
  serves(url: string | undefined): boolean {
    if (!url) return false
    try {
      return new URL(url).origin === new URL(this.baseUrl).origin
    } catch {
      return false
    }
  }

  /**
   * After a request to the app failed on its way (refused, reset): whether that is because the app ended.
   * The process's exit and the request's failure reach the run in either order, and an app that is ending
   * may still let a connection in while its listening socket closes. So a fresh connection is opened and
   * watched: the exit reported meanwhile says gone; the connection refused or closed without a word says
   * the app is going, and its exit is waited for a moment; a connection still open after PROBE_MS says the
   * app is alive, and the failure was the request's own.
   */
  async confirm(): Promise<string | undefined> {
    if (this.#gone !== undefined || this.#closing) return this.#gone
    const seen = await this.#probe()
    if (seen === 'alive') return undefined
    if (this.#gone === undefined) await this.#exitWithin(EXIT_GRACE_MS)
    return this.#gone
  }

  /** Resolves when the app's exit is reported, or after `ms`. */
  #exitWithin(ms: number): Promise<void> {
    return new Promise<void>((resolve) => {
      const done = () => {
        clearTimeout(timer)
        this.#waiters.delete(done)
        resolve()
      }
      const timer = setTimeout(done, ms)
      this.#waiters.add(done)
    })
  }

  /** What a connection to the app's host and port shows (see confirm). */
  #probe(): Promise<'gone' | 'down' | 'alive'> {
    let url: URL
    try {
      url = new URL(this.baseUrl)
    } catch {
      return Promise.resolve('alive')
    }
    const { host, port } = socketAddress(url)
    return new Promise((resolve) => {
      const socket = connect({ host, port })
      const done = (seen: 'gone' | 'down' | 'alive') => {
        clearTimeout(timer)
        this.#waiters.delete(onExit)
        socket.destroy()
        resolve(seen)
      }
      const onExit = () => done('gone')
      this.#waiters.add(onExit)
      const timer = setTimeout(() => done('alive'), PROBE_MS)
      socket.once('error', () => done('down'))
      socket.once('close', () => done('down'))
    })
  }
}

/** `exit code 3`, `signal SIGKILL`, or nothing known. */
function exitDetail(exit: WorkerAppExit | undefined): string | undefined {
  if (typeof exit?.signal === 'string' && exit.signal) return `signal ${exit.signal}`
  if (typeof exit?.code === 'number') return `exit code ${exit.code}`
  return undefined
}

/** The app the runner's `app` option starts, as messages name it. */
export const RUN_APP = 'the app the run started (`app`)'

const RUN_APP_GONE_SUGGESTION =
  "The app the run started (the config's `app`) ended while the run used it (it crashed, or something stopped it): the requests failed because nothing was left to answer them, not because of the base URL. Read its last lines (stderr and stdout) in the error; the journeys after it were not run."

/** The advice for a journey or step that failed because its worker's app ended: not the base URL's fault. */
export function appGoneSuggestion(worker: number): string {
  return `Worker ${worker}'s app process ended while the run used it (it crashed, or something stopped it): the requests failed because nothing was left to answer them, not because of the base URL. Read its last lines (stderr and stdout) in the error, and its logs; the journeys left go to the other workers (see docs/parallel.md).`
}

/** The advice for a journey not run because its worker was taken out of use (its app ended, a call to its setup timed out). */
export const WORKER_OUT_OF_USE_SUGGESTION =
  'The worker this journey was to run on was taken out of use during the run (the error says why), and no other worker ran it: fix what stopped the worker and run again; see docs/parallel.md.'
