import { mailPlugin } from './plugin'

export default mailPlugin
export { mailPlugin, PLUGIN_NAME, PLUGIN_VERSION, type MailPluginOptions } from './plugin'

export { startMailCatcher, type MailCatcher, type MailCatcherOptions } from './catcher'
export { CatcherMailClient } from './catcher/client'
export { MailCatcherState } from './catcher/state'
export { MessageStore, type StoredMessage, type Envelope, type MailboxSnapshot } from './catcher/store'

export { MailHogClient } from './mailhog/client'
export { MailpitClient } from './mailpit/client'
export { MailClientBase, MailWaitTimeoutError, type WaitOptions, type MailboxGlance } from './mail-client'
export { RemoteMailboxState, type IdMailbox } from './remote-state'
export { HttpApi, MailApiError } from './http-api'
export { SmtpSender } from './smtp-sender'
export { matchesFilter, describeFilter, type Filterable } from './filter'
export { type CaughtEmail, decodeEncodedWords } from './mime'
export type { MailClientOptions, TlsOptions, BasicAuth } from './types'
export type * from './mailhog/shapes'
export type * from './mailpit/shapes'
export { mailpitQuery } from './mailpit/shapes'
export { serveMailCatcher, parseServeArgs, type ServeIo } from './serve'
export { mailCatcherWorkers, type MailCatcherWorkersOptions, type MailCatcherWorkerResources } from './workers'
// Where users import a worker setup, they find the function that composes it with others.
export { composeWorkers, startAppProcess, type WorkerApp } from '@venomqa/core'
