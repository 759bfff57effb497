import { describe, expect, it } from 'vitest'
import { ControllableClock } from '../../src/adapters/controllable-clock'
import { MemoryMail } from '../../src/adapters/memory-mail'

describe('MemoryMail', () => {
  it('filters by recipient (bare address, any case, To or Cc), sender and subject (text or RegExp)', async () => {
    const mail = new MemoryMail()
    mail.deliver({ from: 'App <noreply@app.test>', to: 'Alice <alice@example.com>', subject: 'Welcome', text: 'hi' })
    mail.deliver({ from: 'noreply@app.test', to: ['bob@example.com'], cc: ['ALICE@example.com'], subject: 'Password Reset' })
    mail.deliver({ from: 'billing@app.test', to: 'bob@example.com', subject: 'Invoice #12' })

    expect((await mail.list({ to: 'alice@example.com' })).map((m) => m.subject)).toEqual(['Welcome', 'Password Reset'])
    expect((await mail.list({ from: 'NOREPLY@app.test' })).map((m) => m.subject)).toEqual(['Welcome', 'Password Reset'])
    expect((await mail.list({ subject: 'Reset' })).map((m) => m.to)).toEqual([['bob@example.com']])
    expect((await mail.list({ subject: /^invoice #\d+$/i })).map((m) => m.from)).toEqual(['billing@app.test'])
    expect((await mail.getLatest({ to: 'bob@example.com' }))?.subject).toBe('Invoice #12')
    expect(await mail.getLatest({ to: 'nobody@example.com' })).toBeUndefined()
    expect(await mail.list()).toHaveLength(3)
  })

  it('waitForEmail resolves when the mail arrives later', async () => {
    const mail = new MemoryMail()
    setTimeout(() => mail.deliver({ from: 'a@x.test', to: 'user@example.com', subject: 'Password Reset', text: 'reset: /api/auth/reset/abc' }), 20)
    const email = await mail.waitForEmail({ to: 'user@example.com', subject: 'Password Reset', timeoutMs: 5000 })
    expect(email.text).toMatch(/\/reset\/abc/)
  })

  it('waitForEmail rejects at the timeout, saying what it waited for and what was there', async () => {
    const mail = new MemoryMail()
    mail.deliver({ from: 'a@x.test', to: 'other@example.com', subject: 'Hello' })
    await expect(mail.waitForEmail({ to: 'user@example.com', timeoutMs: 30 })).rejects.toThrow(
      'no email matching to="user@example.com" arrived within 30 ms (1 in the mailbox; latest: "Hello" to other@example.com)',
    )
  })

  it('send() stores the mail in the mailbox and in sent(), with attachments', async () => {
    const clock = new ControllableClock({ frozen: true, at: new Date('2024-05-05T10:00:00Z') })
    const mail = new MemoryMail({ clock })
    await mail.send({ from: 'me@x.test', to: 'you@x.test', subject: 'Report', text: 'attached', attachments: [{ filename: 'r.txt', content: 'abc' }] })
    const [got] = await mail.list({ to: 'you@x.test' })
    expect(got).toMatchObject({ subject: 'Report', receivedAt: '2024-05-05T10:00:00.000Z' })
    expect(got.attachments[0]).toMatchObject({ filename: 'r.txt', size: 3, contentType: 'application/octet-stream' })
    expect(mail.sent().map((m) => m.subject)).toEqual(['Report'])
    await expect(mail.send({ from: 'me@x.test', to: [], subject: 'x' })).rejects.toThrow(/"to" needs at least one address/)
  })

  it('send() sends cc and bcc, found by a `to` filter as the catcher finds them; a field it would not send is refused', async () => {
    const mail = new MemoryMail()
    await mail.send({ from: 'me@x.test', to: 'you@x.test', cc: 'copy@x.test', bcc: ['hidden@x.test'], subject: 'Both', text: 't' })
    const [got] = await mail.list({ to: 'copy@x.test' })
    expect(got).toMatchObject({ to: ['you@x.test'], cc: ['copy@x.test'], bcc: ['hidden@x.test'] })
    expect((await mail.list({ to: 'hidden@x.test' })).map((m) => m.subject)).toEqual(['Both'])
    await expect(mail.send({ from: 'me@x.test', to: 'you@x.test', subject: 's', cC: 'x@x.test', replyTo: 'r@x.test' } as never)).rejects.toMatchObject({
      code: 'E_MAIL',
      message: 'mail.send: fields a mail cannot be sent with: "cC" (did you mean "cc"?), "replyTo"; it takes from, to, cc, bcc, subject, text, html, attachments',
    })
    expect(mail.sent().map((m) => m.subject)).toEqual(['Both'])
  })

  it('deleteAll empties the mailbox; returned mails are copies', async () => {
    const mail = new MemoryMail()
    mail.deliver({ from: 'a@x.test', to: 'b@x.test', subject: 'One' })
    const [first] = await mail.list()
    first.to.push('intruder@x.test')
    expect((await mail.list())[0].to).toEqual(['b@x.test'])
    await mail.deleteAll()
    expect(await mail.list()).toEqual([])
  })
})
