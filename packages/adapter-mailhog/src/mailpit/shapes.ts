/**
 * Mailpit's API v1 JSON, as documented by Mailpit's OpenAPI 2.0 file (server/ui/api/v1/swagger.json,
 * "Mailpit API v1", rendered at https://mailpit.axllent.org/docs/api-v1/view.html), with the fields the
 * current server structs add (internal/storage/structs.go: Username, ListUnsubscribe, attachment
 * Checksums) and the legacy `count` the server still sends in a list.
 */

/** Go's net/mail Address. */
export interface MailpitAddress {
  Name: string
  Address: string
}

export interface MailpitAttachment {
  PartID: string
  FileName: string
  ContentType: string
  ContentID: string
  Size: number
  Checksums: { MD5: string; SHA1: string; SHA256: string }
}

/** One entry of a list or search. */
export interface MailpitMessageSummary {
  ID: string
  MessageID: string
  Read: boolean
  From: MailpitAddress | null
  To: MailpitAddress[]
  Cc: MailpitAddress[]
  Bcc: MailpitAddress[]
  ReplyTo: MailpitAddress[]
  Subject: string
  /** Received, RFC 3339. */
  Created: string
  Username: string
  Tags: string[]
  Size: number
  /** How many attachments (not counting inline parts). */
  Attachments: number
  /** Up to 250 characters of the text. */
  Snippet: string
}

/** GET /api/v1/messages and GET /api/v1/search. */
export interface MailpitMessagesSummary {
  /** Messages in the mailbox. */
  total: number
  unread: number
  /** Legacy, undocumented since 2023-07: the number of messages in this answer. */
  count: number
  /** Messages matching the query (all of them for a plain list). */
  messages_count: number
  start: number
  tags: string[]
  messages: MailpitMessageSummary[]
}

/** GET /api/v1/message/{ID}. */
export interface MailpitMessage {
  ID: string
  MessageID: string
  From: MailpitAddress | null
  To: MailpitAddress[]
  Cc: MailpitAddress[]
  Bcc: MailpitAddress[]
  ReplyTo: MailpitAddress[]
  ReturnPath: string
  Subject: string
  ListUnsubscribe: { Header: string; Links: string[]; Errors: string; HeaderPost: string }
  /** The Date header if set, else when received; RFC 3339. */
  Date: string
  Tags: string[]
  Username: string
  Text: string
  HTML: string
  Size: number
  Inline: MailpitAttachment[]
  Attachments: MailpitAttachment[]
}

/** GET /api/v1/info. */
export interface MailpitAppInformation {
  Version: string
  LatestVersion: string
  Database: string
  DatabaseSize: number
  Messages: number
  Unread: number
  Tags: Record<string, number>
  RuntimeStats: {
    Uptime: number
    Memory: number
    MessagesDeleted: number
    SMTPAccepted: number
    SMTPAcceptedSize: number
    SMTPRejected: number
    SMTPIgnored: number
  }
}

/** GET /api/v1/message/{ID}/headers: each header (Go canonical name) to all its values. */
export type MailpitMessageHeaders = Record<string, string[]>

/**
 * A search query in Mailpit's syntax (https://mailpit.axllent.org/docs/usage/search-filters/) for the
 * parts of a filter it can express (`to` as `addressed:`, a superset). Mailpit has no escape for a quote inside a quoted term, so a value
 * with quotes becomes one term per piece between them; the results are a superset, and the exact
 * filter is applied to them anyway.
 */
export function mailpitQuery(filter: { to?: string; from?: string; subject?: string | RegExp }): string {
  const terms: string[] = []
  const add = (field: string, value: string) => {
    for (const piece of value.split('"').map((p) => p.trim()))
      if (piece) terms.push(`${field}:"${piece}"`)
  }
  // A filter's `to` is any of To, Cc and Bcc; Mailpit's `to:` looks at To only, so a mail sent to the
  // address in Cc or Bcc was never found. `addressed:` looks at To, Cc, Bcc, From and Reply-To: a superset,
  // which matchesFilter narrows to the recipients.
  if (filter.to !== undefined) add('addressed', bareOf(filter.to))
  if (filter.from !== undefined) add('from', bareOf(filter.from))
  if (typeof filter.subject === 'string') add('subject', filter.subject)
  return terms.join(' ')
}

function bareOf(address: string): string {
  const m = /<([^>]*)>/.exec(address)
  return m ? m[1]! : address
}
