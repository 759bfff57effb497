import { createRequire } from 'node:module'
import type { Dispatcher, Agent as UndiciAgent } from 'undici'

/**
 * The parts of undici the runner uses, and no more. undici's index also loads fetch, WebSocket,
 * EventSource, the cache stores and the mocks: about a third of the runner's import time, for nothing the
 * runner calls. The files are required, not imported: an ES module importing CommonJS has Node scan each
 * file for its export names first. undici has no exports map and is pinned (package.json);
 * test/http/undici.test.ts checks these files against what undici's own index exports.
 */
const requireUndici = createRequire(import.meta.url)
export const Agent: typeof UndiciAgent = requireUndici('undici/lib/dispatcher/agent.js')
const dispatchRequest: (this: Dispatcher, options: Dispatcher.RequestOptions) => Promise<Dispatcher.ResponseData> = requireUndici('undici/lib/api/api-request.js')
const { parseURL }: { parseURL(url: string): URL } = requireUndici('undici/lib/core/util.js')
const { getGlobalDispatcher }: { getGlobalDispatcher(): Dispatcher } = requireUndici('undici/lib/global.js')

/** What the runner sends: the fields it uses of undici's request options, and no others. */
export interface RequestOptions {
  method: Dispatcher.HttpMethod
  headers?: Record<string, string>
  body?: string | Uint8Array
  signal?: Dispatcher.RequestOptions['signal']
  headersTimeout?: number
  bodyTimeout?: number
  /** undici's global dispatcher when not given, as with undici's own `request`. */
  dispatcher?: Dispatcher
}

/**
 * undici's `request(url, options)`: the URL checked and split as undici does, then the dispatcher's request
 * API. The options undici gets are one object literal of one shape, not a rest-and-spread copy of the
 * caller's: copying an object of unknown shape was a fifth of the client's own time per request.
 */
export function request(url: string, o: RequestOptions): Promise<Dispatcher.ResponseData> {
  const u = parseURL(url)
  const path = u.search ? `${u.pathname}${u.search}` : u.pathname
  const options: Dispatcher.RequestOptions = { origin: u.origin, path, method: o.method, headers: o.headers, body: o.body, signal: o.signal, headersTimeout: o.headersTimeout, bodyTimeout: o.bodyTimeout }
  return dispatchRequest.call(o.dispatcher ?? getGlobalDispatcher(), options)
}
