import { placeAtCall } from './called-at'
import { TIMER_MS_EXPECTED, isTimerMs } from './deadline'
import { keysOf, unknownKeyIn } from './did-you-mean'
import type { Journey, JourneyNode, JourneyOptions, PathNode, PathOptions, StepNode, StepOptions } from './dsl'
import { DefinitionError, MAX_MISTAKES_TOLD } from './errors'
import { describeValue } from './options'
import { firstFew } from './plural'
import { redactText } from './redact'

/**
 * Why an option's value is refused, as the text that follows its name (`: expected true or false, got
 * "no"`), or undefined when it is fine. Journey files are loaded without type checks, so every option is
 * checked here: a truthy `expectFailure: 'no'` passed every step it should have failed.
 */
type OptionCheck = (value: unknown) => string | undefined

function expecting(ok: (value: unknown) => boolean, expected: string, hint: (value: unknown) => string = () => ''): OptionCheck {
  return (value) => (ok(value) ? undefined : `: expected ${expected}, got ${describeValue(value)}${hint(value)}`)
}

/** A list given as its one item (`requires: 'cache'`) was read a character at a time: the fix, spelt out. */
const asList = (value: unknown) => (typeof value === 'string' ? ` (did you mean [${describeValue(value)}]?)` : '')
const isWhole = (value: unknown, min: number, max: number) => Number.isInteger(value) && (value as number) >= min && (value as number) <= max
const isStringList = (value: unknown) => Array.isArray(value) && value.every((item) => typeof item === 'string')

const text = expecting((v) => typeof v === 'string', 'a string')
const flag = expecting((v) => typeof v === 'boolean', 'true or false')
const isRefusalStatus = (v: unknown) => isWhole(v, 400, 599)
const expectedFailure = expecting(
  (v) => typeof v === 'boolean' || isRefusalStatus(v) || (Array.isArray(v) && v.length > 0 && v.every(isRefusalStatus)),
  'true, false, an HTTP status from 400 to 599 (422) or a list of them ([401, 403])',
)
// A duration no timer keeps (a fraction, Infinity, past 2^31 - 1 ms) fired at once: "timed out after 3000000000 ms".
const timerMs = expecting(isTimerMs, TIMER_MS_EXPECTED.replace(/^expected /, ''))
const delayMs = expecting((v) => v === 0 || isTimerMs(v), `0 or ${TIMER_MS_EXPECTED.replace(/^expected /, '')}`)
const retries = expecting((v) => isWhole(v, 0, 100), 'a whole number from 0 to 100')
const portNames = expecting(isStringList, "a list of port names, such as ['cache']", asList)
const httpUrl: OptionCheck = (value) => {
  const problem = httpUrlProblem(value)
  return problem && ` ${problem}`
}

/** Every option of step(), with its check: the compiler says when StepOptions gains one this lacks. */
const STEP_OPTIONS: Record<keyof StepOptions, OptionCheck> = {
  description: text,
  expectFailure: expectedFailure,
  timeout: timerMs,
  retries,
  retryDelay: delayMs,
  requires: portNames,
}

/** Every option of journey() but its steps, which are checked one by one. */
const JOURNEY_OPTIONS: Record<Exclude<keyof JourneyOptions, 'steps'>, OptionCheck> = {
  description: text,
  tags: expecting(isStringList, "a list of tags, such as ['smoke']", asList),
  timeout: timerMs,
  baseUrl: httpUrl,
  requires: portNames,
  retries,
  failFast: flag,
  restore: flag,
}
const JOURNEY_OPTION_KEYS = [...Object.keys(JOURNEY_OPTIONS), 'steps']
/** What journey() makes: a journey built otherwise (an object a file exports) is held to the same keys. */
const JOURNEY_KEYS = keysOf<Journey>({ kind: 1, name: 1, description: 1, tags: 1, timeout: 1, baseUrl: 1, requires: 1, retries: 1, failFast: 1, restore: 1, mode: 1, steps: 1 })
const JOURNEY_MODES: readonly NonNullable<Journey['mode']>[] = ['skip', 'only']

const PATH_OPTIONS: Record<keyof PathOptions, OptionCheck> = { description: text }

function isEmpty(value: object): boolean {
  for (const _ in value) return false
  return true
}

function isOptionsObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

/** Every option of `given` that `checks` does not know or whose value it refuses, each as `key: expected ...`. */
function optionsProblems(given: Record<string, unknown>, checks: Record<string, OptionCheck>, known?: readonly string[]): string[] {
  // Most steps give no option: a journey of thousands of steps is checked two or three times before it
  // runs (journey(), the loader, the runner), while its code is still cold.
  if (isEmpty(given)) return []
  const keys = known ?? Object.keys(checks)
  const out: string[] = []
  for (const key of Object.keys(given)) {
    const unknown = keys.includes(key) ? undefined : unknownKeyIn({ [key]: true }, keys, '', 'option')
    if (unknown) out.push(unknown)
  }
  for (const [key, check] of Object.entries(checks)) {
    const problem = given[key] === undefined ? undefined : check(given[key])
    if (problem) out.push(`${key}${problem}`)
  }
  return out
}

const NO_PROBLEMS: readonly string[] = Object.freeze([])

/**
 * Why a step's arguments past its action cannot run, or undefined: its options (the third argument), and
 * anything after them, which step() would ignore. For journeys, and for an exploration's setup.
 */
export function stepArgumentsProblem(node: Pick<StepNode, 'options' | 'extraArguments' | 'mode'>): string | undefined {
  return stepArgumentsProblems(node)[0]
}

/** Every reason a step's arguments past its action cannot run (see stepArgumentsProblem). */
function stepArgumentsProblems(node: Pick<StepNode, 'options' | 'extraArguments' | 'mode'>): readonly string[] {
  const { options, extraArguments: extra } = node
  if (!isOptionsObject(options)) return [`options: expected an object, as in step(name, action, { timeout: 5000 }), got ${describeValue(options)}`]
  // Most steps: no options and nothing after them. Checked for every step of a journey two or three times
  // before it runs, while the code is still cold: no arrays made for them.
  if (!extra?.length && isEmpty(options)) return NO_PROBLEMS
  return [
    ...(extra?.length ? [`step${node.mode === 'skip' ? '.skip' : ''}() takes a name, an action and an object of options, got ${extraArguments(extra)} after the options`] : []),
    ...optionsProblems(options, STEP_OPTIONS),
  ]
}

/**
 * Every reason a path's arguments past its name cannot run; a path made by hand may have no options.
 * Steps given one by one (`path('p', step(...), step(...))`) were taken as the list of steps and the
 * options, and the rest ignored.
 */
function pathArgumentsProblems(p: PathNode): string[] {
  const extra = p.extraArguments ?? []
  if (isJourneyNode(p.steps)) {
    const count = 1 + [p.options, ...extra].filter(isJourneyNode).length
    return [`path() takes its steps in a list: path(name, [step(...), step(...)]); got ${count === 1 ? 'a step where the list goes' : `${count} steps as separate arguments`}`]
  }
  if (p.options !== undefined && !isOptionsObject(p.options)) return [`options: expected an object, as in path(name, steps, { description: '...' }), got ${describeValue(p.options)}`]
  return [
    ...(extra.length ? [`path() takes a name, a list of steps and an object of options, got ${extraArguments(extra)} after the options`] : []),
    ...(p.options === undefined ? [] : optionsProblems(p.options, PATH_OPTIONS)),
  ]
}

const JOURNEY_NODE_KINDS: readonly unknown[] = ['step', 'checkpoint', 'branch']
const isJourneyNode = (value: unknown) => typeof value === 'object' && value !== null && JOURNEY_NODE_KINDS.includes((value as { kind?: unknown }).kind)

function journeyNameProblem(name: unknown): string | undefined {
  return typeof name !== 'string' || !name.trim() ? 'a journey needs a non-empty name' : undefined
}

/**
 * The mistakes in what journey() was given, before it builds the journey: the journey keeps only the
 * options it knows, so a misspelt one (`timout`, `stpes`) is found here or never; and a wrong type
 * (`tags: 'smoke'`) would break the building with a TypeError that names nothing. `fatal` when the
 * options are no object, and no journey can be built of them.
 */
export function journeyOptionsProblems(name: string, options: JourneyOptions): { problems: DefinitionError[]; fatal: boolean; unknownKeys: boolean } {
  const badName = journeyNameProblem(name)
  const problems = badName ? [new DefinitionError(String(name), badName)] : []
  if (!isOptionsObject(options)) {
    problems.push(new DefinitionError(String(name), `options: expected an object, as in journey(name, { steps: [...] }), got ${describeValue(options)}`))
    return { problems, fatal: true, unknownKeys: false }
  }
  for (const problem of optionsProblems(options, JOURNEY_OPTIONS, JOURNEY_OPTION_KEYS)) problems.push(new DefinitionError(String(name), problem))
  return { problems, fatal: false, unknownKeys: Object.keys(options).some((k) => !JOURNEY_OPTION_KEYS.includes(k)) }
}

/**
 * Checks a journey before anything runs: names, actions, every option of the journey, its steps and
 * paths, and that every branch names a checkpoint that is declared earlier in its own line or in an
 * enclosing one. Throws one DefinitionError holding every mistake (DefinitionError.every), each naming
 * the journey and the step: told one at a time, a user fixed one per run.
 */
export function validateJourney(j: Journey): void {
  const problems: DefinitionError[] = []
  const badName = journeyNameProblem(j.name)
  if (badName) problems.push(new DefinitionError(String(j.name), badName))
  const name = String(j.name)
  const unknown = unknownKeysIn(j, JOURNEY_KEYS)
  for (const u of unknown) problems.push(new DefinitionError(name, u))
  // Each unknown key is told once, above, not again as an unknown option.
  const known = [...JOURNEY_KEYS, ...unknown.length ? Object.keys(j).filter((k) => !JOURNEY_KEYS.includes(k)) : []]
  for (const problem of optionsProblems(j as unknown as Record<string, unknown>, JOURNEY_OPTIONS, known)) problems.push(new DefinitionError(name, problem))
  if (j.mode !== undefined && !JOURNEY_MODES.includes(j.mode))
    problems.push(new DefinitionError(name, `mode: expected 'skip' or 'only' (journey.skip(), journey.only()), got ${describeValue(j.mode)}`))
  problems.push(...lineProblems(j, unknown.length > 0))
  if (problems.length) throw DefinitionError.every(problems)
}

/** Every unknown key of `given`, each as unknownKeyIn says it. */
function unknownKeysIn(given: object, known: readonly string[]): string[] {
  return Object.keys(given).flatMap((key) => (known.includes(key) ? [] : [unknownKeyIn({ [key]: true }, known) ?? '']))
}

/**
 * The mistakes of a journey's steps, checkpoints, branches and paths, in the order they are written.
 * `unknownKeys`: an unknown key was told already; with no steps at all it is most likely `steps` misspelt
 * (`stpes`), and "a journey needs at least one step" would be the same mistake told twice.
 */
export function lineProblems(j: Journey, unknownKeys = false): DefinitionError[] {
  const problems: DefinitionError[] = []
  if (j.steps === undefined && unknownKeys) return problems
  if (!Array.isArray(j.steps) || j.steps.length === 0) problems.push(new DefinitionError(String(j.name), 'a journey needs at least one step'))
  else walk(String(j.name), j.steps, [], new Map<string, string>(), 'main line', problems)
  return problems
}

/**
 * Walks one line, adding each mistake to `problems` and going on past it as far as the line still makes
 * sense: a branch that names an unknown checkpoint still has its paths checked. `all` holds every
 * checkpoint of the journey met so far, with the line that declares it (`main line`, `path "a"`).
 */
function walk(journey: string, nodes: readonly JourneyNode[], visible: string[], all: Map<string, string>, where: string, problems: DefinitionError[]): void {
  // `at`: the checkpoint, branch or path the mistake is in, placed at its call (see placeAtCall).
  const problem = (message: string, step?: string, at?: unknown) => problems.push(placeAtCall(new DefinitionError(journey, message, step), at))
  const scope = [...visible]
  /** Checkpoints of this line a branch put it back before, by that branch's checkpoint. */
  const droppedBy = new Map<string, string>()
  const stepNames = new Set<string>()
  nodes.forEach((node, index) => {
    // Enough to act on (see MAX_MISTAKES_TOLD): each unknown checkpoint looks along the rest of its line.
    if (problems.length >= MAX_MISTAKES_TOLD) return
    if (!node || typeof node !== 'object' || !('kind' in node)) {
      problem(`item ${index + 1} of the ${where} is not a step, checkpoint or branch (use step(), checkpoint(), branch())`)
      return
    }
    switch (node.kind) {
      case 'step': {
        if (typeof node.name !== 'string' || !node.name.trim()) {
          problem(`step ${index + 1} of the ${where} needs a name`)
          break
        }
        if (typeof node.action !== 'function') problem('the action is not a function', node.name)
        if (stepNames.has(node.name)) problem(`duplicate step name in the ${where}; step names must differ within a line`, node.name)
        stepNames.add(node.name)
        for (const p of stepArgumentsProblems(node)) problem(p, node.name)
        break
      }
      case 'checkpoint': {
        if (typeof node.name !== 'string' || !node.name.trim()) {
          problem(`checkpoint ${index + 1} of the ${where} needs a name`, undefined, node)
          break
        }
        const first = all.get(node.name)
        if (first !== undefined) problem(duplicateCheckpoint(node.name, where, first), `checkpoint ${node.name}`, node)
        if (node.extraArguments?.length)
          problem(`checkpoint() takes only a name, got ${extraArguments(node.extraArguments)} after it: a checkpoint has no options`, `checkpoint ${node.name}`, node)
        if (first === undefined) all.set(node.name, where)
        scope.push(node.name)
        break
      }
      case 'branch': {
        const label = `branch ${node.checkpoint}`
        const pathsProblem = branchPathsProblem(node)
        // Its paths are not a list: there is nothing more of it to check.
        if (pathsProblem) {
          problem(pathsProblem, label, node)
          break
        }
        const dropper = droppedBy.get(node.checkpoint)
        if (dropper !== undefined)
          problem(
            `branch names checkpoint "${node.checkpoint}", which the branch from "${dropper}" before it dropped: after a branch the line is back at its checkpoint, and the checkpoints taken after that one are gone; branch from "${node.checkpoint}" before branching from "${dropper}"`, label, node)
        else if (!scope.includes(node.checkpoint)) {
          const later = all.has(node.checkpoint) || containsCheckpoint(nodes.slice(index + 1), node.checkpoint)
          problem(
            later
              ? `branch names checkpoint "${node.checkpoint}", which comes after it or in another path; put checkpoint("${node.checkpoint}") before the branch`
              : `branch names unknown checkpoint "${node.checkpoint}"${scope.length ? ` (known here: ${firstFew(scope, 20)})` : ' (no checkpoint is declared before it)'}`,
            label,
            node,
          )
        }
        if (!Array.isArray(node.paths) || node.paths.length === 0) problem('a branch needs at least one path', label, node)
        const pathNames = new Set<string>()
        for (const p of Array.isArray(node.paths) ? node.paths : []) {
          if (p?.kind !== 'path') {
            problem('every item of a branch must be a path()', label, node)
            continue
          }
          if (typeof p.name !== 'string' || !p.name.trim()) {
            problem('a path needs a name', label, p)
            continue
          }
          if (pathNames.has(p.name)) problem(`duplicate path "${p.name}" in the branch`, label, p)
          // Events, reports and live output name the main line `main`: a path of it so named reads as the line.
          if (p.name === 'main' && where === 'main line') problem('path "main": the main line is called so in every report; name the path otherwise', label, p)
          pathNames.add(p.name)
          const argumentProblems = pathArgumentsProblems(p)
          for (const x of argumentProblems) problem(`path "${p.name}": ${x}`, label, p)
          if (!Array.isArray(p.steps) || p.steps.length === 0) {
            // Steps given one by one were told above: the path is not empty, its list is missing.
            if (!isJourneyNode(p.steps)) problem(`path "${p.name}" is empty; a path needs at least one step`, label, p)
            continue
          }
          walk(journey, p.steps, scope, all, `path "${p.name}"`, problems)
        }
        // After the branch the line goes on from its checkpoint: those taken after it were rolled back with it.
        const at = scope.indexOf(node.checkpoint)
        if (at >= 0) for (const gone of scope.splice(at + 1)) droppedBy.set(gone, node.checkpoint)
        break
      }
      default:
        problem(`item ${index + 1} of the ${where} has unknown kind "${(node as { kind: string }).kind}"`)
    }
  })
}

/**
 * A checkpoint named as one declared before it. Within one line the step says which; across lines (two
 * sibling paths that each take `inner`) the message names both, since each path alone looks right.
 */
function duplicateCheckpoint(name: string, where: string, first: string): string {
  if (where === 'main line' && first === 'main line') return `duplicate checkpoint "${name}"; checkpoint names must be unique in a journey`
  const firstPlace = first === 'main line' ? 'the main line' : first === where ? 'the same path' : first
  return `duplicate checkpoint "${name}" in ${where} (${firstPlace} declares it first); checkpoint names must be unique in a journey, across its paths too`
}

/** `1 more argument (an object)`, `2 more arguments (an object, 5)`: what a call passed beyond what it takes. */
function extraArguments(extra: readonly unknown[]): string {
  return `${extra.length} more argument${extra.length === 1 ? '' : 's'} (${extra.map(describeValue).join(', ')})`
}

const isPathNode = (value: unknown) => typeof value === 'object' && value !== null && (value as { kind?: unknown }).kind === 'path'

/**
 * Why a branch's arguments are not a checkpoint name and a list of paths, or undefined. Paths given one by
 * one (`branch('cp', path(...), path(...))`) ran the first alone, or were told as "no path"; anything after
 * the list was ignored.
 */
function branchPathsProblem(node: { paths: unknown; extraArguments?: readonly unknown[] }): string | undefined {
  const extra = node.extraArguments ?? []
  if (isPathNode(node.paths)) {
    const count = 1 + extra.filter(isPathNode).length
    return `branch() takes its paths in a list: branch('cp', [path(...), path(...)]); got ${count === 1 ? 'a path where the list goes' : `${count} paths as separate arguments`}`
  }
  if (extra.length) return `branch() takes a checkpoint name and a list of paths, got ${extraArguments(extra)} after the list`
  return undefined
}

/**
 * Whether a checkpoint of this name is among `nodes` or in their paths. It looks ahead, at items not checked
 * yet, which may be anything a file wrote (a null, paths that are no list): those are told when the walk
 * gets to them, not met here with a TypeError.
 */
function containsCheckpoint(nodes: unknown, name: string): boolean {
  if (!Array.isArray(nodes)) return false
  return nodes.some(
    (n: JourneyNode | null) =>
      (n?.kind === 'checkpoint' && n.name === name) ||
      (n?.kind === 'branch' && Array.isArray(n.paths) && n.paths.some((p: PathNode | null) => containsCheckpoint(p?.steps, name))),
  )
}

/**
 * Why a value is not an absolute http(s) URL, or undefined when it is one. Credentials in it are never
 * echoed back: the message shows the value with any `user:pass@` masked.
 */
export function httpUrlProblem(value: unknown): string | undefined {
  if (typeof value !== 'string' || !value.trim()) return `must be an http:// or https:// URL, got ${value === '' ? 'an empty string' : typeof value}`
  const shown = JSON.stringify(redactText(value))
  let url: URL
  try {
    url = new URL(value)
  } catch {
    return `must be an absolute http:// or https:// URL, got ${shown}`
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return `must use http:// or https://, got ${shown}`
  // The text, not the parsed URL: a bare `?` or `#` parses to an empty search and hash, and would still take the path in.
  if (/[?#]/.test(value)) return `must have no query (?...) or fragment (#...), got ${JSON.stringify(redactText(value))}: ${BASE_URL_QUERY_HINT}`
  return undefined
}

/**
 * Why a base URL cannot have a query: every request's path is added at its end, and would land inside
 * the query (`/api?v=2` + `/todos` is `/api?v=2/todos`), sent to the wrong endpoint.
 */
export const BASE_URL_QUERY_HINT =
  "each request's path is added at its end, so it would land inside the query; give query parameters in the request's `query` option, or a key in `headers`"
