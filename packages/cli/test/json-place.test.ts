import { describe, expect, it } from 'vitest'
import { parseJsonText } from '../src/json-place'

/** Where and why parseJsonText says `text`, which must not be JSON, is not. */
function describe_(text: string): { place: string; reason: string } {
  try {
    parseJsonText(text, (place, reason) => Object.assign(new Error(reason), { said: { place, reason } }))
  } catch (err) {
    return (err as { said: { place: string; reason: string } }).said
  }
  throw new Error(`${JSON.stringify(text)} is JSON`)
}

describe('parseJsonText', () => {
  it('places an error whose message has no position (an unexpected token) by line and column', () => {
    expect(describe_('{\n  "a": 1,\n  "b": }\n')).toEqual({ place: ':3:8', reason: "Unexpected token '}'" })
    expect(describe_('{"a": NaN}').place).toBe(':1:7')
    expect(describe_('\uFEFF{}').place).toBe(':1:1')
  })

  it('places an error whose message has a position at that position', () => {
    expect(describe_('[1,\n 2\n 3]')).toEqual({ place: ':3:2', reason: "Expected ',' or ']' after array element" })
    // Windows line ends: the column counts from the line's start, as an editor shows it.
    expect(describe_('{\r\n  "a": 1,\r\n}').place).toBe(':3:1')
  })

  it('reads the position from the end of the message, never from the text it quotes', () => {
    expect(describe_('{"at position 1":}').place).toBe(':1:18')
  })

  it('counts a column in characters and a line at each line end, CR alone included', () => {
    expect(describe_('{"😀": }').place).toBe(':1:7')
    expect(describe_('{\r"a": 1,\r"b": }').place).toBe(':3:6')
  })

  it('places the end of a file cut short at its end, and an empty file at its start', () => {
    expect(describe_('{"a": ')).toEqual({ place: ':1:7', reason: 'Unexpected end of JSON input' })
    expect(describe_('')).toEqual({ place: ':1:1', reason: 'Unexpected end of JSON input' })
  })

  it('leaves out the text V8 quotes around the error: a secret may stand there', () => {
    const config = '{\n  "url": "postgres://app:s3cr3t-pw@db/app",\n  "pool": }\n'
    expect(describe_(config)).toEqual({ place: ':3:11', reason: "Unexpected token '}'" })
    const long = `{"token": "${'x'.repeat(40)}-s3cr3t", "a": tru}`
    expect(describe_(long).reason).toBe("Unexpected token '}'")
  })
})
