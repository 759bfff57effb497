import { describe, expect, it } from 'vitest'
import { decodeEncodedWords } from '../src/mime'

/** `text` as UTF-8 B-encoded words, split after the given byte offsets: a mailer folding a long Subject. */
function splitB(text: string, ...cuts: number[]): string {
  const bytes = Buffer.from(text, 'utf8')
  const bounds = [0, ...cuts, bytes.length]
  const words: string[] = []
  for (let i = 0; i < bounds.length - 1; i++) words.push(`=?UTF-8?B?${bytes.subarray(bounds[i], bounds[i + 1]).toString('base64')}?=`)
  return words.join(' ')
}

describe('decodeEncodedWords', () => {
  it('joins an emoji split inside its UTF-8 bytes across two B words', () => {
    // "Hi " is 3 bytes; the emoji's 4 bytes are cut after the second.
    const raw = splitB('Hi \u{1F600} there', 5)
    expect(raw).toBe('=?UTF-8?B?SGkg8J8=?= =?UTF-8?B?mIAgdGhlcmU=?=')
    expect(decodeEncodedWords(raw)).toBe('Hi \u{1F600} there')
  })

  it('joins a character split across Q words, and across words folded onto new lines', () => {
    expect(decodeEncodedWords('=?UTF-8?Q?Caf=C3?= =?UTF-8?Q?=A9_ouvert?=')).toBe('Caf\u00e9 ouvert')
    expect(decodeEncodedWords(splitB('Order \u{1F4E6}\u{1F69A} shipped', 7, 11).replace(/ /g, '\r\n '))).toBe('Order \u{1F4E6}\u{1F69A} shipped')
  })

  it('drops the whitespace between adjacent encoded words and keeps the text around them', () => {
    expect(decodeEncodedWords('=?UTF-8?B?SGVsbG8s?=   =?UTF-8?Q?_world?=')).toBe('Hello, world')
    expect(decodeEncodedWords('Re: =?ISO-8859-1?Q?caf=E9?= and =?utf-8?b?w6k=?= plain')).toBe('Re: caf\u00e9 and \u00e9 plain')
  })

  it('decodes legacy charsets and leaves text without encoded words alone', () => {
    expect(decodeEncodedWords('=?windows-1252?Q?=80_5?=')).toBe('\u20ac 5')
    expect(decodeEncodedWords('=?ISO-8859-1?B?5G5kZXJ1bmc=?=')).toBe('\u00e4nderung')
    expect(decodeEncodedWords('Welcome, Ada! 100% = ok?')).toBe('Welcome, Ada! 100% = ok?')
    expect(decodeEncodedWords('')).toBe('')
  })
})
