import { errorMessage } from './errors'

/**
 * Finds the offset of the first syntax error in a text JSON.parse refused, when V8's message gives none
 * ("Unexpected token '}'"). Core has no dependencies: a package that reads JSON files gives one (the CLI
 * and @venomqa/openapi use jsonc-parser in strict mode, which reads plain JSON as JSON.parse does).
 */
export type JsonErrorLocator = (text: string) => number | undefined

/**
 * A JSON.parse error of `text`, told for its file: `place` is `:line:column` to follow the file's name ('' when
 * it cannot be told), `reason` is V8's message without the text it quotes around the error: the place
 * says where, and a config, a collection or a document may hold a secret right there.
 */
export function describeJsonError(text: string, err: unknown, locate?: JsonErrorLocator): { place: string; reason: string } {
  const message = errorMessage(err)
  const place = jsonErrorPlace(text, message, locate)
  const reason = message.replace(QUOTED_TEXT, '').replace(/\s+/g, ' ')
  // Placed, V8's offset says again what the line and column say ("...:2:16 ... at position 69").
  return { place, reason: place ? reason.replace(POSITION, '') : reason }
}

/** V8's offset at the end of its message, with the line and column newer Node adds. */
const POSITION = / in JSON at position \d+(?: \(line \d+ column \d+\))?$/

/**
 * `text` parsed as JSON, or the error `fail` makes from where the first syntax error is (`:line:column`
 * to follow the file's name) and why (see describeJsonError).
 */
export function parseJsonText<T = unknown>(text: string, fail: (place: string, reason: string) => Error, locate?: JsonErrorLocator): T {
  try {
    return JSON.parse(text) as T
  } catch (err) {
    const { place, reason } = describeJsonError(text, err, locate)
    throw fail(place, reason)
  }
}

/** `, "<text>" is not valid JSON` or `, ..."<text>"... is not valid JSON`, after "Unexpected token 'x'". */
const QUOTED_TEXT = /, (?:\.\.\.)?"[\s\S]*"(?:\.\.\.)? is not valid JSON$/

/**
 * V8 ends some messages with the error's position ("... in JSON at position 7", on newer Node followed by
 * "(line 1 column 8)"); others name only the token ("Unexpected token '}', ...") and quote the text
 * around it, which may itself read "at position": only the message's end is read, and `locate` places
 * the rest. Columns count characters (code points) from 1, as an editor shows them.
 */
function jsonErrorPlace(text: string, message: string, locate?: JsonErrorLocator): string {
  const position = / JSON at position (\d+)(?: \(line \d+ column \d+\))?$/.exec(message)
  const offset = position ? Number(position[1]) : locate?.(text)
  if (offset === undefined) return ''
  const lines = text.slice(0, offset).split(/\r\n?|\n/)
  return `:${lines.length}:${[...lines[lines.length - 1]!].length + 1}`
}
