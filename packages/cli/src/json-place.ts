import { createRequire } from 'node:module'
import { errorMessage } from '@venomqa/core'
import type * as JsoncParser from 'jsonc-parser'

/** jsonc-parser held to plain JSON: no comments, no trailing commas, no empty file. */
const STRICT_JSON = { disallowComments: true, allowTrailingComma: false, allowEmptyContent: false }

/**
 * A JSON.parse error of `text`, told for its file: `place` is `:line:column` to follow the file's name ('' when
 * it cannot be told), `reason` is V8's message without the text it quotes around the error: the place
 * says where, and a config or a collection may hold a secret right there.
 */
export function describeJsonError(text: string, err: unknown): { place: string; reason: string } {
  const message = errorMessage(err)
  return { place: jsonErrorPlace(text, message), reason: message.replace(QUOTED_TEXT, '').replace(/\s+/g, ' ') }
}

/**
 * `text` parsed as JSON, or the error `fail` makes from where the first syntax error is (`:line:column`
 * to follow the file's name) and why (see describeJsonError).
 */
export function parseJsonText<T = unknown>(text: string, fail: (place: string, reason: string) => Error): T {
  try {
    return JSON.parse(text) as T
  } catch (err) {
    const { place, reason } = describeJsonError(text, err)
    throw fail(place, reason)
  }
}

/** `, "<text>" is not valid JSON` or `, ..."<text>"... is not valid JSON`, after "Unexpected token 'x'". */
const QUOTED_TEXT = /, (?:\.\.\.)?"[\s\S]*"(?:\.\.\.)? is not valid JSON$/

/**
 * V8 ends some messages with the error's position ("... in JSON at position 7", on newer Node followed by
 * "(line 1 column 8)"); others name only the token ("Unexpected token '}', ...") and quote the text
 * around it, which may itself read "at position": only the message's end is read. The rest are placed by
 * jsonc-parser, which reads plain JSON as JSON.parse does; it is loaded here, on the error path only.
 * Columns count characters (code points) from 1, as an editor shows them.
 */
function jsonErrorPlace(text: string, message: string): string {
  const position = / JSON at position (\d+)(?: \(line \d+ column \d+\))?$/.exec(message)
  const offset = position ? Number(position[1]) : firstSyntaxError(text)
  if (offset === undefined) return ''
  const lines = text.slice(0, offset).split(/\r\n?|\n/)
  return `:${lines.length}:${[...lines[lines.length - 1]!].length + 1}`
}

function firstSyntaxError(text: string): number | undefined {
  // Required, not imported: its package has no ES entry Node can load by name, only a UMD main.
  const { parse } = createRequire(import.meta.url)('jsonc-parser') as typeof JsoncParser
  const errors: JsoncParser.ParseError[] = []
  parse(text, errors, STRICT_JSON)
  return errors[0]?.offset
}
