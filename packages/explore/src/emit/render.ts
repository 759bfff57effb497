import { REGRESSION_JOURNEY_MARK, type TakenAction, isSecretKey, plural, redactText } from '@venomqa/core'
import type { BuiltinInvariantName } from '../contracts'
import { LINE_WIDTH, accessor, commentText, isPlainObject, literal, quote, textSource } from './code'
import { accessPath } from './json-path'
import type { JourneyPlan, RequestPlan, StepPlan } from './plan'
import { isSecretList, isSecretValue, secretTree, type SecretRefs } from './secrets'

export interface RenderInput {
  plan: JourneyPlan
  journeyName: string
  invariant: string
  /** Set when the invariant is a built-in one: the last step asserts on the last response directly. */
  builtin?: BuiltinInvariantName
  exploration: {
    name: string
    file: string
    importPath: string
    hasBaseUrl: boolean
    setupSteps: readonly string[]
    /** The project root from the journey's directory (`../..`), when the invariant is loaded from a source that reads files. */
    root?: string
  }
  /** The minimal sequence, as the exploration took it (the invariant's `path`). */
  sequence: readonly TakenAction[]
  /** Each action's own timeout, carried over to its steps. */
  timeouts: ReadonlyMap<string, number>
  /** Not every confirming replay broke the invariant. */
  flaky?: boolean
  /** Why the sequence is the one the search met, not a shrunk one. */
  notShrunk?: string
  /** The shrinker's limit that cut its shrinking short (`its limit (500 replays)`): the sequence may not be minimal. */
  shrinkLimit?: string
}

const METHODS = new Set(['GET', 'HEAD', 'OPTIONS', 'POST', 'PUT', 'PATCH', 'DELETE'])
const STEP_INDENT = ' '.repeat(8)
const BODY_INDENT = ' '.repeat(10)
const CHECKPOINT = 'before_regression'

/** The journey file's text. Everything in it derives from the input: no time, no run-specific id. */
export function renderJourney(input: RenderInput): string {
  const { plan, exploration } = input
  const names = stepNames(plan.steps, exploration.setupSteps)
  // The last action's answers are the ones a fix changes (the invariant is judged after it): never checked.
  const last = plan.steps.length - 1
  const steps = plan.steps.map((s, i) => renderStep(s, names[i]!, input.timeouts.get(s.action), i < last))
  const root = input.builtin ? undefined : exploration.root
  // The invariant's `before`: what the state backends hold before the last action, saved by a step of its own.
  if (!input.builtin && last >= 0) steps.splice(last, 0, renderObserveBefore(uniqueName(`observe before ${names[last]!}`, [...exploration.setupSteps, ...names])))
  steps.push(input.builtin ? renderBuiltinCheck(input.builtin) : renderInvariantCheck(input.invariant, exploration.setupSteps, root !== undefined))
  const minimal = !input.notShrunk && !input.shrinkLimit
  const sequence = input.builtin ? '' : `\n/** The ${minimal ? 'minimal ' : ''}sequence as the exploration took it: the invariant's \`path\`. */\nconst sequence = ${literal(safeSequence(input.sequence, plan.secrets), '', LINE_WIDTH - 17)}\n`
  const prelude = plan.steps.slice(0, last).flatMap((s) => s.requests)
  const asserted = prelude.some((r) => replayNeedsAnswer(r) && !acceptedWrite(r))
  const stillAccepted = prelude.some(acceptedWrite)
  const stillRefused = prelude.some(refusedWrite)
  const counted = plan.steps.some((s) => s.requests.some((r) => r.sets.some((set) => set.count)))
  const imports = [
    ...(root !== undefined ? ["import { dirname, resolve } from 'node:path'", "import { fileURLToPath } from 'node:url'"] : []),
    // Core only: a project has core installed for its journeys; @venomqa/explore comes with the CLI and may
    // not resolve from the project (pnpm installs strictly).
    `import { ${input.builtin ? 'assert, ' : ''}${asserted ? 'assertStatus, ' : ''}${stillAccepted ? 'assertStillAccepted, ' : ''}${stillRefused ? 'assertStillRefused, ' : ''}branch, ${input.builtin ? '' : 'checkInvariant, '}checkpoint, journey, ${plan.secrets.used.length ? 'knownSecrets, ' : ''}${input.builtin ? '' : 'observeBefore, '}path, ${counted ? 'plural, ' : ''}step } from '@venomqa/core'`,
    `import exploration from ${quote(exploration.importPath)}`,
  ]
  const rootLines =
    root === undefined
      ? []
      : [
          '',
          '/** The project root, from this file: the invariant is loaded from files there (the OpenAPI document), wherever the run is. */',
          `const root = resolve(dirname(fileURLToPath(import.meta.url)), ${quote(root)})`,
        ]
  return [
    ...header(input),
    ...imports,
    ...secretsCheck(plan.secrets.used.map(([name]) => name)),
    ...rootLines,
    sequence,
    `export default journey(${quote(input.journeyName)}, {`,
    `  tags: ['regression'],`,
    ...(exploration.hasBaseUrl ? ['  baseUrl: exploration.baseUrl,'] : []),
    '  steps: [',
    '    // Taken before the setup: the branch puts every state backend back here once the path has run.',
    `    checkpoint(${quote(CHECKPOINT)}),`,
    `    branch(${quote(CHECKPOINT)}, [`,
    `      path('sequence', [`,
    exploration.setupSteps.length
      ? `${STEP_INDENT}// The exploration's own setup, run again here: a log-in in it logs in again, so no credential is written here.`
      : `${STEP_INDENT}// The exploration's setup, empty when this journey was written: steps it gains later run here too.`,
    `${STEP_INDENT}...exploration.setup,`,
    ...steps,
    '      ]),',
    '    ]),',
    '  ],',
    '})',
    '',
  ].join('\n')
}

function header(input: RenderInput): string[] {
  const n = input.plan.steps.length
  // Names and paths are the user's or a document's: JSON.stringify leaves U+2028 and U+2029 as they are.
  const lines = [
    // Its first words tell a run (--shard) that explore wrote it: see ShardInfo.emitted.
    commentText(`${REGRESSION_JOURNEY_MARK}${JSON.stringify(input.invariant)} of the exploration ${JSON.stringify(input.exploration.name)} (${input.exploration.file}).`),
    `// Exploration found ${plural(n, 'action')} from the root state that ${n === 1 ? 'breaks' : 'break'} it. This journey makes the same requests, with ids`,
    '// flowing through the context, and checks the same invariant: it fails while the bug exists and passes once it is fixed.',
    '// Found again, the same bug rewrites this file: its name and content depend only on the exploration, the invariant and the sequence.',
  ]
  // Said where the journey is read: a run of it that passes is no proof of a fix.
  if (input.flaky)
    lines.push(
      '// FLAKY: this sequence did not break the invariant in every replay from the root state, so this journey may pass while the bug',
      '// still exists. Run it several times (venomqa run --repeat-each) before taking a pass for a fix.',
    )
  // Said so that no one spends time on a request the bug may not need.
  if (input.notShrunk) lines.push(commentText(`// NOT SHRUNK: ${input.notShrunk.replace(/\s+/g, ' ')}, so some of these actions may not be needed to break the invariant.`))
  else if (input.shrinkLimit) lines.push(commentText(`// MAY NOT BE MINIMAL: shrunk until ${input.shrinkLimit}, so some of these actions may not be needed to break the invariant.`))
  const secrets = input.plan.secrets.used
  if (secrets.length) {
    lines.push('// Secrets are never written here; set these environment variables to the values they stand for (it refuses to load without them):')
    for (const [name, where] of secrets) lines.push(`//   ${name}: ${commentText(where)}`)
  }
  return lines
}

/**
 * Refuses to load when a secret's variable is unset: the replay would send nothing in its place (a JSON
 * field left out, a query parameter empty), the request that broke the invariant would be refused for
 * want of it, and the journey would pass with the bug still there.
 */
function secretsCheck(names: readonly string[]): string[] {
  if (!names.length) return []
  return [
    '',
    '// Unset, the replay would not send what broke the invariant, and would pass with the bug still there.',
    `const unset = ${literal(names, '', LINE_WIDTH - 14)}.filter((name) => !process.env[name])`,
    // biome-ignore lint/suspicious/noTemplateCurlyInString: the journey's own template literal
    "if (unset.length) throw new Error(`${unset.join(', ')} not set: this regression journey sends the values they stand for (listed at the top of its file)`)",
    '// Masked in every output of the run, wherever a step sends them.',
    `knownSecrets.add(${literal(names, '', LINE_WIDTH - 18)}.map((name) => process.env[name]!))`,
  ]
}

/** Step names differ within a line: the action's name, numbered from its second use; never a setup step's. */
function stepNames(steps: readonly StepPlan[], setup: readonly string[]): string[] {
  const used = new Set(setup)
  return steps.map((s) => {
    let name = s.action
    for (let n = 2; used.has(name); n++) name = `${s.action} (${n})`
    used.add(name)
    return name
  })
}

/**
 * One action as a step. The action's timeout is the step's: its deadline was for all its requests
 * together, and on each request, requests too slow only together would pass. With the timeout after the
 * function, the formatter writes the call one argument a line, and the body two columns deeper.
 */
function renderStep(step: StepPlan, name: string, timeout: number | undefined, checked: boolean): string {
  const indent = timeout ? `${BODY_INDENT}  ` : BODY_INDENT
  const width = LINE_WIDTH - indent.length
  const variables = responseVariables(step.requests, checked)
  // Nested in `depth` blocks, a request has two columns less per block.
  const request = (i: number, depth: number) => renderRequest(step.requests[i]!, variables[i], { step: name, stepTimeout: timeout, checked, width: width - 2 * depth })
  const lines = checked ? step.requests.flatMap((_, i) => request(i, 0)) : guardedRequests(step.requests, variables, request)
  for (const { key, value } of step.literalSets) lines.push(`ctx.set(${quote(key)}, ${literal(value, '', width - key.length - 14)})`)
  for (const key of step.deletes) lines.push(`ctx.delete(${quote(key)})`)
  if (!lines.length) return `${STEP_INDENT}step(${quote(name)}, () => {}), // made no request`
  const body = lines.join('\n')
  const uses = ['http', 'ctx'].filter((v) => new RegExp(`\\b${v}\\.`).test(body))
  const params = uses.length ? `{ ${uses.join(', ')} }` : '_args'
  const fn = `${step.requests.length ? 'async ' : ''}(${params}) => {`
  const indented = body
    .split('\n')
    .map((l) => (l ? `${indent}${l}` : l))
    .join('\n')
  if (!timeout) return `${STEP_INDENT}step(${quote(name)}, ${fn}\n${indented}\n${STEP_INDENT}}),`
  const arg = `${STEP_INDENT}  `
  return [`${STEP_INDENT}step(`, `${arg}${quote(name)},`, `${arg}${fn}`, indented, `${arg}},`, `${arg}{ timeout: ${timeout} },`, `${STEP_INDENT}),`].join('\n')
}

/** A block of the last action's requests that run only when earlier answers of the action were as in the exploration. */
interface GuardBlock {
  /** The requests whose answers it runs under (theirs and those of every block it is in). */
  under: number[]
  /** The requests written in it, whose responses are in scope only there. */
  holds: number[]
}

/**
 * The last action's requests, each one that sends a value an earlier answer of the action set written
 * so that it runs only when that answer was as in the exploration. That answer sets the value only
 * under the status the exploration saw (see onlyWhenAnswered): with the bug the answers are the
 * exploration's and every request runs; a fixed app may answer otherwise and set nothing, and the action
 * would not have made the request that needs it, while reading the key regardless would fail the
 * journey for a missing context key, not for the bug. The condition is the same status check, not
 * `ctx.has(key)`: an earlier step may have set the same key, and the request would run with its value.
 * A block stays open while a request after it needs an answer read in it (its response is in scope only
 * there): a request between them then runs under one more condition, as after an action's early return.
 */
function guardedRequests(requests: readonly RequestPlan[], variables: readonly (string | undefined)[], render: (i: number, depth: number) => string[]): string[] {
  const needs = answersNeeded(requests)
  const lines: string[] = []
  const open: GuardBlock[] = []
  const pad = () => '  '.repeat(open.length)
  const close = () => {
    open.pop()
    lines.push(`${pad()}}`)
  }
  requests.forEach((_, i) => {
    const laterNeeds = needs.slice(i).flat()
    for (let top = open.at(-1); top && !top.under.every((g) => needs[i]!.includes(g)) && !top.holds.some((k) => laterNeeds.includes(k)); top = open.at(-1)) close()
    const within = open.at(-1)?.under ?? []
    const missing = needs[i]!.filter((g) => !within.includes(g))
    if (missing.length) {
      const condition = missing.map((g) => `${variables[g]}.status === ${requests[g]!.status}`).join(' && ')
      lines.push(`${pad()}// Only once the answer above set what this sends, as the action sent it: a fixed app may answer otherwise and set nothing.`)
      lines.push(`${pad()}if (${condition}) {`)
      open.push({ under: [...within, ...missing], holds: [] })
    }
    lines.push(...render(i, open.length).map((line) => `${pad()}${line}`))
    open.at(-1)?.holds.push(i)
  })
  while (open.length) close()
  return lines
}

/**
 * For each request, the earlier requests of the step whose answers it needs: the last one before it
 * that set each key it sends, and what that one needed in turn. Ascending.
 */
function answersNeeded(requests: readonly RequestPlan[]): number[][] {
  const needs: number[][] = []
  requests.forEach((request, i) => {
    const own = new Set<number>()
    for (const key of request.reads) {
      const setter = requests.slice(0, i).findLastIndex((r) => r.sets.some((set) => set.key === key))
      if (setter < 0 || requests[setter]!.status === undefined) continue
      own.add(setter)
      for (const g of needs[setter]!) own.add(g)
    }
    needs.push([...own].sort((a, b) => a - b))
  })
  return needs
}

/**
 * `res` for the one response read, `res1`, `res2`... when several are; none for a response nobody reads.
 * In a `checked` step (not the last), an accepted write's response is read too: its status is checked.
 */
function responseVariables(requests: readonly RequestPlan[], checked: boolean): (string | undefined)[] {
  const read = requests.map((r) => r.sets.length > 0 || (checked && acceptedWrite(r)) || refusedAnswer(r))
  const count = read.filter(Boolean).length
  let n = 0
  return read.map((r) => (r ? (count === 1 ? 'res' : `res${++n}`) : undefined))
}

/**
 * Above an answer of the last action that nothing else reads, which the exploration saw accept the
 * request. A fix most often refuses it (a 409 where the
 * bug gave a 201): its status is looked at, so that the run does not tell the fixed app's refusal as an
 * error answer the step forgot to check (a high issue on a journey that passes), and not checked, since
 * the fix may change it.
 */
const UNJUDGED_NOTE = '// Looked at, not checked: a fix may refuse it; the invariant judges the state after it.'

/**
 * The lines of one request, relative to the step body's indentation. A request that got no answer in
 * time gives up at the deadline it ran into (its own timeout, which the record keeps): a request that
 * hung in the exploration fails at the same deadline here, instead of waiting for the slow answer and
 * passing. A deadline that was the step's own (the action's timeout) is the step's here too.
 * `width` is what a line of the step's body has left, once indented.
 */
function renderRequest(
  request: RequestPlan,
  variable: string | undefined,
  { step, stepTimeout, checked, width }: { step: string; stepTimeout: number | undefined; checked: boolean; width: number },
): string[] {
  const lines = [`// ${comment(request.outcome)}`, ...request.notes.map((note) => `// ${commentText(redactText(note))}`)]
  const method = request.method
  const callee = METHODS.has(method) ? `http.${method.toLowerCase()}(` : `http.request(${quote(method)}, `
  const unjudged = !checked && !variable && acceptedAnswer(request)
  if (unjudged) lines.push(UNJUDGED_NOTE)
  const prefix = `${variable ? `const ${variable} = ` : unjudged ? 'void (' : ''}await ${callee}${textSource(request.path)}`
  const end = unjudged ? ')).status' : ')'
  const options: Record<string, unknown> = {}
  if (request.query) options.query = request.query
  if (request.body) options[request.body.kind === 'text' ? 'body' : request.body.kind] = request.body.value
  if (request.headers) options.headers = request.headers
  // The record keeps the deadline a request ran into: the step's when the step's cut it, which the step carries.
  if (request.timeout && request.timeout !== stepTimeout) options.timeout = request.timeout
  if (Object.keys(options).length === 0) lines.push(`${prefix}${end}`)
  else lines.push(`${prefix}, ${literal(options, '', width - prefix.length - end.length - 2)}${end}`)
  const accepted = checked && acceptedWrite(request)
  const refused = checked && refusedWrite(request)
  const asserted = accepted || refused || (checked && replayNeedsAnswer(request))
  if (accepted)
    lines.push(
      '// Accepted in the exploration: refused now, the sequence would not reach the state the invariant broke in.',
      `assertStillAccepted(${variable}, ${literal({ step, status: request.status }, '', width - variable!.length - 23)})`,
    )
  else if (refused)
    lines.push(
      '// Refused in the exploration: accepted now, the sequence would go through another state than the one the invariant broke in.',
      `assertStillRefused(${variable}, ${literal({ step, status: request.status }, '', width - variable!.length - 22)})`,
    )
  else if (asserted) lines.push(`assertStatus(${variable}, ${request.status}) // the replay needs what this answer gives`)
  // A refusal read by nothing else: looked at, so that the run does not take it for an answer the step forgot
  // to check (an error answer no step looks at is an issue), and not checked, since a fix may change it.
  else if (refusedAnswer(request) && !request.sets.length) lines.push(`void ${variable}.status // refused in the exploration too; the invariant judges the state after it`)
  const sets = request.sets.flatMap((set) => [
    ...(set.secret ? ['// a secret: read from the response, never written here'] : []),
    `ctx.set(${quote(set.key)}, ${responseValue(set, variable!)})`,
  ])
  lines.push(...(asserted || request.status === undefined ? sets : onlyWhenAnswered(request.status, variable!, sets)))
  return lines
}

/** What a key is set to from a response: a value in its body, the size of a list in it, or a segment or a query parameter of a header's URL. */
function responseValue(set: RequestPlan['sets'][number], variable: string): string {
  if (set.header) {
    // Read from this run's answer (`Location: /items/17`), as the body's id is: the id of one run, written
    // as a literal, names another item (or none) in another database. Resolved against the request's URL,
    // a Location that is absolute, relative or with a query gives the same segment.
    const url = `new URL(${variable}.headers${accessor(set.header.name)}!, ${variable}.url)`
    if (set.header.param !== undefined) {
      const param = `${url}.searchParams.get(${quote(set.header.param)})`
      return set.header.number ? `Number(${param})` : param
    }
    const segment = `decodeURIComponent(${url}.pathname.split('/').at(-${set.header.segment})!)`
    return set.header.number ? `Number(${segment})` : segment
  }
  const value = `${variable}.json()${accessPath(set.path)}`
  if (set.size) return `${value}.length`
  return set.count ? `plural(${value}${set.total ? '' : '.length'}, ${quote(set.count)})` : value
}

/**
 * Context sets from an answer the replay does not check (the last action's, which the fix may change), as
 * the action made them only under the status the exploration saw: the action's own guard (`if
 * (res.status === 201)`) is not in the record. With the bug the answer is the exploration's and the keys
 * are set as they were; the fixed app's answer (a 409 in plain text, with no id) sets none, as the action
 * would have set none, where reading it regardless would fail the journey for a reason that is not the bug.
 */
function onlyWhenAnswered(status: number, variable: string, sets: string[]): string[] {
  if (!sets.length) return []
  const condition = `if (${variable}.status === ${status})`
  if (sets.length === 1) return [`${condition} ${sets[0]}`]
  return [`${condition} {`, ...sets.map((line) => `  ${line}`), '}']
}

/**
 * A request whose answer the replay reads (an id, a token, the size of a list an invariant compares with)
 * must be answered as in the exploration: one
 * that is not (a 401 for want of a token, a header the environment no longer sets) would carry the rest
 * of the journey on with nothing, to a last check that then holds for want of the state the bug needs,
 * and the regression would pass with the bug still there. Only these are checked, and not in the last
 * action: any other answer, and the last action's, may be what the fix changes.
 */
function replayNeedsAnswer(request: RequestPlan): request is RequestPlan & { status: number } {
  return request.sets.length > 0 && request.status !== undefined && request.status < 400
}

const READS = new Set(['GET', 'HEAD', 'OPTIONS'])

/**
 * A request the exploration saw refused (4xx). The run tells of a refusal the step never looked at (a
 * step that forgot its `return`); a regression journey replays it on purpose, so each one is looked at.
 * A 5xx the step never touched is not told: the no-5xx invariant, or the one the journey checks, judges it.
 */
function refusedAnswer(request: RequestPlan): request is RequestPlan & { status: number } {
  return request.status !== undefined && request.status >= 400 && request.status < 500
}

/**
 * A write the exploration saw refused (4xx), before the last action: the sequence reached the invariant's
 * state with that write changing nothing (or what the refusal changed), so the replay checks it is still
 * refused (see assertStillRefused): accepted now, the state the journey reaches is another one.
 */
function refusedWrite(request: RequestPlan): request is RequestPlan & { status: number } {
  return !READS.has(request.method) && refusedAnswer(request)
}

/** An answer the exploration saw accept the request (2xx). */
function acceptedAnswer(request: RequestPlan): request is RequestPlan & { status: number } {
  return request.status !== undefined && request.status >= 200 && request.status < 300
}

/**
 * A write the exploration saw accepted (2xx), before the last action: the sequence reached the state the
 * invariant broke in through it, so the replay checks it is still accepted (see assertStillAccepted).
 * Refused now, the journey would never reach that state, and its last check would pass with the bug there.
 */
function acceptedWrite(request: RequestPlan): request is RequestPlan & { status: number } {
  return !READS.has(request.method) && acceptedAnswer(request)
}

function comment(text: string): string {
  // Its first line (an error's message may run on), with any other line break in it shown as an escape.
  return commentText(redactText(text).split('\n')[0]!.slice(0, 140))
}

function renderInvariantCheck(invariant: string, setup: readonly string[], rooted: boolean): string {
  const name = uniqueName(`check ${invariant}`, setup)
  return [
    `${STEP_INDENT}// The same invariant, from the exploration: its probes run here and its verdict fails the step.`,
    `${STEP_INDENT}step(${quote(name)}, async (args) => {`,
    `${BODY_INDENT}await checkInvariant(exploration, ${quote(invariant)}, args, { path: sequence${rooted ? ', root' : ''} })`,
    `${STEP_INDENT}}),`,
  ].join('\n')
}

/**
 * The step that saves what the state backends hold before the last action. An invariant that compares
 * `now` with `before` (a row count that must not go up) read both empty in a journey, threw, and so failed
 * the journey whatever the app did: it could never pass once the bug was fixed.
 */
function renderObserveBefore(name: string): string {
  return `${STEP_INDENT}step(${quote(name)}, (args) => observeBefore(args)),`
}

function renderBuiltinCheck(builtin: BuiltinInvariantName): string {
  const check =
    builtin === 'no_5xx'
      ? `assert((last?.response?.status ?? 0) < 500, \`no_5xx: \${last?.request.method} \${last?.request.url} answered \${last?.response?.status}\`)`
      : `assert(last !== undefined && last.error === undefined, \`request_error: \${last?.request.method} \${last?.request.url} failed: \${last?.error}\`)`
  return [
    `${STEP_INDENT}// The built-in invariant ${builtin}, on the last request of the sequence.`,
    `${STEP_INDENT}step(${quote(`check ${builtin}`)}, ({ http }) => {`,
    `${BODY_INDENT}const last = http.lastExchange()`,
    `${BODY_INDENT}${check}`,
    `${STEP_INDENT}}),`,
  ].join('\n')
}

function uniqueName(name: string, taken: readonly string[]): string {
  let out = name
  for (let n = 2; taken.includes(out); n++) out = `${name} (${n})`
  return out
}

/** The sequence's inputs with their secrets replaced by environment variables. */
function safeSequence(sequence: readonly TakenAction[], secrets: SecretRefs): unknown[] {
  const clean = (value: unknown, key: string | undefined): unknown => {
    // The variables a request sent its items from, when it sent the input as it is: `[process.env.X, process.env.X_2]`.
    if (isSecretList(key, value)) return secretTree(value, key!, (name, at, leaf) => secrets.refByName(name, `"${at}" in an action's input`, leaf))
    if (Array.isArray(value)) return value.map((v) => clean(v, key))
    if (isPlainObject(value)) return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, clean(v, k)]))
    if (isSecretValue(value, key) || (key !== undefined && isSecretKey(key) && typeof value === 'number')) return secrets.refByName(key, `"${key ?? 'input'}" in an action's input`, value)
    return value
  }
  return sequence.map((s) => ({ action: s.action, input: clean(s.input, undefined) }))
}
