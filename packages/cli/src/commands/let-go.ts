import { type StateBackend, errorMessage, escapeControlChars, redactText } from '@venomqa/core'
import type { Runner } from '@venomqa/runner'

/**
 * How long a quit run waits for its state backends' `letGo`: long enough for a proxy in this process to
 * end its transaction and put the sequences back over a new connection (tens of ms), short enough that a
 * second Ctrl-C still quits now.
 */
export const LET_GO_MS = 2000

/** What a quit run asks of a state backend, and says of one that did not do it. */
export type LetGoBackend = Pick<StateBackend, 'name' | 'letGo' | 'leftWhenLetGoFails'>

/** What a backend says stays when its letGo failed (StateBackend.leftWhenLetGoFails), as the end of its line. */
function leaves(b: LetGoBackend): string {
  return b.leftWhenLetGoFails ? `: it ${escapeControlChars(redactText(b.leftWhenLetGoFails))}` : ''
}

/** What a quit run asks to let go: the run's state backends, then its workers' (named with the worker's index). */
export function backendsToLetGo(runner: Pick<Runner, 'registry' | 'workerStateBackends'>): LetGoBackend[] {
  const workers = runner.workerStateBackends().map(({ worker, backend }) => ({
    name: `worker ${worker}: ${backend.name}`,
    ...(typeof backend.letGo === 'function' ? { letGo: () => backend.letGo!() } : {}),
    // Read when a line needs it: a backend may say it only once it knows (a proxy it started itself).
    get leftWhenLetGoFails() {
      return backend.leftWhenLetGoFails
    },
  }))
  return [...runner.registry.stateBackends, ...workers]
}

/** A quit's letting go under way: its lines once over, and those of the backends still at it, meanwhile. */
export interface LettingGo {
  /** One line for each backend that failed or did not finish within the moment; none when every one did. */
  readonly done: Promise<string[]>
  /** One line for each backend asked that has not finished yet (a third Ctrl-C does not wait for them). */
  pending(): string[]
  /** Whether any backend was asked: none can, and there is nothing to wait for. */
  readonly asked: boolean
}

/**
 * A quit run (a second Ctrl-C): each state backend that can undo at once what only this process can
 * (StateBackend.letGo) does it, all at once, for at most `ms`.
 */
export function startLettingGo(backends: readonly LetGoBackend[], ms = LET_GO_MS): LettingGo {
  const asked = backends.filter((b) => typeof b.letGo === 'function')
  const finished = new Set<LetGoBackend>()
  return {
    done: asked.length ? lettingGo(asked, ms, finished) : Promise.resolve([]),
    asked: asked.length > 0,
    pending: () => asked.filter((b) => !finished.has(b)).map((b) => `${b.name} had not finished undoing what it holds when the quit stopped waiting${leaves(b)}`),
  }
}

/** Every backend's letGo at once, for at most `ms`: a line for each that failed or did not finish; each that ended goes in `finished`. */
async function lettingGo(asked: readonly LetGoBackend[], ms: number, finished: Set<LetGoBackend>): Promise<string[]> {
  let timer: ReturnType<typeof setTimeout> | undefined
  const outOfTime = new Promise<void>((resolve) => {
    timer = setTimeout(resolve, ms)
  })
  try {
    const outcomes = await Promise.all(
      asked.map((b) =>
        Promise.race([
          Promise.resolve()
            .then(() => b.letGo!())
            .then(
              () => undefined,
              (err: unknown) => `${b.name} could not undo what it holds: ${escapeControlChars(redactText(errorMessage(err)))}${leaves(b)}`,
            )
            .finally(() => finished.add(b)),
          outOfTime.then(() => `${b.name} did not finish undoing what it holds within ${ms} ms${leaves(b)}`),
        ]),
      ),
    )
    return outcomes.filter((line): line is string => line !== undefined)
  } finally {
    clearTimeout(timer)
  }
}
