import { mkdir, writeFile } from 'node:fs/promises'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type Project, assertBuilt, cliHost, makeProject } from './helpers/project'

/** This file's commands run in one process of the built CLI (see CliHost). */
const host = cliHost()

// `--reporter html:report.html` replaces the config's reporters, the console among them: a run that failed
// printed only the lines naming the files it wrote, and exit 1. The steps send no request (the base URL is
// given only to keep its warning out of stderr).
let p: Project

beforeAll(async () => {
  assertBuilt()
  p = await makeProject(null, {}, host)
  await mkdir(path.join(p.dir, 'journeys'), { recursive: true })
  await writeFile(
    path.join(p.dir, 'journeys/a.journey.mjs'),
    "import { journey, step } from '@venomqa/core'\n" +
      "export const ok = journey('ok', { steps: [step('one', () => {})] })\n" +
      "export const bad = journey('bad', { tags: ['bad'], steps: [step('one', () => { throw new Error('boom') })] })\n" +
      // Fails its first attempt and passes the journey retry: flaky. The count is odd at each first attempt
      // also when the module stays loaded from one run to the next.
      'let tries = 0\n' +
      "export const wobbly = journey('wobbly', { retries: 1, steps: [step('one', () => { if (++tries % 2 === 1) throw new Error('first try') })] })\n",
  )
})
afterAll(async () => {
  await p?.remove()
})

describe('a run whose reporters leave out the console', () => {
  it('that failed: one line on stderr says so, with the counts, after the files written', async () => {
    const r = await p.venomqa(['run', '--base-url', 'http://127.0.0.1:9', 'ok', 'bad', '-r', 'junit:out/junit.xml', '-r', 'json:out/results.json'])
    expect(r.code, r.stderr).toBe(1)
    expect(r.stdout).toBe('')
    expect(r.stderr).toBe(
      'venomqa: junit report written to out/junit.xml\n' +
        'venomqa: json report written to out/results.json\n' +
        'venomqa: Result: FAILED (journeys: 1 passed, 1 failed of 2; issues: 1 high): the reports written above say why (add --reporter console to print the summary here)\n',
    )
  })

  // The line left flaky journeys out of its counts: "1 passed, 1 failed of 3" did not add up, and a run that
  // --fail-on-flaky failed read "1 passed of 2; issues: none", with nothing to say why it failed.
  it('counts flaky journeys, as the console does', async () => {
    const all = await p.venomqa(['run', '--base-url', 'http://127.0.0.1:9', '-r', 'junit:out/junit.xml'])
    expect(all.code, all.stderr).toBe(1)
    expect(all.stderr).toContain('venomqa: Result: FAILED (journeys: 1 passed, 1 failed, 1 flaky of 3; issues: 1 high)')
    const onFlaky = await p.venomqa(['run', '--base-url', 'http://127.0.0.1:9', 'ok', 'wobbly', '--fail-on-flaky', '-r', 'junit:out/junit.xml'])
    expect(onFlaky.code, onFlaky.stderr).toBe(1)
    expect(onFlaky.stderr).toContain('venomqa: Result: FAILED (journeys: 1 passed, 1 flaky of 2; issues: none)')
  })

  it('that passed: nothing more than the files written', async () => {
    const r = await p.venomqa(['run', '--base-url', 'http://127.0.0.1:9', 'ok', '-r', 'junit:out/junit.xml'])
    expect(r.code, r.stderr).toBe(0)
    expect(r.stderr).toBe('venomqa: junit report written to out/junit.xml\n')
  })

  it('with the console: its own Result line, and no other', async () => {
    const r = await p.venomqa(['run', '--base-url', 'http://127.0.0.1:9', 'ok', 'bad', '-r', 'console', '-r', 'junit:out/junit.xml'])
    expect(r.code, r.stderr).toBe(1)
    expect(r.stdout).toContain('Result: FAILED')
    expect(r.stderr).not.toContain('Result:')
  })
})
