/**
 * A state backend that could not connect is one cause of every journey not run: the page lists it once,
 * naming the journeys not run for it, as the count beside it says. It listed it once per journey and once
 * for the run, under "Critical 1" (then "3 critical") beside three entries alike.
 */
import { createRunner } from '@venomqa/runner'
import { runWithBackendDown as runWithBackendDownOf } from '@venomqa/fixtures'
import { describe, expect, it } from 'vitest'
import { buildPageModel, renderHtml, resolveHtmlOptions } from '../src/index'

const runWithBackendDown = () => runWithBackendDownOf(createRunner)

describe('a state backend that could not connect, in the HTML report', () => {
  it('is one issue of the page, naming the journeys not run for it, and the count says 1', async () => {
    const data = buildPageModel(await runWithBackendDown(), resolveHtmlOptions({}))
    expect(data.issues.map((i) => [i.sv, i.nr])).toEqual([['critical', ['a', 'b']]])
    expect(data.run.summary.issues).toMatchObject({ total: 1, critical: 1 })
  })

  it('without scripts too: told once, with the journeys not run for it', async () => {
    const html = renderHtml(await runWithBackendDown())
    const noscript = /<noscript>[\s\S]*<\/noscript>/.exec(html)![0]
    expect(noscript.match(/connection refused at 127\.0\.0\.1:1/g)).toHaveLength(1)
    expect(noscript).toContain('<li>Issues: 1 critical</li>')
    expect(noscript).toContain('(not run for it: a, b)')
    expect(noscript).toContain('<h2>Failed journeys</h2><ul><li>a: not run (see the issues)</li><li>b: not run (see the issues)</li></ul>')
  })
})
