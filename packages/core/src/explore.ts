import { TIMER_MS_EXPECTED, isTimerMs } from './deadline'
import { didYouMean, keysOf, unknownKeyIn } from './did-you-mean'
import type { Action, ActionArgs, JourneyNode, StepNode } from './dsl'
import { DefinitionError } from './errors'
import type { HttpClient, RecordedRequest, RecordedResponse } from './http'
import { SEVERITIES, type Severity } from './issues'
import type { PortName, Ports } from './ports'
import { stepArgumentsProblem } from './validate'

/**
 * Exploration: the framework chooses sequences of actions, rolls back instead of replaying prefixes,
 * checks invariants after every action, and shrinks what breaks one into a regression journey. This
 * module is the definition (EXPLORATION.md section 2); the engine is @venomqa/explore.
 */

/** A seeded source of choices: the same seed gives the same inputs and walks. */
export interface Rng {
  /** A whole number from min to max, both included. */
  int(min: number, max: number): number
  /** A number in [0, 1). */
  float(): number
  bool(probability?: number): boolean
  pick<T>(items: readonly T[]): T
}

/** The context as `when` and `inputs` see it: read only. */
export interface ReadonlyContext {
  get<T = unknown>(key: string): T | undefined
  has(key: string): boolean
  keys(): string[]
}

/** The context as an invariant sees it: read only, and `require` reads a key or fails naming it, as in an action. */
export interface InvariantContext extends ReadonlyContext {
  require<T = unknown>(key: string): T
}

/** Where the search stands when it asks an action whether it may run and with what. */
export interface StateView {
  readonly ctx: ReadonlyContext
  /** Actions taken since the root. */
  readonly depth: number
  /** How many times an action was taken on this path. */
  count(action: string): number
  /** The names of the actions taken on this path, in order. */
  readonly path: readonly string[]
}

export interface ExploreActionArgs<I = unknown> extends ActionArgs {
  /** The input of this edge (see `inputs`). */
  input: I
}

export type ExploreRun<I = unknown> = (args: ExploreActionArgs<I>) => unknown | Promise<unknown>

export interface ActionOptions<I = unknown> {
  description?: string
  /** May the action run here? Pure and synchronous. Default: always. */
  when?: (view: StateView) => boolean
  /** Each input is its own edge. Default: one edge, with `undefined` as input. */
  inputs?: (view: StateView, rng: Rng) => readonly I[]
  /** At most this many times on one path. */
  maxPerPath?: number
  /** ms; the action is aborted at the deadline. */
  timeout?: number
  requires?: PortName[]
  /** Statuses the action may answer without it being a `no_5xx` violation. Default: status < 500. */
  allowStatus?: (status: number) => boolean
}

export interface ExploreAction<I = unknown> {
  readonly kind: 'action'
  readonly name: string
  readonly run: ExploreRun<I>
  readonly options: ActionOptions<I>
}

/** Define an action: the shape of `step()`, plus `input`. */
export function action<I = undefined>(name: string, run: ExploreRun<I>, options: ActionOptions<I> = {}): ExploreAction<I> {
  return { kind: 'action', name, run, options }
}

/** An action taken on a path: which, with what input. */
export interface TakenAction {
  action: string
  input: unknown
}

/** The action an invariant is checked after. */
export interface LastAction extends TakenAction {
  request?: RecordedRequest
  response?: RecordedResponse
}

export interface InvariantArgs {
  /** Requests made here are probes: recorded, and made again when the violation is reproduced. */
  http: HttpClient
  ctx: InvariantContext
  ports: Ports
  /** The action just taken (absent at the root). */
  last?: LastAction
  /** Every action taken since the root, the last one included. */
  path: readonly TakenAction[]
  /** Every state backend's `observe()` in this state, by backend name. */
  now: Readonly<Record<string, unknown>>
  /** The same in the parent state (before the last action). */
  before: Readonly<Record<string, unknown>>
  signal: AbortSignal
}

/** A violation is a thrown error (an assertion), `false`, or a string that says what is wrong. */
export type InvariantCheck = (args: InvariantArgs) => unknown | Promise<unknown>

/** What a response-only invariant sees: the last action's response. */
export interface ResponseView {
  status: number
  headers: Record<string, string>
  /** The body parsed as JSON (undefined when it is not JSON). */
  json(): unknown
  text: string
  request?: RecordedRequest
  action: string
  input: unknown
}

export interface InvariantOptions {
  description?: string
  /** Check only after these actions. Default: after every action. */
  after?: string[]
  /** Severity of a violation. Default high. */
  severity?: Severity
}

export interface Invariant {
  readonly kind: 'invariant'
  readonly name: string
  readonly check: InvariantCheck
  readonly options: InvariantOptions
  /** Set for `invariant.response`: checks the last response only, no request, no observation. */
  readonly response?: (res: ResponseView) => unknown
}

/** An invariant made of a check of the system (`check` may send probe requests and read observations). */
export function invariant(name: string, check: InvariantCheck, options: InvariantOptions = {}): Invariant {
  return { kind: 'invariant', name, check, options }
}

/** A pure check of the last response: the cheapest kind. */
invariant.response = function responseInvariant(name: string, check: (res: ResponseView) => unknown, options: InvariantOptions = {}): Invariant {
  return {
    kind: 'invariant',
    name,
    options,
    response: check,
    // The engine calls `response` with the last response; `check` is never called for these.
    check: () => undefined,
  }
}

/** What a source of actions or invariants is given to build them (an OpenAPI document, a registry...). */
export interface SourceEnv {
  /** The project root, for relative files. */
  root: string
  /** The exploration's base URL, if any. */
  baseUrl?: string
  signal: AbortSignal
  /**
   * Tells the user, before the search, of something the source leaves out that they would take as tested
   * (an operation whose body no value it made meets): without it, the exploration passed saying nothing.
   */
  warn?: (message: string) => void
}

/** Actions built when the exploration starts, e.g. from an OpenAPI document. */
export interface ActionSource {
  readonly kind: 'action-source'
  readonly name: string
  load(env: SourceEnv): Promise<readonly ExploreAction<any>[]>
}

/** Invariants built when the exploration starts. */
export interface InvariantSource {
  readonly kind: 'invariant-source'
  readonly name: string
  load(env: SourceEnv): Promise<readonly Invariant[]>
}

export type SearchStrategy = 'dfs' | 'bfs' | 'random'
const STRATEGIES: readonly SearchStrategy[] = ['dfs', 'bfs', 'random']

export interface ExplorationBudget {
  /** Actions taken, in all. */
  transitions?: number
  /** Wall time of the search, ms. */
  timeMs?: number
  /** Distinct states reached. */
  states?: number
}

export interface ExplorationOptions {
  description?: string
  tags?: string[]
  baseUrl?: string
  /** Steps run once, before the root checkpoint (sign up, log in...). */
  setup?: JourneyNode[]
  actions: readonly (ExploreAction<any> | ActionSource)[]
  invariants?: readonly (Invariant | InvariantSource)[]
  /** At most this many actions on a path. Default 5. */
  depth?: number
  budget?: ExplorationBudget
  /** Default 'dfs'. */
  strategy?: SearchStrategy
  /** Default: random, always printed and saved. */
  seed?: number
  /** Merge states with the same fingerprint (default true). `false` makes the search exhaustive to the depth. */
  dedupe?: boolean
  /**
   * Explore on this many workers at once (default 1), each with a system of its own from the config's
   * `workerSetup`: the search tree is shared among them, from the root's edges down. `--workers` wins.
   */
  workers?: number
}

export interface Exploration {
  readonly kind: 'exploration'
  readonly name: string
  readonly description?: string
  readonly tags: readonly string[]
  readonly baseUrl?: string
  readonly setup: readonly JourneyNode[]
  readonly actions: readonly (ExploreAction<any> | ActionSource)[]
  readonly invariants: readonly (Invariant | InvariantSource)[]
  readonly depth: number
  readonly budget: ExplorationBudget
  readonly strategy: SearchStrategy
  readonly seed?: number
  readonly dedupe: boolean
  readonly workers?: number
}

export const DEFAULT_EXPLORATION_DEPTH = 5

/** Define an exploration. What can be checked now is: a mistake throws a DefinitionError naming it. */
export function exploration(name: string, options: ExplorationOptions): Exploration {
  // The options as written: the exploration keeps only the keys it knows, so a misspelt one would vanish here.
  const problem = unknownKeyIn(options, OPTION_KEYS)
  if (problem) throw new DefinitionError(String(name), problem, undefined, 'exploration')
  const e: Exploration = {
    kind: 'exploration',
    name,
    description: options.description,
    tags: (options.tags ?? []).map((t) => t.trim().toLowerCase()).filter(Boolean),
    baseUrl: options.baseUrl,
    setup: options.setup ?? [],
    actions: options.actions,
    invariants: options.invariants ?? [],
    depth: options.depth ?? DEFAULT_EXPLORATION_DEPTH,
    budget: options.budget ?? {},
    strategy: options.strategy ?? 'dfs',
    seed: options.seed,
    dedupe: options.dedupe ?? true,
    ...(options.workers !== undefined ? { workers: options.workers } : {}),
  }
  validateExploration(e)
  return e
}

export function isExploration(value: unknown): value is Exploration {
  return !!value && typeof value === 'object' && (value as { kind?: unknown }).kind === 'exploration'
}

/** Built-in invariants, always on. */
export const BUILTIN_INVARIANTS = ['no_5xx', 'request_error'] as const

/**
 * The keys each part of a definition takes. A key that is none of them is a mistake, refused with the
 * nearest one: a misspelt `dedupe: false` or `maxPerPath` would otherwise be dropped without a word, and
 * the search run with the default in its place (a pass where the exploration as meant finds violations).
 */
const OPTION_KEYS = keysOf<ExplorationOptions>({
  description: 1,
  tags: 1,
  baseUrl: 1,
  setup: 1,
  actions: 1,
  invariants: 1,
  depth: 1,
  budget: 1,
  strategy: 1,
  seed: 1,
  dedupe: 1,
  workers: 1,
})
const EXPLORATION_KEYS = [...OPTION_KEYS, ...keysOf<Pick<Exploration, 'kind' | 'name'>>({ kind: 1, name: 1 })]
const BUDGET_KEYS = keysOf<ExplorationBudget>({ transitions: 1, timeMs: 1, states: 1 })
const ACTION_KEYS = keysOf<ActionOptions>({ description: 1, when: 1, inputs: 1, maxPerPath: 1, timeout: 1, requires: 1, allowStatus: 1 })
const INVARIANT_KEYS = keysOf<InvariantOptions>({ description: 1, after: 1, severity: 1 })

/** `'a', 'b' or 'c'`. */
function oneOf(values: readonly string[]): string {
  const quoted = values.map((v) => `'${v}'`)
  return quoted.length > 1 ? `${quoted.slice(0, -1).join(', ')} or ${quoted.at(-1)}` : quoted.join('')
}

/** A value that is none of `allowed`: `strategy must be 'dfs', 'bfs' or 'random', got "dfss" (did you mean "dfs"?)`. */
function notOneOf(what: string, value: unknown, allowed: readonly string[]): string {
  const near = typeof value === 'string' ? didYouMean(value, allowed) : undefined
  return `${what} must be ${oneOf(allowed)}, got ${JSON.stringify(value) ?? String(value)}${near ? ` (did you mean "${near}"?)` : ''}`
}

/**
 * Check an exploration's definition. Sources are checked again, with what they built, by
 * `validateLoadedExploration` when the exploration starts.
 */
export function validateExploration(e: Exploration): void {
  const where = (what: string) => new DefinitionError(String(e.name), what, undefined, 'exploration')
  if (typeof e.name !== 'string' || !e.name.trim()) throw where('an exploration needs a non-empty name')
  // What exploration() made has only known keys; an object made otherwise (a copy with a key added) may not.
  const unknown = unknownKeyIn(e, EXPLORATION_KEYS) ?? unknownKeyIn(e.budget, BUDGET_KEYS, 'budget.')
  if (unknown) throw where(unknown)
  if (!Array.isArray(e.actions) || e.actions.length === 0) throw where('an exploration needs at least one action (action(...)) or action source')
  if (!Number.isInteger(e.depth) || e.depth < 1) throw where(`depth must be a whole number of 1 or more, got ${String(e.depth)}`)
  if (!STRATEGIES.includes(e.strategy)) throw where(notOneOf('strategy', e.strategy, STRATEGIES))
  if (e.seed !== undefined && !Number.isInteger(e.seed)) throw where(`seed must be a whole number, got ${String(e.seed)}`)
  if (e.workers !== undefined && !(Number.isInteger(e.workers) && e.workers >= 1)) throw where(`workers must be a whole number of 1 or more, got ${String(e.workers)}`)
  for (const [key, value] of Object.entries(e.budget ?? {}))
    if (value !== undefined && !(typeof value === 'number' && value > 0)) throw where(`budget.${key} must be a positive number, got ${String(value)}`)
  for (const [i, node] of e.setup.entries()) {
    if (!node || (node as StepNode).kind !== 'step') throw where(`setup item ${i + 1} is not a step (setup runs steps once, before the root checkpoint)`)
    const problem = stepArgumentsProblem(node as StepNode)
    if (problem) throw new DefinitionError(String(e.name), problem, (node as StepNode).name, 'exploration')
  }
  e.actions.forEach((a, i) => {
    if (!a || (a.kind !== 'action' && a.kind !== 'action-source')) throw where(`actions item ${i + 1} is not an action (make it with action()) or an action source`)
  })
  e.invariants.forEach((v, i) => {
    if (!v || (v.kind !== 'invariant' && v.kind !== 'invariant-source')) throw where(`invariants item ${i + 1} is not an invariant (make it with invariant()) or an invariant source`)
  })
  validateLoadedExploration(e.name, e.actions.filter(isAction), e.invariants.filter(isInvariant), { partial: e.actions.some((a) => !isAction(a)) })
}

/**
 * Check the actions and invariants an exploration runs with, sources loaded: names unique, options
 * sane, every `after` naming an action. With `partial`, some actions are still to come from a source, so
 * an `after` naming none of the known ones is not yet a mistake.
 */
export function validateLoadedExploration(name: string, actions: readonly ExploreAction<any>[], invariants: readonly Invariant[], options: { partial?: boolean } = {}): void {
  const fail = (what: string) => new DefinitionError(name, what, undefined, 'exploration')
  const actionNames = new Set<string>()
  for (const a of actions) {
    if (typeof a.name !== 'string' || !a.name.trim()) throw fail('an action needs a non-empty name')
    if (typeof a.run !== 'function') throw fail(`action "${a.name}": run is not a function`)
    if (actionNames.has(a.name)) throw fail(`two actions are named "${a.name}"; action names must be unique`)
    actionNames.add(a.name)
    const o = a.options ?? {}
    const unknownOption = unknownKeyIn(o, ACTION_KEYS)
    if (unknownOption) throw fail(`action "${a.name}": ${unknownOption}`)
    if (o.maxPerPath !== undefined && !(Number.isInteger(o.maxPerPath) && o.maxPerPath >= 1))
      throw fail(`action "${a.name}": maxPerPath must be a whole number of 1 or more, got ${String(o.maxPerPath)}`)
    // A duration no timer keeps (past 2^31 - 1 ms, a fraction, Infinity) fired at once: a false timeout.
    if (o.timeout !== undefined && !isTimerMs(o.timeout)) throw fail(`action "${a.name}": timeout: ${TIMER_MS_EXPECTED}, got ${String(o.timeout)}`)
    for (const fn of ['when', 'inputs', 'allowStatus'] as const)
      if (o[fn] !== undefined && typeof o[fn] !== 'function') throw fail(`action "${a.name}": ${fn} must be a function`)
  }
  const invariantNames = new Set<string>(BUILTIN_INVARIANTS)
  for (const v of invariants) {
    if (typeof v.name !== 'string' || !v.name.trim()) throw fail('an invariant needs a non-empty name')
    if (invariantNames.has(v.name))
      throw fail(`two invariants are named "${v.name}"${(BUILTIN_INVARIANTS as readonly string[]).includes(v.name) ? ' (a built-in one has this name)' : ''}; invariant names must be unique`)
    invariantNames.add(v.name)
    const unknownOption = unknownKeyIn(v.options, INVARIANT_KEYS)
    if (unknownOption) throw fail(`invariant "${v.name}": ${unknownOption}`)
    if (v.options.severity !== undefined && !SEVERITIES.includes(v.options.severity)) throw fail(`invariant "${v.name}": ${notOneOf('severity', v.options.severity, SEVERITIES)}`)
    for (const after of v.options.after ?? [])
      if (!actionNames.has(after) && !options.partial) {
        const near = didYouMean(String(after), [...actionNames])
        throw fail(`invariant "${v.name}": after names "${after}", which is no action (${near ? `did you mean "${near}"? ` : ''}actions: ${[...actionNames].join(', ')})`)
      }
  }
}

export function isAction(value: unknown): value is ExploreAction<any> {
  return !!value && typeof value === 'object' && (value as { kind?: unknown }).kind === 'action'
}

export function isInvariant(value: unknown): value is Invariant {
  return !!value && typeof value === 'object' && (value as { kind?: unknown }).kind === 'invariant'
}

/** The Action an exploration's action runs as, for the runner's step machinery. */
export function actionAsStep(a: ExploreAction<any>, input: unknown): Action {
  // The step's argument with the input added. Its getters (a lazy `log`, `ctx`) read the instance's private
  // fields, so they must run on the instance itself: on an object inheriting from it (Object.create) they
  // threw "Cannot read private member". A Proxy's get with the target as receiver keeps them on it.
  return (args) =>
    a.run(
      new Proxy(args as ExploreActionArgs, {
        get: (target, key) => (key === 'input' ? input : Reflect.get(target, key)),
        has: (target, key) => key === 'input' || Reflect.has(target, key),
        // An own key, as the step argument's are: `{ ...args }` in an action keeps it.
        ownKeys: (target) => [...Reflect.ownKeys(target).filter((k) => k !== 'input'), 'input'],
        getOwnPropertyDescriptor: (target, key) =>
          key === 'input' ? { value: input, enumerable: true, writable: false, configurable: true } : Reflect.getOwnPropertyDescriptor(target, key),
      }),
    )
}
