import type { AddressInfo } from 'node:net'
import { SMTPServer } from 'smtp-server'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { SmtpSender } from '../src'
import { smtpTransportOptions } from '../src/smtp-sender'
import { selfSignedCert } from '@venomqa/test-utils'

interface Received {
  subject: string
  /** Whether the session had been upgraded with STARTTLS when the mail came in. */
  secure: boolean
  user?: string
}

// A real SMTP server that offers STARTTLS with a certificate no public CA signed, and refuses plain mail:
// a sender that cannot verify (or is not told to skip verifying) the certificate cannot deliver.
describe('SmtpSender over STARTTLS with a self-signed certificate', () => {
  const { key, cert } = selfSignedCert()
  const received: Received[] = []
  let server: SMTPServer
  let smtpUrl: string

  beforeAll(async () => {
    server = new SMTPServer({
      key,
      cert,
      authOptional: true,
      logger: false,
      onAuth(auth, _session, callback) {
        if (auth.username === 'qa' && auth.password === 'pa@ss') callback(null, { user: auth.username })
        else callback(new Error('bad credentials'))
      },
      onMailFrom(_address, session, callback) {
        callback(session.secure ? undefined : Object.assign(new Error('STARTTLS first'), { responseCode: 530 }))
      },
      onData(stream, session, callback) {
        let raw = ''
        stream.setEncoding('utf8')
        stream.on('data', (d: string) => (raw += d))
        stream.on('end', () => {
          received.push({
            subject: /^Subject: (.*)$/m.exec(raw)?.[1]?.trim() ?? '',
            secure: session.secure,
            ...(session.user ? { user: String(session.user) } : {}),
          })
          callback()
        })
      },
    })
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject)
      server.listen(0, '127.0.0.1', () => resolve())
    })
    smtpUrl = `smtp://127.0.0.1:${(server.server.address() as AddressInfo).port}`
  })
  afterAll(() => new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve())))

  async function sendWith(sender: SmtpSender, subject: string): Promise<void> {
    try {
      await sender.send({ from: 'qa@example.com', to: 'alice@example.com', subject, text: 'over TLS' })
    } finally {
      sender.close()
    }
  }

  it('delivers when `ca` trusts the certificate', async () => {
    await sendWith(new SmtpSender(smtpUrl, { ca: cert }), 'trusted by ca')
    expect(received.find((m) => m.subject === 'trusted by ca')).toEqual({ subject: 'trusted by ca', secure: true })
  })

  it('delivers when `rejectUnauthorized: false` skips verification', async () => {
    await sendWith(new SmtpSender(smtpUrl, { rejectUnauthorized: false }), 'unverified')
    expect(received.find((m) => m.subject === 'unverified')).toEqual({ subject: 'unverified', secure: true })
  })

  it('refuses the certificate by default, with an error that names the server and the cause', async () => {
    const error = await sendWith(new SmtpSender(smtpUrl), 'default').then(
      () => undefined,
      (err: unknown) => err,
    )
    expect(error).toMatchObject({ code: 'E_MAIL_SEND' })
    expect((error as Error).message).toContain(`sending mail through ${smtpUrl} failed`)
    expect((error as Error).message).toMatch(/self[- ]signed certificate/i)
    expect((error as Error).message).toContain('give `tls: { ca }`')
    expect(received.find((m) => m.subject === 'default')).toBeUndefined()
  })

  it('reads the URL as nodemailer does, and lets `tls` given in code win over `tls.*` in the query', () => {
    expect(smtpTransportOptions('smtps://u%40x:p%3Aw@[::1]:2465?name=qa.test&pool=true&tls.servername=mail.test&tls.rejectUnauthorized=true', { rejectUnauthorized: false })).toEqual({
      host: '::1',
      port: 2465,
      secure: true,
      auth: { user: 'u@x', pass: 'p:w' },
      name: 'qa.test',
      pool: true,
      tls: { servername: 'mail.test', rejectUnauthorized: false },
      connectionTimeout: 10_000,
      greetingTimeout: 10_000,
      socketTimeout: 10_000,
    })
    const timeouts = { connectionTimeout: 10_000, greetingTimeout: 10_000, socketTimeout: 10_000 }
    expect(smtpTransportOptions('smtp://127.0.0.1:1025')).toEqual({ host: '127.0.0.1', port: 1025, secure: false, ...timeouts })
    // The URL's own win over the defaults.
    expect(smtpTransportOptions('smtp://127.0.0.1:1025?socketTimeout=60000', undefined, 500)).toMatchObject({ connectionTimeout: 500, greetingTimeout: 500, socketTimeout: 60_000 })
    expect(() => smtpTransportOptions('http://127.0.0.1:1025')).toThrow(/not an SMTP URL.*smtp:\/\/ or smtps:\/\//)
  })

  it('names a URL it cannot read without its password, one with a # in it too', () => {
    // Read as a parser reads it, `#w0rd@...` is a fragment and `p` a port: the URL does not parse.
    expect(() => smtpTransportOptions('smtp://app:p#w0rd@127.0.0.1:1025')).toThrow(/^not an SMTP URL: smtp:\/\/app:\*\*\*@127\.0\.0\.1:1025 /)
    expect(() => smtpTransportOptions('http://app:p@ss/w0rd@127.0.0.1:1025')).toThrow(/^not an SMTP URL: http:\/\/app:\*\*\*@127\.0\.0\.1:1025 /)
  })

  it('keeps `tls` when the URL carries credentials and query options too', async () => {
    const withAuth = smtpUrl.replace('smtp://', 'smtp://qa:pa%40ss@')
    await sendWith(new SmtpSender(`${withAuth}?name=venomqa.test`, { ca: [cert] }), 'with credentials')
    expect(received.find((m) => m.subject === 'with credentials')).toEqual({ subject: 'with credentials', secure: true, user: 'qa' })
  })
})
