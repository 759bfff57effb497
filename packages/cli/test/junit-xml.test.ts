import { describe, expect, it } from 'vitest'
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

  it('the checker itself rejects what is not JUnit', () => {
    expect(checkJUnit('<testsuites><testsuite name="x"></testsuites>').problems[0]).toMatch(/not well-formed/)
    expect(checkJUnit('<testsuites tests="2" failures="0" errors="0"><testsuite name="a" tests="1" failures="0" errors="0" time="1" timestamp="2024-01-01T00:00:00" hostname="h"><testcase name="t" classname="c"/></testsuite></testsuites>').problems).toEqual([
      'a <testcase> needs time'.replace(/^/, '<testsuite name="a">: '),
      '<testsuites tests="2"> but its suites add up to 1',
    ])
  })
})
