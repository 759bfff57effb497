import { type ErrorKind, type HttpExchange, errorMessage } from '@venomqa/core'
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

/** A refusal for want of a log-in: 401 (who are you?) or 403 (not you). */
const UNAUTHORIZED = new Set([401, 403])

/** The first edge the API refused as unauthorized: which action, which request, which status. */
export interface Unauthorized {
  action: string
  request: string
  status: number
}

/**
 * How the API took the edges of a search: how many it accepted (`ok`), how many it refused, how many of
 * those as unauthorized, and the first such. None accepted and every refusal a 401 or 403 is a search
 * that never got past the log-in.
 */
export class Answers {
  accepted = 0
  refused = 0
  unauthorized = 0
  firstUnauthorized?: Unauthorized

  add(kind: EdgeKind, action: string, shown: HttpExchange | undefined): void {
    if (kind === 'ok') this.accepted++
    if (kind !== 'refused') return
    this.refused++
    const status = shown && exchangeStatus(shown)
    if (status === undefined || !UNAUTHORIZED.has(status)) return
    this.unauthorized++
    this.firstUnauthorized ??= { action, request: `${shown!.request.method} ${shown!.request.url}`, status }
  }

  /** Add what another explorer of the same exploration counted. */
  addAll(other: Answers): void {
    this.accepted += other.accepted
    this.refused += other.refused
    this.unauthorized += other.unauthorized
    this.firstUnauthorized ??= other.firstUnauthorized
  }

  /** The API accepted nothing, and refused everything it refused as unauthorized. */
  get onlyUnauthorized(): boolean {
    return this.accepted === 0 && this.refused > 0 && this.unauthorized === this.refused
  }
}
