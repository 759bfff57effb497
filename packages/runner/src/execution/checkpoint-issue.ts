import type { Issue } from '@venomqa/core'
import { BEFORE_JOURNEY_CHECKPOINT } from './retries'

const PREFIX = 'checkpoint '

/** The step of the issue of a checkpoint that could not be taken: `checkpoint <name>`. */
export function checkpointStep(name: string): string {
  return `${PREFIX}${name}`
}

/**
 * The checkpoint an issue says could not be taken (see JourneyExecution.runCheckpoint), for a reporter to
 * tell as it happens; undefined for any other issue. A failed checkpoint has no `checkpoint` event, which
 * means one was taken (a plugin that follows open checkpoints counts it).
 */
export function failedCheckpointOf(issue: Pick<Issue, 'kind' | 'source' | 'step'>): string | undefined {
  return issue.kind === 'state' && issue.source === 'state' && issue.step.startsWith(PREFIX) ? issue.step.slice(PREFIX.length) : undefined
}

const ROLLBACK_PREFIX = 'rollback '
const RESTORE_STEP = 'restore'

/** The step of the issue of a rollback that failed: `rollback <checkpoint>`. */
export function rollbackStep(checkpoint: string): string {
  return `${ROLLBACK_PREFIX}${checkpoint}`
}

/** The step of the issue of a journey's `restore` that failed. */
export function restoreStep(): string {
  return RESTORE_STEP
}

/**
 * The checkpoint an issue says could not be rolled back to (a branch's rollback, a journey's restore, the
 * put-back of a journey stopped short), for a reporter to tell as it happens; undefined for any other issue.
 * A failed rollback has no `rollback` event, which means the state was put back.
 */
export function failedRollbackOf(issue: Pick<Issue, 'kind' | 'step'>): { checkpoint: string; restore: boolean } | undefined {
  if (issue.kind !== 'state') return undefined
  if (issue.step === RESTORE_STEP) return { checkpoint: BEFORE_JOURNEY_CHECKPOINT, restore: true }
  return issue.step.startsWith(ROLLBACK_PREFIX) ? { checkpoint: issue.step.slice(ROLLBACK_PREFIX.length), restore: false } : undefined
}
