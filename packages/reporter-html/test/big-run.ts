import {
  type Issue,
  type JourneyResult,
  type NodeResult,
  RESULTS_SCHEMA_VERSION,
  type RunResult,
  type StepResult,
  countNodes,
  makeIssue,
  summarize,
} from '@venomqa/core'

/**
 * A run shaped like a real one against the example todo API: `journeys` journeys of `steps` steps each (a
 * main line, a checkpoint and a branch of two paths), realistic headers (some unique per response, like
 * etag and x-request-id), JSON bodies of 100 to 900 bytes, one step in 25 failing with an issue.
 */
export function bigRun(journeys = 200, steps = 50): RunResult {
  const start = Date.parse('2025-03-01T10:00:00.000Z')
  let now = start
  let seq = 0
  const iso = (t: number) => new Date(t).toISOString()
  const httpDate = (t: number) => new Date(Math.floor(t / 1000) * 1000).toUTCString()

  const todo = (id: number) => ({ id, title: `Buy milk and eggs #${id}`, done: id % 3 === 0, userId: 1 + (id % 7), createdAt: iso(start + id * 1000) })

  function makeStep(j: number, i: number): StepResult {
    const n = seq++
    const kind = i % 10
    const fails = n % 25 === 7
    const durationMs = 3 + ((n * 37) % 40) + (kind === 9 ? 120 : 0)
    const method = kind === 0 ? 'POST' : kind === 9 ? 'GET' : kind % 3 === 0 ? 'PATCH' : kind % 3 === 1 ? 'GET' : 'POST'
    const url = kind === 9 ? 'http://127.0.0.1:3000/api/todos' : `http://127.0.0.1:3000/api/todos/${n}`
    const status = fails ? (n % 2 ? 422 : 500) : method === 'POST' ? 201 : 200
    const body = fails
      ? { error: status === 422 ? 'validation_failed' : 'internal_error', field: 'title', message: 'title must not be empty' }
      : kind === 9
        ? Array.from({ length: 5 }, (_, k) => todo(n * 10 + k))
        : todo(n)
    const startedAt = now
    now += durationMs + 1
    return {
      kind: 'step',
      name: `${['create', 'read', 'update', 'complete', 'comment'][i % 5]}_todo_${i}`,
      status: fails ? 'failed' : 'passed',
      expectFailure: false,
      attempts: 1,
      startedAt: iso(startedAt),
      durationMs,
      ...(fails ? { error: { kind: 'http-status' as const, message: `${method} ${url} answered ${status}` } } : {}),
      request: {
        method,
        url,
        headers: {
          accept: 'application/json',
          authorization: `Bearer eyJhbGciOiJIUzI1NiJ9.user${j}.sig`,
          'user-agent': 'venomqa/0.1.0',
          ...(method === 'GET' ? {} : { 'content-type': 'application/json' }),
        },
        ...(method === 'GET' ? {} : { body: { title: `Buy milk and eggs #${n}`, done: kind === 3 } }),
      },
      response: {
        status,
        headers: {
          'content-type': 'application/json; charset=utf-8',
          'content-length': String(JSON.stringify(body).length),
          date: httpDate(startedAt),
          etag: `W/"${(n * 2654435761) % 4294967296}"`,
          'x-request-id': `req-${n.toString(36)}`,
          connection: 'keep-alive',
          'keep-alive': 'timeout=5',
        },
        body,
      },
    }
  }

  const results: JourneyResult[] = []
  for (let j = 0; j < journeys; j++) {
    const journeyStart = now
    const mainCount = Math.max(0, steps - 10)
    const nodes: NodeResult[] = Array.from({ length: mainCount }, (_, i) => makeStep(j, i))
    if (steps >= 10) {
      nodes.push({ kind: 'checkpoint', name: 'todos_ready', status: 'passed', durationMs: 4, backends: [{ backend: 'postgres', mechanism: 'snapshot', durationMs: 4 }] })
      const paths = ['happy', 'quota_exceeded'].map((name, p) => {
        const pathNodes = Array.from({ length: 5 }, (_, i) => makeStep(j, mainCount + p * 5 + i))
        const failed = pathNodes.some((s) => s.status === 'failed')
        return {
          kind: 'path' as const,
          name,
          status: failed ? ('failed' as const) : ('passed' as const),
          durationMs: pathNodes.reduce((t, s) => t + s.durationMs, 0),
          rollback: { durationMs: 6, backends: [{ backend: 'postgres', mechanism: 'snapshot', durationMs: 6 }] },
          nodes: pathNodes,
        }
      })
      nodes.push({
        kind: 'branch',
        checkpoint: 'todos_ready',
        status: paths.some((p) => p.status === 'failed') ? 'failed' : 'passed',
        durationMs: paths.reduce((t, p) => t + p.durationMs + 6, 0),
        paths,
        finalRollback: { durationMs: 5, backends: [] },
      })
    }
    const issues: Issue[] = []
    const collect = (ns: NodeResult[], path: string) => {
      for (const n of ns) {
        if (n.kind === 'step' && n.status === 'failed')
          issues.push(
            makeIssue({
              journey: `journey_${j}`,
              path,
              step: n.name,
              severity: n.response!.status >= 500 ? 'critical' : 'high',
              kind: 'http-status',
              error: n.error!.message,
              source: 'step',
              request: n.request,
              response: n.response,
              timestamp: n.startedAt,
            }),
          )
        if (n.kind === 'branch') for (const p of n.paths) collect(p.nodes, p.name)
      }
    }
    collect(nodes, 'main')
    const counts = countNodes(nodes)
    results.push({
      name: `journey_${j}`,
      tags: [j % 2 ? 'regression' : 'smoke', `area-${j % 5}`],
      file: `journeys/journey_${j}.ts`,
      baseUrl: 'http://127.0.0.1:3000',
      status: counts.steps.failed ? 'failed' : 'passed',
      startedAt: iso(journeyStart),
      durationMs: now - journeyStart,
      nodes,
      issues,
      counts,
    })
  }
  return {
    schemaVersion: RESULTS_SCHEMA_VERSION,
    tool: { name: 'venomqa', version: '0.1.0' },
    startedAt: iso(start),
    finishedAt: iso(now),
    durationMs: now - start,
    status: results.every((r) => r.status === 'passed') ? 'passed' : 'failed',
    interrupted: false,
    backends: [{ name: 'postgres', mechanism: 'snapshot', parallelSafe: false }],
    journeys: results,
    issues: [],
    summary: summarize(results),
  }
}
