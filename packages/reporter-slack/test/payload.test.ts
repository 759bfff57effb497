import { ConfigError, type JourneyResult, makeIssue, summarize } from '@venomqa/core'
import { describe, expect, it } from 'vitest'
import { type Block, buildSlackPayload, escapeMrkdwn, parseSlackOptions, failuresOf } from '../src/index'
import { fitMrkdwn, fitPlain } from '../src/block-kit'
import { explorationRun, leakedExplorationSecrets } from '@venomqa/fixtures'
import { checkBlockKit } from './block-kit-check'
import { failingRun, journey, passingRun, run, step } from './fixtures'

const textOf = (b: Block | undefined): string => {
  if (!b) return ''
  if (b.type === 'header') return b.text.text
  if (b.type === 'section') return [b.text?.text ?? '', ...(b.fields ?? []).map((f) => f.text)].join('\n')
  if (b.type === 'context') return b.elements.map((e) => e.text).join('\n')
  if (b.type === 'actions') return b.elements.map((e) => `${e.text.text} ${e.url}`).join('\n')
  return ''
}

describe('buildSlackPayload', () => {
  it('builds valid Block Kit for a failing run: status, counts, worst failures with suggestions, report link, duration', () => {
    const payload = buildSlackPayload(failingRun(), { reportUrl: 'https://ci.example.com/runs/42/report.html' })
    expect(checkBlockKit(payload)).toEqual([])
    const [header, fields, divider, title, first, second, actions, context] = payload.blocks
    expect(header).toEqual({ type: 'header', text: { type: 'plain_text', text: ':x: VenomQA: 2 of 3 journeys failed', emoji: true } })
    expect(fields?.type === 'section' && fields.fields?.map((f) => f.text)).toEqual([
      '*Journeys*\n1 passed \u00b7 2 failed (of 3)',
      '*Steps*\n4 passed \u00b7 2 failed (of 6)',
      '*Paths*\nnone',
      '*Issues*\n1 critical \u00b7 1 high',
    ])
    expect(divider).toEqual({ type: 'divider' })
    expect(textOf(title)).toBe('*Top failing steps* (2 of 2)')
    // Critical first, though it came second in the run.
    expect(textOf(first)).toBe(
      ':red_circle: *quota* \u203a *create_sixth* `500`\n>POST /api/create_sixth answered 500\n_Server error: read the API\'s logs for the stack trace; the request in this issue reproduces it._',
    )
    expect(textOf(second)).toMatch(/^:large_orange_circle: \*checkout\* › \*pay\* `409`\n>POST \/api\/pay answered 409\n_Conflict: /)
    expect(actions).toMatchObject({ type: 'actions', elements: [{ type: 'button', url: 'https://ci.example.com/runs/42/report.html', style: 'danger' }] })
    expect(textOf(context)).toBe('Duration *1.2 s* \u00b7 started 2025-03-01T10:00:00.000Z \u00b7 venomqa 0.1.0 \u00b7 state: postgres (snapshot)')
    // Its place and why: the fallback text is what a notification shows.
    expect(payload.text).toBe('VenomQA: 2 of 3 journeys failed: 2 failed steps, 2 issues, 1.2 s. First: quota \u203a create_sixth: POST /api/create_sixth answered 500')
  })

  it("places each failure as the console does: the main path left out, a nested path whole, a repetition named, an issue of no place by its source", () => {
    const issue = (journey: string, path: string, step: string, source = 'step') =>
      makeIssue({ journey, path, step, severity: 'high', kind: 'http-status', error: 'answered 409', source })
    const paid = journey('checkout', [step('pay')], false)
    paid.issues = [issue('checkout', 'card > retry', 'pay')]
    const repeats = [0, 1].map((repeatEachIndex): JourneyResult => ({ ...journey('refund', [step('ask', 'failed', 409)]), repeatEachIndex }))
    const payload = buildSlackPayload(
      run([paid, ...repeats], { issues: [issue('', '', '', 'state'), issue('', 'main', 'setup memory', 'plugin:memory')] }),
      { maxFailures: 10 },
    )
    const places = payload.blocks.map(textOf).filter((t) => t.startsWith(':large_orange_circle:')).map((t) => t.split('\n')[0])
    expect(places).toEqual([
      ':large_orange_circle: *checkout* \u203a *card &gt; retry* \u203a *pay*',
      ':large_orange_circle: *refund (repeat #1)* \u203a *ask* `409`',
      ':large_orange_circle: *refund (repeat #2)* \u203a *ask* `409`',
      ':large_orange_circle: *state*',
      ':large_orange_circle: *setup memory*',
    ])
    expect(payload.text).toMatch(/\. First: checkout \u203a card &gt; retry \u203a pay: answered 409$/)
    // The first failure of no place is named by its source there too.
    expect(buildSlackPayload(run([journey('todos', [step('list')])], { status: 'failed', issues: [issue('', '', '', 'state')] })).text).toMatch(/\. First: state: answered 409$/)
  })

  it("gives the first failure's error in the text on one line, cut short, its markup escaped once", () => {
    const long = `expected <!channel> & 201\n  got 500: ${'x'.repeat(400)}`
    const { text } = buildSlackPayload(run([journey('checkout', [step('pay', 'failed', 500, long)])]))
    const first = text.slice(text.indexOf('. First: ') + '. First: '.length)
    expect(first).toMatch(/^checkout \u203a pay: expected &lt;!channel&gt; &amp; 201 got 500: x+\u2026$/)
    // 200 characters of the error, before its markup is escaped.
    expect(first.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&').length).toBe('checkout \u203a pay: '.length + 200)
  })

  it('counts one failed step and one issue in the singular', () => {
    const payload = buildSlackPayload(run([journey('checkout', [step('login'), step('pay', 'failed', 409)])], { durationMs: 800 }))
    expect(payload.text).toBe('VenomQA: 1 of 1 journey failed: 1 failed step, 1 issue, 800 ms. First: checkout \u203a pay: POST /api/pay answered 409')
  })

  it('counts and names flaky journeys: a run they pass, and one --fail-on-flaky fails for them', () => {
    const flaky = (name: string): JourneyResult => ({ ...journey(name, [step('s')]), status: 'flaky', attempt: 2 })
    const journeys = [journey('todos', [step('list')]), flaky('payments'), journey('quota', [step('sixth', 'failed', 500)])]
    const mixed = buildSlackPayload(run(journeys))
    expect(checkBlockKit(mixed)).toEqual([])
    expect(textOf(mixed.blocks[0])).toBe(':x: VenomQA: 1 of 3 journeys failed, 1 flaky')
    expect(textOf(mixed.blocks[1])).toContain('*Journeys*\n1 passed \u00b7 1 failed \u00b7 1 flaky (of 3)')
    expect(mixed.blocks.map(textOf).join('\n')).toContain(':warning: Flaky (failed, then passed on a retry): *payments*')
    // Flaky counts as passed: the run passes, and the flaky one is still named.
    const passing = buildSlackPayload(run([flaky('payments')], { status: 'passed' }))
    expect(textOf(passing.blocks[0])).toBe(':white_check_mark: VenomQA: the journey passed (1 flaky: passed on a retry)')
    expect(passing.blocks.map(textOf).join('\n')).toContain('*payments*')
    // --fail-on-flaky: failed, with no failed journey, for the flaky one.
    const failed = buildSlackPayload(run([flaky('payments')], { status: 'failed' }))
    expect(checkBlockKit(failed)).toEqual([])
    expect(textOf(failed.blocks[0])).toBe(':x: VenomQA: 1 of 1 journey flaky, which fails the run (--fail-on-flaky)')
    expect(failed.text).not.toContain('0 of 1 journey failed')
    // Failed by an issue of the run itself, not by --fail-on-flaky: said so.
    const stray = makeIssue({ journey: '', path: '', step: 'run', severity: 'critical', kind: 'stray-error', error: 'a timer threw', source: 'runner' })
    const byIssue = buildSlackPayload(run([flaky('payments')], { status: 'failed', issues: [stray] }))
    expect(textOf(byIssue.blocks[0])).toBe(':x: VenomQA: the run failed: 1 issue of the run itself, 1 flaky')
  })

  it('builds a short valid message for a passing run, without a button when no report URL is set', () => {
    const payload = buildSlackPayload(passingRun(), { title: 'Nightly API' })
    expect(checkBlockKit(payload)).toEqual([])
    expect(textOf(payload.blocks[0])).toBe(':white_check_mark: Nightly API: all 2 journeys passed')
    expect(payload.blocks.map((b) => b.type)).toEqual(['header', 'section', 'context'])
  })

  it('gives a run of explorations one line per exploration, with its violations and flaky ones, and no secret', () => {
    const payload = buildSlackPayload(explorationRun())
    expect(checkBlockKit(payload)).toEqual([])
    expect(leakedExplorationSecrets(JSON.stringify(payload))).toEqual([])
    const [header, fields, lines] = payload.blocks
    expect(textOf(header)).toBe(':x: VenomQA: 1 of 2 explorations failed')
    expect(fields?.type === 'section' && fields.fields?.map((f) => f.text)).toEqual(['*Explorations*\n1 passed \u00b7 1 failed (of 2)', '*Violations*\n2 (1 flaky)', '*Issues*\n1 critical \u00b7 1 high'])
    expect(textOf(lines).split('\n')).toEqual([
      ':x: *shop* \u00b7 2 violations (1 flaky): `stock_never_negative`, `no_5xx` \u00b7 412 transitions, 57 states',
      // catalog ran with dedupe off: nothing merged, the count is of the distinct states seen.
      ':white_check_mark: *catalog* \u00b7 no violation \u00b7 3000 transitions, 3001 distinct states seen \u00b7 truncated (time budget)',
    ])
    expect(payload.text).toBe('VenomQA: 1 of 2 explorations failed: 2 violations, 2 issues, 1 min 5 s')
  })

  it('says an exploration the interrupted run never started did not run, not that it found no violation', () => {
    const [shop, catalog] = explorationRun().explorations!
    const explorations = [{ ...shop!, interrupted: true }, { ...catalog!, status: 'failed' as const, interrupted: true, notStarted: true, truncated: undefined }]
    const payload = buildSlackPayload(explorationRun({ interrupted: true, explorations, summary: summarize([], [], explorations) }))
    expect(checkBlockKit(payload)).toEqual([])
    expect(textOf(payload.blocks[0])).toBe(':warning: VenomQA: run interrupted, 2 of 2 explorations failed')
    expect(textOf(payload.blocks[2]).split('\n')).toEqual([
      ':warning: *shop* \u00b7 2 violations (1 flaky): `stock_never_negative`, `no_5xx` \u00b7 412 transitions, 57 states \u00b7 interrupted',
      ':warning: *catalog* \u00b7 not run: the run was interrupted before it started',
    ])
  })

  it("names an exploration's own issues (its setup failed), with their place, on its line, among the failures and in the text", () => {
    const [shop, catalog] = explorationRun().explorations!
    const login = { method: 'POST', url: 'http://127.0.0.1:4010/api/auth/login', headers: { authorization: 'Bearer sk_live_setupLEAK123456' }, body: { email: 'a@shop.test', password: 'setup-pw-LEAK-4411' } }
    // As runSetup raises it: placed at the setup path and the step, with the exchange that failed.
    const setupFailed = makeIssue({
      journey: 'catalog',
      path: 'setup',
      step: 'log_in',
      severity: 'critical',
      kind: 'http-status',
      error: 'setup step "log_in" failed, so nothing was explored: POST /api/auth/login answered 500 for password setup-pw-LEAK-4411',
      source: 'step',
      request: login,
      response: { status: 500, headers: {}, body: { error: 'db down' } },
    })
    // An info issue tells, it does not fail: left out as a journey's is.
    const noState = makeIssue({ journey: 'catalog', path: '', step: 'state', severity: 'info', kind: 'state', error: 'no state backend: nothing is rolled back', source: 'explore' })
    const stopped = { ...catalog!, status: 'failed' as const, truncated: undefined, stats: { ...catalog!.stats, transitions: 0, states: 0, requests: 1 }, issues: [noState, setupFailed] }
    const explorations = [shop!, stopped]
    const payload = buildSlackPayload(explorationRun({ explorations, summary: summarize([], [], explorations) }))
    expect(checkBlockKit(payload)).toEqual([])
    const all = JSON.stringify(payload)
    expect(all).not.toContain('setup-pw-LEAK-4411')
    expect(all).not.toContain('sk_live_setupLEAK123456')
    expect(all).not.toContain('nothing is rolled back')
    // The line says why it failed: the issue's place within the exploration and its error.
    expect(textOf(payload.blocks[2]).split('\n')[1]).toMatch(
      /^:x: \*catalog\* \u00b7 no violation \u00b7 0 transitions, 0 distinct states seen \u00b7 1 issue: \*setup\* \u203a \*log_in\*: setup step "log_in" failed, so nothing was explored: POST \/api\/auth\/login answered 500 for password \[REDACTED\]$/,
    )
    // Among the failures, placed as the console places it, with its suggestion; a violation's issue is not one
    // (it is on the exploration's line, with its invariant).
    const failures = payload.blocks.map(textOf).filter((t) => /^:(red|large_orange)_circle:/.test(t))
    expect(failures).toHaveLength(1)
    expect(failures[0]).toMatch(/^:red_circle: \*catalog\* \u203a \*setup\* \u203a \*log_in\* `500`\n>setup step "log_in" failed, so nothing was explored: /)
    expect(failures[0]).toContain('_Server error: ')
    expect(payload.text).toBe(
      'VenomQA: 2 of 2 explorations failed: 2 violations, 4 issues, 1 min 5 s. First: catalog \u203a setup \u203a log_in: setup step "log_in" failed, so nothing was explored: POST /api/auth/login answered 500 for password [REDACTED]',
    )
  })

  it("cuts a long list of an exploration's issues with how many more, and stays within Block Kit's limits", () => {
    const [shop, catalog] = explorationRun().explorations!
    const hostile = '<!channel> & *bold* '
    const issues = Array.from({ length: 40 }, (_, n) =>
      makeIssue({ journey: 'catalog', path: '', step: `worker ${n} ${hostile}${'w'.repeat(400)}`, severity: 'critical', kind: 'state', error: `${hostile}${'e'.repeat(5000)}`, source: 'state' }),
    )
    const explorations = Array.from({ length: 12 }, (_, k) => ({ ...catalog!, name: `catalog_${k}`, status: 'failed' as const, issues: issues.map((i) => ({ ...i, journey: `catalog_${k}` })) }))
    const payload = buildSlackPayload(explorationRun({ explorations: [shop!, ...explorations], summary: summarize([], [], [shop!, ...explorations]) }), { maxFailures: 20 })
    expect(checkBlockKit(payload)).toEqual([])
    const lines = textOf(payload.blocks[2]).split('\n')
    expect(lines[1]).toMatch(/ and 37 more issues$/)
    expect(lines.at(-1)).toMatch(/^\u2026 and \d+ more explorations in the report\.$/)
    expect(payload.text.length).toBeLessThanOrEqual(4000)
  })

  it('adds the explorations to the counts of a run that has journeys too', () => {
    const r = failingRun()
    r.explorations = explorationRun().explorations
    r.summary = summarize(r.journeys, r.issues, r.explorations)
    const payload = buildSlackPayload(r)
    expect(checkBlockKit(payload)).toEqual([])
    expect(textOf(payload.blocks[0])).toBe(':x: VenomQA: 2 of 3 journeys failed')
    const fields = payload.blocks[1]
    expect(fields?.type === 'section' && fields.fields?.map((f) => f.text.split('\n')[0])).toEqual(['*Journeys*', '*Steps*', '*Paths*', '*Explorations*', '*Violations*', '*Issues*'])
    expect(textOf(payload.blocks[2])).toContain('*shop* \u00b7 2 violations (1 flaky)')
  })

  it('says when the run was interrupted', () => {
    const payload = buildSlackPayload(run([journey('a', [step('x')])], { interrupted: true, status: 'failed' }))
    expect(checkBlockKit(payload)).toEqual([])
    expect(textOf(payload.blocks[0])).toBe(':warning: VenomQA: run interrupted, 0 of 1 journey failed')
  })

  it('stays within every Block Kit limit for a huge run with hostile names', () => {
    const long = 'n'.repeat(5000)
    const hostile = '<!channel> <https://evil.example|click me> & *bold*'
    const journeys = Array.from({ length: 80 }, (_, i) =>
      journey(`${hostile} ${long} ${i}`, [step(`${hostile}${long}`, 'failed', 500, `${hostile} Bearer sk_live_123456 ${'e'.repeat(20_000)}`)]),
    )
    const payload = buildSlackPayload(run(journeys), { title: `${hostile}${long}`, maxFailures: 20, reportUrl: 'https://x.example/r' })
    expect(checkBlockKit(payload)).toEqual([])
    expect(payload.blocks.length).toBeLessThanOrEqual(50)
    // mrkdwn (and the notification text) would turn <!channel> into a mention: escaped there.
    // plain_text is shown as is, never parsed, so the header keeps the title literally.
    const markup = [payload.text, ...payload.blocks.filter((b) => b.type !== 'header').map(textOf)].join('\n')
    expect(markup).not.toContain('<!channel>')
    expect(markup).toContain('&lt;!channel&gt;')
    expect(textOf(payload.blocks[0]).startsWith(':x: <!channel>')).toBe(true)
    expect(JSON.stringify(payload)).not.toContain('sk_live_123456')
    expect(textOf(payload.blocks.at(-3))).toBe('\u2026 and 60 more. The full list is in the report.')
  })

  it('lists failed steps that raised no issue, with a suggestion from their status', () => {
    const r = run([journey('silent', [step('a', 'failed', 404)], false)])
    const failures = failuresOf(r)
    expect(failures).toEqual([expect.objectContaining({ journey: 'silent', step: 'a', status: 404, suggestion: expect.stringMatching(/^Not found/) })])
    expect(checkBlockKit(buildSlackPayload(r))).toEqual([])
  })

  it('puts run-level issues (no step) in the list too', () => {
    const r = failingRun()
    r.issues.push(makeIssue({ journey: '', path: 'main', step: 'runEnd', severity: 'critical', kind: 'hook', error: 'plugin x threw', source: 'plugin:x' }))
    const failures = failuresOf(r)
    expect(failures.map((f) => f.step)).toEqual(['create_sixth', 'runEnd', 'pay'])
    expect(failures[1]).toMatchObject({ journey: '', severity: 'critical', suggestion: expect.stringMatching(/plugin hook threw/) })
  })

  it('leaves info issues out: they tell, they do not fail', () => {
    const r = failingRun()
    r.issues.push(makeIssue({ journey: '', path: 'main', step: 'state', severity: 'info', kind: 'state', error: 'no state backend: nothing is rolled back', source: 'runner' }))
    expect(failuresOf(r).map((f) => f.step)).toEqual(['create_sixth', 'pay'])
  })
})

describe('text fitting', () => {
  it('escapes &, < and > and never cuts an entity or a surrogate pair in half', () => {
    expect(escapeMrkdwn('a & <b> c')).toBe('a &amp; &lt;b&gt; c')
    const fitted = fitMrkdwn('&'.repeat(100), 50)
    expect(fitted.length).toBeLessThanOrEqual(50)
    expect(fitted).toMatch(/^(&amp;)+\u2026$/)
    const emoji = fitPlain('\u{1F600}'.repeat(100), 11)
    expect(emoji.length).toBeLessThanOrEqual(11)
    expect(emoji).toBe(`${'\u{1F600}'.repeat(5)}\u2026`)
  })
})

describe('options', () => {
  it('refuses bad options, naming the key', () => {
    expect(() => parseSlackOptions({ onlyOnFailure: 'yes' })).toThrow(ConfigError)
    expect(() => parseSlackOptions({ onlyOnFailure: 'yes' })).toThrow('reporters.slack.onlyOnFailure: expected true or false, got "yes"')
    expect(() => parseSlackOptions({ maxAttempts: 0 })).toThrow('reporters.slack.maxAttempts: expected a whole number from 1 to 10, got 0')
    expect(() => parseSlackOptions({ reportUrl: 'javascript:alert(1)' })).toThrow('reporters.slack.reportUrl: expected an http(s) URL')
    expect(() => parseSlackOptions({ webhook: 'x' })).toThrow('reporters.slack.webhook: unknown option')
    // Posted to the channel: no password in it, and the error does not repeat it.
    const err = (() => {
      try {
        parseSlackOptions({ reportUrl: 'https://ci:RptPass-LEAK25@reports.example.com/run/1' })
      } catch (e) {
        return e as Error
      }
    })()
    expect(err?.message).toMatch(/^reporters\.slack\.reportUrl: expected a link without user:password@/)
    expect(err?.message).not.toContain('RptPass')
    expect(parseSlackOptions({ reportUrl: 'https://reports.example.com/run/1?X-Amz-Signature=abc' }).reportUrl).toContain('X-Amz-Signature')
  })
})
