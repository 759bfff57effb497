/**
 * An error a port threw that explains itself (WireMock unreachable, mail not sent) is given a suggestion
 * about that port, not the one for an unexpected crash, which sent the user to a stack trace.
 */
import { describe, expect, it } from 'vitest'
import { VenomError, suggestionFor, suggestionForError } from '../src/index'

describe("a port's error", () => {
  it.each([
    ['E_WIREMOCK', 'WireMock at http://127.0.0.1:1 is not reachable'],
    ['E_MAIL_SEND', 'sending mail through smtp://127.0.0.1:1 failed: connect ECONNREFUSED'],
  ] as const)('%s gets a suggestion about its port', (code, message) => {
    const suggestion = suggestionForError(new VenomError(code, message))
    expect(suggestion).toBeDefined()
    expect(suggestion).not.toBe(suggestionFor('crash'))
    expect(suggestion).toContain(code)
    expect(suggestion).toContain('venomqa doctor')
  })

  it("keeps the error's own suggestion, and a code's own", () => {
    expect(suggestionForError(Object.assign(new VenomError('E_WIREMOCK', 'x'), { suggestion: 'Start WireMock.' }))).toBe('Start WireMock.')
    expect(suggestionForError(new VenomError('E_CONTEXT_MISSING', 'x'))).toMatch(/^A step read a value/)
  })
})
