import type { ActionArgs } from './dsl'
import { AssertionFailed, errorMessage } from './errors'
import { redactBody, redactText } from './redact'
import { type Exploration, type Invariant, type InvariantArgs, type LastAction, type ResponseView, type TakenAction, isInvariant } from './explore'

/**
 * Check one of an exploration's invariants from inside a journey step, as the exploration checks it
 * after an action: what the emitted regression journey ends with. A violation (a throw, `false`, or a
 * string) fails the step with an AssertionFailed carrying the invariant's message.
 *
 * `now` is every state backend's observation here (`args.observe`, which the runner gives a step), and
 * `before` the one observeBefore saved in the context before the last action: an invariant that compares
 * them judges the journey as it judged the exploration. Without them (a runner that offers no `observe`,
 * a journey emitted before observeBefore was), both are empty.
 *
 * `root` is the project root, which an invariant source (an OpenAPI document) reads its files from, as
 * the exploration did: the emitted journey passes it, found from its own file. Without it, the working
 * directory.
 */
export async function checkInvariant(
  exploration: Exploration,
  name: string,
  args: ActionArgs,
  taken: { path: readonly TakenAction[]; root?: string },
): Promise<void> {
  const invariant = await findInvariant(exploration, name, args, taken.root)
  const last = lastAction(args, taken.path)
  let verdict: unknown
  try {
    verdict = invariant.response
      ? await invariant.response(responseView(last))
      : await invariant.check(invariantArgs(args, last, taken.path, (await args.observe?.()) ?? {}, args.ctx.get<Record<string, unknown>>(OBSERVED_BEFORE) ?? {}))
  } catch (err) {
    throw new AssertionFailed(`invariant "${name}" broken: ${errorMessage(err)}`)
  }
  const problem = violationOf(verdict)
  if (problem !== undefined) throw new AssertionFailed(`invariant "${name}" broken: ${problem}`)
}

/** Where observeBefore keeps what it saw, in the path's own context: a journey run twice at once keeps two. */
const OBSERVED_BEFORE = 'venomqa.observed-before'

/**
 * Save every state backend's observation in the context, for the invariant checkInvariant checks later:
 * its `before`. The emitted regression journey calls it in a step before its last action.
 */
export async function observeBefore(args: ActionArgs): Promise<void> {
  args.ctx.set(OBSERVED_BEFORE, (await args.observe?.()) ?? {})
}

/** The response a regression journey's status checks read: its status, and what names the request and its answer. */
type ReplayedResponse = { status: number; method?: string; url?: string; bodyText?: string; exchange?: { request?: { url?: string } } }

/**
 * In a regression journey, a write before the last action that the exploration saw accepted (2xx) must
 * still be accepted. Refused now (a 409, a 422 for another reason), the sequence never reaches the state
 * the invariant broke in, the check at the end holds for want of it, and the journey would pass with the
 * bug still there. The status class is checked, not the code: a 201 that became a 200 still reached it.
 * The last action is not checked: its answer is the one the fix changes.
 */
export function assertStillAccepted(res: ReplayedResponse, then: { step: string; status: number }): void {
  if (res.status >= 200 && res.status < 300) return
  throw notReached(res, then, '2xx', 'If this refusal is the fix', STILL_ACCEPTED_SUGGESTION)
}

/**
 * The mirror of assertStillAccepted: a write before the last action that the exploration saw refused (4xx)
 * must still be refused. Accepted now, it changes the state where it changed nothing in the exploration
 * (or other than the refusal did), and the sequence reaches another state than the one the invariant broke
 * in. The class is checked: a 409 that became a 422 was still refused.
 */
export function assertStillRefused(res: ReplayedResponse, then: { step: string; status: number }): void {
  if (res.status >= 400 && res.status < 500) return
  throw notReached(res, then, '4xx', 'If this answer is the fix', STILL_REFUSED_SUGGESTION)
}

function notReached(res: ReplayedResponse, then: { step: string; status: number }, expected: string, ifFix: string, suggestion: string): AssertionFailed {
  const url = res.exchange?.request?.url ?? res.url ?? ''
  const request = res.method ? ` (${res.method} ${redactText(url)})` : ''
  const text = res.bodyText ? String(redactBody(res.bodyText)) : ''
  const body = text ? `: ${text.length > 200 ? `${text.slice(0, 200)}...` : text}` : ''
  const err = new AssertionFailed(
    `the sequence no longer reaches the state where the violation was found: step "${then.step}"${request} was answered ${then.status} in the exploration and ${res.status} now${body}. ` +
      `${ifFix}, this journey has nothing left to test: delete it, or record it again (\`venomqa explore\`).`,
    { expected: `${expected} (${then.status} in the exploration)`, actual: res.status },
  )
  return Object.assign(err, { suggestion })
}

const STILL_ACCEPTED_SUGGESTION =
  'A write before the last action of the sequence was refused, so the invariant was not checked in the state where it broke: a pass here would prove nothing. If the API now refuses this step on purpose and that is the fix, delete this regression journey or record it again with `venomqa explore`; otherwise find out why the step is refused (its setup, its data, the environment).'

const STILL_REFUSED_SUGGESTION =
  'A write before the last action of the sequence, refused in the exploration, was answered otherwise now, so the sequence went through another state than the one where the invariant broke: a pass here would prove nothing. If the API now accepts this step on purpose and that is the fix, delete this regression journey or record it again with `venomqa explore`; otherwise find out why its answer changed (its setup, its data, the environment).'

/** What a check's result says: a string is the violation's message, `false` a violation without one. */
export function violationOf(verdict: unknown): string | undefined {
  if (verdict === false) return 'the check returned false'
  if (typeof verdict === 'string') return verdict
  return undefined
}

async function findInvariant(exploration: Exploration, name: string, args: ActionArgs, root: string | undefined): Promise<Invariant> {
  const direct = exploration.invariants.find((v): v is Invariant => isInvariant(v) && v.name === name)
  if (direct) return direct
  // Built by a source (an OpenAPI document): loaded as the exploration loads it.
  for (const source of exploration.invariants) {
    if (isInvariant(source)) continue
    // The journey's root, not only the working directory: a journey run with `venomqa run -c` from another
    // directory read `openapi.json` from where it ran, failed whatever the state of the bug, and never
    // passed after a fix.
    const loaded = await source.load({ root: root ?? process.cwd(), baseUrl: args.http.baseUrl, signal: args.signal })
    const found = loaded.find((v) => v.name === name)
    if (found) return found
  }
  const known = exploration.invariants.filter(isInvariant).map((v) => v.name)
  throw new AssertionFailed(`the exploration "${exploration.name}" has no invariant "${name}" (it has: ${known.join(', ') || 'none'})`)
}

/** The last action of the sequence with the last request it made (recorded, secrets redacted). */
function lastAction(args: ActionArgs, path: readonly TakenAction[]): LastAction | undefined {
  const taken = path[path.length - 1]
  if (!taken) return undefined
  const exchange = args.http.lastExchange()
  return { action: taken.action, input: taken.input, request: exchange?.request, response: exchange?.response }
}

function invariantArgs(args: ActionArgs, last: LastAction | undefined, path: readonly TakenAction[], now: Record<string, unknown>, before: Record<string, unknown>): InvariantArgs {
  return { http: args.http, ctx: args.ctx, ports: args.ports, last, path, now, before, signal: args.signal }
}

function responseView(last: LastAction | undefined): ResponseView {
  const response = last?.response
  const body = response?.body
  return {
    status: response?.status ?? 0,
    headers: response?.headers ?? {},
    json: () => (typeof body === 'string' ? parseOrUndefined(body) : body),
    text: typeof body === 'string' ? body : body === undefined ? '' : JSON.stringify(body),
    request: last?.request,
    action: last?.action ?? '',
    input: last?.input,
  }
}

function parseOrUndefined(text: string): unknown {
  try {
    return JSON.parse(text)
  } catch {
    return undefined
  }
}
