import { readFile } from 'node:fs/promises'
import path from 'node:path'
import { type Exploration, isAction, isInvariant, knownSecrets, shrinkLimitText } from '@venomqa/core'
import { atomicWriteFile } from '@venomqa/runner'
import type { BuiltinInvariantName, EmitFn, WrittenJourney } from '../contracts'
import { journeyBaseName } from './names'
import { type JourneyPlan, type StepPlan, planJourney } from './plan'
import { renderJourney } from './render'

// In core, so that a regression journey needs no package but core: re-exported for code written before.
export { checkInvariant } from '@venomqa/core'

/** A regression journey that cannot be written (no exploration file to import from, a secret would leak, nothing to replay). */
export class EmitError extends Error {
  override name = 'EmitError'
}

const BUILTINS: readonly string[] = ['no_5xx', 'request_error'] satisfies BuiltinInvariantName[]

/**
 * Write the regression journey of a violation: `<dir>/<invariant>-<short id>.journey.ts`, relative to
 * the root (EXPLORATION.md section 4), the id being the exploration's, the invariant's and the
 * sequence's. The journey imports the exploration from its file, to run its setup and its invariant:
 * code cannot be copied out of a closure faithfully, and a setup that logs in keeps its credentials
 * where the user put them. Returns the file written, relative to the root.
 */
export const emitJourney: EmitFn = async (input) => {
  if (!input.explorationFile)
    throw new EmitError(`cannot write a regression journey for "${input.invariant}": the exploration's file is not known (it imports the setup and the invariant from it)`)
  const base = journeyBaseName(input.invariant, input.id)
  // resolve, not join: an absolute --emit directory is where the user asked, not a folder of the root.
  const file = path.resolve(input.root, input.dir, `${base}.journey.ts`)
  const text = journeySource({ ...input, explorationFile: input.explorationFile, journeyFile: file, journeyName: base })
  // The last guard: a secret this process has seen must never reach a file the user commits.
  if (knownSecrets.mask(text) !== text) throw new EmitError(`refusing to write ${base}.journey.ts: it would hold a secret value`)
  refuseToReplace(input.writtenThisRun?.get(file), text, shownPath(input.root, file))
  // Found again: the same name and the same text; leave the file (and its modification time) alone.
  if ((await readFile(file, 'utf8').catch(() => undefined)) !== text) await atomicWriteFile(file, text)
  input.writtenThisRun?.set(file, { text, exploration: input.exploration.name, invariant: input.invariant })
  return shownPath(input.root, file)
}

/**
 * A journey this run wrote earlier is another regression, kept: writing over it would lose it while the
 * run says "written" for both. Written again with the same text, nothing is replaced.
 */
function refuseToReplace(earlier: WrittenJourney | undefined, text: string, shown: string): void {
  if (earlier === undefined || earlier.text === text) return
  throw new EmitError(`not replacing ${shown}: this run wrote it earlier, for the invariant "${earlier.invariant}" of the exploration "${earlier.exploration}"`)
}

/** The file as the run names it: relative to the root inside it, absolute outside (`../../tmp/..` says less). */
function shownPath(root: string, file: string): string {
  const rel = path.relative(root, file)
  return rel.startsWith('..') || path.isAbsolute(rel) ? toPosix(file) : toPosix(rel)
}

type SourceInput = Parameters<EmitFn>[0] & { explorationFile: string; journeyFile: string; journeyName: string }

/** The journey's text (what `emitJourney` writes). */
export function journeySource(input: SourceInput): string {
  const { exploration, run } = input
  const builtin = BUILTINS.includes(input.invariant) ? (input.invariant as BuiltinInvariantName) : undefined
  const setupSteps = exploration.setup.flatMap((n) => (n.kind === 'step' ? [n.name] : []))
  const plan = planJourney(run, { baseUrl: input.baseUrl ?? exploration.baseUrl, reservedKeys: new Set(setupSteps) })
  if (builtin) endAtTheViolation(lastRequestingStep(plan, builtin), builtin)
  const shrinkLimit = shrinkLimitText(input.shrinkLimit)
  return renderJourney({
    plan,
    journeyName: input.journeyName,
    invariant: input.invariant,
    builtin,
    exploration: {
      name: exploration.name,
      file: toPosix(input.explorationFile),
      importPath: importPath(input.journeyFile, path.join(input.root, input.explorationFile)),
      hasBaseUrl: exploration.baseUrl !== undefined,
      setupSteps,
      // An invariant built by a source (an OpenAPI document) is loaded when the journey checks it, and reads
      // its files from the root it is given: the project's, found from the journey's own file, as the
      // exploration had it. The working directory of a `venomqa run -c` from elsewhere has no such file.
      ...(!builtin && exploration.invariants.some((v) => !isInvariant(v))
        ? { root: toPosix(path.relative(path.dirname(input.journeyFile), path.resolve(input.root))) || '.' }
        : {}),
    },
    sequence: run.steps.map((s) => ({ action: s.action, input: s.input })),
    timeouts: actionTimeouts(exploration),
    ...(input.flaky ? { flaky: true } : {}),
    ...(input.notShrunk ? { notShrunk: input.notShrunk } : {}),
    ...(shrinkLimit ? { shrinkLimit } : {}),
  })
}

/**
 * The last step, which a built-in invariant's check judges by its last request: one that made no request
 * cannot be replayed (an action that hung before it sent anything), and the check would judge another
 * step's request instead, passing or failing whatever the bug: no journey is better than that one.
 */
function lastRequestingStep(plan: JourneyPlan, builtin: BuiltinInvariantName): StepPlan {
  const last = plan.steps[plan.steps.length - 1]
  if (!last?.requests.length)
    throw new EmitError(`cannot write a regression journey for "${builtin}": the last action${last ? ` "${last.action}"` : ''} made no request the journey could replay, and its check would judge another one`)
  return last
}

/**
 * A built-in invariant judges the last request: the last action's requests after the one that
 * answered 5xx (or failed) are not written, so the final check reads that very request.
 */
function endAtTheViolation(step: StepPlan, builtin: BuiltinInvariantName): void {
  const broke = step.requests.map((r) => (builtin === 'no_5xx' ? /^answered 5\d\d$/.test(r.outcome) : r.outcome.startsWith('failed'))).lastIndexOf(true)
  if (broke >= 0) step.requests.length = broke + 1
}

function actionTimeouts(exploration: Exploration): Map<string, number> {
  const out = new Map<string, number>()
  for (const a of exploration.actions) if (isAction(a) && a.options.timeout) out.set(a.name, a.options.timeout)
  return out
}

/**
 * The exploration module as the journey imports it: relative, `/`-separated, a `.ts` file named `.js`.
 * That is the one spelling every TypeScript setting takes: `moduleResolution` NodeNext (and Node16) wants
 * the extension of the file as it runs, Bundler takes it too, and `venomqa run`'s loaders find the `.ts`
 * file behind it. Without an extension, `tsc --noEmit` under NodeNext failed on every regression journey.
 */
function importPath(from: string, to: string): string {
  const rel = toPosix(path.relative(path.dirname(from), to)).replace(/\.ts$/, '.js')
  return rel.startsWith('.') ? rel : `./${rel}`
}

function toPosix(p: string): string {
  return p.split(path.sep).join('/')
}
