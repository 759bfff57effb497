import { describe, expect, it } from 'vitest'
import { AssertionFailed, TransportError, errorKindOf } from '../src/index'

/**
 * An error of another copy of @venomqa/core (a project with two versions installed: the one its journeys
 * import, and the runner's) is of none of this copy's classes. Stood in for here by errors of the same
 * name and code that are not instances of them.
 */
function foreign<T extends Error>(real: T): Error {
  const copy = Object.assign(new Error(real.message), { ...real })
  Object.defineProperty(copy, 'name', { value: real.name })
  return copy
}

describe('errorKindOf, an error of another copy of core', () => {
  it('is told by its code: an assertion is an assertion, not a crash', () => {
    const assertion = foreign(new AssertionFailed('expected status 200, got 404'))
    expect(assertion).not.toBeInstanceOf(AssertionFailed)
    expect(errorKindOf(assertion)).toBe('assertion')
  })

  it("a transport error keeps its kind (refused, reset, DNS...), and one it does not know is 'transport'", () => {
    expect(errorKindOf(foreign(new TransportError('connection-refused', 'GET', 'http://127.0.0.1:9/', 'refused')))).toBe('connection-refused')
    expect(errorKindOf(Object.assign(new Error('x'), { code: 'E_TRANSPORT', kind: 'made-up' }))).toBe('transport')
  })

  it('an error with no code of VenomQA is still a crash', () => {
    expect(errorKindOf(Object.assign(new Error('x'), { code: 'ECONNRESET' }))).toBe('crash')
    expect(errorKindOf(new Error('x'))).toBe('crash')
    // A code that names a property every object has is no code of VenomQA's either.
    expect(errorKindOf(Object.assign(new Error('x'), { code: 'constructor' }))).toBe('crash')
  })
})
