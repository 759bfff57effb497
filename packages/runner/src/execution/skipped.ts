import type { JourneyNode, NodeResult, PathResult } from '@venomqa/core'

/** The result of a node that did not run. */
export function skipped(node: JourneyNode): NodeResult {
  if (node.kind === 'step')
    return { kind: 'step', name: node.name, status: 'skipped', expectFailure: !!node.options.expectFailure, attempts: 0, startedAt: new Date().toISOString(), durationMs: 0 }
  if (node.kind === 'checkpoint') return { kind: 'checkpoint', name: node.name, status: 'skipped', durationMs: 0, backends: [] }
  return { kind: 'branch', checkpoint: node.checkpoint, status: 'skipped', durationMs: 0, paths: node.paths.map((p) => skippedPath(p.name, p.steps, p.description)), finalRollback: null }
}

export function skippedPath(name: string, steps: readonly JourneyNode[], description?: string): PathResult {
  return { kind: 'path', name, ...(description ? { description } : {}), status: 'skipped', durationMs: 0, rollback: null, nodes: steps.map(skipped) }
}
