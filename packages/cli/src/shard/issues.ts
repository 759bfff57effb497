import type { Issue } from '@venomqa/core'

/**
 * The issues of several runs as the issues of one: the shards of a split, a shard's run and its
 * `--last-failed` reruns, an exploration's parts. What each of them meets (a plugin's warning, a
 * violation of the root's shared edges) is told once, not once per shard; but two issues of one run are
 * two, though they say the same thing (a request cut off at each attempt of a step): each is kept as
 * many times as the run that has it most.
 */
export function issuesOfRuns(runs: readonly (readonly Issue[])[]): Issue[] {
  const kept = new Map<string, number>()
  const out: Issue[] = []
  for (const issues of runs) {
    const inRun = new Map<string, number>()
    for (const issue of issues) {
      const key = sameness(issue)
      const n = (inRun.get(key) ?? 0) + 1
      inRun.set(key, n)
      if (n <= (kept.get(key) ?? 0)) continue
      kept.set(key, n)
      out.push(issue)
    }
  }
  return out
}

/**
 * An issue told by what it says and where, not by when or by the exchange recorded with it: two shards
 * that meet one violation record it with responses that differ in a `date` header, or an id.
 */
function sameness({ timestamp: _, request: _request, response: _response, ...rest }: Issue): string {
  return JSON.stringify(rest)
}
