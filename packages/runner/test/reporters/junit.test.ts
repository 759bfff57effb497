import { describe, expect, it } from 'vitest'
import { renderJUnit } from '../../src/reporters'
import { leakedSecrets, sampleRun } from './sample-run'

/** The text of the element `tag` that opens at `marker`, up to its closing tag. */
function element(xml: string, tag: string, marker: string): string {
  const at = xml.indexOf(marker)
  return xml.slice(at, xml.indexOf(`</${tag}>`, at) + tag.length + 3)
}

// The JUnit output is parsed with a real XML parser and checked against the schema's shape in
// packages/cli/test/junit-xml.test.ts (the parser is a dev dependency there); these check content.
describe('junit reporter', () => {
  const xml = renderJUnit(sampleRun())

  it('has one testsuite per journey and a testcase per step and per path: a failed step is one failure, not one more for its path', () => {
    expect(xml.match(/<testsuite /g)).toHaveLength(2)
    // checkout: login, good_card > pay, path good_card, bad_card > pay (failed), bad_card > receipt (skipped);
    // path bad_card failed for its step only, which is the failure told: it was a second one for one fault.
    expect(xml).toContain('tests="5" failures="1" errors="0" skipped="1"')
    expect(xml).toContain('<testcase name="good_card &gt; pay" classname="checkout &lt;&amp;&gt;"')
    expect(xml).toContain('<testcase name="path good_card"')
    expect(xml).not.toContain('<testcase name="path bad_card"')
    expect(xml).toMatch(/<testsuites name="venomqa" tests="6" failures="1" errors="0" time="2.005">/)
  })

  it('puts the request and response in the failure, redacted', () => {
    const failure = xml.slice(xml.indexOf('<failure'), xml.indexOf('</failure>'))
    expect(failure).toContain('POST http://127.0.0.1:3000/api/pay?token=[REDACTED]')
    expect(failure).toContain('authorization: [REDACTED]')
    expect(failure).toContain('HTTP 402')
    expect(failure).toContain('Suggestion:')
    expect(leakedSecrets(xml)).toEqual([])
  })

  it('escapes markup and drops characters XML cannot hold', () => {
    expect(xml).not.toContain('\u0001')
    expect(xml).toContain(']]]]><![CDATA[>')
    expect(xml).not.toMatch(/name="[^"]*<[^"]*"/)
  })

  it('turns a journey that failed without a failed step into an error testcase', () => {
    const run = sampleRun()
    const j = run.journeys[1]!
    j.status = 'failed'
    j.issues.push({ journey: 'health', path: 'main', step: '', severity: 'critical', kind: 'crash', error: 'runner crashed', suggestion: 's', source: 'runner', timestamp: run.startedAt })
    const out = renderJUnit(run)
    expect(out).toContain('<testcase name="journey" classname="health"')
    expect(out).toContain('<error message="runner crashed" type="crash">')
    // Its detail names the journey, as the console places an issue: the main path left out.
    expect(out).toContain('<![CDATA[[critical] health: runner crashed')
  })

  it('names the journey in an issue\'s detail line, as the console places it', () => {
    const out = xml.slice(xml.indexOf('<system-out>'), xml.indexOf('</system-out>'))
    expect(out).toContain('[high] checkout <&> › bad_card › pay: POST /api/pay answered 402')
  })

  it("says which worker ran a failed path and its failed step, when the branch's paths ran on workers", () => {
    const run = sampleRun()
    const branch = run.journeys[0]!.nodes.find((n) => n.kind === 'branch')!
    if (branch.kind !== 'branch') throw new Error('no branch')
    expect(renderJUnit(run)).not.toContain('Ran on worker')
    branch.rollbackBeforeWorkers = { durationMs: 1, backends: [] }
    branch.paths[1]!.worker = 2
    const out = renderJUnit(run)
    expect(element(out, 'testcase', '<testcase name="bad_card &gt; pay"')).toMatch(/http-status: 402 Payment Required \(Bearer \[REDACTED\]\)\nRan on worker 2\.\n/)
    // The path on the run's own app passed: a passed testcase has no text to say it in.
    expect(out).not.toContain('worker 0')
  })

  it('says interrupted in the suite name of an interrupted run', () => {
    expect(renderJUnit(sampleRun({ interrupted: true }))).toContain('<testsuites name="venomqa (interrupted)"')
  })
})

describe('junit reporter, a run failed by its flaky journeys (--fail-on-flaky)', () => {
  it('says the run failed, as its exit code does: a flaky journey alone is a passing testcase', async () => {
    const { createRunner } = await import('../../src/index')
    const { journey, step } = await import('@venomqa/core')
    let attempts = 0
    const flaky = journey('flaky_one', {
      retries: 1,
      steps: [
        step('sometimes', () => {
          if (++attempts === 1) throw new Error('first attempt fails')
        }),
      ],
    })
    const runner = createRunner({ failOnFlaky: true })
    const run = await runner.run(flaky)
    await runner.close()
    expect(run.status).toBe('failed')
    expect(run.journeys[0]!.status).toBe('flaky')
    const xml = renderJUnit(run)
    // The journey's case passes, holding its failed attempt; the run's own case fails, saying why.
    expect(xml).toMatch(/<testsuites name="venomqa" tests="\d+" failures="1" errors="0"/)
    expect(xml).toMatch(/<testcase name="run failed" classname="venomqa\.run"[^>]*>\s*<failure message="1 journey is flaky \(flaky_one\), and the run fails on a flaky journey \(--fail-on-flaky\)" type="flaky"/)
  })
})

describe('junit reporter, an issue of the run', () => {
  const issue = (place: { journey: string; path: string; step: string }, source = 'runner') => ({
    ...place,
    severity: 'high' as const,
    kind: 'state' as const,
    error: 'GET http://127.0.0.1:3000/slow got no answer after its step stopped (it is given 1000 ms): if the app still acts on it, that is not rolled back',
    suggestion: 's',
    source,
    timestamp: '2026-12-01T10:00:00.000Z',
  })

  it('names the journey, path and step it names, as the console places it (the main path left out)', () => {
    const run = sampleRun()
    run.issues.push(issue({ journey: 'orders', path: 'pay', step: 'charge' }), issue({ journey: 'signup', path: 'main', step: 'create' }), issue({ journey: 'orders', path: 'pay > card', step: 'charge' }))
    const xml = renderJUnit(run)
    expect(xml).toContain('<testcase name="runner: orders › pay › charge" classname="venomqa.run"')
    expect(xml).toContain('<testcase name="runner: signup › create" classname="venomqa.run"')
    expect(xml).toContain('<testcase name="runner: orders › pay &gt; card › charge" classname="venomqa.run"')
    expect(xml).toMatch(/<testsuite name="run"[^>]* tests="3" failures="0" errors="3"/)
  })

  it('keeps an issue that names no place as it was: its source and its step, or its kind', () => {
    const run = sampleRun()
    run.issues.push(issue({ journey: '', path: '', step: 'run' }), issue({ journey: '', path: '', step: 'setup' }, 'plugin:audit'), issue({ journey: '', path: '', step: '' }, 'state'))
    const xml = renderJUnit(run)
    expect(xml).toContain('<testcase name="runner: run" classname="venomqa.run"')
    expect(xml).toContain('<testcase name="plugin:audit: setup" classname="venomqa.run"')
    expect(xml).toContain('<testcase name="state: state" classname="venomqa.run"')
  })
})
