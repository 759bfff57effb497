import type { ReadonlyContext, StateView, TakenAction } from '@venomqa/core'
import { type ActionNames, countIn } from '../view'

/**
 * The state view an action's `inputs` saw at position `index` of a sequence, rebuilt from a replay: the
 * context before that step as the replay recorded it, and the actions before it.
 */
export function viewAt(sequence: readonly TakenAction[], index: number, ctxBefore: Record<string, unknown>, actions: ActionNames): StateView {
  const before = sequence.slice(0, index).map((s) => s.action)
  return {
    ctx: readonlyContext(ctxBefore),
    depth: index,
    path: before,
    count: countIn(before, actions),
  }
}

function readonlyContext(values: Record<string, unknown>): ReadonlyContext {
  return {
    get: <T>(key: string) => (Object.hasOwn(values, key) ? (values[key] as T) : undefined),
    has: (key) => Object.hasOwn(values, key),
    keys: () => Object.keys(values),
  }
}
