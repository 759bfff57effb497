/**
 * The Mailpit dialect, against the catcher's HTTP API.
 *
 * Shapes followed (field for field): Mailpit's API v1 OpenAPI 2.0 document, server/ui/api/v1/swagger.json
 * in github.com/axllent/mailpit ("Mailpit API v1", https://mailpit.axllent.org/docs/api-v1/):
 * - MessagesSummary {total, unread, messages_count, start, tags, messages} (plus the legacy `count`
 *   server/apiv1/messages.go still sends) for GET /api/v1/messages and GET /api/v1/search, newest first;
 * - MessageSummary {ID, MessageID, Read, From, To, Cc, Bcc, ReplyTo, Subject, Created, Username, Tags,
 *   Size, Attachments, Snippet}; Address {Name, Address};
 * - Message {ID, MessageID, From, To, Cc, Bcc, ReplyTo, ReturnPath, Subject, ListUnsubscribe, Date,
 *   Tags, Username, Text, HTML, Size, Inline, Attachments} for GET /api/v1/message/{ID} (ID may be
 *   `latest`; 404 when there is none); Attachment {PartID, FileName, ContentType, ContentID, Size,
 *   Checksums} (Username, ListUnsubscribe and Checksums from internal/storage/structs.go);
 * - MessageHeadersResponse (name -> values) for /headers, the part's bytes for /part/{PartID};
 * - DELETE /api/v1/messages (body {IDs}, none = all) answers "ok"; search without a query answers 400;
 * - AppInformation {Version, LatestVersion, Database, DatabaseSize, Messages, Unread, Tags, RuntimeStats}.
 * Search syntax: https://mailpit.axllent.org/docs/usage/search-filters/. HTTPS and basic auth as
 * https://mailpit.axllent.org/docs/configuration/http/ describes (the whole API behind them).
 */
import { createHash } from 'node:crypto'
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { TransportError } from '@venomqa/core'
import { MailApiError, type MailCatcher, MailpitClient, startMailCatcher } from '../src'
import { selfSignedCert } from '@venomqa/test-utils'
import { NEVER_MS, PNG, deliver, richMail } from './helpers'

async function get(url: string, init?: RequestInit): Promise<{ status: number; type: string | null; body: any; text: string }> {
  const res = await fetch(url, init)
  const text = await res.text()
  let body: unknown
  try {
    body = JSON.parse(text)
  } catch {}
  return { status: res.status, type: res.headers.get('content-type'), body, text }
}

const SUMMARY_KEYS = ['Attachments', 'Bcc', 'Cc', 'Created', 'From', 'ID', 'MessageID', 'Read', 'ReplyTo', 'Size', 'Snippet', 'Subject', 'Tags', 'To', 'Username']
const MESSAGE_KEYS = ['Attachments', 'Bcc', 'Cc', 'Date', 'From', 'HTML', 'ID', 'Inline', 'ListUnsubscribe', 'MessageID', 'ReplyTo', 'ReturnPath', 'Size', 'Subject', 'Tags', 'Text', 'To', 'Username']

describe('Mailpit dialect', () => {
  let catcher: MailCatcher
  let client: MailpitClient
  beforeAll(async () => {
    catcher = await startMailCatcher()
    client = new MailpitClient({ url: catcher.apiUrl, smtp: catcher.smtpUrl, pollIntervalMs: 50 })
  })
  afterAll(async () => {
    await client.close()
    await catcher.close()
  })
  beforeEach(() => catcher.clear())

  describe('the catcher answers in Mailpit API v1 shapes', () => {
    it('GET /api/v1/messages: MessagesSummary of MessageSummary, newest first', async () => {
      await deliver(catcher.smtpUrl, richMail())
      await deliver(catcher.smtpUrl, { from: 'Relay <relay@example.com>', to: 'bob@example.com', subject: 'Plain', text: 'just   text\nhere' })
      const { status, type, body } = await get(`${catcher.apiUrl}/api/v1/messages`)
      expect(status).toBe(200)
      expect(type).toBe('application/json')
      expect(Object.keys(body).sort()).toEqual(['count', 'messages', 'messages_count', 'start', 'tags', 'total', 'unread'])
      expect(body).toMatchObject({ total: 2, unread: 2, count: 2, messages_count: 2, start: 0, tags: [] })
      const [plain, rich] = body.messages
      expect(Object.keys(plain).sort()).toEqual(SUMMARY_KEYS)
      expect(plain.ID).toMatch(/^[0-9A-Za-z]{22}$/)
      expect(plain.From).toEqual({ Name: 'Relay', Address: 'relay@example.com' })
      expect(plain.To).toEqual([{ Name: '', Address: 'bob@example.com' }])
      expect(plain).toMatchObject({ Read: false, Subject: 'Plain', Attachments: 0, Snippet: 'just text here', Tags: [], Username: '', Cc: [], Bcc: [], ReplyTo: [] })
      expect(plain.MessageID).not.toMatch(/[<>]/)
      expect(Number.isNaN(Date.parse(plain.Created))).toBe(false)
      expect(rich.Attachments).toBe(2) // the inline logo is not counted
      expect(rich.Cc).toEqual([{ Name: '', Address: 'carol@example.com' }])
      expect(rich.Bcc).toEqual([{ Name: '', Address: 'audit@example.com' }])
    })

    it('GET /api/v1/message/{ID}: Message with Attachment parts; marks it read; `latest`; 404', async () => {
      await deliver(catcher.smtpUrl, richMail())
      const id = (await get(`${catcher.apiUrl}/api/v1/messages`)).body.messages[0].ID
      const { status, body: m } = await get(`${catcher.apiUrl}/api/v1/message/${id}`)
      expect(status).toBe(200)
      expect(Object.keys(m).sort()).toEqual(MESSAGE_KEYS)
      expect(m).toMatchObject({ ID: id, Subject: 'Your invoice №42 – thank you', Text: 'Hello Alice,\nyour invoice is attached.\n', ReturnPath: 'shop@example.com', Tags: [], Username: '' })
      expect(m.From).toEqual({ Name: 'Shop', Address: 'shop@example.com' })
      expect(m.HTML).toContain('<b>Alice</b>')
      expect(m.ListUnsubscribe).toEqual({ Header: '', Links: [], Errors: '', HeaderPost: '' })
      expect(m.Attachments.map((a: any) => a.FileName)).toEqual(['invoice.pdf', 'pixel.png'])
      expect(m.Inline.map((a: any) => [a.FileName, a.ContentID])).toEqual([['logo.png', 'logo@shop']])
      const png = m.Attachments[1]
      expect(Object.keys(png).sort()).toEqual(['Checksums', 'ContentID', 'ContentType', 'FileName', 'PartID', 'Size'])
      expect(png).toMatchObject({ ContentType: 'image/png', Size: PNG.length, ContentID: '' })
      expect(png.Checksums).toEqual({
        MD5: createHash('md5').update(PNG).digest('hex'),
        SHA1: createHash('sha1').update(PNG).digest('hex'),
        SHA256: createHash('sha256').update(PNG).digest('hex'),
      })
      const part = await fetch(`${catcher.apiUrl}/api/v1/message/${id}/part/${png.PartID}`)
      expect(part.headers.get('content-type')).toBe('image/png')
      expect(Buffer.from(await part.arrayBuffer()).equals(PNG)).toBe(true)
      expect((await get(`${catcher.apiUrl}/api/v1/messages`)).body).toMatchObject({ unread: 0 })
      expect((await get(`${catcher.apiUrl}/api/v1/message/latest`)).body.ID).toBe(id)
      expect((await get(`${catcher.apiUrl}/api/v1/message/doesNotExist`)).status).toBe(404)
      catcher.clear()
      expect((await get(`${catcher.apiUrl}/api/v1/message/latest`)).status).toBe(404)
    })

    it('GET /api/v1/message/{ID}/headers: canonical names, every value, sorted; /raw gives the source', async () => {
      await deliver(catcher.smtpUrl, richMail())
      const id = (await get(`${catcher.apiUrl}/api/v1/messages`)).body.messages[0].ID
      const { body: headers } = await get(`${catcher.apiUrl}/api/v1/message/${id}/headers`)
      expect(headers['X-Order-Id']).toEqual(['ord-42'])
      expect(headers['Message-Id']).toHaveLength(1)
      expect(headers.Subject[0]).toMatch(/^=\?UTF-8\?/) // as sent, not decoded
      expect(Object.keys(headers)).toEqual([...Object.keys(headers)].sort())
      const raw = await get(`${catcher.apiUrl}/api/v1/message/${id}/raw`)
      expect(raw.type).toBe('text/plain; charset=utf-8')
      expect(raw.text).toContain('X-Order-ID: ord-42') // as nodemailer wrote it
    })

    it('GET /api/v1/search: Mailpit search filters; 400 without a query; DELETE /api/v1/search', async () => {
      await deliver(catcher.smtpUrl, { from: 'app@example.com', to: 'John Doe <john@example.com>', subject: 'Password Reset', text: 'reset link' })
      await deliver(catcher.smtpUrl, { from: 'billing@example.com', to: 'jane@example.com', subject: 'Invoice', text: 'pay now', attachments: [{ filename: 'i.pdf', content: 'x' }] })
      await deliver(catcher.smtpUrl, { from: 'app@example.com', to: 'jane@example.com', subject: 'Welcome', text: 'hello john' })
      const search = async (q: string) => (await get(`${catcher.apiUrl}/api/v1/search?query=${encodeURIComponent(q)}`)).body
      const r = await search('to:"john doe"')
      expect(r).toMatchObject({ total: 3, messages_count: 1, count: 1, start: 0 })
      expect(r.messages[0].Subject).toBe('Password Reset')
      expect((await search('from:app@example.com')).messages.map((m: any) => m.Subject)).toEqual(['Welcome', 'Password Reset'])
      expect((await search('subject:"password reset"')).messages_count).toBe(1)
      expect((await search('john')).messages_count).toBe(2) // a plain word looks in addresses and text
      expect((await search('john !subject:welcome')).messages_count).toBe(1)
      expect((await search('has:attachment')).messages.map((m: any) => m.Subject)).toEqual(['Invoice'])
      expect((await search('is:unread')).messages_count).toBe(3)
      expect((await get(`${catcher.apiUrl}/api/v1/search?query=`)).status).toBe(400)
      const del = await fetch(`${catcher.apiUrl}/api/v1/search?query=${encodeURIComponent('from:app@example.com')}`, { method: 'DELETE' })
      expect(await del.text()).toBe('ok')
      expect((await get(`${catcher.apiUrl}/api/v1/messages`)).body.total).toBe(1)
    })

    it('DELETE /api/v1/messages: the IDs given, or all; GET /api/v1/info: AppInformation', async () => {
      for (const s of ['a', 'b', 'c']) await deliver(catcher.smtpUrl, { from: 'x@example.com', to: 'y@example.com', subject: s, text: s })
      const ids = (await get(`${catcher.apiUrl}/api/v1/messages`)).body.messages.map((m: any) => m.ID)
      const one = await fetch(`${catcher.apiUrl}/api/v1/messages`, { method: 'DELETE', body: JSON.stringify({ IDs: [ids[0]] }) })
      expect(await one.text()).toBe('ok')
      expect((await get(`${catcher.apiUrl}/api/v1/messages`)).body.messages.map((m: any) => m.Subject)).toEqual(['b', 'a'])
      const { body: info } = await get(`${catcher.apiUrl}/api/v1/info`)
      expect(Object.keys(info).sort()).toEqual(['Database', 'DatabaseSize', 'LatestVersion', 'Messages', 'RuntimeStats', 'Tags', 'Unread', 'Version'])
      expect(Object.keys(info.RuntimeStats).sort()).toEqual(['Memory', 'MessagesDeleted', 'SMTPAccepted', 'SMTPAcceptedSize', 'SMTPIgnored', 'SMTPRejected', 'Uptime'])
      expect(info).toMatchObject({ Messages: 2, Unread: 2, Tags: {} })
      expect(info.RuntimeStats.MessagesDeleted).toBeGreaterThanOrEqual(1)
      await fetch(`${catcher.apiUrl}/api/v1/messages`, { method: 'DELETE' })
      expect((await get(`${catcher.apiUrl}/api/v1/info`)).body.Messages).toBe(0)
      expect((await get(`${catcher.apiUrl}/livez`)).status).toBe(200)
    })
  })

  describe('MailpitClient', () => {
    it('reads text, HTML, headers and attachments (bytes from /part/{PartID})', async () => {
      await deliver(catcher.smtpUrl, richMail())
      const [mail] = await client.list()
      expect(mail!.id).toMatch(/^[0-9A-Za-z]{22}$/)
      expect(mail!).toMatchObject({ from: 'shop@example.com', to: ['alice@example.com'], cc: ['carol@example.com'], bcc: ['audit@example.com'] })
      expect(mail!.subject).toBe('Your invoice №42 – thank you')
      expect(mail!.text).toBe('Hello Alice,\nyour invoice is attached.\n')
      expect(mail!.html).toContain('<b>Alice</b>')
      expect(mail!.headers['x-order-id']).toBe('ord-42')
      expect(mail!.headers.subject).toBe('Your invoice №42 – thank you') // encoded words decoded
      const byName = Object.fromEntries(mail!.attachments.map((a) => [a.filename, a]))
      expect(Object.keys(byName).sort()).toEqual(['invoice.pdf', 'logo.png', 'pixel.png'])
      expect(Buffer.from(byName['pixel.png']!.content).equals(PNG)).toBe(true)
      expect(Buffer.from(byName['invoice.pdf']!.content).toString()).toBe('%PDF-1.4 fake invoice')
      expect((await client.getLatest())?.id).toBe(mail!.id) // through /api/v1/message/latest
      expect(await client.get('doesNotExist')).toBeUndefined()
    })

    it('filters by to, from and subject through /api/v1/search, exactly', async () => {
      await deliver(catcher.smtpUrl, { from: 'app@example.com', to: 'bob@example.com', subject: 'Welcome Bob', text: 'hi' })
      await deliver(catcher.smtpUrl, { from: 'billing@example.com', to: 'alice@example.com', subject: 'Invoice 7', text: 'pay' })
      await deliver(catcher.smtpUrl, { from: 'app@example.com', to: 'alice@example.com', subject: 'Password "Reset"', text: 'reset' })
      await deliver(catcher.smtpUrl, { from: 'app@example.com', to: 'malice@example.com', subject: 'Password "Reset"', text: 'x' })
      expect((await client.list({ to: 'alice@example.com' })).map((m) => m.subject)).toEqual(['Password "Reset"', 'Invoice 7'])
      expect((await client.list({ from: 'app@example.com', subject: 'password "reset"' })).map((m) => m.to[0])).toEqual([
        'malice@example.com',
        'alice@example.com',
      ])
      expect((await client.list({ subject: /^Invoice \d$/ })).map((m) => m.subject)).toEqual(['Invoice 7'])
      expect((await client.list({ to: 'Alice <alice@example.com>' })).length).toBe(2) // a display name is allowed
      expect(await client.getLatest({ to: 'nobody@example.com' })).toBeUndefined()
    })

    it('`to` finds a recipient in To, Cc or Bcc, as documented (Mailpit\'s `to:` search sees To only)', async () => {
      await deliver(catcher.smtpUrl, { from: 'app@example.com', to: 'to@example.com', cc: 'cc@example.com', bcc: 'bcc@example.com', subject: 'Invoice', text: 'x' })
      await deliver(catcher.smtpUrl, { from: 'cc@example.com', to: 'other@example.com', replyTo: 'bcc@example.com', subject: 'Not to them', text: 'y' })
      for (const to of ['to@example.com', 'cc@example.com', 'bcc@example.com', 'Cc <cc@example.com>'])
        expect((await client.list({ to })).map((m) => m.subject), to).toEqual(['Invoice'])
      expect((await client.waitForEmail({ to: 'cc@example.com', timeoutMs: 1000 })).subject).toBe('Invoice')
      expect((await client.getLatest({ to: 'bcc@example.com' }))?.subject).toBe('Invoice')
    })

    it('waitForEmail, send, deleteAll, ids, deleteIds, info, healthCheck', async () => {
      const waiting = client.waitForEmail({ to: 'late@example.com', timeoutMs: 5000 })
      setTimeout(() => void client.send({ from: 'qa@example.com', to: 'late@example.com', subject: 'Late', text: 'x' }), 300)
      expect((await waiting).subject).toBe('Late')
      await client.send({ from: 'qa@example.com', to: 'z@example.com', subject: 'Second', text: 'y' })
      const ids = await client.ids()
      expect(ids.length).toBe(2)
      await client.deleteIds([ids[0]!])
      expect((await client.list()).map((m) => m.subject)).toEqual(['Late'])
      expect((await client.info()).Messages).toBe(1)
      await client.deleteAll()
      expect(await client.list()).toEqual([])
      expect(await client.healthCheck()).toBe(true)
    })
  })

  describe('a remote Mailpit over https with basic auth', () => {
    let secure: MailCatcher
    let tls: { key: string; cert: string }
    const auth = { username: 'qa', password: 's3cret:with:colons' }
    beforeAll(async () => {
      tls = selfSignedCert()
      secure = await startMailCatcher({ tls, auth })
      await deliver(secure.smtpUrl, { from: 'a@example.com', to: 'b@example.com', subject: 'over TLS', text: 'x' })
    })
    afterAll(() => secure.close())

    it('serves https', () => {
      expect(secure.apiUrl).toMatch(/^https:\/\//)
    })

    it('trusts the certificate given as tls.ca', async () => {
      const c = new MailpitClient({ url: secure.apiUrl, tls: { ca: tls.cert }, auth })
      try {
        expect(await c.healthCheck()).toBe(true)
        expect((await c.list()).map((m) => m.subject)).toEqual(['over TLS'])
      } finally {
        await c.close()
      }
    })

    it('accepts any certificate with rejectUnauthorized: false, and takes credentials from the URL', async () => {
      const u = new URL(secure.apiUrl)
      u.username = auth.username
      u.password = encodeURIComponent(auth.password)
      const c = new MailpitClient({ url: u.toString(), tls: { rejectUnauthorized: false } })
      try {
        expect((await c.getLatest())?.subject).toBe('over TLS')
      } finally {
        await c.close()
      }
    })

    it('refuses a self-signed certificate by default, with a TLS error that says what to do', async () => {
      const c = new MailpitClient({ url: secure.apiUrl, auth })
      try {
        expect(await c.healthCheck()).toBe(false)
        const err = await c.list().catch((e) => e)
        expect(err).toBeInstanceOf(TransportError)
        expect(err.kind).toBe('tls')
        expect(err.message).toMatch(/tls\.ca/)
        // A wait gives up at once, with the TLS error: no timeout can fix a certificate. Its own timeout
        // outlasts the test: a wait that kept trying would fail at the test's timeout.
        const waited = await c.waitForEmail({ subject: 'x', timeoutMs: NEVER_MS }).catch((e) => e)
        expect(waited).toBeInstanceOf(TransportError)
        expect(waited.kind).toBe('tls')
      } finally {
        await c.close()
      }
    })

    it('answers 401 without credentials, and the error says so', async () => {
      const c = new MailpitClient({ url: secure.apiUrl, tls: { ca: tls.cert } })
      try {
        const err = await c.list().catch((e) => e)
        expect(err).toBeInstanceOf(MailApiError)
        expect(err.status).toBe(401)
        expect(err.message).toMatch(/basic auth/)
        expect(await c.healthCheck()).toBe(false)
      } finally {
        await c.close()
      }
    })
  })
})
