import net from 'node:net'
import nodemailer from 'nodemailer'

/** Deliver one message over real SMTP with nodemailer, as an app would. */
export async function deliver(smtpUrl: string, mail: nodemailer.SendMailOptions): Promise<void> {
  const transport = nodemailer.createTransport(smtpUrl)
  try {
    await transport.sendMail(mail)
  } finally {
    transport.close()
  }
}

/** A 1x1 PNG: binary content whose bytes must come back unchanged. */
export const PNG = Buffer.from(
  'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==',
  'base64',
)

/** The mail the dialect tests read back: text, HTML, an inline image, a binary and a text attachment. */
export function richMail(to = 'alice@example.com'): nodemailer.SendMailOptions {
  return {
    from: '"Shop" <shop@example.com>',
    to,
    cc: 'carol@example.com',
    bcc: 'audit@example.com',
    subject: 'Your invoice №42 – thank you',
    text: 'Hello Alice,\nyour invoice is attached.\n',
    html: '<p>Hello <b>Alice</b>, your invoice is attached.</p><img src="cid:logo@shop">',
    headers: { 'X-Order-Id': 'ord-42' },
    attachments: [
      { filename: 'invoice.pdf', content: Buffer.from('%PDF-1.4 fake invoice'), contentType: 'application/pdf' },
      { filename: 'pixel.png', content: PNG, contentType: 'image/png' },
      { filename: 'logo.png', content: PNG, contentType: 'image/png', cid: 'logo@shop' },
    ],
  }
}

/** True if something accepts TCP connections at host:port. */
export function accepts(port: number, host = '127.0.0.1'): Promise<boolean> {
  return new Promise((resolve) => {
    const s = net.connect({ port, host })
    s.once('connect', () => {
      s.destroy()
      resolve(true)
    })
    s.once('error', () => resolve(false))
  })
}


/** The longest a Node timer waits (about 24 days): a timeout of this length outlasts any test. */
export const NEVER_MS = 2_147_483_647

/**
 * Whether `tested` settles before `reference`, and what it settled with: two calls that give up at their
 * own timeouts, `tested`'s the one under test and `reference`'s a longer one set on purpose. Which timeout
 * held is then told by the order of two events, not by a clock. The reference starts first: a `tested` that
 * ignored its timeout and waited as long (or a longer default) settles second. The reference's own outcome
 * is not looked at.
 */
export async function settlesFirst(tested: () => Promise<unknown>, reference: () => Promise<unknown>): Promise<{ first: boolean; settled: unknown }> {
  const settled = (p: Promise<unknown>) => p.then((value) => value, (err: unknown) => err)
  const referenceSettled = settled(reference()).then(() => false)
  const testedSettled = settled(tested())
  const first = await Promise.race([testedSettled.then(() => true), referenceSettled])
  return { first, settled: await testedSettled }
}
