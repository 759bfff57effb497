import net from 'node:net'
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest'
import { type MailCatcher, startMailCatcher } from '../src'
import { PNG, deliver, richMail } from './helpers'

// Real SMTP: nodemailer talks to the catcher's smtp-server over TCP; the catcher parses with mailparser.
describe('mail catcher: SMTP delivery', () => {
  let catcher: MailCatcher
  beforeAll(async () => {
    catcher = await startMailCatcher()
  })
  afterAll(() => catcher.close())
  beforeEach(() => catcher.clear())

  it('gives the addresses it listens on', () => {
    expect(catcher.smtpUrl).toBe(`smtp://127.0.0.1:${catcher.smtpPort}`)
    expect(catcher.apiUrl).toBe(`http://127.0.0.1:${catcher.httpPort}`)
    expect(catcher.smtpPort).toBeGreaterThan(0)
    expect(catcher.httpPort).not.toBe(catcher.smtpPort)
  })

  it('keeps text, HTML, headers and attachments of a delivered mail', async () => {
    await deliver(catcher.smtpUrl, richMail())
    const [mail] = catcher.messages()
    expect(mail).toBeDefined()
    expect(mail!.from).toBe('shop@example.com')
    expect(mail!.to).toEqual(['alice@example.com'])
    expect(mail!.cc).toEqual(['carol@example.com'])
    expect(mail!.bcc).toEqual(['audit@example.com'])
    expect(mail!.subject).toBe('Your invoice №42 – thank you')
    expect(mail!.text).toBe('Hello Alice,\nyour invoice is attached.\n')
    expect(mail!.html).toContain('<b>Alice</b>')
    expect(mail!.headers['x-order-id']).toBe('ord-42')
    expect(mail!.headers.subject).toBe('Your invoice №42 – thank you')
    expect(mail!.headers.from).toContain('shop@example.com')
    expect(mail!.headers['content-type']).toMatch(/^multipart\//)
    const byName = Object.fromEntries(mail!.attachments.map((a) => [a.filename, a]))
    expect(Object.keys(byName).sort()).toEqual(['invoice.pdf', 'logo.png', 'pixel.png'])
    expect(Buffer.from(byName['invoice.pdf']!.content).toString()).toBe('%PDF-1.4 fake invoice')
    expect(byName['invoice.pdf']!.contentType).toBe('application/pdf')
    expect(Buffer.from(byName['pixel.png']!.content).equals(PNG)).toBe(true)
    expect(byName['pixel.png']!.size).toBe(PNG.length)
    expect(Date.parse(mail!.receivedAt)).toBeGreaterThan(Date.now() - 60_000)
  })

  it('lists newest first and filters by to, from and subject (substring or RegExp)', async () => {
    await deliver(catcher.smtpUrl, { from: 'app@example.com', to: 'bob@example.com', subject: 'Welcome Bob', text: 'hi' })
    await deliver(catcher.smtpUrl, { from: 'billing@example.com', to: 'Alice <alice@example.com>', subject: 'Invoice 7', text: 'pay' })
    await deliver(catcher.smtpUrl, { from: 'app@example.com', to: 'alice@example.com', subject: 'Password Reset', text: 'reset' })
    const client = catcher.client()
    expect((await client.list()).map((m) => m.subject)).toEqual(['Password Reset', 'Invoice 7', 'Welcome Bob'])
    expect((await client.list({ to: 'alice@example.com' })).map((m) => m.subject)).toEqual(['Password Reset', 'Invoice 7'])
    expect((await client.list({ to: 'ALICE@example.com' })).length).toBe(2)
    expect((await client.list({ to: 'lice@example.com' })).length).toBe(0) // with an @ the whole address must match
    expect((await client.list({ to: 'example.com' })).length).toBe(3) // without one, a part is enough
    expect((await client.list({ from: 'app@example.com' })).map((m) => m.subject)).toEqual(['Password Reset', 'Welcome Bob'])
    expect((await client.list({ subject: 'password reset' })).length).toBe(1)
    expect((await client.list({ subject: /^Invoice \d+$/ })).map((m) => m.subject)).toEqual(['Invoice 7'])
    expect((await client.list({ to: 'alice@example.com', from: 'billing@example.com' })).map((m) => m.subject)).toEqual(['Invoice 7'])
    expect((await client.getLatest({ from: 'app@example.com' }))?.subject).toBe('Password Reset')
    expect(await client.getLatest({ subject: 'nothing like this' })).toBeUndefined()
  })

  it('finds a blind-copied recipient with a `to` filter', async () => {
    await deliver(catcher.smtpUrl, { from: 'a@example.com', to: 'b@example.com', bcc: 'hidden@example.com', subject: 's', text: 't' })
    const client = catcher.client()
    const [mail] = await client.list({ to: 'hidden@example.com' })
    expect(mail?.to).toEqual(['b@example.com'])
    expect(mail?.bcc).toEqual(['hidden@example.com'])
  })

  it('a mail sent only to blind copies has no `to`, as Mailpit gives it: its recipients are in `bcc`', async () => {
    // Before, an empty To header was filled from the SMTP envelope, so the hidden recipient showed in `to`
    // and `bcc` both, where Mailpit (and the README: `bcc` is the recipients no header shows) has it in `bcc` only.
    await deliver(catcher.smtpUrl, { from: 'a@example.com', bcc: ['x@example.com', 'y@example.com'], subject: 'hidden only', text: 't' })
    const client = catcher.client()
    const mail = await client.getLatest({ to: 'y@example.com' })
    expect(mail).toMatchObject({ subject: 'hidden only', to: [], cc: [], bcc: ['x@example.com', 'y@example.com'] })
  })

  it('sends through its own SMTP port with the port\'s send()', async () => {
    const client = catcher.client()
    await client.send({
      from: 'qa@example.com',
      to: ['x@example.com', 'y@example.com'],
      subject: 'Sent by the port',
      text: 'plain',
      html: '<i>rich</i>',
      attachments: [{ filename: 'a.txt', content: 'attached text', contentType: 'text/plain' }],
    })
    const mail = await client.getLatest({ subject: 'Sent by the port' })
    expect(mail?.to).toEqual(['x@example.com', 'y@example.com'])
    expect(mail?.html).toBe('<i>rich</i>')
    expect(Buffer.from(mail!.attachments[0]!.content).toString()).toBe('attached text')
  })

  it('keeps a mail with only HTML, and gives text made from it', async () => {
    await deliver(catcher.smtpUrl, { from: 'a@example.com', to: 'b@example.com', subject: 'html only', html: '<p>Reset at <a href="http://x/r/1">link</a></p>' })
    const [mail] = catcher.messages()
    expect(mail!.html).toContain('http://x/r/1')
    expect(mail!.text).toContain('http://x/r/1')
  })

  // smtp-server schedules its greeting 100 ms after a connection opens (setTimeout); the catcher greets
  // without it (see greetAtOnce). With setTimeout faked and never advanced, the greeting still comes; the
  // 100 ms one never would. The wait for it uses the real setTimeout, taken before the fake.
  it('greets a client without waiting for a timer', async () => {
    const { setTimeout: realSetTimeout, clearTimeout: realClearTimeout } = globalThis
    vi.useFakeTimers({ toFake: ['setTimeout'] })
    const socket = net.connect(catcher.smtpPort, '127.0.0.1')
    let deadline: NodeJS.Timeout | undefined
    try {
      const greeting = await new Promise<string>((resolve, reject) => {
        deadline = realSetTimeout(() => reject(new Error('no greeting without the 100 ms timer')), 5000)
        socket.setEncoding('utf8')
        socket.on('error', reject)
        // The greeting's first line, however TCP splits it.
        let heard = ''
        socket.on('data', (chunk: string) => {
          heard += chunk
          if (heard.includes('\r\n')) resolve(heard.slice(0, heard.indexOf('\r\n')))
        })
      })
      expect(greeting).toMatch(/^220 /)
    } finally {
      realClearTimeout(deadline)
      vi.useRealTimers()
      socket.end('QUIT\r\n')
    }
    await deliver(catcher.smtpUrl, { from: 'a@example.com', to: 'b@example.com', subject: 'greeted at once', text: 'x' })
    expect(catcher.messages().map((m) => m.subject)).toEqual(['greeted at once'])
  })

  it('deleteAll empties the mailbox', async () => {
    await deliver(catcher.smtpUrl, { from: 'a@example.com', to: 'b@example.com', subject: 's', text: 't' })
    const client = catcher.client()
    expect((await client.list()).length).toBe(1)
    await client.deleteAll()
    expect(await client.list()).toEqual([])
    expect(await client.healthCheck()).toBe(true)
  })
})
