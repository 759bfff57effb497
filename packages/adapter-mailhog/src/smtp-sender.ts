import type { OutgoingEmail } from '@venomqa/core'
import { VenomError, errorMessage } from '@venomqa/core'
import nodemailer, { type Transporter } from 'nodemailer'
import type { TlsOptions } from './types'

/** Sends mail over SMTP with nodemailer; one transport, opened on first use, closed by `close`. */
export class SmtpSender {
  readonly smtpUrl: string
  readonly #tls?: TlsOptions
  #transport?: Transporter

  constructor(smtpUrl: string, tls?: TlsOptions) {
    this.smtpUrl = smtpUrl
    this.#tls = tls
  }

  async send(mail: OutgoingEmail): Promise<void> {
    this.#transport ??= nodemailer.createTransport({
      url: this.smtpUrl,
      tls: { rejectUnauthorized: this.#tls?.rejectUnauthorized, ca: this.#tls?.ca },
    } as Parameters<typeof nodemailer.createTransport>[0])
    try {
      await this.#transport.sendMail({
        from: mail.from,
        to: mail.to,
        subject: mail.subject,
        text: mail.text,
        html: mail.html,
        attachments: mail.attachments?.map((a) => ({
          filename: a.filename,
          content: typeof a.content === 'string' ? a.content : Buffer.from(a.content),
          contentType: a.contentType,
        })),
      })
    } catch (err) {
      throw new VenomError('E_MAIL_SEND', `sending mail through ${redactUrl(this.smtpUrl)} failed: ${errorMessage(err)}`, {
        cause: err,
      })
    }
  }

  close(): void {
    this.#transport?.close()
    this.#transport = undefined
  }
}

/** The URL without its password, for messages. */
export function redactUrl(url: string): string {
  try {
    const u = new URL(url)
    if (u.password) u.password = '***'
    return u.toString().replace(/\/$/, '')
  } catch {
    return url
  }
}
