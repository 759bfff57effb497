import { expect } from 'vitest'

/** What a run's results hold, as far as this check reads them (structural: test-utils depends on no package). */
interface ParallelRun {
  journeys: readonly {
    status: string
    issues: readonly unknown[]
    nodes: readonly { kind: string; paths?: readonly { name: string; worker?: number }[] }[]
  }[]
}

/**
 * The run's one journey passed without an issue, and its branch ran the paths `p0`..`p<paths - 1>` in order,
 * spread over `workers` workers (the main line counts as worker 0): what every parallel-paths test checks
 * on each of its runs.
 */
export function expectBranchOnWorkers(result: ParallelRun, run: number, { paths = 8, workers = 4 } = {}): void {
  const j = result.journeys[0]!
  expect(j.issues, `run ${run}`).toEqual([])
  expect(j.status, `run ${run}`).toBe('passed')
  const branch = j.nodes.find((n) => n.kind === 'branch')
  if (!branch?.paths) throw new Error(`run ${run}: the journey has no branch`)
  expect(
    branch.paths.map((p) => p.name),
    `run ${run}`,
  ).toEqual(Array.from({ length: paths }, (_, i) => `p${i}`))
  expect(new Set(branch.paths.map((p) => p.worker ?? 0)).size, `run ${run}`).toBe(workers)
}
