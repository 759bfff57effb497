import { createRequire } from 'node:module'
import { errorMessage } from '@venomqa/core'
import type * as JsoncParser from 'jsonc-parser'

/** jsonc-parser held to plain JSON: no comments, no trailing commas, no empty file. */
const STRICT_JSON = { disallowComments: true, allowTrailingComma: false, allowEmptyContent: false }

/**
 * A JSON.parse error of `text`, told for its file: `place` is `:line:column` to follow the file's name ('' when
 * it cannot be told), `reason` is V8's message on one line (it quotes the text around the error, line
 * breaks and all).
 */
export function describeJsonError(text: string, err: unknown): { place: string; reason: string } {
  const message = errorMessage(err)
  return { place: jsonErrorPlace(text, message), reason: message.replace(/\s+/g, ' ') }
}

/**
 * Node 20 gives a position for some errors only ("Unexpected token '}', ..." has none; Node 22 adds line
 * and column to every one): the others are found by jsonc-parser, which reads plain JSON as JSON.parse
 * does. It is loaded here, on the error path only.
 */
function jsonErrorPlace(text: string, message: string): string {
  const position = /at position (\d+)/.exec(message)
  const offset = position ? Number(position[1]) : firstSyntaxError(text)
  if (offset === undefined) return ''
  const before = text.slice(0, offset).split('\n')
  return `:${before.length}:${before[before.length - 1]!.length + 1}`
}

function firstSyntaxError(text: string): number | undefined {
  // Required, not imported: its package has no ES entry Node can load by name, only a UMD main.
  const { parse } = createRequire(import.meta.url)('jsonc-parser') as typeof JsoncParser
  const errors: JsoncParser.ParseError[] = []
  parse(text, errors, STRICT_JSON)
  return errors[0]?.offset
}
