import { describe, expect, it } from 'vitest'
import { answerExcerpt } from '../src'

// How an adapter quotes a server's answer it did not expect (a proxy's HTML 404 where a mail API should be):
// the start of it, never the whole page, and nothing that would drive the terminal.

describe('answerExcerpt', () => {
  it('quotes the first line that holds anything, cut to 120 characters, control characters escaped', () => {
    expect(answerExcerpt('\n\n  {"error":"no"}  \n')).toBe('"{"error":"no"}"')
    expect(answerExcerpt('a\nb')).toBe('"a"...')
    expect(answerExcerpt(`${'x'.repeat(121)}`)).toBe(`"${'x'.repeat(120)}"...`)
    expect(answerExcerpt('\x1b[2J\x1b[Hgone\r')).toBe('"\\x1b[2J\\x1b[Hgone"')
    expect(answerExcerpt('  \n ')).toBe('nothing')
  })

  it('never cuts a character in two (an emoji is one character, not two code units)', () => {
    expect(answerExcerpt(`${'x'.repeat(119)}😀😀`)).toBe(`"${'x'.repeat(119)}😀"...`)
  })
})
