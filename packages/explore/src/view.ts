import { type Context, type InvariantContext, type StateView, type TakenAction, didYouMean } from '@venomqa/core'

/** The context as `when`, `inputs` and invariants may see it: no way to write. */
export function readonlyContext(ctx: Context): InvariantContext {
  return {
    get: <T = unknown>(key: string) => ctx.get<T>(key),
    has: (key) => ctx.has(key),
    keys: () => ctx.keys(),
    require: <T = unknown>(key: string) => ctx.require<T>(key),
  }
}

/**
 * The exploration's action names, as `count` checks a name against: a Set of them, or the Map of actions by
 * name itself. Made once per exploration, never per view: a view is made at every state the search visits.
 */
export type ActionNames = Pick<ReadonlySet<string>, 'has' | 'keys'>

/** Where the search stands: the context and the actions taken since the root. */
export function stateView(ctx: Context, path: readonly TakenAction[], actions: ActionNames): StateView {
  const names = path.map((t) => t.action)
  return {
    ctx: readonlyContext(ctx),
    depth: path.length,
    path: names,
    count: countIn(names, actions),
  }
}

/**
 * `view.count(name)` over the actions taken. A name that is no action would always count 0, so a typo in
 * a `when` (`count('cancle') === 0`) would silently let the action run forever, or never: it throws instead.
 */
export function countIn(taken: readonly string[], actions: ActionNames): (action: string) => number {
  return (action) => {
    if (!actions.has(action)) {
      const names = [...actions.keys()]
      const near = didYouMean(action, names)
      throw new Error(`view.count("${action}") names no action of this exploration${near ? ` (did you mean "${near}"?)` : ''}; its actions: ${names.join(', ')}`)
    }
    return taken.filter((n) => n === action).length
  }
}
