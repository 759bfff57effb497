/**
 * The reason the journeys' signal carries when --fail-fast stopped the run: the journey whose failure did,
 * so that one cut short on another worker says it (`failFastAfter`, core's stoppedHow), as the journeys
 * never started do. Ctrl-C aborts it with another reason.
 */
export class FailFastStop extends Error {
  constructor(readonly failed: string) {
    super(`--fail-fast: ${JSON.stringify(failed)} failed`)
  }
}

/** `{ failFastAfter }` for a result cut short when --fail-fast aborted `signal`; nothing otherwise. */
export function failFastAfterOf(signal: AbortSignal | undefined): { failFastAfter?: string } {
  return signal?.aborted && signal.reason instanceof FailFastStop ? { failFastAfter: signal.reason.failed } : {}
}
