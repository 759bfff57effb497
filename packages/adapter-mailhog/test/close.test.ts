import net from 'node:net'
import nodemailer from 'nodemailer'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { MailpitClient, startMailCatcher } from '../src'
import { accepts } from './helpers'

describe('closing the catcher', () => {
  // A test that failed on the fake clock must not leave it to the next one.
  afterEach(() => {
    vi.useRealTimers()
  })

  it('leaves no port open, even with a client still connected to each', async () => {
    const catcher = await startMailCatcher()
    const { smtpPort, httpPort } = catcher
    // an app's pooled transport keeps its SMTP connection open between mails
    const pooled = nodemailer.createTransport({ url: catcher.smtpUrl, pool: true } as nodemailer.TransportOptions)
    await pooled.sendMail({ from: 'a@example.com', to: 'b@example.com', subject: 'pooled', text: 'x' })
    // a keep-alive HTTP connection
    const client = new MailpitClient({ url: catcher.apiUrl })
    expect((await client.list()).length).toBe(1)
    // and a raw socket in the middle of an SMTP session
    const raw = net.connect(smtpPort, '127.0.0.1')
    await new Promise((r) => raw.once('data', r))
    raw.on('error', () => {})
    let told = ''
    raw.on('data', (d: Buffer) => (told += d.toString()))
    const rawClosed = new Promise((r) => raw.once('close', r))
    // and an HTTP request still coming in (a delete, whose IDs the catcher reads): its body never ends, and
    // a server that waited for it would wait its request timeout (5 min), longer than the test.
    const upload = net.connect(httpPort, '127.0.0.1')
    upload.on('error', () => {})
    await new Promise((r) => upload.once('connect', r))
    upload.write('DELETE /api/v1/messages HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 100\r\n\r\n{"ids":')
    const uploadClosed = new Promise((r) => upload.once('close', r))

    // The catcher gives open SMTP connections half a second to finish, then closes them; SMTPServer's own
    // grace is 30 s. Measured on a fake clock: once it has moved a second, close() is done. With the 30 s,
    // close() would wait on a fake timer the test never moves that far, and the test fail at its timeout,
    // however fast or slow the machine.
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] })
    try {
      const closing = catcher.close()
      await vi.advanceTimersByTimeAsync(1000)
      await closing
    } finally {
      vi.useRealTimers()
    }
    // Each connection was ended by the catcher: the SMTP client told why.
    await Promise.all([rawClosed, uploadClosed])
    expect(told).toMatch(/^421 /m)
    expect(await accepts(smtpPort)).toBe(false)
    expect(await accepts(httpPort)).toBe(false)
    await catcher.close() // twice is fine

    pooled.close()
    raw.destroy()
    upload.destroy()
    await client.close()
  })

  it('listening on 0.0.0.0 still hands out a connectable 127.0.0.1 address', async () => {
    const catcher = await startMailCatcher({ host: '0.0.0.0' })
    try {
      expect(catcher.smtpUrl).toBe(`smtp://127.0.0.1:${catcher.smtpPort}`)
      expect(await accepts(catcher.smtpPort)).toBe(true)
    } finally {
      await catcher.close()
    }
    expect(await accepts(catcher.smtpPort)).toBe(false)
  })

  it('refuses a port that is not a port', async () => {
    await expect(startMailCatcher({ smtpPort: -1 })).rejects.toThrow(/smtpPort must be a port number from 0 to 65535, got -1/)
  })
})
