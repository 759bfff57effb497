/** A failing step in the Slack message carries its request as a curl command, when the whole command fits. */
import { type RunResult, type StepResult, curlText, makeIssue, redactResults } from '@venomqa/core'
import { describe, expect, it } from 'vitest'
import { type Block, buildSlackPayload, escapeMrkdwn } from '../src/index'
import { checkBlockKit } from './block-kit-check'
import { journey, run, step } from './fixtures'

const sectionText = (b: Block | undefined) => (b?.type === 'section' ? (b.text?.text ?? '') : '')

function failing(body: unknown, withIssue: boolean): { run: RunResult; failed: StepResult } {
  const failed: StepResult = {
    ...step('pay', 'failed', 409),
    request: { method: 'POST', url: 'http://127.0.0.1:3000/api/pay?x=1&y=<2>', headers: { authorization: 'Bearer tok-7a6b5c4d3e2f', 'content-type': 'application/json' }, body },
  }
  const j = journey('checkout', [step('login'), failed], false)
  if (withIssue)
    j.issues.push(makeIssue({ journey: 'checkout', path: 'main', step: 'pay', severity: 'high', kind: 'http-status', error: 'POST /api/pay answered 409', source: 'step', request: failed.request, response: failed.response }))
  return { run: run([j]), failed }
}

describe('curl in the Slack message', () => {
  for (const withIssue of [true, false])
    it(`shows the failing request as curl in a code block, escaped for mrkdwn, the token a variable (${withIssue ? 'from its issue' : 'a step with no issue'})`, () => {
      const { run: r, failed } = failing({ amount: 5, note: "it's & <ok>" }, withIssue)
      const payload = buildSlackPayload(r)
      expect(checkBlockKit(payload)).toEqual([])
      const section = payload.blocks.map(sectionText).find((t) => t.includes('*pay*'))!
      const curl = curlText(redactResults(failed).request!)
      expect(curl).toContain('-H "authorization: $VENOMQA_AUTHORIZATION"')
      expect(section.endsWith(`\`\`\`${escapeMrkdwn(curl)}\`\`\``)).toBe(true)
      expect(JSON.stringify(payload)).not.toContain('tok-7a6b5c4d3e2f')
    })

  it('leaves the command out when it would not fit the block whole: a cut command reproduces nothing', () => {
    const payload = buildSlackPayload(failing({ note: 'z'.repeat(4000) }, true).run)
    expect(checkBlockKit(payload)).toEqual([])
    const section = payload.blocks.map(sectionText).find((t) => t.includes('*pay*'))!
    expect(section).toContain('>POST /api/pay answered 409')
    expect(section).not.toContain('curl')
  })
})
