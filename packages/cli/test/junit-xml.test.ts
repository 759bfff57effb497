import { describe, expect, it } from 'vitest'
import { explorationRun } from '@venomqa/fixtures'
import { renderJUnit } from '@venomqa/runner'
import { sampleRun } from './helpers/sample-run'
import { checkJUnit } from './helpers/junit-shape'

// The junit reporter's output through a real XML parser, against the JUnit schema's shape. The same
// check runs on the file a real `venomqa run` writes, in e2e.test.ts.
describe('JUnit XML from the junit reporter', () => {
  it('parses and has the JUnit shape, with markup and control characters from the API made safe', async () => {
    const { problems, suites } = checkJUnit(renderJUnit(await sampleRun()))
    expect(problems).toEqual([])
    expect(suites.map((s) => s.name)).toEqual(['checkout <&>', 'health'])
    const failure = suites[0]!.cases.find((c) => c.outcome === 'failure')!
    expect(failure.name).toBe('bad_card > pay')
    expect(failure.text).toContain('"error": "card <declined> & \\"refused\\" ]]>')
    expect(failure.text).toContain('authorization: [REDACTED]')
  })

  it('has the JUnit shape for explorations: a case per invariant, a flaky violation failing its case as a confirmed one does', () => {
    const { problems, suites } = checkJUnit(renderJUnit(explorationRun()))
    expect(problems).toEqual([])
    expect(suites.map((s) => [s.name, s.tests, s.failures])).toEqual([
      ['explore shop', 3, 2],
      ['explore catalog', 2, 0],
    ])
    const [no5xx, requestError, stock] = suites[0]!.cases
    expect(no5xx).toMatchObject({ name: 'invariant no_5xx', outcome: 'failure', flaky: [] })
    expect(no5xx!.text).toContain('Reproduced 2 of 5 attempts from the root (flaky).')
    expect(requestError).toMatchObject({ name: 'invariant request_error', outcome: 'passed', flaky: [] })
    expect(stock!.outcome).toBe('failure')
    expect(stock!.text).toContain('  3. create_order {"productId":7}: POST http://127.0.0.1:4010/api/products/7/orders -> 201')
    expect(suites[1]!.systemOut).toContain('truncated: the time budget of 1 m 00 s ran out')
  })

  it('the checker itself rejects what is not JUnit', () => {
    expect(checkJUnit('<testsuites><testsuite name="x"></testsuites>').problems[0]).toMatch(/not well-formed/)
    expect(checkJUnit('<testsuites tests="2" failures="0" errors="0"><testsuite name="a" tests="1" failures="0" errors="0" time="1" timestamp="2024-01-01T00:00:00" hostname="h"><testcase name="t" classname="c"/></testsuite></testsuites>').problems).toEqual([
      'a <testcase> needs time'.replace(/^/, '<testsuite name="a">: '),
      '<testsuites tests="2"> but its suites add up to 1',
    ])
    const suite = (testcase: string) => `<testsuites tests="1" failures="0" errors="0"><testsuite name="a" tests="1" failures="0" errors="0" time="1" timestamp="2024-01-01T00:00:00" hostname="h">${testcase}</testsuite></testsuites>`
    expect(checkJUnit(suite('<testcase name="t" classname="c" time="0"><flakyFailure message="m"><stackTrace>x</stackTrace></flakyFailure></testcase>')).problems).toEqual(['<testsuite name="a">: <flakyFailure> needs type'])
    expect(checkJUnit(suite('<testcase name="t" classname="c" time="0"><rerun/></testcase>')).problems).toEqual(['<testsuite name="a">: <testcase name="t"> may not hold <rerun>'])
  })
})
