/**
 * Mail sent to the embedded catcher: how long an app's `sendMail` takes, through the catcher
 * (@venomqa/adapter-mailhog's startMailCatcher, built) and through smtp-server set up as the catcher is but
 * greeting as smtp-server does by default, 100 ms after each connection opens (its early-talker check; the
 * catcher greets at once, see src/catcher/smtp-server.ts). Both in this process, sent to by nodemailer as
 * an app sends: a transport without a pool (a new connection per mail, nodemailer's default) and a pooled
 * one (one connection for every mail). Mails alternate between the two servers, so that machine noise
 * hits both alike. Medians of ROUNDS (default 40) mails per server and transport, after 5 to warm up.
 *
 *   pnpm --filter @venomqa/adapter-mailhog build && pnpm bench mail-send
 */
import { startMailCatcher } from '@venomqa/adapter-mailhog'
import nodemailer from 'nodemailer'
import { SMTPServer } from 'smtp-server'
import { median, spread } from '../cli-project'

const ROUNDS = Number(process.env.ROUNDS ?? 40)
const WARM_UP = 5

const catcher = await startMailCatcher()
// The catcher's smtp-server options (src/catcher/smtp-server.ts), storing nothing: the greeting is the difference.
const plain = new SMTPServer({
  authOptional: true,
  allowInsecureAuth: true,
  disabledCommands: ['STARTTLS'],
  logger: false,
  disableReverseLookup: true,
  onData(stream, _session, callback) {
    stream.resume()
    stream.on('end', () => callback())
  },
})
await new Promise<void>((resolve) => plain.listen(0, '127.0.0.1', resolve))
const plainPort = (plain.server.address() as { port: number }).port

const servers = { catcher: catcher.smtpPort, 'smtp-server default': plainPort }
const transports = {
  'a connection per mail': (port: number) => nodemailer.createTransport({ host: '127.0.0.1', port, secure: false, ignoreTLS: true }),
  pooled: (port: number) => nodemailer.createTransport({ host: '127.0.0.1', port, secure: false, ignoreTLS: true, pool: true, maxConnections: 1 }),
}

const times = new Map<string, number[]>()
try {
  for (const [kind, make] of Object.entries(transports)) {
    const open = Object.fromEntries(Object.entries(servers).map(([name, port]) => [name, make(port)]))
    for (let i = 0; i < WARM_UP + ROUNDS; i++)
      for (const [name, transport] of Object.entries(open)) {
        const t0 = performance.now()
        await transport.sendMail({ from: 'shop@example.com', to: 'alice@example.com', subject: `order ${i}`, text: 'Thank you for your order.' })
        const ms = performance.now() - t0
        const key = `${kind}|${name}`
        if (i >= WARM_UP) times.set(key, [...(times.get(key) ?? []), ms])
      }
    for (const transport of Object.values(open)) transport.close()
  }
} finally {
  await catcher.close()
  await new Promise<void>((resolve) => plain.close(() => resolve()))
}

console.log(`mail-send: nodemailer sendMail to a local SMTP server, median of ${ROUNDS} mails each, alternated`)
console.log('')
console.log('| transport             | catcher (ms) | smtp-server default (ms) | catcher / default | its quartiles |')
console.log('|-----------------------|--------------|--------------------------|-------------------|---------------|')
for (const kind of Object.keys(transports)) {
  const ours = times.get(`${kind}|catcher`)!
  const theirs = times.get(`${kind}|smtp-server default`)!
  const ratio = spread(ours.map((t, i) => t / theirs[i]!))
  console.log(
    `| ${kind.padEnd(21)} | ${median(ours).toFixed(1).padStart(12)} | ${median(theirs).toFixed(1).padStart(24)} | ${`${ratio.median.toFixed(2)}x`.padStart(17)} | ${`${ratio.low.toFixed(2)}-${ratio.high.toFixed(2)}x`.padStart(13)} |`,
  )
}
