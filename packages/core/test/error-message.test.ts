/**
 * errorMessage is what every message of the tool that quotes a thrown value says of it. An error with no
 * message of its own said only its name: Node's net throws an AggregateError with none when a host of
 * several addresses (`localhost`: ::1 and 127.0.0.1) refuses every one, and a database driver's connect
 * failure read `AggregateError`, which says nothing of why.
 */
import { describe, expect, it } from 'vitest'
import { errorMessage } from '../src/index'

describe('errorMessage', () => {
  it('gives an error its own message', () => {
    expect(errorMessage(new Error('boom', { cause: new Error('root') }))).toBe('boom')
  })

  it("tells an AggregateError with no message by its inner errors' messages", () => {
    const refused = (address: string) => Object.assign(new Error(`connect ECONNREFUSED ${address}`), { code: 'ECONNREFUSED' })
    expect(errorMessage(new AggregateError([refused('::1:5432'), refused('127.0.0.1:5432')]))).toBe('connect ECONNREFUSED ::1:5432; connect ECONNREFUSED 127.0.0.1:5432')
  })

  it('keeps to the first five inner errors, and counts the rest', () => {
    const many = Array.from({ length: 7 }, (_, i) => new Error(`e${i}`))
    expect(errorMessage(new AggregateError(many))).toBe('e0; e1; e2; e3; e4; and 2 more')
  })

  it('tells an error with no message by its cause, and one with neither by its name', () => {
    expect(errorMessage(new Error('', { cause: new Error('the root') }))).toBe('the root')
    expect(errorMessage(new TypeError())).toBe('TypeError')
    expect(errorMessage(new AggregateError([]))).toBe('AggregateError')
  })

  it('does not loop on an error that is its own cause', () => {
    const e = new Error('')
    ;(e as { cause?: unknown }).cause = e
    expect(errorMessage(e)).toBe('Error')
  })
})

describe('errorMessage of nested errors', () => {
  it('tells an AggregateError inside another by its own inner errors, and one that holds itself by its name', () => {
    const inner = new AggregateError([new Error('deep')])
    expect(errorMessage(new AggregateError([inner, new Error('next')]))).toBe('deep; next')
    const selfish = new AggregateError([])
    ;(selfish as { errors: unknown[] }).errors = [selfish, new Error('other')]
    expect(errorMessage(selfish)).toBe('AggregateError; other')
  })
})
