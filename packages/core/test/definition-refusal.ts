import { expect } from 'vitest'
import { DefinitionError } from '../src/index'

/** The DefinitionError `define` throws; the test fails when it throws none or another error. */
export function refusal(define: () => unknown): DefinitionError {
  try {
    define()
  } catch (err) {
    expect(err).toBeInstanceOf(DefinitionError)
    return err as DefinitionError
  }
  throw new Error('expected a DefinitionError')
}
