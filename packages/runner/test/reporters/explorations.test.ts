import { PassThrough } from 'node:stream'
import { type ExplorationResult, assertRunResult, knownSecrets, sequenceStepText, summarize } from '@venomqa/core'
import { explorationRun, leakedExplorationSecrets } from '@venomqa/fixtures'
import { beforeEach, describe, expect, it } from 'vitest'
import { createConsoleReporter, renderJUnit, renderJson, renderMarkdown } from '../../src/reporters'
import { sampleRun } from './sample-run'

// Every built-in reporter on a run of `venomqa explore`: `shop` broke two invariants (one flaky), `catalog`
// ran out of time. Nothing is remembered from an HTTP client here: what masks the secrets is the reporters'.
beforeEach(() => knownSecrets.clear())

/** The text between the opening tag of the element containing `marker` and its closing tag. */
function element(xml: string, tag: string, marker: string): string {
  const at = xml.indexOf(marker)
  const start = xml.lastIndexOf(`<${tag}`, at)
  return xml.slice(start, xml.indexOf(`</${tag}>`, at) + tag.length + 3)
}

async function consoleText(run = explorationRun()): Promise<string> {
  const stream = new PassThrough()
  return String(await createConsoleReporter({ stream, color: false, progress: false }).render!(run, {} as never))
}

describe('json reporter on explorations', () => {
  it('is the model, redacted to the action inputs, and reads back', () => {
    const json = renderJson(explorationRun())
    expect(leakedExplorationSecrets(json)).toEqual([])
    const back = JSON.parse(json)
    assertRunResult(back)
    const [stock, refund] = back.explorations![0]!.violations
    expect(stock!.sequence.map((s) => s.action)).toEqual(['create_product', 'create_order', 'create_order'])
    expect(refund!.sequence[0]!.input).toEqual({ email: 'ada@example.com', password: '[REDACTED]' })
    expect(refund!.sequence[0]!.exchanges[0]!.request.headers).toMatchObject({ cookie: 'sid=[REDACTED]', 'x-api-key': '[REDACTED]' })
    expect(back.explorations![0]!.issues[1]!.request!.url).toBe('http://127.0.0.1:4010/api/orders/1/refund?api_key=[REDACTED]')
    expect(back.summary.explorations).toEqual({ total: 2, passed: 1, failed: 1, violations: 2, flaky: 1 })
  })
})

describe('junit reporter on explorations', () => {
  const xml = renderJUnit(explorationRun())

  it('has a testsuite per exploration and a testcase per invariant, built-ins included', () => {
    expect(xml.match(/<testsuite /g)).toHaveLength(2)
    expect(xml).toContain('<testsuite name="explore shop" id="0" package="venomqa"')
    expect(xml).toMatch(/<testsuite name="explore shop" [^>]* tests="3" failures="2" errors="0" skipped="0"/)
    expect(xml).toMatch(/<testsuite name="explore catalog" [^>]* tests="2" failures="0" errors="0" skipped="0"/)
    expect([...xml.matchAll(/<testcase name="([^"]+)" classname="explore\.shop"/g)].map((m) => m[1])).toEqual(['invariant no_5xx', 'invariant request_error', 'invariant stock_never_negative'])
    expect(xml).toMatch(/<testsuites name="venomqa" tests="5" failures="2" errors="0"/)
  })

  it('fails a broken invariant with its minimal sequence as request lines, the reproduction count and the regression journey', () => {
    const failure = element(xml, 'failure', 'invariant "stock_never_negative"')
    expect(failure).toContain('type="invariant"')
    expect(failure).toContain(
      [
        'Minimal sequence (3 actions, shrunk from 5):',
        '  1. create_product {"name":"Lamp <script>","stock":1}: POST http://127.0.0.1:4010/api/products -> 201',
        '  2. create_order {"productId":7}: POST http://127.0.0.1:4010/api/products/7/orders -> 201',
        '  3. create_order {"productId":7}: POST http://127.0.0.1:4010/api/products/7/orders -> 201',
        'Probes after the last action:',
        '  GET http://127.0.0.1:4010/api/products/7 -> 200',
        'Reproduced 3 of 3 attempts from the root.',
        'Regression journey: journeys/regressions/stock_never_negative-3f9a2c.journey.ts',
      ].join('\n'),
    )
    expect(failure).toContain('authorization: [REDACTED]')
  })

  it('fails the invariant a flaky violation broke, saying it is flaky: it fails the exploration and the exit code', () => {
    const flaky = element(xml, 'testcase', '<testcase name="invariant no_5xx" classname="explore.shop"')
    expect(flaky).toMatch(/<failure message="flaky, reproduced 2\/5: POST \/api\/orders\/1\/refund answered 500" type="invariant"><!\[CDATA\[invariant "no_5xx" \[high\] FLAKY/)
    expect(flaky).not.toContain('flakyFailure')
    expect(flaky).toContain('Reproduced 2 of 5 attempts from the root (flaky).')
    expect(flaky).toContain('  1. login {"email":"ada@example.com","password":"[REDACTED]"}: POST http://127.0.0.1:4010/api/auth/login -> 200')
  })

  it('fails an exploration whose only violation is flaky, 2 of 5 or 0 of 3, in its own suite: never greener than the exit code', () => {
    const [shop, catalog] = explorationRun().explorations!
    const flaky = shop!.violations.find((v) => v.flaky)!
    const confirmed = shop!.violations.find((v) => !v.flaky)!
    const never = { ...flaky, reproduced: { attempts: 3, failures: 0 }, notShrunk: 'no replay from the root reproduced it, so it is reported as the search met it' }
    for (const v of [flaky, never]) {
      const seen = `${v.reproduced.failures}/${v.reproduced.attempts}`
      // Alone in the run: `venomqa explore` exits 1, and the exploration's own suite must say why.
      const alone = renderJUnit(explorationRun({ explorations: [{ ...shop!, violations: [v] }] }))
      const suite = element(alone, 'testsuite', 'name="explore shop"')
      expect(suite, seen).toMatch(/<testsuite name="explore shop" [^>]* failures="1" errors="0"/)
      expect(element(suite, 'testcase', '<testcase name="invariant no_5xx"'), seen).toContain(`<failure message="flaky, reproduced ${seen}: POST /api/orders/1/refund answered 500" type="invariant">`)
      expect(alone, seen).not.toContain('flakyFailure')
      expect(alone, seen).not.toContain('none of its testcases did')
      const never0 = v === never
      expect(alone, seen).toContain(never0 ? 'Reproduced 0 of 3 attempts from the root (flaky: only the search broke it, no replay did).' : 'Reproduced 2 of 5 attempts from the root (flaky).')
      // Markdown fails it as well, and says what a flaky count of 0 means.
      const md = renderMarkdown(explorationRun({ explorations: [{ ...shop!, violations: [v] }] }))
      expect(md, seen).toContain('| shop | ❌ failed | 1 (1 flaky) |')
      expect(md, seen).toContain(
        never0 ? 'Reproduced 0 of 3 attempts from the root (flaky: only the search broke it, no replay did)' : 'Reproduced 2 of 5 attempts from the root (flaky: it broke on some attempts only)',
      )
      // Beside an exploration with a confirmed violation, which alone would fail the file.
      const beside = renderJUnit(explorationRun({ explorations: [{ ...catalog!, violations: [confirmed], status: 'failed' }, { ...shop!, violations: [v] }] }))
      expect(element(beside, 'testsuite', 'name="explore shop"'), seen).toMatch(/<testsuite name="explore shop" [^>]* failures="1" errors="0"/)
    }
  })

  it('says in system-out that a truncated exploration skipped the rest of its search', () => {
    const catalog = element(xml, 'testsuite', 'name="explore catalog"')
    expect(catalog).toContain('<property name="truncated" value="time budget of 1 m 00 s"/>')
    expect(element(catalog, 'system-out', 'exploration catalog')).toContain('truncated: the time budget of 1 m 00 s ran out before the search covered depth 8; the rest was skipped')
    // Truncated: not enabled where it went, which may not be all there is.
    expect(catalog).toContain('never enabled in the states reached before the search was cut short: delete_category')
    expect(catalog).toContain('rollback memory: p50 0.4 ms, p95 0.9 ms, max 3.0 ms (3000)')
    // With dedupe off nothing is merged: the count is of the distinct states seen, as the console says it.
    expect(catalog).toContain('3000 transitions, 3001 distinct states seen, 3010 requests')
    expect(element(xml, 'testsuite', 'name="explore shop"')).toContain('412 transitions, 57 states, 201 merged, 530 requests')
  })

  it('an exploration that failed before its first action: its invariants are skipped, not passed, and its case says the worst issue', () => {
    const shop = explorationRun().explorations![0]!
    const issue = (severity: 'info' | 'critical', error: string) => ({ journey: 'shop', path: '', step: 'setup', severity, kind: 'connection-refused' as const, error, source: 'runner', suggestion: '', timestamp: shop.startedAt })
    const failed = {
      ...shop,
      status: 'failed' as const,
      violations: [],
      stats: { ...shop.stats, transitions: 0 },
      // An info note first, as a prefix-replay exploration has one; the critical one failed it.
      issues: [issue('info', 'no state backend: each sequence is replayed from the root'), issue('critical', 'setup step "login" was refused a connection')],
    }
    const out = renderJUnit(explorationRun({ explorations: [failed] }))
    for (const name of ['no_5xx', 'request_error'])
      expect(element(out, 'testcase', `<testcase name="invariant ${name}" classname="explore.shop"`)).toContain(
        '<skipped message="not checked: the exploration failed before its first action (see its issues)"/>',
      )
    expect(element(out, 'testcase', '<testcase name="exploration" classname="explore.shop"')).toContain('<error message="setup step &quot;login&quot; was refused a connection"')
  })

  it('an interrupted exploration: unbroken invariants are skipped, not passed, and a violation never shrunk says so', () => {
    const shop = explorationRun().explorations![0]!
    const broken = shop.violations.find((v) => !v.flaky)!
    const unshrunk = { ...broken, foundLength: broken.sequence.length, reproduced: { attempts: 0, failures: 0 } }
    const out = renderJUnit(explorationRun({ explorations: [{ ...shop, interrupted: true, violations: [unshrunk] }] }))
    // The built-ins held on the part searched: skipped, saying why, where they would have passed.
    for (const name of ['no_5xx', 'request_error'])
      expect(element(out, 'testcase', `<testcase name="invariant ${name}" classname="explore.shop"`)).toContain(
        '<skipped message="the exploration was interrupted before its search finished: this invariant held on the part it searched"/>',
      )
    const failure = element(out, 'failure', `invariant "${unshrunk.invariant}"`)
    expect(failure).toContain(`Sequence as the search found it, not shrunk (${unshrunk.sequence.length} actions):`)
    expect(failure).not.toContain('Minimal sequence')
    expect(failure).toContain('Not confirmed from the root.')
    // Markdown heads it the same way (core's sequenceHeading).
    const md = renderMarkdown(explorationRun({ explorations: [{ ...shop, interrupted: true, violations: [unshrunk] }] }))
    expect(md).toContain('Sequence as the search found it, not shrunk:')
    expect(md).not.toContain('Minimal sequence')
  })

  it('heads a sequence whose shrinking a limit cut short as such, naming the limit, in JUnit and markdown', () => {
    const shop = explorationRun().explorations![0]!
    const broken = shop.violations.find((v) => !v.flaky)!
    const cut = { ...broken, shrinkLimit: { reason: 'attempts' as const, limit: 500 } }
    const run = explorationRun({ explorations: [{ ...shop, violations: [cut] }] })
    const failure = element(renderJUnit(run), 'failure', `invariant "${cut.invariant}"`)
    expect(failure).toContain(`Shrunk until its limit (500 replays), may not be minimal (${cut.sequence.length} actions, shrunk from ${cut.foundLength}):`)
    expect(failure).not.toContain('Minimal sequence')
    const md = renderMarkdown(run)
    expect(md).toContain('Shrunk until its limit (500 replays), may not be minimal:')
    expect(md).not.toContain('Minimal sequence')
    const timed = renderMarkdown(explorationRun({ explorations: [{ ...shop, violations: [{ ...cut, shrinkLimit: { reason: 'time', limit: 120_000 } }] }] }))
    expect(timed).toContain('Shrunk until its limit (120 s), may not be minimal:')
  })

  it('lists an exploration the interrupted run never started: failed, its invariants skipped, saying it did not run', () => {
    const shop = explorationRun().explorations![0]!
    const never: ExplorationResult = { ...explorationRun().explorations![1]!, status: 'failed', interrupted: true, notStarted: true, truncated: undefined }
    const out = renderJUnit(explorationRun({ interrupted: true, explorations: [{ ...shop, interrupted: true }, never] }))
    const suite = element(out, 'testsuite', 'name="explore catalog"')
    for (const name of ['no_5xx', 'request_error'])
      expect(element(suite, 'testcase', `<testcase name="invariant ${name}"`)).toContain('<skipped message="not run: the run was interrupted before it started"/>')
    expect(suite).toMatch(/<testcase name="exploration" [^>]*>\s*<error message="exploration not run: the run was interrupted before it started"/)
    expect(suite).toContain('<property name="notStarted" value="true"/>')
    expect(element(suite, 'system-out', 'exploration catalog')).not.toContain('transitions')
    // The run's own case speaks of what `venomqa explore` ran: explorations, not journeys it never had.
    expect(out).toMatch(
      /<testcase name="run interrupted" classname="venomqa.run"[^>]*>\s*<error message="the run was interrupted before it finished: an exploration cut short searched only part of its tree, and one it never started is not run"/,
    )
  })

  it('fails an exploration that could not run with an error case carrying its issue', () => {
    const broken: ExplorationResult = { ...explorationRun().explorations![1]!, status: 'failed', truncated: undefined, issues: [] }
    broken.issues.push({ journey: 'catalog', path: 'main', step: 'setup', severity: 'critical', kind: 'crash', error: 'setup failed: 503', suggestion: 'check the API', source: 'explore', timestamp: '' })
    const out = renderJUnit(explorationRun({ explorations: [broken] }))
    expect(out).toMatch(/<testcase name="exploration" classname="explore\.catalog" time="60\.050">\n\s+<error message="setup failed: 503" type="crash">/)
  })

  it('redacts every secret and leaves the journeys of a mixed run as they were', () => {
    expect(leakedExplorationSecrets(xml)).toEqual([])
    const mixed = sampleRun()
    mixed.explorations = explorationRun().explorations
    const out = renderJUnit(mixed)
    expect(out).toContain(renderJUnit(sampleRun()).split('\n').slice(2, -3).join('\n'))
    expect(out.match(/<testsuite /g)).toHaveLength(4)
  })
})

describe('markdown reporter on explorations', () => {
  const md = renderMarkdown(explorationRun())

  it('summarises explorations and violations, and a run of explorations only counts no journey', () => {
    expect(md).toContain('**Result:** ❌ failed · 2 explorations · 1 m 05 s')
    expect(md).toContain('| Explorations | 2 | 1 | 1 | - |')
    expect(md).not.toContain('| Journeys |')
    expect(md).toContain('**Violations:** 2 (1 flaky)')
    expect(md).toContain('| shop | ❌ failed | 2 (1 flaky) | 412 | 57 | 4.21 s |')
    expect(md).toContain('| catalog | ✅ passed (truncated) | 0 | 3000 | 3001 | 1 m 00 s |')
  })

  it('has a section per exploration: settings, stats, truncation, coverage, never-enabled actions, timings', () => {
    expect(md).toContain('### ❌ Exploration shop')
    expect(md).toContain('**Settings:** seed `1234` · strategy `dfs` · depth 5 · dedupe on')
    expect(md).toContain('| 412 | 57 | 201 | 530 | 118.4 | 5 | 4.21 s |')
    expect(md).toContain('**Settings:** seed `42` · strategy `bfs` · depth 8 · dedupe off')
    expect(md).toContain('> ⚠️ **Truncated:** the time budget of 1 m 00 s ran out before the search covered depth 8')
    expect(md).toContain('| refund_order | 82 | 90 | 30 |')
    expect(md).toContain('**Never enabled:** `delete_category` (their `when` allowed them in no state the search reached before it was cut short)')
    expect(md).toContain('| Rollback | postgres | 412 | 3.1 ms | 7.8 ms | 21 ms |')
    expect(md).toContain('| Observe | postgres | 413 | 1.2 ms | 2.9 ms | 9.0 ms |')
    expect(renderMarkdown(explorationRun({ explorations: [{ ...explorationRun().explorations![1]!, interrupted: true }] }))).toContain('> ⚠️ **Interrupted:**')
  })

  it('lists each violation with its minimal sequence as numbered requests, flaky flagged, the regression journey named', () => {
    expect(md).toContain(
      [
        '##### ❌ `stock_never_negative` (critical)',
        '',
        'product 7 has stock -1 after 2 orders &lt;b&gt;|oversold|&lt;/b&gt; (sent Bearer [REDACTED])',
        '',
        'Reproduced 3 of 3 attempts from the root · shrunk from 5 actions to 3 · regression journey `journeys/regressions/stock_never_negative-3f9a2c.journey.ts`',
        '',
        'Minimal sequence:',
        '',
        '1. **create_product** `{"name":"Lamp <script>","stock":1}` `POST http://127.0.0.1:4010/api/products → 201`',
        '2. **create_order** `{"productId":7}` `POST http://127.0.0.1:4010/api/products/7/orders → 201`',
        '3. **create_order** `{"productId":7}` `POST http://127.0.0.1:4010/api/products/7/orders → 201`',
      ].join('\n'),
    )
    expect(md).toContain('Reproduced 2 of 5 attempts from the root (flaky: it broke on some attempts only)')
  })

  it('heads a flaky violation with the cross of its failed exploration, as the console and JUnit fail it, not a warning sign', () => {
    expect(md).toContain('| shop | ❌ failed | 2 (1 flaky) |')
    expect(md).toContain('##### ❌ `no_5xx` (high) · **flaky**')
    expect(md).not.toContain('##### ⚠️')
  })

  it('lists an exploration the interrupted run never started, saying it did not run rather than that nothing broke', () => {
    const never: ExplorationResult = { ...explorationRun().explorations![1]!, status: 'failed', interrupted: true, notStarted: true, truncated: undefined }
    const out = renderMarkdown(explorationRun({ interrupted: true, explorations: [never], summary: summarize([], [], [never]) }))
    expect(out).toContain('| Explorations | 1 | 0 | 1 | - |')
    expect(out).toContain('| catalog | ❌ failed (interrupted, not run) |')
    const section = out.slice(out.indexOf('### ❌ Exploration catalog'))
    expect(section).toContain('> ⚠️ **Not run:** the run was interrupted before this exploration started.')
    expect(section).not.toContain('No invariant was broken.')
    expect(section).not.toContain('**Settings:**')
  })

  it('redacts, and escapes the control characters an API sent', () => {
    expect(leakedExplorationSecrets(md)).toEqual([])
    expect(md).not.toMatch(/[\u001b\u0007]/)
    // As the JSON body has them (\u001b), not escaped twice into a backslash the API never sent.
    expect(md).toContain('"note": "ok \\u001b[2J\\u001b]0;pwned\\u0007 | done"')
  })
})

describe('console reporter on explorations', () => {
  it('says a sequence whose shrinking a limit cut short may not be minimal, and names an exploration never started', async () => {
    const [shop, catalog] = explorationRun().explorations!
    const broken = shop!.violations.find((v) => !v.flaky)!
    const never: ExplorationResult = { ...catalog!, status: 'failed', interrupted: true, notStarted: true, truncated: undefined }
    const explorations = [{ ...shop!, violations: [{ ...broken, shrinkLimit: { reason: 'time' as const, limit: 120_000 } }] }, never]
    const text = await consoleText(explorationRun({ explorations, summary: summarize([], [], explorations) }))
    expect(text).toContain(`      ${broken.sequence.map((s) => sequenceStepText(s)).join(' → ')} (shrunk from ${broken.foundLength} until its limit (120 s), may not be minimal)`)
    expect(text).toContain('◇ exploration catalog interrupted not run: the run was interrupted before it started\n')
    expect(text).not.toContain('seed 42')
    expect(text).toContain('Explored  0 passed, 2 failed of 2')
  })

  it('prints each exploration and counts explorations and violations above the result', async () => {
    const text = await consoleText()
    expect(leakedExplorationSecrets(text)).toEqual([])
    expect(text).toContain('◇ exploration shop failed dfs, depth 5, seed 1234')
    expect(text).toContain('◇ exploration catalog passed bfs, depth 8, seed 42, no dedupe (truncated: time budget of 1 m 00 s used up)')
    // Merged, a state is expanded once; with no dedupe none is merged, and the count is of the distinct ones seen.
    expect(text).toContain('  412 transitions, 57 states (201 merged: states with one fingerprint are one state), 530 requests')
    expect(text).toContain('  3000 transitions, 3001 distinct states seen, ')
    expect(text).toContain('  ✗ no_5xx [high] flaky, reproduced 2/5')
    expect(text).toContain('      regression journey: journeys/regressions/stock_never_negative-3f9a2c.journey.ts')
    expect(text).toContain('  rollback: postgres p50 3.1 ms p95 7.8 ms, context p50 0.1 ms p95 0.2 ms')
    // catalog ran out of budget: an action not enabled in the states it reached may be further on.
    expect(text).toContain('  never enabled in the states reached before the search was cut short: delete_category\n')
    expect(text).not.toContain('Journeys ')
    expect(text.trimEnd().split('\n').slice(-6)).toEqual([
      'Explored  1 passed, 1 failed of 2, 2 violations (1 flaky), 1 cut short by a budget',
      'Issues    1 critical, 1 high',
      'State     postgres (snapshot)',
      'Duration  1 m 05 s',
      '',
      'Result: FAILED',
    ])
  })

  it("shows each step's input beside its action, compact, masked, and cut when long, in the console, JUnit and markdown", async () => {
    const run = explorationRun()
    const [stock, refund] = run.explorations![0]!.violations
    refund!.sequence[1]!.input = { orderId: 1, note: 'x'.repeat(200) }
    const text = await consoleText(run)
    expect(text).toContain('      create_product {"name":"Lamp <script>","stock":1} → create_order {"productId":7} → create_order {"productId":7} (shrunk from 5)')
    const cut = `refund_order {"orderId":1,"note":"${'x'.repeat(38)}\u2026`
    expect(text).toContain(`      login {"email":"ada@example.com","password":"[REDACTED]"} → ${cut}`)
    const xml = renderJUnit(run)
    expect(xml).toContain('  2. create_order {"productId":7}: POST http://127.0.0.1:4010/api/products/7/orders -> 201')
    expect(xml).toContain('  1. login {"email":"ada@example.com","password":"[REDACTED]"}: POST http://127.0.0.1:4010/api/auth/login -> 200')
    const md = renderMarkdown(run)
    expect(md).toContain('2. **create_order** `{"productId":7}` `POST http://127.0.0.1:4010/api/products/7/orders → 201`')
    expect(md).toContain(`2. **refund_order** \`{"orderId":1,"note":"${'x'.repeat(38)}\u2026\``)
    for (const out of [text, xml, md]) expect(leakedExplorationSecrets(out)).toEqual([])
    expect(stock!.sequence).toHaveLength(3)
  })

  it("says of an action whose when() threw that it threw, with the error, and lists it under no \"never enabled\"", async () => {
    const run = explorationRun()
    const catalog = run.explorations![1]!
    const threw = 'when() threw in the state at the root (before any action): Cannot read properties of undefined (reading \'lines\')'
    catalog.coverage = catalog.coverage.map((c) => (c.action === 'delete_category' ? { ...c, threw } : c))
    catalog.neverEnabled = []
    const said = `delete_category's ${threw}`
    const text = await consoleText(run)
    expect(text).toContain(`  ${said}\n`)
    expect(text).not.toContain('never enabled')
    expect(renderMarkdown(run)).toContain(`**Not explored:** delete_category's when() threw`)
    expect(element(renderJUnit(run), 'testsuite', 'name="explore catalog"')).toContain(said)
  })

  it('says an exploration that failed before its first action explored nothing, not "0 transitions, 1 state"', async () => {
    const run = explorationRun()
    const shop = run.explorations![0]!
    const stopped = { ...shop, violations: [], stats: { ...shop.stats, transitions: 0, states: 1, merged: 0, maxDepthReached: 0, transitionsPerSecond: 0 } }
    const text = await consoleText(explorationRun({ explorations: [stopped], summary: summarize([], [], [stopped]) }))
    expect(text).toContain('◇ exploration shop failed dfs, depth 5, seed 1234\n  explored nothing: it stopped before its first action (see its issues)\n')
    expect(text).not.toContain('0 transitions')
    // The Markdown report says it too, in place of a table of zero counts and a "No invariant was broken".
    const md = renderMarkdown(explorationRun({ explorations: [stopped], summary: summarize([], [], [stopped]) }))
    expect(md).toContain('> ❌ **Explored nothing:** it stopped before its first action (see its issues).')
    expect(md).toContain('| shop | ❌ failed (explored nothing) | 0 | - | - |')
    expect(md).not.toContain('| Transitions | States | Merged |')
    expect(md).not.toContain('No invariant was broken.')
  })

  it('a passing exploration run ends PASSED with no violation', async () => {
    const passed = explorationRun().explorations![1]!
    const text = await consoleText(explorationRun({ status: 'passed', explorations: [passed], summary: summarize([], [], [passed]) }))
    // catalog's time budget ran out: it passed what it explored, and the count says it was cut short.
    expect(text).toContain('Explored  1 passed of 1, 0 violations, 1 cut short by a budget')
    expect(text.trimEnd().endsWith('Result: PASSED')).toBe(true)
  })
})
