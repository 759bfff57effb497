import { type Exploration, type ExploreAction, type Invariant, type SourceEnv, BUILTIN_INVARIANTS, DefinitionError, errorMessage, isAction, isInvariant, validateLoadedExploration } from '@venomqa/core'
import type { InvariantRef } from './contracts'

export interface LoadedDefinition {
  actions: ExploreAction<any>[]
  /** The built-in invariants by name, then the exploration's own, then those plugins added. */
  invariants: InvariantRef[]
}

/**
 * The actions and invariants an exploration runs with: its own, those its sources build (an OpenAPI
 * document...), and the invariants plugins added; checked as one definition before anything runs.
 */
export async function loadDefinition(e: Exploration, pluginInvariants: readonly Invariant[], env: SourceEnv): Promise<LoadedDefinition> {
  const actions: ExploreAction<any>[] = []
  for (const entry of e.actions) {
    if (isAction(entry)) actions.push(entry)
    else actions.push(...(await fromSource(e.name, entry.name, () => entry.load(env))))
  }
  // Only sources, and none gave an action (a document with no operations, a selection that kept none):
  // a search with nothing to do would end at once and pass, a green that tested nothing.
  if (!actions.length)
    throw new DefinitionError(e.name, `there is no action to explore: ${e.actions.map((s) => `source "${s.name}"`).join(', ')} gave none`, undefined, 'exploration')
  const invariants: Invariant[] = []
  for (const entry of e.invariants) {
    if (isInvariant(entry)) invariants.push(entry)
    else invariants.push(...(await fromSource(e.name, entry.name, () => entry.load(env))))
  }
  invariants.push(...pluginInvariants)
  validateLoadedExploration(e.name, actions, invariants)
  return { actions, invariants: [...BUILTIN_INVARIANTS, ...invariants] }
}

async function fromSource<T>(exploration: string, source: string, load: () => Promise<readonly T[]>): Promise<T[]> {
  try {
    const items = await load()
    if (!Array.isArray(items)) throw new Error(`load() must resolve to an array, got ${typeof items}`)
    return [...items]
  } catch (err) {
    if (err instanceof DefinitionError) throw err
    throw new DefinitionError(exploration, `source "${source}" could not be loaded: ${errorMessage(err)}`, undefined, 'exploration')
  }
}
