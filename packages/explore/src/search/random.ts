import type { Rng } from '@venomqa/core'
import type { Edge } from '../edges'
import type { SearchSpace } from './space'

interface Frame {
  /** Edges whose subtree is not done yet. */
  open: Edge[]
  /** The parent's frame and the edge that led here (absent at the root). */
  parent?: { frame: Frame; edge: Edge }
  /** Children entered once and not done: taking their edge again goes back into them. */
  children: Map<Edge, Frame>
}

/**
 * Seeded random walks: from the current state take a random open edge; descend when it reached a new
 * state; when a walk ends (a leaf, a refused or merged edge), back up to a random ancestor and walk
 * again. A subtree that is done is closed in its parent, so the search ends by itself once the root
 * is done (or on a budget), having covered what depth-first would, in another order.
 */
export async function randomWalks(space: SearchSpace, rng: Rng): Promise<void> {
  const root: Frame = { open: [...space.edges()], children: new Map() }
  const stack: Frame[] = [root]
  while (!space.stopped()) {
    const k = space.depth
    const frame = stack[k]!
    if (!frame.open.length) {
      if (k === 0) return
      close(frame)
      await backUp(space, stack, rng.int(0, k - 1))
      continue
    }
    const edge = frame.open[rng.int(0, frame.open.length - 1)]!
    await space.backTo(k)
    const result = await space.take(edge)
    const known = frame.children.get(edge)
    if (known && (result === 'merged' || result === 'expand')) {
      // Back into a subtree entered before: the state is ours already, so the dedupe does not apply.
      await space.descend()
      stack.push(known)
      continue
    }
    if (result === 'expand' && k + 1 < space.maxDepth) {
      await space.descend()
      const child: Frame = { open: [...space.edges()], parent: { frame, edge }, children: new Map() }
      frame.children.set(edge, child)
      stack.push(child)
      continue
    }
    // The walk ends here: this edge is done; back up to a random ancestor (or stay).
    frame.open.splice(frame.open.indexOf(edge), 1)
    await backUp(space, stack, rng.int(0, k))
  }
}

function close(frame: Frame): void {
  const via = frame.parent
  if (!via) return
  via.frame.open.splice(via.frame.open.indexOf(via.edge), 1)
  via.frame.children.delete(via.edge)
}

async function backUp(space: SearchSpace, stack: Frame[], to: number): Promise<void> {
  await space.backTo(to)
  stack.length = to + 1
}
