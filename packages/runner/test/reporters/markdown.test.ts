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
  })

  it('redacts secrets and keeps API text from breaking tables or opening HTML', () => {
    expect(leakedSecrets(md)).toEqual([])
    expect(md).toContain('authorization: [REDACTED]')
    expect(md).toContain('"password": "[REDACTED]"')
    expect(md).not.toContain('checkout <&>')
    // API text in the request/response block sits in a code fence, where markup is inert
    expect(md).toMatch(/```http\n[^`]*<declined>[^`]*\n```/)
  })

  it('marks an interrupted run', () => {
    expect(renderMarkdown(sampleRun({ interrupted: true }))).toContain('**Result:** ⚠️ interrupted')
  })
})
