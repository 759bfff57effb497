import { type TimePort, UserError, VenomError, errorMessage } from '@venomqa/core'

export type CircuitState = 'closed' | 'open' | 'half-open'

export interface CircuitBreakerOptions {
  /** Shown in errors and stats. Default 'circuit'. */
  name?: string
  /** Consecutive failures that open the circuit. Default 3. */
  failureThreshold?: number
  /** How long the circuit stays open before one trial call is let through, ms. Default 30 000. */
  recoveryTimeout?: number
  /** Reads the time (a ControllableClock in tests). Default: the real clock. */
  clock?: Pick<TimePort, 'now'>
  /**
   * Whether a returned value counts as a failure. It is still returned to the caller. Default: an HTTP
   * response with status 500 or more, because `http.get(...)` answers a 503 rather than throwing it.
   */
  isFailureResult?: (value: unknown) => boolean
  /** Whether a thrown error counts as a failure (it is rethrown either way). Default: every error. */
  isFailureError?: (error: unknown) => boolean
  onStateChange?: (change: { from: CircuitState; to: CircuitState; name: string }) => void
}

export interface CircuitStats {
  name: string
  state: CircuitState
  /** Failures since the last success. */
  consecutiveFailures: number
  /** Calls made (refused ones are counted in `rejected`). */
  calls: number
  successes: number
  failures: number
  /** Calls refused because the circuit was open. */
  rejected: number
  openedAt?: string
  lastFailureAt?: string
  lastError?: string
}

/** The call was not made: the circuit is open. */
export class CircuitOpenError extends VenomError {
  readonly circuit: string
  /** ms until a trial call will be let through (0 when a trial is already running). */
  readonly retryAfterMs: number
  readonly lastError?: string
  constructor(circuit: string, retryAfterMs: number, failures: number, lastError?: string) {
    super(
      'E_CIRCUIT_OPEN',
      `circuit "${circuit}" is open after ${failures} consecutive failure${failures === 1 ? '' : 's'}${lastError ? ` (last: ${lastError})` : ''}; ${
        retryAfterMs > 0 ? `a trial call is allowed in ${(retryAfterMs / 1000).toFixed(1)} s` : 'a trial call is in progress'
      }`,
    )
    this.circuit = circuit
    this.retryAfterMs = retryAfterMs
    this.lastError = lastError
  }
}

/**
 * Stops calling a service that keeps failing. Closed: calls go through, and `failureThreshold` failures in a
 * row open it. Open: calls fail at once with CircuitOpenError until `recoveryTimeout` has passed. Half-open:
 * one trial call goes through (others are refused meanwhile); success closes the circuit, failure opens it again.
 */
export class CircuitBreaker {
  readonly name: string
  readonly failureThreshold: number
  readonly recoveryTimeout: number
  readonly #clock?: Pick<TimePort, 'now'>
  readonly #isFailureResult: (value: unknown) => boolean
  readonly #isFailureError: (error: unknown) => boolean
  readonly #onStateChange?: CircuitBreakerOptions['onStateChange']
  #state: CircuitState = 'closed'
  #consecutive = 0
  #openedAt?: number
  #trialRunning = false
  #calls = 0
  #successes = 0
  #failures = 0
  #rejected = 0
  #lastFailureAt?: number
  #lastError?: string

  constructor(options: CircuitBreakerOptions = {}) {
    this.name = options.name ?? 'circuit'
    this.failureThreshold = options.failureThreshold ?? 3
    this.recoveryTimeout = options.recoveryTimeout ?? 30_000
    if (!Number.isInteger(this.failureThreshold) || this.failureThreshold < 1)
      throw new UserError('E_CIRCUIT', `circuit "${this.name}": failureThreshold must be a whole number of 1 or more, got ${this.failureThreshold}`)
    if (!Number.isFinite(this.recoveryTimeout) || this.recoveryTimeout < 0)
      throw new UserError('E_CIRCUIT', `circuit "${this.name}": recoveryTimeout must be 0 ms or more, got ${this.recoveryTimeout}`)
    this.#clock = options.clock
    this.#isFailureResult = options.isFailureResult ?? isServerErrorResponse
    this.#isFailureError = options.isFailureError ?? (() => true)
    this.#onStateChange = options.onStateChange
  }

  /** The state now: an open circuit whose recovery timeout has passed reads as half-open. */
  get state(): CircuitState {
    this.#checkRecovery()
    return this.#state
  }

  /** Run `fn` through the breaker. */
  async execute<T>(fn: () => T | Promise<T>): Promise<T> {
    this.#checkRecovery()
    if (this.#state === 'open' || (this.#state === 'half-open' && this.#trialRunning)) {
      this.#rejected++
      const retryAfter = this.#state === 'open' ? Math.max(0, this.#openedAt! + this.recoveryTimeout - this.#now()) : 0
      throw new CircuitOpenError(this.name, retryAfter, this.#consecutive, this.#lastError)
    }
    const trial = this.#state === 'half-open'
    if (trial) this.#trialRunning = true
    this.#calls++
    try {
      let value: T
      try {
        value = await fn()
      } catch (err) {
        if (this.#isFailureError(err)) this.#onFailure(errorMessage(err))
        else this.#onSuccess()
        throw err
      }
      if (this.#isFailureResult(value)) this.#onFailure(describeResult(value))
      else this.#onSuccess()
      return value
    } finally {
      if (trial) this.#trialRunning = false
    }
  }

  /** `fn` wrapped so that every call goes through the breaker. */
  wrap<A extends unknown[], T>(fn: (...args: A) => T | Promise<T>): (...args: A) => Promise<T> {
    return (...args) => this.execute(() => fn(...args))
  }

  stats(): CircuitStats {
    const iso = (ms?: number) => (ms === undefined ? undefined : new Date(ms).toISOString())
    return {
      name: this.name,
      state: this.state,
      consecutiveFailures: this.#consecutive,
      calls: this.#calls,
      successes: this.#successes,
      failures: this.#failures,
      rejected: this.#rejected,
      openedAt: this.#state === 'closed' ? undefined : iso(this.#openedAt),
      lastFailureAt: iso(this.#lastFailureAt),
      lastError: this.#lastError,
    }
  }

  /** Back to closed with no failures counted (totals are kept). */
  reset(): void {
    this.#consecutive = 0
    this.#openedAt = undefined
    this.#setState('closed')
  }

  /** Open the circuit now, e.g. when a health check says the service is down. */
  trip(): void {
    this.#openedAt = this.#now()
    this.#setState('open')
  }

  #onSuccess(): void {
    this.#successes++
    this.#consecutive = 0
    if (this.#state !== 'closed') {
      this.#openedAt = undefined
      this.#setState('closed')
    }
  }

  #onFailure(message: string): void {
    this.#failures++
    this.#consecutive++
    this.#lastFailureAt = this.#now()
    this.#lastError = message
    // A failed trial reopens at once; a closed circuit opens at the threshold.
    if (this.#state === 'half-open' || this.#consecutive >= this.failureThreshold) this.trip()
  }

  #checkRecovery(): void {
    if (this.#state === 'open' && this.#now() >= this.#openedAt! + this.recoveryTimeout) this.#setState('half-open')
  }

  #setState(to: CircuitState): void {
    const from = this.#state
    if (from === to) return
    this.#state = to
    this.#onStateChange?.({ from, to, name: this.name })
  }

  #now(): number {
    return this.#clock ? this.#clock.now().getTime() : Date.now()
  }
}

function isServerErrorResponse(value: unknown): boolean {
  const status = (value as { status?: unknown } | null)?.status
  return typeof status === 'number' && status >= 500 && typeof (value as { ok?: unknown }).ok === 'boolean'
}

function describeResult(value: unknown): string {
  const v = value as { status?: number; method?: string; url?: string }
  return typeof v?.status === 'number' ? `${v.method ?? ''} ${v.url ?? ''} answered ${v.status}`.trim() : 'result counted as a failure'
}
