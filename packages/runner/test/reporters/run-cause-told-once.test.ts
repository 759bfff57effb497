/**
 * A state backend that could not connect is one cause of every journey not run: each report tells it once,
 * naming the journeys not run for it, and counts it once. The Markdown report listed it three times under
 * "Critical (3)" for two journeys, and every summary said "3 critical" beside one cause.
 */
import { PassThrough } from 'node:stream'
import { definePlugin, journey, step } from '@venomqa/core'
import { describe, expect, it } from 'vitest'
import { createRunner } from '../../src/index'
import { runWithBackendDown as runWithBackendDownOf } from '@venomqa/fixtures'
import { createConsoleReporter } from '../../src/reporters/console'
import { renderJUnit } from '../../src/reporters/junit'
import { renderMarkdown } from '../../src/reporters/markdown'

const runWithBackendDown = () => runWithBackendDownOf(createRunner)

describe('a state backend that could not connect, in the reports', () => {
  it('is counted once in the summary: the journeys not run for it are not issues of their own', async () => {
    const run = await runWithBackendDown()
    expect(run.journeys.map((j) => j.notRun)).toEqual([true, true])
    expect(run.summary.issues).toMatchObject({ total: 1, critical: 1 })
  })

  it('Markdown: told once, with the journeys not run for it, under a count that matches', async () => {
    const md = renderMarkdown(await runWithBackendDown())
    expect(md.match(/connection refused at 127\.0\.0\.1:1/g)).toHaveLength(1)
    expect(md).toContain('**Issues:** 1 critical')
    expect(md).toContain('### Critical (1)')
    expect(md).toContain('- **Not run for it:** a, b')
  })

  it('JUnit: one error, the run\'s; each journey not run for it is a skipped case saying so, not an error of its own', async () => {
    const xml = renderJUnit(await runWithBackendDown())
    expect(xml).toMatch(/<testsuites name="venomqa" tests="5" failures="0" errors="1"/)
    for (const name of ['a', 'b']) {
      expect(xml).toMatch(new RegExp(`<testsuite name="${name}" [^>]*tests="2" failures="0" errors="0" skipped="2"`))
      expect(xml).toContain(`<testcase name="journey" classname="${name}" time="0.000">\n      <skipped message="not run: state backend &quot;db&quot; could not connect: connection refused at 127.0.0.1:1"/>`)
    }
    expect(xml).toMatch(/<testsuite name="run" [^>]*tests="1" failures="0" errors="1"/)
  })

  it('console: the count beside the one entry is 1', async () => {
    const stream = new PassThrough()
    const text = String(await createConsoleReporter({ stream, color: false }).render!(await runWithBackendDown(), {} as never))
    expect(text).toMatch(/^Issues {4}1 critical$/m)
    expect(text.match(/connection refused at 127\.0\.0\.1:1/g)).toHaveLength(1)
    expect(text).toContain('not run for it: 2 journeys: a, b')
  })
})

describe("a plugin's setup that hung, in the reports", () => {
  it('is told and counted once, with the journeys not run for it', async () => {
    const hangs = definePlugin({ name: 'hangs', version: '1.0.0', apiVersion: 1, setup: () => new Promise<void>(() => {}) })
    const runner = createRunner({ plugins: [hangs], pluginTimeout: 100 })
    const run = await runner.run([journey('a', { steps: [step('s', () => {})] }), journey('b', { steps: [step('s', () => {})] })])
    await runner.close()
    expect(run.summary.issues).toMatchObject({ total: 1, critical: 1 })
    const md = renderMarkdown(run)
    expect(md.match(/plugin "hangs" setup/g)).toHaveLength(1)
    expect(md).toContain('### Critical (1)')
    expect(md).toContain('- **Not run for it:** a, b')
  })
})
