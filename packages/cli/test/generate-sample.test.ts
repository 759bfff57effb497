import { describe, expect, it } from 'vitest'
import { sample } from '../src/generate/sample'

// The values `venomqa generate` writes into a journey's bodies and parameters must be ones the API
// accepts: never on an exclusive bound, in either spelling OpenAPI has had for one.

describe('venomqa generate: numbers sampled inside exclusive bounds', () => {
  const value = (schema: Record<string, unknown>) => sample(schema, 'body.n', 'n').value

  it('an integer goes one past the bound (3.1: a number; 3.0: true beside minimum or maximum)', () => {
    expect(value({ type: 'integer', exclusiveMinimum: 20 })).toBe(21)
    expect(value({ type: 'integer', minimum: 20, exclusiveMinimum: true })).toBe(21)
    expect(value({ type: 'integer', exclusiveMaximum: 5 })).toBe(4)
    expect(value({ type: 'integer', maximum: 5, exclusiveMaximum: true })).toBe(4)
    expect(value({ type: 'integer', minimum: 0, maximum: 10, exclusiveMaximum: true })).toBe(9)
    // The stricter of two lower bounds.
    expect(value({ type: 'integer', minimum: 30, exclusiveMinimum: 20 })).toBe(30)
    expect(value({ type: 'integer', minimum: 20, exclusiveMinimum: 20 })).toBe(21)
  })

  it('a number goes strictly inside, between two bounds closer than one', () => {
    expect(value({ type: 'number', exclusiveMinimum: 0, exclusiveMaximum: 1 })).toBe(0.5)
    expect(value({ type: 'number', minimum: 0, exclusiveMinimum: true, maximum: 1, exclusiveMaximum: true })).toBe(0.5)
    expect(value({ type: 'number', minimum: 12.5, exclusiveMinimum: true })).toBe(13.5)
    expect(value({ type: 'number', exclusiveMaximum: 10 })).toBe(9)
    // Inclusive bounds and no bounds as before.
    expect(value({ type: 'number', minimum: 20 })).toBe(20)
    expect(value({ type: 'integer', maximum: 5 })).toBe(5)
    expect(value({ type: 'integer' })).toBe(10)
  })
})
