import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type Project, projectWithJourneys } from './helpers/project'

// `venomqa run -r json:- | jq`: a report printed to stdout is all stdout holds. A step's console.log, and
// the command's own last words, went to stdout too, in the middle of the JSON or ahead of the XML
// declaration, and the reader of the pipe could not parse the report.
let p: Project

beforeAll(async () => {
  p = await projectWithJourneys({
    'logs.journey.mjs': [
      "import { journey, step } from '@venomqa/core'",
      "export default journey('logs', { steps: [step('says_something', () => { console.log('debug: got here'); process.stdout.write('raw write\\n') })] })",
      '',
    ].join('\n'),
  })
})
afterAll(async () => {
  await p?.remove()
})

describe('a report printed to stdout', () => {
  it('json and junit: stdout holds the report alone, what the steps print goes to stderr', async () => {
    const json = await p.venomqa(['run', '-r', 'json:-'])
    expect(json.code, json.stderr).toBe(0)
    expect(JSON.parse(json.stdout)).toMatchObject({ status: 'passed' })
    expect(json.stderr).toContain('debug: got here\n')
    expect(json.stderr).toContain('raw write\n')
    const junit = await p.venomqa(['run', '-r', 'junit:-'])
    expect(junit.code, junit.stderr).toBe(0)
    expect(junit.stdout.startsWith('<?xml')).toBe(true)
    expect(junit.stdout).not.toContain('debug: got here')
  })

  it('the console, which prints to stdout live, keeps a step\'s lines beside its own', async () => {
    const run = await p.venomqa(['run'])
    expect(run.code).toBe(0)
    expect(run.stdout).toContain('debug: got here')
  })
})
