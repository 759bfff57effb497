import { ConfigError, UserError } from '@venomqa/core'
import { type MailCatcher, startMailCatcher } from './catcher'

export interface ServeIo {
  stdout: { write(text: string): unknown }
  /** Stops the catcher when aborted. Without one, SIGINT and SIGTERM stop it. */
  signal?: AbortSignal
  /** Called once the catcher listens (tests, wrappers). */
  onReady?: (catcher: MailCatcher) => void
}

const USAGE = 'usage: mail-catcher [--smtp-port <n>] [--http-port <n>] [--host <address>]'

/** `--smtp-port 1025 --http-port=8025 --host 0.0.0.0` -> options; a mistake is a ConfigError naming it. */
export function parseServeArgs(args: string[]): { smtpPort?: number; httpPort?: number; host?: string } {
  const out: { smtpPort?: number; httpPort?: number; host?: string } = {}
  for (let i = 0; i < args.length; i++) {
    const [flag, inline] = args[i]!.split(/=(.*)/s, 2) as [string, string | undefined]
    const value = inline ?? args[++i]
    if (value === undefined) throw new ConfigError(`${flag} needs a value; ${USAGE}`, { where: flag })
    if (flag === '--host') out.host = value
    else if (flag === '--smtp-port' || flag === '--http-port') {
      // Digits only: Number() reads '' and ' ' as 0 (a random port) and '0x19' as 25.
      const n = /^\d+$/.test(value) ? Number(value) : Number.NaN
      if (!Number.isInteger(n) || n < 0 || n > 65535) throw new ConfigError(`${flag} must be a port from 0 to 65535, got "${value}"`, { where: flag })
      out[flag === '--smtp-port' ? 'smtpPort' : 'httpPort'] = n
    } else throw new ConfigError(`unknown option ${flag}; ${USAGE}`, { where: flag })
  }
  return out
}

/** The flag of each catcher option, as the user typed it. */
const FLAGS: Record<string, string> = { smtpPort: '--smtp-port', httpPort: '--http-port', host: '--host' }

/**
 * A catcher's mistake (a taken or forbidden port) names its option, `smtpPort`; on the command line the
 * user wrote `--smtp-port`, so that is where it is.
 */
function atFlag(err: unknown): unknown {
  const where = err instanceof UserError ? err.where : undefined
  if (where && Object.hasOwn(FLAGS, where)) Object.defineProperty(err, 'where', { value: FLAGS[where], configurable: true, enumerable: true })
  return err
}

/**
 * Run the catcher in the foreground until stopped, like `mailhog` or `mailpit` would: for a team that
 * starts its app by hand and wants the same mailbox its journeys read (mode 'mailhog' or 'mailpit'
 * pointed at the printed API URL). Defaults to MailHog's and Mailpit's ports, 1025 and 8025.
 */
export async function serveMailCatcher(args: string[], io: ServeIo): Promise<void> {
  const options = parseServeArgs(args)
  const catcher = await startMailCatcher({ smtpPort: options.smtpPort ?? 1025, httpPort: options.httpPort ?? 8025, host: options.host }).catch((err) => {
    throw atFlag(err)
  })
  io.stdout.write(`mail catcher listening\n  SMTP ${catcher.smtpUrl}   (give this to the app, e.g. SMTP_URL)\n  API  ${catcher.apiUrl}   (MailHog and Mailpit APIs)\n`)
  io.onReady?.(catcher)
  await new Promise<void>((resolve) => {
    if (io.signal) {
      if (io.signal.aborted) return resolve()
      io.signal.addEventListener('abort', () => resolve(), { once: true })
      return
    }
    const stop = () => {
      process.off('SIGINT', stop)
      process.off('SIGTERM', stop)
      resolve()
    }
    process.on('SIGINT', stop)
    process.on('SIGTERM', stop)
  })
  await catcher.close()
  io.stdout.write('mail catcher stopped\n')
}
