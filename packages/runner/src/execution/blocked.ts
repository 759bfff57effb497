import type { ErrorKind, StateBackend } from '@venomqa/core'

/** How long a failed step waits for the backends to say what they block: the failure is reported either way. */
const ASK_MS = 3000

/**
 * Why a step that gave up waiting (a request or the step timed out, or it stalled) waited, when a state
 * backend knows: a session of the app blocked on a lock the backend's transaction holds (see
 * StateBackend.blockedByIt). Asked only then, so a passed step never pays for it; what the backends said
 * within ASK_MS, or undefined.
 */
export async function blockedByBackends(kind: ErrorKind, backends: readonly StateBackend[]): Promise<string | undefined> {
  if (kind !== 'timeout' && kind !== 'stall') return undefined
  const asking = backends.filter((b) => b.blockedByIt)
  if (!asking.length) return undefined
  let timer: NodeJS.Timeout | undefined
  const late = new Promise<undefined>((resolve) => {
    timer = setTimeout(() => resolve(undefined), ASK_MS)
  })
  try {
    // Each raced on its own: a backend that answers in time is heard even when another never does.
    const said = await Promise.all(asking.map((b) => Promise.race([b.blockedByIt!().catch(() => undefined), late])))
    const sentences = said.filter((s): s is string => !!s)
    return sentences.length ? sentences.join(' ') : undefined
  } finally {
    clearTimeout(timer)
  }
}
