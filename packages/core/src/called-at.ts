/**
 * Where a checkpoint(), branch() or path() of a journey was called, for a mistake found in it when the
 * journey is validated: a duplicate checkpoint was placed at `journey(`, which may be a hundred lines above
 * it, and one inside a path at no line. An Error made at the call holds its stack (formatted only if read);
 * step() keeps none: journeys hold thousands of steps, and their mistakes name the step.
 */
const calls = new WeakMap<object, Error>()

/** Remember where `node` is being made: call it from the function that makes it. */
export function rememberCall<T extends object>(node: T): T {
  calls.set(node, new Error('called at'))
  return node
}

/**
 * `err` placed where `node` was made: the frames of that call first, then `err`'s own (the journey() call),
 * so whoever places an error by the first frame in a file finds the node's line when it is in that file,
 * and the journey's otherwise (a checkpoint made by a helper in another file).
 */
export function placeAtCall<T extends Error>(err: T, node: unknown): T {
  const call = typeof node === 'object' && node !== null ? calls.get(node) : undefined
  const callFrames = call?.stack?.split('\n').slice(1) ?? []
  if (!callFrames.length) return err
  const own = err.stack?.split('\n') ?? []
  // The header of err's stack is its message, which may span lines: its frames start at the first `    at `.
  const firstFrame = own.findIndex((line) => /^\s+at /.test(line))
  const header = firstFrame < 0 ? own : own.slice(0, firstFrame)
  const frames = firstFrame < 0 ? [] : own.slice(firstFrame)
  err.stack = [...header, ...callFrames, ...frames].join('\n')
  return err
}
