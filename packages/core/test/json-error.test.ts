import { describe, expect, it } from 'vitest'
import { describeJsonError, parseJsonText } from '../src'

/** The error JSON.parse throws for `text`, which must not be JSON. */
function refusal(text: string): unknown {
  try {
    JSON.parse(text)
  } catch (err) {
    return err
  }
  throw new Error(`${JSON.stringify(text)} is JSON`)
}

describe('describeJsonError', () => {
  it("places an error at the position V8's message ends with", () => {
    const text = '[1,\n 2\n 3]'
    expect(describeJsonError(text, refusal(text))).toEqual({ place: ':3:2', reason: "Expected ',' or ']' after array element" })
  })

  it('asks the locator for the place when the message has none, and says none without one', () => {
    const text = '{\n  "a": 1,\n  "b": }\n'
    expect(describeJsonError(text, refusal(text))).toEqual({ place: '', reason: "Unexpected token '}'" })
    expect(describeJsonError(text, refusal(text), (t) => t.indexOf('}')).place).toBe(':3:8')
    // A locator that finds nothing leaves the place unsaid, never a wrong one.
    expect(describeJsonError(text, refusal(text), () => undefined).place).toBe('')
  })

  it('never quotes the text around the error, where a secret may stand', () => {
    const text = '{"url": "postgres://app:s3cr3t@db/app", "pool": }'
    expect(describeJsonError(text, refusal(text)).reason).toBe("Unexpected token '}'")
  })
})

describe('parseJsonText', () => {
  it('returns the value, or the error the caller makes of the place and the reason', () => {
    expect(parseJsonText<{ a: number }>('{"a": 1}', () => new Error('unused'))).toEqual({ a: 1 })
    const fail = (place: string, reason: string) => new Error(`f.json${place}: ${reason}`)
    expect(() => parseJsonText('{"a": }', fail, (t) => t.indexOf('}'))).toThrow(/^f\.json:1:7: Unexpected token '\}'$/)
  })
})
