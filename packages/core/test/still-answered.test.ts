/**
 * A regression journey replays its sequence's writes before the last action as the exploration saw them
 * answered: accepted ones must still be accepted, refused ones still refused, or the journey reaches another
 * state than the one its invariant broke in, and its pass would prove nothing. The class is checked, not
 * the code; the failure says which step, both statuses, and what to do if the change is the fix.
 */
import { describe, expect, it } from 'vitest'
import { AssertionFailed, assertStillAccepted, assertStillRefused } from '../src'

const answered = (status: number, bodyText = '') => ({ status, method: 'POST', url: 'http://api.test/api/todos?token=s3cr3t-value-1234', bodyText })

describe('assertStillAccepted and assertStillRefused', () => {
  it('pass within the class the exploration saw', () => {
    expect(() => assertStillAccepted(answered(200), { step: 'create', status: 201 })).not.toThrow()
    expect(() => assertStillRefused(answered(422), { step: 'create', status: 409 })).not.toThrow()
  })

  it('fail out of it, naming the step, both statuses and the body, the URL masked', () => {
    let err: unknown
    try {
      assertStillRefused(answered(201, '{"id":4}'), { step: 'create', status: 409 })
    } catch (e) {
      err = e
    }
    expect(err).toBeInstanceOf(AssertionFailed)
    const message = (err as Error).message
    expect(message).toBe(
      'the sequence no longer reaches the state where the violation was found: step "create" (POST http://api.test/api/todos?token=[REDACTED]) was answered 409 in the exploration and 201 now: {"id":4}. If this answer is the fix, this journey has nothing left to test: delete it, or record it again (`venomqa explore`).',
    )
    expect((err as { suggestion?: string }).suggestion).toMatch(/^A write before the last action of the sequence, refused in the exploration, was answered otherwise now/)
    expect(() => assertStillAccepted(answered(409), { step: 'create', status: 201 })).toThrow('If this refusal is the fix')
    expect(() => assertStillRefused(answered(500), { step: 'create', status: 409 })).toThrow('was answered 409 in the exploration and 500 now')
  })
})
