import {
  type BranchResult,
  type CheckpointResult,
  type Issue,
  type JourneyResult,
  type NodeResult,
  type PathResult,
  RESULTS_SCHEMA_VERSION,
  type RunResult,
  type StepResult,
  countNodes,
  makeIssue,
  summarize,
} from '@venomqa/core'

const T0 = Date.parse('2025-03-01T10:00:00.000Z')
let clock = T0
const at = (advance = 0) => new Date((clock += advance)).toISOString()

export function resetClock() {
  clock = T0
}

export function step(name: string, fields: Partial<StepResult> = {}): StepResult {
  const durationMs = fields.durationMs ?? 12
  const s: StepResult = {
    kind: 'step',
    name,
    status: 'passed',
    expectFailure: false,
    attempts: 1,
    startedAt: at(),
    durationMs,
    request: { method: 'GET', url: `http://127.0.0.1:3000/api/${name}`, headers: { accept: 'application/json' } },
    response: { status: 200, headers: { 'content-type': 'application/json' }, body: { ok: true, step: name } },
    ...fields,
  }
  at(durationMs)
  return s
}

export function failedStep(name: string, status: number, body: unknown, fields: Partial<StepResult> = {}): StepResult {
  return step(name, {
    status: 'failed',
    error: { kind: 'http-status', message: `POST /api/${name} answered ${status}` },
    request: {
      method: 'POST',
      url: `http://127.0.0.1:3000/api/${name}`,
      headers: { 'content-type': 'application/json', authorization: 'Bearer abc.def.ghi' },
      body: { title: 'x', password: 'hunter2' },
    },
    response: { status, headers: { 'content-type': 'application/json', 'set-cookie': 'sid=s3cr3t' }, body },
    ...fields,
  })
}

export function checkpoint(name: string): CheckpointResult {
  return { kind: 'checkpoint', name, status: 'passed', durationMs: 3, backends: [{ backend: 'postgres', mechanism: 'snapshot', durationMs: 3 }] }
}

export function path(name: string, nodes: NodeResult[]): PathResult {
  const failed = nodes.some((n) => n.status === 'failed')
  return {
    kind: 'path',
    name,
    status: failed ? 'failed' : 'passed',
    durationMs: nodes.reduce((t, n) => t + n.durationMs, 0),
    rollback: { durationMs: 4, backends: [{ backend: 'postgres', mechanism: 'snapshot', durationMs: 4 }] },
    nodes,
  }
}

export function branch(checkpointName: string, paths: PathResult[]): BranchResult {
  return {
    kind: 'branch',
    checkpoint: checkpointName,
    status: paths.some((p) => p.status === 'failed') ? 'failed' : 'passed',
    durationMs: paths.reduce((t, p) => t + p.durationMs, 0),
    paths,
    finalRollback: { durationMs: 2, backends: [] },
  }
}

/** Issues for every failed step, as the runner raises them. */
function issuesFor(journeyName: string, nodes: NodeResult[]): Issue[] {
  const out: Issue[] = []
  const walk = (ns: NodeResult[], p: string) => {
    for (const n of ns) {
      if (n.kind === 'step' && n.status === 'failed')
        out.push(
          makeIssue({
            journey: journeyName,
            path: p,
            step: n.name,
            severity: (n.response?.status ?? 500) >= 500 ? 'critical' : 'high',
            kind: n.error?.kind ?? 'crash',
            error: n.error?.message ?? 'failed',
            source: 'step',
            request: n.request,
            response: n.response,
          }),
        )
      if (n.kind === 'branch') for (const pa of n.paths) walk(pa.nodes, p === 'main' ? pa.name : `${p} > ${pa.name}`)
    }
  }
  walk(nodes, 'main')
  return out
}

export function journey(name: string, nodes: NodeResult[], fields: Partial<JourneyResult> = {}): JourneyResult {
  const counts = countNodes(nodes)
  const issues = fields.issues ?? issuesFor(name, nodes)
  return {
    name,
    tags: [],
    status: counts.steps.failed || counts.paths.failed || issues.some((i) => i.severity === 'critical') ? 'failed' : 'passed',
    startedAt: nodes.find((n): n is StepResult => n.kind === 'step')?.startedAt ?? at(),
    durationMs: nodes.reduce((t, n) => t + n.durationMs, 0),
    nodes,
    issues,
    counts,
    ...fields,
  }
}

export function run(journeys: JourneyResult[], runIssues: Issue[] = []): RunResult {
  const startedAt = new Date(T0).toISOString()
  return {
    schemaVersion: RESULTS_SCHEMA_VERSION,
    tool: { name: 'venomqa', version: '0.1.0' },
    startedAt,
    finishedAt: at(),
    durationMs: clock - T0,
    status: journeys.every((j) => j.status === 'passed') ? 'passed' : 'failed',
    interrupted: false,
    backends: [{ name: 'postgres', mechanism: 'snapshot', parallelSafe: false }],
    journeys,
    issues: runIssues,
    summary: summarize(journeys, runIssues),
  }
}

/** A checkout run: one journey with a failure inside a nested branch, one that passes, one tagged failing. */
export function checkoutRun(): RunResult {
  resetClock()
  const checkout = journey(
    'checkout',
    [
      step('login', { request: { method: 'POST', url: 'http://127.0.0.1:3000/api/auth/login', headers: { 'content-type': 'application/json' }, body: { email: 'a@b.c', password: 'pw-123' } }, response: { status: 200, headers: { 'content-type': 'application/json' }, body: { token: 'tok-SECRET-1', user: { id: 1 } } } }),
      step('add_item'),
      checkpoint('cart_ready'),
      // Its paths ran on workers: the branch's own line was put back first, for them to copy.
      {
        ...branch('cart_ready', [
        path('pay_by_card', [
          step('pay'),
          checkpoint('paid'),
          branch('paid', [
            path('refund', [step('refund')]),
            path('double_refund', [failedStep('refund_again', 409, { error: 'already_refunded', detail: 'refund 17 was already made' })]),
          ]),
        ]),
        path('bad_card', [step('pay_declined', { expectFailure: true, response: { status: 402, headers: {}, body: { error: 'declined' } } })]),
      ]),
        rollbackBeforeWorkers: { durationMs: 3, backends: [{ backend: 'postgres', mechanism: 'snapshot', durationMs: 3 }] },
      },
      step('cart_still_there', { durationMs: 140 }),
    ],
    { tags: ['smoke', 'payments'], file: 'journeys/checkout.ts' },
  )
  const todos = journey('todos', [step('list_todos'), step('create_todo'), step('delete_todo')], { tags: ['smoke'] })
  const quota = journey('quota', [step('create_five'), failedStep('create_sixth', 500, 'Internal Server Error: stack at db.js:12')], {
    tags: ['limits'],
  })
  return run([checkout, todos, quota])
}
