/**
 * The MailHog dialect, against the catcher's HTTP API.
 *
 * Shapes followed (field for field), from MailHog v1.0.1's server, which is what MailHog clients meet:
 * - github.com/mailhog/MailHog-Server api/v2.go: GET /api/v2/messages and GET /api/v2/search answer
 *   `{total, count, start, items}` (start >= 0, limit default 50, at most 250; search needs
 *   kind=from|to|containing and a query, else 400), Content-Type `text/json`.
 * - github.com/mailhog/MailHog-Server api/v1.go: DELETE /api/v1/messages, GET|DELETE /api/v1/messages/{id}
 *   (an unknown id answers 200 `null` with the in-memory storage).
 * - github.com/mailhog/data message.go: Message {ID, From, To, Content, Created, MIME, Raw},
 *   Path {Relays, Mailbox, Domain, Params}, Content {Headers, Body, Size, MIME}, MIMEBody {Parts},
 *   SMTPMessage {From, To, Data, Helo}; MailHog adds Message-ID (if missing), Received and Return-Path.
 * - github.com/mailhog/storage memory.go: lists and searches newest first.
 * MailHog's swagger (docs/APIv2/swagger-2.0.yaml) calls the list `messages` and writes fields in lower
 * case; the server never did, so the shapes follow the server.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { MailApiError, MailHogClient, type MailCatcher, startMailCatcher } from '../src'
import { PNG, deliver, richMail } from './helpers'

async function get(url: string): Promise<{ status: number; type: string | null; body: any }> {
  const res = await fetch(url)
  const text = await res.text()
  return { status: res.status, type: res.headers.get('content-type'), body: text ? JSON.parse(text) : undefined }
}

describe('MailHog dialect', () => {
  let catcher: MailCatcher
  let client: MailHogClient
  beforeAll(async () => {
    catcher = await startMailCatcher()
    client = new MailHogClient({ url: catcher.apiUrl, smtp: catcher.smtpUrl, pollIntervalMs: 50 })
  })
  afterAll(async () => {
    await client.close()
    await catcher.close()
  })
  beforeEach(() => catcher.clear())

  describe('the catcher answers in MailHog-Server shapes', () => {
    it('GET /api/v2/messages: {total, count, start, items} of data.Message', async () => {
      await deliver(catcher.smtpUrl, richMail())
      await deliver(catcher.smtpUrl, { from: 'relay@example.com', to: 'bob@example.com', subject: 'Plain', text: 'just text' })
      const { status, type, body } = await get(`${catcher.apiUrl}/api/v2/messages`)
      expect(status).toBe(200)
      expect(type).toBe('text/json')
      expect(Object.keys(body).sort()).toEqual(['count', 'items', 'start', 'total'])
      expect(body).toMatchObject({ total: 2, count: 2, start: 0 })
      const [plain, rich] = body.items
      expect(Object.keys(plain).sort()).toEqual(['Content', 'Created', 'From', 'ID', 'MIME', 'Raw', 'To'])
      expect(plain.ID).toMatch(/^[A-Za-z0-9_-]+=*@mailhog\.example$/)
      expect(plain.From).toEqual({ Relays: null, Mailbox: 'relay', Domain: 'example.com', Params: '' })
      expect(plain.To).toEqual([{ Relays: null, Mailbox: 'bob', Domain: 'example.com', Params: '' }])
      expect(Object.keys(plain.Content).sort()).toEqual(['Body', 'Headers', 'MIME', 'Size'])
      expect(plain.Content.Headers.Subject).toEqual(['Plain'])
      expect(plain.Content.Headers['Return-Path']).toEqual(['<relay@example.com>'])
      expect(plain.Content.Headers.Received[0]).toMatch(/^from .* by mailhog\.example \(MailHog\)\r\n {10}id .*; \w{3}, \d{2} \w{3} \d{4} /)
      expect(plain.Content.Body).toContain('just text')
      expect(plain.Content.MIME).toBeNull()
      expect(plain.MIME).toBeNull()
      expect(Number.isNaN(Date.parse(plain.Created))).toBe(false)
      expect(Object.keys(plain.Raw).sort()).toEqual(['Data', 'From', 'Helo', 'To'])
      expect(plain.Raw.From).toBe('relay@example.com')
      expect(plain.Raw.To).toEqual(['bob@example.com'])
      expect(plain.Raw.Data).toContain('Subject: Plain')
      expect(plain.Content.Size).toBe(Buffer.byteLength(plain.Raw.Data))
      // envelope recipients include the Bcc, which no header shows
      expect(rich.To.map((p: any) => `${p.Mailbox}@${p.Domain}`).sort()).toEqual([
        'alice@example.com',
        'audit@example.com',
        'carol@example.com',
      ])
    })

    it('multipart messages carry MIME.Parts, each a Content with its own Headers and (still encoded) Body', async () => {
      await deliver(catcher.smtpUrl, richMail())
      const { body } = await get(`${catcher.apiUrl}/api/v2/messages`)
      const m = body.items[0]
      expect(m.Content.Headers['Content-Type'][0]).toMatch(/^multipart\/mixed; boundary=/)
      expect(m.MIME.Parts.length).toBe(3) // the alternative/related body, then two attachments
      const [bodyPart, pdf, png] = m.MIME.Parts
      expect(Object.keys(pdf).sort()).toEqual(['Body', 'Headers', 'MIME', 'Size'])
      expect(pdf.Headers['Content-Type'][0]).toMatch(/^application\/pdf/)
      expect(pdf.Headers['Content-Disposition'][0]).toContain('invoice.pdf')
      expect(Buffer.from(pdf.Body.replace(/\s+/g, ''), 'base64').toString()).toBe('%PDF-1.4 fake invoice')
      expect(Buffer.from(png.Body.replace(/\s+/g, ''), 'base64').equals(PNG)).toBe(true)
      expect(bodyPart.Headers['Content-Type'][0]).toMatch(/^multipart\//)
      expect(bodyPart.MIME.Parts.length).toBeGreaterThanOrEqual(2)
    })

    it('GET /api/v2/search: kind to|from|containing, newest first; 400 otherwise', async () => {
      await deliver(catcher.smtpUrl, { from: 'a@example.com', to: 'x@example.com', subject: 'First', text: 'alpha' })
      await deliver(catcher.smtpUrl, { from: 'b@example.com', to: 'x@example.com', subject: 'Second', text: 'beta' })
      await deliver(catcher.smtpUrl, { from: 'a@example.com', to: 'y@example.com', subject: 'Third', text: 'gamma' })
      const to = await get(`${catcher.apiUrl}/api/v2/search?kind=to&query=X@EXAMPLE.COM`)
      expect(to.body).toMatchObject({ total: 2, count: 2, start: 0 })
      expect(to.body.items.map((m: any) => m.Content.Headers.Subject[0])).toEqual(['Second', 'First'])
      const from = await get(`${catcher.apiUrl}/api/v2/search?kind=from&query=a@example.com&limit=1`)
      expect(from.body).toMatchObject({ total: 2, count: 1, start: 0 })
      expect(from.body.items[0].Content.Headers.Subject).toEqual(['Third'])
      const containing = await get(`${catcher.apiUrl}/api/v2/search?kind=containing&query=beta`)
      expect(containing.body.total).toBe(1)
      expect((await get(`${catcher.apiUrl}/api/v2/search?kind=subject&query=x`)).status).toBe(400)
      expect((await get(`${catcher.apiUrl}/api/v2/search?kind=to`)).status).toBe(400)
    })

    it('paging: start and limit (at most 250)', async () => {
      for (const s of ['1', '2', '3']) await deliver(catcher.smtpUrl, { from: 'a@example.com', to: 'b@example.com', subject: s, text: s })
      const page = await get(`${catcher.apiUrl}/api/v2/messages?start=1&limit=1`)
      expect(page.body).toMatchObject({ total: 3, count: 1, start: 1 })
      expect(page.body.items[0].Content.Headers.Subject).toEqual(['2'])
      const beyond = await get(`${catcher.apiUrl}/api/v2/messages?start=5`)
      expect(beyond.body).toEqual({ total: 3, count: 0, start: 5, items: [] })
    })

    it('v1: GET one by id (null when unknown), DELETE one, DELETE all', async () => {
      await deliver(catcher.smtpUrl, { from: 'a@example.com', to: 'b@example.com', subject: 'one', text: '1' })
      await deliver(catcher.smtpUrl, { from: 'a@example.com', to: 'b@example.com', subject: 'two', text: '2' })
      const list = await get(`${catcher.apiUrl}/api/v2/messages`)
      const id = list.body.items[0].ID
      const one = await get(`${catcher.apiUrl}/api/v1/messages/${encodeURIComponent(id)}`)
      expect(one.status).toBe(200)
      expect(one.body.ID).toBe(id)
      const unknown = await get(`${catcher.apiUrl}/api/v1/messages/nope@mailhog.example`)
      expect(unknown).toMatchObject({ status: 200, body: null })
      expect((await fetch(`${catcher.apiUrl}/api/v1/messages/${encodeURIComponent(id)}`, { method: 'DELETE' })).status).toBe(200)
      expect((await get(`${catcher.apiUrl}/api/v2/messages`)).body.total).toBe(1)
      expect((await fetch(`${catcher.apiUrl}/api/v1/messages`, { method: 'DELETE' })).status).toBe(200)
      expect((await get(`${catcher.apiUrl}/api/v2/messages`)).body.total).toBe(0)
    })
  })

  describe('MailHogClient', () => {
    it('reads text, HTML, headers and attachments out of MailHog messages', async () => {
      await deliver(catcher.smtpUrl, richMail())
      const [mail] = await client.list()
      expect(mail!.id).toMatch(/@mailhog\.example$/)
      expect(mail!.from).toBe('shop@example.com')
      expect(mail!.to).toEqual(['alice@example.com'])
      expect(mail!.cc).toEqual(['carol@example.com'])
      expect(mail!.bcc).toEqual(['audit@example.com'])
      expect(mail!.subject).toBe('Your invoice №42 – thank you')
      expect(mail!.text).toBe('Hello Alice,\nyour invoice is attached.\n')
      expect(mail!.html).toContain('<b>Alice</b>')
      expect(mail!.headers['x-order-id']).toBe('ord-42')
      expect(mail!.headers['return-path']).toContain('shop@example.com') // added by MailHog on receipt
      const byName = Object.fromEntries(mail!.attachments.map((a) => [a.filename, a]))
      expect(Object.keys(byName).sort()).toEqual(['invoice.pdf', 'logo.png', 'pixel.png'])
      expect(Buffer.from(byName['pixel.png']!.content).equals(PNG)).toBe(true)
      expect(byName['invoice.pdf']!.contentType).toBe('application/pdf')
      expect(await client.get(mail!.id)).toMatchObject({ id: mail!.id, subject: mail!.subject })
      expect(await client.get('nope@mailhog.example')).toBeUndefined()
    })

    it('filters by to, from and subject through /api/v2/search, exactly', async () => {
      await deliver(catcher.smtpUrl, { from: 'app@example.com', to: 'bob@example.com', subject: 'Welcome Bob', text: 'hi' })
      await deliver(catcher.smtpUrl, { from: 'billing@example.com', to: 'alice@example.com', subject: 'Invoice 7', text: 'pay' })
      await deliver(catcher.smtpUrl, { from: 'app@example.com', to: 'alice@example.com', subject: 'Password Reset', text: 'reset' })
      await deliver(catcher.smtpUrl, { from: 'app@example.com', to: 'malice@example.com', subject: 'Password Reset', text: 'x' })
      expect((await client.list()).length).toBe(4)
      // MailHog's `to` search is a substring search: malice@ matches alice@; the client keeps exact matches only
      expect((await client.list({ to: 'alice@example.com' })).map((m) => m.subject)).toEqual(['Password Reset', 'Invoice 7'])
      expect((await client.list({ from: 'app@example.com', subject: 'reset' })).map((m) => m.to[0])).toEqual([
        'malice@example.com',
        'alice@example.com',
      ])
      expect((await client.list({ subject: /^Invoice/ })).map((m) => m.subject)).toEqual(['Invoice 7'])
      expect((await client.list({ to: 'Alice <alice@example.com>' })).length).toBe(2) // a display name is allowed
      expect((await client.getLatest({ to: 'bob@example.com' }))?.subject).toBe('Welcome Bob')
    })

    it('finds a non-ASCII subject, which MailHog searches only in its RFC 2047-encoded form', async () => {
      // nodemailer sends this subject as an encoded word (=?UTF-8?Q?R=C3=A9initialisation...?=): MailHog's
      // `containing` search looks at those raw bytes, so the subject is matched here, on the decoded one.
      await deliver(catcher.smtpUrl, { from: 'app@example.com', to: 'bob@example.com', subject: 'Réinitialisation du mot de passe', text: 'x' })
      await deliver(catcher.smtpUrl, { from: 'app@example.com', to: 'alice@example.com', subject: 'Welcome', text: 'y' })
      expect((await client.list({ subject: 'mot de passe' })).map((m) => m.subject)).toEqual(['Réinitialisation du mot de passe'])
      expect((await client.list({ subject: 'réinitialisation' })).length).toBe(1)
      expect((await client.list({ to: 'bob@example.com', subject: 'Réinitialisation' })).length).toBe(1)
      expect((await client.list({ to: 'alice@example.com', subject: 'Réinitialisation' })).length).toBe(0)
      expect((await client.waitForEmail({ subject: 'Réinitialisation', timeoutMs: 1000 })).to).toEqual(['bob@example.com'])
    })

    it('waitForEmail sees a mail that arrives while it waits', async () => {
      const waiting = client.waitForEmail({ to: 'late@example.com', subject: 'Password Reset', timeoutMs: 5000 })
      setTimeout(() => void deliver(catcher.smtpUrl, { from: 'app@example.com', to: 'late@example.com', subject: 'Password Reset', text: 'go' }), 300)
      const mail = await waiting
      expect(mail.subject).toBe('Password Reset')
      expect(mail.text).toContain('go')
    })

    it('send, deleteAll, healthCheck, ids and deleteIds', async () => {
      await client.send({ from: 'qa@example.com', to: 'z@example.com', subject: 'from the client', text: 'x' })
      await client.send({ from: 'qa@example.com', to: 'z@example.com', subject: 'second', text: 'y' })
      const ids = await client.ids()
      expect(ids.length).toBe(2)
      await client.deleteIds([ids[0]!])
      expect((await client.list()).map((m) => m.subject)).toEqual(['from the client'])
      await client.deleteAll()
      expect(await client.list()).toEqual([])
      expect(await client.healthCheck()).toBe(true)
    })

    it('healthCheck is false, never a throw, when nothing answers or the API is not MailHog', async () => {
      const nowhere = new MailHogClient({ url: 'http://127.0.0.1:1' })
      expect(await nowhere.healthCheck()).toBe(false)
      await nowhere.close()
      const wrong = new MailHogClient({ url: `${catcher.apiUrl}/not-here` })
      expect(await wrong.healthCheck()).toBe(false)
      await expect(wrong.list()).rejects.toBeInstanceOf(MailApiError)
      await wrong.close()
    })
  })
})
