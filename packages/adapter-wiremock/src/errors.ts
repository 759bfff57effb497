import { VenomError } from '@venomqa/core'

/** WireMock could not be reached, or answered an admin call with an error. */
export class WireMockError extends VenomError {
  /** The HTTP status WireMock answered with; undefined when it did not answer at all. */
  readonly status?: number
  constructor(message: string, options?: { status?: number; cause?: unknown }) {
    super('E_WIREMOCK', message, options)
    this.status = options?.status
  }
}

/** The network error under a failed request's generic message ("fetch failed", "no answer"), e.g. "connect ECONNREFUSED 127.0.0.1:8080". */
export function transportReason(err: unknown): string {
  const e = err as Error & { cause?: Error & { code?: string } }
  if (e?.name === 'TimeoutError') return 'no answer in time'
  const cause = e?.cause
  if (cause?.message) return cause.message
  return e?.message ?? String(err)
}

/** Whether a request failed because the URL leads nowhere: no such host, or nothing listening there. */
export function leadsNowhere(err: unknown): boolean {
  const code = (err as { cause?: { code?: unknown } })?.cause?.code
  return code === 'ECONNREFUSED' || code === 'ENOTFOUND' || code === 'EAI_AGAIN'
}
