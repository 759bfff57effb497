import type { Edge } from '../edges'
import type { TakeResult } from '../explorer'

/** What a search strategy drives: see Explorer. */
export interface SearchSpace {
  readonly depth: number
  readonly maxDepth: number
  stopped(): boolean
  edges(): Edge[]
  take(edge: Edge): Promise<TakeResult>
  descend(): Promise<void>
  backTo(k: number): Promise<void>
  beginPass(): void
}
