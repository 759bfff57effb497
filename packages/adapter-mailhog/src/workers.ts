import { ConfigError, type MainSystem, type StateBackend, type WorkerApp, type WorkerAppResources, type WorkerPart, asWorkerSetup } from '@venomqa/core'
import { type MailCatcher, startMailCatcher } from './catcher'
import { CatcherMailClient } from './catcher/client'
import { MailCatcherState } from './catcher/state'
import type { MessageStore } from './catcher/store'

/** What a mail catcher part gives the app of each worker. */
export interface MailCatcherWorkerResources {
  /** The worker's own catcher: where its app sends mail (`smtp://127.0.0.1:<port>`). */
  smtpUrl: string
  /** Its MailHog- and Mailpit-compatible API. */
  mailApiUrl: string
}

export interface MailCatcherWorkersOptions {
  /** Start the app for worker `index` against `smtpUrl`. Leave it out inside composeWorkers, whose startApp gets every part's resources. */
  startApp?(index: number, smtpUrl: string, resources: WorkerAppResources<MailCatcherWorkerResources>): Promise<WorkerApp>
  /** The main catcher, when you started it yourself. Default: the one behind the run's mail port (the plugin's, mode 'embedded'). */
  catcher?: MailCatcher
  /** The name of the mail port, the run's and each worker's. Default 'mail'. */
  portName?: string
  /** Interface the workers' catchers listen on. Default 127.0.0.1. */
  host?: string
  /** Environment variables that carry the worker's SMTP and API URLs to its app (`resources.env`). Default SMTP_URL and MAIL_API_URL. */
  env?: { smtp?: string; api?: string }
}

const PART = 'mailCatcherWorkers'

/**
 * Worker setup (and part for composeWorkers) for apps that send mail to the embedded catcher: each worker
 * gets a catcher of its own, its own `mail` port and state backend. At each sync the worker's mailbox
 * becomes a copy of the main one's at the checkpoint (same messages and ids, read flags of its own), so a
 * path there starts with exactly the mail a path on the main line starts with.
 */
export function mailCatcherWorkers(options: MailCatcherWorkersOptions = {}) {
  if (options.startApp !== undefined && typeof options.startApp !== 'function')
    throw new ConfigError(`${PART}: \`startApp(index, smtpUrl)\` must be a function`, { where: 'startApp' })
  const portName = options.portName ?? 'mail'
  const catchers = new Map<number, MailCatcher>()

  /** The main mailbox: the `catcher` option's, or the one the run's mail port reads. */
  const mainStore = (main: MainSystem): MessageStore => {
    if (options.catcher) return options.catcher.store
    const port = main.ports.get(portName)
    if (port instanceof CatcherMailClient) return port.store
    throw new ConfigError(
      port === undefined
        ? `${PART}: the run has no mail port named "${portName}"; register the mail plugin in mode 'embedded' (plugins: ['@venomqa/adapter-mailhog']), or give the catcher you started: mailCatcherWorkers({ catcher })`
        : `${PART}: the run's "${portName}" port is not the embedded mail catcher (a MailHog or Mailpit server cannot be copied); use the plugin's mode 'embedded', or give the catcher you started: mailCatcherWorkers({ catcher })`,
      { where: 'catcher' },
    )
  }

  /** The timings of the run's mail port (the plugin's pollIntervalMs, defaultTimeoutMs, requestTimeoutMs). */
  const mainClientSettings = (main: MainSystem): CatcherMailClient['settings'] => {
    const port = main.ports.get(portName)
    return port instanceof CatcherMailClient ? port.settings : {}
  }

  const part: WorkerPart<MailCatcherWorkerResources> = {
    part: PART,
    needsApp: true,
    check(main) {
      mainStore(main)
    },
    async prepare(index, main) {
      mainStore(main)
      const catcher = await startMailCatcher({ host: options.host })
      catchers.set(index, catcher)
      return {
        resources: { smtpUrl: catcher.smtpUrl, mailApiUrl: catcher.apiUrl },
        env: { [options.env?.smtp ?? 'SMTP_URL']: catcher.smtpUrl, [options.env?.api ?? 'MAIL_API_URL']: catcher.apiUrl },
        stateBackends: [catcher.stateBackend(`mail-catcher:w${index}`)],
        // With the main port's timings: a wait on a worker gives up when one on the main line would.
        ports: { [portName]: catcher.client(mainClientSettings(main)) },
        close: async () => {
          catchers.delete(index)
          await catcher.close()
        },
      }
    },
    async sync(index, info) {
      const catcher = catchers.get(index)
      if (!catcher) throw new Error(`worker ${index} was not created`)
      catcher.store.copyFrom(mainStore(info.main).snapshot())
    },
    covers: (b: StateBackend) => b instanceof MailCatcherState,
  }
  const startApp = options.startApp
  return asWorkerSetup(part, startApp && ((index, resources) => startApp(index, resources.smtpUrl, resources)), 'startApp(index, smtpUrl)')
}
