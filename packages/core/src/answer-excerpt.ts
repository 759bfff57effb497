import { escapeControlChars } from './redact'

/** How many characters of an answer's first line an error quotes. */
const EXCERPT_CHARS = 120

/**
 * The start of a server's answer, quoted for an error: its first line that holds anything, cut to
 * EXCERPT_CHARS (`...` says more followed), with control characters escaped. A whole page (a proxy's HTML
 * 404) pasted into a message buried what the message said, and an escape sequence in it reached the terminal.
 */
export function answerExcerpt(text: string): string {
  const lines = text.split(/\r?\n/)
  const first = lines.findIndex((line) => line.trim() !== '')
  if (first < 0) return 'nothing'
  const chars = [...lines[first]!.trim()]
  const more = chars.length > EXCERPT_CHARS || lines.slice(first + 1).some((line) => line.trim() !== '')
  return `"${escapeControlChars(chars.slice(0, EXCERPT_CHARS).join(''))}"${more ? '...' : ''}`
}
