import { describe, expect, it } from 'vitest'
import { type Issue, explorationIssues, issuePlace, issuePlaceParts, makeIssue } from '../src/index'

// One place for an issue in every report: the runner's console, JUnit and Markdown, the HTML page and Slack.
describe('issuePlace', () => {
  it('joins journey, path and step with the console separator, the main path left out and a nested path whole', () => {
    expect(issuePlace({ journey: 'health', path: 'main', step: 'ping' })).toBe('health \u203a ping')
    expect(issuePlace({ journey: 'checkout', path: 'card > retry', step: 'pay' })).toBe('checkout \u203a card > retry \u203a pay')
    expect(issuePlaceParts({ journey: 'checkout', path: 'card > retry', step: 'pay' })).toEqual(['checkout', 'card > retry', 'pay'])
  })

  it('leaves out what an issue does not name: empty for one of no place, whose caller names its source', () => {
    expect(issuePlace({ journey: '', path: 'main', step: 'setup memory' })).toBe('setup memory')
    expect(issuePlace({ journey: 'checkout', path: 'main', step: '' })).toBe('checkout')
    expect(issuePlace({ journey: '', path: '', step: '' })).toBe('')
    expect(issuePlaceParts({ journey: '', path: 'main', step: '' })).toEqual([])
  })
})

// Every report lists an exploration's own issues beside the journeys', and its violations with it.
describe('explorationIssues', () => {
  const issue = (source: string | undefined, step: string): Issue => ({ ...makeIssue({ journey: 'catalog', path: 'main', step, severity: 'high', kind: 'assertion', error: 'x', source: '' }), source: source as string })

  it("keeps an exploration's own issues and leaves out its violations'", () => {
    const setup = issue('setup', 'log_in')
    const crash = issue('explore', 'search')
    const violation = issue('invariant:stock_never_negative', 'stock_never_negative')
    expect(explorationIssues({ issues: [setup, violation, crash] })).toEqual([setup, crash])
  })

  it('reads a results file leniently: no issues, an issue with no source', () => {
    expect(explorationIssues({} as { issues: Issue[] })).toEqual([])
    const unsourced = issue(undefined, 'log_in')
    expect(explorationIssues({ issues: [unsourced] })).toEqual([unsourced])
  })
})
