import type { Context } from './context'
import type { HttpClient } from './http'
import type { PortName, Ports } from './ports'
import { rememberCall } from './called-at'
import { DefinitionError } from './errors'
import { journeyOptionsProblems, lineProblems } from './validate'

export interface Logger {
  debug(message: string, data?: unknown): void
  info(message: string, data?: unknown): void
  warn(message: string, data?: unknown): void
  error(message: string, data?: unknown): void
}

/** What an action receives. One object, so that new fields never break existing actions. */
export interface ActionArgs {
  http: HttpClient
  ctx: Context
  ports: Ports
  /** Aborted at the step's or journey's deadline, or when the run is interrupted. Pass it on. */
  signal: AbortSignal
  log: Logger
  journey: string
  /** 'main', or the path's name. */
  path: string
  step: string
  /** 1 for the first try; higher on retries. */
  attempt: number
  /**
   * Every state backend's `observe()` now, keyed by the backend's name: what an exploration's invariant
   * gets as `now` (a regression journey saves one before its last action, for `before`: observeBefore). Absent where
   * the runner offers none.
   */
  observe?(): Promise<Record<string, unknown>>
}

export type Action = (args: ActionArgs) => unknown | Promise<unknown>

export interface StepOptions {
  description?: string
  /**
   * The step passes when the action throws or answers with status >= 400, and fails otherwise. A status
   * (`422`) or a list of them (`[401, 403]`) passes only on a refusal with one of them: with `true`, a
   * negative test whose token had expired passed on its 401 without testing what it meant to.
   */
  expectFailure?: boolean | number | readonly number[]
  /** ms; the action is aborted at the deadline. */
  timeout?: number
  /** Re-run a failed step up to this many more times. */
  retries?: number
  /** Wait before a retry, ms. Default 0. */
  retryDelay?: number
  /** Ports the action uses; a missing one is an error before the journey starts. */
  requires?: PortName[]
}

export interface StepNode {
  readonly kind: 'step'
  readonly name: string
  readonly action: Action
  readonly options: StepOptions
  /** 'skip' (`step.skip(...)`): the step is reported as skipped and its action never runs. */
  readonly mode?: 'skip'
  /** Arguments past the options, from a file loaded without type checks: refused with the journey (step() cannot name it). */
  readonly extraArguments?: readonly unknown[]
}

export interface CheckpointNode {
  readonly kind: 'checkpoint'
  readonly name: string
  /** Arguments past the name, from a file loaded without type checks: refused with the journey (checkpoint() cannot name it). */
  readonly extraArguments?: readonly unknown[]
}

export interface BranchNode {
  readonly kind: 'branch'
  readonly checkpoint: string
  readonly paths: readonly PathNode[]
  /** Arguments past the paths (`branch('cp', path(...), path(...))`): refused with the journey. */
  readonly extraArguments?: readonly unknown[]
}

export interface PathOptions {
  description?: string
}

export interface PathNode {
  readonly kind: 'path'
  readonly name: string
  readonly description?: string
  readonly steps: readonly JourneyNode[]
  /** The options as given, checked with the journey (path() cannot name it): a misspelt key is refused there. */
  readonly options?: PathOptions
  /** Arguments past the options (`path('p', step(...), step(...), step(...))`): refused with the journey. */
  readonly extraArguments?: readonly unknown[]
}

export type JourneyNode = StepNode | CheckpointNode | BranchNode

export interface JourneyOptions {
  description?: string
  tags?: string[]
  /** ms for the whole journey; the running step is aborted at the deadline. */
  timeout?: number
  /** Overrides the run's base URL for this journey. */
  baseUrl?: string
  /** Ports every step may use; checked before the journey starts. */
  requires?: PortName[]
  /**
   * Run the whole journey again, from a fresh context and with the state backends rolled back to where
   * they stood before it, up to this many more times when it fails. One that fails and then passes is
   * `flaky`. Default: the run's `journeyRetries` (`--journey-retries`), else 0.
   */
  retries?: number
  /**
   * Stop a line of this journey at its first failed step: the rest of the line is skipped, as the run's
   * `failFast` does for every journey (but without stopping the other journeys). For a journey whose later
   * steps only make sense after the first ones: a log-in, a create whose id the rest reads.
   */
  failFast?: boolean
  /**
   * Put the system back after the journey: the state backends take a checkpoint before it starts and roll
   * back to it when it ends (passed, failed, or after its last retry), so that what its main line wrote
   * does not stay in the app's data. Default: the run's `restoreAfterJourney` (`--restore`), else false.
   * Needs a state backend.
   */
  restore?: boolean
  steps: JourneyNode[]
}

export interface Journey {
  readonly kind: 'journey'
  readonly name: string
  readonly description?: string
  readonly tags: readonly string[]
  readonly timeout?: number
  readonly baseUrl?: string
  readonly requires: readonly PortName[]
  /** Whole-journey retries, when the journey sets them (see JourneyOptions.retries). */
  readonly retries?: number
  /** Stop each line at its first failed step, when the journey sets it (see JourneyOptions.failFast). */
  readonly failFast?: boolean
  /** Put the system back after the journey, when the journey says (see JourneyOptions.restore). */
  readonly restore?: boolean
  /**
   * 'skip' (`journey.skip(...)`): reported as skipped, never run. 'only' (`journey.only(...)`): when any
   * journey of a run has it, only those run.
   */
  readonly mode?: 'skip' | 'only'
  readonly steps: readonly JourneyNode[]
}

export interface StepFunction {
  (name: string, action: Action, options?: StepOptions): StepNode
  /** A step that is reported as skipped and never runs; the rest of its line runs as usual. */
  skip(name: string, action: Action, options?: StepOptions): StepNode
}

// Journey files load without type checks: what a call passes beyond the options is kept, to be refused
// with the journey (`step('s', run, { timeout: 5000 }, { retries: 2 })` took no retries, and said nothing).
export const step: StepFunction = Object.assign(
  (name: string, action: Action, options: StepOptions = {}, ...extra: unknown[]): StepNode => ({ kind: 'step', name, action, options, ...withExtra(extra) }),
  {
    skip: (name: string, action: Action, options: StepOptions = {}, ...extra: unknown[]): StepNode => ({ kind: 'step', name, action, options, mode: 'skip', ...withExtra(extra) }),
  },
)

/** `{ extraArguments }` when a call passed any, else nothing: a node has no key for what it was not given. */
function withExtra(extra: readonly unknown[]): { extraArguments?: readonly unknown[] } {
  return extra.length ? { extraArguments: extra } : {}
}

export function checkpoint(name: string): CheckpointNode
// Journey files load without type checks: what a call passes beyond the name is kept, to be refused with
// the journey (`checkpoint('a', { timeout: 5 })` took no timeout, and said nothing).
export function checkpoint(name: string, ...extra: unknown[]): CheckpointNode {
  return rememberCall({ kind: 'checkpoint', name, ...withExtra(extra) })
}

export function branch(checkpointName: string, paths: PathNode[]): BranchNode
export function branch(checkpointName: string, paths: PathNode[], ...extra: unknown[]): BranchNode {
  return rememberCall({ kind: 'branch', checkpoint: checkpointName, paths, ...withExtra(extra) })
}

export function path(name: string, steps: JourneyNode[], options?: PathOptions): PathNode
export function path(name: string, steps: JourneyNode[], options: PathOptions = {}, ...extra: unknown[]): PathNode {
  // `?.`: options of null, from a file loaded without type checks, are refused with the journey, not here.
  return rememberCall({ kind: 'path', name, steps, description: (options as PathOptions | null)?.description, options, ...withExtra(extra) })
}

export interface JourneyFunction {
  /**
   * Define a journey. The definition is validated now: mistakes throw one DefinitionError naming each
   * (while the CLI evaluates a journey file, they are collected instead: see withRefusedDefinitions).
   */
  (name: string, options: JourneyOptions): Journey
  /** A journey that is reported as skipped and never runs. */
  skip(name: string, options: JourneyOptions): Journey
  /**
   * Focus: when any journey of a run is defined with `only`, only those run. Refused when CI is set,
   * unless `venomqa run --allow-only`, so a forgotten `only` cannot quietly shrink a CI run.
   */
  only(name: string, options: JourneyOptions): Journey
}

function defineJourney(name: string, options: JourneyOptions, mode?: Journey['mode']): Journey {
  // The options as written: the journey keeps only the keys it knows, so a misspelt one would vanish below,
  // and a wrong type (`tags: 'smoke'`) would fail there with a TypeError naming nothing.
  const given = journeyOptionsProblems(name, options)
  if (given.fatal) throw DefinitionError.every(given.problems)
  const j: Journey = {
    kind: 'journey',
    name,
    description: options.description,
    // Tags that are no list of strings were told above; the steps are still checked, to tell every mistake at once.
    tags: (Array.isArray(options.tags) && options.tags.every((t) => typeof t === 'string') ? options.tags : []).map((t) => t.trim().toLowerCase()).filter(Boolean),
    timeout: options.timeout,
    baseUrl: options.baseUrl,
    requires: options.requires ?? [],
    ...(options.retries !== undefined ? { retries: options.retries } : {}),
    ...(options.failFast !== undefined ? { failFast: options.failFast } : {}),
    ...(options.restore !== undefined ? { restore: options.restore } : {}),
    ...(mode ? { mode } : {}),
    steps: options.steps,
  }
  // Its options were checked as given, above: only its steps are left to check.
  const problems = [...given.problems, ...lineProblems(j, given.unknownKeys)]
  if (problems.length) throw DefinitionError.every(problems)
  return j
}

export const journey: JourneyFunction = Object.assign((name: string, options: JourneyOptions): Journey => defineOrRefuse(name, options), {
  skip: (name: string, options: JourneyOptions): Journey => defineOrRefuse(name, options, 'skip'),
  only: (name: string, options: JourneyOptions): Journey => defineOrRefuse(name, options, 'only'),
})

/**
 * Where the refused definitions go while the CLI evaluates a journey file (withRefusedDefinitions), on the
 * global object: the file's `@venomqa/core` may be another copy than the CLI's (the project's own, or the
 * CommonJS build jiti loads), and every copy must see the one collection.
 */
const REFUSED = Symbol.for('venomqa.refusedDefinitions')

type RefusalHolder = Record<symbol, unknown[] | undefined>

/**
 * What journey() gives for a refused definition while a journey file is evaluated (withRefusedDefinitions):
 * no journey (isJourney refuses it, so nothing runs it), but with the name, steps and tags as given, so that
 * the code after it (a journeysFor, a journey reusing its steps) goes on to the file's next definitions.
 */
export interface RefusedJourney {
  readonly kind: 'refused-journey'
  readonly name: string
  readonly steps: readonly JourneyNode[]
  readonly tags: readonly string[]
  readonly error: DefinitionError
}

export function isRefusedJourney(value: unknown): value is RefusedJourney {
  return typeof value === 'object' && value !== null && (value as RefusedJourney).kind === 'refused-journey'
}

/**
 * Run `work` (the CLI importing a journey file) with every definition journey() refuses pushed to `into`
 * instead of thrown: the file's next journeys are defined and checked too, and all its mistakes told in one
 * run. Outside it, journey() throws at once. Whatever `work` does, the collection ends with it (the one
 * before it, if any, is back): no later journey() of the process is taken for the file's.
 */
export async function withRefusedDefinitions<T>(into: unknown[], work: () => Promise<T>): Promise<T> {
  const holder = globalThis as RefusalHolder
  const before = holder[REFUSED]
  holder[REFUSED] = into
  try {
    return await work()
  } finally {
    holder[REFUSED] = before
  }
}

function defineOrRefuse(name: string, options: JourneyOptions, mode?: Journey['mode']): Journey {
  try {
    return defineJourney(name, options, mode)
  } catch (err) {
    const into = (globalThis as RefusalHolder)[REFUSED]
    if (!into || !(err instanceof DefinitionError)) throw err
    into.push(err)
    const given = (typeof options === 'object' && options !== null ? options : {}) as Partial<JourneyOptions>
    const refused: RefusedJourney = { kind: 'refused-journey', name, steps: Array.isArray(given.steps) ? given.steps : [], tags: [], error: err }
    // Typed as the journey the file meant: the loader tells it, and no journey is run in its place.
    return refused as unknown as Journey
  }
}

/**
 * Data-driven journeys: one journey per case. `build` returns the journey for a case; names must differ.
 *
 *   export default journeysFor(cases, (c) => journey(`register_${c.name}`, { steps: [...] }))
 */
export function journeysFor<C>(cases: readonly C[], build: (testCase: C, index: number) => Journey): Journey[] {
  const out = cases.map((c, i) => build(c, i))
  const seen = new Set<string>()
  for (const j of out) {
    if (seen.has(j.name))
      throw new DefinitionError(j.name, 'two cases produce a journey with this name; give each case its own name')
    seen.add(j.name)
  }
  return out
}

/**
 * What a run keeps once `journey.only` is considered: when any of the journeys is defined with `only`,
 * those alone (`focused` lists them); otherwise all of them.
 */
export function focusJourneys<T extends { journey: Journey }>(items: readonly T[]): { items: T[]; focused: T[] } {
  const focused = items.filter((x) => x.journey.mode === 'only')
  return { items: focused.length ? focused : [...items], focused }
}

export function isJourney(value: unknown): value is Journey {
  return typeof value === 'object' && value !== null && (value as Journey).kind === 'journey' && Array.isArray((value as Journey).steps)
}
