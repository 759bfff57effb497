import { type ExploreAction, type StateView, type TakenAction, errorMessage } from '@venomqa/core'
import { stableJson } from './hash'
import { rngFor } from './rng'

/** An edge out of a state: an action with one of its inputs. */
export interface Edge extends TakenAction {
  def: ExploreAction<any>
  /** Its place among every edge out of its state: a state's edges are numbered the same in every explorer. */
  index: number
}

/** Whether an action may run in this state: its `when`, and `maxPerPath`. */
export function isEnabled(action: ExploreAction<any>, view: StateView): boolean {
  const { maxPerPath, when } = action.options
  if (maxPerPath !== undefined && view.count(action.name) >= maxPerPath) return false
  return when ? when(view) === true : true
}

/**
 * The edges out of a state, in the order of the actions, then of their inputs. Inputs come from a
 * generator seeded by the seed and the path, so the same path always gets the same inputs.
 * `onEnabled` is told each action that is enabled here (coverage).
 */
export function edgesAt(actions: readonly ExploreAction<any>[], view: StateView, seed: number, pathKey: string, onEnabled?: (action: string) => void): Edge[] {
  const edges: Edge[] = []
  for (const def of actions) {
    if (!askAction(def.name, 'when', view, () => isEnabled(def, view))) continue
    const inputs = def.options.inputs ? askAction(def.name, 'inputs', view, () => def.options.inputs!(view, rngFor(seed, `${pathKey}|${def.name}`))) : [undefined]
    if (!Array.isArray(inputs)) throw new Error(`action "${def.name}": inputs() must return an array, got ${typeof inputs}`)
    // With no input to take it with, it cannot run here: not enabled, so one that never has any is
    // listed under "never enabled" instead of counted as enabled and never taken.
    if (!inputs.length) continue
    onEnabled?.(def.name)
    // Two equal inputs are one edge.
    const seen = new Set<string>()
    for (const input of inputs) {
      const key = stableJson(input)
      if (seen.has(key)) continue
      seen.add(key)
      edges.push({ action: def.name, input, def, index: edges.length })
    }
  }
  return edges
}

/** A path as text: the key of a place in the search. */
export function pathKey(path: readonly TakenAction[]): string {
  return stableJson(path.map((t) => [t.action, t.input]))
}

/**
 * An action's `when` or `inputs` that threw: a mistake in the action's own code, met in a state the search
 * reached, so the exploration stops there (see crashIssue). Its message names the action and the state.
 */
export class ActionHookThrew extends Error {
  constructor(
    readonly action: string,
    /** Which hook threw, where, and its error, without the action's name: what coverage says of it. */
    readonly what: string,
    advice: string,
    cause: unknown,
  ) {
    super(`action "${action}": ${what}${advice}`, { cause })
  }
}

/**
 * Runs an action's `when` or `inputs` in a state. One that throws is told with the action, the state
 * (the actions taken since the root) and, for a context key no action has set yet, how to read it: such a
 * hook runs in every state, the root first, before any action could set the key.
 */
function askAction<T>(action: string, hook: 'when' | 'inputs', view: StateView, ask: () => T): T {
  try {
    return ask()
  } catch (err) {
    const state = view.path.length ? `after ${view.path.join(' > ')}` : 'at the root (before any action)'
    const missing = missingKeyOf(err)
    const advice = missing
      ? `; a key an action sets is missing in the states before it: test it with view.ctx.has(${JSON.stringify(missing)}) first, or read view.ctx.get(${JSON.stringify(missing)}), undefined while unset`
      : ` (${hook} must be pure and may only read the view)`
    throw new ActionHookThrew(action, `${hook}() threw in the state ${state}: ${errorMessage(err)}`, advice, err)
  }
}

/** The key of ctx.require's error for a key the context does not hold (E_CONTEXT_MISSING), told by its code. */
function missingKeyOf(err: unknown): string | undefined {
  if ((err as { code?: unknown } | null)?.code !== 'E_CONTEXT_MISSING') return undefined
  return /^context has no "(.*?)"/.exec(errorMessage(err))?.[1]
}
