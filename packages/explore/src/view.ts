import type { Context, InvariantContext, StateView, TakenAction } from '@venomqa/core'

/** The context as `when`, `inputs` and invariants may see it: no way to write. */
export function readonlyContext(ctx: Context): InvariantContext {
  return {
    get: <T = unknown>(key: string) => ctx.get<T>(key),
    has: (key) => ctx.has(key),
    keys: () => ctx.keys(),
    require: <T = unknown>(key: string) => ctx.require<T>(key),
  }
}

/** Where the search stands: the context and the actions taken since the root. */
export function stateView(ctx: Context, path: readonly TakenAction[]): StateView {
  const names = path.map((t) => t.action)
  return {
    ctx: readonlyContext(ctx),
    depth: path.length,
    path: names,
    count: (action) => names.filter((n) => n === action).length,
  }
}
