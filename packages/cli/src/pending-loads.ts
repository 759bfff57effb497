/**
 * The user's files being loaded now (the config, a plugin, a journey file), each with what it is doing.
 * A module whose top-level await never settles leaves its import pending for good: the process runs out
 * of work, and only the file can say why. Kept on the global object, where bin.ts finds it.
 */
const PENDING = Symbol.for('venomqa.pendingLoads')

/** Importing the file, or calling the function it exports (a config or plugin factory) for its value. */
type Step = 'import' | 'call'

function pending(): Map<string, Step> {
  const holder = globalThis as Record<symbol, Map<string, Step> | undefined>
  return (holder[PENDING] ??= new Map())
}

/**
 * `work`, with `what` (`venomqa.config.mjs`, `plugin ./plugins/audit.ts`) known as loading until it
 * settles: `step` says whether the file is imported or its exported function called.
 */
export async function loading<T>(what: string, step: Step, work: () => Promise<T>): Promise<T> {
  const map = pending()
  const key = `${step} ${what}`
  // One already loading (the same file imported twice at once) stays until the first settles.
  const mine = !map.has(key)
  if (mine) map.set(key, step)
  try {
    return await work()
  } finally {
    if (mine) map.delete(key)
  }
}

/**
 * Why the process ran out of work while files were loading, each named, or undefined when none was:
 * a user's file that can never finish, not a fault of VenomQA.
 */
export function unsettledLoadMessage(): string | undefined {
  const stuck = [...((globalThis as Record<symbol, Map<string, Step> | undefined>)[PENDING] ?? new Map<string, Step>())]
  if (!stuck.length) return undefined
  const lines = stuck.map(([key, step]) => {
    const what = key.slice(step.length + 1)
    return step === 'import'
      ? `${what} never finished loading: a top-level await in it, or in a module it imports, waits on something that never settles`
      : `the function ${what} exports never finished: the promise it returned waits on something that never settles`
  })
  return `${lines.join('; ')}; nothing ran`
}
