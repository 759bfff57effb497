import type { SMTPServer } from 'smtp-server'
import { lazyRequire } from '../lazy-require'
import type { MessageStore } from './store'

// Required when the embedded catcher starts: a run with a remote MailHog or Mailpit never needs it. It ships
// ES and CommonJS builds; nothing of it is shared with the app, so which one is loaded does not matter.
const smtpServer = lazyRequire<typeof import('smtp-server')>('smtp-server')

/** 25 MB, Mailpit's default limit. */
const MAX_SIZE = 25 * 1024 * 1024

/**
 * A real SMTP server that stores every message it is given. It accepts any sender, recipient and login
 * (AUTH is optional), offers no STARTTLS (a self-signed certificate would make strict clients give up),
 * and answers 250 only once the message is stored, so a mail the app has finished sending is already
 * visible through the API.
 */
export function createCatcherSmtpServer(store: MessageStore): SMTPServer {
  const { SMTPServer } = smtpServer()
  const server: SMTPServer = new SMTPServer({
    name: store.hostname,
    banner: 'VenomQA mail catcher',
    authOptional: true,
    allowInsecureAuth: true,
    disabledCommands: ['STARTTLS'],
    size: MAX_SIZE,
    logger: false,
    // A reverse DNS lookup per connection costs up to seconds where DNS is slow or absent.
    disableReverseLookup: true,
    // Connections a client keeps open (a pooled transport) get 421 after this long when the catcher closes.
    closeTimeout: 500,
    onAuth(auth, _session, callback) {
      callback(null, { user: auth.username ?? 'anonymous' })
    },
    onData(stream, session, callback) {
      const chunks: Buffer[] = []
      stream.on('data', (c: Buffer) => chunks.push(c))
      stream.on('error', (err: Error) => callback(err))
      stream.on('end', () => {
        if ((stream as { sizeExceeded?: boolean }).sizeExceeded) {
          store.stats.rejected++
          const err = Object.assign(new Error(`message exceeds the ${MAX_SIZE} byte limit`), { responseCode: 552 })
          return callback(err)
        }
        const envelope = {
          from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
          to: session.envelope.rcptTo.map((r) => r.address),
          helo: session.hostNameAppearsAs ?? '',
          username: typeof session.user === 'string' ? session.user : '',
        }
        store.add(Buffer.concat(chunks), envelope).then(
          () => callback(),
          (err: Error) => {
            store.stats.rejected++
            callback(Object.assign(new Error(`could not store the message: ${err.message}`), { responseCode: 451 }))
          },
        )
      })
    },
  })
  // Without a listener a client's protocol error would be thrown as an unhandled 'error' event.
  server.on('error', () => {})
  greetAtOnce(server)
  return server
}

/**
 * Greet each client as soon as it connects. smtp-server waits 100 ms before its greeting, with no option to
 * change it, to catch "early talkers" (spam senders that speak before they are greeted): each mail an app
 * sent to the catcher took 100 ms longer, about two thirds of a local send, and an app that sends while
 * handling a request answered that much later. A catcher in a test has no spam to keep out.
 *
 * After smtp-server's own connect (listeners set, the delayed greeting scheduled), the connection is made
 * ready now, and the scheduled call finds nothing left to do. `connect`, `connections` and
 * `connectionReady` are in smtp-server's published types. A connection that starts with a TLS handshake
 * keeps the delay: its greeting must wait for the handshake (the catcher offers no TLS today).
 */
function greetAtOnce(server: SMTPServer): void {
  const connect = server.connect
  server.connect = function (this: SMTPServer, ...args: Parameters<SMTPServer['connect']>) {
    connect.apply(this, args)
    // The one connect just added: a Set keeps the order things were added in.
    const added = [...this.connections].at(-1)
    if (!added || added.needsUpgrade) return
    added.connectionReady()
    added.connectionReady = () => {}
  }
}
