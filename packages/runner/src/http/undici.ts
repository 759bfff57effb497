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

export type RequestOptions = Omit<Dispatcher.RequestOptions, 'origin' | 'path' | 'method'> & {
  method: Dispatcher.HttpMethod
  /** undici's global dispatcher when not given, as with undici's own `request`. */
  dispatcher?: Dispatcher
}

/** undici's `request(url, options)`: the URL checked and split as undici does, then the dispatcher's request API. */
export function request(url: string, options: RequestOptions): Promise<Dispatcher.ResponseData> {
  const { dispatcher = getGlobalDispatcher(), ...rest } = options
  const u = parseURL(url)
  return dispatchRequest.call(dispatcher, { ...rest, origin: u.origin, path: u.search ? `${u.pathname}${u.search}` : u.pathname })
}
