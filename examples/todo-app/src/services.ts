import type { IncomingMessage } from 'node:http'
import { HttpError } from '@venomqa/example-app-kit'
import type { TodoCache } from './integrations/cache'
import type { TodoEvents } from './integrations/events'
import type { Mailer } from './integrations/mailer'
import type { Webhooks } from './integrations/webhooks'
import type { Quota, Store, User } from './storage'

/** What route handlers share: the store, the optional integrations, and the app's in-process counters. */
export interface Services {
  store: Store
  quota: Quota
  cache?: TodoCache
  events?: TodoEvents
  mailer?: Mailer
  webhooks?: Webhooks
  paymentUrl?: string
  /** Base of links in mails: PUBLIC_URL, or the URL the app listens on. */
  publicUrl(): string
  log(message: string): void
  /** Calls per key of /api/flaky. Not part of checkpoints: a retry must see its earlier attempts. */
  flaky: Map<string, number>
  /** /api/slow requests: waiting, answered, and stopped because the client went away. */
  slow: { pending: number; completed: number; aborted: number }
}

const BEARER = /^Bearer\s+(\S+)$/i

/** The user the request's bearer token belongs to, or 401. Looked up in the store on every request. */
export async function requireUser(services: Services, req: IncomingMessage): Promise<User> {
  const header = req.headers.authorization
  const token = header ? BEARER.exec(header)?.[1] : undefined
  if (!token) throw new HttpError(401, { error: 'missing bearer token' }, { 'www-authenticate': 'Bearer' })
  const user = await services.store.userForToken(token)
  if (!user) throw new HttpError(401, { error: 'invalid or expired token' }, { 'www-authenticate': 'Bearer' })
  return user
}
