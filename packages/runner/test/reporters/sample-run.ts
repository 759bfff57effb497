import { type Issue, type JourneyResult, type RunResult, countNodes, makeIssue, summarize } from '@venomqa/core'

/** Secrets a report must never show, planted in headers, cookies, bodies and error text. */
export const SECRETS = {
  bearer: 'eyJhbGciOiJIUzI1NiJ9.c2VjcmV0LXRva2Vu.sig',
  cookie: 'sid=cookie-secret-4711',
  password: 'hunter2-very-secret',
  setCookie: 'session=set-cookie-secret-99; HttpOnly',
}

/**
 * A finished run as the runner records it, except that the secrets were NOT redacted (as in a results
 * file from an older or foreign writer): the reporters must mask them on their own.
 */
export function sampleRun(overrides: Partial<RunResult> = {}): RunResult {
  const loginRequest = {
    method: 'POST',
    url: 'http://127.0.0.1:3000/api/auth/login',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${SECRETS.bearer}`, cookie: SECRETS.cookie },
    body: { email: 'ada@example.com', password: SECRETS.password },
  }
  const payRequest = {
    method: 'POST',
    url: 'http://127.0.0.1:3000/api/pay?token=query-secret-1',
    headers: { authorization: `Bearer ${SECRETS.bearer}`, Cookie: SECRETS.cookie },
    body: JSON.stringify({ card: '0', password: SECRETS.password }),
  }
  const payResponse = {
    status: 402,
    headers: { 'content-type': 'application/json', 'set-cookie': SECRETS.setCookie },
    body: { error: 'card <declined> & "refused" ]]> \u0001 | pipe' },
  }
  const issue: Issue = makeIssue({
    journey: 'checkout <&>',
    path: 'bad_card',
    step: 'pay',
    severity: 'high',
    kind: 'http-status',
    error: `POST /api/pay answered 402 (sent Bearer ${SECRETS.bearer})`,
    source: 'step',
    request: payRequest,
    response: payResponse,
    timestamp: '2024-05-01T10:00:01.000Z',
  })
  const checkout: JourneyResult = {
    name: 'checkout <&>',
    description: 'buy | pay',
    tags: ['smoke'],
    file: 'journeys/checkout.journey.ts',
    baseUrl: 'http://127.0.0.1:3000',
    status: 'failed',
    startedAt: '2024-05-01T10:00:00.000Z',
    durationMs: 1234,
    issues: [issue],
    nodes: [
      {
        kind: 'step',
        name: 'login',
        status: 'passed',
        expectFailure: false,
        attempts: 1,
        startedAt: '2024-05-01T10:00:00.000Z',
        durationMs: 12,
        request: loginRequest,
        response: { status: 200, headers: { 'set-cookie': SECRETS.setCookie }, body: { token: SECRETS.bearer, passed: true } },
      },
      { kind: 'checkpoint', name: 'cart_ready', status: 'passed', durationMs: 3, backends: [{ backend: 'memory', mechanism: 'snapshot', durationMs: 1 }] },
      {
        kind: 'branch',
        checkpoint: 'cart_ready',
        status: 'failed',
        durationMs: 80,
        finalRollback: { durationMs: 2, backends: [] },
        paths: [
          {
            kind: 'path',
            name: 'good_card',
            status: 'passed',
            durationMs: 30,
            rollback: { durationMs: 2, backends: [{ backend: 'memory', mechanism: 'snapshot', durationMs: 2 }] },
            nodes: [
              { kind: 'step', name: 'pay', status: 'passed', expectFailure: false, attempts: 1, startedAt: '2024-05-01T10:00:00.100Z', durationMs: 20 },
            ],
          },
          {
            kind: 'path',
            name: 'bad_card',
            status: 'failed',
            durationMs: 40,
            rollback: { durationMs: 2, backends: [] },
            nodes: [
              {
                kind: 'step',
                name: 'pay',
                status: 'failed',
                expectFailure: false,
                attempts: 2,
                startedAt: '2024-05-01T10:00:00.200Z',
                durationMs: 25,
                error: { kind: 'http-status', message: `402 Payment Required (Bearer ${SECRETS.bearer})` },
                request: payRequest,
                response: payResponse,
                logs: [{ level: 'info', message: 'paying with password=hunter2-very-secret' }],
              },
              { kind: 'step', name: 'receipt', status: 'skipped', expectFailure: false, attempts: 0, startedAt: '2024-05-01T10:00:00.300Z', durationMs: 0 },
            ],
          },
        ],
      },
    ],
    counts: undefined as never,
  }
  checkout.counts = countNodes(checkout.nodes)
  const health: JourneyResult = {
    name: 'health',
    tags: [],
    status: 'passed',
    startedAt: '2024-05-01T10:00:02.000Z',
    durationMs: 5,
    issues: [],
    nodes: [{ kind: 'step', name: 'ping', status: 'passed', expectFailure: false, attempts: 1, startedAt: '2024-05-01T10:00:02.000Z', durationMs: 5, request: { method: 'GET', url: 'http://127.0.0.1:3000/health', headers: {} }, response: { status: 200, headers: {}, body: { ok: true } } }],
    counts: undefined as never,
  }
  health.counts = countNodes(health.nodes)
  const journeys = [checkout, health]
  return {
    schemaVersion: 3,
    tool: { name: 'venomqa', version: '0.1.0' },
    startedAt: '2024-05-01T10:00:00.000Z',
    finishedAt: '2024-05-01T10:00:02.005Z',
    durationMs: 2005,
    status: 'failed',
    interrupted: false,
    backends: [{ name: 'memory', mechanism: 'snapshot', parallelSafe: false }],
    journeys,
    issues: [],
    summary: summarize(journeys),
    ...overrides,
  }
}

/** Every planted secret value that must not appear in output. */
export function leakedSecrets(text: string): string[] {
  return [SECRETS.bearer, 'cookie-secret-4711', SECRETS.password, 'set-cookie-secret-99', 'query-secret-1'].filter((s) => text.includes(s))
}
