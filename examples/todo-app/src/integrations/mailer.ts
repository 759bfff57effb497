import type { Transporter } from 'nodemailer'

export const RESET_MAIL_FROM = 'Todo App <no-reply@todo.test>'
export const RESET_MAIL_SUBJECT = 'Password Reset'

/** Sends the password-reset mail through SMTP_URL (smtp://host:port). */
export class Mailer {
  readonly #transport: Transporter

  private constructor(transport: Transporter) {
    this.#transport = transport
  }

  static async create(smtpUrl: string): Promise<Mailer> {
    const { default: nodemailer } = await import('nodemailer')
    return new Mailer(nodemailer.createTransport(smtpUrl))
  }

  async sendPasswordReset(to: string, link: string): Promise<void> {
    await this.#transport.sendMail({
      from: RESET_MAIL_FROM,
      to,
      subject: RESET_MAIL_SUBJECT,
      text: `Someone asked to reset the password of your Todo App account.\n\nTo choose a new one, POST {"password": "..."} to:\n${link}\n\nIf it was not you, ignore this mail.\n`,
      html: `<p>Someone asked to reset the password of your Todo App account.</p>
<p>To choose a new one, POST <code>{"password": "..."}</code> to <a href="${link}">${link}</a>.</p>
<p>If it was not you, ignore this mail.</p>`,
    })
  }

  close(): void {
    this.#transport.close()
  }
}
