import { z } from 'zod'

/**
 * The results model (RunResult in @venomqa/core's results.ts) as a zod schema, from which
 * packages/core/schema/results.schema.json is generated. Objects accept fields they do not know, so a
 * newer writer that only adds fields stays readable; renaming or removing a field bumps schemaVersion.
 */
const isoDate = z.string().regex(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/)
const ms = z.number().min(0)
const status = z.enum(['passed', 'failed', 'skipped'])
const errorKind = z.enum([
  'http-status',
  'timeout',
  'aborted',
  'connection-refused',
  'connection-reset',
  'dns',
  'tls',
  'transport',
  'assertion',
  'expected-failure-missing',
  'state',
  'hook',
  'port-missing',
  'crash',
  'stray-error',
  'stall',
])
const severity = z.enum(['critical', 'high', 'medium', 'low', 'info'])
const headers = z.record(z.string(), z.string())

const errorInfo = z.looseObject({ kind: errorKind, message: z.string(), stack: z.string().optional() }).meta({ id: 'ErrorInfo' })
const recordedRequest = z.looseObject({ method: z.string(), url: z.string(), headers, body: z.unknown().optional() }).meta({ id: 'RecordedRequest' })
const recordedResponse = z.looseObject({ status: z.number().int(), headers, body: z.unknown().optional() }).meta({ id: 'RecordedResponse' })
const exchange = z
  .looseObject({
    request: recordedRequest,
    response: recordedResponse.optional(),
    error: z.string().optional(),
    timeoutMs: ms.optional(),
    durationMs: ms,
    attempt: z.number().int().min(1),
    startedAt: isoDate,
    fromCache: z.boolean().optional(),
  })
  .meta({ id: 'HttpExchange' })
const backendTiming = z.looseObject({ backend: z.string(), mechanism: z.string(), durationMs: ms }).meta({ id: 'BackendTiming' })
const rollbackTiming = z.looseObject({ durationMs: ms, backends: z.array(backendTiming), waitedMs: ms.optional() })
const rollback = rollbackTiming.nullable()

const issue = z
  .looseObject({
    journey: z.string(),
    path: z.string(),
    step: z.string(),
    severity,
    kind: errorKind,
    error: z.string(),
    suggestion: z.string(),
    source: z.string(),
    request: recordedRequest.optional(),
    response: recordedResponse.optional(),
    timestamp: isoDate,
  })
  .meta({ id: 'Issue' })

const stepResult = z
  .looseObject({
    kind: z.literal('step'),
    name: z.string(),
    status,
    expectFailure: z.boolean(),
    attempts: z.number().int().min(0),
    startedAt: isoDate,
    durationMs: ms,
    timedOut: z.boolean().optional(),
    error: errorInfo.optional(),
    request: recordedRequest.optional(),
    response: recordedResponse.optional(),
    requestError: z.string().optional(),
    exchanges: z.array(exchange).optional(),
    logs: z.array(z.looseObject({ level: z.enum(['debug', 'info', 'warn', 'error']), message: z.string() })).optional(),
  })
  .meta({ id: 'StepResult' })

const checkpointResult = z
  .looseObject({ kind: z.literal('checkpoint'), name: z.string(), status, durationMs: ms, backends: z.array(backendTiming), error: errorInfo.optional() })
  .meta({ id: 'CheckpointResult' })

const pathResult: z.ZodType = z
  .looseObject({
    kind: z.literal('path'),
    name: z.string(),
    description: z.string().optional(),
    status,
    durationMs: ms,
    rollback,
    get nodes() {
      return z.array(nodeResult)
    },
    error: errorInfo.optional(),
    worker: z.number().int().optional(),
  })
  .meta({ id: 'PathResult' })

const branchResult = z
  .looseObject({
    kind: z.literal('branch'),
    checkpoint: z.string(),
    status,
    durationMs: ms,
    get paths() {
      return z.array(pathResult)
    },
    finalRollback: rollback,
    rollbackBeforeWorkers: rollbackTiming.optional(),
    error: errorInfo.optional(),
  })
  .meta({ id: 'BranchResult' })

const nodeResult: z.ZodType = z.union([stepResult, checkpointResult, branchResult]).meta({ id: 'NodeResult' })

const tally = z.looseObject({ total: z.number().int().min(0), passed: z.number().int().min(0), failed: z.number().int().min(0), skipped: z.number().int().min(0) })
const counts = z.looseObject({ steps: tally, paths: tally, branches: z.number().int().min(0), checkpoints: z.number().int().min(0) })

const journeyResult: z.ZodType = z
  .looseObject({
    name: z.string(),
    description: z.string().optional(),
    tags: z.array(z.string()),
    file: z.string().optional(),
    baseUrl: z.string().optional(),
    status: z.enum(['passed', 'failed', 'skipped', 'flaky']),
    startedAt: isoDate,
    durationMs: ms,
    nodes: z.array(nodeResult),
    issues: z.array(issue),
    counts,
    interrupted: z.boolean().optional(),
    failFastAfter: z.string().optional(),
    worker: z.number().int().optional(),
    repeatEachIndex: z.number().int().min(0).optional(),
    attempt: z.number().int().min(1).optional(),
    get earlierAttempts() {
      return z.array(journeyResult).optional()
    },
    rerun: z.literal(true).optional(),
    restored: rollbackTiming.optional(),
    notRun: z.literal(true).optional(),
  })
  .meta({ id: 'JourneyResult' })

const n = z.number().int().min(0)
const timingStats = z.looseObject({ count: n, p50: ms, p95: ms, max: ms }).meta({ id: 'TimingStats' })
const violation = z
  .looseObject({
    invariant: z.string(),
    severity,
    message: z.string(),
    sequence: z.array(z.looseObject({ action: z.string(), input: z.unknown(), exchanges: z.array(exchange) })),
    probes: z.array(exchange),
    foundLength: n,
    reproduced: z.looseObject({ attempts: n, failures: n }),
    flaky: z.boolean(),
    notShrunk: z.string().optional(),
    shrinkLimit: z.looseObject({ reason: z.enum(['attempts', 'time']), limit: z.number() }).optional(),
    emittedFile: z.string().optional(),
    id: z.string(),
  })
  .meta({ id: 'ViolationResult' })
const explorationResult = z
  .looseObject({
    name: z.string(),
    description: z.string().optional(),
    tags: z.array(z.string()),
    file: z.string().optional(),
    status,
    startedAt: isoDate,
    durationMs: ms,
    seed: z.number().int(),
    strategy: z.enum(['dfs', 'bfs', 'random']),
    depth: z.number().int().min(1),
    dedupe: z.boolean(),
    truncated: z.looseObject({ reason: z.enum(['transitions', 'time', 'states']), limit: z.number() }).optional(),
    interrupted: z.boolean().optional(),
    notStarted: z.boolean().optional(),
    stats: z.looseObject({ transitions: n, states: n, merged: n, requests: n, transitionsPerSecond: z.number().min(0), maxDepthReached: n }),
    timings: z.looseObject({ rollback: z.record(z.string(), timingStats), observe: z.record(z.string(), timingStats) }),
    coverage: z.array(z.looseObject({ action: z.string(), taken: n, enabled: n, refused: n })),
    neverEnabled: z.array(z.string()),
    violations: z.array(violation),
    issues: z.array(issue),
    workers: z.array(z.looseObject({ worker: n, transitions: n, states: n, requests: n, searchMs: ms })).optional(),
  })
  .meta({ id: 'ExplorationResult' })

export const runResultSchema = z.looseObject({
  schemaVersion: z.literal(3),
  tool: z.looseObject({ name: z.literal('venomqa'), version: z.string() }),
  startedAt: isoDate,
  finishedAt: isoDate,
  durationMs: ms,
  status: z.enum(['passed', 'failed']),
  interrupted: z.boolean(),
  backends: z.array(z.looseObject({ name: z.string(), mechanism: z.string(), parallelSafe: z.boolean() })),
  journeys: z.array(journeyResult),
  explorations: z.array(explorationResult).optional(),
  issues: z.array(issue),
  summary: z.looseObject({
    journeys: z.looseObject({ total: n, passed: n, failed: n, skipped: n, flaky: n }),
    steps: tally,
    paths: tally,
    issues: z.looseObject({ total: n, critical: n, high: n, medium: n, low: n, info: n }),
    explorations: z.looseObject({ total: n, passed: n, failed: n, violations: n, flaky: n }).optional(),
  }),
  shard: z
    .looseObject({
      index: z.number().int().min(1),
      total: z.number().int().min(1),
      splitId: z.string(),
      order: z.array(z.string()),
      runId: z.looseObject({ value: z.string(), from: z.string() }).optional(),
      commit: z.looseObject({ value: z.string(), from: z.string() }).optional(),
      filesHash: z.string().optional(),
      emitted: z.array(z.string()).optional(),
    })
    .meta({ id: 'ShardInfo' })
    .optional(),
  rerunOf: z.looseObject({ finishedAt: z.string() }).optional(),
  merged: z
    .looseObject({ shards: z.number().int().min(1), splitId: z.string(), missing: z.array(z.number().int().min(1)).optional() })
    .meta({ id: 'MergeInfo' })
    .optional(),
})

export function resultsJsonSchema(): Record<string, unknown> {
  const schema = z.toJSONSchema(runResultSchema, { target: 'draft-7', unrepresentable: 'any' })
  return {
    $schema: schema.$schema,
    $id: 'https://unpkg.com/@venomqa/core/schema/results.schema.json',
    title: 'VenomQA results (schemaVersion 3)',
    description: 'A finished VenomQA run: what `venomqa run --save`, `venomqa explore --save` and the json reporter write, and `venomqa report` reads (it also reads schemaVersion 1 and 2 files).',
    ...schema,
  }
}
