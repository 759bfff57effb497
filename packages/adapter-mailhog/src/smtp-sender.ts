import type { OutgoingEmail } from '@venomqa/core'
import { VenomError, errorMessage, redactWholeUrl, refuseUnknownEmailFields } from '@venomqa/core'
import type { Transporter } from 'nodemailer'
import type SMTPTransport from 'nodemailer/lib/smtp-transport'
import { lazyRequire } from './lazy-require'
import type { TlsOptions } from './types'

const nodemailer = lazyRequire<typeof import('nodemailer')>('nodemailer')

/** nodemailer's SMTP options; URL query options (`?name=`, `?pool=`...) are passed on as they come. */
type SmtpOptions = SMTPTransport.Options & Record<string, unknown>

const SMTP_TIMEOUT_MS = 10_000

/** Sends mail over SMTP with nodemailer; one transport, opened on first use, closed by `close`. */
export class SmtpSender {
  readonly smtpUrl: string
  readonly #tls?: TlsOptions
  #transport?: Transporter

  readonly #timeoutMs: number
  /** Where the user wrote the SMTP address (`plugins[0].smtp`), named when nothing is found there. */
  readonly #where?: string

  /**
   * `timeoutMs` bounds each stage of a send: connecting, the server's greeting, any silence after it (default
   * 10 s). `where` names the option that gave `smtpUrl`, for a send that finds no server at that address.
   */
  constructor(smtpUrl: string, tls?: TlsOptions, timeoutMs = SMTP_TIMEOUT_MS, where?: string) {
    this.smtpUrl = smtpUrl
    this.#tls = tls
    this.#timeoutMs = timeoutMs
    this.#where = where
  }

  async send(mail: OutgoingEmail): Promise<void> {
    refuseUnknownEmailFields(mail)
    this.#transport ??= nodemailer().createTransport(smtpTransportOptions(this.smtpUrl, this.#tls, this.#timeoutMs))
    try {
      await this.#transport.sendMail({
        from: mail.from,
        to: mail.to,
        cc: mail.cc,
        bcc: mail.bcc,
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
      const hint = /certificate/i.test(errorMessage(err))
        ? ' (the SMTP server\'s TLS certificate is not trusted: give `tls: { ca }` with the PEM of the CA that signed it, or `tls: { rejectUnauthorized: false }` for a test server you trust)'
        : ''
      const at = this.#where !== undefined && findsNoServer(err) ? `${this.#where}: ` : ''
      throw new VenomError('E_MAIL_SEND', `${at}sending mail through ${redactWholeUrl(this.smtpUrl)} failed: ${errorMessage(err)}${hint}`, {
        cause: err,
      })
    }
  }

  close(): void {
    this.#transport?.close()
    this.#transport = undefined
  }
}

/**
 * nodemailer's options for an SMTP URL plus TLS settings. nodemailer itself cannot take both: given
 * `{ url, tls }` it keeps only what the URL says, so a private CA or `rejectUnauthorized: false` would
 * never reach the STARTTLS handshake. The URL is read the way nodemailer reads it (smtps: is implicit TLS;
 * credentials; query options, `tls.*` ones included), and settings given in code win over the URL's.
 */
export function smtpTransportOptions(smtpUrl: string, tls?: TlsOptions, timeoutMs = SMTP_TIMEOUT_MS): SmtpOptions {
  let url: URL
  try {
    url = new URL(smtpUrl)
  } catch {
    throw new VenomError('E_MAIL_SEND', `not an SMTP URL: ${redactWholeUrl(smtpUrl)} (expected e.g. smtp://127.0.0.1:1025)`)
  }
  if (url.protocol !== 'smtp:' && url.protocol !== 'smtps:')
    throw new VenomError('E_MAIL_SEND', `not an SMTP URL: ${redactWholeUrl(smtpUrl)} (expected smtp:// or smtps://)`)
  // nodemailer waits 2 minutes to connect, 30 s for the greeting and 10 minutes of silence: a server that
  // accepts and says nothing held a send (and its step) that long. The URL's own (`?socketTimeout=`) win.
  const options: SmtpOptions = {
    host: url.hostname.replace(/^\[(.*)\]$/, '$1'),
    secure: url.protocol === 'smtps:',
    connectionTimeout: timeoutMs,
    greetingTimeout: timeoutMs,
    socketTimeout: timeoutMs,
  }
  if (url.port) options.port = Number(url.port)
  if (url.username || url.password)
    options.auth = { user: decodeURIComponent(url.username), pass: decodeURIComponent(url.password) }
  const urlTls: Record<string, unknown> = {}
  for (const [key, text] of url.searchParams) {
    const value = text === 'true' ? true : text === 'false' ? false : text !== '' && !Number.isNaN(Number(text)) ? Number(text) : text
    if (key.startsWith('tls.')) urlTls[key.slice(4)] = value
    else if (!key.includes('.')) options[key] = value
  }
  const given = Object.fromEntries(Object.entries({ ca: tls?.ca, rejectUnauthorized: tls?.rejectUnauthorized }).filter(([, v]) => v !== undefined))
  if (Object.keys(urlTls).length || Object.keys(given).length) options.tls = { ...urlTls, ...given }
  return options
}

/** Whether a send failed because nothing answers at the address: no such host, or nothing listening. */
function findsNoServer(err: unknown): boolean {
  const code = (err as { code?: unknown })?.code
  return code === 'EDNS' || /\b(ECONNREFUSED|ENOTFOUND|EAI_AGAIN)\b/.test(errorMessage(err))
}
