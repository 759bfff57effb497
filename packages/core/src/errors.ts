import { describeValue, shortText } from './describe-value'
import { ERROR_CODES, type ErrorCode } from './error-codes'

/**
 * Error types. A `UserError` is a mistake in the user's input (config, journey definition, plugin name):
 * the CLI prints its message alone, without a stack trace, and exits 2.
 */
export class VenomError extends Error {
  /** One of ERROR_CODES (error-codes.ts), where each is explained. */
  readonly code: ErrorCode
  constructor(code: ErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options)
    this.name = new.target.name
    this.code = code
  }
}

export class UserError extends VenomError {
  /** Where the mistake is: a file, a config key path, or `journey > step`. */
  readonly where?: string
  constructor(code: ErrorCode, message: string, options?: { where?: string; cause?: unknown }) {
    // From JavaScript `new UserError('--name is required')` runs, and printed nothing but "UserError": one
    // argument that is not a code is the message, of the code for what the user gave (E_CONFIG).
    const messageOnly = message === undefined && typeof code === 'string' && !Object.hasOwn(ERROR_CODES, code)
    super(messageOnly ? 'E_CONFIG' : code, messageOnly ? code : message, options)
    this.where = options?.where
  }
}

/**
 * A journey definition that cannot run: raised before any request is sent. The names are quoted as
 * describeValue quotes what a user wrote, masked and cut: a journey named from data (one per row of a
 * fixture) filled the terminal with its whole name, in the message and again in `where`. `journey` and
 * `step` keep them whole, for code that tells the definitions apart.
 */
/**
 * The most definition mistakes of one journey that are told: enough to act on. Told past it, a journey
 * generated with a mistake in each of thousands of items took seconds to check and made a message of
 * megabytes (see validate.ts).
 */
export const MAX_MISTAKES_TOLD = 50

export class DefinitionError extends UserError {
  readonly journey: string
  readonly step?: string
  /**
   * Every mistake of the definition, each naming its step or key (see DefinitionError.every): told one at
   * a time, a user fixed one per run. This error alone when it is the only one.
   */
  problems: readonly DefinitionError[] = [this]
  /** `of` says what is defined: a journey, or an exploration (its name is in `journey` all the same). */
  constructor(journey: string, message: string, step?: string, of: 'journey' | 'exploration' = 'journey') {
    super('E_DEFINITION', `${of} ${describeValue(journey)}${step ? `, step ${describeValue(step)}` : ''}: ${message}`, {
      where: step ? `${shortText(journey)} > ${shortText(step)}` : shortText(journey),
    })
    this.journey = journey
    this.step = step
  }

  /**
   * One error for the mistakes of one definition: the mistake itself when there is one, so its message
   * reads as it always did; else a line saying how many, then each mistake's own message on a line of its
   * own. `problems` must not be empty.
   */
  static every(given: readonly DefinitionError[], of: 'journey' | 'exploration' = 'journey'): DefinitionError {
    const first = given[0]!
    if (given.length === 1) return first
    const problems = given.slice(0, MAX_MISTAKES_TOLD)
    const count = given.length >= MAX_MISTAKES_TOLD ? `${MAX_MISTAKES_TOLD} or more definition mistakes; the first ${MAX_MISTAKES_TOLD}` : `${given.length} definition mistakes`
    const all = new DefinitionError(first.journey, '', undefined, of)
    all.message = [`${of} ${describeValue(first.journey)} has ${count}:`, ...problems.map((p) => `  ${p.message}`)].join('\n')
    all.problems = problems
    return all
  }
}

export class ConfigError extends UserError {
  constructor(message: string, options?: { where?: string; cause?: unknown }) {
    super('E_CONFIG', message, options)
  }
}

export class PluginError extends UserError {
  readonly plugin: string
  /** `where` defaults to the plugin's name; give the entry the user wrote (`reporters[1]`) when it is known. */
  constructor(plugin: string, message: string, options?: { cause?: unknown; where?: string }) {
    super('E_PLUGIN', message, { ...options, where: options?.where ?? plugin })
    this.plugin = plugin
  }
}

/** The step or journey ran past its deadline; the action was aborted through its signal. */
export class TimeoutError extends VenomError {
  readonly timeoutMs: number
  constructor(what: string, timeoutMs: number) {
    super('E_TIMEOUT', `${what} timed out after ${timeoutMs} ms`)
    this.timeoutMs = timeoutMs
  }
}

/** The run was interrupted (Ctrl-C, fail-fast in another worker). */
export class AbortedError extends VenomError {
  constructor(message = 'run interrupted') {
    super('E_ABORTED', message)
  }
}

/** A state backend failed to checkpoint or roll back: the state is unknown, so the branch stops. */
export class StateError extends VenomError {
  readonly backend: string
  /**
   * The system under test is not in the state the run believes (a proxy refused what the app did), as
   * opposed to a backend that could not do its own work. Wherever it is met, even while checkpoints are
   * released at a journey's end, it is a critical issue: the journey cannot pass on a state nobody knows.
   */
  readonly stateIsWrong: boolean
  /**
   * Advice of the backend's own for the issue, when it knows better than the kind's generic one (check the
   * connection and permissions): DDL run inside a path. suggestionForError prefers it.
   */
  readonly suggestion?: string
  /**
   * What failed. `backend` (the default): the backend could not do its own work, so what it set up in the
   * system under test may still be there. `refused`: it did its work, but refused what the app did (a
   * proxy that cannot keep a statement): what it set up is undone, the app's state is what is wrong. A
   * refusal is always stateIsWrong.
   */
  readonly failure: 'backend' | 'refused'
  constructor(backend: string, message: string, options?: { cause?: unknown; stateIsWrong?: boolean; suggestion?: string; failure?: 'backend' | 'refused' }) {
    super('E_STATE', `state backend "${backend}": ${message}`, options)
    this.backend = backend
    this.failure = options?.failure ?? 'backend'
    this.stateIsWrong = options?.stateIsWrong ?? this.failure === 'refused'
    if (options?.suggestion) this.suggestion = options.suggestion
  }
}

/** A failed expectation inside an action (see `expect` helpers in the runner). */
export class AssertionFailed extends VenomError {
  readonly expected?: unknown
  readonly actual?: unknown
  constructor(message: string, details?: { expected?: unknown; actual?: unknown }) {
    super('E_ASSERTION', message)
    this.expected = details?.expected
    this.actual = details?.actual
  }
}

/** An HTTP request that failed before a response arrived (refused, reset, DNS, TLS, aborted). */
export class TransportError extends VenomError {
  readonly kind: ErrorKind
  readonly method: string
  readonly url: string
  constructor(kind: ErrorKind, method: string, url: string, message: string, options?: { cause?: unknown }) {
    super('E_TRANSPORT', `${method} ${url}: ${message}`, options)
    this.kind = kind
    this.method = method
    this.url = url
  }
}

export type ErrorKind =
  | 'http-status'
  | 'timeout'
  | 'aborted'
  | 'connection-refused'
  | 'connection-reset'
  | 'dns'
  | 'tls'
  | 'transport'
  | 'assertion'
  | 'expected-failure-missing'
  | 'state'
  | 'hook'
  | 'port-missing'
  | 'crash'
  /** Thrown outside the awaited chain (a timer callback, a promise nobody awaited) while something ran. */
  | 'stray-error'
  /** Awaited something that could never settle, or ran past the plugin timeout. */
  | 'stall'

export function isUserError(err: unknown): err is UserError {
  return err instanceof UserError || (typeof err === 'object' && err !== null && (err as { name?: string }).name !== undefined && ['UserError', 'DefinitionError', 'ConfigError', 'PluginError'].includes((err as Error).name))
}

/** Classify any thrown value into an ErrorKind, for issues and suggestions. */
/** The kind of each VenomQA error code that has one of its own (see errorKindOf). */
const KIND_OF_CODE: ReadonlyMap<unknown, ErrorKind> = new Map<unknown, ErrorKind>([
  ['E_ASSERTION', 'assertion'],
  ['E_TIMEOUT', 'timeout'],
  ['E_ABORTED', 'aborted'],
  ['E_STATE', 'state'],
  ['E_TRANSPORT', 'transport'],
])
/** What a TransportError's `kind` may be. */
const TRANSPORT_KINDS: ReadonlySet<ErrorKind> = new Set<ErrorKind>(['connection-refused', 'connection-reset', 'dns', 'tls', 'transport', 'timeout', 'aborted'])

export function errorKindOf(err: unknown): ErrorKind {
  if (err instanceof TransportError) return err.kind
  if (err instanceof TimeoutError) return 'timeout'
  if (err instanceof AbortedError) return 'aborted'
  if (err instanceof StateError) return 'state'
  if (err instanceof AssertionFailed) return 'assertion'
  let name: unknown
  let code: unknown
  let kind: unknown
  try {
    name = (err as Error | undefined)?.name
    code = (err as { code?: unknown } | undefined)?.code
    kind = (err as { kind?: unknown } | undefined)?.kind
  } catch {
    return 'crash'
  }
  // An error of another copy of core (a project that has two versions installed, one the journeys import
  // and one the runner's) is not of this copy's classes: told by its code, an assertion was a crash whose
  // advice was to run with --debug.
  // A Map, not an object: a thrown value's `code` may be any string, `constructor` among them.
  const byCode = KIND_OF_CODE.get(code)
  if (byCode) return byCode === 'transport' && typeof kind === 'string' && TRANSPORT_KINDS.has(kind as ErrorKind) ? (kind as ErrorKind) : byCode
  if (name === 'AssertionError') return 'assertion'
  if (name === 'TimeoutError') return 'timeout'
  if (name === 'AbortError') return 'aborted'
  return 'crash'
}

/**
 * A readable message for any thrown value, never throwing itself: user code may reject with `undefined`,
 * `null`, a string, or an object whose `message` getter and `toString` both throw.
 */
export function errorMessage(err: unknown): string {
  try {
    if (err === undefined) return 'undefined was thrown (no Error object, so no message)'
    if (err === null) return 'null was thrown (no Error object, so no message)'
    if (typeof err === 'string') return err || 'an empty string was thrown'
    if (typeof err !== 'object' && typeof err !== 'function') return `${typeof err} ${String(err)} was thrown`
    const message = readMessage(err)
    if (message) return message
    if (err instanceof Error) return unsaidMessage(err, new Set([err])) || err.name || 'Error'
    const json = JSON.stringify(err)
    if (json !== undefined && json !== '{}') return json
    const text = String(err)
    if (text && text !== '[object Object]') return text
    return `${constructorName(err)} was thrown (no message)`
  } catch {
    return `${constructorName(err)} was thrown, and reading its message threw too`
  }
}

/** Inner errors told by errorMessage for an AggregateError with no message of its own; the rest are counted. */
const INNER_ERRORS_TOLD = 5

/**
 * What an Error with no message of its own stands for: an AggregateError's inner errors (Node's net throws
 * one with no message when every address of a host refuses: `localhost` is ::1 and 127.0.0.1), else its
 * cause's message. Empty when neither says anything. `seen` keeps a cause cycle from looping.
 */
function unsaidMessage(err: Error, seen: Set<unknown>): string {
  const inner = (err as { errors?: unknown }).errors
  if (Array.isArray(inner) && inner.length) {
    const told = inner.slice(0, INNER_ERRORS_TOLD).map((e) => innerMessage(e, seen))
    if (inner.length > INNER_ERRORS_TOLD) told.push(`and ${inner.length - INNER_ERRORS_TOLD} more`)
    return told.join('; ')
  }
  const cause = (err as { cause?: unknown }).cause
  if (cause === undefined || seen.has(cause)) return ''
  seen.add(cause)
  if (!(cause instanceof Error)) return errorMessage(cause)
  return readMessage(cause) ?? unsaidMessage(cause, seen)
}

/** One inner error of an AggregateError, as errorMessage tells it; one met already (a cycle) by its name. */
function innerMessage(e: unknown, seen: Set<unknown>): string {
  if (!(e instanceof Error)) return errorMessage(e)
  if (seen.has(e)) return e.name || 'Error'
  seen.add(e)
  return readMessage(e) ?? (unsaidMessage(e, seen) || e.name || 'Error')
}

function readMessage(err: object): string | undefined {
  try {
    const m = (err as { message?: unknown }).message
    return typeof m === 'string' && m ? m : undefined
  } catch {
    return undefined
  }
}

function constructorName(err: unknown): string {
  try {
    const name = (err as { constructor?: { name?: unknown } } | null)?.constructor?.name
    return typeof name === 'string' && name ? `an object of class ${name}` : 'a value'
  } catch {
    return 'a value'
  }
}
