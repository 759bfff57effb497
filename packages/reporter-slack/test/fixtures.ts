import {
  type JourneyResult,
  type NodeResult,
  RESULTS_SCHEMA_VERSION,
  type RunResult,
  type StepResult,
  countNodes,
  makeIssue,
  summarize,
} from '@venomqa/core'

export function step(name: string, status: 'passed' | 'failed' = 'passed', code = status === 'passed' ? 200 : 500, message?: string): StepResult {
  return {
    kind: 'step',
    name,
    status,
    expectFailure: false,
    attempts: 1,
    startedAt: '2025-03-01T10:00:00.000Z',
    durationMs: 20,
    request: { method: 'POST', url: `http://127.0.0.1:3000/api/${name}`, headers: {} },
    response: { status: code, headers: {}, body: {} },
    ...(status === 'failed' ? { error: { kind: 'http-status' as const, message: message ?? `POST /api/${name} answered ${code}` } } : {}),
  }
}

/** A journey whose failed steps raise issues, as the runner does (5xx critical, others high). */
export function journey(name: string, nodes: NodeResult[], raiseIssues = true): JourneyResult {
  const counts = countNodes(nodes)
  const issues = raiseIssues
    ? nodes
        .filter((n): n is StepResult => n.kind === 'step' && n.status === 'failed')
        .map((s) =>
          makeIssue({
            journey: name,
            path: 'main',
            step: s.name,
            severity: (s.response?.status ?? 500) >= 500 ? 'critical' : 'high',
            kind: 'http-status',
            error: s.error!.message,
            source: 'step',
            response: s.response,
          }),
        )
    : []
  return {
    name,
    tags: [],
    status: counts.steps.failed ? 'failed' : 'passed',
    startedAt: '2025-03-01T10:00:00.000Z',
    durationMs: 20 * nodes.length,
    nodes,
    issues,
    counts,
  }
}

export function run(journeys: JourneyResult[], fields: Partial<RunResult> = {}): RunResult {
  return {
    schemaVersion: RESULTS_SCHEMA_VERSION,
    tool: { name: 'venomqa', version: '0.1.0' },
    startedAt: '2025-03-01T10:00:00.000Z',
    finishedAt: '2025-03-01T10:00:01.234Z',
    durationMs: 1234,
    status: journeys.every((j) => j.status === 'passed') ? 'passed' : 'failed',
    interrupted: false,
    backends: [{ name: 'postgres', mechanism: 'snapshot', parallelSafe: false }],
    journeys,
    issues: [],
    summary: summarize(journeys),
    ...fields,
  }
}

export const failingRun = () =>
  run([
    journey('checkout', [step('login'), step('pay', 'failed', 409), step('receipt')]),
    journey('quota', [step('create_five'), step('create_sixth', 'failed', 500)]),
    journey('todos', [step('list')]),
  ])

export const passingRun = () => run([journey('todos', [step('list'), step('create')]), journey('me', [step('me')])])
