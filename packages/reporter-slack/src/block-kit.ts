/** The small part of Block Kit this reporter sends, with Slack's published limits. */

export interface PlainText {
  type: 'plain_text'
  text: string
  emoji?: boolean
}
export interface Mrkdwn {
  type: 'mrkdwn'
  text: string
}
export type TextObject = PlainText | Mrkdwn

export interface HeaderBlock {
  type: 'header'
  text: PlainText
}
export interface SectionBlock {
  type: 'section'
  text?: TextObject
  fields?: TextObject[]
}
export interface DividerBlock {
  type: 'divider'
}
export interface ContextBlock {
  type: 'context'
  elements: TextObject[]
}
export interface ButtonElement {
  type: 'button'
  text: PlainText
  url: string
  action_id: string
  style?: 'primary' | 'danger'
}
export interface ActionsBlock {
  type: 'actions'
  elements: ButtonElement[]
}
export type Block = HeaderBlock | SectionBlock | DividerBlock | ContextBlock | ActionsBlock

export interface SlackPayload {
  /** Shown in notifications and where blocks cannot be. */
  text: string
  blocks: Block[]
}

export const LIMITS = {
  blocks: 50,
  headerText: 150,
  sectionText: 3000,
  sectionFields: 10,
  fieldText: 2000,
  contextElements: 10,
  buttonText: 75,
  buttonUrl: 3000,
  fallbackText: 4000,
} as const

/** Slack reads &, < and > as markup in mrkdwn (links, mentions like <!channel>): they must be entities. */
export function escapeMrkdwn(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;')
}

/** The longest prefix of `chars` whose mapped text fits in `max` UTF-16 units (Slack's limits count them). */
function longestPrefix(chars: string[], max: number, map: (s: string) => string): string {
  let lo = 0
  let hi = chars.length
  while (lo < hi) {
    const mid = Math.ceil((lo + hi) / 2)
    if (map(chars.slice(0, mid).join('')).length <= max) lo = mid
    else hi = mid - 1
  }
  return map(chars.slice(0, lo).join(''))
}

/** Cut plain text to `max` characters with an ellipsis, never splitting a surrogate pair. */
export function fitPlain(text: string, max: number): string {
  if (text.length <= max) return text
  return `${longestPrefix(Array.from(text), max - 1, (s) => s)}\u2026`
}

/**
 * Escape raw text for mrkdwn and fit it in `max` characters. The cut is made in the raw text, so an entity
 * like &amp; is never split in half.
 */
export function fitMrkdwn(raw: string, max: number): string {
  const escaped = escapeMrkdwn(raw)
  if (escaped.length <= max) return escaped
  return `${longestPrefix(Array.from(raw), max - 1, escapeMrkdwn)}\u2026`
}

export const plain = (text: string, max: number): PlainText => ({ type: 'plain_text', text: fitPlain(text, max), emoji: true })
/** `text` must already be mrkdwn (escaped where it holds data). */
export const mrkdwn = (text: string): Mrkdwn => ({ type: 'mrkdwn', text })
