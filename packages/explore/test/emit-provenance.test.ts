/**
 * A value an action made up is sent as it was, even when a context value happens to be equal. An OpenAPI
 * action samples `memberId: 1` (no member was made), and the book the run created is also 1 on a fresh
 * database: guessed from the values alone, the journey sent `memberId: ctx.require('bookId')`, and once
 * the books' sequence had moved on it failed on the fixed app (`POST /loans` answered 404, not 201). The
 * action says which values of its body it read from the context (noteProvenance); the rest it made up.
 */
import { type HttpExchange, type RequestProvenance, action, exploration, invariant, noteProvenance } from '@venomqa/core'
import { afterAll, describe, expect, it } from 'vitest'
import type { SequenceRun, SequenceStepRun } from '../src/contracts'
import { jsonExchange as exchange, journeyWriter, stepRun as step } from './emit-fixtures'

const library = exploration('library', {
  actions: [action('createBook', () => undefined), action('createLoan', () => undefined), action('returnLoan', () => undefined)],
  invariants: [invariant('a book never has more copies on the shelf than it owns', () => true)],
})

/** An action of the sequence, with the input an OpenAPI action's sampled body is. */
function stepRun(action: string, exchanges: HttpExchange[], ctxBefore: Record<string, unknown>, ctxAfter: Record<string, unknown>): SequenceStepRun {
  return step(action, exchanges, ctxBefore, ctxAfter, { body: 'sample' })
}

function noted(x: HttpExchange, provenance: RequestProvenance): HttpExchange {
  noteProvenance(x, provenance)
  return x
}

const writer = journeyWriter(library, 'a book never has more copies on the shelf than it owns', 'library')
afterAll(writer.clean)
const emitText = (run: SequenceRun) => writer.text(run)

/** A book made (id 1), then a loan of it to the member the seed made (also id 1): `loan` is the loan's request. */
function loanRun(loan: HttpExchange, before: Record<string, unknown> = { bookId: 1 }): SequenceRun {
  const book = exchange('POST', '/books', { title: 'title-1', copies: 1 }, 201, { id: 1, title: 'title-1', copies: 1, available: 1 })
  const after = { ...before, memberId: 1, loanId: 1 }
  return {
    steps: [
      stepRun('createBook', [book], {}, { bookId: 1 }),
      stepRun('createLoan', [loan], before, after),
      stepRun('returnLoan', [exchange('POST', '/loans/1/returns', { condition: 'good' }, 201, { id: 1, loanId: 1, condition: 'good' })], after, after),
    ],
    violation: 'book 1: 2 available of 1',
    probes: [],
  }
}

const loanAnswer = { id: 1, bookId: 1, memberId: 1, returnedAt: null }

describe('a request whose action said where its values came from', () => {
  it('sends a value it made up as it was, not the context value that happens to be equal (memberId: 1, not the bookId)', async () => {
    const loan = noted(exchange('POST', '/loans', { bookId: 1, memberId: 1 }, 201, loanAnswer), { bodyFromContext: { bookId: 'bookId' } })
    const text = await emitText(loanRun(loan))
    expect(text).toContain("{ json: { bookId: ctx.require('bookId'), memberId: 1 } }")
    expect(text).not.toContain("memberId: ctx.require('bookId')")
  })

  it("reads a value it took from the context from the key it names, the second of a kind too (bookId_2)", async () => {
    const loan = noted(exchange('POST', '/loans', { bookId: 2, memberId: 1 }, 201, loanAnswer), { bodyFromContext: { bookId: 'bookId_2' } })
    const text = await emitText(loanRun(loan, { bookId: 1, bookId_2: 2 }))
    expect(text).toContain("{ json: { bookId: ctx.require('bookId_2'), memberId: 1 } }")
  })

  it('sends a number it read as text (an id from a Location) as a number again', async () => {
    const loan = noted(exchange('POST', '/loans', { bookId: 1, memberId: 4 }, 201, loanAnswer), { bodyFromContext: { bookId: 'bookId', memberId: 'memberId' } })
    const text = await emitText(loanRun(loan, { bookId: 1, memberId: '4' }))
    expect(text).toContain("{ json: { bookId: ctx.require('bookId'), memberId: Number(ctx.require('memberId')) } }")
  })

  it('sends the query and the form fields it made up as they were, and a form field it took from the context from its key', async () => {
    const loan = noted(exchange('POST', '/loans?memberId=1', 'bookId=1&memberId=1', 201, loanAnswer, 'application/x-www-form-urlencoded'), {
      bodyFromContext: { bookId: 'bookId' },
    })
    const text = await emitText(loanRun(loan))
    expect(text).toContain("query: { memberId: '1' }")
    expect(text).toContain("form: { bookId: String(ctx.require('bookId')), memberId: '1' }")
  })
})
