import net from 'node:net'
import nodemailer from 'nodemailer'
import { describe, expect, it } from 'vitest'
import { MailpitClient, startMailCatcher } from '../src'
import { accepts } from './helpers'

describe('closing the catcher', () => {
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

    const started = Date.now()
    await catcher.close()
    expect(Date.now() - started).toBeLessThan(5000)
    expect(await accepts(smtpPort)).toBe(false)
    expect(await accepts(httpPort)).toBe(false)
    await catcher.close() // twice is fine

    pooled.close()
    raw.destroy()
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
