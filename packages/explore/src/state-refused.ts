import { type Issue, StateError, type TakenAction, makeIssue, sequenceText, suggestionForError } from '@venomqa/core'

/**
 * A state backend found the state wrong right after the search made the app act (a proxy refused what
 * the app did: pg_notify(), a VACUUM): the action that did it is the one last taken, on `path`. Not a
 * crash of the tool: the exploration stops there, as a journey stops at the checkpoint or rollback that
 * meets it, and the issue names the action and the backend's own fix.
 */
export class StateRefusedAfter extends Error {
  readonly path: readonly TakenAction[]
  /** The backend's error: what it was doing when it told it (`observe`, `rollback to "d1"`), and why. */
  readonly error: StateError
  constructor(error: StateError, path: readonly TakenAction[]) {
    super(error.message, { cause: error })
    this.name = 'StateRefusedAfter'
    this.error = error
    this.path = [...path]
  }
}

/** Run a state backend call made after the app acted on `path`; a refusal it reports is that path's. */
export async function refusalsOf<T>(path: () => readonly TakenAction[], call: () => Promise<T>): Promise<T> {
  try {
    return await call()
  } catch (err) {
    if (isRefusal(err)) throw new StateRefusedAfter(err, path())
    throw err
  }
}

/** A backend's refusal of what the app did, also from a second copy of @venomqa/core (by its fields). */
function isRefusal(err: unknown): err is StateError {
  if (err instanceof StateError) return err.failure === 'refused'
  const e = err as { name?: unknown; failure?: unknown; backend?: unknown } | null
  return err instanceof Error && e!.failure === 'refused' && typeof e!.backend === 'string'
}

/** `after action "reserve" (create_product > reserve)`, or `after the setup`: where a refusal was met. */
function refusedWhere(path: readonly TakenAction[]): string {
  const actions = path.map((t) => t.action)
  const action = actions.at(-1)
  return action === undefined ? 'after the setup' : `after action "${action}"${actions.length > 1 ? ` (${actions.join(' > ')})` : ''}`
}

/** The critical issue: the action (or the setup) after which the backend refused, and the backend's fix. */
export function stateRefusedIssue(exploration: string, err: StateRefusedAfter): Issue {
  const action = err.path.at(-1)?.action
  return makeIssue({
    journey: exploration,
    path: sequenceText(err.path),
    step: action ?? 'setup',
    severity: 'critical',
    kind: 'state',
    error: `${refusedWhere(err.path)}: ${err.error.message}`,
    // The backend's own advice (a proxy's refusal carries the fix the app's error names); the kind's
    // generic one (check the connection) sends the user the wrong way.
    ...(suggestionForError(err.error) ? { suggestion: suggestionForError(err.error)! } : {}),
    source: `state:${err.error.backend}`,
  })
}

/**
 * Why a violation whose replays from the root met a refusal is reported as the search met it: the replay
 * that met it gave no verdict, and the state it left is not what the app meant. The critical issue
 * (stateRefusedIssue) says the rest, with the backend's fix.
 */
export function settleRefusedNote(err: StateRefusedAfter): string {
  return `not shrunk or confirmed: replaying it from the root, state backend "${err.error.backend}" refused what the app did ${refusedWhere(err.path)}`
}
