import { pathToFileURL } from 'node:url'
import { UserError } from '@venomqa/core'
import { EXIT, type Io } from '../exit'
import { findPackage } from '../plugins/resolve'

interface MailCatcherModule {
  serveMailCatcher(args: string[], io: { stdout: NodeJS.WritableStream }): Promise<void>
}

/**
 * `venomqa mail-catcher`: the embedded SMTP catcher with MailHog's and Mailpit's APIs, in the
 * foreground until Ctrl-C, for a team without MailHog. It lives in @venomqa/adapter-mailhog, found from
 * the user's project like any plugin.
 */
export async function mailCatcherCommand(opts: { smtpPort?: string; httpPort?: string; host?: string }, io: Io): Promise<number> {
  const found = findPackage('@venomqa/adapter-mailhog', io.cwd)
  if (!found)
    throw new UserError('E_PLUGIN', 'the mail catcher comes with @venomqa/adapter-mailhog, which is not installed in this project: npm install -D @venomqa/adapter-mailhog')
  const mod = (await import(pathToFileURL(found.entry).href)) as MailCatcherModule
  const args: string[] = []
  if (opts.smtpPort) args.push('--smtp-port', opts.smtpPort)
  if (opts.httpPort) args.push('--http-port', opts.httpPort)
  if (opts.host) args.push('--host', opts.host)
  await mod.serveMailCatcher(args, { stdout: io.stdout })
  return EXIT.OK
}
