import type { HttpExchange, RecordedRequest, RecordedResponse, StepResult } from '@venomqa/core'
import { ExchangeRecord } from '../http/record'
import type { Outcome } from './outcome'

type StepError = NonNullable<StepResult['error']>

/** What a step's result is made from, besides its node and outcome. */
export interface StepRun {
  attempt: number
  startedAt: string
  durationMs: number
  exchanges: HttpExchange[]
  logs: NonNullable<StepResult['logs']>
  /** The exchange the step is shown with: the response it returned, else its last request. */
  shown?: HttpExchange
}

/**
 * A step's result as the runner makes it: a plain StepResult to everything that reads it (JSON, spreading,
 * `Object.entries`), fields in the order results files have always had. `request` and `response` read
 * through to the exchange the step is shown with, so its redacted form is worked out only if someone looks;
 * their getters are shared by every record, and the exchange is kept in a private field, not in a
 * WeakMap entry per step (which cost more than the rest of the result).
 */
export class StepRecord implements StepResult {
  readonly kind = 'step' as const
  declare readonly name: string
  declare readonly status: 'passed' | 'failed'
  declare readonly expectFailure: boolean
  declare readonly attempts: number
  declare readonly startedAt: string
  declare readonly durationMs: number
  declare readonly timedOut?: boolean
  declare readonly error?: StepError
  declare readonly exchanges?: HttpExchange[]
  declare readonly logs?: NonNullable<StepResult['logs']>
  declare readonly request?: RecordedRequest
  declare readonly response?: RecordedResponse
  declare readonly requestError?: string
  readonly #shown: HttpExchange | undefined

  constructor(name: string, expectFailure: boolean, outcome: Outcome, run: StepRun) {
    this.name = name
    this.status = outcome.passed ? 'passed' : 'failed'
    this.expectFailure = expectFailure
    this.attempts = run.attempt
    this.startedAt = run.startedAt
    this.durationMs = run.durationMs
    if (!outcome.passed) {
      if (outcome.timedOut) this.timedOut = true
      this.error = { kind: outcome.kind, message: outcome.message, ...(outcome.stack ? { stack: outcome.stack } : {}) }
    }
    if (run.exchanges.length > 1) this.exchanges = run.exchanges
    if (run.logs.length) this.logs = run.logs
    const shown = (this.#shown = run.shown)
    if (shown) {
      Object.defineProperty(this, 'request', requestAccessor)
      if ('response' in shown) Object.defineProperty(this, 'response', responseAccessor)
      // Why it got no answer, with it: a step with one request keeps no `exchanges` to say it.
      if (shown.error !== undefined) this.requestError = shown.error
    }
  }

  static shownOf(record: StepRecord): HttpExchange | undefined {
    return record.#shown
  }
}

const requestAccessor: PropertyDescriptor = {
  enumerable: true,
  configurable: true,
  get(this: StepRecord) {
    return StepRecord.shownOf(this)?.request
  },
}
const responseAccessor: PropertyDescriptor = {
  enumerable: true,
  configurable: true,
  get(this: StepRecord) {
    return StepRecord.shownOf(this)?.response
  },
}

/**
 * The method, URL (as sent: the caller masks it like any text) and status of the exchange a step result
 * shows: for a recorded exchange, without redacting its headers and body, which a passed step's live line
 * never prints. Undefined for a result the runner did not make (read from a file, made by a plugin).
 */
export function shownRequestLine(result: object): { method: string; url: string; status?: number } | undefined {
  const ex = result instanceof StepRecord ? StepRecord.shownOf(result) : undefined
  if (!ex) return undefined
  if (ex instanceof ExchangeRecord) return ExchangeRecord.lineOf(ex)
  return { method: ex.request.method, url: ex.request.url, ...(ex.response ? { status: ex.response.status } : {}) }
}
