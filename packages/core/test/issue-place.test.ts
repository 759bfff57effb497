import { describe, expect, it } from 'vitest'
import { issuePlace, issuePlaceParts } from '../src/index'

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
