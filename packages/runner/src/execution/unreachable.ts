import dns from 'node:dns'
import { connect } from 'node:net'
import { redactText } from '@venomqa/core'
import { socketAddress } from '../http/connection-pool'
import type { AttemptResult } from './step-attempt'

/** How long the check waits for a new connection to the base URL's host and port, ms. */
const PROBE_MS = 2_000

/** A base URL the run found nothing listening at, and where it found that. */
export interface UnreachableBaseUrl {
  /** The address refused: the base URL's origin (`http://127.0.0.1:3000`), which every journey on it shares. */
  origin: string
  /** The base URL as the journey that met it had it, masked: what the messages name. */
  baseUrl: string
  /** Why nothing is sent there: the connection was refused, or the base URL's host name is not found (ENOTFOUND). */
  reason: 'refused' | 'not-found'
  /** The journey, path and step whose request was refused. */
  journey: string
  path: string
  step: string
}

/**
 * The one place that decides that the API a run tests is not there: a step failed on a connection the
 * base URL's own host and port refused, and a new connection to it is refused too; or on the base URL's
 * host name, which a new lookup does not find either (ENOTFOUND: a misspelt host). Nothing listens there
 * (the API is not started, or the base URL, or the variable the config reads it from, is wrong), so every
 * later request to it would be refused the same way: the journey stops there, and no later journey of the
 * run that uses this base URL is started. One list per run: a run that starts later asks again.
 *
 * What it leaves alone: a step that passed (one that checks the API is down, catching the refusal, passes);
 * a refused connection to any other host or port (a mock server still starting): that step fails, and the
 * run goes on; a step's own `retries` and the HTTP client's retry policy, which have all run before a
 * step's failure is final; a base URL that accepts the new connection (the API came back in the meantime).
 */
export class BaseUrlReachability {
  readonly #down = new Map<string, UnreachableBaseUrl>()

  /** What the run found about `baseUrl`'s address, when nothing listens there; undefined otherwise. */
  known(baseUrl: string | undefined): UnreachableBaseUrl | undefined {
    // Asked before every step: parsing its base URL only once something is known to be down.
    if (this.#down.size === 0) return undefined
    const origin = originOf(baseUrl)
    return origin === undefined ? undefined : this.#down.get(origin)
  }

  /**
   * After a step's last attempt failed: whether it failed because nothing listens at `baseUrl` (see the
   * class). Records it, and returns the record, when so; undefined otherwise.
   */
  async afterFailure(baseUrl: string, attempt: AttemptResult, where: { journey: string; path: string; step: string }): Promise<UnreachableBaseUrl | undefined> {
    const { outcome } = attempt
    if (outcome.passed || (outcome.kind !== 'connection-refused' && outcome.kind !== 'dns')) return undefined
    const origin = originOf(baseUrl)
    if (origin === undefined || originOf(refusedUrl(attempt)) !== origin) return undefined
    const already = this.#down.get(origin)
    if (already) return already
    // Looked at again, the way it failed: a host name no lookup finds, or an address that refuses.
    const reason = outcome.kind === 'dns' ? ((await lookup(origin)) === 'not-found' ? 'not-found' : undefined) : (await probe(origin)) === 'refused' ? 'refused' : undefined
    if (reason === undefined) return undefined
    const found: UnreachableBaseUrl = { origin, baseUrl: redactText(baseUrl), reason, ...where }
    // Another journey (on another worker) may have found it meanwhile: the first one found stays.
    if (!this.#down.has(origin)) this.#down.set(origin, found)
    return this.#down.get(origin)
  }
}

/**
 * The URL of the request whose refusal failed the step: the error it threw names it (a TransportError, of
 * this copy of core or another); else the request the step is shown with, when that one got no answer.
 */
function refusedUrl(attempt: AttemptResult): string | undefined {
  if (attempt.settled.threw) {
    const url = (attempt.settled.error as { url?: unknown } | null | undefined)?.url
    if (typeof url === 'string') return url
  }
  const shown = attempt.shown
  return shown && !shown.response ? shown.request.url : undefined
}

function originOf(url: string | undefined): string | undefined {
  if (!url) return undefined
  try {
    const { origin } = new URL(url)
    return origin === 'null' ? undefined : origin
  } catch {
    return undefined
  }
}

/**
 * A new TCP connection to `origin`'s host and port, closed at once: `refused` when nothing listens there;
 * `open` when something accepted it; `unknown` when it neither came nor was refused in time (a host that
 * drops packets) or failed otherwise. Only a refusal counts: it sends the API nothing, not even a request.
 */
function probe(origin: string): Promise<'refused' | 'open' | 'unknown'> {
  const { host, port } = socketAddress(new URL(origin))
  return new Promise((resolve) => {
    const socket = connect({ host, port })
    const done = (seen: 'refused' | 'open' | 'unknown') => {
      clearTimeout(timer)
      socket.destroy()
      resolve(seen)
    }
    const timer = setTimeout(() => done('unknown'), PROBE_MS)
    socket.once('connect', () => done('open'))
    socket.once('error', (err: NodeJS.ErrnoException) => done(err.code === 'ECONNREFUSED' ? 'refused' : 'unknown'))
  })
}

/**
 * A new lookup of `origin`'s host name: `not-found` when the resolver says there is no such host
 * (ENOTFOUND); `unknown` for an answer, or a failure that may pass (EAI_AGAIN: the resolver did not answer).
 */
function lookup(origin: string): Promise<'not-found' | 'found' | 'unknown'> {
  const { host } = socketAddress(new URL(origin))
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve('unknown'), PROBE_MS)
    dns.lookup(host, (err) => {
      clearTimeout(timer)
      resolve(!err ? 'found' : err.code === 'ENOTFOUND' ? 'not-found' : 'unknown')
    })
  })
}
