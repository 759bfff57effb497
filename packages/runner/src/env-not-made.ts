import { type ErrorKind, StateError } from '@venomqa/core'

/**
 * Why an exploration's environment could not be made (Runner.explorationEnv), with where a run files the
 * same problem: `connect <backend>` (kind state) for a state backend that could not connect, `start app`
 * (kind crash, source app) for the app under test that did not start. The exploration records it as its
 * own issue under that step, and the run records it nowhere else: it is told once.
 */
export class EnvNotMadeError extends StateError {
  readonly step: string
  readonly kind: ErrorKind
  readonly source: string
  constructor(message: string, place: { step: string; kind: ErrorKind; source: string; suggestion?: string }) {
    super('runner', message, place.suggestion ? { suggestion: place.suggestion } : undefined)
    this.step = place.step
    this.kind = place.kind
    this.source = place.source
  }
}
