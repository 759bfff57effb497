import { createRequire } from 'node:module'
import { parseJsonText as parseWith } from '@venomqa/core'
import type * as JsoncParser from 'jsonc-parser'

/** jsonc-parser held to plain JSON: no comments, no trailing commas, no empty file. */
const STRICT_JSON = { disallowComments: true, allowTrailingComma: false, allowEmptyContent: false }

/**
 * `text` parsed as JSON, or the error `fail` makes from its place and reason (core's parseJsonText, with
 * core's describeJsonError placing the messages V8 gives no position by jsonc-parser).
 */
export function parseJsonText<T = unknown>(text: string, fail: (place: string, reason: string) => Error): T {
  return parseWith<T>(text, fail, firstSyntaxError)
}

/** Where the first syntax error is, for the messages V8 gives no position: loaded on the error path only. */
function firstSyntaxError(text: string): number | undefined {
  // Required, not imported: its package has no ES entry Node can load by name, only a UMD main.
  const { parse } = createRequire(import.meta.url)('jsonc-parser') as typeof JsoncParser
  const errors: JsoncParser.ParseError[] = []
  parse(text, errors, STRICT_JSON)
  return errors[0]?.offset
}
