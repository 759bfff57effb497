/**
 * Journeys run at once (`workers` > 1) off a terminal (CI, a pipe): their live lines interleave, so each line
 * of a journey starts with the journey's name in brackets, its step lines and their detail lines (the error,
 * the request and response, the curl command), checkpoints, branches, rollbacks, path headers and ends, its
 * start and its end alike. Without the name, a failed step's error and curl block read as the lines of
 * whichever journey printed last. Taking the name off a journey's lines gives them as a run of one worker
 * prints them. Against a local server, with real requests.
 */
import http from 'node:http'
import type { AddressInfo } from 'node:net'
import { PassThrough } from 'node:stream'
import { type Journey, branch, checkpoint, journey, path, step } from '@venomqa/core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type RunnerOptions, createConsoleReporter, createRunner } from '../../src/index'

let server: http.Server
let base: string
const flakyHits = new Map<string, number>()

beforeAll(async () => {
  server = http.createServer((req, res) => {
    req.resume()
    const url = new URL(req.url ?? '/', 'http://x')
    // A few ms each, so that what two workers do at once interleaves.
    setTimeout(() => {
      if (url.pathname === '/fail') return res.writeHead(500, { 'content-type': 'application/json' }).end('{"error":"boom"}')
      if (url.pathname === '/flaky') {
        const key = url.searchParams.get('id')!
        flakyHits.set(key, (flakyHits.get(key) ?? 0) + 1)
        if (flakyHits.get(key) === 1) return res.writeHead(503).end()
      }
      res.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}')
    }, 3)
  })
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
})
afterAll(() => new Promise<void>((r) => server.close(() => r())))

/** Two journeys with every kind of line: a branch, a failed path, a retried step, failed steps with requests. */
function journeys(run: string): Journey[] {
  return [
    journey('alpha', {
      steps: [
        step('a_ok', ({ http }) => http.get('/ok')),
        checkpoint('base'),
        branch('base', [path('left', [step('l1', ({ http }) => http.get('/ok?l=1'))]), path('right', [step('r_fail', ({ http }) => http.get('/fail?r=1'))])]),
        step('a_end', ({ http }) => http.get('/ok?end=1')),
      ],
    }),
    journey('beta', {
      steps: [
        step('b_retry', ({ http }) => http.get(`/flaky?id=${run}`, { retry: false }), { retries: 1 }),
        step('b_fail', ({ http }) => http.post('/fail', { json: { n: 1 } })),
        step('b_ok', ({ http }) => http.get('/ok?b=1')),
      ],
    }),
  ]
}

let runs = 0
/** The live lines of one run, each duration as `N ms`. */
async function live(options: RunnerOptions): Promise<string[]> {
  const stream = new PassThrough()
  let out = ''
  stream.on('data', (d) => (out += d))
  const runner = createRunner({ baseUrl: base, http: { retry: false }, reporters: [createConsoleReporter({ stream, color: false, progress: false })], ...options })
  try {
    await runner.run(journeys(`run${++runs}`))
  } finally {
    await runner.close()
  }
  await new Promise((r) => setTimeout(r, 80))
  // Each run has its own flaky key: said as `runN`, so that two runs' lines compare.
  const lines = out.split('\n').map((l) => l.replace(/\d+(\.\d+)? ms/g, 'N ms').replace(/id=run\d+/g, 'id=runN'))
  // The lines the journeys printed: after the run's first line, before the summary's rule.
  return lines.slice(1, lines.findIndex((l) => l.startsWith('────')))
}

/** The lines of one journey in a run of one worker, as a block: from its `▶` line to its end line. */
function block(lines: string[], name: string): string[] {
  const from = lines.findIndex((l) => l.startsWith(`▶ ${name}`))
  const to = lines.findIndex((l, i) => i > from && new RegExp(`^[✓✗⚠○-] ${name} `).test(l))
  return lines.slice(from, to + 1)
}

/** The lines tagged with `tag`, the tag taken off, and a path's own tag too (a run of one worker has none). */
function untagged(lines: string[], tag: string): string[] {
  return lines.filter((l) => l.startsWith(`[${tag}] `)).map((l) => l.slice(tag.length + 3).replace(/^( *)\[[a-z]+\] /, '$1'))
}

describe('the console with journeys run at once, off a terminal', () => {
  it("starts every line of a journey with the journey's name: its lines, the tag taken off, are a one-worker run's", async () => {
    const one = await live({})
    const two = await live({ workers: 2 })
    // Every line printed is some journey's, and says whose (blank lines between journeys aside).
    const untaggedLines = two.filter((l) => l && !/^\[(alpha|beta)\] /.test(l))
    expect(untaggedLines, two.join('\n')).toEqual([])
    for (const name of ['alpha', 'beta']) expect(untagged(two, name)).toEqual(block(one, name))
    // What a reader of the log sees: the start and end lines, a failed step's detail and curl lines, a path's lines.
    expect(two).toContain('[alpha] ▶ alpha')
    expect(two).toContain('[alpha] ✗ alpha failed N ms')
    expect(two).toContain('[alpha]   ├ path right')
    expect(two).toContain(`[alpha]     [right] ✗ r_fail GET ${base}/fail?r=1 → 500 N ms`)
    expect(two).toContain(`[alpha]       [right] curl -g -X GET '${base}/fail?r=1'`)
    expect(two).toContain('[alpha]   └ path right failed N ms')
    expect(two).toContain('[beta]   ↻ b_retry retry 1: HTTP 503 from GET ' + `${base}/flaky?id=runN`)
    expect(two).toContain(`[beta]   ✗ b_fail POST ${base}/fail → 500 N ms`)
    expect(two).toContain(`[beta]     HTTP 500 from POST ${base}/fail`)
    expect(two).toContain('[beta]     < {')
    expect(two).toContain(`[beta]     curl -g -X POST '${base}/fail' -H 'content-type: application/json' --data-raw '{"n":1}'`)
    expect(two).toContain('[beta] ✗ beta failed N ms')
    // A run of one worker is as it was: no tag on any line.
    expect(one.filter((l) => l.startsWith('['))).toEqual([])
  })

  it('tells two runs of one journey apart (--repeat-each), by the repetition', async () => {
    const lines = await live({ workers: 2, repeatEach: 2 })
    const tags = new Set(lines.filter(Boolean).map((l) => /^\[([^\]]+)\] /.exec(l)?.[1]))
    expect([...tags].sort()).toEqual(['alpha (repeat #1)', 'alpha (repeat #2)', 'beta (repeat #1)', 'beta (repeat #2)'])
    for (const tag of tags) {
      const own = untagged(lines, tag!)
      expect(own[0]).toBe(`▶ ${tag}`)
      expect(own[own.length - 1]).toMatch(new RegExp(`^✗ ${tag!.replace(/[()#]/g, '\\$&')} failed N ms$`))
    }
  })

  it('paths run at once (parallelPaths) keep their own tags alone: one journey runs at a time', async () => {
    const lines = await live({ parallelPaths: 2 })
    expect(lines.filter((l) => /^\[(alpha|beta)\]/.test(l))).toEqual([])
    expect(lines).toContain('▶ alpha')
    expect(lines.some((l) => l.startsWith('    [right] ✗ r_fail '))).toBe(true)
  })
})
