import { type Exploration, type ExploreAction, type Logger, type SequenceStep, type TakenAction, type ViolationResult, errorMessage, fileErrorReason, plural } from '@venomqa/core'
import type { ConfirmFn, EmitFn, InvariantRef, MetViolation, NoAnswer, SequenceRun, SequenceRunner, ShrinkFn, WrittenJourney } from './contracts'
import type { FoundViolation } from './explorer'
import { sha1, stableJson } from './hash'
import { invariantName, severityOf } from './invariants'
import { NOT_CONFIRMED } from './no-answer'
import { rngFor } from './rng'
import { StateRefusedAfter, settleRefusedNote } from './state-refused'

/** How many times a minimal sequence is replayed from the root to confirm it. */
export const CONFIRMATIONS = 3
export const SHRINK_LIMITS = { attempts: 500, timeMs: 120_000 }

/**
 * How many meetings of one (invariant, last action) are kept before shrinking, at most. Only a bound on
 * memory: the meetings kept are those no other kept one is contained in (see FoundViolations), a handful
 * for each bug. Past it the longest are let go, and the logger says so.
 */
export const MAX_KEPT_PER_KEY = 64
/**
 * How many message shapes of one (invariant, last action) are told apart. A message that still differs
 * between meetings of one bug once normalised (see messageShape) would otherwise make each meeting a
 * shape of its own, each shrunk; past the bound a meeting is judged with the closest shape met before it,
 * and the logger says so.
 */
export const MAX_SHAPES_PER_KEY = 4
/**
 * How many meetings of one (invariant, last action) are shrunk and confirmed, at most: the cost bound of
 * telling its bugs apart (one shrink is up to SHRINK_LIMITS). Those left past it are not reported, and the
 * logger says how many.
 */
export const MAX_SETTLED_PER_KEY = 8

/** One meeting kept to be settled, with its message's shape. */
export interface FoundEntry {
  /** The message's shape (see messageShape). */
  shape: string
  found: FoundViolation
}

/** What the search met of one (invariant, last action). */
export interface FoundFamily<E extends FoundEntry = FoundEntry> {
  key: string
  invariant: string
  action: string
  /** Where any meeting of it was first met in depth-first order (the smallest position of all). */
  first: number[]
  /** The meetings kept: of one shape, none holds the actions of another in order (see `keepMeeting`). */
  entries: E[]
  /** Meetings let go past MAX_KEPT_PER_KEY. */
  dropped: number
}

/**
 * The violations the search met, by (invariant, last action). The same bug is usually met from many
 * states, and shrinking each meeting would cost a shrink per state for one violation in the end; but two
 * bugs may break one invariant with one last action (a 500 of `get_item` after a delete, another after a
 * rename), and keeping one meeting of the pair, as this once did, hid the second.
 *
 * What is kept rests on what shrinking does: it only drops steps and simplifies inputs, so a sequence
 * shrinks to a subsequence of its actions. A meeting that holds the actions of a kept one, in order, also
 * holds whatever that one shrinks to, and settling would take it for that violation: it is let go now,
 * which costs nothing. What is left are the meetings no other one is contained in, of each message shape
 * (messageShape): a bug whose message says something else is another bug. `settleViolations` then shrinks the shortest of them, and
 * of the rest only those that do not hold the actions of a minimal sequence found before (see there).
 */
export class FoundViolations {
  readonly #families = new Map<string, FoundFamily>()
  readonly #logger: Logger | undefined

  constructor(logger?: Logger) {
    this.#logger = logger
  }

  add(found: FoundViolation): void {
    const { key, invariant, action } = familyOf(found)
    let family = this.#families.get(key)
    if (!family) this.#families.set(key, (family = { key, invariant, action, first: found.position, entries: [], dropped: 0 }))
    else if (comparePositions(found.position, family.first) < 0) family.first = found.position
    keepMeeting(family, { shape: messageShape(found.message), found }, this.#logger)
  }

  /** Distinct (invariant, last action, message shape) met so far: what the progress counts. */
  get size(): number {
    let n = 0
    for (const f of this.#families.values()) n += new Set(f.entries.map((e) => e.shape)).size
    return n
  }

  /** In the order they were first met. */
  families(): FoundFamily[] {
    return [...this.#families.values()]
  }
}

/** The (invariant, last action) a violation met belongs to, and its key. */
function familyOf(found: FoundViolation): { key: string; invariant: string; action: string } {
  const invariant = invariantName(found.invariant)
  const action = lastActionOf(found.sequence)
  return { key: stableJson([invariant, action]), invariant, action }
}

/** The action a sequence ends with: the one the invariant was judged after. */
export function lastActionOf(sequence: readonly { action: string }[]): string {
  return sequence.at(-1)?.action ?? ''
}

/**
 * The rule the shrinker and the confirmation judge a replay by (see `trialVerdict`): it reproduces the
 * violation met only when it breaks the invariant as that one did, after the same last action (its
 * family, see familyOf) with a message of the same shape (see messageShape), which is what settling tells
 * violations of one invariant apart by. Breaking the invariant is not enough: two bugs may break one
 * invariant, and a candidate of one that broke it as the other does would be kept, shrinking the first
 * bug onto the second one's sequence ("slippage"), where the two merge by id and the first is never
 * reported. The shape and not the message, since the numbers and ids in a message change from run to run.
 */
export function sameViolation(met: MetViolation, replay: { action: string; message: string }): boolean {
  return replay.action === met.action && messageShape(replay.message) === messageShape(met.message)
}

/**
 * Add a meeting to its family, unless a kept meeting of its shape is contained in it (same actions, in
 * order, maybe with more between); the kept meetings contained in it are let go. Of two with the same
 * actions the first in depth-first order is kept. The result is the same whatever order the meetings
 * come in, so workers that met them in another order keep the same ones (see mergeFound).
 */
export function keepMeeting<E extends FoundEntry>(family: FoundFamily<E>, entry: E, logger?: Logger): void {
  for (const known of family.entries) if (known.shape === entry.shape && precedes(known, entry)) return
  family.entries = family.entries.filter((known) => known.shape !== entry.shape || !precedes(entry, known))
  family.entries.push(entry)
  if (family.entries.length <= MAX_KEPT_PER_KEY) return
  // The longest, and of those the last met, is the least likely to be a bug of its own.
  const worst = family.entries.reduce((a, b) => (compareMeetings(a, b) > 0 ? a : b))
  family.entries.splice(family.entries.indexOf(worst), 1)
  if (family.dropped++ === 0)
    logger?.warn(
      `invariant "${family.invariant}" was broken after "${family.action}" by more than ${MAX_KEPT_PER_KEY} sequences none of which holds the actions of another: ` +
        `the longest are not kept to be shrunk (the first let go: ${actionsOf(worst.found.sequence).join(' > ')}), so a bug only they show may go unreported`,
    )
}

/** `a` is to be kept rather than `b`: its actions are in `b`'s in order, and when the same, it was met first. */
function precedes(a: FoundEntry, b: FoundEntry): boolean {
  const x = actionsOf(a.found.sequence)
  const y = actionsOf(b.found.sequence)
  if (!containsInOrder(y, x)) return false
  return x.length < y.length || comparePositions(a.found.position, b.found.position) <= 0
}

/** Shortest first, then depth-first order: the order a family's meetings are settled in. */
export function compareMeetings(a: FoundEntry, b: FoundEntry): number {
  return a.found.sequence.length - b.found.sequence.length || comparePositions(a.found.position, b.found.position)
}

/** True when `inner` is a subsequence of `outer`: its items, in order, maybe with others between. */
export function containsInOrder(outer: readonly string[], inner: readonly string[]): boolean {
  let i = 0
  for (const item of outer) if (i < inner.length && item === inner[i]) i++
  return i === inner.length
}

function actionsOf(sequence: readonly TakenAction[]): string[] {
  return sequence.map((t) => t.action)
}

/**
 * A violation's message with what differs between meetings of one bug taken out: every quoted value (not
 * a JSON key), every word with a digit in it (numbers, ids, hex, UUIDs, dates, a port), and a list of
 * them is one. `refunded 1200 of 1000` and `refunded 600 of 500` are one shape; `GET /items/{id} answered
 * 500` after a delete and after a rename are one too, and only their sequences tell them apart. The word
 * a count is of is taken in the singular: `from 0 items to 1 item` and `from 1 item to 2 items` are one
 * bug met at two sizes (messages made with core's plural()), not two.
 */
export function messageShape(message: string): string {
  return message
    .replace(/"(?:[^"\\\n]|\\.)*"(\s*:)?/g, (quoted, key: string | undefined) => (key ? quoted : '"~"'))
    .replace(/(?<!\w)'[^'\n]*'(?!\w)/g, "'~'")
    .replace(/`[^`\n]*`/g, '`~`')
    .replace(/[\w+=.-]*\d[\w+=.-]*/g, '#')
    .replace(/#(?:\s*[,;]\s*#)+/g, '#')
    .replace(/"~"(?:\s*[,;]\s*"~")+/g, '"~"')
    .replace(/#( +)([A-Za-z]+)\b/g, (_, space: string, word: string) => `#${space}${singular(word)}`)
}

/**
 * An English plural made singular by the regular rules (`items`, `entries`, `boxes`), a word that is
 * already singular kept (`item`, `class`, `status`), and so is a verb after a number (`item 5 is gone`).
 * Irregular plurals stay apart: they only cost a bug met at two sizes being counted twice, as before.
 */
function singular(word: string): string {
  if (/^(?:is|was|has|does|goes|says)$/i.test(word)) return word
  if (/[^aeiou]ies$/i.test(word)) return `${word.slice(0, -3)}y`
  if (/(?:ss|x|z|ch|sh)es$/i.test(word)) return word.slice(0, -2)
  if (/[^su]s$/i.test(word)) return word.slice(0, -1)
  return word
}

/** Depth-first order of two places: edge by edge, a place before the places below it. */
export function comparePositions(a: readonly number[], b: readonly number[]): number {
  for (let i = 0; i < Math.min(a.length, b.length); i++) if (a[i] !== b[i]) return a[i]! - b[i]!
  return a.length - b.length
}

/**
 * Stable across runs: the exploration, the invariant and the sequence's actions and inputs. The
 * exploration's name is part of it: two explorations that break one invariant with one sequence (a
 * copy with another setup, another config) are two violations, each with a regression journey of its own.
 */
export function violationId(exploration: string, invariant: string, sequence: readonly TakenAction[]): string {
  return sha1(stableJson({ exploration, invariant, sequence: sequence.map((t) => [t.action, t.input ?? null]) }))
}

/** A violation to settle, with the lane (worker) that met it: it is replayed there. */
export interface Candidate {
  found: FoundViolation
  /** Replays on the lane that met it; none when that lane crashed (reported as met, unconfirmed). */
  runner?: SequenceRunner
  lane: number
  /** That lane's base URL, stripped from the requests of the emitted journey. */
  baseUrl?: string
  /** The app stopped answering during that lane's search: nothing can be replayed there. */
  appStopped?: NoAnswer
  /** That lane's search crashed: why it is reported as met (see notSettledCrashed). */
  crashed?: string
  /** Its message's shape (see messageShape); by default worked out from its message. */
  shape?: string
}

export interface SettleDeps {
  exploration: Exploration
  explorationFile?: string
  root: string
  actions: ReadonlyMap<string, ExploreAction<any>>
  seed: number
  shrink: boolean
  /** Where journeys are written, relative to the root; false: none. */
  emitDir: string | false
  /** The journeys the run wrote so far (see EmitFn). */
  writtenThisRun?: Map<string, WrittenJourney>
  signal: AbortSignal
  logger?: Logger
  /** Log the stack of a crash while a violation was shrunk or confirmed. */
  debug?: boolean
  shrinkFn: ShrinkFn
  confirmFn: ConfirmFn
  emitFn: EmitFn
  /** A journey could not be written: told, not fatal. */
  onEmitError(message: string): void
  /** The app of a lane stopped answering while its violations were replayed: told once per lane. */
  onAppStopped(noAnswer: NoAnswer, lane: number): void
  /** A state backend of a lane refused what the app did while a violation was replayed there (see StateRefusedAfter). */
  onStateRefused(err: StateRefusedAfter, lane: number): void
}

/** Why a violation the shrinker or the confirmation crashed on is reported as it was met. */
export const SETTLE_CRASHED = 'not shrunk or confirmed: shrinking or confirming it crashed'

/** Why a violation met before Ctrl-C is reported as met: a bare "not confirmed" read as replays that failed to reproduce it. */
export const NOT_SETTLED_INTERRUPTED = 'not shrunk or confirmed: the exploration was interrupted'

/**
 * Turn what the search met into reported violations: shrink each (unless told not to), confirm the
 * minimal sequence 3 times from the root (flaky when not every time), merge those with one id, write the
 * regression journey. Each is replayed on the lane that met it; the lanes work at the same time, each
 * through its own in order. The result keeps the candidates' order, whatever the lanes' pace. On
 * Ctrl-C, what is not settled yet is reported as found, unconfirmed. So is what a lane whose app
 * stopped answering has not settled by then (with NOT_CONFIRMED in its message): its replays tell
 * nothing any more, and the sequence as met is the one thing known of it. A candidate whose shrinking or
 * confirmation crashed is reported as found, unconfirmed, the error in its message (SETTLE_CRASHED); the
 * others are settled all the same. So is one whose replays met a state backend's refusal of what the app
 * did, which is no crash: told as the search tells it (onStateRefused), with the backend's fix, and in its
 * message (settleRefusedNote).
 *
 * Candidates of one (invariant, last action) and message shape (FoundViolations kept them apart) are
 * settled shortest first, and one is skipped when it holds the actions of a minimal sequence settled
 * before it, in order: shrinking it could end there (shrinking only drops steps and simplifies inputs),
 * so it is taken for the same violation, counted once per (invariant, minimal sequence). One that holds
 * none of them cannot shrink to any of them, and is a violation of its own: it is shrunk in turn. So the
 * same bug met from many states costs one shrink, and two bugs that break one invariant with one last
 * action cost two. Not shrunk (`--no-shrink`), no minimal sequence is known and one per group is settled.
 * At most MAX_SETTLED_PER_KEY are settled per (invariant, last action), and at most
 * MAX_SHAPES_PER_KEY shapes told apart (see there); the logger says what was left. What one candidate
 * decides on was settled before it, on whatever lane, so it waits for those: the result is the same
 * whatever the lanes' pace, and on any number of workers.
 */
export async function settleViolations(candidates: readonly Candidate[], deps: SettleDeps): Promise<ViolationResult[]> {
  const settled: (Settled | undefined)[] = new Array(candidates.length)
  const ledger = new Ledger(deps.logger)
  const groups = candidates.map((c) => ledger.groupOf(c))
  // Each waits for the one before it of its (invariant, last action), which waited for the one before
  // that. A lane goes through its own in the candidates' order, so the first one not settled never waits.
  const turns = candidates.map(() => deferred())
  const last = new Map<LedgerFamily, number>()
  const before = groups.map((g, i) => {
    const j = last.get(g.family) ?? -1
    last.set(g.family, i)
    return j
  })
  const lanes = [...new Set(candidates.map((c) => c.lane))]
  await Promise.all(
    lanes.map(async (lane) => {
      let stopped = candidates.find((c) => c.lane === lane && c.appStopped)?.appStopped
      for (const [i, c] of candidates.entries()) {
        if (c.lane !== lane) continue
        if (before[i]! >= 0) await turns[before[i]!]!.promise
        try {
          const s = await settleCandidate(c, groups[i]!, stopped, deps)
          settled[i] = s
          if (s?.appStopped) {
            stopped = s.appStopped
            deps.onAppStopped(stopped, lane)
          }
        } finally {
          turns[i]!.resolve()
        }
      }
    }),
  )
  ledger.tellLeftOver()
  const out = new Map<string, ViolationResult>()
  for (const [i, s] of settled.entries()) {
    if (!s || out.has(s.result.id)) continue
    out.set(s.result.id, s.result)
    if (s.run && deps.emitDir !== false) await emit(s.result, s.run, candidates[i]!.baseUrl, deps)
  }
  return [...out.values()]
}

/**
 * Settle one candidate, or skip it (undefined): explained by a minimal sequence of its group, past the
 * bound, or, when it cannot be replayed, of a group that has one reported as met already.
 */
async function settleCandidate(c: Candidate, group: Group, stopped: NoAnswer | undefined, deps: SettleDeps): Promise<Settled | undefined> {
  const { name } = deps.exploration
  const actions = actionsOf(c.found.sequence)
  const explainedBy = group.minimal.find((m) => containsInOrder(actions, m))
  if (explainedBy) {
    deps.logger?.debug(
      `not shrunk: invariant "${group.family.invariant}" broken after ${actions.join(' > ')}, which holds the minimal sequence ${explainedBy.join(' > ')} found before: the same violation`,
    )
    return undefined
  }
  // Not replayed: reported as met, once per group, since nothing tells two of them apart.
  const asMet = (note?: string): Settled | undefined => {
    if (group.asMet) return undefined
    group.asMet = true
    return { result: unsettled(name, c.found, note) }
  }
  if (stopped) return asMet(NOT_CONFIRMED)
  if (deps.signal.aborted) return asMet(NOT_SETTLED_INTERRUPTED)
  if (!c.runner) return asMet(c.crashed)
  // Unshrunk, a sequence is known only as met, and the meetings kept hold none of each other's actions:
  // each would be a violation of its own, for one bug met from a few states. Nothing tells them apart, so
  // one per group, as when they cannot be replayed.
  if (!deps.shrink && (group.minimal.length || group.asMet)) return undefined
  if (group.family.settled >= MAX_SETTLED_PER_KEY) {
    group.family.leftOver++
    return undefined
  }
  group.family.settled++
  let s: Settled
  try {
    s = await settleOne(c.found, c.runner, deps)
  } catch (err) {
    if (deps.signal.aborted) return asMet(NOT_SETTLED_INTERRUPTED)
    // Reported whatever the group has: it is not known to be any of them, and neither a refusal nor a crash
    // is a reason to hide it.
    group.asMet = true
    if (err instanceof StateRefusedAfter) {
      deps.onStateRefused(err, c.lane)
      return { result: unsettled(name, c.found, settleRefusedNote(err)) }
    }
    if (deps.debug && err instanceof Error && err.stack) deps.logger?.error(err.stack)
    return { result: unsettled(name, c.found, `${SETTLE_CRASHED}: ${errorMessage(err)}`) }
  }
  if (s.minimal) group.minimal.push(actionsOf(s.minimal))
  else group.asMet = true
  return s
}

interface LedgerFamily {
  invariant: string
  action: string
  /** By shape: what its candidates settled to. */
  shapes: Map<string, Group>
  /** Candidates shrunk and confirmed (or tried to be). */
  settled: number
  /** Candidates left past MAX_SETTLED_PER_KEY. */
  leftOver: number
  /** The shapes past MAX_SHAPES_PER_KEY were told once. */
  foldTold?: boolean
}

/** The candidates of one (invariant, last action) and message shape, as settled so far. */
interface Group {
  family: LedgerFamily
  /** The actions of each minimal sequence it settled to. */
  minimal: string[][]
  /** One of it was reported as met (not shrunk or confirmed). */
  asMet: boolean
}

/** Each candidate's (invariant, last action) and shape, with what was settled of them. */
class Ledger {
  readonly #families = new Map<string, LedgerFamily>()
  readonly #logger: Logger | undefined

  constructor(logger?: Logger) {
    this.#logger = logger
  }

  /**
   * The group of a candidate. Past MAX_SHAPES_PER_KEY shapes, that of the closest shape met before (the
   * longest common beginning; a message says what broke first and quotes values after), told once.
   */
  groupOf(c: Candidate): Group {
    const { key, invariant, action } = familyOf(c.found)
    let family = this.#families.get(key)
    if (!family) this.#families.set(key, (family = { invariant, action, shapes: new Map(), settled: 0, leftOver: 0 }))
    const shape = c.shape ?? messageShape(c.found.message)
    const known = family.shapes.get(shape)
    if (known) return known
    if (family.shapes.size < MAX_SHAPES_PER_KEY) {
      const group: Group = { family, minimal: [], asMet: false }
      family.shapes.set(shape, group)
      return group
    }
    const closest = [...family.shapes.keys()].reduce((a, b) => (commonStart(b, shape) > commonStart(a, shape) ? b : a))
    if (!family.foldTold) {
      family.foldTold = true
      this.#logger?.warn(
        `invariant "${invariant}" was broken after "${action}" with more than ${MAX_SHAPES_PER_KEY} kinds of message: each further kind is judged with the closest one ` +
          `("${shape}" with "${closest}"), so a bug told apart from another only by its message may go unreported`,
      )
    }
    return family.shapes.get(closest)!
  }

  /** Tell, per (invariant, last action), how many candidates were left past MAX_SETTLED_PER_KEY. */
  tellLeftOver(): void {
    for (const f of this.#families.values())
      if (f.leftOver)
        this.#logger?.warn(
          `invariant "${f.invariant}" was broken after "${f.action}" by ${plural(f.leftOver, 'more sequence')} holding none of the minimal sequences found for it: ` +
            `not shrunk or reported, as at most ${MAX_SETTLED_PER_KEY} are shrunk per invariant and last action, so a bug only they show may go unreported`,
        )
  }
}

function commonStart(a: string, b: string): number {
  let i = 0
  while (i < a.length && a[i] === b[i]) i++
  return i
}

function deferred(): { promise: Promise<void>; resolve: () => void } {
  let resolve!: () => void
  const promise = new Promise<void>((r) => (resolve = r))
  return { promise, resolve }
}

/**
 * A settled violation, with the confirming run that broke it (when one did) to write the journey from;
 * `appStopped` when the app stopped answering before it could be settled.
 */
interface Settled {
  result: ViolationResult
  run?: SequenceRun
  appStopped?: NoAnswer
  /** The sequence it was confirmed with (shrunk, or as met when it was not): unset when not replayed. */
  minimal?: TakenAction[]
}

async function settleOne(f: FoundViolation, runner: SequenceRunner, deps: SettleDeps): Promise<Settled> {
  const name = invariantName(f.invariant)
  // Every replay is judged against the violation as met, so that it is not shrunk onto, nor confirmed by,
  // another bug that breaks the same invariant (see sameViolation).
  const judgedBy = { ...(f.failure !== undefined ? { failure: f.failure } : {}), met: { action: lastActionOf(f.sequence), message: f.message } }
  if (deps.shrink) deps.logger?.debug(`shrinking: invariant "${name}" broken after ${f.sequence.map((t) => t.action).join(' > ')}`)
  const shrunk = deps.shrink
    ? await deps.shrinkFn({
        sequence: f.sequence,
        invariant: f.invariant,
        actions: deps.actions,
        runner,
        rng: rngFor(deps.seed, `shrink|${name}`),
        limits: SHRINK_LIMITS,
        ...judgedBy,
      })
    : undefined
  // A sequence shrunk (or confirmed) by replays against an app that stopped answering is no finding:
  // what the search met, with the app answering, is reported instead.
  if (shrunk?.noAnswer) return { result: unsettled(deps.exploration.name, f, NOT_CONFIRMED), appStopped: shrunk.noAnswer }
  const sequence = shrunk?.sequence ?? f.sequence
  const confirmed = await deps.confirmFn({ sequence, invariant: f.invariant, runner, times: CONFIRMATIONS, ...judgedBy })
  if (confirmed.noAnswer) return { result: unsettled(deps.exploration.name, f, NOT_CONFIRMED), appStopped: confirmed.noAnswer }
  const reproduced = confirmed.failures > 0
  // No replay reproduced it: a shrunk sequence never confirmed is no finding (its last replays may not even
  // end with the action the violation was met after), and a replay's requests say nothing of this one.
  // What the search met is the one thing known of it: reported as met, with its requests as they were
  // made, flaky, and with no regression journey (only a confirmed violation gets one).
  if (!reproduced) {
    const asMet = unsettled(deps.exploration.name, f)
    const notShrunk = deps.shrink ? (shrunk?.notShrunk ?? NOT_REPRODUCED) : 'shrinking was turned off (--no-shrink)'
    const result: ViolationResult = { ...asMet, reproduced: { attempts: confirmed.attempts, failures: 0 }, flaky: true, notShrunk }
    return { result, minimal: f.sequence }
  }
  const id = violationId(deps.exploration.name, name, sequence)
  const notShrunk = deps.shrink ? shrunk?.notShrunk : 'shrinking was turned off (--no-shrink)'
  const result: ViolationResult = {
    invariant: name,
    severity: severityOf(f.invariant),
    message: confirmed.run.violation ?? f.message,
    sequence: stepsOf(confirmed.run, sequence),
    probes: confirmed.run.probes,
    foundLength: f.sequence.length,
    reproduced: { attempts: confirmed.attempts, failures: confirmed.failures },
    flaky: confirmed.failures < confirmed.attempts,
    ...(notShrunk ? { notShrunk } : {}),
    ...(shrunk?.shrinkLimit ? { shrinkLimit: shrunk.shrinkLimit } : {}),
    id,
  }
  return { result, run: confirmed.run, minimal: sequence }
}

/** Why a violation no confirming replay reproduced is reported with the sequence the search met. */
export const NOT_REPRODUCED = 'no replay from the root reproduced it, so it is reported as the search met it'

async function emit(result: ViolationResult, run: SequenceRun, baseUrl: string | undefined, deps: SettleDeps): Promise<void> {
  if (deps.emitDir === false) return
  try {
    result.emittedFile = await deps.emitFn({
      exploration: deps.exploration,
      explorationFile: deps.explorationFile,
      root: deps.root,
      dir: deps.emitDir,
      invariant: result.invariant,
      id: result.id,
      run,
      ...(result.flaky ? { flaky: true } : {}),
      ...(result.notShrunk ? { notShrunk: result.notShrunk } : {}),
      ...(result.shrinkLimit ? { shrinkLimit: result.shrinkLimit } : {}),
      ...(baseUrl !== undefined ? { baseUrl } : {}),
      ...(deps.writtenThisRun ? { writtenThisRun: deps.writtenThisRun } : {}),
    })
  } catch (err) {
    // A file system's refusal in words, with the directory (Node's text names a syscall and a temp file).
    const refused = typeof (err as NodeJS.ErrnoException).syscall === 'string'
    const what = `the regression journey for "${result.invariant}"${refused ? ` into ${deps.emitDir}` : ''}`
    deps.onEmitError(`could not write ${what}: ${refused ? fileErrorReason(err, 'write') : errorMessage(err)}`)
  }
}

/** The steps as the confirming run ran them (with their requests), else as they were found. */
function stepsOf(run: SequenceRun, sequence: readonly TakenAction[]): SequenceStep[] {
  if (run.steps.length === sequence.length) return run.steps.filter((s) => s.enabled).map((s) => ({ action: s.action, input: s.input, exchanges: s.exchanges }))
  return sequence.map((t) => ({ action: t.action, input: t.input, exchanges: [] }))
}

/**
 * Violations met by the search, reported as they were met (the exploration was interrupted, or crashed,
 * before they were settled): the first of each (invariant, last action) and message shape, as nothing
 * shrunk tells two of them apart. `note` says why, after each message.
 */
export function unsettledViolations(exploration: string, found: readonly Pick<Candidate, 'found' | 'shape'>[], note?: string): ViolationResult[] {
  const ledger = new Ledger()
  const out = new Map<string, ViolationResult>()
  for (const f of found) {
    const group = ledger.groupOf({ ...f, lane: 0 })
    if (group.asMet) continue
    group.asMet = true
    const v = unsettled(exploration, f.found, note)
    if (!out.has(v.id)) out.set(v.id, v)
  }
  return [...out.values()]
}

/**
 * A violation met by the search but not shrunk or confirmed (the exploration was interrupted, or the app
 * stopped answering: `note` says why, after the message).
 */
function unsettled(exploration: string, f: FoundViolation, note?: string): ViolationResult {
  const name = invariantName(f.invariant)
  return {
    invariant: name,
    severity: severityOf(f.invariant),
    message: note ? `${f.message} (${note})` : f.message,
    sequence: f.sequence.map((t, i) => ({ action: t.action, input: t.input, exchanges: f.exchanges[i] ?? [] })),
    probes: f.probes,
    foundLength: f.sequence.length,
    reproduced: { attempts: 0, failures: 0 },
    flaky: false,
    id: violationId(exploration, name, f.sequence),
  }
}

export type { InvariantRef }
