import { redactText } from '@venomqa/core'
import type { StubMapping, UnmatchedRequest } from './admin'

/** A stub's request as it would be written: `POST /v1/charge`, `GET ~/users/.*` for a pattern. */
export function describeStub(stub: StubMapping): string {
  const r = stub.request ?? {}
  const method = typeof r.method === 'string' ? r.method : 'ANY'
  const url = [r.url, r.urlPath].find((u): u is string => typeof u === 'string')
  const pattern = [r.urlPattern, r.urlPathPattern].find((u): u is string => typeof u === 'string')
  return `${method} ${url ?? (pattern !== undefined ? `~${pattern}` : 'any URL')}`
}

/**
 * Said when a step failed: the app got WireMock's 404 for these requests, and its answer (a 402, a 500) is
 * what the step failed on, which says nothing of the stub that did not match. URLs are masked as in reports.
 */
export function unmatchedMessage(step: string, unmatched: UnmatchedRequest[]): string {
  const n = unmatched.length
  const list = unmatched.map(({ request, nearest }) => `${request.method} ${request.url}${nearest ? ` (nearest stub: ${describeStub(nearest)})` : ' (no stub is near it)'}`)
  return redactText(`step "${step}" failed, and WireMock answered ${n} ${n === 1 ? 'request' : 'requests'} of it that no stub matched with a 404: ${list.join('; ')}`)
}
