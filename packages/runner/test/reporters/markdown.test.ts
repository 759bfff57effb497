import { makeIssue } from '@venomqa/core'
import { describe, expect, it } from 'vitest'
import { renderMarkdown } from '../../src/reporters'
import { leakedSecrets, sampleRun } from './sample-run'

describe('markdown reporter', () => {
  const md = renderMarkdown(sampleRun())

  it('has a summary table, a section per journey and issues by severity with suggestions', () => {
    expect(md).toContain('**Result:** ❌ failed')
    expect(md).toContain('| Steps | 5 | 3 | 1 | 1 |')
    expect(md).toContain('### ❌ checkout &lt;&amp;&gt;')
    expect(md).toContain('### ✅ health')
    expect(md).toContain('### High (1)')
    expect(md).toContain('- **Suggestion:** ')
    expect(md).toContain('### Suggestions')
    expect(md).toContain('| bad_card | pay _(2 attempts)_ | ❌ failed |')
  })

  it('links each journey to its section with the anchor GitHub makes', () => {
    expect(md).toContain('[health](#-health)')
    // "checkout <&>" is shown so, and its punctuation dropped: not the letters of its escapes.
    expect(md).toContain('(#-checkout-)')
    expect(md).not.toContain('ltampgt')
  })

  it('redacts secrets and keeps API text from breaking tables or opening HTML', () => {
    expect(leakedSecrets(md)).toEqual([])
    expect(md).toContain('authorization: [REDACTED]')
    expect(md).toContain('"password": "[REDACTED]"')
    expect(md).not.toContain('checkout <&>')
    // API text in the request/response block sits in a code fence, where markup is inert
    expect(md).toMatch(/```http\n[^`]*<declined>[^`]*\n```/)
  })

  it('keeps a tag or file name with a line break in its code span: no raw HTML after it', () => {
    const run = sampleRun()
    const beacon = '<img src="https://example.invalid/beacon.png">'
    run.journeys[1]!.tags = [`smoke\n\n${beacon}`, 'a`b\r\nc']
    run.journeys[1]!.file = `journeys/x\n\n${beacon}.journey.ts`
    const out = renderMarkdown(run)
    // One line, the markup inside code spans, where it is inert: before, the tag's line break ended the
    // span, and the next line was raw HTML that GitHub renders (an image that reports who looked). The
    // line breaks are shown as the escapes the console shows too, not as spaces the name does not hold.
    expect(out.split('\n').filter((line) => line.includes('<img'))).toEqual([
      `Tags: \`smoke\\n\\n${beacon}\` \`a'b\\r\\nc\` · File: \`journeys/x\\n\\n${beacon}.journey.ts\``,
    ])
  })

  it('shows a restored journey put back after it ends, as the console does, with its time and each backend\'s', () => {
    const run = sampleRun()
    run.journeys[1]!.restored = { durationMs: 12, backends: [{ backend: 'pg', mechanism: 'snapshot', durationMs: 9 }, { backend: 'memory', mechanism: 'memory', durationMs: 1 }] }
    const section = renderMarkdown(run).split('### ✅ health')[1]!
    expect(section).toContain('| main | ping | ✅ passed |')
    expect(section.split('\n').filter((line) => line.includes('↺'))).toEqual([
      '| main | ↺ rollback to **venomqa:before-journey** (restore) | ✅ | pg (snapshot) 9 ms, memory 1 ms | 12 ms |',
    ])
    // After its steps: the journey is put back once it is over.
    expect(section.indexOf('| main | ping |')).toBeLessThan(section.indexOf('↺'))
    // A journey not restored has no such row.
    expect(md).not.toContain('↺')
  })

  it('places an issue as the console does: journey, path and step, the main path of a journey without branches left out', () => {
    const run = sampleRun()
    const health = run.journeys[1]!
    health.status = 'failed'
    health.issues.push(makeIssue({ journey: 'health', path: 'main', step: 'ping', severity: 'high', kind: 'http-status', error: 'GET /health answered 503', source: 'step' }))
    run.issues.push(makeIssue({ journey: '', path: '', step: '', severity: 'medium', kind: 'state', error: 'a backend disconnected late', source: 'state' }))
    const out = renderMarkdown(run)
    const headings = out.split('\n').filter((line) => line.startsWith('#### '))
    expect(headings).toEqual(['#### checkout &lt;&amp;&gt; › bad_card › pay', '#### health › ping', '#### state'])
  })

  it('says of a journey that failed without running that it did not run', () => {
    const run = sampleRun()
    Object.assign(run.journeys[1]!, { status: 'failed', notRun: true, durationMs: 0 })
    expect(renderMarkdown(run)).toMatch(/^\| \[health\]\(#[^)]+\) \| ❌ failed \(not run\) \|/m)
  })

  it("says which worker ran each path, when the branch's paths ran on workers", () => {
    const run = sampleRun()
    const branch = run.journeys[0]!.nodes.find((n) => n.kind === 'branch')!
    if (branch.kind !== 'branch') throw new Error('no branch')
    expect(renderMarkdown(run)).not.toContain('on worker')
    branch.rollbackBeforeWorkers = { durationMs: 1, backends: [] }
    branch.paths[1]!.worker = 2
    const md = renderMarkdown(run)
    expect(md).toContain("| good_card | path **good_card** (on worker 0 (the run's own app), rollback 2 ms) |")
    expect(md).toContain('| bad_card | path **bad_card** (on worker 2, rollback 2 ms) |')
  })

  it('marks an interrupted run', () => {
    expect(renderMarkdown(sampleRun({ interrupted: true }))).toContain('**Result:** ⚠️ interrupted')
  })
})
