import { type ErrorKind, errorMessage } from '@venomqa/core'
import { exchangeStatus } from '@venomqa/runner'
import type { ActionEffect } from './invariants'

/**
 * What an edge did to the search:
 * - `ok`: the action went through (or answered an error but changed the state): descend if new;
 * - `refused`: a 4xx that changed nothing (the API said no): not descended into;
 * - `failed`: a transport error, a 5xx that changed nothing, or the action's own code failed (an
 *   assertion on a 2xx, a crash): the state is not one to build on.
 */
export type EdgeKind = 'ok' | 'refused' | 'failed'

export function classifyEdge(effect: ActionEffect, changedState: boolean): EdgeKind {
  const { outcome, shown } = effect.attempt
  if (outcome.passed) return 'ok'
  const status = shown && exchangeStatus(shown)
  if (status !== undefined && status >= 400) {
    if (changedState) return 'ok'
    return status < 500 ? 'refused' : 'failed'
  }
  return 'failed'
}

/** Why the action's own code failed, when that is what happened (not the API's answer, not the network). */
export function actionFault(effect: ActionEffect): ActionFault | undefined {
  const { outcome, shown } = effect.attempt
  if (outcome.passed) return undefined
  if (['timeout', 'connection-refused', 'connection-reset', 'dns', 'tls', 'transport', 'aborted'].includes(outcome.kind)) return undefined
  const status = shown && exchangeStatus(shown)
  if (status !== undefined && status >= 400) return undefined
  return { message: outcome.message || errorMessage(outcome), kind: outcome.kind, ...(outcome.suggestion ? { suggestion: outcome.suggestion } : {}) }
}

/** An action whose own code failed: an assertion it made, an error it threw, a request it could not make. */
export interface ActionFault {
  message: string
  kind: ErrorKind
  /** The error's own suggestion, when its code has one. */
  suggestion?: string
}
